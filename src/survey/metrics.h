// What a collection holds (`tansa metrics`): per file, and per host and log source, the first and
// last event, how many events, the EVTX record id range and the ids missing from it, the most
// frequent event ids, and the silences longer than the gap. The first command of an investigation:
// an empty, truncated or cleared log is visible here, not a silent nothing later.
//
// Collected per reading lane (an engine::EventHook) and merged; memory follows the number of
// silences and record holes, not the number of events (investigate::Coverage).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "investigate/facts.h"

namespace tansa::survey {

struct EventIdCount {
  int id = 0;
  std::uint64_t events = 0;
};

struct Silence {
  std::int64_t start = 0, end = 0;  // the last event before, the first after
};

struct LogMetrics {
  std::string file;          // per-file rows: the input; per-stream rows: empty
  std::string host, source;  // per-stream rows
  std::uint64_t events = 0;
  std::int64_t first = 0, last = 0;
  std::uint64_t first_record = 0, last_record = 0;  // 0: no record ids (not EVTX)
  std::uint64_t missing_records = 0;                // ids between first and last never seen
  std::size_t record_holes = 0;                     // runs of missing ids
  std::vector<EventIdCount> top_event_ids;          // the ten most frequent, most first
  std::vector<Silence> silences;                    // longer than the gap, in time order
};

struct Metrics {
  std::int64_t gap_ns = 0;
  std::vector<LogMetrics> files;    // in input order
  std::vector<LogMetrics> streams;  // by host, then source
};

// One lane's collector.
class MetricsHook final : public engine::EventHook {
 public:
  explicit MetricsHook(std::int64_t gap_ns) : by_stream_(gap_ns), by_file_(gap_ns) {}
  void on_event(const Event& e) override;

 private:
  friend class MetricsCollector;
  investigate::Coverage by_stream_, by_file_;
};

// Merges the lanes' hooks into the metrics of a run over `files` (the inputs, by index).
class MetricsCollector {
 public:
  explicit MetricsCollector(std::int64_t gap_ns) : gap_ns_(gap_ns) {}
  [[nodiscard]] engine::HookFactory hooks() const;
  [[nodiscard]] Metrics finish(const std::vector<std::unique_ptr<engine::EventHook>>& lanes,
                               const std::vector<std::string>& files) const;

 private:
  std::int64_t gap_ns_;
};

// A Windows event's EventID whatever type the reader gave it; 0 when there is none.
[[nodiscard]] int windows_event_id(const Event& e);

// A stream's row from what coverage collected.
[[nodiscard]] LogMetrics metrics_of(const investigate::Stream& s);

}  // namespace tansa::survey
