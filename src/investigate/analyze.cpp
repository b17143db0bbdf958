#include "investigate/analyze.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "investigate/commands.h"
#include "investigate/rhythm.h"
#include "tansa/net.h"

namespace tansa::investigate {

namespace {

constexpr std::int64_t kHour = 3600LL * 1000000000;
constexpr std::size_t kMaxEvidence = 25;  // per answer; the case database has them all
// After a malicious logon on a host, logons out of that host for this long are the intruder's.
constexpr std::int64_t kActivity = 2 * kHour;
// A VPN tunnel with no tunnel-down is taken to last this long.
constexpr std::int64_t kSessionDefault = 12 * kHour;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool machine_or_anonymous(const std::string& user) {
  return user.empty() || user.back() == '$' || lower(user) == "anonymous logon" ||
         lower(user) == "system" || lower(user) == "local service" ||
         lower(user) == "network service";
}

std::string describe(const Fact& f) {
  switch (f.kind) {
    case FactKind::Logon:
      if (f.channel == "sshd")
        return "SSH " + std::string(f.outcome == "success" ? "login" : "failed login") + " by " +
               f.user + " from " + f.src_ip + " on " + f.host +
               (f.detail.empty() ? "" : " (key " + f.detail + ")");
      return std::to_string(f.event_id) + " logon type " + std::to_string(f.logon_type) + " by " +
             f.user + (f.src_ip.empty() ? "" : " from " + f.src_ip) +
             (f.workstation.empty() ? "" : " (" + f.workstation + ")") + " on " + f.host;
    case FactKind::Process:
      if (f.channel == "sudo") return "sudo by " + f.user + " on " + f.host + ": " + f.detail;
      return "process " + f.object + " by " + f.user + " on " + f.host +
             (f.detail.empty() ? "" : ": " + f.detail);
    case FactKind::FileAccess:
      return std::to_string(f.event_id) + " " + f.object + "\\" + f.detail + " by " + f.user +
             (f.src_ip.empty() ? "" : " from " + f.src_ip) + " on " + f.host;
    case FactKind::Flow:
      return "flow " + f.src_ip + " -> " + f.dst_ip + ":" + std::to_string(f.port) + ", " +
             std::to_string(f.bytes_out) + " bytes out";
    case FactKind::Vpn:
      return "VPN " + f.outcome + " for " + f.user + " from " + f.src_ip +
             (f.extra.empty() ? "" : " (" + f.extra + ")") +
             (f.dst_ip.empty() ? "" : ", tunnel address " + f.dst_ip);
    case FactKind::AccountChange:
      if (f.outcome == "group_add")
        return std::to_string(f.event_id) + " " + f.target + " added to " + f.object + " by " +
               f.user + " on " + f.host;
      return std::to_string(f.event_id) + " account " + f.target + " " + f.outcome + " by " +
             f.user + " on " + f.host;
    case FactKind::Tamper:
      return std::to_string(f.event_id) + " " + f.outcome + " by " + f.user + " on " + f.host;
    case FactKind::Cloud:
      return f.extra + " " + f.outcome + " by " + f.user + " from " + f.src_ip +
             (f.object.empty() ? "" : ": " + f.object);
    case FactKind::Address:
      return f.object + " had " + f.src_ip + " (" + f.outcome + ")";
  }
  return {};
}

Evidence evidence_of(const Fact& f) {
  return Evidence{f.time_ns, f.source, describe(f)};
}
Evidence evidence_of(const Fact& f, std::string what) {
  return Evidence{f.time_ns, f.source, std::move(what)};
}

// Where an address was seen with a host name.
struct Binding {
  std::string host_key, name;
  std::int64_t first, last;            // sightings
  std::int64_t valid_from, valid_to;   // when the address is taken to be this host's
  std::optional<Evidence> evidence;
};

void note(Entity& e, const Fact& f) {
  if (e.evidence.empty() || f.time_ns < e.first) e.first = f.time_ns;
  if (e.evidence.empty() || f.time_ns > e.last) e.last = f.time_ns;
  if (e.evidence.size() < kMaxEvidence) e.evidence.push_back(evidence_of(f));
}

struct Window {
  std::string ip;
  std::int64_t start, end;
};

class Analysis {
 public:
  explicit Analysis(const AnalysisInput& in) : in_(in), a_(*in.assets), db_(*in.db) {}

  Findings run() {
    for (const auto& s : in_.streams)
      for (const auto& i : s.active) {
        input_first_ = std::min(input_first_, i.start);
        input_last_ = std::max(input_last_, i.end);
      }
    learn_addresses();
    learn_environment();
    seed();
    spread();
    collect_processes();
    collect_file_access();
    judge_tampering();
    Findings out;
    out.files = in_.files;
    out.input_first = input_first_ == kMax ? 0 : input_first_;
    out.input_last = input_last_ == kMin ? 0 : input_last_;
    if (first_ != kMax) {
      out.first_malicious = first_;
      out.last_malicious = last_;
      out.dwell_days = std::round(static_cast<double>(last_ - first_) / (24.0 * kHour) * 100) / 100;
    }
    answer_access(out);
    for (auto& [k, e] : sources_) {
      if (auto t = ties_.find(k); t != ties_.end()) e.tie = t->second;
      out.sources.push_back(e);
    }
    for (auto& [k, e] : accounts_) out.accounts.push_back(e);
    for (auto& [k, e] : hosts_) out.hosts.push_back(e);
    for (auto& [k, e] : edges_) out.lateral_movement.push_back(e);
    std::sort(out.lateral_movement.begin(), out.lateral_movement.end(),
              [](const Edge& x, const Edge& y) { return x.first_time < y.first_time; });
    out.tampering = tampering_;
    coverage_and_gaps(out);
    judge_assets(out);
    egress(out);
    return out;
  }

 private:
  // Every query goes through here: the first failure is kept and fails the whole analysis, so a
  // database fault can never read as "no events" and so as "no" or "not_accessed".
  void query(FactKind k, const std::string& where, const std::vector<std::string>& params,
             const std::function<void(const Fact&)>& each) {
    if (!failure_.empty()) return;
    if (auto r = db_.query(k, where, params, each); !r) failure_ = r.error();
  }

 public:
  [[nodiscard]] const std::string& failure() const { return failure_; }

 private:
  std::string failure_;
  static constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  static constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

  void mark(std::int64_t t) {
    first_ = std::min(first_, t);
    last_ = std::max(last_, t);
  }

