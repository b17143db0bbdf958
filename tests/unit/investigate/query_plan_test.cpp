// Every fact query the analysis issues with a condition that an index can serve is served by one
// of the case database's indexes (analysis_indexes()): the database builds only those, so a query
// left without one would scan its whole table on every call, which at ten million events is the
// difference between seconds and hours. The few queries that read a whole table by design are
// named here. (investigate itself answers from its in-memory index, factindex.h, and builds these
// indexes after the report; they serve the SQL path, tests and analysts' own queries.)
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <optional>
#include <set>
#include <string>

#include "investigate/casedb.h"
#include "investigate/queries.h"

namespace tansa::investigate {
namespace {

// Queries that read every row of their table (small tables, or a LIKE on a parameter).
const std::set<std::string_view> kWholeTable = {
    "addresses",       "workstation_addresses", "account_changes", "tampering",
    "sessions_from_network", "first_sessions"};

std::string plan_of(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* st = nullptr;
  std::string plan;
  if (sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr) != SQLITE_OK)
    return std::string("cannot prepare: ") + sqlite3_errmsg(db);
  while (sqlite3_step(st) == SQLITE_ROW)
    plan += std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 3))) + "; ";
  sqlite3_finalize(st);
  return plan;
}

// The indexes a plan uses (every "USING [COVERING] INDEX name"), or nullopt when some part of it
// scans a table.
std::optional<std::set<std::string>> indexes_in(const std::string& plan) {
  if (plan.find("SCAN ") != std::string::npos) return std::nullopt;
  std::set<std::string> out;
  for (std::size_t at = 0; (at = plan.find("INDEX ", at)) != std::string::npos; at += 6) {
    const std::size_t from = at + 6;
    const std::size_t to = plan.find_first_of(" ;", from);
    const std::string name = plan.substr(from, to - from);
    // Not "MULTI-INDEX OR" nor the numbered terms of one.
    if (!name.empty() && name != "OR" && !std::isdigit(static_cast<unsigned char>(name[0])))
      out.insert(name);
  }
  if (out.empty()) return std::nullopt;
  return out;
}

TEST(QueryPlans, EverySearchingQueryUsesAnIndexTheDatabaseBuilds) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tansa_query_plan_test_" + std::to_string(::getpid()) + ".db");
  {
    auto db = CaseDb::create(path.string());
    ASSERT_TRUE(db) << db.error();
    ASSERT_TRUE((*db)->finish_loading());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  std::set<std::string> built;
  for (const auto& [name, on] : analysis_indexes()) built.insert(name);
  std::set<std::string> used;
  auto check = [&](std::string_view name, const std::string& sql) {
    const std::string plan = plan_of(db, sql);
    const auto indexes = indexes_in(plan);
    ASSERT_TRUE(indexes) << name << " scans a table: " << plan;
    for (const auto& index : *indexes) {
      EXPECT_TRUE(built.contains(index)) << name << " uses " << index;
      used.insert(index);
    }
  };
  for (const FactQuery& q : all_fact_queries()) {
    if (kWholeTable.contains(q.name)) continue;
    std::string sql = std::string("SELECT * FROM ") + table_name(q.kind);
    if (!q.where.empty()) sql += " WHERE " + std::string(q.where);
    check(q.name, sql);
  }
  for (const CountQuery& q : all_count_queries()) check(q.name, std::string(q.sql));
  // And no index is built that no query uses.
  for (const auto& name : built) EXPECT_TRUE(used.contains(name)) << name << " is never used";
  sqlite3_close(db);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tansa::investigate
