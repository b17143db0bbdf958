#include "tansa/net.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace tansa {

std::optional<IpAddress> parse_ip(std::string_view text) {
  if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    text = text.substr(1, text.size() - 2);
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) != 1) return std::nullopt;
  static constexpr std::uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, a.bytes.begin())) {
    std::copy(a.bytes.begin() + 12, a.bytes.end(), a.bytes.begin());
    std::fill(a.bytes.begin() + 4, a.bytes.end(), 0);
    a.family = 4;
    return a;
  }
  a.family = 6;
  return a;
}

std::string canonical_ip(std::string_view text) {
  const auto a = parse_ip(text);
  if (!a) return std::string(text);
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<Network> Network::parse(std::string_view text) {
  const auto slash = text.find('/');
  auto a = parse_ip(text.substr(0, slash));
  if (!a) return std::nullopt;
  int prefix = a->family == 4 ? 32 : 128;
  if (slash != std::string_view::npos) {
    auto r = std::from_chars(text.data() + slash + 1, text.data() + text.size(), prefix);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
    if (prefix < 0 || prefix > (a->family == 4 ? 32 : 128)) return std::nullopt;
  }
  Network n{*a, static_cast<std::uint8_t>(prefix)};
  for (int b = 0; b < 16; ++b) {
    const int keep = std::clamp(prefix - b * 8, 0, 8);
    n.net.bytes[b] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return n;
}

bool Network::contains(const IpAddress& a) const {
  if (a.family != net.family) return false;
  for (int b = 0; b < 16; ++b) {
    const int keep = std::clamp(prefix - b * 8, 0, 8);
    const auto mask = static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
    if ((a.bytes[b] & mask) != net.bytes[b]) return false;
  }
  return true;
}

}  // namespace tansa
