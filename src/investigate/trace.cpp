#include "investigate/trace.h"

#include <algorithm>
#include <functional>

#include "investigate/queries.h"
#include "tansa/net.h"

namespace tansa::investigate {

namespace q = queries;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Evidence evidence_of(const Fact& f) {
  return Evidence{f.time_ns, f.source, describe(f)};
}
Evidence evidence_of(const Fact& f, std::string what) {
  return Evidence{f.time_ns, f.source, std::move(what)};
}

const Binding* AddressBook::host_at(const std::string& ip, std::int64_t t) const {
  auto it = by_address.find(ip);
  if (it == by_address.end()) return nullptr;
  for (const Binding& b : it->second)
    if (t >= b.valid_from && t <= b.valid_to) return &b;
  return nullptr;
}

std::pair<std::int64_t, std::int64_t> AddressBook::validity(const std::string& hk,
                                                            const std::string& ip) const {
  std::int64_t from = kNever, to = kAlways;
  if (auto it = by_address.find(ip); it != by_address.end())
    for (const Binding& b : it->second)
      if (b.host_key == hk) {
        from = std::min(from, b.valid_from);
        to = std::max(to, b.valid_to);
      }
  return {from, to};
}

std::string AddressBook::client_of(const Fact& l) const {
  if (!l.workstation.empty()) return l.workstation;
  const Binding* b = host_at(l.src_ip, l.time_ns);
  return b && !b->name.empty() ? b->name : l.src_ip;
}

std::pair<std::int64_t, std::int64_t> Intrusion::window() const {
  const std::int64_t in_first = input_first == kNever ? 0 : input_first;
  const std::int64_t in_last = input_last == kAlways ? 0 : input_last;
  return found() ? std::pair{first, last} : std::pair{in_first, in_last};
}

bool Intrusion::held(const std::string& host, const std::string& logon_id) const {
  return !logon_id.empty() && sessions.contains({host_key(host), lower(logon_id)});
}

bool Intrusion::by_intruder(const std::string& host, const std::string& logon_id,
                            const std::string& user) const {
  return held(host, logon_id) || own.contains(account_key(user));
}

namespace {

// After a malicious logon on a host, logons out of that host for this long are the intruder's.
constexpr std::int64_t kActivity = 2 * kHour;
// A VPN tunnel with no session end is taken to last this long.
constexpr std::int64_t kSessionDefault = 12 * kHour;

bool machine_or_anonymous(const std::string& user) {
  return user.empty() || user.back() == '$' || lower(user) == "anonymous logon" ||
         lower(user) == "system" || lower(user) == "local service" ||
         lower(user) == "network service";
}

void note(Entity& e, const Fact& f) {
  if (e.evidence.empty() || f.time_ns < e.first) e.first = f.time_ns;
  if (e.evidence.empty() || f.time_ns > e.last) e.last = f.time_ns;
  if (e.evidence.size() < kMaxEvidence) e.evidence.push_back(evidence_of(f));
}

template <class Map>
std::vector<std::string> keys(const Map& m) {
  std::vector<std::string> v;
  for (const auto& [k, x] : m) v.push_back(k);
  return v;
}

std::string like_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// "203.0.113." for an IPv4 address's /24; the first three groups for an IPv6 /48.
std::string network_prefix(const std::string& ip) {
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

// A host's name as the report shows it: its first DNS label, or the address.
std::string short_name(const std::string& name) {
  return name.substr(0, parse_ip(name) ? name.size() : name.find('.'));
}

class Tracer {
 public:
  Tracer(const AnalysisInput& in, Intrusion& x) : in_(in), a_(*in.assets), q_(*in.db), x_(x) {}

  std::expected<void, std::string> run() {
    for (const auto& s : in_.streams)
      for (const auto& i : s.active) {
        x_.input_first = std::min(x_.input_first, i.start);
        x_.input_last = std::max(x_.input_last, i.end);
      }
    learn_addresses();
    learn_environment();
    seed();
    spread();
    collect_processes();
    collect_file_access();
    collect_tampering();
    if (q_.failed()) return std::unexpected(q_.failure());
    return {};
  }

 private:
  void mark(std::int64_t t) {
    x_.first = std::min(x_.first, t);
    x_.last = std::max(x_.last, t);
  }

  // Host name <-> address, learned from the logs (machine-account logons, Sysmon 3, 5156, DHCP,
  // and logons that carry both a workstation name and an address), with the assets file's
  // `addresses` as optional help. Each binding keeps the time span it was seen in and an event
  // that shows it, cited wherever an answer rests on it.
  void learn_addresses() {
    for (const auto& [h, ip] : a_.addresses) bind(h, canonical_ip(ip), kAlways, kNever, nullptr);
    q_.each(q::kAddresses, {}, [&](const Fact& f) {
      if (a_.in_vpn_pool(f.src_ip))
        return;  // a VPN client's address is its session's, not a host's
      bind(f.object, f.src_ip, f.time_ns, f.time_ns, &f);
    });
    q_.each(q::kWorkstationAddresses, {}, [&](const Fact& f) {
      if (a_.in_vpn_pool(f.src_ip) || !parse_ip(f.src_ip)) return;
      if (f.src_ip == "127.0.0.1" || f.src_ip == "::1") return;
      bind(f.workstation, f.src_ip, f.time_ns, f.time_ns, &f);
    });
    // Validity: an address only one host was seen with is that host's for the whole input; one
    // that several hosts had is each one's from the midpoint after the previous holder's last
    // sighting to the midpoint before the next one's first.
    for (auto& [ip, list] : x_.addresses.by_address) {
      std::sort(list.begin(), list.end(),
                [](const Binding& x, const Binding& y) { return x.first < y.first; });
      std::set<std::string> holders;
      for (const Binding& b : list) holders.insert(b.host_key);
      for (std::size_t i = 0; i < list.size(); ++i) {
        Binding& b = list[i];
        if (holders.size() == 1) {
          b.valid_from = kAlways;
          b.valid_to = kNever;
          continue;
        }
        b.valid_from = i == 0 ? kAlways : b.first - (b.first - list[i - 1].last) / 2;
        b.valid_to = i + 1 == list.size() ? kNever : b.last + (list[i + 1].first - b.last) / 2;
      }
      for (const Binding& b : list) x_.addresses.by_host[b.host_key].insert(ip);
    }
  }

  void bind(const std::string& host, const std::string& ip, std::int64_t first, std::int64_t last,
            const Fact* f) {
    if (host.empty() || ip.empty()) return;
    const std::string hk = host_key(host);
    auto& list = x_.addresses.by_address[ip];
    for (Binding& b : list)
      if (b.host_key == hk) {
        b.first = std::min(b.first, first);
        b.last = std::max(b.last, last);
        if (!b.evidence && f)
          b.evidence = evidence_of(*f, "address binding: " + host + " had " + ip);
        return;
      }
    Binding b{hk, short_name(host), first, last, kAlways, kNever, std::nullopt};
    if (f) b.evidence = evidence_of(*f, "address binding: " + host + " had " + ip);
    list.push_back(std::move(b));
  }

  Entity& source(const std::string& ip) {
    auto [it, fresh] = x_.sources.try_emplace(ip);
    if (fresh) {
      it->second.name = ip;
      changed_ = true;
    }
    return it->second;
  }
  Entity& account(const std::string& user, const std::string& note = {}) {
    auto [it, fresh] = x_.accounts.try_emplace(account_key(user));
    if (fresh) {
      it->second.name = account_key(user);
      changed_ = true;
    }
    if (!note.empty() && it->second.note.empty()) it->second.note = note;
    return it->second;
  }
  Entity& host(const std::string& name, const std::string& role = {}) {
    const std::string k = host_key(name);
    auto [it, fresh] = x_.hosts.try_emplace(k);
    if (fresh) {
      it->second.name = short_name(name);
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
      const DetectionAddresses named = detection_addresses(d.fields);
      const bool allowed =
          std::any_of(named.destinations.begin(), named.destinations.end(),
                      [&](const std::string& ip) { return a_.allowed_destination(ip); });
      if (named.tampering || allowed) continue;  // judged as tampering, or an allowed transfer
      x_.detections.push_back(DetectionRef{r.id, r.title, std::string(to_string(r.level)), d.host,
                                           d.time_ns, d.source});
      // The event that completed the detection; not all of `related`, which for a baseline rule
      // starts with the account owner's own first login.
      seed_event(d.source);
      for (const auto& ip : named.sources) seed_ip(ip, d.time_ns);
    }
    for (const Seed& s : in_.seeds) {
      if (s.kind == "ip") {
        const std::string ip = canonical_ip(s.value);
        if (a_.external(ip))
          source(ip);
        else
          internal_seeds_.push_back({ip, kAlways});
      } else if (s.kind == "user") {
        x_.own.insert(account_key(s.value));
        account(s.value, "given as a seed");
      } else if (s.kind == "host") {
        host(s.value, "given as a seed");
        x_.held_hosts.try_emplace(host_key(s.value), x_.input_first);
        activity_[host_key(s.value)].push_back(x_.input_first);
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
    for (const FactQuery* at : {&q::kVpnEventAt, &q::kLogonEventAt, &q::kCloudEventAt})
      q_.each(*at, p, [&](const Fact& f) {
        if (failed_logon(f)) {
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
      for (const auto& ip : keys(x_.sources))
        if (done_sources_.insert(ip).second) {
          q_.each(q::kLogonsFrom, {ip}, [&](const Fact& f) { logon(f, true); });
          q_.each(q::kCloudFrom, {ip}, [&](const Fact& f) { cloud(f); });
        }
      for (std::size_t i = done_windows_; i < x_.windows.size(); ++i, ++done_windows_) {
        const Window w = x_.windows[i];
        q_.each(q::kLogonsFromBetween, {w.ip, std::to_string(w.start), std::to_string(w.end)},
                [&](const Fact& f) { logon(f, true); });
      }
      // The intruder's own machine, by the client name its logons carried: any account logging
      // on from it is the intruder (a later wave with another stolen account).
      for (const auto& w :
           std::vector<std::string>(intruder_clients_.begin(), intruder_clients_.end()))
        if (done_clients_.insert(w).second)
          q_.each(q::kLogonsFromClient, {w}, [&](const Fact& f) { logon(f, true); });
      held_accounts_from_new_addresses();
      leads();
      for (const auto& user : own_accounts())
        if (done_users_.insert(user).second) {
          q_.each(q::kLogonsByUser, {user}, [&](const Fact& f) { logon(f); });
          q_.each(q::kCloudByUser, {user}, [&](const Fact& f) { cloud(f); });
        }
      from_held_hosts();
      account_changes();
      if (!changed_) break;
    }
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
      if (machine_stream(s)) environment_.insert(host_key(s.host));
    for (const auto& h : a_.domain_controllers) environment_.insert(host_key(h));
    for (const auto& h : a_.admin_hosts) environment_.insert(host_key(h));
    for (const auto& a : a_.sensitive)
      for (const auto& h : a.hosts) environment_.insert(host_key(h));
    for (const auto& [ip, list] : x_.addresses.by_address)
      if (a_.internal(ip) && !a_.in_vpn_pool(ip))
        for (const Binding& b : list) environment_.insert(b.host_key);
  }

  // An account the intruder held, active from an address never seen for it before the intrusion
  // (while it had been active before), is the intruder coming back: the address joins the
  // intrusion, with the account as the tie. Cloud identities (name@domain) count as the account
  // of the same name.
  void held_accounts_from_new_addresses() {
    if (!x_.found()) return;
    const std::string before = std::to_string(x_.first);
    for (const auto& ak : keys(x_.accounts)) {
      if (x_.own.contains(ak) || machine_or_anonymous(ak)) continue;
      const std::string local = ak.substr(0, ak.find('@'));
      // The account's three spellings, then what each query adds.
      auto with = [&](std::vector<std::string> extra) {
        std::vector<std::string> p = {ak, local, local + "@", local + "["};
        p.insert(p.end(), extra.begin(), extra.end());
        return p;
      };
      const std::int64_t baseline = q_.count(q::kActiveBefore, with({before}));
      // Without activity before the intrusion there is nothing to compare with, unless the
      // account's first appearance in the logs at all was the intruder's: then every address it
      // comes from later is new for it too.
      if (baseline == 0) {
        const std::int64_t earlier =
            q_.count(q::kSeenBefore, with({std::to_string(x_.accounts[ak].first)}));
        if (earlier > 0 || x_.accounts[ak].evidence.empty()) continue;  // a lead at most
      }
      auto consider = [&](const Fact& f) {
        const std::string& addr = f.src_ip;
        if (!a_.external(addr) || x_.sources.contains(addr) || f.time_ns < x_.first) return;
        if (!checked_addresses_.insert({ak, addr}).second) return;
        if (q_.count(q::kFromAddressBefore, with({addr, before})) > 0) return;
        Entity& src = source(addr);
        if (src.note.empty() && f.kind == FactKind::Vpn) src.note = f.extra;
        x_.ties[addr] = baseline ? "account " + ak +
                                       ", held by the intruder, from an address it never used "
                                       "before the intrusion"
                                 : "account " + ak +
                                       ", first seen in the logs in the intruder's hands, from a "
                                       "new address";
      };
      const std::string since = std::to_string(x_.first);
      q_.each(q::kAccountSessionsSince, with({vpn_event_word(VpnEvent::SessionStart), since}),
              consider);
      q_.each(q::kAccountCloudSince, with({since}), consider);
      q_.each(q::kAccountLogonsSince, with({since}), consider);
    }
  }

  // Leads: VPN sessions from the same /24 (IPv4) or /48 (IPv6) as an intruder address, an
  // account's first VPN session ever, or its first from a country. They join the intrusion only
  // when something else ties them to it: a logon in the session from the intruder's client name,
  // or to a host (not a domain controller) the intruder held. The source says which tie was used.
  void leads() {
    if (!x_.found()) return;
    const std::string start = vpn_event_word(VpnEvent::SessionStart);
    std::vector<Fact> candidates;
    auto take = [&](const Fact& f) {
      if (!done_refs_.contains(f.source) && lead_refs_.insert(f.source).second)
        candidates.push_back(f);
    };
    for (const auto& ip : keys(x_.sources)) {
      // Once per network: the addresses of one /24 (or /48) find the same sessions, and those
      // taken once are in lead_refs_ (or done_refs_) for good.
      const std::string prefix = network_prefix(ip);
      if (prefix.empty() || !done_leads_.insert(prefix).second) continue;
      q_.each(q::kSessionsFromNetwork, {start, like_escape(prefix) + "%"}, take);
    }
    if (!leads_scanned_) {
      leads_scanned_ = true;
      q_.each(q::kFirstSessions, {start, start}, take);
    }
    for (const Fact& up : candidates) {
      std::optional<Fact> down = session_end(up);
      const std::int64_t end = down ? down->time_ns : up.time_ns + kSessionDefault;
      std::string tie;
      q_.each(q::kSessionLogons, {up.dst_ip, std::to_string(up.time_ns), std::to_string(end)},
              [&](const Fact& l) {
                if (!tie.empty() || machine_or_anonymous(l.user)) return;
                if (intruder_clients_.contains(host_key(l.workstation)))
                  tie = "a logon in the session came from the intruder's machine " + l.workstation;
                else if (x_.held_hosts.contains(host_key(l.host)) &&
                         x_.held_hosts[host_key(l.host)] <= l.time_ns &&
                         !a_.is_domain_controller(l.host))  // everyone's logons reach a DC
                  tie = "a logon in the session went to " + l.host + ", a host the intruder held";
              });
      if (tie.empty()) continue;
      x_.ties.try_emplace(up.src_ip, tie);
      vpn_event(up);
    }
  }

  std::optional<Fact> session_end(const Fact& up) {
    std::optional<Fact> down;  // the tunnel's end, within a week
    q_.each(q::kSessionEnd,
            {vpn_event_word(VpnEvent::SessionEnd), up.dst_ip, up.user, std::to_string(up.time_ns),
             std::to_string(up.time_ns + 7 * 24 * kHour)},
            [&](const Fact& d) {
              if (!down) down = d;
            });
    return down;
  }

  std::vector<std::string> own_accounts() const {
    return std::vector<std::string>(x_.own.begin(), x_.own.end());
  }

  // VPN events are queried by what marks them as the intruder's (its addresses, its accounts,
  // the tunnel addresses seeds name) rather than loaded whole: a site's VPN log can be millions
  // of sessions.
  void vpn_round() {
    for (const auto& ip : keys(x_.sources))
      if (vpn_sources_.insert(ip).second)
        q_.each(q::kVpnFrom, {ip}, [&](const Fact& f) { vpn_event(f); });
    for (const auto& user : own_accounts())
      if (vpn_users_.insert(user).second)
        q_.each(q::kVpnByUser, {user}, [&](const Fact& f) { vpn_event(f); });
    for (; vpn_seeds_ < internal_seeds_.size(); ++vpn_seeds_) {
      const auto& [ip, t] = internal_seeds_[vpn_seeds_];
      if (t == kAlways) continue;
      std::optional<Fact> up;  // the last session start for that address before the seed
      q_.each(q::kSessionBefore,
              {ip, vpn_event_word(VpnEvent::SessionStart), std::to_string(t - kSessionDefault),
               std::to_string(t)},
              [&](const Fact& f) { up = f; });
      if (up) vpn_event(*up);
    }
  }

  void vpn_event(const Fact& f) {
    if (!done_refs_.insert(f.source).second) return;
    const VpnEvent what = investigate::vpn_event(f);
    if (what == VpnEvent::SessionEnd) return;  // counted with its session start
    if (what != VpnEvent::SessionStart) {
      // Failed logins from attacker addresses are part of the intrusion: its first attempts.
      mark(f.time_ns);
      if (a_.external(f.src_ip)) note(source(f.src_ip), f);
      return;
    }
    const std::optional<Fact> down = session_end(f);
    changed_ = true;
    x_.access = true;
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
      x_.tunnels_down.emplace_back(f.src_ip, *down);
    }
    if (!f.dst_ip.empty())
      x_.windows.push_back(
          {f.dst_ip, f.time_ns, down ? down->time_ns : f.time_ns + kSessionDefault});
  }

  // `infra`: the logon came straight from the intruder's own infrastructure (one of its
  // addresses, a tunnel address of its VPN sessions, its workstation name), so the client name it
  // carries is the intruder's machine.
  void logon(const Fact& f, bool infra = false) {
    if (!done_refs_.insert(f.source).second) return;
    if (f.outcome != "success") {
      if (x_.sources.contains(f.src_ip)) {
        mark(f.time_ns);
        note(x_.sources[f.src_ip], f);
      } else if (infra && f.event_id != 4776) {
        mark(f.time_ns);
      }
      return;
    }
    if (machine_or_anonymous(f.user)) return;
    mark(f.time_ns);
    x_.access = true;
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
    auto [it, fresh] = x_.held_hosts.try_emplace(hk, f.time_ns);
    if (!fresh) it->second = std::min(it->second, f.time_ns);
    activity_[hk].push_back(f.time_ns);
    if (!f.detail.empty() && f.channel != "sshd") x_.sessions.insert({hk, lower(f.detail)});
    std::string from = f.workstation;
    const Binding* via = nullptr;
    if (from.empty() || f.channel == "sshd") {
      via = x_.addresses.host_at(f.src_ip, f.time_ns);
      from = via ? via->name : f.src_ip;
    }
    from = short_name(from);
    const std::string to = x_.hosts[hk].name;
    const std::string type = f.channel == "sshd" ? "ssh" : std::to_string(f.logon_type);
    if (!from.empty() && host_key(from) != hk) {
      auto [e, made] = x_.edges.try_emplace({host_key(from), hk, account_key(f.user), type});
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
    if (failed_cloud_sign_in(f)) return;
    x_.access = true;
    note(account(f.user), f);
    x_.cloud.push_back(f);
  }

  void from_held_hosts() {
    for (const auto& [hk, since] : x_.held_hosts) {
      auto ips = x_.addresses.by_host.find(hk);
      auto consider = [&](const Fact& f) {
        if (done_refs_.contains(f.source) || f.outcome != "success" || machine_or_anonymous(f.user))
          return;
        if (host_key(f.host) == hk) return;
        bool ours = x_.own.contains(account_key(f.user));
        for (std::int64_t t : activity_[hk])
          if (f.time_ns >= t && f.time_ns <= t + kActivity) ours = true;
        if (ours) logon(f);
      };
      if (ips != x_.addresses.by_host.end())
        for (const auto& ip : ips->second)
          q_.each(q::kLogonsFromSince, {ip, std::to_string(since)}, consider);
      for (const auto& n : names_of(hk))
        q_.each(q::kLogonsFromClientSince, {n.substr(0, n.find('.')), std::to_string(since)},
                consider);
    }
  }

  void account_changes() {
    q_.each(q::kAccountChanges, {}, [&](const Fact& f) {
      if (done_refs_.contains(f.source)) return;
      if (!x_.by_intruder(f.host, f.workstation, f.user)) return;
      done_refs_.insert(f.source);
      mark(f.time_ns);
      if (f.outcome == "created") {
        x_.own.insert(account_key(f.target));
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
    x_.processes.push_back(f);
    mark(f.time_ns);
    note(host(f.host), f);
    if (x_.accounts.contains(account_key(f.user))) note(x_.accounts[account_key(f.user)], f);
  }

  void collect_processes() {
    auto each = [&](const Fact& f) { process(f); };
    for (const auto& [hk, id] : x_.sessions)
      for (const auto& name : names_of(hk)) q_.each(q::kProcessesInSession, {name, id}, each);
    for (const auto& user : x_.own) q_.each(q::kProcessesByUser, {user}, each);
    for (const auto& [hk, times] : activity_)
      for (const auto& name : names_of(hk))
        for (std::int64_t t : times)
          q_.each(q::kSudoBetween, {name, std::to_string(t), std::to_string(t + kActivity)},
                  [&](const Fact& f) {
                    if (x_.accounts.contains(account_key(f.user))) process(f);
                  });
  }

  void file(const Fact& f) {
    if (!done_refs_.insert(f.source).second) return;
    mark(f.time_ns);
    x_.files.push_back(f);
  }

  void collect_file_access() {
    auto each = [&](const Fact& f) { file(f); };
    for (const Window& w : x_.windows)
      q_.each(q::kFilesFromBetween, {w.ip, std::to_string(w.start), std::to_string(w.end)}, each);
    for (const auto& [ip, e] : x_.sources) q_.each(q::kFilesFrom, {ip}, each);
    for (const auto& user : x_.own) q_.each(q::kFilesByUser, {user}, each);
    for (const auto& [hk, id] : x_.sessions)
      for (const auto& name : names_of(hk)) q_.each(q::kFilesInSession, {name, id}, each);
  }

  // A log the intruder cleared (or an audit policy it changed) is part of the intrusion: its time
  // and its host. Who else tampered is a judgment (judge_tampering).
  void collect_tampering() {
    q_.each(q::kTampering, {}, [&](const Fact& f) {
      if (!x_.by_intruder(f.host, f.workstation, f.user)) return;
      mark(f.time_ns);
      note(host(f.host), f);
    });
  }

  const AnalysisInput& in_;
  const Assets& a_;
  Queries q_;
  Intrusion& x_;
  bool changed_ = false;
  std::map<std::string, std::set<std::string>> host_names_;  // host key -> names seen
  std::set<std::string> environment_;       // host keys of the environment's own machines
  std::set<std::string> intruder_clients_;  // host keys of the intruder's client names
  // done_leads_: the network prefixes whose sessions were taken as leads.
  std::set<std::string> done_clients_, done_leads_;
  std::set<std::pair<std::string, std::string>> checked_addresses_;  // (account, address)
  std::set<SourceRef> lead_refs_;
  bool leads_scanned_ = false;
  std::set<std::string> vpn_sources_, vpn_users_;
  std::size_t vpn_seeds_ = 0;
  std::vector<std::pair<std::string, std::int64_t>> internal_seeds_;
  std::map<std::string, std::vector<std::int64_t>> activity_;  // host key -> malicious logons
  std::size_t done_windows_ = 0;
  std::set<std::string> done_sources_, done_users_;
  std::set<SourceRef> done_refs_;
};

}  // namespace

std::expected<Intrusion, std::string> trace(const AnalysisInput& in) {
  Intrusion x;
  if (auto r = Tracer(in, x).run(); !r) return std::unexpected(r.error());
  return x;
}

}  // namespace tansa::investigate
