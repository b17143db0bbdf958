#include "geo/geoip.h"

#include <GeoIP.h>
#include <fmt/format.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace tansa::geo {

namespace {

constexpr std::size_t kMaxOrgChars = 120;

bool same_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// A database's strings are data, not trusted text: a country code is two letters, an
// organisation name printable and bounded.
std::string country_code(std::string_view s) {
  if (s.size() != 2 || !std::isalpha(static_cast<unsigned char>(s[0])) ||
      !std::isalpha(static_cast<unsigned char>(s[1])))
    return {};
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A log's country as an ISO code: FortiGate writes English names ("Netherlands", "Korea, Republic
// of"), others the code. Names map through libGeoIP's country table; a name it does not know is
// kept as the log wrote it, made printable.
std::string log_country_code(std::string_view s);

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max))
    out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
  return out;
}

std::string date_of_epoch(std::uint64_t epoch) {
  const std::time_t t = static_cast<std::time_t>(epoch);
  std::tm tm{};
  if (epoch == 0 || !gmtime_r(&t, &tm)) return "undated";
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

class MaxMindDb final : public Database {
 public:
  ~MaxMindDb() override {
    if (open_) MMDB_close(&db_);
  }

  static std::expected<std::unique_ptr<MaxMindDb>, std::string> open(const std::string& path) {
    auto m = std::unique_ptr<MaxMindDb>(new MaxMindDb());
    const int status = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &m->db_);
    if (status != MMDB_SUCCESS)
      return std::unexpected(
          fmt::format("{}: not a readable MaxMind database: {}", path, MMDB_strerror(status)));
    m->open_ = true;
    const auto& md = m->db_.metadata;
    std::string type = md.database_type ? printable(md.database_type, 64) : "MaxMind DB";
    m->label_ = fmt::format("{} {}", type, date_of_epoch(md.build_epoch));
    m->describe_ = fmt::format("{} ({})", m->label_, path);
    return m;
  }

  void fill(const IpAddress& a, Place& p) const override {
    sockaddr_storage ss{};
    if (a.family == 4) {
      auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
      sin->sin_family = AF_INET;
      std::memcpy(&sin->sin_addr, a.bytes.data(), 4);
    } else {
      auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
      sin6->sin6_family = AF_INET6;
      std::memcpy(&sin6->sin6_addr, a.bytes.data(), 16);
    }
    int error = MMDB_SUCCESS;
    MMDB_lookup_result_s r =
        MMDB_lookup_sockaddr(const_cast<MMDB_s*>(&db_), reinterpret_cast<sockaddr*>(&ss), &error);
    // An IPv6 address in an IPv4-only database, or a corrupt tree: this database does not know.
    if (error != MMDB_SUCCESS || !r.found_entry) return;
    if (p.country.empty()) {
      std::string cc = text(r.entry, {"country", "iso_code"});
      if (cc.empty()) cc = text(r.entry, {"registered_country", "iso_code"});
      if (!(cc = country_code(cc)).empty()) {
        p.country = std::move(cc);
        p.country_source = label_;
      }
    }
    if (p.asn == 0) {
      MMDB_entry_data_s d{};
      const char* path[] = {"autonomous_system_number", nullptr};
      if (MMDB_aget_value(&r.entry, &d, path) == MMDB_SUCCESS && d.has_data) {
        std::uint64_t n = 0;
        if (d.type == MMDB_DATA_TYPE_UINT32)
          n = d.uint32;
        else if (d.type == MMDB_DATA_TYPE_UINT16)
          n = d.uint16;
        else if (d.type == MMDB_DATA_TYPE_UINT64)
          n = d.uint64;
        if (n > 0 && n <= 0xffffffffu) {
          p.asn = static_cast<std::uint32_t>(n);
          p.as_org = printable(text(r.entry, {"autonomous_system_organization"}), kMaxOrgChars);
          p.as_source = label_;
        }
      }
    }
  }

  [[nodiscard]] std::string describe() const override { return describe_; }
  [[nodiscard]] const std::string& label() const override { return label_; }

 private:
  MaxMindDb() = default;

  static std::string text(MMDB_entry_s entry, std::initializer_list<const char*> keys) {
    std::array<const char*, 4> path{};
    std::size_t i = 0;
    for (const char* k : keys)
      if (i + 1 < path.size()) path[i++] = k;
    MMDB_entry_data_s d{};
    if (MMDB_aget_value(&entry, &d, path.data()) != MMDB_SUCCESS || !d.has_data ||
        d.type != MMDB_DATA_TYPE_UTF8_STRING)
      return {};
    return std::string(d.utf8_string, std::min<std::size_t>(d.data_size, 4096));
  }

  MMDB_s db_{};
  bool open_ = false;
  std::string label_, describe_;
};

// Debian's geoip-database: the legacy GeoIP country format, one file per address family.
class LegacyCountryDb final : public Database {
 public:
  ~LegacyCountryDb() override {
    if (v4_) GeoIP_delete(v4_);
    if (v6_) GeoIP_delete(v6_);
  }

