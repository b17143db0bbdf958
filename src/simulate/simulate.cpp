#include "simulate/simulate.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "evtx/writer.h"
#include "tansa/event.h"

namespace tansa::simulate {

namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSec = 1000000000LL;
constexpr std::int64_t kMin = 60 * kSec;
constexpr std::int64_t kHour = 60 * kMin;
constexpr std::int64_t kDay = 24 * kHour;
constexpr int kDays = 184;  // 2023-05-01 to 2023-10-31

const std::int64_t kStart = days_from_civil(2023, 5, 1) * kDay;

const char* kDcIp = "10.0.1.10";
const char* kFsIp = "10.0.1.20";
const char* kJumpIp = "10.0.1.50";
const char* kBastionIp = "10.0.3.10";
const char* kBuildIp = "10.0.3.20";
const char* kBackupIp = "198.51.100.10";
const char* kUpdateIp = "198.51.100.20";
const char* kSyncIp = "198.51.100.30";

std::string iso(std::int64_t ns) {  // 2023-06-12T17:40:00Z
  return format_time(ns).substr(0, 19) + "Z";
}

// One JSON string literal; simulated values are plain, but stay correct anyway.
std::string js(std::string_view s) {
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
};

struct Edge {
  std::string from, to, account, type;
  std::int64_t first;
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
  std::map<std::string, std::string> assets;
  std::map<std::string, std::uint64_t> egress;
  std::string claim_verdict;
  std::vector<std::pair<std::string, std::string>> tampering;  // kind, host

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

class World {
 public:
  explicit World(const std::string& seed, unsigned scale) : rng_(std::hash<std::string>{}(seed)) {
    static const char* kNames[] = {"tanaka", "suzuki",   "sato",     "takahashi", "watanabe",
                                   "ito",    "yamamoto", "nakamura", "kobayashi", "kato"};
    for (unsigned s = 0; s < scale; ++s)
      for (int i = 0; i < 10; ++i) {
        User u;
        u.name = std::string(kNames[i]) + (s ? std::to_string(s + 1) : "");
        std::string up = u.name;
        for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        u.laptop = "PC-" + up;
        const int n = static_cast<int>(s) * 10 + i;
        u.home_ip = "192.0.2." + std::to_string(10 + n % 200) + (n >= 200 ? "" : "");
        u.tunnel_ip = "10.8." + std::to_string(n / 150) + "." + std::to_string(10 + n % 150);
        u.share = i < 3 ? "SatelliteDesign" : i == 9 ? "HR" : "Public";
        users_.push_back(u);
      }
  }

  std::int64_t jitter(std::int64_t max) {
    return std::uniform_int_distribution<std::int64_t>(0, max)(rng_);
  }
  std::uint64_t logon_id() { return 0x3e7000 + (next_logon_++) * 0x11; }

  // --- Windows ---------------------------------------------------------------------------
  evtx::EventSpec win(std::int64_t t, bool dc, std::uint16_t id) {
    evtx::EventSpec s;
    s.event_id = id;
    s.time = static_cast<std::uint64_t>(t / 100) + 116444736000000000ULL;
    s.computer = dc ? "DC1.corp.example" : "FS1.corp.example";
    s.channel = "Security";
    return s;
  }
  void put(bool dc, std::int64_t t, evtx::EventSpec s) {
    (dc ? dc1_ : fs1_).push_back({t, std::move(s)});
  }

