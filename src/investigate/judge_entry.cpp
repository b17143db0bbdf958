// How the intruder got in (judge.h, docs/investigate.md "Initial access").
#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "investigate/judge.h"
#include "investigate/queries.h"
#include "tansa/net.h"

namespace tansa::investigate {

namespace q = queries;

std::vector<TaggedDetection> tagged(const std::vector<Detection>& detections,
                                    const std::vector<RuleInfo>& rules) {
  std::vector<TaggedDetection> out;
  for (const Detection& d : detections) {
    if (d.rule >= rules.size()) continue;
    const RuleInfo& r = rules[d.rule];
    if (r.level < Level::High) continue;
    TaggedDetection t{
        DetectionRef{r.id, r.title, std::string(to_string(r.level)), d.host, d.time_ns, d.source},
        {}};
    for (const auto& tag : r.tags) t.tags.push_back(lower(tag));
    out.push_back(std::move(t));
  }
  return out;
}

namespace {

// This many failed logins before a success are guessing; fewer are a mistyped password.
constexpr std::size_t kGuesses = 3;
// How far back failures count towards the success they led to.
constexpr std::int64_t kGuessWindow = 24 * kHour;
// The intrusion's first trace may precede its first entry by this much (clocks, the order of a
// session's events) before the start is called unknown.
constexpr std::int64_t kStartSlack = kHour;
// Signs on a VPN appliance count towards a session this long after them.
constexpr std::int64_t kApplianceWindow = 7 * 24 * kHour;
// Ports of administration and file sharing: the appliance itself connecting to them inside is a
// sign that someone else runs it.
constexpr std::int64_t kInwardPorts[] = {22, 135, 139, 445, 3389, 5985, 5986};

enum class Way : std::uint8_t { Vpn, Ssh, Rdp, Cloud };

struct Candidate {
  Way way;
  Fact fact;
};

std::string short_host(const std::string& name) {
  return parse_ip(name) ? name : name.substr(0, name.find('.'));
}

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string day(std::int64_t t) {
  return format_time(t).substr(0, 10);
}

std::string what_way(Way w) {
  switch (w) {
    case Way::Vpn:
      return "VPN";
    case Way::Ssh:
      return "SSH";
    case Way::Rdp:
      return "remote-desktop";
    case Way::Cloud:
      return "cloud sign-in";
  }
  return {};
}

bool has_tag(const TaggedDetection& d, std::string_view tag) {
  return std::any_of(d.tags.begin(), d.tags.end(), [&](const std::string& t) {
    return t == tag || t.starts_with(std::string(tag) + ".");
  });
}

class EntryJudge {
 public:
  EntryJudge(const Intrusion& x, const CaseDb& db, const Assets& assets,
             const std::vector<Stream>& streams, const std::vector<TaggedDetection>& detections)
      : x_(x), q_(db), a_(assets), streams_(streams), detections_(detections) {}

  std::expected<std::vector<EntryPoint>, std::string> run() {
    std::vector<EntryPoint> out;
    if (!x_.found() || !x_.access) return out;
    collect();
    std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
      return std::tie(a.fact.time_ns, a.fact.source) < std::tie(b.fact.time_ns, b.fact.source);
    });
    std::set<std::string> addresses, accounts;
    for (const Candidate& c : candidates_) {
      const std::string ak = account_key(c.fact.user);
      const bool new_address = addresses.insert(c.fact.src_ip).second;
      const bool new_account = c.way != Way::Cloud && accounts.insert(ak).second;
      if (!new_address && !new_account) continue;
      out.push_back(entry(c, new_address));
    }
    if (q_.failed()) return std::unexpected(q_.failure());
    // Did the intrusion begin before anything here shows it arriving?
    std::int64_t start = out.empty() ? kNever : out.front().time;
    if (!out.empty())
      for (const Evidence& e : out.front().evidence) start = std::min(start, e.time_ns);
    for (const Fact& f : failures_) start = std::min(start, f.time_ns);
    if (out.empty() || x_.first < start - kStartSlack) out.insert(out.begin(), unknown());
    return out;
  }

