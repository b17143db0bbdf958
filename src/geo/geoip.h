// Where an address is: its country and autonomous system, from MaxMind-format databases
// (libmaxminddb: GeoLite2/GeoIP2 Country, City and ASN, or any MMDB with the same keys), or from
// the legacy country database Debian ships in geoip-database (libGeoIP), which is old: every answer
// from it carries the database's date. A log's own country field (FortiGate srccountry) wins over
// any database, and every answer says where its country came from.
//
// Only external addresses are looked up: private, loopback, link-local, shared (CGNAT), multicast
// and unspecified addresses have no country. Lookups are cached; a Resolver is safe to share
// between threads.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tansa/net.h"

namespace tansa::geo {

struct Place {
  // ISO 3166-1 alpha-2 ("JP"); empty when unknown. A log naming a country libGeoIP's table does
  // not know keeps the log's words.
  std::string country;
  std::string country_source;  // "log srccountry", "GeoLite2-Country 2024-05-03", ...
  std::uint32_t asn = 0;       // 0 when unknown
  std::string as_org;
  std::string as_source;  // the database the AS came from

  [[nodiscard]] bool empty() const { return country.empty() && asn == 0; }
  // "JP, AS2516 KDDI CORPORATION", "JP", "AS15169 GOOGLE"; empty when nothing is known.
  [[nodiscard]] std::string text() const;
};

// One opened database. Implementations: MaxMind DB files and the legacy GeoIP.dat.
class Database {
 public:
  virtual ~Database() = default;
  // Fills what this database knows of `a` into `p`, leaving fields already set alone.
  virtual void fill(const IpAddress& a, Place& p) const = 0;
  // "GeoLite2-Country 2024-05-03 (/path/GeoLite2-Country.mmdb)".
  [[nodiscard]] virtual std::string describe() const = 0;
  // The name and date an answer from it is attributed to: "GeoLite2-Country 2024-05-03".
  [[nodiscard]] virtual const std::string& label() const = 0;
};

// Where Debian's geoip-database puts its country databases.
inline constexpr std::string_view kDebianGeoIpDir = "/usr/share/GeoIP";

class Resolver {
 public:
  Resolver() = default;  // knows nothing
  Resolver(Resolver&&) noexcept;
  Resolver& operator=(Resolver&&) noexcept;
  ~Resolver();

  // MaxMind DB files, in order (a country and an ASN database, say): each answers what the earlier
  // ones left unknown. An unreadable or malformed file is an error naming it.
  [[nodiscard]] static std::expected<Resolver, std::string> open(
      std::span<const std::string> mmdb_files);
  // Debian's legacy country databases (GeoIP.dat, GeoIPv6.dat) in `dir`; an empty Resolver when
  // they are absent or unreadable.
  [[nodiscard]] static Resolver debian(std::string_view dir = kDebianGeoIpDir);

  [[nodiscard]] bool empty() const { return dbs_.empty(); }
  // One line per database, for the run's header: what answered, and how old it is.
  [[nodiscard]] std::vector<std::string> describe() const;
  // True when every answer comes from Debian's legacy database (the caller says it is old).
  [[nodiscard]] bool legacy_only() const { return legacy_only_; }

  // The place of an external address; empty for internal ones, text that is not an address, and
  // addresses no database knows.
  [[nodiscard]] Place lookup(std::string_view address) const;
  // The same, with the log's own country (`log_country` from field `log_field`), which wins.
  [[nodiscard]] Place lookup(std::string_view address, std::string_view log_country,
                             std::string_view log_field) const;

 private:
  std::vector<std::unique_ptr<Database>> dbs_;
  bool legacy_only_ = false;
  mutable std::unique_ptr<std::mutex> mu_ = std::make_unique<std::mutex>();
  mutable std::map<std::string, Place, std::less<>> cache_;
};

// Addresses no country can have: RFC 1918, loopback, link-local, CGNAT (100.64/10), multicast,
// unspecified, IPv6 unique-local and link-local.
[[nodiscard]] bool is_public(const IpAddress& a);

// Event fields that hold an address, across formats (IpAddress, SourceIp, srcip, id.orig_h ...).
[[nodiscard]] bool is_address_field(std::string_view field);
// The field of the same event that carries the log's own country for an address field
// (srcip → srccountry, dstip → dstcountry); empty when the format has none.
[[nodiscard]] std::string_view country_field(std::string_view address_field);
// A log country value that names no country ("Reserved", "N/A", empty).
[[nodiscard]] bool no_country(std::string_view log_country);

// The external addresses among an event's fields with their places: one entry per address field
// whose value the resolver places, the log's country fields applied.
struct FieldPlace {
  std::string field;
  std::string address;
  Place place;
};
[[nodiscard]] std::vector<FieldPlace> places_of(
    const Resolver& r, std::span<const std::pair<std::string, std::string>> fields);

}  // namespace tansa::geo