  static std::unique_ptr<LegacyCountryDb> open(std::string_view dir) {
    auto db = std::unique_ptr<LegacyCountryDb>(new LegacyCountryDb());
    const std::string v4 = std::string(dir) + "/GeoIP.dat", v6 = std::string(dir) + "/GeoIPv6.dat";
    std::error_code ec;
    if (std::filesystem::is_regular_file(v4, ec))
      db->v4_ = GeoIP_open(v4.c_str(), GEOIP_MMAP_CACHE | GEOIP_SILENCE);
    if (std::filesystem::is_regular_file(v6, ec))
      db->v6_ = GeoIP_open(v6.c_str(), GEOIP_MMAP_CACHE | GEOIP_SILENCE);
    if (!db->v4_ && !db->v6_) return nullptr;
    // The file's own date is when Debian built it; the package version says how old the data
    // is ("20230203+really20191224": data of 2019-12-24). The data's date is the honest one.
    std::string date = dir == kDebianGeoIpDir ? debian_data_date() : "";
    if (date.empty()) date = date_of(db->v4_ ? db->v4_ : db->v6_);
    db->label_ = "geoip-database " + date;
    db->describe_ = fmt::format("{} (Debian's legacy country database in {})", db->label_, dir);
    return db;
  }

  void fill(const IpAddress& a, Place& p) const override {
    if (!p.country.empty()) return;
    GeoIPLookup gl{};
    const char* cc = nullptr;
    if (a.family == 4 && v4_) {
      const unsigned long ipnum = (static_cast<unsigned long>(a.bytes[0]) << 24) |
                                  (static_cast<unsigned long>(a.bytes[1]) << 16) |
                                  (static_cast<unsigned long>(a.bytes[2]) << 8) | a.bytes[3];
      cc = GeoIP_country_code_by_ipnum_gl(v4_, ipnum, &gl);
    } else if (a.family == 6 && v6_) {
      geoipv6_t in6{};
      std::memcpy(in6.s6_addr, a.bytes.data(), 16);
      cc = GeoIP_country_code_by_ipnum_v6_gl(v6_, in6, &gl);
    }
    if (!cc) return;
    const std::string_view code(cc);
    // "--" unknown; A1 anonymous proxy, A2 satellite provider, O1 other: no country.
    if (code == "--" || code == "A1" || code == "A2" || code == "O1") return;
    if (std::string c = country_code(code); !c.empty()) {
      p.country = std::move(c);
      p.country_source = label_;
    }
  }

  [[nodiscard]] std::string describe() const override { return describe_; }
  [[nodiscard]] const std::string& label() const override { return label_; }

 private:
  LegacyCountryDb() = default;

  // The data date in the installed geoip-database package's version, from dpkg's status file.
  static std::string debian_data_date() {
    std::ifstream f("/var/lib/dpkg/status");
    std::string line;
    bool in_package = false;
    for (int n = 0; n < 2000000 && std::getline(f, line); ++n) {
      if (line.rfind("Package: ", 0) == 0) in_package = line == "Package: geoip-database";
      if (!in_package || line.rfind("Version: ", 0) != 0) continue;
      const std::size_t at = line.find("really");
      const std::string v = line.substr(at == std::string::npos ? 9 : at + 6);
      if (v.size() >= 8 &&
          std::all_of(v.begin(), v.begin() + 8, [](char c) { return c >= '0' && c <= '9'; }))
        return v.substr(0, 4) + "-" + v.substr(4, 2) + "-" + v.substr(6, 2);
      return {};
    }
    return {};
  }

  // "GEO-106FREE 20191224 Build 1 ...": the date is the first eight-digit word.
  static std::string date_of(GeoIP* gi) {
    char* info = GeoIP_database_info(gi);
    if (!info) return "undated";
    std::string s(info, strnlen(info, 256));
    std::free(info);
    for (std::size_t i = 0; i + 8 <= s.size(); ++i) {
      if ((i == 0 || s[i - 1] == ' ') &&
          std::all_of(s.begin() + static_cast<std::ptrdiff_t>(i),
                      s.begin() + static_cast<std::ptrdiff_t>(i + 8),
                      [](char c) { return c >= '0' && c <= '9'; }) &&
          (i + 8 == s.size() || s[i + 8] == ' '))
        return s.substr(i, 4) + "-" + s.substr(i + 4, 2) + "-" + s.substr(i + 6, 2);
    }
    return "undated";
  }

  GeoIP* v4_ = nullptr;
  GeoIP* v6_ = nullptr;
  std::string label_, describe_;
};

std::string log_country_code(std::string_view s) {
  if (std::string cc = country_code(s); !cc.empty()) return cc;
  static const std::map<std::string, std::string> by_name = [] {
    std::map<std::string, std::string> m;
    for (unsigned id = 1; id < GeoIP_num_countries(); ++id) {
      const char* code = GeoIP_code_by_id(static_cast<int>(id));
      const char* name = GeoIP_name_by_id(static_cast<int>(id));
      if (!code || !name) continue;
      std::string key(name);
      for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      m.emplace(std::move(key), code);
    }
    return m;
  }();
  std::string key(s.substr(0, 64));
  for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto it = by_name.find(key); it != by_name.end()) return country_code(it->second);
  return printable(s, 64);
}