 private:
  void collect() {
    for (const auto& [ip, e] : x_.sources) {
      if (!a_.external(ip)) continue;
      q_.each(q::kVpnFrom, {ip}, [&](const Fact& f) {
        const VpnEvent what = vpn_event(f);
        if (what == VpnEvent::SessionStart) candidates_.push_back({Way::Vpn, f});
        if (what == VpnEvent::LoginFailed) failures_.push_back(f);
      });
      q_.each(q::kLogonsFrom, {ip}, [&](const Fact& f) {
        if (failed_logon(f)) return failures_.push_back(f);
        if (f.user.empty() || f.user.back() == '$') return;
        if (f.channel == "sshd") return candidates_.push_back({Way::Ssh, f});
        // A remote-desktop logon (type 10), or a network logon (type 3), which is how remote
        // desktop with NLA logs its logons, from a public address.
        if (f.event_id == 4624 && (f.logon_type == 10 || f.logon_type == 3))
          candidates_.push_back({Way::Rdp, f});
      });
      q_.each(q::kCloudFrom, {ip}, [&](const Fact& f) {
        if (failed_cloud_sign_in(f)) return failures_.push_back(f);
        candidates_.push_back({Way::Cloud, f});
      });
    }
  }

  // The failures before `c` that lead to it: from its address for any account (guessing several
  // names), or for its account from any address, of the same way in, within kGuessWindow.
  std::vector<Fact> guesses(const Candidate& c) {
    const Fact& s = c.fact;
    const std::string ak = account_key(s.user);
    std::set<SourceRef> seen;
    std::vector<Fact> out;
    auto take = [&](const Fact& f) {
      if (f.time_ns > s.time_ns || f.time_ns < s.time_ns - kGuessWindow) return;
      if (f.src_ip != s.src_ip && account_key(f.user) != ak) return;
      if (!seen.insert(f.source).second) return;
      out.push_back(f);
    };
    auto same_way = [&](const Fact& f) {
      switch (c.way) {
        case Way::Vpn:
          return f.kind == FactKind::Vpn && vpn_event(f) == VpnEvent::LoginFailed;
        case Way::Ssh:
          return f.kind == FactKind::Logon && f.channel == "sshd" && failed_logon(f);
        case Way::Rdp:
          return f.kind == FactKind::Logon && f.channel != "sshd" && failed_logon(f) &&
                 f.event_id != 4776;
        case Way::Cloud:
          return failed_cloud_sign_in(f);
      }
      return false;
    };
    for (const Fact& f : failures_)
      if (same_way(f)) take(f);
    // The account's own failures from addresses the intrusion does not know.
    auto mine = [&](const Fact& f) {
      if (same_way(f)) take(f);
    };
    if (c.way == Way::Vpn) q_.each(q::kVpnByUser, {s.user}, mine);
    if (c.way == Way::Ssh || c.way == Way::Rdp) q_.each(q::kLogonsByUser, {s.user}, mine);
    if (c.way == Way::Cloud) q_.each(q::kCloudByUser, {s.user}, mine);
    std::sort(out.begin(), out.end(), [](const Fact& a, const Fact& b) {
      return std::tie(a.time_ns, a.source) < std::tie(b.time_ns, b.source);
    });
    return out;
  }

  // Signs on the appliance `host` before a session at `t`: strong detections there other than
  // those of logins (guessing, valid accounts, remote services), and the appliance's own address
  // connecting to administration or file-sharing ports inside.
  std::vector<Evidence> appliance_signs(const std::string& host, std::int64_t t) {
    std::vector<Evidence> out;
    const std::string hk = host_key(host);
    for (const TaggedDetection& d : detections_) {
      if (host_key(d.ref.host) != hk || d.ref.time_ns > t || d.ref.time_ns < t - kApplianceWindow)
        continue;
      if (has_tag(d, "attack.t1110") || has_tag(d, "attack.t1133") || has_tag(d, "attack.t1078"))
        continue;
      out.push_back(Evidence{d.ref.time_ns, d.ref.source,
                             d.ref.title + " (" + d.ref.level + ") on " + d.ref.host});
    }
    if (auto it = x_.addresses.by_host.find(hk); it != x_.addresses.by_host.end())
      for (const std::string& ip : it->second)
        q_.each(q::kFlowsFromBetween, {ip, std::to_string(t - kApplianceWindow), std::to_string(t)},
                [&](const Fact& f) {
                  const bool inward = std::find(std::begin(kInwardPorts), std::end(kInwardPorts),
                                                f.port) != std::end(kInwardPorts);
                  if (inward && a_.internal(f.dst_ip) && out.size() < kMaxEvidence)
                    out.push_back(evidence_of(f, "the appliance " + host + " (" + ip +
                                                     ") connected to " + f.dst_ip + " port " +
                                                     std::to_string(f.port)));
                });
    return out;
  }