  std::uint64_t logon(bool dc, std::int64_t t, const std::string& user, int type,
                      const std::string& ip, const std::string& ws, const std::string& package) {
    auto s = win(t, dc, 4624);
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
    put(dc, t, std::move(s));
    return id;
  }
  void share_read(std::int64_t t, const std::string& user, std::uint64_t session,
                  const std::string& ip, const std::string& share, const std::string& path) {
    auto s = win(t, false, 5145);
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
    put(false, t, std::move(s));
  }
  void subject(evtx::EventSpec& s, const std::string& user, std::uint64_t session) {
    using W = evtx::WValue;
    s.data.insert(s.data.begin(), {{"SubjectUserSid", W::sid("S-1-5-21-1-2-3-1104")},
                                   {"SubjectUserName", W::str(user)},
                                   {"SubjectDomainName", W::str("CORP")},
                                   {"SubjectLogonId", W::hex64(session)}});
  }
  void process(bool dc, std::int64_t t, const std::string& user, std::uint64_t session,
               const std::string& image, const std::string& cmd) {
    auto s = win(t, dc, 4688);
    using W = evtx::WValue;
    s.data = {{"NewProcessId", W::hex64(0x1a2c)},
              {"NewProcessName", W::str(image)},
              {"TokenElevationType", W::str("%%1936")},
              {"ProcessId", W::hex64(0x1f40)},
              {"CommandLine", W::str(cmd)},
              {"ParentProcessName", W::str("C:\\Windows\\System32\\cmd.exe")}};
    subject(s, user, session);
    put(dc, t, std::move(s));
  }
  void kerberos_ticket(std::int64_t t, const std::string& user, const std::string& ip,
                       const std::string& service, std::uint32_t enc) {
    auto s = win(t, true, 4769);
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
    put(true, t, std::move(s));
  }
  void account_created(std::int64_t t, const std::string& by, std::uint64_t session,
                       const std::string& account) {
    auto s = win(t, true, 4720);
    using W = evtx::WValue;
    s.data = {{"TargetUserName", W::str(account)},
              {"TargetDomainName", W::str("CORP")},
              {"TargetSid", W::sid("S-1-5-21-1-2-3-1337")},
              {"SamAccountName", W::str(account)}};
    subject(s, by, session);
    put(true, t, std::move(s));
  }
  void group_add(std::int64_t t, const std::string& by, std::uint64_t session,
                 const std::string& account, const std::string& group) {
    auto s = win(t, true, 4728);
    using W = evtx::WValue;
    s.data = {{"MemberName", W::str("CN=" + account + ",CN=Users,DC=corp,DC=example")},
              {"MemberSid", W::sid("S-1-5-21-1-2-3-1337")},
              {"TargetUserName", W::str(group)},
              {"TargetDomainName", W::str("CORP")},
              {"TargetSid", W::sid("S-1-5-21-1-2-3-512")}};
    subject(s, by, session);
    put(true, t, std::move(s));
  }
  // 1102: the log keeps only what follows the clear.
  void clear_log(bool dc, std::int64_t t, const std::string& by, std::uint64_t session) {
    auto& log = dc ? dc1_ : fs1_;
    std::erase_if(log, [&](const WinEvent& e) { return e.time < t; });
    cleared_[dc] = t;
    auto s = win(t, dc, 1102);
    s.provider = "Microsoft-Windows-Eventlog";
    s.provider_guid = "fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148";
    s.user_data_element = "LogFileCleared";
    s.user_data_ns = "http://manifests.microsoft.com/win/2004/08/windows/eventlog";
    using W = evtx::WValue;
    s.data = {{"SubjectUserSid", W::sid("S-1-5-21-1-2-3-1104")},
              {"SubjectUserName", W::str(by)},
              {"SubjectDomainName", W::str("CORP")},
              {"SubjectLogonId", W::hex64(session)}};
    put(dc, t, std::move(s));
  }
  void audit_off(bool dc, std::int64_t t, const std::string& by, std::uint64_t session) {
    auto s = win(t, dc, 4719);
    using W = evtx::WValue;
    s.data = {{"CategoryId", W::str("%%8274")},
              {"SubcategoryId", W::str("%%12811")},
              {"SubcategoryGuid", W::guid("0CCE9224-69AE-11D9-BED3-505054503030")},
              {"AuditPolicyChanges", W::str("%%8448")}};
    subject(s, by, session);
    put(dc, t, std::move(s));
    if (!dc) {  // from now on FS1 logs no share access, whoever reads
      file_audit_off_ = t;
      std::erase_if(fs1_, [&](const WinEvent& e) { return e.time > t && e.spec.event_id == 5145; });
    }
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
  }
  void m365(std::int64_t t, const std::string& op, const std::string& user, const std::string& ip,
            const std::string& workload, const std::string& object) {
    std::string line =
        "{\"CreationTime\":" + js(format_time(t).substr(0, 19)) +
        ",\"Id\":" + js("rec-" + std::to_string(++m365_id_)) + ",\"Operation\":" + js(op) +
        ",\"OrganizationId\":\"contoso\",\"RecordType\":" +
        (workload == "AzureActiveDirectory" ? "15" : "6") + ",\"UserId\":" + js(user) +
        ",\"Workload\":" + js(workload) + ",\"ClientIP\":" + js(ip);
    if (!object.empty()) line += ",\"ObjectId\":" + js(object);
    m365_.push_back({t, line + "}"});
  }
  void auth(bool bastion, std::int64_t t, const std::string& program, const std::string& msg) {
    (bastion ? bastion_ : build_)
        .push_back({t, iso(t) + " " + (bastion ? "bastion" : "build01") + " " + program + "[" +
                           std::to_string(1000 + jitter(30000)) + "]: " + msg});
  }

