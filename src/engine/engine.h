// The engine: one run of tansa over a set of inputs, below every command that reads logs.
//
//   auto rules = engine::Rules::load({paths, placeholders, threads});     // once, immutable
//   engine::Run run(*rules, settings);                                      // one run
//   run.read(inputs, diag, hooks);         // every event: matched on its lane, then the hook
//   run.drain(show, problem);              // detections in their one order, correlations merged
//
// What a run promises:
// - A Windows record read from several inputs (a shadow copy beside the live log) is evaluated
//   once and its detections list every source, unless Settings::keep_duplicates.
// - Rules are loaded and compiled once and shared read-only by every thread and every run; each
//   run has its own correlation engine (its state: windows, baselines), used only while
//   draining.
// - Per-thread state is explicit: the run owns one lane per thread (a matcher, its hit buffer,
//   and the command's hook), and the reading stage (src/hunt/pipeline.h) never runs a lane on two
//   threads at once. Nothing is kept in process-wide or thread_local state, so two runs in one
//   process (a batch run beside a live one, or tests) cannot see each other's rules.
// - The detection stream has one order (time, file, record, rule), whatever the thread count;
//   a detection that cannot be kept fails the drain rather than shortening the stream.
// - A live run is the same engine: it differs only in its inputs and in when it drains.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "correlate/correlator.h"
#include "engine/duplicates.h"
#include "hunt/formats.h"
#include "hunt/inputs.h"
#include "hunt/pipeline.h"
#include "hunt/sorter.h"
#include "tansa/diagnostic.h"
#include "tansa/event.h"
#include "tansa/sigma.h"

namespace tansa::engine {

// The rules shipped with tansa: TANSA_RULES when set, else the first folder of
// rule_pack_candidates() that exists. Empty: none found.
[[nodiscard]] std::vector<std::string> default_rule_paths();

// Where tansa looks for its rule pack, in order, from the binary's real folder BIN (links
// resolved): BIN/rules (beside the binary), BIN/../rules (the source tree for a build in
// build/), BIN/../share/tansa/rules (installed: /usr/bin/tansa finds /usr/share/tansa/rules).
// Empty when the binary's own path cannot be read.
[[nodiscard]] std::vector<std::string> rule_pack_candidates();

// "+09:00", "-0500", "+09", "UTC", "Z" -> minutes east of UTC; nullopt when unreadable.
[[nodiscard]] std::optional<int> parse_tz(std::string_view zone);

// A --from/--to bound: an ISO date or time. With `end_of_day`, a bare date means its last
// nanosecond (so --to 2024-01-05 includes the whole day).
[[nodiscard]] std::optional<std::int64_t> parse_time_bound(std::string_view text, bool end_of_day);

// Where compiled literal databases are kept between runs: $TANSA_CACHE ("off" or empty: none),
// else $XDG_CACHE_HOME/tansa, else ~/.cache/tansa; created when missing. Empty: no cache (none
// configured, or the folder cannot be made).
[[nodiscard]] std::string default_cache_dir();

struct RuleOptions {
  std::vector<std::string> paths;        // rule files or folders; empty: default_rule_paths()
  std::string placeholders;              // YAML file of %placeholder% values; empty: none
  unsigned threads = 0;                  // for compiling; 0: all cores
  std::optional<std::string> cache_dir;  // unset: default_cache_dir(); empty: no cache
};

// A loaded and compiled rule set with its correlations. Immutable after load: correlator() answers
// what the correlations are (their rule table, which rules only feed them, the fields they read);
// each Run keeps correlation state of its own.
class Rules {
 public:
  // Fails when no rule path is given or found, or the placeholders file cannot be read. Rules
  // that cannot be used are kept in rejected()/correlation_rejected(), not an error.
  [[nodiscard]] static std::expected<std::unique_ptr<Rules>, std::string> load(
      const RuleOptions& options);
  // No rules at all: for commands that only read (metrics, logons), every event reaching the
  // lanes' hooks and no detection.
  [[nodiscard]] static std::unique_ptr<Rules> none();
  // Rules from YAML text (a command's own, such as `search`'s); `name` labels rejections. An
  // error when no rule in it can be used, with the reasons.
  [[nodiscard]] static std::expected<std::unique_ptr<Rules>, std::string> from_text(
      std::string_view yaml, const std::string& name);

