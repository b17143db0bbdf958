// Puts detections into hunt's one output order with bounded memory: detections accumulate in
// memory up to a budget, then are sorted and spilled to a temporary run file; the end merges the
// runs. Output is identical whatever the budget, thread count or arrival order.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "tansa/detection.h"

namespace tansa::hunt {

class DetectionSorter {
 public:
  // `budget_bytes` bounds the detections held in memory (footprint(), which counts what malloc
  // handed out for them; sorting adds 4 bytes a detection). Run files go to `tmp_dir` and are
  // removed when the sorter is destroyed.
  DetectionSorter(std::span<const RuleInfo> rules, std::size_t budget_bytes, std::string tmp_dir);
  ~DetectionSorter();
  DetectionSorter(const DetectionSorter&) = delete;
  DetectionSorter& operator=(const DetectionSorter&) = delete;

  // Thread-safe.
  [[nodiscard]] std::expected<void, std::string> add(Detection&& d);
  // Calls `fn` for every detection, in order. Call once, after the last add. `fn` may move
  // from the detection it is given: the sorter does not read it again.
  [[nodiscard]] std::expected<void, std::string> drain(const std::function<void(Detection&)>& fn);

  [[nodiscard]] std::size_t runs_spilled() const { return runs_.size(); }
  [[nodiscard]] std::uint64_t count() const { return count_; }

 private:
  std::expected<void, std::string> spill();
  // The pending detections' positions in output order.
  std::vector<std::uint32_t> sorted_pending() const;

  DetectionOrder order_;
  std::size_t budget_;
  std::string tmp_dir_;
  std::mutex mu_;
  // A deque, not a vector: it grows block by block, never by a doubling that holds the old and
  // the new array at once.
  std::deque<Detection> pending_;
  std::size_t pending_bytes_ = 0;
  std::uint64_t count_ = 0;
  std::vector<std::string> runs_;
  std::size_t max_record_ = 0;  // the longest serialized detection spilled
};

// Reads back a run file that DetectionSorter::spill wrote: records of (u64 length, serialized
// detection). The file is tansa's own, but it sits in a shared temporary folder, so every length is
// checked before it sizes anything: a record longer than `max_record` (the longest the sorter
// wrote), a truncated record, bytes that do not parse as a detection, or a rule index not below
// `rule_count` is an error naming the offset, never a quiet end of the run.
class RunReader {
 public:
  RunReader(std::FILE* f, std::string name, std::size_t max_record, std::size_t rule_count)
      : f_(f), name_(std::move(name)), max_record_(max_record), rule_count_(rule_count) {}
  // True with current() set, false at a clean end of file, or the reason the file is corrupt.
  [[nodiscard]] std::expected<bool, std::string> next();
  [[nodiscard]] const Detection& current() const { return current_; }
  [[nodiscard]] Detection& current() { return current_; }

 private:
  std::FILE* f_;
  std::string name_;
  std::size_t max_record_, rule_count_;
  std::uint64_t offset_ = 0;
  std::string buf_;
  Detection current_;
};

// The bytes a detection holds: the object, and what its strings and vectors took from malloc
// (capacity, header and rounding; none for a string short enough to sit inside the object).
std::size_t footprint(const Detection& d);

}  // namespace tansa::hunt
