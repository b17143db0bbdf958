// Every query the analysis issues against the case database (docs/case-db.md), by name, in one
// place: a fact query is a condition on one kind's table (CaseDb::query builds the SELECT), a count
// query is a whole statement. `all_fact_queries()` and `all_count_queries()` list them so a test
// prepares each against a freshly created database (tests/unit/investigate/queries_test.cpp): a
// query the schema cannot answer fails there, by name, not as "no facts" in an investigation.
//
// Parameters are `?`, bound as text in order. Vendor words (a VPN appliance's actions) are never
// spelled here: they are parameters, from the fact extraction (facts.h).
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "investigate/casedb.h"
#include "investigate/facts.h"

namespace tansa::investigate {

struct FactQuery {
  std::string_view name;
  FactKind kind;
  std::string_view where;  // empty: every row
};

struct CountQuery {
  std::string_view name;
  std::string_view sql;  // one integer
};

// An account's activity is counted in three tables (VPN sessions, cloud operations, logons), one
// query each; the parameters start with the account's three spellings (name, local part, UPN
// pattern), as kAccount.
struct ActivityCount {
  CountQuery vpn, cloud, logons;
};

namespace queries {

// `user` is the account: its key, its local part, or name@anything (four parameters: the key,
// the local part, then "local@" and "local[" bounding the names that start with "local@" in the
// case-insensitive order; '[' is the first character after '@' that no letter folds to). A range
// rather than LIKE, so every spelling is found through the user index (a LIKE with a parameter
// scans the table: tests/unit/investigate/query_plan_test.cpp).
#define TANSA_ACCOUNT                                                                     \
  "(user = ? COLLATE NOCASE OR user = ? COLLATE NOCASE OR (user >= ? COLLATE NOCASE AND " \
  "user < ? COLLATE NOCASE))"

// Tracing: learning addresses.
inline constexpr FactQuery kAddresses{"addresses", FactKind::Address, ""};
// The first and the last successful logon (4624) of each (workstation name, address) pair, by
// (ts, file, position, rowid): the span a workstation was seen with an address, and the event
// that first shows it. Not a GROUP BY, whose other columns come from whichever row of the group
// SQLite meets last, that is from the order the writer stored them in, which threads decide.
inline constexpr FactQuery kWorkstationAddresses{
    "workstation_addresses", FactKind::Logon,
    "rowid IN (SELECT r FROM (SELECT rowid AS r, row_number() OVER w AS n, count(*) OVER p AS c "
    "FROM logons WHERE event_id = 4624 AND workstation != '' AND src_ip != '' WINDOW p AS "
    "(PARTITION BY lower(workstation), src_ip), w AS (p ORDER BY ts, file, position, rowid)) "
    "WHERE n = 1 OR n = c)"};
// Seeds: the facts of a detection's event (file, position).
inline constexpr FactQuery kVpnEventAt{"vpn_event_at", FactKind::Vpn, "file = ? AND position = ?"};
inline constexpr FactQuery kLogonEventAt{"logon_event_at", FactKind::Logon,
                                         "file = ? AND position = ?"};
inline constexpr FactQuery kCloudEventAt{"cloud_event_at", FactKind::Cloud,
                                         "file = ? AND position = ?"};
// Spreading.
inline constexpr FactQuery kLogonsFrom{"logons_from", FactKind::Logon, "src_ip = ?"};
inline constexpr FactQuery kCloudFrom{"cloud_from", FactKind::Cloud, "client_ip = ?"};
inline constexpr FactQuery kLogonsFromBetween{"logons_from_between", FactKind::Logon,
                                              "src_ip = ? AND ts BETWEEN ? AND ?"};
inline constexpr FactQuery kLogonsFromClient{"logons_from_client", FactKind::Logon,
                                             "workstation = ? COLLATE NOCASE"};
inline constexpr FactQuery kLogonsByUser{"logons_by_user", FactKind::Logon,
                                         "user = ? COLLATE NOCASE"};
inline constexpr FactQuery kCloudByUser{"cloud_by_user", FactKind::Cloud,
                                        "user = ? COLLATE NOCASE"};
inline constexpr FactQuery kLogonsFromSince{"logons_from_since", FactKind::Logon,
                                            "src_ip = ? AND ts >= ?"};
inline constexpr FactQuery kLogonsFromClientSince{"logons_from_client_since", FactKind::Logon,
                                                  "workstation = ? COLLATE NOCASE AND ts >= ?"};
inline constexpr FactQuery kAccountChanges{"account_changes", FactKind::AccountChange, ""};
// VPN rounds (the first parameter of those with `action = ?` is a VpnEvent's word).
inline constexpr FactQuery kVpnFrom{"vpn_from", FactKind::Vpn, "remote_ip = ?"};
inline constexpr FactQuery kVpnByUser{"vpn_by_user", FactKind::Vpn, "user = ? COLLATE NOCASE"};
inline constexpr FactQuery kSessionBefore{"session_before", FactKind::Vpn,
                                          "tunnel_ip = ? AND action = ? AND ts BETWEEN ? AND ?"};
inline constexpr FactQuery kSessionEnd{
    "session_end", FactKind::Vpn,
    "action = ? AND tunnel_ip = ? AND user = ? COLLATE NOCASE AND ts BETWEEN ? AND ?"};
// Held accounts coming back from new addresses: their activity since the intrusion began.
inline constexpr FactQuery kAccountSessionsSince{"account_sessions_since", FactKind::Vpn,
                                                 TANSA_ACCOUNT " AND action = ? AND ts >= ?"};
inline constexpr FactQuery kAccountCloudSince{"account_cloud_since", FactKind::Cloud,
                                              TANSA_ACCOUNT " AND ts >= ?"};
inline constexpr FactQuery kAccountLogonsSince{
    "account_logons_since", FactKind::Logon, TANSA_ACCOUNT " AND outcome = 'success' AND ts >= ?"};
// ... and how often each was active before: at all, successfully, and from one address.
inline constexpr ActivityCount kActiveBefore{
    {"vpn_active_before", "SELECT count(*) FROM vpn WHERE " TANSA_ACCOUNT " AND ts < ?"},
    {"cloud_active_before", "SELECT count(*) FROM cloud WHERE " TANSA_ACCOUNT " AND ts < ?"},
    {"logons_succeeded_before",
     "SELECT count(*) FROM logons WHERE " TANSA_ACCOUNT " AND ts < ? AND outcome = 'success'"}};
inline constexpr ActivityCount kSeenBefore{
    {"vpn_seen_before", "SELECT count(*) FROM vpn WHERE " TANSA_ACCOUNT " AND ts < ?"},
    {"cloud_seen_before", "SELECT count(*) FROM cloud WHERE " TANSA_ACCOUNT " AND ts < ?"},
    {"logons_seen_before", "SELECT count(*) FROM logons WHERE " TANSA_ACCOUNT " AND ts < ?"}};
inline constexpr ActivityCount kFromAddressBefore{
    {"vpn_from_address_before",
     "SELECT count(*) FROM vpn WHERE " TANSA_ACCOUNT " AND remote_ip = ? AND ts < ?"},
    {"cloud_from_address_before",
     "SELECT count(*) FROM cloud WHERE " TANSA_ACCOUNT " AND client_ip = ? AND ts < ?"},
    {"logons_from_address_before",
     "SELECT count(*) FROM logons WHERE " TANSA_ACCOUNT " AND src_ip = ? AND ts < ?"}};
// Leads: sessions from an intruder address's network, and accounts' first sessions (from a
// country). The first parameter (both, for the second) is the session start's word.
inline constexpr FactQuery kSessionsFromNetwork{"sessions_from_network", FactKind::Vpn,
                                                "action = ? AND remote_ip LIKE ? ESCAPE '\\'"};
inline constexpr FactQuery kFirstSessions{
    "first_sessions", FactKind::Vpn,
    "action = ? AND NOT EXISTS (SELECT 1 FROM vpn p WHERE p.action = ? AND p.user = vpn.user "
    "COLLATE NOCASE AND p.ts < vpn.ts AND (vpn.country = '' OR p.country = vpn.country))"};
inline constexpr FactQuery kSessionLogons{
    "session_logons", FactKind::Logon, "src_ip = ? AND ts BETWEEN ? AND ? AND outcome = 'success'"};
// Processes and file access tied to the intruder.
inline constexpr FactQuery kProcessesInSession{"processes_in_session", FactKind::Process,
                                               "host = ? AND logon_id = ? COLLATE NOCASE"};
inline constexpr FactQuery kProcessesByUser{"processes_by_user", FactKind::Process,
                                            "user = ? COLLATE NOCASE"};
inline constexpr FactQuery kSudoBetween{"sudo_between", FactKind::Process,
                                        "host = ? AND ts BETWEEN ? AND ? AND channel = 'sudo'"};
inline constexpr FactQuery kFilesFromBetween{"files_from_between", FactKind::FileAccess,
                                             "src_ip = ? AND ts BETWEEN ? AND ?"};
inline constexpr FactQuery kFilesFrom{"files_from", FactKind::FileAccess, "src_ip = ?"};
inline constexpr FactQuery kFilesByUser{"files_by_user", FactKind::FileAccess,
                                        "user = ? COLLATE NOCASE"};
inline constexpr FactQuery kFilesInSession{"files_in_session", FactKind::FileAccess,
                                           "host = ? AND logon_id = ? COLLATE NOCASE"};
// Tampering and who did it.
inline constexpr FactQuery kTampering{"tampering", FactKind::Tamper, ""};
inline constexpr FactQuery kLogonOfSession{"logon_of_session", FactKind::Logon,
                                           "host = ? AND logon_id = ? COLLATE NOCASE"};
inline constexpr FactQuery kLogonsByUserBetween{
    "logons_by_user_between", FactKind::Logon,
    "user = ? COLLATE NOCASE AND outcome = 'success' AND ts BETWEEN ? AND ?"};
// Egress.
inline constexpr FactQuery kFlowsFromBetween{"flows_from_between", FactKind::Flow,
                                             "src_ip = ? AND ts BETWEEN ? AND ?"};
inline constexpr FactQuery kFlowsToBetween{"flows_to_between", FactKind::Flow,
                                           "dst_ip = ? AND ts BETWEEN ? AND ?"};
inline constexpr FactQuery kFlowsTo{"flows_to", FactKind::Flow, "dst_ip = ?"};
// Weaknesses: one logon a host recorded, to show that its log is there.
inline constexpr FactQuery kLogonOnHost{
    "logon_on_host", FactKind::Logon,
    "rowid = (SELECT l.rowid FROM logons l WHERE l.host = ? ORDER BY l.logon_id COLLATE NOCASE, "
    "l.rowid LIMIT 1)"};

#undef TANSA_ACCOUNT

}  // namespace queries

[[nodiscard]] const std::vector<FactQuery>& all_fact_queries();
[[nodiscard]] const std::vector<CountQuery>& all_count_queries();

// Runs named queries, from the case database's in-memory index when it has one (factindex.h:
// the same answers, without the SQLite indexes) and by SQL otherwise, keeping the first failure:
// after one, the rest are skipped, and the caller returns that error instead of what it found, so a
// database fault can never read as "no events" and so as "no" or "not_accessed".
class Queries {
 public:
  explicit Queries(const CaseDb& db) : db_(db) {}
  void each(const FactQuery& q, const std::vector<std::string>& params,
            const std::function<void(const Fact&)>& f);
  // 0 after a failure (which the caller then reports).
  [[nodiscard]] std::int64_t count(const CountQuery& q, const std::vector<std::string>& params);
  [[nodiscard]] std::int64_t count(const ActivityCount& q, const std::vector<std::string>& params);
  [[nodiscard]] bool failed() const { return !failure_.empty(); }
  [[nodiscard]] const std::string& failure() const { return failure_; }

 private:
  const CaseDb& db_;
  std::string failure_;
};

}  // namespace tansa::investigate
