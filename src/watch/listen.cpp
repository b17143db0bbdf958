#include "watch/listen.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace tansa::watch {

namespace {

constexpr std::size_t kMaxConnections = 256;
constexpr std::size_t kMaxDatagram = 65536;

bool nonblocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL, 0);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

std::string describe(const sockaddr* sa) {
  char host[INET6_ADDRSTRLEN] = "?";
  unsigned port = 0;
  if (sa->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    ::inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
    port = ntohs(in->sin_port);
    return std::string(host) + ":" + std::to_string(port);
  }
  const auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
  ::inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
  port = ntohs(in6->sin6_port);
  return "[" + std::string(host) + "]:" + std::to_string(port);
}

}  // namespace

std::expected<std::pair<std::string, std::string>, std::string> split_address(std::string_view a) {
  std::string host, port;
  if (a.starts_with('[')) {
    const auto close = a.find(']');
    if (close == std::string_view::npos || close + 1 >= a.size() || a[close + 1] != ':')
      return std::unexpected("'" + std::string(a) + "': expected [ADDRESS]:PORT");
    host = a.substr(1, close - 1);
    port = a.substr(close + 2);
  } else {
    const auto colon = a.rfind(':');
    if (colon == std::string_view::npos)
      return std::unexpected("'" + std::string(a) +
                             "': expected HOST:PORT (the address to bind is never implied; "
                             "write 0.0.0.0:PORT to listen on every interface)");
    host = a.substr(0, colon);
    port = a.substr(colon + 1);
  }
  if (host.empty())
    return std::unexpected("'" + std::string(a) +
                           "': no address to bind (write 127.0.0.1:PORT, or 0.0.0.0:PORT for "
                           "every interface)");
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos ||
      port.size() > 5 || std::stoul(port) > 65535)
    return std::unexpected("'" + std::string(a) + "': the port must be a number up to 65535");
  return std::pair{host, port};
}

std::expected<std::unique_ptr<Listener>, std::string> Listener::open(Kind kind,
                                                                     const std::string& address) {
  std::unique_ptr<Listener> l(new Listener());
  l->kind_ = kind;
  l->buf_.resize(kMaxDatagram);
  if (kind == Kind::JsonStdin) {
    l->fd_ = 0;
    if (!nonblocking(0)) return std::unexpected("standard input cannot be made non-blocking");
    l->stdin_framer_ = std::make_unique<Framer>(Framer::Mode::Lines, std::size_t{1} << 20);
    l->name_ = "stdin";
    return l;
  }
  const bool udp = kind == Kind::SyslogUdp;
  auto bound = bind_address(address, udp, 64, [udp](int fd) {
    if (!udp) return;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    // Room for bursts: 8 MiB (beyond net.core.rmem_max only with CAP_NET_ADMIN).
    const int want = 8 << 20;
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof want) != 0)
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof want);
  });
  if (!bound) return std::unexpected(bound.error());
  l->fd_ = bound->fd;
  l->name_ = (udp ? "udp " : "tcp ") + bound->where;
  return l;
}

std::expected<BoundSocket, std::string> bind_address(const std::string& address, bool udp,
                                                     int backlog,
                                                     const std::function<void(int)>& prepare) {
  auto parts = split_address(address);
  if (!parts) return std::unexpected(parts.error());
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = udp ? SOCK_DGRAM : SOCK_STREAM;
  addrinfo* res = nullptr;
  if (const int rc = ::getaddrinfo(parts->first.c_str(), parts->second.c_str(), &hints, &res);
      rc != 0)
    return std::unexpected("'" + address + "': " + ::gai_strerror(rc));
  std::string why = "no address";
  BoundSocket out;
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (prepare) prepare(fd);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || (!udp && ::listen(fd, backlog) != 0) ||
        !nonblocking(fd)) {
      why = std::strerror(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage bound{};
    socklen_t len = sizeof bound;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    out.fd = fd;
    out.where = describe(reinterpret_cast<const sockaddr*>(&bound));
    break;
  }
  ::freeaddrinfo(res);
  if (out.fd < 0) return std::unexpected("cannot listen on " + address + ": " + why);
  return out;
}

