#include "watch/framing.h"

#include <algorithm>

namespace tansa::watch {

namespace {

// Longest decimal count accepted (RFC 5425 messages are far shorter; this only bounds the parse).
constexpr std::size_t kMaxCountDigits = 9;

}  // namespace

Framer::Framer(Mode mode, std::size_t max_message)
    : mode_(mode), max_(std::max<std::size_t>(max_message, 1)), lines_only_(mode == Mode::Lines) {}

void Framer::deliver(std::string_view m, const MessageFn& on_message) {
  while (!m.empty() && (m.back() == '\r' || m.back() == '\n' || m.back() == '\0'))
    m.remove_suffix(1);
  if (!m.empty()) on_message(m);
}

void Framer::feed(std::string_view in, const MessageFn& on_message) {
  while (!in.empty()) {
    if (skip_) {  // the rest of an over-long octet-counted message
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(skip_, in.size()));
      skip_ -= n;
      in.remove_prefix(n);
      continue;
    }
    if (counted_) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(want_, in.size()));
      buf_.append(in.substr(0, n));
      want_ -= n;
      in.remove_prefix(n);
      if (want_ == 0) {
        counted_ = false;
        deliver(buf_, on_message);
        buf_.clear();
        skip_ = skip_after_;
        skip_after_ = 0;
      }
      continue;
    }
    if (skip_line_) {
      const std::size_t end = in.find_first_of(std::string_view("\n\0", 2));
      if (end == std::string_view::npos) return;
      skip_line_ = false;
      in.remove_prefix(end + 1);
      continue;
    }
    // Between messages, or inside a line or a count.
    if (!lines_only_ &&
        (buf_.empty() ? (in[0] >= '0' && in[0] <= '9') : (buf_[0] >= '0' && buf_[0] <= '9'))) {
      // Octet counting: digits up to a space.
      std::size_t i = 0;
      while (i < in.size() && in[i] >= '0' && in[i] <= '9' && buf_.size() + i <= kMaxCountDigits)
        ++i;
      if (i == in.size() && buf_.size() + i <= kMaxCountDigits) {
        buf_.append(in);  // the count goes on in the next read
        return;
      }
      if (i < in.size() && in[i] == ' ' && buf_.size() + i <= kMaxCountDigits) {
        buf_.append(in.substr(0, i));
        std::uint64_t count = 0;
        for (char c : buf_) count = count * 10 + static_cast<std::uint64_t>(c - '0');
        buf_.clear();
        in.remove_prefix(i + 1);
        if (count > max_) {
          ++truncated_;
          want_ = max_;  // the first max_ bytes are kept and delivered, the rest skipped
          skip_after_ = count - max_;
        } else {
          want_ = count;
        }
        counted_ = want_ != 0;
        continue;
      }
      // Not a count: this stream is framed by lines after all.
      ++bad_counts_;
      lines_only_ = true;
      continue;
    }
    // Non-transparent framing: up to LF or NUL.
    const std::size_t end = in.find_first_of(std::string_view("\n\0", 2));
    const std::string_view part = in.substr(0, end);
    const std::size_t room = max_ - std::min(max_, buf_.size());
    if (part.size() > room) {
      buf_.append(part.substr(0, room));
      ++truncated_;
      deliver(buf_, on_message);
      buf_.clear();
      if (end == std::string_view::npos) {
        skip_line_ = true;
        return;
      }
      in.remove_prefix(end + 1);
      continue;
    }
    buf_.append(part);
    if (end == std::string_view::npos) return;
    deliver(buf_, on_message);
    buf_.clear();
    in.remove_prefix(end + 1);
  }
}

void Framer::finish(const MessageFn& on_message) {
  if (!counted_ && !skip_line_ && !buf_.empty() &&
      !(buf_[0] >= '0' && buf_[0] <= '9' && !lines_only_))
    deliver(buf_, on_message);
  else if (counted_ && !buf_.empty())
    deliver(buf_, on_message);  // a cut octet-counted message: what arrived of it
  buf_.clear();
  counted_ = false;
  want_ = skip_ = skip_after_ = 0;
  skip_line_ = false;
}

}  // namespace tansa::watch