  // Host name <-> address, learned from the logs (machine-account logons, Sysmon 3, 5156, DHCP,
  // and logons that carry both a workstation name and an address), with the assets file's
  // `addresses` as optional help. Each binding keeps the time span it was seen in and an event
  // that shows it, cited wherever an answer rests on it.
  void learn_addresses() {
    for (const auto& [h, ip] : a_.addresses)
      bind(h, canonical_ip(ip), kMin, kMax, std::nullopt);
    query(FactKind::Address, "", {}, [&](const Fact& f) {
      if (a_.in_vpn_pool(f.src_ip)) return;  // a VPN client's address is its session's, not a host's
      bind(f.object, f.src_ip, f.time_ns, f.time_ns, f);
    });
    query(FactKind::Logon,
          "event_id = 4624 AND workstation != '' AND src_ip != '' GROUP BY lower(workstation), "
          "src_ip",
          {}, [&](const Fact& f) {
            if (a_.in_vpn_pool(f.src_ip) || !parse_ip(f.src_ip)) return;
            if (f.src_ip == "127.0.0.1" || f.src_ip == "::1") return;
            bind(f.workstation, f.src_ip, f.time_ns, f.time_ns, f);
          });
    // Validity: an address only one host was seen with is that host's for the whole input; one
    // that several hosts had is each one's from the midpoint after the previous holder's last
    // sighting to the midpoint before the next one's first.
    for (auto& [ip, list] : bindings_) {
      std::sort(list.begin(), list.end(),
                [](const Binding& x, const Binding& y) { return x.first < y.first; });
      std::set<std::string> holders;
      for (const Binding& b : list) holders.insert(b.host_key);
      for (std::size_t i = 0; i < list.size(); ++i) {
        Binding& b = list[i];
        if (holders.size() == 1) {
          b.valid_from = kMin;
          b.valid_to = kMax;
          continue;
        }
        b.valid_from = i == 0 ? kMin : b.first - (b.first - list[i - 1].last) / 2;
        b.valid_to = i + 1 == list.size() ? kMax : b.last + (list[i + 1].first - b.last) / 2;
      }
      for (const Binding& b : list) host_ips_[b.host_key].insert(ip);
    }
  }

  void bind(const std::string& host, const std::string& ip, std::int64_t first, std::int64_t last,
            const std::optional<Fact>& f) {
    if (host.empty() || ip.empty()) return;
    const std::string hk = host_key(host);
    auto& list = bindings_[ip];
    for (Binding& b : list)
      if (b.host_key == hk) {
        b.first = std::min(b.first, first);
        b.last = std::max(b.last, last);
        if (!b.evidence && f) b.evidence = evidence_of(*f, "address binding: " + host + " had " + ip);
        return;
      }
    Binding b{hk, host.substr(0, parse_ip(host) ? host.size() : host.find('.')), first, last,
              kMin, kMax, std::nullopt};
    if (f) b.evidence = evidence_of(*f, "address binding: " + host + " had " + ip);
    list.push_back(std::move(b));
  }

  // The host that had `ip` at `t`, if the logs or the assets file say.
  const Binding* host_at(const std::string& ip, std::int64_t t) const {
    auto it = bindings_.find(ip);
    if (it == bindings_.end()) return nullptr;
    for (const Binding& b : it->second)
      if (t >= b.valid_from && t <= b.valid_to) return &b;
    return nullptr;
  }

  // When `hk` had `ip` (the whole input when it was the only host seen with it).
  std::pair<std::int64_t, std::int64_t> validity(const std::string& hk, const std::string& ip) const {
    std::int64_t from = kMax, to = kMin;
    if (auto it = bindings_.find(ip); it != bindings_.end())
      for (const Binding& b : it->second)
        if (b.host_key == hk) {
          from = std::min(from, b.valid_from);
          to = std::max(to, b.valid_to);
        }
    return {from, to};
  }

  // An answer that rests on a binding cites it on the host it names.
  void cite_binding(const std::string& ip, std::int64_t t) {
    const Binding* b = host_at(ip, t);
    if (!b || !b->evidence) return;
    auto h = hosts_.find(b->host_key);
    if (h == hosts_.end()) return;
    if (cited_bindings_.insert({b->host_key, ip}).second && h->second.evidence.size() < kMaxEvidence)
      h->second.evidence.push_back(*b->evidence);
  }

  std::string name_at(const std::string& ip, std::int64_t t) const {
    const Binding* b = host_at(ip, t);
    return b ? b->name : std::string();
  }

  Entity& source(const std::string& ip) {
    auto [it, fresh] = sources_.try_emplace(ip);
    if (fresh) {
      it->second.name = ip;
      changed_ = true;
    }
    return it->second;
  }
  Entity& account(const std::string& user, const std::string& note = {}) {
    auto [it, fresh] = accounts_.try_emplace(account_key(user));
    if (fresh) {
      it->second.name = account_key(user);
      changed_ = true;
    }
    if (!note.empty() && it->second.note.empty()) it->second.note = note;
    return it->second;
  }
  Entity& host(const std::string& name, const std::string& role = {}) {
    const std::string k = host_key(name);
    auto [it, fresh] = hosts_.try_emplace(k);
    if (fresh) {
      it->second.name = name.substr(0, parse_ip(name) ? name.size() : name.find('.'));
      changed_ = true;
    }
    if (!role.empty() && it->second.note.empty()) it->second.note = role;
    host_names_[k].insert(name);
    return it->second;
  }

  // Seeds: the events behind strong detections, addresses in their fields, and --seed.
  void seed() {
    for (const Detection& d : in_.detections) {
      const RuleInfo& r = (*in_.rules)[d.rule];
      if (r.level < Level::High) continue;
      bool tamper = false, allowed = false;
      std::vector<std::string> ips;
      for (const auto& [k, v] : d.fields) {
        if (k == "EventID" && (v == "1102" || v == "104" || v == "4719")) tamper = true;
        if (k == "remip" || k == "src_ip" || k == "IpAddress" || k == "ClientIP" || k == "srcip")
          ips.push_back(canonical_ip(v));
        if ((k == "id.resp_h" || k == "dstip") && a_.allowed_destination(canonical_ip(v)))
          allowed = true;
      }
      if (tamper || allowed) continue;  // judged as tampering, or a transfer that is allowed
      strong_.push_back(&d);
      // The event that completed the detection; not all of `related`, which for a baseline rule
      // starts with the account owner's own first login.
      seed_event(d.source);
      for (const auto& ip : ips) seed_ip(ip, d.time_ns);
    }
    for (const Seed& s : in_.seeds) {
      if (s.kind == "ip") {
        const std::string ip = canonical_ip(s.value);
        if (a_.external(ip))
          source(ip);
        else
          internal_seeds_.push_back({ip, kMin});
      } else if (s.kind == "user") {
        own_.insert(account_key(s.value));
        account(s.value, "given as a seed");
      } else if (s.kind == "host") {
        host(s.value, "given as a seed");
        compromised_.try_emplace(host_key(s.value), input_first_);
        activity_[host_key(s.value)].push_back(input_first_);
      }
    }
  }

