// What let the intruder in, move and stay unseen (judge.h, docs/investigate.md "Weaknesses").
// Each kind is reported once, with the events that show it; a kind the logs do not show is left
// out, never reported on a guess.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "investigate/judge.h"
#include "investigate/queries.h"
#include "tansa/net.h"

namespace tansa::investigate {

namespace q = queries;

bool service_account(std::string_view account) {
  std::string a = lower(account_key(account));
  a = a.substr(0, a.find('@'));
  static constexpr std::array<std::string_view, 20> kShared = {
      "root",     "admin",   "administrator", "guest",   "deploy",        "backup",   "build",
      "ci",       "jenkins", "ansible",       "git",     "gitlab-runner", "www-data", "oracle",
      "postgres", "mysql",   "test",          "scanner", "support",       "operator"};
  if (std::find(kShared.begin(), kShared.end(), a) != kShared.end()) return true;
  for (std::string_view p : {"svc", "service", "sa-", "sa_"})
    if (a.starts_with(p)) return true;
  for (std::string_view s : {"-svc", "_svc", ".svc"})
    if (a.ends_with(s)) return true;
  return false;
}

namespace {

constexpr std::int64_t kDay = 24 * kHour;

std::string days(std::int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", static_cast<double>(ns) / static_cast<double>(kDay));
  return std::string(buf) + " days";
}

bool has_tag(const TaggedDetection& d, std::string_view tag) {
  return std::any_of(d.tags.begin(), d.tags.end(), [&](const std::string& t) {
    return t == tag || t.starts_with(std::string(tag) + ".");
  });
}

Evidence detection_evidence(const DetectionRef& d) {
  return Evidence{d.time_ns, d.source, d.title + " (" + d.level + ") on " + d.host};
}

// Evidence lists are capped like every answer's; the case database holds the rest.
void add(std::vector<Evidence>& to, const Evidence& e) {
  if (to.size() >= kMaxEvidence) return;
  for (const Evidence& have : to)
    if (have.source == e.source && have.what == e.what) return;
  to.push_back(e);
}

class WeaknessJudge {
 public:
  explicit WeaknessJudge(const WeaknessInput& in)
      : in_(in), x_(*in.intrusion), a_(*in.assets), q_(*in.db) {}

  std::expected<std::vector<Weakness>, std::string> run() {
    const bool intrusion = x_.found() && x_.access;
    if (intrusion) {
      guessing();
      service_accounts();
      by_technique();
      admins();
      late_logs();
      tampering();
      flow_logs();
      dwell();
    }
    file_auditing();
    if (q_.failed()) return std::unexpected(q_.failure());
    std::vector<Weakness> out;
    for (auto& [kind, w] : found_)
      if (!w.evidence.empty()) out.push_back(std::move(w));
    return out;
  }

 private:
  Weakness& weakness(WeaknessKind k, const std::string& advice) {
    Weakness& w = found_[k];
    w.kind = k;
    w.advice = advice;
    return w;
  }
  void detail(Weakness& w, const std::string& d) {
    if (w.detail.find(d) != std::string::npos) return;
    if (w.detail.size() > 2000) return;  // the evidence has the rest
    w.detail += (w.detail.empty() ? "" : "; ") + d;
  }

  void guessing() {
    for (const EntryPoint& e : *in_.entries) {
      if (e.vector != EntryVector::VpnPasswordGuessing &&
          e.vector != EntryVector::SshPasswordGuessing)
        continue;
      Weakness& w = weakness(WeaknessKind::GuessingNotStopped,
                             "Lock out or slow down logins after a few failures, and require a "
                             "second factor for VPN and SSH access from the internet.");
      const auto failed = static_cast<std::size_t>(e.evidence.empty() ? 0 : e.evidence.size() - 1);
      detail(w, std::to_string(failed) + " failed logins, then " + e.account + " got in through " +
                    e.via_host + " at " + format_time(e.time) + " with nothing locking it out");
      for (const Evidence& ev : e.evidence) add(w.evidence, ev);
    }
  }

  void service_accounts() {
    const std::string advice =
        "Deny service and shared accounts interactive, remote-desktop, SSH and VPN logons, and "
        "give every person an account of their own.";
    for (const EntryPoint& e : *in_.entries)
      if (e.vector != EntryVector::Unknown && e.vector != EntryVector::CloudAccount &&
          service_account(e.account)) {
        Weakness& w = weakness(WeaknessKind::ServiceAccountAccess, advice);
        detail(w, e.account + " came in from " + e.source.address + " through " + e.via_host);
        if (!e.evidence.empty()) add(w.evidence, e.evidence.back());
      }
    for (const auto& [key, edge] : x_.edges) {
      const bool interactive = edge.logon_type == "ssh" || edge.logon_type == "2" ||
                               edge.logon_type == "10" || edge.logon_type == "11";
      if (!interactive || !service_account(edge.account)) continue;
      Weakness& w = weakness(WeaknessKind::ServiceAccountAccess, advice);
      detail(w,
             edge.account + " logged on to " + edge.to_host + " from " + edge.from_host +
                 (edge.logon_type == "ssh" ? " by SSH" : " (logon type " + edge.logon_type + ")"));
      for (const Evidence& ev : edge.evidence) add(w.evidence, ev);
    }
    for (const auto& [remote, down] : x_.tunnels_down)
      if (service_account(down.user)) {
        Weakness& w = weakness(WeaknessKind::ServiceAccountAccess, advice);
        detail(w, account_key(down.user) + " held a VPN session from " + remote);
        add(w.evidence, evidence_of(down));
      }
  }

