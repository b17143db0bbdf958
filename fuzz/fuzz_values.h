// Fuzz inputs that carry several values: the bytes split at 0xff (a byte no UTF-8 text holds), so
// the fuzzer can grow and cross values independently. Always exactly `n` values, missing ones empty.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

inline std::vector<std::string> fuzz_values(std::string_view in, std::size_t n) {
  std::vector<std::string> v;
  std::size_t pos = 0;
  while (v.size() < n) {
    const std::size_t k = in.find('\xff', pos);
    v.emplace_back(in.substr(pos, k == std::string_view::npos ? in.npos : k - pos));
    if (k == std::string_view::npos) break;
    pos = k + 1;
  }
  v.resize(n);
  return v;
}