  void seed_ip(const std::string& ip, std::int64_t t) {
    if (!parse_ip(ip)) return;
    if (a_.external(ip))
      source(ip);
    else
      internal_seeds_.push_back({ip, t});
  }

  void seed_event(const SourceRef& ref) {
    const std::vector<std::string> p = {std::to_string(ref.file), std::to_string(ref.position)};
    for (FactKind k : {FactKind::Vpn, FactKind::Logon, FactKind::Cloud})
      query(k, "file = ? AND position = ?", p, [&](const Fact& f) {
        if (f.outcome == "failure" || f.outcome == "ssl-login-fail") {
          if (a_.external(f.src_ip)) source(f.src_ip);
          return;
        }
        if (!f.src_ip.empty()) seed_ip(f.src_ip, f.time_ns);
      });
  }

  // Repeats until nothing new: attacker addresses -> VPN sessions and logons -> accounts,
  // hosts and sessions -> accounts the intruder made -> their logons and sessions -> ...
  void spread() {
    for (int round = 0; round < 12; ++round) {
      changed_ = false;
      vpn_round();
      for (const auto& ip : keys(sources_))
        if (done_sources_.insert(ip).second) {
          query(FactKind::Logon, "src_ip = ?", {ip}, [&](const Fact& f) { logon(f, true); });
          query(FactKind::Cloud, "client_ip = ?", {ip}, [&](const Fact& f) { cloud(f); });
        }
      for (std::size_t i = done_windows_; i < windows_.size(); ++i, ++done_windows_) {
        const Window w = windows_[i];
        query(FactKind::Logon, "src_ip = ? AND ts BETWEEN ? AND ?",
                  {w.ip, std::to_string(w.start), std::to_string(w.end)},
                  [&](const Fact& f) { logon(f, true); });
      }
      // The intruder's own machine, by the client name its logons carried: any account logging
      // on from it is the intruder (a later wave with another stolen account).
      for (const auto& w : std::vector<std::string>(intruder_clients_.begin(), intruder_clients_.end()))
        if (done_clients_.insert(w).second)
          query(FactKind::Logon, "workstation = ? COLLATE NOCASE", {w},
                [&](const Fact& f) { logon(f, true); });
      held_accounts_from_new_addresses();
      leads();
      for (const auto& user : own_accounts())
        if (done_users_.insert(user).second) {
          query(FactKind::Logon, "user = ? COLLATE NOCASE", {user},
                    [&](const Fact& f) { logon(f); });
          query(FactKind::Cloud, "user = ? COLLATE NOCASE", {user},
                    [&](const Fact& f) { cloud(f); });
        }
      from_compromised_hosts();
      account_changes();
      if (!changed_) break;
    }
  }

  template <class Map>
  static std::vector<std::string> keys(const Map& m) {
    std::vector<std::string> v;
    for (const auto& [k, x] : m) v.push_back(k);
    return v;
  }

  std::int64_t count(const std::string& sql, const std::vector<std::string>& params) {
    if (!failure_.empty()) return 0;
    auto n = db_.scalar(sql, params);
    if (!n) {
      failure_ = n.error();
      return 0;
    }
    return *n;
  }

  // A client name that is none of the environment's hosts (those that log, and those the assets
  // file or the address bindings name): a VPN user's laptop, or the intruder's machine.
  bool foreign_client(const std::string& w) const {
    if (w.empty() || w == "-" || parse_ip(w)) return false;
    const std::string k = host_key(w);
    return k != "localhost" && k != "workgroup" && !environment_.contains(k);
  }

  void learn_environment() {
    for (const Stream& s : in_.streams)
      if (s.host != "zeek" && s.host != "m365") environment_.insert(host_key(s.host));
    for (const auto& h : a_.domain_controllers) environment_.insert(host_key(h));
    for (const auto& h : a_.admin_hosts) environment_.insert(host_key(h));
    for (const auto& a : a_.sensitive)
      for (const auto& h : a.hosts) environment_.insert(host_key(h));
    for (const auto& [ip, list] : bindings_)
      if (a_.internal(ip) && !a_.in_vpn_pool(ip))
        for (const Binding& b : list) environment_.insert(b.host_key);
  }

  static std::string like_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      if (c == '%' || c == '_' || c == '\\') out += '\\';
      out += c;
    }
    return out;
  }

