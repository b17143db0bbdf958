// The network and standard-input sources of `tansa watch`: a syslog listener on UDP or TCP, JSON
// lines on TCP or standard input. Each binds exactly the address the operator wrote (HOST:PORT,
// [V6]:PORT; a bare port is refused, so nothing listens on every interface unless 0.0.0.0 is
// written). Messages are cut by watch/framing.h. Sockets are non-blocking and read only when the
// loop asks (at most a budget of bytes per call): a busy watcher leaves TCP data in the kernel, so
// senders wait (back-pressure); UDP datagrams the kernel drops for want of buffer are counted
// (SO_RXQ_OVFL).
#pragma once

#include <poll.h>

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "watch/framing.h"

namespace tansa::watch {

// A socket bound to exactly `address` (HOST:PORT, [V6]:PORT: split_address), non-blocking: UDP,
// or TCP listening with `backlog`. `prepare` sets options before the bind. `where` is the address
// as bound ("127.0.0.1:5514", the port the kernel chose when 0 was asked).
struct BoundSocket {
  int fd = -1;
  std::string where;
};
[[nodiscard]] std::expected<BoundSocket, std::string> bind_address(
    const std::string& address, bool udp, int backlog,
    const std::function<void(int fd)>& prepare = {});

class Listener {
 public:
  enum class Kind : std::uint8_t { SyslogUdp, SyslogTcp, JsonTcp, JsonStdin };
  [[nodiscard]] static std::expected<std::unique_ptr<Listener>, std::string> open(
      Kind kind, const std::string& address);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Appends the descriptors to wait on; service() gets the same entries back, after poll(2).
  void add_fds(std::vector<pollfd>& fds) const;
  [[nodiscard]] std::size_t fd_count() const;
  // Reads what is ready (at most about `budget` bytes); each message to `on_message`. Returns the
  // bytes read.
  std::size_t service(std::span<const pollfd> ready, const MessageFn& on_message,
                      std::size_t budget);

  [[nodiscard]] Kind kind() const { return kind_; }
  // "udp 127.0.0.1:5514", with the port the kernel chose when 0 was asked.
  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] std::uint64_t dropped() const { return dropped_; }  // UDP, by the kernel
  [[nodiscard]] std::uint64_t truncated() const;
  // Standard input has ended (other kinds never end).
  [[nodiscard]] bool ended() const { return kind_ == Kind::JsonStdin && fd_ < 0; }

 private:
  Listener() = default;
  struct Conn {
    int fd;
    Framer framer;
  };
  void accept_all();
  Kind kind_ = Kind::SyslogUdp;
  int fd_ = -1;  // UDP socket, TCP listening socket, or 0 for standard input
  std::vector<Conn> conns_;
  std::unique_ptr<Framer> stdin_framer_;
  std::string name_;
  std::uint64_t dropped_ = 0, truncated_closed_ = 0;
  std::vector<char> buf_;
};

// The listening address "HOST:PORT" split, or an error naming what is wrong.
[[nodiscard]] std::expected<std::pair<std::string, std::string>, std::string> split_address(
    std::string_view address);

}  // namespace tansa::watch
