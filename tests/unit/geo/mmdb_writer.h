// A small MaxMind DB writer for tests: the format libmaxminddb reads (the MaxMind DB File Format
// Specification 2.0: a binary search tree of 24-bit records, a data section, metadata after the
// "\xAB\xCD\xEFMaxMind.com" marker). Tests write their own databases with it, so GeoIP is tested
// without a downloaded database.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tansa::geo::testing {

struct MmdbValue {
  enum class Kind { String, Uint32, Map } kind = Kind::String;
  std::string text;
  std::uint32_t number = 0;
  std::vector<std::pair<std::string, MmdbValue>> entries;

  static MmdbValue str(std::string s) { return {Kind::String, std::move(s), 0, {}}; }
  static MmdbValue u32(std::uint32_t n) { return {Kind::Uint32, {}, n, {}}; }
  static MmdbValue map(std::vector<std::pair<std::string, MmdbValue>> e) {
    return {Kind::Map, {}, 0, std::move(e)};
  }
};

class MmdbWriter {
 public:
  // ip_version 6 databases hold IPv4 networks under ::/96, as MaxMind's own do.
  MmdbWriter(std::string database_type, int ip_version, std::uint64_t build_epoch);
  // "203.0.113.0/24" or "2001:db8::/32"; later networks may be inside earlier ones.
  void insert(const std::string& network, const MmdbValue& value);
  [[nodiscard]] std::string bytes() const;
  void write(const std::string& path) const;

  // A GeoLite2-Country-shaped record and a GeoLite2-ASN-shaped one.
  static MmdbValue country(const std::string& iso, const std::string& name);
  static MmdbValue asn(std::uint32_t number, const std::string& org);

 private:
  struct Record {
    enum class Kind { Empty, Node, Data } kind = Kind::Empty;
    std::uint32_t index = 0;  // node index, or data offset
  };
  std::string type_;
  int ip_version_;
  std::uint64_t epoch_;
  std::vector<std::pair<Record, Record>> nodes_{1};
  std::string data_;
};

}  // namespace tansa::geo::testing
