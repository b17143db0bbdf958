// A 128-bit hash of words and byte strings: two independent 64-bit multiply-rotate lanes over the
// same input. Fast and well mixed; not cryptographic. It tells apart records (the duplicate
// filter's keys, seeded per run so that crafted collisions cannot be planned) and changed or
// damaged files (the rule caches' keys and checksums); it does not stand against a forger.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace tansa {

class Hash128 {
 public:
  constexpr Hash128() = default;
  constexpr Hash128(std::uint64_t seed_a, std::uint64_t seed_b) : a_(seed_a), b_(seed_b) {}

  constexpr void word(std::uint64_t w) {
    a_ = rotl((a_ ^ w) * kP1, 29) * kP2;
    b_ = rotl(b_ + w * kP3, 31) * kP1;
  }
  // Its length, then its bytes (8 at a time, the tail zero-padded).
  void bytes(std::string_view s) {
    word(s.size());
    std::size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      std::uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      word(w);
    }
    if (i < s.size()) {
      std::uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      word(w);
    }
  }
  // The two halves of the result, each lane finished with the other mixed in.
  [[nodiscard]] constexpr std::uint64_t a() const { return (a_ ^ (a_ >> 32)) * kP2 ^ b_; }
  [[nodiscard]] constexpr std::uint64_t b() const { return (b_ ^ (b_ >> 29)) * kP3 ^ a_; }

  static constexpr std::uint64_t kP1 = 0x9E3779B97F4A7C15ULL;
  static constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
  static constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
  std::uint64_t a_ = 0x243F6A8885A308D3ULL, b_ = 0x13198A2E03707344ULL;
};

}  // namespace tansa
