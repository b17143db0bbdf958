// IP addresses and networks as logs write them. Shared by rule matching (`|cidr`) and by the
// investigation, which sorts addresses into internal, VPN pool and external.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tansa {

struct IpAddress {
  std::uint8_t family = 0;  // 4 or 6
  std::array<std::uint8_t, 16> bytes{};
};

// Parses "10.0.0.5", "::1", "::ffff:10.0.0.5" (an IPv4-mapped address reads as IPv4), and
// "[2001:db8::1]". Anything else gives nullopt.
[[nodiscard]] std::optional<IpAddress> parse_ip(std::string_view text);

// The address as it should be compared and shown: IPv4-mapped IPv6 as plain IPv4, brackets off.
// Text that is not an address comes back unchanged.
[[nodiscard]] std::string canonical_ip(std::string_view text);

struct Network {
  IpAddress net;
  std::uint8_t prefix = 0;

  // "10.0.0.0/8", "fc00::/7", or one address (a /32 or /128). Host bits are cleared.
  [[nodiscard]] static std::optional<Network> parse(std::string_view text);
  [[nodiscard]] bool contains(const IpAddress& a) const;
};

}  // namespace tansa