  [[nodiscard]] const sigma::RuleSet& set() const { return *set_; }
  [[nodiscard]] const correlate::Correlator& correlator() const { return *correlator_; }
  [[nodiscard]] const std::vector<std::shared_ptr<const sigma::CorrelationRule>>&
  correlation_rules() const {
    return correlation_rules_;
  }
  // Every rule a detection may name: the compiled rules, then the correlations.
  [[nodiscard]] const std::vector<RuleInfo>& infos() const { return correlator_->rules(); }
  [[nodiscard]] const std::vector<sigma::Rejection>& rejected() const { return rejected_; }
  [[nodiscard]] const std::vector<correlate::Rejection>& correlation_rejected() const {
    return correlation_rejected_;
  }
  [[nodiscard]] const std::vector<std::string>& paths() const { return paths_; }
  // What loading and compiling noted (a rule cache file ignored, the prefilter off and why): for
  // the user to see.
  [[nodiscard]] const std::vector<std::string>& notes() const { return notes_; }
  // The parsed rules came from the rule cache (no YAML was parsed).
  [[nodiscard]] bool from_cache() const { return from_cache_; }

 private:
  std::vector<std::string> paths_;
  std::shared_ptr<const sigma::RuleSet> set_;
  std::unique_ptr<correlate::Correlator> correlator_;
  std::vector<std::shared_ptr<const sigma::CorrelationRule>> correlation_rules_;
  std::vector<sigma::Rejection> rejected_;
  std::vector<correlate::Rejection> correlation_rejected_;
  std::vector<std::string> notes_;
  bool from_cache_ = false;
};

// What a command adds per event beside matching (fact extraction for investigate, logon rows
// for logons). One hook per lane, called after the lane's matcher has seen the event; a hook is
// never called from two threads at once.
class EventHook {
 public:
  virtual ~EventHook() = default;
  virtual void on_event(const Event& e) = 0;
};
using HookFactory = std::function<std::unique_ptr<EventHook>(unsigned lane)>;

struct Settings {
  unsigned threads = 0;  // lanes; 0: all cores
  std::string format;    // read every input as this format; empty: detect per file
  hunt::ReaderOptions reader;
  std::int64_t from_ns = std::numeric_limits<std::int64_t>::min();
  std::int64_t to_ns = std::numeric_limits<std::int64_t>::max();
  // Rules whose detections are kept, by index into Rules::infos(); empty: all. Ignored when the
  // rule set has correlations, which must see every base detection (the caller filters on show).
  std::vector<bool> rule_enabled;
  std::size_t sort_memory = std::size_t{256} << 20;  // detections held before the sort spills
  std::string temp_dir;                              // spill files; empty: the system's
  // The same Windows record in several inputs is one event (engine/duplicates.h): evaluated
  // once, its detections citing every source. True: every copy is evaluated on its own.
  bool keep_duplicates = false;
};

class Run {
 public:
  // `formats` defaults to every built-in reader (configured by settings.reader); tests pass
  // their own.
  Run(Rules& rules, Settings settings, std::optional<std::vector<hunt::Format>> formats = {});
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // An error when settings.format names no reader (listing the names there are).
  [[nodiscard]] std::expected<void, std::string> check() const;

  // Reads every input: each event goes through the rules on the lane that decoded it, then to
  // that lane's hook (when `hooks` is set). Problems go to `diag`. May be called once.
  void read(const std::vector<hunt::Input>& inputs, const DiagnosticSink& diag,
            const HookFactory& hooks = {});

