// Sigma correlation rules over a stream of detections in time order.
//
// The correlator consumes the detections of single-event rules in their final order (event time,
// source reference, rule), so its results do not depend on file order or thread count, and
// produces correlation detections (which may feed further correlations). State is a map from
// (correlation, group-by key) to a window of recent events; windows older than their timespan are
// dropped as time advances, so memory follows the number of live keys, not the input size. The
// key is the unit of partitioning: live mode and scale-out keep one key's state on one worker.
//
// Semantics (docs/sigma.md, "Correlations"): windows slide; a condition with only lower bounds
// (gt, gte, neq) fires as soon as it holds, then that key's window starts afresh; a condition with
// an upper bound (lt, lte, eq) is judged when the window of the key's first event closes. temporal
// fires when every referenced rule has matched in the window; temporal_ordered when they matched
// in the listed order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sigma/ast.h"
#include "tansa/detection.h"
#include "tansa/diagnostic.h"

namespace tansa::correlate {

struct Rejection {
  std::string file, id, reason;
};

class Correlator {
 public:
  // `base` is the table of single-event rules (hits index it); correlations get the indices after
  // it, in the order of `rules()` beyond base.size(). Unusable correlations go to `rejected`.
  Correlator(std::span<const RuleInfo> base,
             const std::vector<std::shared_ptr<const sigma::CorrelationRule>>& rules,
             std::vector<Rejection>& rejected);
  ~Correlator();

  // Base rules followed by the correlations: the table every output should index.
  [[nodiscard]] const std::vector<RuleInfo>& rules() const;
  // True for a single-event rule that correlations use and none `generate`s: its detections only
  // feed them. Correlations' own detections are never hidden.
  [[nodiscard]] bool suppressed(std::uint32_t rule) const;
  [[nodiscard]] std::size_t size() const;  // correlations in use
  // True for a rule some correlation refers to: its detections must be fed to add().
  [[nodiscard]] bool feeds(std::uint32_t rule) const;
  // The fields of a rule's detections that correlations read (group-by, the counted field,
  // first_seen's watched fields), sorted. For a suppressed rule these are all a detection needs
  // to carry: its time, source and host aside, nothing else of it is ever shown.
  [[nodiscard]] std::vector<std::string> fields_read(std::uint32_t rule) const;

  // Feeds one detection (in time order); correlation detections go to `emit`.
  void add(const Detection& d, const std::function<void(Detection&&)>& emit);
  // Judges the windows still open (end of input).
  void finish(const std::function<void(Detection&&)>& emit);
  // Live (correlation, key) states, for memory checks.
  [[nodiscard]] std::size_t live_states() const;
  // Bounds the live states, windows and first_seen baselines counted together (default: none).
  // Beyond it the window due soonest (else any first_seen baseline) is dropped unjudged and
  // counted: memory stays bounded when an attacker sprays group-by values (a new source address
  // per attempt).
  void set_max_states(std::size_t n);
  [[nodiscard]] std::uint64_t evicted() const;
  // Bounds the entries one window keeps (default: none). Temporal windows already keep only the
  // first and newest of a run of one rule's events (whether they fire depends on nothing else), so
  // this bites only on counting windows that cannot fire yet (a threshold above the bound, an
  // upper bound judged at close, value counts): the oldest entry goes, and is counted.
  void set_max_events_per_state(std::size_t n);
  [[nodiscard]] std::uint64_t dropped_events() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tansa::correlate
