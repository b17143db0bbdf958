// Reading: every input is read by the reader its format calls for, and every event is handed to
// one of the run's lanes, on the thread that decoded it. A lane is the caller's per-thread state
// (a matcher, a fact collector): the pipeline never runs one lane on two threads at once, so a
// lane needs no lock. Matching and what commands add per event live above this stage
// (src/engine); this one only schedules the readers.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hunt/inputs.h"
#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::hunt {

// Receives the events of one lane.
using Emit = std::function<void(const Event&)>;

// Reads one input, calling `emit` for each event. A reader that parallelises one file itself
// (parallel_inside) uses `threads` workers and sends worker k's events to lanes[k] instead.
// Returns false when the input could not be read at all. Registered per format.
struct ReaderContext {
  const Input* input;
  std::uint32_t file_index;
  unsigned threads;
  const DiagnosticSink* diag;
  std::atomic<std::uint64_t>* bytes_read;  // progress, may be null
  // For standard input: the bytes already consumed to detect its format, which come first.
  std::string_view stdin_head;
  bool compressed = false;             // gzip or zstd: readers must go through io::ByteSource
  std::span<const Emit> lanes;         // `threads` of them; lanes[0] is `emit`
  std::vector<std::uint8_t>* scratch;  // the calling lane's reusable buffer
  // An archive member's bytes, read whole (io/archive.h); readers use them instead of the path.
  bool in_memory = false;
  std::string_view memory;
};
using ReaderFn = std::function<bool(const ReaderContext&, const Emit& emit)>;

struct Format {
  std::string name;
  // True when the first bytes of a file (up to 64 KiB) look like this format.
  std::function<bool(std::string_view head, const std::string& path)> sniff;
  ReaderFn read;
  bool parallel_inside = false;  // the reader parallelises one file itself (EVTX chunks)
};

struct Options {
  std::string force_format;  // empty: detect per file
  std::int64_t from_ns = std::numeric_limits<std::int64_t>::min();
  std::int64_t to_ns = std::numeric_limits<std::int64_t>::max();
  std::vector<std::string> archive_passwords;  // tried in turn on encrypted archive members
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
  Pipeline(std::vector<Format> formats, Options options);

  // Reads every input with one thread per lane (the calling thread is one of them). Events outside
  // [from_ns, to_ns] are counted and dropped. Problems go to `diag`.
  void run(const std::vector<Input>& inputs, std::span<const Emit> lanes, Counters& counters,
           const DiagnosticSink& diag);

  [[nodiscard]] const std::vector<Format>& formats() const { return formats_; }

  // The format for `input` (forced, or sniffed from its first bytes), or nullptr.
  [[nodiscard]] const Format* detect(const Input& input) const;
  // True when the input is gzip or zstd compressed.
  [[nodiscard]] bool compressed(const Input& input) const;

 private:
  void read_one(const Input& input, const Format* format, std::uint32_t index,
                std::span<const Emit> lanes, std::vector<std::uint8_t>& scratch, Counters& counters,
                const DiagnosticSink& diag, const std::string* memory = nullptr);
  // Reads the members `members` (indexes into `inputs`, one archive, in its order) one after
  // another from one pass over the archive.
  void read_archive(const std::vector<Input>& inputs, std::span<const std::uint32_t> members,
                    std::span<const Emit> lanes, std::vector<std::uint8_t>& scratch,
                    Counters& counters, const DiagnosticSink& diag);
  [[nodiscard]] const Format* detect_head(std::string_view head, const std::string& path) const;

  std::vector<Format> formats_;
  Options options_;
  mutable std::string stdin_head_;  // standard input's first bytes, read once to sniff it
  mutable bool stdin_sniffed_ = false;
};

}  // namespace tansa::hunt
