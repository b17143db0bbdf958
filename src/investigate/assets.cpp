#include "investigate/assets.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "tansa/event.h"

namespace tansa::investigate {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::expected<std::vector<std::string>, std::string> strings(const YAML::Node& n,
                                                             const std::string& key) {
  std::vector<std::string> out;
  if (!n || n.IsNull()) return out;
  if (n.IsScalar()) return std::vector<std::string>{n.Scalar()};
  if (!n.IsSequence()) return std::unexpected(key + ": expected a list");
  for (const auto& e : n) {
    if (!e.IsScalar()) return std::unexpected(key + ": expected a list of text values");
    out.push_back(e.Scalar());
  }
  return out;
}

std::expected<std::vector<Network>, std::string> networks(const YAML::Node& n,
                                                          const std::string& key) {
  auto list = strings(n, key);
  if (!list) return std::unexpected(list.error());
  std::vector<Network> out;
  for (const auto& s : *list) {
    auto net = Network::parse(s);
    if (!net) return std::unexpected(key + ": '" + s + "' is not an address or a network");
    out.push_back(*net);
  }
  return out;
}

bool any_contains(const std::vector<Network>& nets, std::string_view ip) {
  const auto a = parse_ip(ip);
  if (!a) return false;
  return std::any_of(nets.begin(), nets.end(), [&](const Network& n) { return n.contains(*a); });
}

bool glob_at(std::string_view p, std::string_view t) {
  // Iterative matcher with backtracking to the last star; ** may cross separators.
  std::size_t pi = 0, ti = 0, star_p = std::string_view::npos, star_t = 0;
  bool star_crosses = false;
  auto sep = [](char c) { return c == '/' || c == '\\'; };
  auto fold = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star_crosses = pi + 1 < p.size() && p[pi + 1] == '*';
      pi += star_crosses ? 2 : 1;
      star_p = pi;
      star_t = ti;
      continue;
    }
    if (pi < p.size() && (p[pi] == '?' ? !sep(t[ti]) : fold(p[pi]) == fold(t[ti]))) {
      ++pi;
      ++ti;
      continue;
    }
    if (star_p != std::string_view::npos && (star_crosses || !sep(t[star_t]))) {
      ++star_t;
      ti = star_t;
      pi = star_p;
      continue;
    }
    return false;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

}  // namespace

bool Assets::internal(std::string_view ip) const {
  return any_contains(internal_networks, ip) || any_contains(vpn_pool, ip);
}
bool Assets::external(std::string_view ip) const {
  const auto a = parse_ip(ip);
  if (!a) return false;
  // Loopback and link-local are never "outside", whatever the assets say.
  static const std::vector<Network> kLocal = {
      *Network::parse("127.0.0.0/8"), *Network::parse("169.254.0.0/16"), *Network::parse("::1/128"),
      *Network::parse("fe80::/10"),   *Network::parse("0.0.0.0/32"),     *Network::parse("::/128")};
  for (const auto& n : kLocal)
    if (n.contains(*a)) return false;
  return !internal(ip);
}
bool Assets::in_vpn_pool(std::string_view ip) const {
  return any_contains(vpn_pool, ip);
}
bool Assets::allowed_destination(std::string_view ip) const {
  return any_contains(allowed_destinations, ip);
}
bool Assets::is_admin_host(std::string_view host) const {
  const std::string k = host_key(host);
  return std::any_of(admin_hosts.begin(), admin_hosts.end(),
                     [&](const std::string& h) { return host_key(h) == k; });
}
bool Assets::is_domain_controller(std::string_view host) const {
  const std::string k = host_key(host);
  return std::any_of(domain_controllers.begin(), domain_controllers.end(),
                     [&](const std::string& h) { return host_key(h) == k; });
}

std::string host_key(std::string_view host) {
  if (!parse_ip(host)) host = host.substr(0, host.find('.'));
  return lower(host);
}

std::string account_key(std::string_view user) {
  if (auto bs = user.rfind('\\'); bs != std::string_view::npos) user.remove_prefix(bs + 1);
  return lower(user);
}

