#include "investigate/queries.h"

#include "investigate/factindex.h"

namespace tansa::investigate {

const std::vector<FactQuery>& all_fact_queries() {
  using namespace queries;
  static const std::vector<FactQuery> kAll = {kAddresses,
                                              kWorkstationAddresses,
                                              kVpnEventAt,
                                              kLogonEventAt,
                                              kCloudEventAt,
                                              kLogonsFrom,
                                              kCloudFrom,
                                              kLogonsFromBetween,
                                              kLogonsFromClient,
                                              kLogonsByUser,
                                              kCloudByUser,
                                              kLogonsFromSince,
                                              kLogonsFromClientSince,
                                              kAccountChanges,
                                              kVpnFrom,
                                              kVpnByUser,
                                              kSessionBefore,
                                              kSessionEnd,
                                              kAccountSessionsSince,
                                              kAccountCloudSince,
                                              kAccountLogonsSince,
                                              kSessionsFromNetwork,
                                              kFirstSessions,
                                              kSessionLogons,
                                              kProcessesInSession,
                                              kProcessesByUser,
                                              kSudoBetween,
                                              kFilesFromBetween,
                                              kFilesFrom,
                                              kFilesByUser,
                                              kFilesInSession,
                                              kTampering,
                                              kLogonOfSession,
                                              kLogonsByUserBetween,
                                              kFlowsFromBetween,
                                              kFlowsToBetween,
                                              kFlowsTo,
                                              kLogonOnHost};
  return kAll;
}

const std::vector<CountQuery>& all_count_queries() {
  using namespace queries;
  static const std::vector<CountQuery> kAll = [] {
    std::vector<CountQuery> v;
    for (const ActivityCount& a : {kActiveBefore, kSeenBefore, kFromAddressBefore})
      v.insert(v.end(), {a.vpn, a.cloud, a.logons});
    return v;
  }();
  return kAll;
}

void Queries::each(const FactQuery& q, const std::vector<std::string>& params,
                   const std::function<void(const Fact&)>& f) {
  if (failed()) return;
  auto r = db_.index() ? db_.index()->each(db_, q, params, f)
                       : db_.query(q.kind, std::string(q.where), params, f);
  if (!r) failure_ = std::string(q.name) + ": " + r.error();
}

std::int64_t Queries::count(const CountQuery& q, const std::vector<std::string>& params) {
  if (failed()) return 0;
  auto n =
      db_.index() ? db_.index()->count(db_, q, params) : db_.scalar(std::string(q.sql), params);
  if (!n) {
    failure_ = std::string(q.name) + ": " + n.error();
    return 0;
  }
  return *n;
}

std::int64_t Queries::count(const ActivityCount& q, const std::vector<std::string>& params) {
  return count(q.vpn, params) + count(q.cloud, params) + count(q.logons, params);
}

}  // namespace tansa::investigate