  std::string country_of(const Candidate& c, std::string& from) {
    if (c.way == Way::Vpn && !c.fact.extra.empty()) {
      from = "log";
      return c.fact.extra;
    }
    if (auto it = x_.sources.find(c.fact.src_ip);
        it != x_.sources.end() && !it->second.note.empty()) {
      from = "log";
      return it->second.note;
    }
    return {};
  }

  // What the account had done before this access: "" when it was active before from other
  // addresses; else why the address is new for it.
  std::string history(const Candidate& c) {
    const Fact& s = c.fact;
    const std::string ak = account_key(s.user);
    const std::string local = ak.substr(0, ak.find('@'));
    const std::vector<std::string> who = {ak, local, local + "@", local + "["};
    auto with = [&](std::vector<std::string> extra) {
      std::vector<std::string> p = who;
      p.insert(p.end(), extra.begin(), extra.end());
      return p;
    };
    const std::string before = std::to_string(s.time_ns);
    if (auto it = x_.accounts.find(ak);
        it != x_.accounts.end() && it->second.note == "created by the intruder")
      return "an account the intruder had created";
    if (q_.count(q::kSeenBefore, with({before})) == 0)
      return "the account's first appearance in the logs";
    if (q_.count(q::kFromAddressBefore, with({s.src_ip, before})) == 0)
      return "an address never seen for the account before";
    return "an address the account had used before";
  }

