// investigate's use of the engine: what it adds per event (facts and coverage, written to the
// case database as they are read, by one writer thread so the reading lanes never wait on
// SQLite), which detections seed the analysis, and the analysis itself once reading is done. The
// command line only parses options and writes the report:
//
//   auto inv = investigate::Investigation::open(request);          // creates the case database
//   engine::Run run(rules, settings);
//   run.read(inputs, diag, inv->hooks());                          // facts beside matching
//   auto outcome = inv->conclude(run);                             // detections, then answers
//   ... write the report ...
//   inv->index_case_db();                 // on request: SQLite indexes, for analysts' queries
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "investigate/analyze.h"
#include "investigate/assets.h"
#include "investigate/casedb.h"
#include "investigate/factindex.h"

namespace tansa::investigate {

// Strong detections kept in memory for the analysis; beyond this the intrusion is plain anyway.
inline constexpr std::size_t kMaxSeeds = 20000;

// True when a detection of this rule seeds the analysis: high and critical rules only.
[[nodiscard]] bool seeds_analysis(const RuleInfo& rule);

struct Request {
  Assets assets;
  std::vector<Seed> seeds;  // the user's --seed indicators
  Claim claim;  // the attacker's --claim: a size, a number of documents, or both
  std::string case_path;
};

struct Outcome {
  Findings findings;
  std::size_t detections = 0;  // written to the case database (generate: false ones left out)
  // Seconds spent after reading: the detections through the correlations into the database,
  // and the analysis (from the in-memory index; the SQLite indexes come after the report).
  double drain_s = 0, analysis_s = 0;
};

// Parses a --seed value: ip:ADDRESS, user:NAME or host:NAME.
[[nodiscard]] std::expected<Seed, std::string> parse_seed(const std::string& text);

// Drops the case database of an earlier run from the inputs: it may sit among the logs, but it
// is never one of them.
void drop_case_db(std::vector<hunt::Input>& inputs, const std::string& case_path);

class Investigation {
 public:
  // Creates (replacing) the case database and records the inputs in it; `inputs` fixes the file
  // numbers evidence refers to.
  [[nodiscard]] static std::expected<std::unique_ptr<Investigation>, std::string> open(
      Request request, const std::vector<hunt::Input>& inputs);
  ~Investigation();

  // For engine::Run::read: per lane, extracts facts (flushed to the database in batches) and
  // records each log source's coverage.
  [[nodiscard]] engine::HookFactory hooks();

  // After read(): the remaining facts and the coverage are written, the detections drained in
  // order through the correlations into the database (the strong ones kept as seeds), and the
  // questions answered. An error when nothing could be read, a detection was lost, or the
  // database failed: answers resting on a partial record could say "no".
  // Problems keeping a detection go to `problem` as they happen.
  [[nodiscard]] std::expected<Outcome, std::string> conclude(
      engine::Run& run, const std::function<void(const std::string&)>& problem);

  // After the report is written: frees the in-memory index and builds the case database's
  // indexes for analysts (analysis_indexes()) on `threads` threads (0: every core; SQLite's
  // sorter shares the sorts of large tables among them). Seconds taken, or why it failed.
  [[nodiscard]] std::expected<double, std::string> index_case_db(unsigned threads = 1);

  [[nodiscard]] CaseDb& db() { return *db_; }

 private:
  class Collector;
  class Writer;
  Investigation();

  Request request_;
  std::vector<std::string> files_;
  std::unique_ptr<CaseDb> db_;
  std::unique_ptr<FactIndex> index_;  // the analysis's, until index_case_db()
  std::unique_ptr<Writer> writer_;    // owns the database until conclude() has written everything
};

}  // namespace tansa::investigate