  // --- background ---------------------------------------------------------------------------
  void windows_noise() {
    for (std::int64_t h = 0; h < kDays * 24; ++h) {
      const std::int64_t t = kStart + h * kHour;
      logon(true, t, "FS1$", 3, kFsIp, "FS1", "Kerberos");
      logon(false, t, "DC1$", 3, kDcIp, "DC1", "Kerberos");
    }
  }
  void edge_noise() {
    for (std::int64_t h = 0; h < kDays * 24; ++h) {
      const std::int64_t t = kStart + h * kHour;
      fortigate(t,
                "logid=\"0100040704\" type=\"event\" subtype=\"system\" level=\"information\" "
                "action=\"perf-stats\" msg=\"Performance statistics\" cpu=" +
                    std::to_string(3 + jitter(20)));
      flow(t, kDcIp, kFsIp, 445, 4000 + static_cast<std::uint64_t>(jitter(9000)), 20000, 0.4);
      m365(t, "FileAccessed", "svc-sync@contoso.com", kSyncIp, "SharePoint",
           "https://contoso.sharepoint.com/sites/General/Shared Documents/sync.dat");
      if (h % 24 == 2) {  // nightly backup and updates go to allowed destinations
        flow(t + 7 * kMin, kFsIp, kBackupIp, 443,
             4000000000ULL + static_cast<std::uint64_t>(jitter(3000000000LL)), 900000, 3400.0);
        flow(t + 9 * kMin, kDcIp, kUpdateIp, 443, 200000, 60000000, 120.0);
      }
    }
  }
  void user_noise() {
    for (int d = 0; d < kDays; ++d) {
      const std::int64_t day = kStart + d * kDay;
      const std::int64_t dow = (days_from_civil(2023, 5, 1) + d + 4) % 7;  // 0 Sunday
      if (dow == 0 || dow == 6) continue;
      for (const User& u : users_) {
        if (jitter(9) == 0) continue;  // leave, illness
        const std::int64_t in =
            day + 9 * kHour - 2 * kHour + jitter(60 * kMin);  // 07:00-08:00 UTC+0 ~ JST 16:00
        const std::int64_t out = in + 8 * kHour + jitter(60 * kMin);
        vpn_up(in, u.name, u.home_ip, "Japan", u.tunnel_ip);
        const std::uint64_t dc_session =
            logon(true, in + 20 * kSec, u.name, 3, u.tunnel_ip, u.laptop, "Kerberos");
        (void)dc_session;
        const std::uint64_t fs_session =
            logon(false, in + 40 * kSec, u.name, 3, u.tunnel_ip, u.laptop, "Kerberos");
        const int reads = 2 + static_cast<int>(jitter(4));
        for (int r = 0; r < reads; ++r) {
          const std::int64_t t = in + kMin + jitter(7 * kHour);
          if (file_audit_off_ && t >= file_audit_off_) continue;
          share_read(t, u.name, fs_session, u.tunnel_ip, u.share,
                     u.share == "SatelliteDesign"
                         ? "orbit\\calc_" + std::to_string(jitter(40)) + ".xlsx"
                         : "docs\\memo_" + std::to_string(jitter(200)) + ".docx");
        }
        m365(in + 2 * kMin, "UserLoggedIn", u.name + "@contoso.com", u.home_ip,
             "AzureActiveDirectory", "");
        m365(in + 3 * kHour, "FileAccessed", u.name + "@contoso.com", u.home_ip, "SharePoint",
             u.share == "SatelliteDesign"
                 ? "https://contoso.sharepoint.com/sites/Rocket/Shared Documents/engine_" +
                       std::to_string(jitter(30)) + ".pdf"
                 : "https://contoso.sharepoint.com/sites/General/Shared Documents/notice.pdf");
        vpn_down(out, u.name, u.home_ip, "Japan", u.tunnel_ip,
                 20000000 + static_cast<std::uint64_t>(jitter(200000000)),
                 5000000 + static_cast<std::uint64_t>(jitter(50000000)));
      }
    }
  }

