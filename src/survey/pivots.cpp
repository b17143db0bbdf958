#include "survey/pivots.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

#include "tansa/net.h"

namespace tansa::survey {

namespace {

struct Kind {
  std::string_view field, kind;
};

// Field names (as the readers give them, compared without case) and what their values are.
constexpr std::array kFields = {Kind{"TargetUserName", "account"},
                                Kind{"SubjectUserName", "account"},
                                Kind{"User", "account"},
                                Kind{"UserId", "account"},
                                Kind{"UserName", "account"},
                                Kind{"AccountName", "account"},
                                Kind{"user", "account"},
                                Kind{"SamAccountName", "account"},
                                Kind{"Computer", "host"},
                                Kind{"host", "host"},
                                Kind{"TargetServerName", "host"},
                                Kind{"devname", "host"},
                                Kind{"IpAddress", "address"},
                                Kind{"SourceIp", "address"},
                                Kind{"DestinationIp", "address"},
                                Kind{"ClientIP", "address"},
                                Kind{"SourceAddress", "address"},
                                Kind{"DestAddress", "address"},
                                Kind{"src_ip", "address"},
                                Kind{"srcip", "address"},
                                Kind{"dstip", "address"},
                                Kind{"remip", "address"},
                                Kind{"id.orig_h", "address"},
                                Kind{"id.resp_h", "address"},
                                Kind{"sourceIPAddress", "address"},
                                Kind{"Image", "process"},
                                Kind{"NewProcessName", "process"},
                                Kind{"ParentImage", "process"},
                                Kind{"ServiceFileName", "process"},
                                Kind{"ImagePath", "process"},
                                Kind{"Hashes", "hash"},
                                Kind{"Hash", "hash"},
                                Kind{"sha256", "hash"},
                                Kind{"md5", "hash"},
                                Kind{"sha1", "hash"},
                                Kind{"WorkstationName", "workstation"},
                                Kind{"Workstation", "workstation"}};

constexpr std::array<std::string_view, 7> kOrder = {"account", "group", "host",       "address",
                                                    "process", "hash",  "workstation"};

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Values that name nothing: Windows' placeholders, local and unspecified addresses.
bool empty_value(std::string_view v) {
  return v.empty() || v == "-" || v == "::1" || v == "127.0.0.1" || v == "0.0.0.0" || v == "::" ||
         v == "LOCAL" || v == "NULL SID" || v == "N/A";
}

}  // namespace

std::string pivot_kind(std::string_view field) {
  for (const Kind& k : kFields)
    if (same(k.field, field)) return std::string(k.kind);
  return {};
}

void Pivots::note(const std::string& kind, std::string value, const Detection& d,
                  const std::string& rule, std::set<std::pair<std::string, std::string>>& seen) {
  if (empty_value(value)) return;
  if (kind == "address") value = canonical_ip(value);
  if (!seen.emplace(kind, value).second) return;  // once per detection
  auto [it, fresh] = entries_.try_emplace({kind, std::move(value)});
  Entry& e = it->second;
  if (fresh) e.first = e.last = d.time_ns;
  ++e.detections;
  e.first = std::min(e.first, d.time_ns);
  e.last = std::max(e.last, d.time_ns);
  e.rules.insert(rule);
}

// Windows group-management events (4727..4737 global and local groups, 4754..4758 universal ones)
// name the group in TargetUserName, and the member elsewhere.
static bool group_event(const Detection& d) {
  for (const auto& [field, value] : d.fields)
    if (field == "EventID") {
      int id = 0;
      std::from_chars(value.data(), value.data() + value.size(), id);
      return (id >= 4727 && id <= 4737) || (id >= 4754 && id <= 4758);
    }
  return false;
}

void Pivots::add(const Detection& d, const std::string& rule) {
  std::set<std::pair<std::string, std::string>> seen;
  if (!d.host.empty()) note("host", d.host, d, rule, seen);
  const bool groups = group_event(d);
  for (const auto& [field, value] : d.fields) {
    std::string kind = pivot_kind(field);
    if (groups && field == "TargetUserName") kind = "group";
    if (kind.empty()) continue;
    if (kind != "hash") {
      note(kind, value, d, rule, seen);
      continue;
    }
    // Sysmon's Hashes: "SHA256=...,MD5=...,IMPHASH=..." — each hash on its own.
    std::string_view rest = value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      std::string_view one = rest.substr(0, comma);
      if (const auto eq = one.find('='); eq != std::string_view::npos) one.remove_prefix(eq + 1);
      note("hash", std::string(one), d, rule, seen);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
}

std::vector<Pivot> Pivots::rows() const {
  std::vector<Pivot> out;
  for (const auto& [key, e] : entries_)
    out.push_back({key.first, key.second, e.detections, e.first, e.last,
                   std::vector<std::string>(e.rules.begin(), e.rules.end())});
  auto rank = [](const std::string& kind) {
    return std::find(kOrder.begin(), kOrder.end(), kind) - kOrder.begin();
  };
  std::stable_sort(out.begin(), out.end(), [&](const Pivot& a, const Pivot& b) {
    if (rank(a.kind) != rank(b.kind)) return rank(a.kind) < rank(b.kind);
    if (a.detections != b.detections) return a.detections > b.detections;
    return a.value < b.value;
  });
  return out;
}

}  // namespace tansa::survey