Listener::~Listener() {
  for (Conn& c : conns_) ::close(c.fd);
  if (fd_ > 0) ::close(fd_);
}

std::size_t Listener::fd_count() const {
  return 1 + conns_.size();
}

void Listener::add_fds(std::vector<pollfd>& fds) const {
  fds.push_back(pollfd{fd_, POLLIN, 0});
  for (const Conn& c : conns_) fds.push_back(pollfd{c.fd, POLLIN, 0});
}

std::uint64_t Listener::truncated() const {
  std::uint64_t n = truncated_closed_;
  for (const Conn& c : conns_) n += c.framer.truncated();
  if (stdin_framer_) n += stdin_framer_->truncated();
  return n;
}

void Listener::accept_all() {
  for (;;) {
    const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    if (conns_.size() >= kMaxConnections) {
      ::close(fd);  // bounded: the sender retries later
      continue;
    }
    conns_.push_back(
        Conn{fd, Framer(kind_ == Kind::JsonTcp ? Framer::Mode::Lines : Framer::Mode::Syslog)});
  }
}

std::size_t Listener::service(std::span<const pollfd> ready, const MessageFn& on_message,
                              std::size_t budget) {
  std::size_t got = 0;
  if (kind_ == Kind::JsonStdin) {
    if (ready.empty() || !(ready[0].revents & (POLLIN | POLLHUP)) || fd_ < 0) return 0;
    while (got < budget) {
      const ssize_t n = ::read(0, buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n == 0) {  // end of input: stop waiting on it
        stdin_framer_->finish(on_message);
        fd_ = -1;
        break;
      }
      if (n < 0) break;
      got += static_cast<std::size_t>(n);
      stdin_framer_->feed(std::string_view(buf_.data(), static_cast<std::size_t>(n)), on_message);
    }
    return got;
  }
  if (kind_ == Kind::SyslogUdp) {
    if (ready.empty() || !(ready[0].revents & POLLIN)) return 0;
    while (got < budget) {
      iovec iov{buf_.data(), buf_.size()};
      alignas(cmsghdr) char control[CMSG_SPACE(sizeof(std::uint32_t))];
      msghdr msg{};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control;
      msg.msg_controllen = sizeof control;
      const ssize_t n = ::recvmsg(fd_, &msg, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL) {
          std::uint32_t drops = 0;
          std::memcpy(&drops, CMSG_DATA(c), sizeof drops);
          dropped_ = drops;  // the kernel's running count for this socket
        }
      got += static_cast<std::size_t>(n) + 1;
      std::string_view m(buf_.data(), static_cast<std::size_t>(n));
      while (!m.empty() && (m.back() == '\n' || m.back() == '\r' || m.back() == '\0'))
        m.remove_suffix(1);
      if (!m.empty()) on_message(m);
    }
    return got;
  }
  // TCP: the listening socket first, then each connection.
  const std::size_t before = conns_.size();
  for (std::size_t i = 0; i < before && i + 1 < ready.size() && got < budget; ++i) {
    Conn& c = conns_[i];
    if (!(ready[i + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    for (;;) {
      const ssize_t n = ::read(c.fd, buf_.data(), buf_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        got += static_cast<std::size_t>(n);
        c.framer.feed(std::string_view(buf_.data(), static_cast<std::size_t>(n)), on_message);
        if (got >= budget) break;
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        c.framer.finish(on_message);
        truncated_closed_ += c.framer.truncated();
        ::close(c.fd);
        c.fd = -1;
      }
      break;
    }
  }
  std::erase_if(conns_, [](const Conn& c) { return c.fd < 0; });
  if (!ready.empty() && (ready[0].revents & POLLIN)) accept_all();
  return got;
}

}  // namespace tansa::watch
