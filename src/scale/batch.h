// Batch hunting across machines (docs/scale.md, "Batch"): `tansa hunt --nats` puts one work item
// per input on a JetStream work-queue stream, `tansa worker` processes them, and the submitting
// hunt merges every worker's detections into the output it writes alone.
//
//   submitter                      TANSA_WORK (work queue)            workers
//   item i: job spec, input i  ->  tansa.work.<job>           ->      Run::read_base(input i)
//   Run::add_base(...)         <-  tansa.result.<job>          <-     S, D..., G..., E(count)
//                                  TANSA_RESULTS (limits)
//
// What it promises:
// - At least once: a worker acknowledges an item only after its results are stored in
//   TANSA_RESULTS (every publish confirmed by the server). An item whose worker dies is delivered
//   again after AckWait (kAckWaitS; a worker reading a big file extends it every few seconds with
//   an in-progress acknowledgement) to any worker.
// - Each delivery is an attempt with its own random id; its results are a start record, chunks of
//   detections and of diagnostics, numbered, and an end record with the counts. The submitter
//   keeps one complete attempt per item (the first whose end record matches what it received) and
//   ignores every other, partial or complete: a detection is never counted twice or lost.
// - The worker evaluates exactly as a local hunt with the job's options (rules, placeholders,
//   --format, --from/--to, --year, --tz, --carve, --keep-duplicates, archive passwords), and its
//   detections cite the submitter's input index, so the merged output is byte for byte the local
//   one. A worker whose rules differ from the submitter's (another rule table) fails the item,
//   said as that input's problem, rather than mislabel detections.
// - An input no worker finishes (no result for the job within the stall time) is reported as
//   failed with the reason; so is one a worker cannot read, with the reader's reason as a local
//   hunt gives it.
#pragma once

#include <atomic>
#include <cstdint>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "hunt/inputs.h"
#include "tansa/diagnostic.h"

namespace tansa::scale {

inline constexpr const char* kWorkStream = "TANSA_WORK";
inline constexpr const char* kResultStream = "TANSA_RESULTS";
inline constexpr const char* kWorkConsumer = "TANSA_WORKERS";
inline constexpr int kAckWaitS = 10;  // an item not acknowledged by then is delivered again

// What a worker needs to evaluate an input as the submitting hunt would.
struct JobSpec {
  std::string job;                 // the job's id: [0-9a-f]{16}
  std::string cwd;                 // the submitter's working folder: relative paths are in it
  std::vector<std::string> rules;  // rule paths as the submitter gave them (shared storage)
  std::string placeholders;        // empty: none
  std::string format;              // --format; empty: detect
  hunt::ReaderOptions reader;
  std::int64_t from_ns = 0, to_ns = 0;
  bool keep_duplicates = false;
  std::uint64_t seed1 = 0, seed2 = 0;  // keys of records seen in several inputs (duplicates.h)
  std::uint64_t rule_digest = 0;       // rules_digest() of the submitter's rules
};

// A fresh job id.
[[nodiscard]] std::string new_job_id();

// A fingerprint of a rule table (ids, titles, levels and order).
[[nodiscard]] std::uint64_t rules_digest(const std::vector<RuleInfo>& infos);

// The job's settings for an engine::Run (threads: the caller's).
[[nodiscard]] engine::Settings job_settings(const JobSpec& spec, unsigned threads);

using NoteFn = std::function<void(const std::string&)>;

struct SubmitOptions {
  std::string nats;     // server URLs, comma-separated
  int replicas = 1;     // of the two streams, when created
  int stall_s = 300;    // give up on the inputs left when no result came for this long
  bool verbose = true;  // notes on progress and redeliveries
};

struct SubmitTotals {
  hunt::Counters counters;             // events, bytes, files read and failed, as workers counted
  std::uint64_t attempts_ignored = 0;  // partial or duplicate attempts left out
  std::vector<std::pair<std::uint32_t, std::string>> failed;  // inputs no worker could finish
};

// Puts one item per input on TANSA_WORK and gives every detection of each input's accepted attempt
// to `run.add_base`, and the workers' diagnostics to `diag`. An error when the server cannot be
// used; inputs left unfinished are in the totals' `failed` (and reported through `diag`).
[[nodiscard]] std::expected<void, std::string> submit(engine::Run& run, const JobSpec& spec,
                                                      const std::vector<hunt::Input>& inputs,
                                                      const SubmitOptions& options,
                                                      const DiagnosticSink& diag, NoteFn note,
                                                      SubmitTotals& totals);

struct BatchWorkerOptions {
  std::string nats;
  std::vector<std::string> rules;  // instead of the job's; checked against its digest
  unsigned threads = 0;            // lanes per item; 0: all cores
  int replicas = 1;
  // After publishing the detections of an item that has any, wait this long before its end record
  // and acknowledgement (tests and demonstrations: a worker killed meanwhile leaves a partial
  // attempt that is delivered again).
  int hold_ms = 0;
};

// Takes items until `stop`; an error when the server cannot be used.
[[nodiscard]] std::expected<void, std::string> run_batch_worker(const BatchWorkerOptions& options,
                                                                const std::atomic<bool>& stop,
                                                                NoteFn note);

}  // namespace tansa::scale
