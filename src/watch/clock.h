// The clocks of the live commands (watch, its workers, publish): one definition each.
#pragma once

#include <chrono>
#include <cstdint>

namespace tansa::watch {

// Nanoseconds of the monotonic clock: for intervals, idle streams and deadlines.
[[nodiscard]] inline std::int64_t mono_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

[[nodiscard]] inline std::int64_t mono_ms() {
  return mono_ns() / 1'000'000;
}

// Nanoseconds since the Unix epoch, wall time: for what is remembered across restarts.
[[nodiscard]] inline std::int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace tansa::watch
