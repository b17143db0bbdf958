// Writers for streams of detections, one per output format of `hunt`. Each receives detections in
// final order (DetectionOrder) and escapes every log value for its destination (report/text.h).
#pragma once

#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <span>
#include <string>

#include "geo/geoip.h"
#include "tansa/detection.h"

namespace tansa::report {

// What every writer needs besides the detections: the rule table and the input paths that
// SourceRef::file indexes.
struct DetectionContext {
  std::span<const RuleInfo> rules;
  std::span<const std::string> sources;
  // Where external addresses are (country, AS): shown beside each address field, and as "geo" in
  // JSON lines. Null: no places, not even the log's own country fields.
  const geo::Resolver* geo = nullptr;
};

class DetectionWriter {
 public:
  virtual ~DetectionWriter() = default;
  virtual void write(const Detection& d) = 0;
  // Flushes; called once after the last detection.
  virtual void finish() = 0;
};

enum class OutputFormat : std::uint8_t { Table, Csv, Jsonl, Timesketch };

// `out` stays owned by the caller. `color` applies to Table only (ANSI colours by level).
std::unique_ptr<DetectionWriter> make_writer(OutputFormat format, std::FILE* out,
                                             const DetectionContext& ctx, bool color);

// One detection as a line of `hunt -o x.jsonl`, without the newline (watch's forwarding).
[[nodiscard]] std::string detection_json(const Detection& d, const DetectionContext& ctx);

// "file:record 123", "file:line 7" or "file:offset 0x1f" for a source reference.
// "file:recovered at offset 0x11a00" for a record carved from slack or unallocated space.
std::string describe_source(const DetectionContext& ctx, const SourceRef& ref);
// Several of them, joined by "; " (a detection's copies).
std::string describe_sources(const DetectionContext& ctx, std::span<const SourceRef> refs);

// Counts per level, rule and host, with each host's first and last hit (hunt --summary).
class Summary {
 public:
  void add(const Detection& d, const DetectionContext& ctx);
  void print(std::FILE* out, const DetectionContext& ctx, bool color) const;
  // The noisiest rules (ten detections or more, the five with most), each with the tansa.yml
  // line that lowers it one level (docs/tuning.md).
  void print_tuning_hints(std::FILE* out, const DetectionContext& ctx) const;
  [[nodiscard]] std::uint64_t total() const { return total_; }

 private:
  struct HostSpan {
    std::uint64_t count = 0;
    std::int64_t first = 0, last = 0;
  };
  std::uint64_t total_ = 0;
  std::map<std::uint32_t, std::uint64_t> by_rule_;
  std::map<std::string, HostSpan> by_host_;
};

}  // namespace tansa::report