  // An account the intruder held, active from an address never seen for it before the intrusion
  // (while it had been active before), is the intruder coming back: the address joins the
  // intrusion, with the account as the tie. Cloud identities (name@domain) count as the account
  // of the same name.
  void held_accounts_from_new_addresses() {
    if (first_ == kMax) return;
    const std::string before = std::to_string(first_);
    for (const auto& ak : keys(accounts_)) {
      if (own_.contains(ak) || machine_or_anonymous(ak)) continue;
      const std::string local = ak.substr(0, ak.find('@'));
      const std::string upn = like_escape(local) + "@%";
      const std::string who =
          "(user = ? COLLATE NOCASE OR user = ? COLLATE NOCASE OR user LIKE ? ESCAPE '\\')";
      const std::vector<std::string> id = {ak, local, upn};
      auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> p = id;
        p.insert(p.end(), extra.begin(), extra.end());
        return p;
      };
      const std::int64_t baseline =
          count("SELECT count(*) FROM vpn WHERE " + who + " AND ts < ?", with({before})) +
          count("SELECT count(*) FROM cloud WHERE " + who + " AND ts < ?", with({before})) +
          count("SELECT count(*) FROM logons WHERE " + who + " AND ts < ? AND outcome = 'success'",
                with({before}));
      // Without activity before the intrusion there is nothing to compare with, unless the
      // account's first appearance in the logs at all was the intruder's: then every address it
      // comes from later is new for it too.
      if (baseline == 0) {
        const std::string own_first = std::to_string(accounts_[ak].first);
        const std::int64_t earlier =
            count("SELECT count(*) FROM vpn WHERE " + who + " AND ts < ?", with({own_first})) +
            count("SELECT count(*) FROM cloud WHERE " + who + " AND ts < ?", with({own_first})) +
            count("SELECT count(*) FROM logons WHERE " + who + " AND ts < ?", with({own_first}));
        if (earlier > 0 || accounts_[ak].evidence.empty()) continue;  // a lead at most
      }
      auto consider = [&](const Fact& f) {
        const std::string& addr = f.src_ip;
        if (!a_.external(addr) || sources_.contains(addr) || f.time_ns < first_) return;
        if (!checked_addresses_.insert({ak, addr}).second) return;
        const std::int64_t seen =
            count("SELECT count(*) FROM vpn WHERE " + who + " AND remote_ip = ? AND ts < ?",
                  with({addr, before})) +
            count("SELECT count(*) FROM cloud WHERE " + who + " AND client_ip = ? AND ts < ?",
                  with({addr, before})) +
            count("SELECT count(*) FROM logons WHERE " + who + " AND src_ip = ? AND ts < ?",
                  with({addr, before}));
        if (seen > 0) return;
        Entity& src = source(addr);
        if (src.note.empty() && f.kind == FactKind::Vpn) src.note = f.extra;
        ties_[addr] = baseline ? "account " + ak +
                                     ", held by the intruder, from an address it never used "
                                     "before the intrusion"
                               : "account " + ak +
                                     ", first seen in the logs in the intruder's hands, from a "
                                     "new address";
      };
      const std::vector<std::string> since = with({std::to_string(first_)});
      query(FactKind::Vpn, who + " AND action = 'tunnel-up' AND ts >= ?", since, consider);
      query(FactKind::Cloud, who + " AND ts >= ?", since, consider);
      query(FactKind::Logon, who + " AND outcome = 'success' AND ts >= ?", since, consider);
    }
  }

  // Leads: VPN sessions from the same /24 (IPv4) or /48 (IPv6) as an intruder address, an
  // account's first VPN session ever, or its first from a country. They join the intrusion only
  // when something else ties them to it: a logon in the session from the intruder's client name,
  // or to a host (not a domain controller) the intruder held. The source says which tie was used.
  void leads() {
    if (first_ == kMax) return;
    std::vector<Fact> candidates;
    auto take = [&](const Fact& f) {
      if (!done_refs_.contains(f.source) && lead_refs_.insert(f.source).second)
        candidates.push_back(f);
    };
    for (const auto& ip : keys(sources_)) {
      if (!done_leads_.insert(ip).second) continue;
      const std::string prefix = network_prefix(ip);
      if (prefix.empty()) continue;
      query(FactKind::Vpn, "action = 'tunnel-up' AND remote_ip LIKE ? ESCAPE '\\'",
            {like_escape(prefix) + "%"}, take);
    }
    if (!leads_scanned_) {
      leads_scanned_ = true;
      query(FactKind::Vpn,
            "action = 'tunnel-up' AND NOT EXISTS (SELECT 1 FROM vpn p WHERE p.action = "
            "'tunnel-up' AND p.user = vpn.user COLLATE NOCASE AND p.ts < vpn.ts AND "
            "(vpn.country = '' OR p.country = vpn.country))",
            {}, take);
    }
    for (const Fact& up : candidates) {
      std::optional<Fact> down = tunnel_down(up);
      const std::int64_t end = down ? down->time_ns : up.time_ns + kSessionDefault;
      std::string tie;
      query(FactKind::Logon, "src_ip = ? AND ts BETWEEN ? AND ? AND outcome = 'success'",
            {up.dst_ip, std::to_string(up.time_ns), std::to_string(end)}, [&](const Fact& l) {
              if (!tie.empty() || machine_or_anonymous(l.user)) return;
              if (intruder_clients_.contains(host_key(l.workstation)))
                tie = "a logon in the session came from the intruder's machine " + l.workstation;
              else if (compromised_.contains(host_key(l.host)) &&
                       compromised_[host_key(l.host)] <= l.time_ns &&
                       !a_.is_domain_controller(l.host))  // everyone's logons reach a DC
                tie = "a logon in the session went to " + l.host + ", a host the intruder held";
            });
      if (tie.empty()) continue;
      ties_.try_emplace(up.src_ip, tie);
      vpn_event(up);
    }
  }

  // "203.0.113." for an IPv4 address's /24; the first three groups for an IPv6 /48.
  static std::string network_prefix(const std::string& ip) {
    if (ip.find(':') == std::string::npos) {
      const auto dot = ip.rfind('.');
      return dot == std::string::npos ? std::string() : ip.substr(0, dot + 1);
    }
    std::size_t pos = 0;
    for (int i = 0; i < 3; ++i) {
      pos = ip.find(':', pos);
      if (pos == std::string::npos) return {};
      ++pos;
    }
    return ip.substr(0, pos);
  }

  std::optional<Fact> tunnel_down(const Fact& up) {
    std::optional<Fact> down;  // the tunnel's end, within a week
    query(
        FactKind::Vpn,
        "action = 'tunnel-down' AND tunnel_ip = ? AND user = ? COLLATE NOCASE AND ts BETWEEN ? AND "
        "?",
        {up.dst_ip, up.user, std::to_string(up.time_ns), std::to_string(up.time_ns + 7 * 24 * kHour)},
        [&](const Fact& d) {
          if (!down) down = d;
        });
    return down;
  }

  std::vector<std::string> own_accounts() const {
    std::vector<std::string> v(own_.begin(), own_.end());
    return v;
  }

  // VPN events are queried by what marks them as the intruder's (its addresses, its accounts,
  // the tunnel addresses seeds name) rather than loaded whole: a site's VPN log can be millions
  // of sessions.
  void vpn_round() {
    for (const auto& [ip, e] : std::map<std::string, Entity>(sources_))
      if (vpn_sources_.insert(ip).second)
        query(FactKind::Vpn, "remote_ip = ?", {ip}, [&](const Fact& f) { vpn_event(f); });
    for (const auto& user : own_accounts())
      if (vpn_users_.insert(user).second)
        query(FactKind::Vpn, "user = ? COLLATE NOCASE", {user},
                  [&](const Fact& f) { vpn_event(f); });
    for (; vpn_seeds_ < internal_seeds_.size(); ++vpn_seeds_) {
      const auto& [ip, t] = internal_seeds_[vpn_seeds_];
      if (t == kMin) continue;
      std::optional<Fact> up;  // the last tunnel-up for that address before the seed
      query(FactKind::Vpn, "tunnel_ip = ? AND action = 'tunnel-up' AND ts BETWEEN ? AND ?",
                {ip, std::to_string(t - kSessionDefault), std::to_string(t)},
                [&](const Fact& f) { up = f; });
      if (up) vpn_event(*up);
    }
  }

  void vpn_event(const Fact& f) {
    if (!done_refs_.insert(f.source).second) return;
    if (f.outcome == "tunnel-down") return;  // counted with its tunnel-up
    if (f.outcome != "tunnel-up") {
      // Failed logins from attacker addresses are part of the intrusion: its first attempts.
      mark(f.time_ns);
      if (a_.external(f.src_ip)) note(source(f.src_ip), f);
      return;
    }
    const std::optional<Fact> down = tunnel_down(f);
    changed_ = true;
    access_ = true;
    if (a_.external(f.src_ip)) {
      Entity& src = source(f.src_ip);
      note(src, f);
      if (src.note.empty()) src.note = f.extra;
    }
    note(account(f.user), f);
    note(host(f.host, "VPN appliance"), f);
    mark(f.time_ns);
    if (down) {
      done_refs_.insert(down->source);
      mark(down->time_ns);
      tunnels_down_.emplace_back(f.src_ip, *down);
    }
    if (!f.dst_ip.empty())
      windows_.push_back({f.dst_ip, f.time_ns, down ? down->time_ns : f.time_ns + kSessionDefault});
  }

  // `infra`: the logon came straight from the intruder's own infrastructure (one of its
  // addresses, a tunnel address of its VPN sessions, its workstation name), so the client name it
  // carries is the intruder's machine.
  void logon(const Fact& f, bool infra = false) {
    if (!done_refs_.insert(f.source).second) return;
    if (f.outcome != "success") {
      if (sources_.contains(f.src_ip)) {
        mark(f.time_ns);
        note(sources_[f.src_ip], f);
      } else if (infra && f.event_id != 4776) {
        mark(f.time_ns);
      }
      return;
    }
    if (machine_or_anonymous(f.user)) return;
    mark(f.time_ns);
    access_ = true;
    if (a_.external(f.src_ip)) note(source(f.src_ip), f);
    note(account(f.user), f);
    if (infra && foreign_client(f.workstation) &&
        intruder_clients_.insert(host_key(f.workstation)).second)
      changed_ = true;
    // 4776 is a domain controller checking a password for a logon elsewhere: it ties the account
    // to the client name, but it is no logon to the controller.
    if (f.event_id == 4776) return;
    const std::string hk = host_key(f.host);
    note(host(f.host, a_.is_domain_controller(f.host) ? "domain controller" : ""), f);
    auto [it, fresh] = compromised_.try_emplace(hk, f.time_ns);
    if (!fresh) it->second = std::min(it->second, f.time_ns);
    activity_[hk].push_back(f.time_ns);
    if (!f.detail.empty() && f.channel != "sshd") sessions_held_.insert({hk, lower(f.detail)});
    std::string from = f.workstation;
    const Binding* via = nullptr;
    if (from.empty() || f.channel == "sshd") {
      via = host_at(f.src_ip, f.time_ns);
      from = via ? via->name : f.src_ip;
    }
    from = from.substr(0, parse_ip(from) ? from.size() : from.find('.'));
    const std::string to = hosts_[hk].name;
    const std::string type = f.channel == "sshd" ? "ssh" : std::to_string(f.logon_type);
    if (!from.empty() && host_key(from) != hk) {
      auto [e, made] = edges_.try_emplace({host_key(from), hk, account_key(f.user), type});
      if (made) {
        e->second = Edge{from, to, account_key(f.user), type, f.time_ns, {}};
        changed_ = true;
      }
      e->second.first_time = std::min(e->second.first_time, f.time_ns);
      if (e->second.evidence.size() < kMaxEvidence) e->second.evidence.push_back(evidence_of(f));
      if (made && via && via->evidence) e->second.evidence.push_back(*via->evidence);
    }
  }

  void cloud(const Fact& f) {
    if (!done_refs_.insert(f.source).second) return;
    mark(f.time_ns);
    if (f.outcome == "UserLoginFailed") return;
    access_ = true;
    note(account(f.user), f);
    cloud_.push_back(f);
  }

  void from_compromised_hosts() {
    for (const auto& [hk, since] : compromised_) {
      auto ips = host_ips_.find(hk);
      std::vector<std::string> names(host_names_[hk].begin(), host_names_[hk].end());
      auto consider = [&](const Fact& f) {
        if (done_refs_.contains(f.source) || f.outcome != "success" || machine_or_anonymous(f.user))
          return;
        if (host_key(f.host) == hk) return;
        bool ours = own_.contains(account_key(f.user));
        for (std::int64_t t : activity_[hk])
          if (f.time_ns >= t && f.time_ns <= t + kActivity) ours = true;
        if (ours) logon(f);
      };
      if (ips != host_ips_.end())
        for (const auto& ip : ips->second)
          query(FactKind::Logon, "src_ip = ? AND ts >= ?", {ip, std::to_string(since)},
                    consider);
      for (const auto& n : names) {
        const std::string shortname = n.substr(0, n.find('.'));
        query(FactKind::Logon, "workstation = ? COLLATE NOCASE AND ts >= ?",
                  {shortname, std::to_string(since)}, consider);
      }
    }
  }

  // The client a logon came from: its workstation name, else the host that had its address.
  std::string client_of(const Fact& l) const {
    if (!l.workstation.empty()) return l.workstation;
    const std::string n = name_at(l.src_ip, l.time_ns);
    return n.empty() ? l.src_ip : n;
  }

  bool held(const std::string& host, const std::string& logon_id) const {
    return !logon_id.empty() && sessions_held_.contains({host_key(host), lower(logon_id)});
  }

  void account_changes() {
    query(FactKind::AccountChange, "", {}, [&](const Fact& f) {
      if (done_refs_.contains(f.source)) return;
      const bool by_intruder = held(f.host, f.workstation) || own_.contains(account_key(f.user));
      if (!by_intruder) return;
      done_refs_.insert(f.source);
      mark(f.time_ns);
      if (f.outcome == "created") {
        own_.insert(account_key(f.target));
        note(account(f.target, "created by the intruder"), f);
        changed_ = true;
      } else {
        note(account(f.target, f.outcome == "group_add" ? "added to " + f.object : f.outcome), f);
      }
      note(host(f.host), f);
    });
  }

  std::vector<std::string> names_of(const std::string& hk) {
    return std::vector<std::string>(host_names_[hk].begin(), host_names_[hk].end());
  }

  // Processes and file access are looked up by what ties them to the intruder (its sessions'
  // logon ids, its own accounts, the addresses it held, sudo soon after its logons) through the
  // case database's indexes, never by scanning a host's whole history.
  void process(const Fact& f) {
    if (!done_refs_.insert(f.source).second) return;
    procs_.push_back(f);
    mark(f.time_ns);
    note(host(f.host), f);
    if (accounts_.contains(account_key(f.user))) note(accounts_[account_key(f.user)], f);
  }

  void collect_processes() {
    for (const auto& [hk, id] : sessions_held_)
      for (const auto& name : names_of(hk))
        query(FactKind::Process, "host = ? AND logon_id = ? COLLATE NOCASE", {name, id},
                  [&](const Fact& f) { process(f); });
    for (const auto& user : own_)
      query(FactKind::Process, "user = ? COLLATE NOCASE", {user},
                [&](const Fact& f) { process(f); });
    for (const auto& [hk, times] : activity_)
      for (const auto& name : names_of(hk))
        for (std::int64_t t : times)
          query(FactKind::Process, "host = ? AND ts BETWEEN ? AND ? AND channel = 'sudo'",
                    {name, std::to_string(t), std::to_string(t + kActivity)}, [&](const Fact& f) {
                      if (accounts_.contains(account_key(f.user))) process(f);
                    });
  }

  void file(const Fact& f) {
    if (!done_refs_.insert(f.source).second) return;
    mark(f.time_ns);
    files_.push_back(f);
  }

  void collect_file_access() {
    for (const Window& w : windows_)
      query(FactKind::FileAccess, "src_ip = ? AND ts BETWEEN ? AND ?",
                {w.ip, std::to_string(w.start), std::to_string(w.end)},
                [&](const Fact& f) { file(f); });
    for (const auto& [ip, e] : sources_)
      query(FactKind::FileAccess, "src_ip = ?", {ip}, [&](const Fact& f) { file(f); });
    for (const auto& user : own_)
      query(FactKind::FileAccess, "user = ? COLLATE NOCASE", {user},
                [&](const Fact& f) { file(f); });
    for (const auto& [hk, id] : sessions_held_)
      for (const auto& name : names_of(hk))
        query(FactKind::FileAccess, "host = ? AND logon_id = ? COLLATE NOCASE", {name, id},
                  [&](const Fact& f) { file(f); });
  }

  void judge_tampering() {
    query(FactKind::Tamper, "", {}, [&](const Fact& f) {
      TamperFinding t;
      t.kind = f.outcome;
      t.host = f.host.substr(0, f.host.find('.'));
      t.channel = f.event_id == 104    ? "System"
                  : f.event_id == 4719 ? "Security (audit policy)"
                                       : "Security";
      t.user = f.user;
      t.start = t.end = f.time_ns;
      t.evidence.push_back(evidence_of(f));
      if (held(f.host, f.workstation) || own_.contains(account_key(f.user))) {
        t.attribution = Attribution::Intruder;
        mark(f.time_ns);
        note(host(f.host), f);
      } else {
        // Where did the session that did it come from? An admin host makes it routine.
        std::string from;
        if (!f.workstation.empty())
          query(FactKind::Logon, "host = ? AND logon_id = ? COLLATE NOCASE",
                    {f.host, f.workstation}, [&](const Fact& l) {
                      from = client_of(l);
                    });
        // The logon may be gone with the log it cleared: did the account work from an admin host
        // (in any log) in the twelve hours before?
        if (from.empty() || !a_.is_admin_host(from))
          query(FactKind::Logon,
                    "user = ? COLLATE NOCASE AND outcome = 'success' AND ts BETWEEN ? AND ?",
                    {f.user, std::to_string(f.time_ns - 12 * kHour), std::to_string(f.time_ns)},
                    [&](const Fact& l) {
                      const std::string w = client_of(l);
                      if (a_.is_admin_host(w)) from = w;
                    });
        t.attribution =
            !from.empty() && a_.is_admin_host(from) ? Attribution::Admin : Attribution::Unexplained;
        if (!from.empty()) t.user += " from " + from;
      }
      tampering_.push_back(std::move(t));
    });
  }

  void answer_access(Findings& out) {
    for (const Detection* d : strong_) {
      const RuleInfo& r = (*in_.rules)[d->rule];
      out.detections.push_back(DetectionRef{r.id, r.title, std::string(to_string(r.level)), d->host,
                                            d->time_ns, d->source});
    }
    const bool unexplained =
        std::any_of(tampering_.begin(), tampering_.end(), [](const TamperFinding& t) {
          return t.attribution == Attribution::Unexplained && t.kind == "log_cleared";
        });
    if (access_) {
      out.unauthorized_access = Access::Yes;
      out.reason = "the intruder logged on; see sources, accounts and hosts";
    } else if (!strong_.empty() || !sources_.empty()) {
      out.unauthorized_access = Access::No;
      out.reason = "attempts from attacker addresses, but no successful logon or session from them";
    } else if (unexplained) {
      out.unauthorized_access = Access::Undetermined;
      out.reason =
          "a log was cleared by an account not working from an admin host; what it held is unknown";
    } else {
      out.unauthorized_access = Access::No;
      out.reason =
          "no detection points to an intruder, and no log was cleared outside administration";
    }
  }

  // Silences are gaps only when unusual for their source (rhythm.h); what a source covers is its
  // activity joined across its usual silences (nights, weekends, a quiet audit log's pauses).
  void coverage_and_gaps(Findings& out) {
    for (const Stream& s : in_.streams) {
      if (s.active.empty()) continue;
      out.coverage.push_back(
          CoverageFinding{s.host, s.source, s.active.front().start, s.active.back().end, s.events});
      const std::vector<Silence> silences = judge_silences(s.active);
      effective_[{s.host, s.source}] = effective_coverage(s.active, silences);
      for (const Silence& x : silences)
        if (!x.usual)
          out.gaps.push_back(GapFinding{GapKind::Silence, s.host, s.source, x.why, x.start, x.end});
      for (std::size_t i = 1; i < s.records.size(); ++i)
        out.gaps.push_back(GapFinding{GapKind::RecordsMissing, s.host, s.source,
                                      "records " + std::to_string(s.records[i - 1].last + 1) +
                                          " to " + std::to_string(s.records[i].first - 1) +
                                          " are missing",
                                      s.records[i - 1].last_time, s.records[i].first_time});
    }
  }

  const std::vector<Interval>& effective(const Stream& s) const {
    auto it = effective_.find({s.host, s.source});
    return it == effective_.end() ? s.active : it->second;
  }

  const Stream* stream(const std::string& hk, const std::string& source) const {
    for (const Stream& s : in_.streams)
      if (host_key(s.host) == hk && s.source == source) return &s;
    return nullptr;
  }

  // Whether a command names one of the asset's files or a folder holding them; what it names.
  // A local path counts on the asset's hosts (or anywhere when the assets file names none); a
  // UNC path counts when its share is the asset's or its host holds it.
  static std::string command_touches(const SensitiveAsset& asset, const std::set<std::string>& hosts,
                                     const Fact& f) {
    if (f.detail.empty() || !command_reads_files(f.detail)) return {};
    const bool on_host = hosts.empty() || hosts.contains(host_key(f.host));
    for (const std::string& p : command_paths(f.detail, f.cwd)) {
      if (p.starts_with("\\\\")) {
        std::string_view unc(p);
        unc.remove_prefix(2);
        const std::string_view server = unc.substr(0, unc.find('\\'));
        const std::string_view rest =
            unc.find('\\') == std::string_view::npos ? std::string_view() : unc.substr(unc.find('\\') + 1);
        for (const auto& share : asset.shares) {
          const std::string sl = lower(share), pl = lower(p);
          if (pl == sl || pl.starts_with(sl + "\\") || sl.starts_with(pl + "\\") || pl == sl)
            return "names " + p;
        }
        if (hosts.contains(host_key(server)))
          for (const auto& g : asset.paths)
            if (path_reads(g, rest)) return "names " + p;
        continue;
      }
      if (!on_host) continue;
      for (const auto& g : asset.paths)
        if (path_reads(g, p)) return "names " + p;
    }
    return {};
  }

  void judge_assets(Findings& out) {
    const std::int64_t ws = out.first_malicious ? *out.first_malicious : out.input_first;
    const std::int64_t we = out.last_malicious ? *out.last_malicious : out.input_last;
    for (const SensitiveAsset& asset : a_.sensitive) {
      AssetFinding af;
      af.name = asset.name;
      af.label = asset.label;
      std::set<std::string> hosts;
      for (const auto& h : asset.hosts) hosts.insert(host_key(h));
      for (const auto& s : asset.shares) {  // \\FS1\Share
        std::string_view v = s;
        while (!v.empty() && v.front() == '\\') v.remove_prefix(1);
        if (!v.empty()) hosts.insert(host_key(v.substr(0, v.find('\\'))));
      }
      auto share_match = [&](const Fact& f) {
        for (const auto& s : asset.shares) {
          std::string a = lower(s), b = lower(f.object);
          auto tail = [](const std::string& x) { return x.substr(x.rfind('\\') + 1); };
          if (a == b || (b.starts_with("\\\\*\\") && tail(a) == tail(b))) return true;
        }
        for (const auto& p : asset.paths)
          if (glob_match(p, f.detail) || glob_match(p, f.object + "\\" + f.detail)) return true;
        return false;
      };
      for (const Fact& f : files_)
        if (share_match(f) && af.evidence.size() < kMaxEvidence)
          af.evidence.push_back(evidence_of(f));
      for (const Fact& f : cloud_)
        for (const auto& u : asset.urls)
          if (url_match(u, f.object) && af.evidence.size() < kMaxEvidence)
            af.evidence.push_back(evidence_of(f));
      // Commands the intruder ran that read the asset's files (tar, rsync, scp, robocopy ...).
      for (const Fact& f : procs_) {
        if (af.evidence.size() >= kMaxEvidence) break;
        if (const std::string why = command_touches(asset, hosts, f); !why.empty())
          af.evidence.push_back(evidence_of(f, describe(f) + " (" + why + ")"));
      }
      if (!af.evidence.empty()) {
        af.verdict = AssetVerdict::Accessed;
        af.reason = "events show the intruder touching it";
        out.assets.push_back(std::move(af));
        continue;
      }
      std::string why;
      const bool file_side = !asset.shares.empty() || !asset.paths.empty();
      if (file_side && hosts.empty()) why = "the assets file names no host that holds it";
      for (const auto& hk : file_side ? hosts : std::set<std::string>{}) {
        if (!why.empty()) break;
        const Stream* s = stream(hk, "Security");
        if (!s) {
          why = "no Security log from " + hk + " in the input";
          break;
        }
        const std::vector<Interval>& active = effective(*s);
        auto cover = std::find_if(active.begin(), active.end(), [&](const Interval& i) {
          return covers(i, ws, we, a_.gap_threshold_ns);
        });
        if (cover == active.end()) {
          why = "the Security log of " + s->host + " does not cover the whole window (" +
                format_time(ws) + " to " + format_time(we) + ")";
          break;
        }
        auto n5145 = s->event_ids.find(5145);
        if (n5145 == s->event_ids.end() || n5145->second == 0) {
          why = "no 5145 (share file access) events from " + s->host +
                ": file share auditing appears to be off";
          break;
        }
        for (const auto& t : tampering_)
          if (host_key(t.host) == hk && t.start >= ws && t.start <= we) {
            why = t.kind + " on " + s->host + " at " + format_time(t.start);
            break;
          }
        for (std::size_t i = 1; i < s->records.size() && why.empty(); ++i)
          if (s->records[i].first_time >= ws && s->records[i - 1].last_time <= we)
            why = "records missing from the Security log of " + s->host;
        if (!why.empty()) break;
        af.coverage.push_back(CoverageRef{s->host, "Security 5145", cover->start, cover->end});
      }
      if (why.empty() && !asset.urls.empty()) {
        const Stream* m = nullptr;
        for (const Stream& s : in_.streams)
          if (s.source.starts_with("m365")) {
            for (const Interval& i : effective(s))
              if (covers(i, ws, we, a_.gap_threshold_ns)) {
                m = &s;
                af.coverage.push_back(CoverageRef{"m365", s.source, i.start, i.end});
              }
          }
        if (!m) why = "the Microsoft 365 audit log is missing or does not cover the whole window";
      }
      if (why.empty()) {
        af.verdict = AssetVerdict::NotAccessed;
        af.reason = "the logs that would show an access cover the whole window, and none does";
      } else {
        af.verdict = AssetVerdict::Undetermined;
        af.reason = why;
        af.coverage.clear();
      }
      out.assets.push_back(std::move(af));
    }
  }

  void egress(Findings& out) {
    EgressFinding& e = out.egress;
    const std::int64_t ws = out.first_malicious.value_or(out.input_first);
    const std::int64_t we = out.last_malicious.value_or(out.input_last);
    for (const Stream& s : in_.streams)
      if (s.source == "zeek:conn" || s.source == "fortigate:traffic")
        for (const Interval& i : effective(s))
          if (covers(i, ws, we, a_.gap_threshold_ns)) e.flow_logs = true;
    std::map<std::string, Destination> dest;
    std::set<SourceRef> seen;
    auto add = [&](const std::string& to, std::int64_t bytes, const Fact& f) {
      if (!seen.insert(f.source).second || bytes <= 0) return;
      Destination& d = dest[to];
      if (d.address.empty()) {
        d.address = to;
        d.first = d.last = f.time_ns;
      }
      d.bytes += static_cast<std::uint64_t>(bytes);
      d.first = std::min(d.first, f.time_ns);
      d.last = std::max(d.last, f.time_ns);
      if (d.evidence.size() < kMaxEvidence) d.evidence.push_back(evidence_of(f));
    };
    auto flow = [&](const Fact& f) {
      if (a_.external(f.dst_ip) && !a_.allowed_destination(f.dst_ip)) add(f.dst_ip, f.bytes_out, f);
    };
    if (out.first_malicious) {
      for (const Window& w : windows_)
        query(FactKind::Flow, "src_ip = ? AND ts BETWEEN ? AND ?",
                  {w.ip, std::to_string(w.start), std::to_string(w.end)}, flow);
      // Every host the intruder held, from when it was first held to the intrusion's end, by
      // the addresses the logs (or the assets file) show it had in that time.
      for (const auto& [hk, since] : compromised_) {
        auto ips = host_ips_.find(hk);
        if (ips == host_ips_.end()) continue;
        for (const auto& ip : ips->second) {
          const auto [from, to] = validity(hk, ip);
          const std::int64_t a = std::max(since, from), b = std::min(we, to);
          if (a > b) continue;
          const std::size_t before = seen.size();
          query(FactKind::Flow, "src_ip = ? AND ts BETWEEN ? AND ?",
                {ip, std::to_string(a), std::to_string(b)}, flow);
          if (seen.size() > before) cite_binding(ip, a);
        }
      }
      // Destinations the intruder named in a command (rclone, scp, curl ...) are exfiltration
      // targets: flows to them count from any internal host, within the intrusion.
      std::set<std::string> named;
      for (const Fact& p : procs_)
        for (const std::string& d : command_destinations(p.detail))
          if (const std::string ip = canonical_ip(d); a_.external(ip) && named.insert(ip).second)
            query(FactKind::Flow, "dst_ip = ? AND ts BETWEEN ? AND ?",
                  {ip, std::to_string(ws), std::to_string(we)}, [&](const Fact& f) {
                    if (a_.internal(f.src_ip)) flow(f);
                  });
      for (const auto& [ip, s] : sources_) query(FactKind::Flow, "dst_ip = ?", {ip}, flow);
      for (const auto& [remote, down] : tunnels_down_) add(remote, down.bytes_out, down);
    }
    for (auto& [k, d] : dest) {
      e.total_bytes += d.bytes;
      if (e.destinations.empty() || d.first < e.first) e.first = d.first;
      if (e.destinations.empty() || d.last > e.last) e.last = d.last;
      e.destinations.push_back(std::move(d));
    }
    std::sort(e.destinations.begin(), e.destinations.end(),
              [](const Destination& x, const Destination& y) { return x.bytes > y.bytes; });
    if (!e.flow_logs)
      e.note =
          "no flow log (Zeek conn, FortiGate traffic) covers the intrusion window: egress "
          "beyond VPN session counts is unknown";
    if (in_.claim_bytes) {
      ClaimFinding c;
      c.claimed_bytes = *in_.claim_bytes;
      c.observed_bytes = e.total_bytes;
      if (!e.flow_logs) {
        c.verdict = ClaimVerdict::Undetermined;
        c.reason = "no flow source covers the intrusion window";
      } else if (c.observed_bytes * 2 >= c.claimed_bytes) {
        c.verdict = ClaimVerdict::Consistent;
        c.reason = "observed egress is at least half the claim";
      } else {
        c.verdict = ClaimVerdict::Inconsistent;
        c.reason = "observed egress is less than half the claim, and flow logs cover the window";
      }
      out.claim = c;
    }
  }

  const AnalysisInput& in_;
  const Assets& a_;
  const CaseDb& db_;
  std::int64_t input_first_ = kMax, input_last_ = kMin;
  std::int64_t first_ = kMax, last_ = kMin;
  bool changed_ = false, access_ = false;
  std::map<std::string, std::set<std::string>> host_ips_, host_names_;
  std::map<std::string, std::vector<Binding>> bindings_;  // address -> hosts seen with it
  std::set<std::string> environment_;       // host keys of the environment's own machines
  std::set<std::string> intruder_clients_;  // host keys of the intruder's client names
  std::set<std::string> done_clients_, done_leads_;
  std::set<std::pair<std::string, std::string>> checked_addresses_;  // (account, address)
  std::set<SourceRef> lead_refs_;
  bool leads_scanned_ = false;
  std::map<std::string, std::string> ties_;  // source address -> what tied it to the intrusion
  std::set<std::pair<std::string, std::string>> cited_bindings_;
  std::set<std::string> vpn_sources_, vpn_users_;
  std::size_t vpn_seeds_ = 0;
  // The intruder's VPN tunnels that were logged as ending: remote address, tunnel-down.
  std::vector<std::pair<std::string, Fact>> tunnels_down_;
  std::vector<std::pair<std::string, std::int64_t>> internal_seeds_;
  std::vector<const Detection*> strong_;
  std::map<std::string, Entity> sources_, accounts_, hosts_;
  std::set<std::string> own_;  // accounts that are the intruder's own: created, or seeds
  std::map<std::string, std::int64_t> compromised_;  // host key -> first malicious logon
  std::map<std::string, std::vector<std::int64_t>> activity_;
  std::set<std::pair<std::string, std::string>> sessions_held_;  // (host key, logon id)
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Edge> edges_;
  std::vector<Window> windows_;
  std::size_t done_windows_ = 0;
  std::set<std::string> done_sources_, done_users_;
  std::set<SourceRef> done_refs_;
  std::vector<Fact> cloud_, files_, procs_;
  std::map<std::pair<std::string, std::string>, std::vector<Interval>> effective_;
  std::vector<TamperFinding> tampering_;
};

}  // namespace

std::expected<Findings, std::string> analyze(const AnalysisInput& in) {
  Analysis a(in);
  Findings f = a.run();
  if (!a.failure().empty()) return std::unexpected(a.failure());
  return f;
}

}  // namespace tansa::investigate
