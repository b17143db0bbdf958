// Splitting a TCP byte stream into messages, apart from the sockets so it can be fuzzed
// (fuzz/fuzz_syslog_framing.cpp).
//
// Syslog over TCP comes framed two ways (RFC 6587): octet counting, "LEN SP MSG" with LEN in
// decimal (RFC 5425), and non-transparent framing, each message ended by LF (or NUL, or CR LF).
// The framer decides per message by its first byte, as rsyslog does: a digit starts an octet count,
// anything else a line. JSON lines (--json-tcp, standard input) use newline framing only.
//
// What it promises, whatever the bytes: memory is bounded by `max_message` plus one read; a
// message longer than that is cut to it (the rest of it is skipped, counted in `truncated`); a
// count that is not a number ends the octet-counted reading of that stream, which goes on as lines
// (counted in `bad_counts`). It never throws and never reads past what it was given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace tansa::watch {

using MessageFn = std::function<void(std::string_view message)>;

class Framer {
 public:
  enum class Mode : std::uint8_t { Syslog, Lines };
  explicit Framer(Mode mode, std::size_t max_message = std::size_t{64} << 10);

  // Appends bytes from the stream; each complete message goes to `on_message` (without its
  // framing; empty messages are not passed on).
  void feed(std::string_view bytes, const MessageFn& on_message);
  // The stream ended: an unterminated last message is passed on as it is.
  void finish(const MessageFn& on_message);

  [[nodiscard]] std::uint64_t truncated() const { return truncated_; }
  [[nodiscard]] std::uint64_t bad_counts() const { return bad_counts_; }
  [[nodiscard]] std::size_t buffered() const { return buf_.size(); }

 private:
  void deliver(std::string_view m, const MessageFn& on_message);
  Mode mode_;
  std::size_t max_;
  std::string buf_;               // the message being assembled
  std::uint64_t want_ = 0;        // octet counting: bytes of the current message still to come
  std::uint64_t skip_ = 0;        // bytes of an over-long message to drop
  std::uint64_t skip_after_ = 0;  // the same, once its kept part is read
  bool counted_ = false;          // inside an octet-counted message
  bool skip_line_ = false;        // dropping the rest of an over-long line
  bool lines_only_ = false;       // a bad count was seen: lines from now on
  std::uint64_t truncated_ = 0, bad_counts_ = 0;
};

}  // namespace tansa::watch
