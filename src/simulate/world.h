// The simulator's world: the log writers every simulated incident shares (EVTX, FortiGate,
// Zeek conn, Microsoft 365, auth.log) and the Truth they fill. Internal to src/simulate: the named
// scenarios (simulate.cpp) and the seeded family (family.cpp) build their incidents on it.
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "evtx/writer.h"
#include "tansa/event.h"
#include "tansa/verdicts.h"

namespace tansa::simulate::detail {

namespace fs = std::filesystem;

constexpr std::int64_t kSec = 1000000000LL;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;
inline const std::int64_t kStart = days_from_civil(2023, 5, 1) * kDay;
inline std::string iso(std::int64_t ns) {  // 2023-06-12T17:40:00Z
  return format_time(ns).substr(0, 19) + "Z";
}

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// One JSON string literal; simulated values are plain, but stay correct anyway.
inline std::string js(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

struct WinEvent {
  std::int64_t time;
  evtx::EventSpec spec;
  // A document the intruder read (share access): its key, and the asset it belongs to ("" none).
  std::string read_key;
  std::optional<std::string> read_asset;
};

// A document the intruder read in the cloud (a file, or one mail item).
struct CloudRead {
  std::string key, asset;
};

// A connection as a flow log records it (Zeek conn or FortiGate traffic): bytes sent by `from`.
struct FlowRecord {
  std::int64_t time;
  std::string from, to;
  std::uint64_t sent;
};

struct Edge {
  std::string from, to, account, type;
  std::int64_t first;
};

// One wave's way in (truth.json `initial_access`): the access that began it.
struct Entry {
  std::int64_t time = 0;
  EntryVector vector = EntryVector::Unknown;
  std::string via_host, account, address, country;
};

// What the attacker did that the logs can show: truth.json.
struct Truth {
  std::string description, claim;
  bool access = false;
  std::int64_t first = INT64_MAX, last = INT64_MIN;
  std::set<std::string> sources, accounts, hosts;
  std::map<std::string, std::string> countries;  // source -> country the logs carry
  // (host, source) -> first and last event, in the investigation's names for log sources.
  std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> coverage;
  std::vector<Edge> edges;
  std::map<std::string, AssetVerdict> assets;
  std::map<std::string, std::uint64_t> egress;
  std::optional<ClaimVerdict> claim_verdict;  // when there is a claim
  // Distinct documents the intruder is seen reading in the logs as written (share access events
  // that survived clears, cloud file operations, mail items), in total and per asset.
  std::uint64_t documents = 0;
  std::map<std::string, std::uint64_t> asset_documents;
  std::vector<std::pair<std::string, std::string>> tampering;  // kind, host
  std::vector<Entry> initial_access;                           // one per wave, in time order
  std::set<WeaknessKind> weaknesses;  // each kind the logs show, with its events

  void mark(std::int64_t t) {
    first = std::min(first, t);
    last = std::max(last, t);
  }
  void edge(const std::string& from, const std::string& to, const std::string& account,
            const std::string& type, std::int64_t t) {
    for (auto& e : edges)
      if (e.from == from && e.to == to && e.account == account && e.type == type) {
        e.first = std::min(e.first, t);
        return;
      }
    edges.push_back({from, to, account, type, t});
  }
};

struct User {
  std::string name, laptop, home_ip, tunnel_ip, share;
};

// A host's log that tansa reads as one file: a Windows Security channel (EVTX) or a Linux auth.log.
struct WinLog {
  std::string fqdn, file;
  std::vector<WinEvent> events;
};
struct AuthLog {
  std::string name, file;
  std::vector<std::pair<std::int64_t, std::string>> lines;
};

// Writes what happens into per-source logs, in memory until write(). Windows hosts and Linux hosts
// are added by the incident (add_windows, add_linux) and named by their index.
class World {
 public:
  explicit World(std::uint64_t seed) : rng_(seed) {}

  std::size_t add_windows(const std::string& fqdn, const std::string& file) {
    win_.push_back({fqdn, file, {}});
    return win_.size() - 1;
  }
  std::size_t add_linux(const std::string& name, const std::string& file) {
    linux_.push_back({name, file, {}});
    return linux_.size() - 1;
  }
  std::mt19937_64& rng() { return rng_; }

  std::int64_t jitter(std::int64_t max) {
    return std::uniform_int_distribution<std::int64_t>(0, max)(rng_);
  }
  std::uint64_t logon_id() { return 0x3e7000 + (next_logon_++) * 0x11; }

  // --- Windows ---------------------------------------------------------------------------
  evtx::EventSpec win(std::int64_t t, std::size_t host, std::uint16_t id) {
    evtx::EventSpec s;
    s.event_id = id;
    s.time = static_cast<std::uint64_t>(t / 100) + 116444736000000000ULL;
    s.computer = win_[host].fqdn;
    s.channel = "Security";
    return s;
  }
  void put(std::size_t host, std::int64_t t, evtx::EventSpec s) {
    win_[host].events.push_back({t, std::move(s), {}, std::nullopt});
  }

  std::uint64_t logon(std::size_t host, std::int64_t t, const std::string& user, int type,
                      const std::string& ip, const std::string& ws, const std::string& package) {
    auto s = win(t, host, 4624);
    const std::uint64_t id = logon_id();
    using W = evtx::WValue;
    s.data = {{"SubjectUserSid", W::sid("S-1-0-0")},
              {"SubjectUserName", W::str("-")},
              {"SubjectDomainName", W::str("-")},
              {"SubjectLogonId", W::hex64(0)},
              {"TargetUserName", W::str(user)},
              {"TargetDomainName", W::str("CORP")},
              {"TargetLogonId", W::hex64(id)},
              {"LogonType", W::u32(static_cast<std::uint32_t>(type))},
              {"LogonProcessName", W::str(package == "NTLM" ? "NtLmSsp" : "Kerberos")},
              {"AuthenticationPackageName", W::str(package)},
              {"WorkstationName", W::str(ws)},
              {"IpAddress", W::str(ip)},
              {"IpPort", W::str("49" + std::to_string(100 + jitter(800)))}};
    put(host, t, std::move(s));
    return id;
  }
  // `asset`: set when the intruder reads (to the asset the share holds, "" for none).
  void share_read(std::size_t host, std::int64_t t, const std::string& user, std::uint64_t session,
                  const std::string& ip, const std::string& share, const std::string& path,
                  std::optional<std::string> asset = std::nullopt) {
    auto s = win(t, host, 5145);
    using W = evtx::WValue;
    s.data = {{"SubjectUserSid", W::sid("S-1-5-21-1-2-3-1104")},
              {"SubjectUserName", W::str(user)},
              {"SubjectDomainName", W::str("CORP")},
              {"SubjectLogonId", W::hex64(session)},
              {"ObjectType", W::str("File")},
              {"IpAddress", W::str(ip)},
              {"IpPort", W::str("50123")},
              {"ShareName", W::str("\\\\*\\" + share)},
              {"ShareLocalPath", W::str("\\??\\D:\\" + share)},
              {"RelativeTargetName", W::str(path)},
              {"AccessMask", W::hex32(0x1)},
              {"AccessList", W::str("%%4416")}};
    put(host, t, std::move(s));
    if (asset) {
      win_[host].events.back().read_key = lower(win_[host].fqdn + "|" + share + "\\" + path);
      win_[host].events.back().read_asset = std::move(asset);
    }
  }
  void subject(evtx::EventSpec& s, const std::string& user, std::uint64_t session) {
    using W = evtx::WValue;
    s.data.insert(s.data.begin(), {{"SubjectUserSid", W::sid("S-1-5-21-1-2-3-1104")},
                                   {"SubjectUserName", W::str(user)},
                                   {"SubjectDomainName", W::str("CORP")},
                                   {"SubjectLogonId", W::hex64(session)}});
  }
  void process(std::size_t host, std::int64_t t, const std::string& user, std::uint64_t session,
               const std::string& image, const std::string& cmd) {
    auto s = win(t, host, 4688);
    using W = evtx::WValue;
    s.data = {{"NewProcessId", W::hex64(0x1a2c)},
              {"NewProcessName", W::str(image)},
              {"TokenElevationType", W::str("%%1936")},
              {"ProcessId", W::hex64(0x1f40)},
              {"CommandLine", W::str(cmd)},
              {"ParentProcessName", W::str("C:\\Windows\\System32\\cmd.exe")}};
    subject(s, user, session);
    put(host, t, std::move(s));
  }
  void kerberos_ticket(std::size_t dc, std::int64_t t, const std::string& user,
                       const std::string& ip, const std::string& service, std::uint32_t enc) {
    auto s = win(t, dc, 4769);
    using W = evtx::WValue;
    s.data = {{"TargetUserName", W::str(user + "@CORP.EXAMPLE")},
              {"TargetDomainName", W::str("CORP.EXAMPLE")},
              {"ServiceName", W::str(service)},
              {"ServiceSid", W::sid("S-1-5-21-1-2-3-2001")},
              {"TicketOptions", W::hex32(0x40810000)},
              {"TicketEncryptionType", W::hex32(enc)},
              {"IpAddress", W::str("::ffff:" + ip)},
              {"IpPort", W::str("50321")},
              {"Status", W::hex32(0)}};
    put(dc, t, std::move(s));
  }
  void account_created(std::size_t dc, std::int64_t t, const std::string& by, std::uint64_t session,
                       const std::string& account) {
    auto s = win(t, dc, 4720);
    using W = evtx::WValue;
    s.data = {{"TargetUserName", W::str(account)},
              {"TargetDomainName", W::str("CORP")},
              {"TargetSid", W::sid("S-1-5-21-1-2-3-1337")},
              {"SamAccountName", W::str(account)}};
    subject(s, by, session);
    put(dc, t, std::move(s));
  }
  void group_add(std::size_t dc, std::int64_t t, const std::string& by, std::uint64_t session,
                 const std::string& account, const std::string& group) {
    auto s = win(t, dc, 4728);
    using W = evtx::WValue;
    s.data = {{"MemberName", W::str("CN=" + account + ",CN=Users,DC=corp,DC=example")},
              {"MemberSid", W::sid("S-1-5-21-1-2-3-1337")},
              {"TargetUserName", W::str(group)},
              {"TargetDomainName", W::str("CORP")},
              {"TargetSid", W::sid("S-1-5-21-1-2-3-512")}};
    subject(s, by, session);
    put(dc, t, std::move(s));
  }
  // 1102: the log keeps only what follows the clear.
  void clear_log(std::size_t host, std::int64_t t, const std::string& by, std::uint64_t session) {
    auto& log = win_[host].events;
    std::erase_if(log, [&](const WinEvent& e) { return e.time < t; });
    auto s = win(t, host, 1102);
    s.provider = "Microsoft-Windows-Eventlog";
    s.provider_guid = "fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148";
    s.user_data_element = "LogFileCleared";
    s.user_data_ns = "http://manifests.microsoft.com/win/2004/08/windows/eventlog";
    using W = evtx::WValue;
    s.data = {{"SubjectUserSid", W::sid("S-1-5-21-1-2-3-1104")},
              {"SubjectUserName", W::str(by)},
              {"SubjectDomainName", W::str("CORP")},
              {"SubjectLogonId", W::hex64(session)}};
    put(host, t, std::move(s));
  }
  void audit_off(std::size_t host, std::int64_t t, const std::string& by, std::uint64_t session) {
    auto s = win(t, host, 4719);
    using W = evtx::WValue;
    s.data = {{"CategoryId", W::str("%%8274")},
              {"SubcategoryId", W::str("%%12811")},
              {"SubcategoryGuid", W::guid("0CCE9224-69AE-11D9-BED3-505054503030")},
              {"AuditPolicyChanges", W::str("%%8448")}};
    subject(s, by, session);
    put(host, t, std::move(s));
    // From now on the host logs no share access, whoever reads.
    file_audit_off_ = t;
    std::erase_if(win_[host].events,
                  [&](const WinEvent& e) { return e.time > t && e.spec.event_id == 5145; });
  }

  // --- other sources -----------------------------------------------------------------------
  void fortigate(std::int64_t t, const std::string& body) {
    const std::string ts = format_time(t);
    fortigate_.push_back({t, "date=" + ts.substr(0, 10) + " time=" + ts.substr(11, 8) +
                                 " devname=\"FW1\" devid=\"FG100F0000000001\" tz=\"+0000\" " +
                                 body});
  }
  void vpn_fail(std::int64_t t, const std::string& user, const std::string& ip,
                const std::string& country) {
    fortigate(t,
              "logid=\"0101039426\" type=\"event\" subtype=\"vpn\" level=\"alert\" "
              "action=\"ssl-login-fail\" "
              "tunneltype=\"ssl-web\" remip=" +
                  ip + " srccountry=\"" + country + "\" user=\"" + user +
                  "\" reason=\"sslvpn_login_unknown_user\" msg=\"SSL user failed to logged in\"");
  }
  void vpn_up(std::int64_t t, const std::string& user, const std::string& ip,
              const std::string& country, const std::string& tunnel) {
    fortigate(t,
              "logid=\"0101039947\" type=\"event\" subtype=\"vpn\" level=\"information\" "
              "action=\"tunnel-up\" "
              "tunneltype=\"ssl-tunnel\" remip=" +
                  ip + " srccountry=\"" + country + "\" tunnelip=" + tunnel + " user=\"" + user +
                  "\" group=\"vpn-users\" msg=\"SSL tunnel established\" sentbyte=0 rcvdbyte=0");
  }
  void vpn_down(std::int64_t t, const std::string& user, const std::string& ip,
                const std::string& country, const std::string& tunnel, std::uint64_t sent,
                std::uint64_t received) {
    fortigate(t,
              "logid=\"0101039948\" type=\"event\" subtype=\"vpn\" level=\"information\" "
              "action=\"tunnel-down\" "
              "tunneltype=\"ssl-tunnel\" remip=" +
                  ip + " srccountry=\"" + country + "\" tunnelip=" + tunnel + " user=\"" + user +
                  "\" group=\"vpn-users\" msg=\"SSL tunnel shutdown\" sentbyte=" +
                  std::to_string(sent) + " rcvdbyte=" + std::to_string(received));
  }
  void flow(std::int64_t t, const std::string& from, const std::string& to, int port,
            std::uint64_t out, std::uint64_t in, double duration) {
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%lld.%06lld\tC%llu\t%s\t%d\t%s\t%d\ttcp\t%s\t%.3f\t%llu\t%llu\tSF\t(empty)",
                  static_cast<long long>(t / kSec), static_cast<long long>((t % kSec) / 1000),
                  static_cast<unsigned long long>(++flow_id_), from.c_str(),
                  static_cast<int>(40000 + jitter(20000)), to.c_str(), port,
                  port == 443 ? "ssl" : "-", duration, static_cast<unsigned long long>(out),
                  static_cast<unsigned long long>(in));
    zeek_.push_back({t, buf});
    flows_.push_back({t, from, to, out});
  }
  // A FortiGate forward-traffic log line for a closed session (sentbyte: from the source).
  void fortigate_flow(std::int64_t t, const std::string& from, const std::string& to, int port,
                      std::uint64_t out, std::uint64_t in) {
    const std::string ts = format_time(t);
    flows_.push_back({t, from, to, out});
    fortigate_traffic_.push_back(
        {t, "date=" + ts.substr(0, 10) + " time=" + ts.substr(11, 8) +
                " devname=\"FW1\" devid=\"FG100F0000000001\" tz=\"+0000\" logid=\"0000000013\" "
                "type=\"traffic\" subtype=\"forward\" level=\"notice\" srcip=" +
                from + " srcport=" + std::to_string(40000 + jitter(20000)) + " dstip=" + to +
                " dstport=" + std::to_string(port) +
                " proto=6 action=\"close\" service=\"HTTPS\" sentbyte=" + std::to_string(out) +
                " rcvdbyte=" + std::to_string(in)});
  }
  // `asset`: set when the intruder does it (to the asset the object belongs to, "" for none).
  void m365(std::int64_t t, const std::string& op, const std::string& user, const std::string& ip,
            const std::string& workload, const std::string& object,
            std::optional<std::string> asset = std::nullopt) {
    std::string line =
        "{\"CreationTime\":" + js(format_time(t).substr(0, 19)) +
        ",\"Id\":" + js("rec-" + std::to_string(++m365_id_)) + ",\"Operation\":" + js(op) +
        ",\"OrganizationId\":\"contoso\",\"RecordType\":" +
        (workload == "AzureActiveDirectory" ? "15" : "6") + ",\"UserId\":" + js(user) +
        ",\"Workload\":" + js(workload) + ",\"ClientIP\":" + js(ip);
    if (!object.empty()) line += ",\"ObjectId\":" + js(object);
    m365_.push_back({t, line + "}"});
    // What the intruder read: a file by its URL; each mail record lists no items, so shows one.
    static const std::set<std::string> kFileReads = {"FileAccessed", "FileDownloaded",
                                                     "FileSyncDownloadedFull", "FilePreviewed"};
    if (asset && kFileReads.contains(op))
      cloud_reads_.push_back({"cloud|" + lower(object), *asset});
    if (asset && op == "MailItemsAccessed")
      cloud_reads_.push_back({"mail|" + std::to_string(m365_id_), ""});
    // Readers split the audit log into streams: Exchange's records apart from the rest.
    m365_streams_[workload == "Exchange" ? "m365:exchange" : "m365:audit"].push_back(t);
  }
  void auth(std::size_t host, std::int64_t t, const std::string& program, const std::string& msg) {
    linux_[host].lines.push_back({t, iso(t) + " " + linux_[host].name + " " + program + "[" +
                                         std::to_string(1000 + jitter(30000)) + "]: " + msg});
  }

  // --- files ----------------------------------------------------------------------------------
  // First and last event of every stream written (the flags say which kinds are), in the
  // investigation's names for hosts and log sources.
  void record_coverage(bool windows, bool edge, bool linux) {
    auto span = [&](const std::string& host, const std::string& source, const auto& times) {
      if (times.empty()) return;
      const auto [a, b] = std::minmax_element(times.begin(), times.end());
      truth.coverage[{host, source}] = {*a, *b};
    };
    if (windows)
      for (const auto& w : win_) span(w.fqdn, "Security", times(w.events));
    if (edge) {
      span("FW1", "fortigate:event", times(fortigate_));
      span("FW1", "fortigate:traffic", times(fortigate_traffic_));
      for (const auto& [source, t] : m365_streams_) span("m365", source, t);
    }
    span("zeek", "zeek:conn", times(zeek_));
    if (linux)
      for (const auto& l : linux_) span(l.name, "linux:syslog", times(l.lines));
  }

  std::expected<void, std::string> write(const std::string& dir, bool windows, bool edge,
                                         bool linux) {
    record_coverage(windows, edge, linux);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return std::unexpected(dir + ": " + ec.message());
    auto text = [&](const std::string& name,
                    std::vector<std::pair<std::int64_t, std::string>>& lines,
                    const std::string& header, const std::string& footer) -> bool {
      std::stable_sort(lines.begin(), lines.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      std::ofstream f(fs::path(dir) / name, std::ios::binary);
      f << header;
      for (const auto& [t, l] : lines) f << l << '\n';
      f << footer;
      return static_cast<bool>(f);
    };
    if (windows)
      for (auto& [fqdn, file, log] : win_) {
        std::stable_sort(log.begin(), log.end(),
                         [](const WinEvent& a, const WinEvent& b) { return a.time < b.time; });
        evtx::EvtxWriter w;
        for (const auto& e : log) w.add(e.spec);
        if (!w.write((fs::path(dir) / file).string()))
          return std::unexpected(dir + ": cannot write EVTX");
      }
    bool ok = true;
    if (edge) {
      // Traffic lines share the appliance's file with its events.
      fortigate_.insert(fortigate_.end(), fortigate_traffic_.begin(), fortigate_traffic_.end());
      ok = ok && text("fortigate.log", fortigate_, "", "");
      ok = ok && text("m365-audit.jsonl", m365_, "", "");
    }
    ok =
        ok && text("conn.log", zeek_,
                   "#separator "
                   "\\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
                   "#open\t2023-05-01-00-00-00\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_"
                   "h\tid.resp_p\tproto\t"
                   "service\tduration\torig_bytes\tresp_bytes\tconn_state\ttunnel_parents\n#"
                   "types\ttime\tstring\taddr\t"
                   "port\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tset[string]\n",
                   "#close\t2023-11-01-00-00-00\n");
    if (linux)
      for (auto& l : linux_) ok = ok && text(l.file, l.lines, "", "");
    if (!ok) return std::unexpected(dir + ": cannot write the logs");
    return {};
  }

  // What has been written so far, for truths that depend on a log's coverage.
  const std::vector<WinEvent>& windows_log(std::size_t host) const { return win_[host].events; }
  // The documents the intruder is seen reading, from the logs as they stand (truth.documents).
  void count_documents() {
    std::set<std::string> all;
    std::map<std::string, std::set<std::string>> per_asset;
    for (const auto& w : win_)
      for (const WinEvent& e : w.events)
        if (e.read_asset) {
          all.insert(e.read_key);
          if (!e.read_asset->empty()) per_asset[*e.read_asset].insert(e.read_key);
        }
    for (const CloudRead& r : cloud_reads_) {
      all.insert(r.key);
      if (!r.asset.empty()) per_asset[r.asset].insert(r.key);
    }
    truth.documents = all.size();
    truth.asset_documents.clear();
    for (const auto& [a, keys] : per_asset) truth.asset_documents[a] = keys.size();
    for (const auto& [a, verdict] : truth.assets) truth.asset_documents.try_emplace(a, 0);
  }
  std::vector<std::int64_t> m365_times() const { return times(m365_); }
  const std::vector<FlowRecord>& flows() const { return flows_; }

  std::vector<User> users_;
  Truth truth;
  std::int64_t file_audit_off_ = 0;

 private:
  std::mt19937_64 rng_;
  std::uint64_t next_logon_ = 1, flow_id_ = 0, m365_id_ = 0;
  std::vector<WinLog> win_;
  std::vector<AuthLog> linux_;
  std::vector<std::pair<std::int64_t, std::string>> fortigate_, fortigate_traffic_, zeek_, m365_;
  std::vector<CloudRead> cloud_reads_;
  std::map<std::string, std::vector<std::int64_t>> m365_streams_;
  std::vector<FlowRecord> flows_;

  template <class Events>
  static std::vector<std::int64_t> times(const Events& events) {
    std::vector<std::int64_t> out;
    for (const auto& e : events) {
      if constexpr (requires { e.time; })
        out.push_back(e.time);
      else
        out.push_back(e.first);
    }
    return out;
  }
};

// truth.json: the answers, in the shape the investigate tests compare.
std::string truth_json(const std::string& name, const Truth& t);

}  // namespace tansa::simulate::detail