bool glob_match(std::string_view pattern, std::string_view text) {
  return glob_at(pattern, text);
}

bool url_match(std::string_view pattern, std::string_view url) {
  std::string p;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*' && (i + 1 >= pattern.size() || pattern[i + 1] != '*') &&
        (i == 0 || pattern[i - 1] != '*'))
      p += "**";
    else
      p += pattern[i];
  }
  return glob_match(p, url);
}

std::expected<std::uint64_t, std::string> parse_size(std::string_view text) {
  std::string s;
  for (char c : text)
    if (c != ' ' && c != '_') s += c;
  double n = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  if (r.ec != std::errc() || n < 0)
    return std::unexpected("'" + std::string(text) + "' is not a size such as 30GB or 2.1TB");
  const std::string unit = lower(std::string_view(r.ptr, s.data() + s.size() - r.ptr));
  static const std::vector<std::pair<std::string, double>> kUnits = {{"", 1},
                                                                     {"b", 1},
                                                                     {"kb", 1e3},
                                                                     {"mb", 1e6},
                                                                     {"gb", 1e9},
                                                                     {"tb", 1e12},
                                                                     {"pb", 1e15},
                                                                     {"k", 1e3},
                                                                     {"m", 1e6},
                                                                     {"g", 1e9},
                                                                     {"t", 1e12},
                                                                     {"kib", 1024.0},
                                                                     {"mib", 1048576.0},
                                                                     {"gib", 1073741824.0},
                                                                     {"tib", 1099511627776.0},
                                                                     {"pib", 1125899906842624.0}};
  for (const auto& [u, f] : kUnits)
    if (u == unit) {
      const double bytes = n * f;
      if (bytes > 1.8e19) return std::unexpected("'" + std::string(text) + "' is too large");
      return static_cast<std::uint64_t>(std::llround(bytes));
    }
  return std::unexpected("'" + std::string(text) +
                         "': unknown unit (B, kB, MB, GB, TB, PB, KiB, MiB, GiB, TiB)");
}

std::string human_bytes(std::uint64_t n) {
  static const char* kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1000 && u < 5) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

std::string count_text(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string o;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) o += ',';
    o += digits[i];
  }
  return o;
}

std::expected<void, std::string> add_claim(std::string_view text, Claim& claim) {
  std::string s;
  for (char c : text)
    if (c != ' ' && c != '_' && c != ',') s += c;
  double n = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), n);
  std::string unit = lower(std::string_view(r.ptr, s.data() + s.size() - r.ptr));
  static const std::vector<std::string> kNouns = {"documents", "document", "docs",
                                                  "doc",       "files",    "file"};
  const auto noun = std::find_if(kNouns.begin(), kNouns.end(),
                                 [&](const std::string& w) { return unit.ends_with(w); });
  if (noun == kNouns.end()) {
    auto bytes = parse_size(text);
    if (!bytes)
      return std::unexpected(bytes.error() + " or a number of documents such as 150k documents");
    if (claim.bytes) return std::unexpected("two sizes claimed ('" + std::string(text) + "')");
    claim.bytes = *bytes;
    return {};
  }
  unit.resize(unit.size() - noun->size());
  if (r.ec != std::errc() || n < 0)
    return std::unexpected("'" + std::string(text) +
                           "' is not a number of documents such as 150000 documents or 1.5M files");
  double factor = 0;
  if (unit.empty()) factor = 1;
  if (unit == "k" || unit == "thousand") factor = 1e3;
  if (unit == "m" || unit == "million") factor = 1e6;
  if (factor == 0)
    return std::unexpected("'" + std::string(text) + "': unknown multiplier '" + unit +
                           "' (k or M)");
  const double count = n * factor;
  if (count > 1e15) return std::unexpected("'" + std::string(text) + "' is too large");
  if (claim.documents)
    return std::unexpected("two numbers of documents claimed ('" + std::string(text) + "')");
  claim.documents = static_cast<std::uint64_t>(std::llround(count));
  return {};
}