  // --- files ----------------------------------------------------------------------------------
  std::expected<void, std::string> write(const std::string& dir, bool windows, bool edge,
                                         bool linux) {
    auto span = [&](const std::string& host, const std::string& source, const auto& events) {
      if (events.empty()) return;
      std::int64_t a = INT64_MAX, b = INT64_MIN;
      for (const auto& e : events) {
        const std::int64_t t = e.first;
        a = std::min(a, t);
        b = std::max(b, t);
      }
      truth.coverage[{host, source}] = {a, b};
    };
    std::vector<std::pair<std::int64_t, int>> dc, fsv;
    for (const auto& e : dc1_) dc.emplace_back(e.time, 0);
    for (const auto& e : fs1_) fsv.emplace_back(e.time, 0);
    if (windows) {
      span("DC1.corp.example", "Security", dc);
      span("FS1.corp.example", "Security", fsv);
    }
    if (edge) {
      span("FW1", "fortigate:event", fortigate_);
      span("m365", "m365:audit", m365_);
    }
    span("zeek", "zeek:conn", zeek_);
    if (linux) {
      span("bastion", "linux:syslog", bastion_);
      span("build01", "linux:syslog", build_);
    }
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
      for (bool on_dc : {true, false}) {
        auto& log = on_dc ? dc1_ : fs1_;
        std::stable_sort(log.begin(), log.end(),
                         [](const WinEvent& a, const WinEvent& b) { return a.time < b.time; });
        evtx::EvtxWriter w;
        for (const auto& e : log) w.add(e.spec);
        if (!w.write(
                (fs::path(dir) / (on_dc ? "dc1-security.evtx" : "fs1-security.evtx")).string()))
          return std::unexpected(dir + ": cannot write EVTX");
      }
    bool ok = true;
    if (edge) {
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
    if (linux) {
      ok = ok && text("bastion-auth.log", bastion_, "", "");
      ok = ok && text("build01-auth.log", build_, "", "");
    }
    if (!ok) return std::unexpected(dir + ": cannot write the logs");
    return {};
  }

  std::vector<User> users_;
  Truth truth;
  std::int64_t file_audit_off_ = 0;

 private:
  std::mt19937_64 rng_;
  std::uint64_t next_logon_ = 1, flow_id_ = 0, m365_id_ = 0;
  std::vector<WinEvent> dc1_, fs1_;
  std::map<bool, std::int64_t> cleared_;
  std::vector<std::pair<std::int64_t, std::string>> fortigate_, zeek_, m365_, bastion_, build_;

  friend void linux_noise(World&);
};

const char* kAttackWs = "WIN-7Q2JD1";

std::int64_t jitter_minutes(World& w, int max) {
  return w.jitter(max) * kMin;
}

// An intruder through the VPN: guesses tanaka's password, Kerberoasts from DC1, creates
// backup_adm and makes it a Domain Admin, then comes back every two weeks as backup_adm from
// another address, hops from DC1 to FS1, reads the satellite designs and sends them out.
struct EdgeIntrusion {
  bool reads_share = true;
  bool tamper = false;            // clear FS1's Security log, turn off file share auditing
  std::uint64_t exfil_bytes = 0;  // per session, FS1 to the attacker's server
  int sessions = 7;
};

void edge_intrusion(World& w, const EdgeIntrusion& x) {
  Truth& tr = w.truth;
  const std::string ip1 = "203.0.113.66", ip2 = "203.0.113.99", country = "Netherlands";
  std::int64_t t = kStart + 42 * kDay + 17 * kHour + 40 * kMin;  // 2023-06-12 17:40
  for (int i = 0; i < 5; ++i) w.vpn_fail(t + i * kMin, "tanaka", ip1, country);
  tr.mark(t);
  tr.sources = {ip1};
  tr.countries = {{ip1, country}, {ip2, country}};
  tr.accounts = {"tanaka"};
  tr.hosts = {"FW1", "DC1"};
  tr.access = true;
  std::uint64_t egress_vpn = 0;
  auto session = [&](std::int64_t up, const std::string& user, const std::string& ip,
                     const std::string& tunnel, std::int64_t length, std::uint64_t sent) {
    w.vpn_up(up, user, ip, country, tunnel);
    w.vpn_down(up + length, user, ip, country, tunnel, sent, 900000);
    egress_vpn += sent;
    tr.egress[ip] += sent;
    tr.mark(up + length);
  };
  // Day 0: in, Kerberoasting.
  const std::int64_t up1 = t + 6 * kMin;
  session(up1, "tanaka", ip1, "10.8.0.201", 45 * kMin, 80000000);
  const std::uint64_t l1 =
      w.logon(true, up1 + 4 * kMin, "tanaka", 3, "10.8.0.201", kAttackWs, "NTLM");
  tr.edge(kAttackWs, "DC1", "tanaka", "3", up1 + 4 * kMin);
  w.process(true, up1 + 6 * kMin, "tanaka", l1, "C:\\Windows\\System32\\nltest.exe",
            "nltest /dclist:corp.example");
  for (int i = 0; i < 14; ++i)
    w.kerberos_ticket(up1 + 8 * kMin + i * 5 * kSec, "tanaka", "10.8.0.201",
                      "MSSQLSvc/db" + std::to_string(i), 0x17);
  // Day 9: an account of its own, made a Domain Admin.
  const std::int64_t up2 = kStart + 51 * kDay + 20 * kHour + 10 * kMin;
  session(up2, "tanaka", ip1, "10.8.0.202", 30 * kMin, 5000000);
  const std::uint64_t l2 =
      w.logon(true, up2 + 3 * kMin, "tanaka", 3, "10.8.0.202", kAttackWs, "NTLM");
  w.account_created(up2 + 5 * kMin, "tanaka", l2, "backup_adm");
  w.group_add(up2 + 6 * kMin, "tanaka", l2, "backup_adm", "Domain Admins");
  tr.accounts.insert("backup_adm");
  // Every two weeks: back as backup_adm from another address.
  tr.sources.insert(ip2);
  for (int k = 0; k < x.sessions; ++k) {
    const std::int64_t up = kStart + (70 + 14 * k) * kDay + 15 * kHour + jitter_minutes(w, 90);
    const std::string tunnel = "10.8.0." + std::to_string(210 + k);
    session(up, "backup_adm", ip2, tunnel, 70 * kMin, 30000000);
    const std::uint64_t ld =
        w.logon(true, up + 2 * kMin, "backup_adm", 10, tunnel, kAttackWs, "Negotiate");
    tr.edge(kAttackWs, "DC1", "backup_adm", "10", up + 2 * kMin);
    w.process(true, up + 4 * kMin, "backup_adm", ld, "C:\\Windows\\System32\\net.exe",
              "net group \"Domain Admins\" /domain");
    if (!x.reads_share) continue;
    const std::int64_t on = up + 10 * kMin;
    const std::uint64_t lf = w.logon(false, on, "backup_adm", 3, kDcIp, "DC1", "Kerberos");
    tr.hosts.insert("FS1");
    bool logged = true;
    if (x.tamper && k == 2) {
      w.clear_log(false, on + 2 * kMin, "backup_adm", lf);  // the logon above is gone with it
      w.audit_off(false, on + 3 * kMin, "backup_adm", lf);
      tr.tampering = {{"log_cleared", "FS1"}, {"audit_policy_changed", "FS1"}};
      tr.mark(on + 3 * kMin);
      logged = false;
    }
    // With the log cleared in session 2, the earlier hops to FS1 are gone from its log.
    if (logged && !(x.tamper && k < 2)) tr.edge("DC1", "FS1", "backup_adm", "3", on);
    for (int f = 0; f < 40; ++f) {
      const std::int64_t rt = on + 5 * kMin + f * 20 * kSec;
      if (w.file_audit_off_ && rt >= w.file_audit_off_) continue;  // auditing off: nothing logged
      w.share_read(
          rt, "backup_adm", lf, kDcIp, "SatelliteDesign",
          "rocket\\h3_stage2\\design_" + std::to_string(k) + "_" + std::to_string(f) + ".dwg");
    }
    if (x.exfil_bytes) {
      const std::uint64_t bytes = x.exfil_bytes + static_cast<std::uint64_t>(k) * 7919;
      w.flow(on + 25 * kMin, kFsIp, ip2, 443, bytes, 2000000, 1500.0);
      tr.egress[ip2] += bytes;
    }
  }
  (void)egress_vpn;
}

void linux_noise(World& w) {
  for (std::int64_t h = 0; h < kDays * 24; ++h) {
    const std::int64_t t = kStart + h * kHour;
    for (bool b : {true, false})
      w.auth(b, t, "CRON",
             "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
    if (h % 24 == 2) {  // nightly deploy from the bastion, with the CI key
      w.auth(false, t, "sshd",
             "Accepted publickey for deploy from " + std::string(kBastionIp) +
                 " port 40100 ssh2: ED25519 SHA256:ci+deploy+key+2021");
      w.auth(false, t + kMin, "sudo",
             "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl "
             "restart app");
    }
    if (h % 24 == 1) {  // the operator's morning check, from home
      w.auth(true, t, "sshd",
             "Accepted publickey for ops from 192.0.2.50 port 50022 ssh2: ED25519 "
             "SHA256:ops+laptop+key");
    }
  }
}

void linux_pivot(World& w) {
  Truth& tr = w.truth;
  const std::string ip = "203.0.113.150";
  tr.access = true;
  tr.sources = {ip};
  tr.accounts = {"deploy"};
  tr.hosts = {"bastion", "build01"};
  for (int s = 0; s < 3; ++s) {
    const std::int64_t t = kStart + (92 + 7 * s) * kDay + 14 * kHour;
    std::int64_t at = t;
    if (s == 0) {
      for (int i = 0; i < 8; ++i) {
        w.auth(true, t + i * 20 * kSec, "sshd",
               std::string("Failed password for ") + (i % 2 ? "root" : "admin") + " from " + ip +
                   " port " + std::to_string(51000 + i) + " ssh2");
      }
      tr.mark(t);
      at = t + 4 * kMin;
    }
    w.auth(true, at, "sshd", "Accepted password for deploy from " + ip + " port 51234 ssh2");
    tr.mark(at);
    tr.edge(ip, "bastion", "deploy", "ssh", at);
    const std::int64_t hop = at + 10 * kMin;
    w.auth(false, hop, "sshd",
           "Accepted publickey for deploy from " + std::string(kBastionIp) +
               " port 40222 ssh2: ED25519 SHA256:x9Plant3dKeyQ+attacker");
    tr.edge("bastion", "build01", "deploy", "ssh", hop);
    w.flow(hop + 5 * kMin, kBuildIp, ip, 443, 2500000000ULL + static_cast<std::uint64_t>(s) * 1000,
           400000, 900.0);
    tr.egress[ip] += 2500000000ULL + static_cast<std::uint64_t>(s) * 1000;
    w.auth(false, hop + 20 * kMin, "sudo",
           "  deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/tar czf /tmp/fw.tgz "
           "/srv/firmware");
    tr.mark(hop + 20 * kMin);
  }
}

std::string truth_json(const std::string& name, const Truth& t) {
  std::string o =
      "{\n  \"scenario\": " + js(name) + ",\n  \"description\": " + js(t.description) + ",\n";
  o += "  \"claim\": " + (t.claim.empty() ? std::string("null") : js(t.claim)) + ",\n";
  o += "  \"unauthorized_access\": " + js(t.access ? "yes" : "no") + ",\n";
  const bool any = t.first != INT64_MAX;
  o += "  \"first_malicious\": " + (any ? js(format_time(t.first)) : "null") + ",\n";
  o += "  \"last_malicious\": " + (any ? js(format_time(t.last)) : "null") + ",\n";
  char dwell[32];
  std::snprintf(dwell, sizeof dwell, "%.2f",
                any ? static_cast<double>(t.last - t.first) / kDay : 0.0);
  o += std::string("  \"dwell_days\": ") + dwell + ",\n";
  auto list = [&](const char* key, const std::set<std::string>& s) {
    o += std::string("  \"") + key + "\": [";
    bool first = true;
    for (const auto& v : s) {
      o += (first ? "" : ", ") + js(v);
      first = false;
    }
    o += "],\n";
  };
  list("sources", t.sources);
  o += "  \"source_countries\": {";
  bool firstc = true;
  for (const auto& [ip, c] : t.countries) {
    if (!t.sources.contains(ip)) continue;
    o += (firstc ? "" : ", ") + js(ip) + ": " + js(c);
    firstc = false;
  }
  o += "},\n";
  list("accounts", t.accounts);
  list("hosts", t.hosts);
  o += "  \"lateral_movement\": [";
  for (std::size_t i = 0; i < t.edges.size(); ++i)
    o += std::string(i ? "," : "") + "\n    {\"from_host\": " + js(t.edges[i].from) +
         ", \"to_host\": " + js(t.edges[i].to) + ", \"account\": " + js(t.edges[i].account) +
         ", \"logon_type\": " + js(t.edges[i].type) +
         ", \"first_time\": " + js(format_time(t.edges[i].first)) + "}";
  o += "],\n  \"assets\": {";
  bool first = true;
  for (const auto& [k, v] : t.assets) {
    o += (first ? "" : ", ") + js(k) + ": " + js(v);
    first = false;
  }
  std::uint64_t total = 0;
  for (const auto& [k, v] : t.egress) total += v;
  o += "},\n  \"egress\": {\"total_bytes\": " + std::to_string(total) + ", \"destinations\": {";
  first = true;
  for (const auto& [k, v] : t.egress) {
    o += (first ? "" : ", ") + js(k) + ": " + std::to_string(v);
    first = false;
  }
  o += "}},\n  \"claim_verdict\": " +
       (t.claim_verdict.empty() ? std::string("null") : js(t.claim_verdict)) + ",\n";
  o += "  \"tampering\": [";
  for (std::size_t i = 0; i < t.tampering.size(); ++i)
    o += std::string(i ? ", " : "") + "{\"kind\": " + js(t.tampering[i].first) +
         ", \"host\": " + js(t.tampering[i].second) + "}";
  o += "],\n  \"gaps\": [],\n  \"coverage\": [";
  bool firstv = true;
  for (const auto& [k, v] : t.coverage) {
    o += std::string(firstv ? "" : ",") + "\n    {\"host\": " + js(k.first) +
         ", \"source\": " + js(k.second) + ", \"first\": " + js(format_time(v.first)) +
         ", \"last\": " + js(format_time(v.second)) + "}";
    firstv = false;
  }
  o += "]\n}\n";
  return o;
}

const char* kAssetsWindows = R"(# The environment of the simulated company (tansa simulate).
internal_networks: [10.0.0.0/8, 192.168.0.0/16]
domain_controllers: [DC1]
vpn_pool: [10.8.0.0/16]
admin_hosts: [JUMP1]
allowed_destinations: [198.51.100.10, 198.51.100.20, 198.51.100.30]
addresses: {DC1: 10.0.1.10, FS1: 10.0.1.20, JUMP1: 10.0.1.50, bastion: 10.0.3.10, build01: 10.0.3.20}
gap_threshold: 12h
sensitive:
  - name: satellite-design
    label: secret
    shares: ['\\FS1\SatelliteDesign']
    paths: ['rocket\**', 'orbit\**']
    hosts: [FS1]
  - name: hr-records
    label: personal data
    shares: ['\\FS1\HR']
    hosts: [FS1]
  - name: rocket-sharepoint
    label: confidential
    urls: ['https://contoso.sharepoint.com/sites/Rocket*']
)";

const char* kAssetsLinux = R"(# The environment of the simulated company (tansa simulate).
internal_networks: [10.0.0.0/8]
allowed_destinations: [198.51.100.10, 198.51.100.20, 198.51.100.30]
addresses: {bastion: 10.0.3.10, build01: 10.0.3.20, DC1: 10.0.1.10, FS1: 10.0.1.20}
gap_threshold: 12h
sensitive:
  - name: firmware
    label: export-controlled
    paths: ['/srv/firmware/**']
    hosts: [build01]
)";

}  // namespace

const std::vector<ScenarioInfo>& scenarios() {
  static const std::vector<ScenarioInfo> kList = {
      {"vpn-intrusion",
       "An intruder guesses a VPN password, stays four months, becomes Domain Admin, reads the "
       "satellite "
       "designs on FS1 and sends them out; it claims 30GB."},
      {"not-accessed",
       "The same entry and Domain Admin, but the intruder never opens the sensitive share, and "
       "full file "
       "share auditing on FS1 proves it."},
      {"cleared-logs",
       "The intruder clears FS1's Security log and turns off file share auditing before reading "
       "the "
       "designs: whether they were read cannot be known."},
      {"inflated-claim", "The VPN intrusion, with a claim of 2.1TB against about 20GB observed."},
      {"linux-pivot",
       "SSH password guessing on an exposed bastion, then a planted key to build01, sudo, and "
       "firmware "
       "sent out."},
      {"benign",
       "Four months of normal work: a mistyped VPN password, an administrator clearing a log from "
       "the "
       "jump host, nightly backups to the backup provider. No intrusion."},
  };
  return kList;
}

std::expected<void, std::string> write_scenario(const std::string& name, const std::string& dir,
                                                const Options& options) {
  const auto& list = scenarios();
  auto it =
      std::find_if(list.begin(), list.end(), [&](const ScenarioInfo& s) { return s.name == name; });
  if (it == list.end()) {
    std::string names;
    for (const auto& s : list) names += (names.empty() ? "" : ", ") + s.name;
    return std::unexpected("unknown scenario '" + name + "' (one of: " + names + ")");
  }
  World w(name, std::max(1u, options.scale));
  w.truth.description = it->description;
  const bool linux = name == "linux-pivot";
  if (!linux) {
    w.windows_noise();
    w.edge_noise();
    w.user_noise();
  } else {
    w.edge_noise();
    linux_noise(w);
  }
  Truth& tr = w.truth;
  if (name == "vpn-intrusion" || name == "inflated-claim") {
    EdgeIntrusion x;
    x.exfil_bytes = name == "vpn-intrusion" ? 6000000000ULL : 2800000000ULL;
    edge_intrusion(w, x);
    tr.assets = {{"satellite-design", "accessed"},
                 {"hr-records", "not_accessed"},
                 {"rocket-sharepoint", "not_accessed"}};
    tr.claim = name == "vpn-intrusion" ? "30GB" : "2.1TB";
    tr.claim_verdict = name == "vpn-intrusion" ? "consistent" : "inconsistent";
  } else if (name == "not-accessed") {
    EdgeIntrusion x;
    x.reads_share = false;
    x.sessions = 4;
    edge_intrusion(w, x);
    tr.assets = {{"satellite-design", "not_accessed"},
                 {"hr-records", "not_accessed"},
                 {"rocket-sharepoint", "not_accessed"}};
  } else if (name == "cleared-logs") {
    EdgeIntrusion x;
    x.tamper = true;
    x.exfil_bytes = 3000000000ULL;
    edge_intrusion(w, x);
    tr.assets = {{"satellite-design", "undetermined"},
                 {"hr-records", "undetermined"},
                 {"rocket-sharepoint", "not_accessed"}};
  } else if (name == "linux-pivot") {
    linux_pivot(w);
    tr.assets = {{"firmware", "undetermined"}};
  } else if (name == "benign") {
    const std::int64_t t = kStart + 106 * kDay + 8 * kHour;  // 2023-08-15
    // A mistyped password, then the tunnel: one failed logon is not an attack.
    w.vpn_fail(t - 30 * kSec, "suzuki", "192.0.2.11", "Japan");
    w.vpn_up(t, "suzuki", "192.0.2.11", "Japan", "10.8.0.99");
    w.vpn_down(t + kHour, "suzuki", "192.0.2.11", "Japan", "10.8.0.99", 1000000, 1000000);
    const std::int64_t a = t + 2 * kHour;
    w.logon(false, a, "it_admin", 10, kJumpIp, "JUMP1", "Negotiate");
    const std::uint64_t l =
        w.logon(true, a + 20 * kMin, "it_admin", 10, kJumpIp, "JUMP1", "Negotiate");
    w.clear_log(true, a + 30 * kMin, "it_admin", l);
    tr.tampering = {{"log_cleared", "DC1"}};
    tr.assets = {{"satellite-design", "not_accessed"},
                 {"hr-records", "not_accessed"},
                 {"rocket-sharepoint", "not_accessed"}};
  }
  if (auto r = w.write(dir, !linux, !linux, linux); !r) return r;
  std::ofstream(fs::path(dir) / "assets.yml") << (linux ? kAssetsLinux : kAssetsWindows);
  std::ofstream(fs::path(dir) / "truth.json") << truth_json(name, tr);
  return {};
}

}  // namespace tansa::simulate