  // Evaluation split across processes (src/scale, `tansa hunt --nats`, `tansa worker`): a worker
  // reads its inputs with read_base(), the submitting run takes every worker's detections with
  // add_base() instead of reading, and its drain() gives exactly what read() then drain() would
  // over all the inputs (the same order, correlations and duplicates).
  //
  // A detection as read() keeps it before the correlations (those of rules that only feed
  // correlations slimmed to the fields they read), with the key of its record under the run's
  // shared seeds when duplicates are merged (settings.keep_duplicates false) and it has one.
  using BaseSink = std::function<void(Detection&&, const std::optional<RecordKey>&)>;
  // Reads like read(), but every copy of a record is evaluated and every detection goes to `sink`
  // (from the reading threads, never two at once) instead of this run; the seeds key records.
  void read_base(const std::vector<hunt::Input>& inputs, const DiagnosticSink& diag,
                 std::uint64_t seed1, std::uint64_t seed2, const BaseSink& sink);
  // A detection read_base() gave elsewhere, its source citing this run's inputs; in place of
  // read(). Not thread-safe. An error when it cannot be kept (the drain then fails too).
  [[nodiscard]] std::expected<void, std::string> add_base(Detection&& d,
                                                          const std::optional<RecordKey>& key);

  // The lanes' hooks after read(), in lane order, for the command to merge.
  [[nodiscard]] const std::vector<std::unique_ptr<EventHook>>& hooks() const { return hooks_; }

  // Progress and totals; safe to read from another thread while read() runs.
  [[nodiscard]] const hunt::Counters& counters() const { return counters_; }

  // Passes every detection to `show` in the one output order, with the correlations' detections
  // merged in. Detections of rules that only feed correlations (no correlation using them says
  // `generate: true`) are not passed on: they carry only the fields the correlations read.
  // Problems keeping a detection go to `problem`, and any lost detection makes this an error.
  [[nodiscard]] std::expected<void, std::string> drain(
      const std::function<void(const Detection&)>& show,
      const std::function<void(const std::string&)>& problem);

  // The first half of drain(), which it runs itself when not called: every detection through
  // the correlations into the final order. A caller with other work to overlap (investigate
  // builds its database's indexes meanwhile) calls it first; drain() then only passes them on.
  [[nodiscard]] std::expected<void, std::string> correlate(
      const std::function<void(const std::string&)>& problem);

  // Copies of records already seen, not evaluated again (0 with keep_duplicates); after read().
  // After add_base(): later copies of records with detections only.
  [[nodiscard]] std::uint64_t duplicates_dropped() const {
    return duplicates_ ? duplicates_->dropped() : copies_.dropped();
  }

  [[nodiscard]] unsigned threads() const { return threads_; }
  [[nodiscard]] Rules& rules() { return rules_; }

 private:
  struct Lane;
  std::expected<void, std::string> pass_through_correlations(
      const std::function<void(const std::string&)>& problem);
  Rules& rules_;
  std::unique_ptr<correlate::Correlator> correlator_;  // this run's correlation state
  Settings settings_;
  unsigned threads_;
  hunt::Pipeline pipeline_;
  hunt::DetectionSorter sorter_;
  hunt::Counters counters_;
  std::vector<std::unique_ptr<Lane>> lanes_;
  std::vector<std::unique_ptr<EventHook>> hooks_;
  std::unique_ptr<DuplicateFilter> duplicates_;  // null with keep_duplicates
  CopyResolver copies_;                          // add_base()'s records seen at several sources
  void read_lanes(const std::vector<hunt::Input>& inputs, const DiagnosticSink& diag,
                  const HookFactory& hooks, const BaseSink* sink, std::uint64_t seed1,
                  std::uint64_t seed2);
  // A detection leaving the sorter: false for a later copy's (add_base()); else with its copies.
  [[nodiscard]] bool resolve_copies(const Detection& d, Detection& out) const;
  // After correlate(): every shown detection in order, correlations' included; the error that
  // broke the stream, if any.
  std::unique_ptr<hunt::DetectionSorter> merged_;
  std::optional<std::expected<void, std::string>> correlated_;
  std::string lost_;  // the first detection the correlations' pass could not keep
  // Per base rule: the fields to keep when its detections only feed correlations.
  std::vector<std::optional<std::vector<FieldId>>> slim_;
};

}  // namespace tansa::engine
