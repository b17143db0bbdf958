// The per-event core of `tansa watch`, independent of where events come from (followed files,
// syslog listeners, standard input; later a message queue): each event through the compiled rules,
// single-event detections out at once, and the correlations run on event time behind a watermark.
//
//   Processor p(rules, {.lateness_ns = 60e9}, emit);
//   auto s = p.add_stream("/var/log/auth.log", "f:2049:1234:0");   // SourceRef::file of its events
//   p.process(event);        // event.source.file == s; matched now; detections to `emit`
//   p.advance(now);          // correlations fed up to the watermark (now: the caller's clock)
//
// What it promises:
// - Event time, not arrival time, drives the correlations. Each stream has its own clock (its
//   latest event time); the watermark is the slowest active stream's clock minus the lateness, so
//   a file read a moment after a syslog message of later time does not make the file's events
//   late. A stream that has sent nothing for `idle_ns` (of the caller's clock) stops holding the
//   watermark back; when every stream is idle, everything waiting is released. A base detection
//   waits in a bounded buffer until the watermark passes it, then goes to the correlator in hunt's
//   one order (time, source, rule). An event older than what the correlator has already been fed
//   is late: its own rules still fire, but it is not correlated, and it is counted.
// - Every detection carries a key (rule id, the stream's identity, the event's position in it,
//   and for correlations the group-by values): the same event read again after a restart gives
//   the same key, so the caller can refuse to write a detection twice.
// - Nothing here reads input, keeps files or threads: a worker owning a subset of hosts feeds only
//   their events and gets the same results as one process fed everything for those hosts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "correlate/correlator.h"
#include "engine/engine.h"
#include "tansa/detection.h"
#include "tansa/event.h"

namespace tansa::watch {

struct ProcessorOptions {
  std::int64_t lateness_ns = 60'000'000'000;
  // Bytes of base detections held for the correlations at most (each holds only the fields the
  // correlations read); beyond it the watermark is pushed forward (and what is released early is
  // counted), so memory stays bounded under any rate.
  std::size_t max_buffered_bytes = std::size_t{64} << 20;
  // How long a stream may be silent (in advance()'s clock) before it stops holding the watermark
  // back.
  std::int64_t idle_ns = 5'000'000'000;
  // Live correlation states (one per correlation and group-by value) at most; beyond it the one
  // due soonest is dropped unjudged and counted (a spray of source addresses cannot exhaust
  // memory). About 300 bytes each.
  std::size_t max_states = 500'000;
  // Entries one correlation window keeps at most (correlate::Correlator::set_max_events_per_state);
  // beyond it the oldest goes and is counted.
  std::size_t max_events_per_state = 10'000;
};

struct ProcessorCounters {
  std::uint64_t events = 0;
  std::uint64_t late = 0;        // events older than the correlations' clock: not correlated
  std::uint64_t detections = 0;  // passed to emit (before any deduplication by the caller)
  std::uint64_t forced = 0;      // base detections released early because the buffer was full
  std::uint64_t evicted = 0;     // correlation states dropped unjudged because there were too many
  std::uint64_t dropped_events = 0;  // entries dropped from windows that held too many
  std::uint64_t scan_failures = 0;
};

// Receives each detection with its key. The detection's rule indexes rules.infos().
using EmitFn = std::function<void(const Detection&, const std::string& key)>;

class Processor {
 public:
  Processor(engine::Rules& rules, ProcessorOptions options, EmitFn emit);
  ~Processor();
  Processor(const Processor&) = delete;
  Processor& operator=(const Processor&) = delete;

  // A source of events: `name` is shown in detections, `identity` must be the same for the same
  // bytes after a restart (a file: device, inode and truncation generation). Returns the index
  // events of that stream carry in SourceRef::file.
  std::uint32_t add_stream(std::string name, std::string identity);
  [[nodiscard]] const std::vector<std::string>& stream_names() const { return names_; }
  // Events processed per stream, in stream order.
  [[nodiscard]] const std::vector<std::uint64_t>& stream_events() const { return stream_events_; }

  // One event, its source already set. Single-event detections go to emit before this returns.
  void process(const Event& e);
  // Feeds the correlations every buffered detection the watermark has passed. `now_ns` is the
  // caller's monotonic clock (it also stamps the streams' events until the next call); when every
  // stream has been idle for idle_ns, every buffered detection is released.
  void advance(std::int64_t now_ns);

  // The watermark: event times below it are late. INT64_MIN before the first event.
  [[nodiscard]] std::int64_t clock() const { return fed_to_; }
  // The earliest event time the correlations may still need (their longest timespan behind the
  // clock, and what is still buffered): a restart that re-reads every event from this time on
  // rebuilds the correlation state exactly. INT64_MAX when nothing is needed.
  [[nodiscard]] std::int64_t needed_since() const;
  [[nodiscard]] const ProcessorCounters& counters() const { return counters_; }
  [[nodiscard]] const std::vector<RuleInfo>& rules() const { return rules_.infos(); }
  [[nodiscard]] std::size_t buffered() const { return buffer_.size(); }
  [[nodiscard]] std::size_t buffered_bytes() const { return buffered_bytes_; }
  [[nodiscard]] std::size_t correlation_states() const;

 private:
  struct Later {
    const std::vector<RuleInfo>* rules;
    bool operator()(const Detection& a, const Detection& b) const;
  };
  void feed(const Detection& d);
  void release_top();
  void emit(const Detection& d);
  std::string key_of(const Detection& d) const;

  engine::Rules& rules_;
  ProcessorOptions options_;
  EmitFn emit_;
  sigma::Matcher matcher_;
  std::unique_ptr<correlate::Correlator> correlator_;
  std::vector<std::uint32_t> hits_;
  // Per rule that feeds correlations: the fields they read (what a buffered copy keeps).
  std::vector<std::optional<std::vector<FieldId>>> slim_;
  std::size_t buffered_bytes_ = 0;
  std::vector<std::string> names_, identities_;
  std::vector<std::uint64_t> stream_events_;
  std::vector<std::int64_t> stream_max_;    // per stream: its latest event time
  std::vector<std::int64_t> stream_touch_;  // per stream: the clock when it last sent an event
  std::int64_t now_ = 0;
  std::priority_queue<Detection, std::vector<Detection>, Later> buffer_;
  std::int64_t max_time_ = INT64_MIN;  // latest event time seen
  std::int64_t fed_to_ = INT64_MIN;    // the correlator has been fed every detection up to here
  std::int64_t max_timespan_ = 0;      // longest correlation timespan
  ProcessorCounters counters_;
};

}  // namespace tansa::watch
