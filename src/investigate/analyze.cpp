#include "investigate/analyze.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <tuple>

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
  }
  return {};
}

Evidence evidence_of(const Fact& f) {
  return Evidence{f.time_ns, f.source, describe(f)};
}

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
    for (auto& [k, e] : sources_) out.sources.push_back(e);
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

  // Host name <-> address, from the assets file and from logons that carry both.
  void learn_addresses() {
    for (const auto& [h, ip] : a_.addresses) {
      host_ips_[host_key(h)].insert(ip);
      ip_host_[ip] = h;
    }
    query(FactKind::Logon,
              "event_id = 4624 AND workstation != '' AND src_ip != '' GROUP BY lower(workstation), "
              "src_ip",
              {}, [&](const Fact& f) {
                if (a_.in_vpn_pool(f.src_ip) || !parse_ip(f.src_ip)) return;
                if (f.src_ip == "127.0.0.1" || f.src_ip == "::1") return;
                host_ips_[host_key(f.workstation)].insert(f.src_ip);
                ip_host_.try_emplace(f.src_ip, f.workstation);
              });
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
      for (auto& [ip, e] : sources_)
        if (done_sources_.insert(ip).second) {
          query(FactKind::Logon, "src_ip = ?", {ip}, [&](const Fact& f) { logon(f); });
          query(FactKind::Cloud, "client_ip = ?", {ip}, [&](const Fact& f) { cloud(f); });
        }
      for (std::size_t i = done_windows_; i < windows_.size(); ++i, ++done_windows_) {
        const Window w = windows_[i];
        query(FactKind::Logon, "src_ip = ? AND ts BETWEEN ? AND ?",
                  {w.ip, std::to_string(w.start), std::to_string(w.end)},
                  [&](const Fact& f) { logon(f); });
      }
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
    std::optional<Fact> down;  // the tunnel's end, within a week
    query(
        FactKind::Vpn,
        "action = 'tunnel-down' AND tunnel_ip = ? AND user = ? COLLATE NOCASE AND ts BETWEEN ? AND "
        "?",
        {f.dst_ip, f.user, std::to_string(f.time_ns), std::to_string(f.time_ns + 7 * 24 * kHour)},
        [&](const Fact& d) {
          if (!down) down = d;
        });
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

  void logon(const Fact& f) {
    if (!done_refs_.insert(f.source).second) return;
    if (f.outcome != "success") {
      if (sources_.contains(f.src_ip)) {
        mark(f.time_ns);
        note(sources_[f.src_ip], f);
      }
      return;
    }
    if (machine_or_anonymous(f.user)) return;
    mark(f.time_ns);
    access_ = true;
    if (a_.external(f.src_ip)) note(source(f.src_ip), f);
    note(account(f.user), f);
    const std::string hk = host_key(f.host);
    note(host(f.host, a_.is_domain_controller(f.host) ? "domain controller" : ""), f);
    auto [it, fresh] = compromised_.try_emplace(hk, f.time_ns);
    if (!fresh) it->second = std::min(it->second, f.time_ns);
    activity_[hk].push_back(f.time_ns);
    if (!f.detail.empty() && f.channel != "sshd") sessions_held_.insert({hk, lower(f.detail)});
    std::string from = f.workstation;
    if (from.empty() || f.channel == "sshd") {
      auto h = ip_host_.find(f.src_ip);
      from = h != ip_host_.end() ? h->second : f.src_ip;
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
        t.attribution = "intruder";
        mark(f.time_ns);
        note(host(f.host), f);
      } else {
        // Where did the session that did it come from? An admin host makes it routine.
        std::string from;
        if (!f.workstation.empty())
          query(FactKind::Logon, "host = ? AND logon_id = ? COLLATE NOCASE",
                    {f.host, f.workstation}, [&](const Fact& l) {
                      from = !l.workstation.empty()        ? l.workstation
                             : ip_host_.contains(l.src_ip) ? ip_host_[l.src_ip]
                                                           : l.src_ip;
                    });
        // The logon may be gone with the log it cleared: did the account work from an admin host
        // (in any log) in the twelve hours before?
        if (from.empty() || !a_.is_admin_host(from))
          query(FactKind::Logon,
                    "user = ? COLLATE NOCASE AND outcome = 'success' AND ts BETWEEN ? AND ?",
                    {f.user, std::to_string(f.time_ns - 12 * kHour), std::to_string(f.time_ns)},
                    [&](const Fact& l) {
                      std::string w = !l.workstation.empty()        ? l.workstation
                                      : ip_host_.contains(l.src_ip) ? ip_host_[l.src_ip]
                                                                    : l.src_ip;
                      if (a_.is_admin_host(w)) from = w;
                    });
        t.attribution = !from.empty() && a_.is_admin_host(from) ? "admin" : "unexplained";
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
          return t.attribution == "unexplained" && t.kind == "log_cleared";
        });
    if (access_) {
      out.unauthorized_access = "yes";
      out.reason = "the intruder logged on; see sources, accounts and hosts";
    } else if (!strong_.empty() || !sources_.empty()) {
      out.unauthorized_access = "no";
      out.reason = "attempts from attacker addresses, but no successful logon or session from them";
    } else if (unexplained) {
      out.unauthorized_access = "undetermined";
      out.reason =
          "a log was cleared by an account not working from an admin host; what it held is unknown";
    } else {
      out.unauthorized_access = "no";
      out.reason =
          "no detection points to an intruder, and no log was cleared outside administration";
    }
  }

  void coverage_and_gaps(Findings& out) {
    for (const Stream& s : in_.streams) {
      if (s.active.empty()) continue;
      out.coverage.push_back(
          CoverageFinding{s.host, s.source, s.active.front().start, s.active.back().end, s.events});
      for (std::size_t i = 1; i < s.active.size(); ++i)
        out.gaps.push_back(GapFinding{"silence", s.host, s.source,
                                      "no events for longer than the gap threshold",
                                      s.active[i - 1].end, s.active[i].start});
      for (std::size_t i = 1; i < s.records.size(); ++i)
        out.gaps.push_back(GapFinding{"records_missing", s.host, s.source,
                                      "records " + std::to_string(s.records[i - 1].last + 1) +
                                          " to " + std::to_string(s.records[i].first - 1) +
                                          " are missing",
                                      s.records[i - 1].last_time, s.records[i].first_time});
    }
  }

  const Stream* stream(const std::string& hk, const std::string& source) const {
    for (const Stream& s : in_.streams)
      if (host_key(s.host) == hk && s.source == source) return &s;
    return nullptr;
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
          if (glob_match(u, f.object) && af.evidence.size() < kMaxEvidence)
            af.evidence.push_back(evidence_of(f));
      if (!af.evidence.empty()) {
        af.verdict = "accessed";
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
        auto cover = std::find_if(s->active.begin(), s->active.end(),
                                  [&](const Interval& i) { return i.start <= ws && i.end >= we; });
        if (cover == s->active.end()) {
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
            for (const Interval& i : s.active)
              if (i.start <= ws && i.end >= we) {
                m = &s;
                af.coverage.push_back(CoverageRef{"m365", s.source, i.start, i.end});
              }
          }
        if (!m) why = "the Microsoft 365 audit log is missing or does not cover the whole window";
      }
      if (why.empty()) {
        af.verdict = "not_accessed";
        af.reason = "the logs that would show an access cover the whole window, and none does";
      } else {
        af.verdict = "undetermined";
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
        for (const Interval& i : s.active)
          if (i.start <= ws && i.end >= we) e.flow_logs = true;
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
      for (const auto& [hk, since] : compromised_) {
        auto ips = host_ips_.find(hk);
        if (ips == host_ips_.end()) continue;
        for (const auto& ip : ips->second)
          query(FactKind::Flow, "src_ip = ? AND ts BETWEEN ? AND ?",
                    {ip, std::to_string(since), std::to_string(we)}, flow);
      }
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
        c.verdict = "undetermined";
        c.reason = "no flow source covers the intrusion window";
      } else if (c.observed_bytes * 2 >= c.claimed_bytes) {
        c.verdict = "consistent";
        c.reason = "observed egress is at least half the claim";
      } else {
        c.verdict = "inconsistent";
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
  std::map<std::string, std::string> ip_host_;
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
  std::vector<Fact> cloud_, files_;
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