struct AddressField {
  std::string_view field, country;
};
// clang-format off
constexpr AddressField kAddressFields[] = {
    {"IpAddress", ""}, {"SourceIp", ""}, {"DestinationIp", ""}, {"ClientIP", ""},
    {"ClientIPAddress", ""}, {"SourceAddress", ""}, {"DestAddress", ""}, {"src_ip", ""},
    {"srcip", "srccountry"}, {"dstip", "dstcountry"}, {"remip", "srccountry"},
    {"id.orig_h", ""}, {"id.resp_h", ""}, {"sourceIPAddress", ""}, {"ipAddress", ""},
    {"ActorIpAddress", ""}, {"SourceNetworkAddress", ""}, {"rhost", ""}};
// clang-format on

}  // namespace

std::string Place::text() const {
  std::string out = country;
  if (asn) {
    if (!out.empty()) out.append(", ");
    out.append(fmt::format("AS{}", asn));
    if (!as_org.empty()) out.append(" ").append(as_org);
  }
  return out;
}

Resolver::Resolver(Resolver&&) noexcept = default;
Resolver& Resolver::operator=(Resolver&&) noexcept = default;
Resolver::~Resolver() = default;

std::expected<Resolver, std::string> Resolver::open(std::span<const std::string> mmdb_files) {
  Resolver r;
  for (const std::string& f : mmdb_files) {
    auto db = MaxMindDb::open(f);
    if (!db) return std::unexpected(db.error());
    r.dbs_.push_back(std::move(*db));
  }
  return r;
}

Resolver Resolver::debian(std::string_view dir) {
  Resolver r;
  if (auto db = LegacyCountryDb::open(dir)) {
    r.dbs_.push_back(std::move(db));
    r.legacy_only_ = true;
  }
  return r;
}

std::vector<std::string> Resolver::describe() const {
  std::vector<std::string> out;
  for (const auto& db : dbs_) out.push_back(db->describe());
  return out;
}

Place Resolver::lookup(std::string_view address) const {
  return lookup(address, {}, {});
}

Place Resolver::lookup(std::string_view address, std::string_view log_country,
                       std::string_view log_field) const {
  const auto a = parse_ip(address);
  if (!a || !is_public(*a)) return {};
  Place p;
  if (!no_country(log_country)) {
    const std::string cc = log_country_code(log_country);
    if (!cc.empty()) {
      p.country = cc;
      p.country_source = fmt::format("log {}", log_field.empty() ? "country" : log_field);
    }
  }
  if (dbs_.empty()) return p;
  const std::string key = canonical_ip(address);
  Place known;
  {
    std::lock_guard lock(*mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      known = it->second;
    } else {
      for (const auto& db : dbs_) db->fill(*a, known);
      if (cache_.size() < 100000) cache_.emplace(key, known);
    }
  }
  if (p.country.empty()) {
    p.country = known.country;
    p.country_source = known.country_source;
  }
  p.asn = known.asn;
  p.as_org = known.as_org;
  p.as_source = known.as_source;
  return p;
}

bool is_public(const IpAddress& a) {
  const auto& b = a.bytes;
  if (a.family == 4) {
    if (b[0] == 0 || b[0] == 10 || b[0] == 127 || b[0] >= 224) return false;  // incl. multicast
    if (b[0] == 169 && b[1] == 254) return false;
    if (b[0] == 172 && (b[1] & 0xf0) == 16) return false;
    if (b[0] == 192 && b[1] == 168) return false;
    if (b[0] == 100 && (b[1] & 0xc0) == 64) return false;  // shared address space (CGNAT)
    return true;
  }
  if (a.family != 6) return false;
  if (std::all_of(b.begin(), b.end() - 1, [](std::uint8_t x) { return x == 0; })) return false;
  if ((b[0] & 0xfe) == 0xfc) return false;                  // unique local
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return false;  // link local
  if (b[0] == 0xff) return false;                           // multicast
  return true;
}

bool is_address_field(std::string_view field) {
  return std::any_of(std::begin(kAddressFields), std::end(kAddressFields),
                     [&](const AddressField& f) { return same_ci(f.field, field); });
}

std::string_view country_field(std::string_view address_field) {
  for (const AddressField& f : kAddressFields)
    if (same_ci(f.field, address_field)) return f.country;
  return {};
}

bool no_country(std::string_view c) {
  return c.empty() || same_ci(c, "Reserved") || same_ci(c, "N/A") || c == "-" || c == "--";
}

std::vector<FieldPlace> places_of(const Resolver& r,
                                  std::span<const std::pair<std::string, std::string>> fields) {
  std::vector<FieldPlace> out;
  for (const auto& [field, value] : fields) {
    if (!is_address_field(field)) continue;
    std::string_view log_country;
    const std::string_view cf = country_field(field);
    if (!cf.empty())
      for (const auto& [k, v] : fields)
        if (same_ci(k, cf)) log_country = v;
    Place p = r.lookup(value, log_country, cf);
    if (!p.empty()) out.push_back({field, canonical_ip(value), std::move(p)});
  }
  return out;
}

}  // namespace tansa::geo
