// Test servers on 127.0.0.1: a socket on a port the kernel chooses, and an HTTP server that
// records what webhooks POST to it (watch's forwarding, unit and integration tests).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tansa::testing {

// A socket bound to 127.0.0.1 on a port the kernel chooses.
inline int bound_socket(int type, int& port) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// An HTTP server that answers the i-th request with statuses[i] (200 beyond the list), one request
// per connection, and keeps every request it read.
class HookServer {
 public:
  explicit HookServer(std::vector<int> statuses) : statuses_(std::move(statuses)) {
    fd_ = bound_socket(SOCK_STREAM, port_);
    ::listen(fd_, 16);
    thread_ = std::thread([this] { serve(); });
  }
  ~HookServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/hook";
  }
  [[nodiscard]] std::vector<std::string> bodies() {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  [[nodiscard]] std::vector<std::string> heads() {
    std::lock_guard lock(mu_);
    return heads_;
  }

 private:
  void serve() {
    for (std::size_t i = 0;; ++i) {
      const int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      std::size_t want = std::string::npos;
      while (want == std::string::npos || req.size() < want) {
        const ssize_t n = ::recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
        const std::size_t end = req.find("\r\n\r\n");
        if (want == std::string::npos && end != std::string::npos) {
          const std::size_t cl = req.find("Content-Length: ");
          want = end + 4 + (cl < end ? std::stoul(req.substr(cl + 16)) : 0);
        }
      }
      const std::size_t end = req.find("\r\n\r\n");
      const int status = i < statuses_.size() ? statuses_[i] : 200;
      {
        std::lock_guard lock(mu_);
        heads_.push_back(req.substr(0, end));
        bodies_.push_back(end == std::string::npos ? "" : req.substr(end + 4));
      }
      const std::string resp = "HTTP/1.1 " + std::to_string(status) +
                               " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      (void)::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  std::vector<int> statuses_;
  int fd_ = -1, port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> bodies_, heads_;
};

}  // namespace tansa::testing
