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
#include "simulate/world.h"
#include "tansa/event.h"

namespace tansa::simulate {

namespace {

namespace fs = std::filesystem;

constexpr int kDays = 184;  // 2023-05-01 to 2023-10-31
const char* kDcIp = "10.0.1.10";
const char* kFsIp = "10.0.1.20";
const char* kJumpIp = "10.0.1.50";
const char* kBastionIp = "10.0.3.10";
const char* kBuildIp = "10.0.3.20";
const char* kBackupIp = "198.51.100.10";
const char* kUpdateIp = "198.51.100.20";
const char* kSyncIp = "198.51.100.30";

using namespace detail;

// The named scenarios' hosts, by their index in the World.
constexpr std::size_t kDC = 0, kFS = 1;          // Windows: DC1, FS1
constexpr std::size_t kBastion = 0, kBuild = 1;  // Linux: bastion, build01

// The named scenarios' company: DC1 and FS1 (or bastion and build01), and `scale` times ten users.
World company(const std::string& name, unsigned scale) {
  World w(std::hash<std::string>{}(name));
  w.add_windows("DC1.corp.example", "dc1-security.evtx");
  w.add_windows("FS1.corp.example", "fs1-security.evtx");
  w.add_linux("bastion", "bastion-auth.log");
  w.add_linux("build01", "build01-auth.log");
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
      u.home_ip = "192.0.2." + std::to_string(10 + n % 200);
      u.tunnel_ip = "10.8." + std::to_string(n / 150) + "." + std::to_string(10 + n % 150);
      u.share = i < 3 ? "SatelliteDesign" : i == 9 ? "HR" : "Public";
      w.users_.push_back(u);
    }
  return w;
}

void windows_noise(World& w) {
  for (std::int64_t h = 0; h < kDays * 24; ++h) {
    const std::int64_t t = kStart + h * kHour;
    w.logon(kDC, t, "FS1$", 3, kFsIp, "FS1", "Kerberos");
    w.logon(kFS, t, "DC1$", 3, kDcIp, "DC1", "Kerberos");
  }
}
void edge_noise(World& w) {
  for (std::int64_t h = 0; h < kDays * 24; ++h) {
    const std::int64_t t = kStart + h * kHour;
    w.fortigate(t,
                "logid=\"0100040704\" type=\"event\" subtype=\"system\" level=\"information\" "
                "action=\"perf-stats\" msg=\"Performance statistics\" cpu=" +
                    std::to_string(3 + w.jitter(20)));
    w.flow(t, kDcIp, kFsIp, 445, 4000 + static_cast<std::uint64_t>(w.jitter(9000)), 20000, 0.4);
    w.m365(t, "FileAccessed", "svc-sync@contoso.com", kSyncIp, "SharePoint",
           "https://contoso.sharepoint.com/sites/General/Shared Documents/sync.dat");
    if (h % 24 == 2) {  // nightly backup and updates go to allowed destinations
      w.flow(t + 7 * kMin, kFsIp, kBackupIp, 443,
             4000000000ULL + static_cast<std::uint64_t>(w.jitter(3000000000LL)), 900000, 3400.0);
      w.flow(t + 9 * kMin, kDcIp, kUpdateIp, 443, 200000, 60000000, 120.0);
    }
  }
}
void user_noise(World& w) {
  for (int d = 0; d < kDays; ++d) {
    const std::int64_t day = kStart + d * kDay;
    const std::int64_t dow = (days_from_civil(2023, 5, 1) + d + 4) % 7;  // 0 Sunday
    if (dow == 0 || dow == 6) continue;
    for (const User& u : w.users_) {
      if (w.jitter(9) == 0) continue;  // leave, illness
      const std::int64_t in =
          day + 9 * kHour - 2 * kHour + w.jitter(60 * kMin);  // 07:00-08:00 UTC+0 ~ JST 16:00
      const std::int64_t out = in + 8 * kHour + w.jitter(60 * kMin);
      w.vpn_up(in, u.name, u.home_ip, "Japan", u.tunnel_ip);
      const std::uint64_t dc_session =
          w.logon(kDC, in + 20 * kSec, u.name, 3, u.tunnel_ip, u.laptop, "Kerberos");
      (void)dc_session;
      const std::uint64_t fs_session =
          w.logon(kFS, in + 40 * kSec, u.name, 3, u.tunnel_ip, u.laptop, "Kerberos");
      const int reads = 2 + static_cast<int>(w.jitter(4));
      for (int r = 0; r < reads; ++r) {
        const std::int64_t t = in + kMin + w.jitter(7 * kHour);
        if (w.file_audit_off_ && t >= w.file_audit_off_) continue;
        w.share_read(kFS, t, u.name, fs_session, u.tunnel_ip, u.share,
                     u.share == "SatelliteDesign"
                         ? "orbit\\calc_" + std::to_string(w.jitter(40)) + ".xlsx"
                         : "docs\\memo_" + std::to_string(w.jitter(200)) + ".docx");
      }
      w.m365(in + 2 * kMin, "UserLoggedIn", u.name + "@contoso.com", u.home_ip,
             "AzureActiveDirectory", "");
      w.m365(in + 3 * kHour, "FileAccessed", u.name + "@contoso.com", u.home_ip, "SharePoint",
             u.share == "SatelliteDesign"
                 ? "https://contoso.sharepoint.com/sites/Rocket/Shared Documents/engine_" +
                       std::to_string(w.jitter(30)) + ".pdf"
                 : "https://contoso.sharepoint.com/sites/General/Shared Documents/notice.pdf");
      w.vpn_down(out, u.name, u.home_ip, "Japan", u.tunnel_ip,
                 20000000 + static_cast<std::uint64_t>(w.jitter(200000000)),
                 5000000 + static_cast<std::uint64_t>(w.jitter(50000000)));
    }
  }
}

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
  // The way in: five wrong passwords, then tanaka's session; nothing locked the account.
  tr.initial_access.push_back(
      {up1, EntryVector::VpnPasswordGuessing, "FW1", "tanaka", ip1, country});
  tr.weaknesses.insert(WeaknessKind::GuessingNotStopped);
  tr.weaknesses.insert(WeaknessKind::UnseenDwell);
  const std::uint64_t l1 =
      w.logon(kDC, up1 + 4 * kMin, "tanaka", 3, "10.8.0.201", kAttackWs, "NTLM");
  tr.edge(kAttackWs, "DC1", "tanaka", "3", up1 + 4 * kMin);
  w.process(kDC, up1 + 6 * kMin, "tanaka", l1, "C:\\Windows\\System32\\nltest.exe",
            "nltest /dclist:corp.example");
  for (int i = 0; i < 14; ++i)
    w.kerberos_ticket(kDC, up1 + 8 * kMin + i * 5 * kSec, "tanaka", "10.8.0.201",
                      "MSSQLSvc/db" + std::to_string(i), 0x17);
  tr.weaknesses.insert(WeaknessKind::Rc4ServiceTickets);
  // Day 9: an account of its own, made a Domain Admin.
  const std::int64_t up2 = kStart + 51 * kDay + 20 * kHour + 10 * kMin;
  session(up2, "tanaka", ip1, "10.8.0.202", 30 * kMin, 5000000);
  const std::uint64_t l2 =
      w.logon(kDC, up2 + 3 * kMin, "tanaka", 3, "10.8.0.202", kAttackWs, "NTLM");
  w.account_created(kDC, up2 + 5 * kMin, "tanaka", l2, "backup_adm");
  w.group_add(kDC, up2 + 6 * kMin, "tanaka", l2, "backup_adm", "Domain Admins");
  tr.accounts.insert("backup_adm");
  // Every two weeks: back as backup_adm from another address.
  tr.sources.insert(ip2);
  for (int k = 0; k < x.sessions; ++k) {
    const std::int64_t up = kStart + (70 + 14 * k) * kDay + 15 * kHour + jitter_minutes(w, 90);
    const std::string tunnel = "10.8.0." + std::to_string(210 + k);
    session(up, "backup_adm", ip2, tunnel, 70 * kMin, 30000000);
    // The second wave: its own Domain Admin account from a new address, by remote desktop from
    // its own machine rather than the admin host.
    if (k == 0) {
      tr.initial_access.push_back(
          {up, EntryVector::VpnValidAccount, "FW1", "backup_adm", ip2, country});
      tr.weaknesses.insert(WeaknessKind::AdminOutsideAdminHosts);
    }
    const std::uint64_t ld =
        w.logon(kDC, up + 2 * kMin, "backup_adm", 10, tunnel, kAttackWs, "Negotiate");
    tr.edge(kAttackWs, "DC1", "backup_adm", "10", up + 2 * kMin);
    w.process(kDC, up + 4 * kMin, "backup_adm", ld, "C:\\Windows\\System32\\net.exe",
              "net group \"Domain Admins\" /domain");
    if (!x.reads_share) continue;
    const std::int64_t on = up + 10 * kMin;
    const std::uint64_t lf = w.logon(kFS, on, "backup_adm", 3, kDcIp, "DC1", "Kerberos");
    tr.hosts.insert("FS1");
    bool logged = true;
    if (x.tamper && k == 2) {
      w.clear_log(kFS, on + 2 * kMin, "backup_adm", lf);  // the logon above is gone with it
      w.audit_off(kFS, on + 3 * kMin, "backup_adm", lf);
      tr.tampering = {{"log_cleared", "FS1"}, {"audit_policy_changed", "FS1"}};
      tr.weaknesses.insert(WeaknessKind::TamperingUnnoticed);
      tr.mark(on + 3 * kMin);
      logged = false;
    }
    // With the log cleared in session 2, the earlier hops to FS1 are gone from its log.
    if (logged && !(x.tamper && k < 2)) tr.edge("DC1", "FS1", "backup_adm", "3", on);
    for (int f = 0; f < 40; ++f) {
      const std::int64_t rt = on + 5 * kMin + f * 20 * kSec;
      if (w.file_audit_off_ && rt >= w.file_audit_off_) continue;  // auditing off: nothing logged
      w.share_read(
          kFS, rt, "backup_adm", lf, kDcIp, "SatelliteDesign",
          "rocket\\h3_stage2\\design_" + std::to_string(k) + "_" + std::to_string(f) + ".dwg",
          "satellite-design");
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
    for (std::size_t b : {kBastion, kBuild})
      w.auth(b, t, "CRON",
             "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
    if (h % 24 == 2) {  // nightly deploy from the bastion, with the CI key
      w.auth(kBuild, t, "sshd",
             "Accepted publickey for deploy from " + std::string(kBastionIp) +
                 " port 40100 ssh2: ED25519 SHA256:ci+deploy+key+2021");
      w.auth(kBuild, t + kMin, "sudo",
             "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/usr/bin/systemctl "
             "restart app");
    }
    if (h % 24 == 1) {  // the operator's morning check, from home
      w.auth(kBastion, t, "sshd",
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
        w.auth(kBastion, t + i * 20 * kSec, "sshd",
               std::string("Failed password for ") + (i % 2 ? "root" : "admin") + " from " + ip +
                   " port " + std::to_string(51000 + i) + " ssh2");
      }
      tr.mark(t);
      at = t + 4 * kMin;
    }
    w.auth(kBastion, at, "sshd", "Accepted password for deploy from " + ip + " port 51234 ssh2");
    if (s == 0) {  // eight guesses for root and admin, then the shared deploy account's password
      tr.initial_access.push_back(
          {at, EntryVector::SshPasswordGuessing, "bastion", "deploy", ip, ""});
      tr.weaknesses.insert(WeaknessKind::GuessingNotStopped);
      tr.weaknesses.insert(WeaknessKind::ServiceAccountAccess);
      tr.weaknesses.insert(WeaknessKind::UnseenDwell);
    }
    tr.mark(at);
    tr.edge(ip, "bastion", "deploy", "ssh", at);
    const std::int64_t hop = at + 10 * kMin;
    w.auth(kBuild, hop, "sshd",
           "Accepted publickey for deploy from " + std::string(kBastionIp) +
               " port 40222 ssh2: ED25519 SHA256:x9Plant3dKeyQ+attacker");
    tr.edge("bastion", "build01", "deploy", "ssh", hop);
    w.flow(hop + 5 * kMin, kBuildIp, ip, 443, 2500000000ULL + static_cast<std::uint64_t>(s) * 1000,
           400000, 900.0);
    tr.egress[ip] += 2500000000ULL + static_cast<std::uint64_t>(s) * 1000;
    w.auth(kBuild, hop + 20 * kMin, "sudo",
           "  deploy : TTY=pts/1 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/tar czf /tmp/fw.tgz "
           "/srv/firmware");
    tr.mark(hop + 20 * kMin);
  }
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

namespace detail {

std::string truth_json(const std::string& name, const Truth& t) {
  std::string o =
      "{\n  \"scenario\": " + js(name) + ",\n  \"description\": " + js(t.description) + ",\n";
  o += "  \"claim\": " + (t.claim.empty() ? std::string("null") : js(t.claim)) + ",\n";
  o += "  \"unauthorized_access\": " + js(to_string(t.access ? Access::Yes : Access::No)) + ",\n";
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
    o += (first ? "" : ", ") + js(k) + ": " + js(to_string(v));
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
  o += "}},\n  \"documents\": {\"total\": " + std::to_string(t.documents) + ", \"assets\": {";
  first = true;
  for (const auto& [k, v] : t.asset_documents) {
    o += (first ? "" : ", ") + js(k) + ": " + std::to_string(v);
    first = false;
  }
  o += "}},\n  \"claim_verdict\": " +
       (t.claim_verdict ? js(to_string(*t.claim_verdict)) : std::string("null")) + ",\n";
  o += "  \"tampering\": [";
  for (std::size_t i = 0; i < t.tampering.size(); ++i)
    o += std::string(i ? ", " : "") + "{\"kind\": " + js(t.tampering[i].first) +
         ", \"host\": " + js(t.tampering[i].second) + "}";
  o += "],\n  \"initial_access\": [";
  std::vector<Entry> entries = t.initial_access;
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.time < b.time; });
  for (std::size_t i = 0; i < entries.size(); ++i)
    o += std::string(i ? "," : "") + "\n    {\"time\": " + js(format_time(entries[i].time)) +
         ", \"vector\": " + js(to_string(entries[i].vector)) +
         ", \"via_host\": " + js(entries[i].via_host) + ", \"account\": " + js(entries[i].account) +
         ", \"source\": {\"address\": " + js(entries[i].address) +
         ", \"country\": " + js(entries[i].country) + "}}";
  o += "],\n  \"weaknesses\": [";
  bool firstw = true;
  for (WeaknessKind k : t.weaknesses) {
    o += (firstw ? "" : ", ") + js(to_string(k));
    firstw = false;
  }
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

}  // namespace detail

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
  World w = company(name, std::max(1u, options.scale));
  w.truth.description = it->description;
  const bool linux = name == "linux-pivot";
  if (!linux) {
    windows_noise(w);
    edge_noise(w);
    user_noise(w);
  } else {
    edge_noise(w);
    linux_noise(w);
  }
  Truth& tr = w.truth;
  if (name == "vpn-intrusion" || name == "inflated-claim") {
    EdgeIntrusion x;
    x.exfil_bytes = name == "vpn-intrusion" ? 6000000000ULL : 2800000000ULL;
    edge_intrusion(w, x);
    tr.assets = {{"satellite-design", AssetVerdict::Accessed},
                 {"hr-records", AssetVerdict::NotAccessed},
                 {"rocket-sharepoint", AssetVerdict::NotAccessed}};
    tr.claim = name == "vpn-intrusion" ? "30GB" : "2.1TB";
    tr.claim_verdict =
        name == "vpn-intrusion" ? ClaimVerdict::Consistent : ClaimVerdict::Inconsistent;
  } else if (name == "not-accessed") {
    EdgeIntrusion x;
    x.reads_share = false;
    x.sessions = 4;
    edge_intrusion(w, x);
    tr.assets = {{"satellite-design", AssetVerdict::NotAccessed},
                 {"hr-records", AssetVerdict::NotAccessed},
                 {"rocket-sharepoint", AssetVerdict::NotAccessed}};
  } else if (name == "cleared-logs") {
    EdgeIntrusion x;
    x.tamper = true;
    x.exfil_bytes = 3000000000ULL;
    edge_intrusion(w, x);
    tr.assets = {{"satellite-design", AssetVerdict::Undetermined},
                 {"hr-records", AssetVerdict::Undetermined},
                 {"rocket-sharepoint", AssetVerdict::NotAccessed}};
  } else if (name == "linux-pivot") {
    linux_pivot(w);
    // build01 audits no file reads, but the intruder's own sudo command names the folder:
    // "tar czf /tmp/fw.tgz /srv/firmware" reads /srv/firmware/**.
    tr.assets = {{"firmware", AssetVerdict::Accessed}};
  } else if (name == "benign") {
    const std::int64_t t = kStart + 106 * kDay + 8 * kHour;  // 2023-08-15
    // A mistyped password, then the tunnel: one failed logon is not an attack.
    w.vpn_fail(t - 30 * kSec, "suzuki", "192.0.2.11", "Japan");
    w.vpn_up(t, "suzuki", "192.0.2.11", "Japan", "10.8.0.99");
    w.vpn_down(t + kHour, "suzuki", "192.0.2.11", "Japan", "10.8.0.99", 1000000, 1000000);
    const std::int64_t a = t + 2 * kHour;
    w.logon(kFS, a, "it_admin", 10, kJumpIp, "JUMP1", "Negotiate");
    const std::uint64_t l =
        w.logon(kDC, a + 20 * kMin, "it_admin", 10, kJumpIp, "JUMP1", "Negotiate");
    w.clear_log(kDC, a + 30 * kMin, "it_admin", l);
    tr.tampering = {{"log_cleared", "DC1"}};
    tr.assets = {{"satellite-design", AssetVerdict::NotAccessed},
                 {"hr-records", AssetVerdict::NotAccessed},
                 {"rocket-sharepoint", AssetVerdict::NotAccessed}};
  }
  // Sensitive files on a host whose log records no file access: build01 (no Linux log here
  // records file reads), or FS1 when its log as written holds no 5145.
  const auto& fs_log = w.windows_log(kFS);
  const bool fs_audited = std::any_of(fs_log.begin(), fs_log.end(),
                                      [](const WinEvent& e) { return e.spec.event_id == 5145; });
  if (linux || !fs_audited) tr.weaknesses.insert(WeaknessKind::FileAuditingMissing);
  w.count_documents();
  if (auto r = w.write(dir, !linux, !linux, linux); !r) return r;
  std::ofstream(fs::path(dir) / "assets.yml") << (linux ? kAssetsLinux : kAssetsWindows);
  std::ofstream(fs::path(dir) / "truth.json") << truth_json(name, tr);
  return {};
}

}  // namespace tansa::simulate
