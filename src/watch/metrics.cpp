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
  auto parts = split_address(address);
  if (!parts) return std::unexpected("--metrics: " + parts.error());
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(parts->first.c_str(), parts->second.c_str(), &hints, &res);
      rc != 0)
    return std::unexpected("--metrics '" + address + "': " + ::gai_strerror(rc));
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  std::string why = "no address";
  for (addrinfo* ai = res; ai && m->fd_ < 0; ai = ai->ai_next) {
    const int fd =
        ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, 16) != 0) {
      why = std::strerror(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    char host[NI_MAXHOST], port[NI_MAXSERV];
    ::getnameinfo(reinterpret_cast<sockaddr*>(&bound), len, host, sizeof host, port, sizeof port,
                  NI_NUMERICHOST | NI_NUMERICSERV);
    m->fd_ = fd;
    m->name_ = std::string("http ") + (bound.ss_family == AF_INET6 ? "[" : "") + host +
               (bound.ss_family == AF_INET6 ? "]" : "") + ":" + port;
  }
  ::freeaddrinfo(res);
  if (m->fd_ < 0) return std::unexpected("cannot listen on " + address + ": " + why);
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