  void by_technique() {
    for (const TaggedDetection& d : *in_.detections) {
      if (has_tag(d, "attack.t1003.006")) {
        Weakness& w = weakness(WeaknessKind::ReplicationRights,
                               "Take the directory replication rights (Replicating Directory "
                               "Changes, Changes All) from every account that is not a domain "
                               "controller, and alert on their use.");
        detail(w, "directory replication by an account that is not a domain controller on " +
                      d.ref.host + " at " + format_time(d.ref.time_ns));
        add(w.evidence, detection_evidence(d.ref));
      }
      if (has_tag(d, "attack.t1558.003")) {
        Weakness& w = weakness(WeaknessKind::Rc4ServiceTickets,
                               "Allow only AES for service accounts' tickets and turn RC4 off on "
                               "the domain controllers, and give service accounts long random "
                               "passwords (or group-managed service accounts).");
        detail(w, "the domain controller " + d.ref.host +
                      " issued RC4 service tickets in bulk at " + format_time(d.ref.time_ns));
        add(w.evidence, detection_evidence(d.ref));
      }
    }
  }

  // Administrators: the accounts the logs show being added to an administrators' group, and the
  // intruder's accounts named as administrators. Their interactive and remote-desktop logons from
  // a client that is not an admin host.
  void admins() {
    if (a_.admin_hosts.empty()) return;
    std::map<std::string, std::string> admins;  // account key -> why it is one
    q_.each(q::kAccountChanges, {}, [&](const Fact& f) {
      if (f.outcome == "group_add" && lower(f.object).find("admin") != std::string::npos &&
          !f.target.empty())
        admins.try_emplace(account_key(f.target), "member of " + f.object);
    });
    for (const auto& [key, e] : x_.accounts)
      if (key.find("admin") != std::string::npos) admins.try_emplace(key, "an administrator");
    for (const auto& [account, why] : admins)
      q_.each(q::kLogonsByUser, {account}, [&](const Fact& f) {
        if (failed_logon(f) || f.channel == "sshd" || f.event_id != 4624) return;
        if (f.logon_type != 2 && f.logon_type != 10 && f.logon_type != 11) return;
        const std::string client = x_.addresses.client_of(f);
        if (client.empty() || host_key(client) == host_key(f.host) || a_.is_admin_host(client))
          return;
        Weakness& w = weakness(WeaknessKind::AdminOutsideAdminHosts,
                               "Let administrators log on to servers only from the admin hosts: "
                               "allow remote-desktop and interactive logons of privileged "
                               "accounts from those hosts alone.");
        detail(w, account + " (" + why + ") logged on to " + f.host.substr(0, f.host.find('.')) +
                      " from " + client + ", not an admin host");
        add(w.evidence, evidence_of(f));
      });
  }

  // The intrusion's first trace, for kinds whose evidence is that it came before something.
  std::optional<Evidence> first_trace() const {
    std::optional<Evidence> first;
    for (const auto* m : {&x_.sources, &x_.accounts, &x_.hosts})
      for (const auto& [k, ent] : *m)
        for (const Evidence& ev : ent.evidence)
          if (!first || std::tie(ev.time_ns, ev.source) < std::tie(first->time_ns, first->source))
            first = ev;
    return first;
  }

  // Logs of the hosts the intruder reached (the VPN appliance among them) that begin after the
  // intrusion did, unless a clear explains the late start. Other logs are left out: a cloud
  // workload or a sensor can start late for reasons of its own.
  void late_logs() {
    const std::optional<Evidence> first = first_trace();
    if (!first) return;
    for (const Stream& s : *in_.streams) {
      if (s.active.empty() || !x_.hosts.contains(host_key(s.host))) continue;
      const std::int64_t start = s.active.front().start;
      if (start <= x_.first + a_.gap_threshold_ns) continue;
      const bool cleared =
          std::any_of(in_.tampering->begin(), in_.tampering->end(), [&](const TamperFinding& t) {
            return t.kind == "log_cleared" && host_key(t.host) == host_key(s.host) &&
                   t.start <= start + a_.gap_threshold_ns;
          });
      if (cleared) continue;
      Weakness& w = weakness(WeaknessKind::LogsStartLate,
                             "Keep logs for longer than an intrusion can go unseen (a year or "
                             "more), in a store the intruder cannot reach.");
      detail(w, "the " + s.source + " log of " + s.host + " starts at " + format_time(start) +
                    ", " + days(start - x_.first) + " after the intrusion began");
      add(w.evidence, *first);
    }
  }

