// The hunt pipeline: every input is read by the reader its format calls for, every event goes
// through the rule matcher on the thread that decoded it, and every hit becomes a Detection fed
// to the sorter. Matching is abstracted as a per-thread function so this stage does not care how
// the rule engine is built; the CLI wires the Sigma matcher in.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/inputs.h"
#include "hunt/sorter.h"
#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::hunt {

// Finds the rules that fire on an event, appending their indices (into the run's RuleInfo
// table) to `hits`. One instance per thread; it may keep scratch state.
using MatchFn = std::function<void(const Event& e, std::vector<std::uint32_t>& hits)>;
using MatcherFactory = std::function<MatchFn()>;

// Reads one input, calling `emit` for each event (possibly from several threads when
// `threads` > 1). Returns false when the input could not be read at all. Registered per format.
struct ReaderContext {
  const Input* input;
  std::uint32_t file_index;
  unsigned threads;
  const DiagnosticSink* diag;
  std::atomic<std::uint64_t>* bytes_read;  // progress, may be null
  // For standard input: the bytes already consumed to detect its format, which come first.
  std::string_view stdin_head;
  bool compressed = false;  // gzip or zstd: readers must go through io::ByteSource
};
using ReaderFn =
    std::function<bool(const ReaderContext&, const std::function<void(const Event&)>& emit)>;

struct Format {
  std::string name;
  // True when the first bytes of a file (up to 64 KiB) look like this format.
  std::function<bool(std::string_view head, const std::string& path)> sniff;
  ReaderFn read;
  bool parallel_inside = false;  // the reader parallelises one file itself (EVTX chunks)
};

struct Options {
  unsigned threads = 1;
  std::string force_format;  // empty: detect per file
  std::int64_t from_ns = std::numeric_limits<std::int64_t>::min();
  std::int64_t to_ns = std::numeric_limits<std::int64_t>::max();
  std::vector<bool> rule_enabled;  // by rule index; empty: all
};

struct Counters {
  std::atomic<std::uint64_t> bytes_total{0};
  std::atomic<std::uint64_t> bytes_read{0};
  std::atomic<std::uint64_t> events{0};
  std::atomic<std::uint64_t> detections{0};
  std::atomic<std::uint64_t> files_read{0};
  std::atomic<std::uint64_t> files_failed{0};
  std::atomic<std::uint64_t> diagnostics{0};
};

class Pipeline {
 public:
  Pipeline(std::vector<Format> formats, MatcherFactory matcher, Options options);

  // Reads every input; detections go to `sorter`. Problems go to `diag` (counted in counters).
  void run(const std::vector<Input>& inputs, DetectionSorter& sorter, Counters& counters,
           const DiagnosticSink& diag);

  // The format for `input` (forced, or sniffed from its first bytes), or nullptr.
  [[nodiscard]] const Format* detect(const Input& input) const;
  // True when the input is gzip or zstd compressed.
  [[nodiscard]] bool compressed(const Input& input) const;

 private:
  void read_one(const Input& input, const Format* format, std::uint32_t index, unsigned threads,
                DetectionSorter& sorter, Counters& counters, const DiagnosticSink& diag);

  std::vector<Format> formats_;
  MatcherFactory matcher_;
  Options options_;
  mutable std::string stdin_head_;  // standard input's first bytes, read once to sniff it
  mutable bool stdin_sniffed_ = false;
};

}  // namespace tansa::hunt
