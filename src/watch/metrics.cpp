#include "watch/metrics.h"

#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "watch/listen.h"

namespace tansa::watch {

std::string prometheus_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::expected<std::unique_ptr<MetricsServer>, std::string> MetricsServer::open(
    const std::string& address) {
  auto bound = bind_address(address, false, 16);
  if (!bound) return std::unexpected("--metrics: " + bound.error());
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  m->fd_ = bound->fd;
  m->name_ = "http " + bound->where;
  return m;
}

MetricsServer::~MetricsServer() {
  if (fd_ >= 0) ::close(fd_);
}

void MetricsServer::serve(const std::function<std::string()>& render) {
  for (int served = 0; served < 16; ++served) {
    const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) return;
    timeval limit{0, 200'000};
    ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    std::string request;
    char buf[1024];
    while (request.size() < 8192 && request.find("\r\n\r\n") == std::string::npos &&
           request.find("\n\n") == std::string::npos) {
      const ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    const std::string body = render();
    const std::string reply = fmt::format(
        "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\nContent-Length: "
        "{}\r\nConnection: close\r\n\r\n{}",
        body.size(), body);
    std::size_t at = 0;
    while (at < reply.size()) {
      const ssize_t n = ::send(c, reply.data() + at, reply.size() - at, MSG_NOSIGNAL);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    ::close(c);
  }
}

}  // namespace tansa::watch