  EntryPoint entry(const Candidate& c, bool new_address) {
    const Fact& s = c.fact;
    EntryPoint e;
    e.time = s.time_ns;
    e.via_host = short_host(s.host);
    e.account = account_key(s.user);
    e.source.address = s.src_ip;
    e.source.country = country_of(c, e.source.country_from);
    const std::vector<Fact> tries = guesses(c);
    std::set<std::string> tried;
    for (const Fact& f : tries) tried.insert(account_key(f.user));
    for (const Fact& f : tries)
      if (e.evidence.size() + 1 < kMaxEvidence) e.evidence.push_back(evidence_of(f));
    const bool guessed = tries.size() >= kGuesses;
    const std::string way = what_way(c.way);
    std::string guessing;
    if (!tries.empty()) {
      constexpr std::int64_t kMinute = 60LL * 1000000000;
      const std::int64_t minutes =
          std::max<std::int64_t>(1, (s.time_ns - tries.front().time_ns + kMinute - 1) / kMinute);
      guessing = plural(tries.size(), "failed " + way + " login") + " in the " +
                 plural(static_cast<std::size_t>(minutes), "minute") + " before";
      if (tried.size() > 1 || !tried.contains(e.account)) {
        std::string names;
        for (const auto& n : tried) names += (names.empty() ? "" : ", ") + n;
        guessing += " (for " + names + ")";
      }
    }
    const std::string from =
        " from " + s.src_ip + (e.source.country.empty() ? "" : " (" + e.source.country + ")");
    switch (c.way) {
      case Way::Vpn: {
        const std::vector<Evidence> signs =
            guessed ? std::vector<Evidence>{} : appliance_signs(s.host, s.time_ns);
        if (guessed) {
          e.vector = EntryVector::VpnPasswordGuessing;
          e.reason = guessing + ", then a VPN session for " + e.account + from;
        } else if (!signs.empty()) {
          e.vector = EntryVector::VpnApplianceExploit;
          e.reason = "signs on the appliance " + e.via_host + " in the week before the session (" +
                     signs.front().what + (signs.size() > 1 ? ", and more" : "") +
                     "), then a VPN session for " + e.account + from + " with no guessing";
          for (const Evidence& v : signs)
            if (e.evidence.size() + 1 < kMaxEvidence) e.evidence.push_back(v);
        } else {
          e.vector = EntryVector::VpnValidAccount;
          e.reason = "a VPN session for " + e.account + from + ", " + history(c) +
                     (tries.empty() ? ", with no failed login before it"
                                    : "; only " + guessing + ", too few for guessing");
        }
        break;
      }
      case Way::Ssh: {
        e.vector = guessed ? EntryVector::SshPasswordGuessing : EntryVector::SshValidAccount;
        std::string key;
        if (!s.detail.empty()) {
          bool known = false;
          q_.each(q::kLogonsByUser, {s.user}, [&](const Fact& f) {
            if (f.channel == "sshd" && f.time_ns < s.time_ns && f.detail == s.detail &&
                !failed_logon(f))
              known = true;
          });
          key = known ? " with a key it had used before" : " with a key never seen for it before";
        }
        e.reason =
            guessed ? guessing + ", then an SSH login as " + e.account + from + " to " + e.via_host
                    : "an SSH login as " + e.account + from + " to " + e.via_host + key + ", " +
                          history(c) +
                          (tries.empty() ? ", with no failed login before it"
                                         : "; only " + guessing + ", too few for guessing");
        break;
      }
      case Way::Rdp:
        e.vector = EntryVector::RdpExposed;
        e.reason = std::string(s.logon_type == 10 ? "a remote-desktop logon (type 10)"
                                                  : "a network logon (type 3, as remote desktop "
                                                    "with NLA logs it)") +
                   " to " + e.via_host + " as " + e.account + " from the public address " +
                   s.src_ip + (guessing.empty() ? "" : ", after " + guessing);
        break;
      case Way::Cloud:
        e.vector = EntryVector::CloudAccount;
        e.reason = "a cloud " + (s.outcome.empty() ? std::string("operation") : s.outcome) +
                   " by " + e.account + from +
                   (new_address ? ", an address new to the intrusion" : "") +
                   (guessing.empty() ? "" : ", after " + guessing);
        break;
    }
    e.evidence.push_back(evidence_of(s));
    return e;
  }

  // The intrusion's first trace, and which logs begin after it (those that could have shown the
  // way in).
  EntryPoint unknown() {
    EntryPoint e;
    e.time = x_.first;
    e.vector = EntryVector::Unknown;
    std::optional<Evidence> first;
    auto consider = [&](const std::map<std::string, Entity>& m) {
      for (const auto& [k, ent] : m)
        for (const Evidence& ev : ent.evidence)
          if (!first || std::tie(ev.time_ns, ev.source) < std::tie(first->time_ns, first->source))
            first = ev;
    };
    consider(x_.sources);
    consider(x_.accounts);
    consider(x_.hosts);
    std::string late;
    for (const Stream& s : streams_)
      if (!s.active.empty() && s.active.front().start > x_.first + kStartSlack)
        late += (late.empty() ? "" : "; ") + std::string("no ") + s.source + " log from " + s.host +
                " before " + day(s.active.front().start);
    e.reason =
        "the intrusion is certain, but no VPN, SSH, remote-desktop or cloud sign-in in the "
        "logs shows how it began on " +
        day(x_.first) + (first ? " (its first trace: " + first->what + ")" : "") +
        (late.empty() ? "" : "; " + late);
    if (first) e.evidence.push_back(*first);
    return e;
  }

  const Intrusion& x_;
  Queries q_;
  const Assets& a_;
  const std::vector<Stream>& streams_;
  const std::vector<TaggedDetection>& detections_;
  std::vector<Candidate> candidates_;
  std::vector<Fact> failures_;  // from the intruder's addresses
};

}  // namespace

std::expected<std::vector<EntryPoint>, std::string> judge_entry(
    const Intrusion& x, const CaseDb& db, const Assets& assets, const std::vector<Stream>& streams,
    const std::vector<TaggedDetection>& detections) {
  return EntryJudge(x, db, assets, streams, detections).run();
}

}  // namespace tansa::investigate
