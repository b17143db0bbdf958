#include "scale/subject.h"

#include <fmt/format.h>

#include <charconv>

namespace tansa::scale {

namespace {

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// `s` cut to `max` bytes with "~<hash of all of s>" at its end when longer.
std::string bounded(std::string s, std::string_view whole, std::size_t max) {
  if (s.size() <= max) return s;
  const std::string tail = fmt::format("~{:016x}", fnv1a(whole));
  s.resize(max - tail.size());
  return s + tail;
}

}  // namespace

std::string host_token(std::string_view host) {
  if (host.empty()) return "%00";  // no host: one token of its own, distinct from any name
  std::string out;
  out.reserve(host.size());
  for (unsigned char c : host) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-';
    if (plain)
      out.push_back(static_cast<char>(c));
    else
      out += fmt::format("%{:02X}", c);
    if (out.size() > 4 * kMaxToken) break;  // enough to be cut below
  }
  return bounded(std::move(out), host, kMaxToken);
}

std::string header_value(std::string_view v) {
  std::string out;
  out.reserve(std::min(v.size(), kMaxHeader + 1));
  for (unsigned char c : v) {
    out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
    if (out.size() > kMaxHeader) break;
  }
  return bounded(std::move(out), v, kMaxHeader);
}

std::string raw_subject(std::string_view host) {
  return std::string(kRawPrefix) + host_token(host);
}

std::string partition_filter(unsigned partition) {
  return fmt::format("{}{}.*", kPartPrefix, partition);
}

std::string durable_name(std::string_view stream, unsigned partition) {
  return fmt::format("{}_p{}", stream, partition);
}

std::string stream_description(unsigned partitions) {
  return fmt::format("tansa events; partitions={}", partitions);
}

unsigned partitions_of_description(std::string_view d) {
  const std::string_view key = "partitions=";
  const auto at = d.find(key);
  if (at == std::string_view::npos) return 0;
  const char* b = d.data() + at + key.size();
  unsigned n = 0;
  const auto r = std::from_chars(b, d.data() + d.size(), n);
  return r.ec == std::errc() && n <= 100000 ? n : 0;
}

std::string mapping_line(unsigned partitions) {
  return fmt::format("mappings {{ \"{}*\": \"{}{{{{partition({},1)}}}}.{{{{wildcard(1)}}}}\" }}",
                     kRawPrefix, kPartPrefix, partitions);
}

}  // namespace tansa::scale
