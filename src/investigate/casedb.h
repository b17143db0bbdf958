// The case database (SQLite): the facts an investigation extracted, the detections, and the
// coverage of every host and log source, in tables an analyst can query (schema: docs/case-db.md).
// It is also the investigation's working store: facts are written as they are read, and the
// analysis reads them back by rowid (fetch) through its own index in memory (factindex.h), which
// holds no text; the SQLite indexes (build_indexes) come after the report, for analysts.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "investigate/facts.h"
#include "tansa/detection.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tansa::investigate {

class FactIndex;

class CaseDb {
 public:
  // Creates (replacing) the database at `path`.
  [[nodiscard]] static std::expected<std::unique_ptr<CaseDb>, std::string> create(
      const std::string& path);
  ~CaseDb();
  CaseDb(const CaseDb&) = delete;
  CaseDb& operator=(const CaseDb&) = delete;

  void add_files(const std::vector<std::string>& paths);
  // Not thread-safe: callers serialise (the investigation funnels facts through one mutex).
  void add_facts(const FactBatch& facts);
  void add_facts(const std::vector<Fact>& facts);  // packs them, then as above
  // As above, and records each fact stored in `index` under its rowid (a fact whose write failed
  // is not recorded; error() says so, and the investigation stops).
  void add_facts(const FactBatch& facts, FactIndex& index);
  void add_detection(const Detection& d, const RuleInfo& rule);
  void add_streams(const std::vector<Stream>& streams);
  // Ends loading: commits and builds the indexes (end_loading, then build_indexes).
  [[nodiscard]] std::expected<void, std::string> finish_loading();
  // Commits what was written, without indexes: the analysis then reads facts by rowid.
  [[nodiscard]] std::expected<void, std::string> end_loading();
  // Builds analysis_indexes() (investigate --case-indexes does it after the report is
  // written). SQLite's sorter may use `helpers` threads beside the caller's (PRAGMA threads) for
  // the sorts of large tables.
  [[nodiscard]] std::expected<void, std::string> build_indexes(unsigned helpers = 0);
  // Answers queries.h's named queries from `index` (null: from SQL); the index outlives its use.
  void answer_from(const FactIndex* index) { index_ = index; }
  [[nodiscard]] const FactIndex* index() const { return index_; }
  // The fact stored as `rowid` of `kind`'s table; no such row is an error.
  [[nodiscard]] std::expected<Fact, std::string> fetch(FactKind kind, std::int64_t rowid) const;
  // Stores the findings (JSON text) so the database holds the answers beside the facts.
  [[nodiscard]] std::expected<void, std::string> add_findings(const std::string& json);

  // Facts of one kind matching an SQL condition on that kind's table (docs/case-db.md), with
  // `?` parameters bound to `params` in order (text). Ordered by time then source. A query that
  // cannot be prepared or fails part-way is an error, never "no facts".
  [[nodiscard]] std::expected<void, std::string> query(
      FactKind kind, const std::string& where, const std::vector<std::string>& params,
      const std::function<void(const Fact&)>& each) const;
  // One integer from an SQL query (counts), with text parameters.
  [[nodiscard]] std::expected<std::int64_t, std::string> scalar(
      const std::string& sql, const std::vector<std::string>& params) const;
  // Prepares what query() (a condition on `kind`'s table) or scalar() (a whole statement) would
  // run, and discards it: whether the schema can answer it. A test prepares every query the
  // analysis issues (queries.h) and every statement of the database's own (statements()).
  [[nodiscard]] std::expected<void, std::string> prepare(FactKind kind,
                                                         const std::string& where) const;
  [[nodiscard]] std::expected<void, std::string> prepare(const std::string& sql) const;
  // The statements the case database issues itself, by name: the inserts of loading.
  [[nodiscard]] static std::vector<std::pair<std::string, std::string>> statements();
  // The first write that failed (add_* keep going; finish_loading and add_findings report it).
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  CaseDb() = default;
  bool step_insert(sqlite3_stmt* s, const char* what);
  void add_facts(const FactBatch& facts, FactIndex* index);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string error_;
  const FactIndex* index_ = nullptr;
};

// The indexes finish_loading builds: (name, "table(columns)"), the ones the analysis searches by.
[[nodiscard]] const std::vector<std::pair<const char*, const char*>>& analysis_indexes();

// The table a kind of fact lives in.
[[nodiscard]] const char* table_name(FactKind k);

}  // namespace tansa::investigate