std::expected<Assets, std::string> parse_assets(std::string_view yaml) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return std::unexpected(std::string("not valid YAML: ") + e.what());
  }
  Assets a;
  if (!root || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);  // every default
  if (!root.IsMap())
    return std::unexpected("expected a map of keys (internal_networks, sensitive, ...)");
  static const std::set<std::string> kKnown = {
      "internal_networks",    "domain_controllers", "vpn_pool",  "admin_hosts",
      "allowed_destinations", "sensitive",          "addresses", "gap_threshold"};
  for (const auto& kv : root) {
    const std::string key = kv.first.Scalar();
    if (!kKnown.contains(key)) return std::unexpected("unknown key '" + key + "'");
  }
  auto nets = networks(root["internal_networks"], "internal_networks");
  if (!nets) return std::unexpected(nets.error());
  a.internal_networks = *nets;
  if (a.internal_networks.empty())  // the private ranges, when the file does not say
    for (const char* n : {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"})
      a.internal_networks.push_back(*Network::parse(n));
  auto pool = networks(root["vpn_pool"], "vpn_pool");
  if (!pool) return std::unexpected(pool.error());
  a.vpn_pool = *pool;
  auto allowed = networks(root["allowed_destinations"], "allowed_destinations");
  if (!allowed) return std::unexpected(allowed.error());
  a.allowed_destinations = *allowed;
  auto dcs = strings(root["domain_controllers"], "domain_controllers");
  if (!dcs) return std::unexpected(dcs.error());
  a.domain_controllers = *dcs;
  auto admins = strings(root["admin_hosts"], "admin_hosts");
  if (!admins) return std::unexpected(admins.error());
  a.admin_hosts = *admins;
  if (const YAML::Node g = root["gap_threshold"]) {
    auto d = tansa::parse_duration(g.IsScalar() ? g.Scalar() : "");
    if (!d) return std::unexpected("gap_threshold: expected a duration such as 30m, 12h or 2d");
    a.gap_threshold_ns = *d;
  }
  if (const YAML::Node m = root["addresses"]) {
    if (!m.IsMap()) return std::unexpected("addresses: expected a map of host: address");
    for (const auto& kv : m) {
      if (!kv.second.IsScalar() || !parse_ip(kv.second.Scalar()))
        return std::unexpected("addresses: " + kv.first.Scalar() + ": expected an address");
      a.addresses.emplace_back(kv.first.Scalar(), canonical_ip(kv.second.Scalar()));
    }
  }
  if (const YAML::Node s = root["sensitive"]) {
    if (!s.IsSequence()) return std::unexpected("sensitive: expected a list of assets");
    std::set<std::string> names;
    for (const auto& n : s) {
      if (!n.IsMap()) return std::unexpected("sensitive: each asset is a map with a name");
      SensitiveAsset asset;
      if (!n["name"] || !n["name"].IsScalar() || n["name"].Scalar().empty())
        return std::unexpected("sensitive: an asset has no name");
      asset.name = n["name"].Scalar();
      if (!names.insert(asset.name).second)
        return std::unexpected("sensitive: the name '" + asset.name + "' is used twice");
      if (n["label"] && n["label"].IsScalar()) asset.label = n["label"].Scalar();
      for (auto [field, key] :
           {std::pair{&asset.shares, "shares"}, std::pair{&asset.paths, "paths"},
            std::pair{&asset.hosts, "hosts"}, std::pair{&asset.urls, "urls"}}) {
        auto v = strings(n[key], "sensitive." + asset.name + "." + key);
        if (!v) return std::unexpected(v.error());
        *field = *v;
      }
      if (asset.shares.empty() && asset.paths.empty() && asset.urls.empty())
        return std::unexpected("sensitive." + asset.name + ": needs shares, paths or urls");
      a.sensitive.push_back(std::move(asset));
    }
  }
  return a;
}

std::expected<Assets, std::string> load_assets(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::unexpected(path + ": cannot read");
  std::stringstream ss;
  ss << in.rdbuf();
  auto a = parse_assets(ss.str());
  if (!a) return std::unexpected(path + ": " + a.error());
  return a;
}

}  // namespace tansa::investigate