  void tampering() {
    for (const TamperFinding& t : *in_.tampering) {
      if (t.attribution == Attribution::Admin) continue;
      Weakness& w = weakness(WeaknessKind::TamperingUnnoticed,
                             "Alert on log clearing (1102, 104) and audit policy changes (4719) "
                             "as they happen, and forward logs off each host as they are "
                             "written.");
      detail(w, t.kind + " on " + t.host + " at " + format_time(t.start) + " by " + t.user + " (" +
                    std::string(to_string(t.attribution)) + "); the intrusion went on until " +
                    format_time(x_.last));
      for (const Evidence& ev : t.evidence) add(w.evidence, ev);
    }
  }

  void flow_logs() {
    if (in_.egress->flow_logs || x_.held_hosts.empty()) return;
    Weakness& w = weakness(WeaknessKind::FlowLogsMissing,
                           "Record flows (firewall traffic logs or a network sensor) for the "
                           "server and VPN networks, so that what leaves can be measured.");
    for (const auto& [hk, since] : x_.held_hosts) {
      auto h = x_.hosts.find(hk);
      if (h == x_.hosts.end() || h->second.evidence.empty()) continue;
      detail(w, "no flow log covers the intrusion, and the intruder held " + h->second.name);
      add(w.evidence, h->second.evidence.front());
    }
  }

  // Dwell against detection: how long the intrusion ran, and how long the input runs after its
  // first strong detection.
  void dwell() {
    const std::optional<Evidence> first = first_trace();
    if (!first) return;
    const DetectionRef* d = nullptr;  // the first of those that point to the intrusion
    for (const DetectionRef& t : x_.detections)
      if (!d || t.time_ns < d->time_ns) d = &t;
    Weakness& w = weakness(WeaknessKind::UnseenDwell,
                           "Send high-severity detections such as these to someone who acts on "
                           "them within hours, and review remote-access logons from new "
                           "addresses every day.");
    const std::int64_t end = std::max(in_.input_last, x_.last);
    std::string text = "the intrusion went on for " + days(x_.last - x_.first) + " (" +
                       format_time(x_.first) + " to " + format_time(x_.last) + ")";
    if (d)
      text += "; its first high-severity detection (" + d->title + ") came " +
              days(std::max<std::int64_t>(0, d->time_ns - x_.first)) +
              " after it began, and the logs run " + days(end - d->time_ns) +
              " past that detection with nothing stopping it";
    else
      text += "; no high-severity detection points to it at all";
    detail(w, text);
    add(w.evidence, *first);
    if (d) add(w.evidence, detection_evidence(*d));
  }

  // Sensitive assets on hosts whose logs record no file access: no share access (5140, 5145) or
  // object access (4663) in any of their logs. A host with no log in the input is not judged.
  void file_auditing() {
    for (const SensitiveAsset& asset : a_.sensitive)
      for (const std::string& hk : holders(asset)) {
        const Stream* any = nullptr;
        bool audited = false;
        for (const Stream& s : *in_.streams) {
          if (!machine_stream(s) || host_key(s.host) != hk) continue;
          if (!any) any = &s;
          for (int id : {5140, 5145, 4663})
            if (auto n = s.event_ids.find(id); n != s.event_ids.end() && n->second > 0)
              audited = true;
        }
        if (!any || audited) continue;
        std::optional<Fact> logon;
        q_.each(q::kLogonOnHost, {any->host}, [&](const Fact& f) { logon = f; });
        if (!logon) continue;
        Weakness& w = weakness(WeaknessKind::FileAuditingMissing,
                               "Turn on file share and file access auditing (Audit File Share, "
                               "Audit Detailed File Share; auditd on Linux) on the hosts that "
                               "hold sensitive data, and collect those logs.");
        std::string changed;  // auditing turned off in the log that is left
        for (const TamperFinding& t : *in_.tampering)
          if (t.kind == "audit_policy_changed" && host_key(t.host) == hk && changed.empty())
            changed = "; its audit policy was changed at " + format_time(t.start);
        detail(w, asset.name + " is on " + any->host +
                      ", whose logs record logons but no file access (no 5140, 5145 or 4663)" +
                      changed);
        add(w.evidence, evidence_of(*logon, any->host + " logs logons (" + describe(*logon) +
                                                ") but no file access"));
      }
  }

  const WeaknessInput& in_;
  const Intrusion& x_;
  const Assets& a_;
  Queries q_;
  std::map<WeaknessKind, Weakness> found_;
};

}  // namespace

std::expected<std::vector<Weakness>, std::string> judge_weaknesses(const WeaknessInput& in) {
  return WeaknessJudge(in).run();
}

}  // namespace tansa::investigate
