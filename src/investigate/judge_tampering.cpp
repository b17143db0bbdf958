#include <algorithm>

#include "investigate/judge.h"
#include "investigate/queries.h"

namespace tansa::investigate {

std::expected<std::vector<TamperFinding>, std::string> judge_tampering(const Intrusion& x,
                                                                       const CaseDb& db,
                                                                       const Assets& assets) {
  Queries q(db);
  std::vector<TamperFinding> out;
  q.each(queries::kTampering, {}, [&](const Fact& f) {
    TamperFinding t;
    t.kind = f.outcome;
    t.host = f.host.substr(0, f.host.find('.'));
    t.channel = f.event_id == 104    ? "System"
                : f.event_id == 4719 ? "Security (audit policy)"
                                     : "Security";
    t.user = f.user;
    t.start = t.end = f.time_ns;
    t.evidence.push_back(evidence_of(f));
    if (x.by_intruder(f.host, f.workstation, f.user)) {
      t.attribution = Attribution::Intruder;
    } else {
      // Where did the session that did it come from? An admin host makes it routine.
      std::string from;
      if (!f.workstation.empty())
        q.each(queries::kLogonOfSession, {f.host, f.workstation},
               [&](const Fact& l) { from = x.addresses.client_of(l); });
      // The logon may be gone with the log it cleared: did the account work from an admin host
      // (in any log) in the twelve hours before?
      if (from.empty() || !assets.is_admin_host(from))
        q.each(queries::kLogonsByUserBetween,
               {f.user, std::to_string(f.time_ns - 12 * kHour), std::to_string(f.time_ns)},
               [&](const Fact& l) {
                 const std::string w = x.addresses.client_of(l);
                 if (assets.is_admin_host(w)) from = w;
               });
      t.attribution = !from.empty() && assets.is_admin_host(from) ? Attribution::Admin
                                                                  : Attribution::Unexplained;
      if (!from.empty()) t.user += " from " + from;
    }
    out.push_back(std::move(t));
  });
  if (q.failed()) return std::unexpected(q.failure());
  return out;
}

AccessAnswer answer_access(const Intrusion& x, const std::vector<TamperFinding>& tampering) {
  const bool unexplained =
      std::any_of(tampering.begin(), tampering.end(), [](const TamperFinding& t) {
        return t.attribution == Attribution::Unexplained && t.kind == "log_cleared";
      });
  if (x.access) return {Access::Yes, "the intruder logged on; see sources, accounts and hosts"};
  if (!x.detections.empty() || !x.sources.empty())
    return {Access::No,
            "attempts from attacker addresses, but no successful logon or session from them"};
  if (unexplained)
    return {Access::Undetermined,
            "a log was cleared by an account not working from an admin host; what it held is "
            "unknown"};
  return {Access::No,
          "no detection points to an intruder, and no log was cleared outside administration"};
}

}  // namespace tansa::investigate
