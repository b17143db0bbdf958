// The Sigma engine: load rules, compile them once into an immutable RuleSet, and match events
// against it from any number of threads, each with its own Matcher.
//
//   auto loaded = tansa::sigma::load_rules({"rules/"}, options, diag);   // bad rules -> diag
//   auto set = tansa::sigma::RuleSet::compile(std::move(loaded.rules), options, diag);
//   tansa::sigma::Matcher m(*set);                                        // one per thread
//   m.match(event, hits);                                                  // indices into
//   set->rules()
//
// Matching follows the Sigma specification v2.1 (docs/sigma.md lists every choice where it is
// silent). A rule that cannot be compiled is reported with its file, id and reason and left out;
// it never stops the others. The match path does not throw and, once a Matcher has seen events of
// a given size, does not allocate.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tansa/detection.h"
#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::sigma {

struct Rule;             // parsed rule (src/sigma/ast.h)
struct CorrelationRule;  // parsed correlation (src/sigma/ast.h)
struct CompiledSet;      // compiled form (src/sigma/compiler.h)

struct Options {
  // Values for `|expand` placeholders (`%Admins%` -> values). Rules whose placeholders have no
  // value here are rejected with a reason that names the placeholder.
  std::map<std::string, std::vector<std::string>> placeholders;
  // Build the literal prefilter (Vectorscan). Off gives the "evaluate every candidate" engine.
  bool prefilter = true;
  // Use the Channel/EventID/log source index. Off evaluates every rule on every event (the
  // baseline benchmarks compare against).
  bool index = true;
  // Threads for loading and compiling rules; 0: every core.
  unsigned threads = 0;
  // A folder for what loading and compiling keep between runs, empty: none. The parsed rules
  // (src/sigma/rule_cache.h: keyed by every rule file's path and bytes, the placeholders and
  // tansa's version) and the compiled literal databases (Vectorscan's, keyed by their literals
  // and Vectorscan's version). Files that do not read back are ignored (and noted) and replaced.
  std::string cache_dir;
  // The log source map as YAML (the format of src/sigma/logsources.yml); empty: the built-in map.
  std::string logsources_yaml;
};

// A rule that was not loaded, and why: one line of `tansa rules check`.
struct Rejection {
  std::string file;
  std::string id;  // may be empty when the document has none
  std::string title;
  std::string reason;    // full reason, for the user
  std::string category;  // short reason class, for totals ("unsupported regex", ...)
};

struct LoadResult {
  std::vector<std::shared_ptr<const Rule>> rules;  // detection rules, in file order
  std::vector<Rejection> rejected;
  std::size_t documents = 0;     // YAML documents seen
  std::size_t filters = 0;       // filter documents applied
  std::size_t correlations = 0;  // correlation documents
  std::vector<std::shared_ptr<const CorrelationRule>> correlation_rules;  // in file order
  // What loading noted for the user beside rejected rules (a rule cache file ignored, and why).
  std::vector<std::string> notes;
  // The parsed rules came from the rule cache (src/sigma/rule_cache.h), not from yaml-cpp.
  bool from_cache = false;
  // Rule files listed, and those opened and read this run (with a cache folder, a file unchanged
  // since an earlier run hashed it is not read unless its rules must be parsed).
  std::size_t files = 0, files_read = 0;
};

// Loads every *.yml / *.yaml under `paths` (files or folders, recursive, sorted). Filter
// documents are applied to the rules they name. With options.cache_dir, the parsed result is
// taken from the rule cache when every file's bytes are those it was made from, and kept there
// otherwise. Nothing here throws.
LoadResult load_rules(const std::vector<std::string>& paths, const Options& options);
// Loads rules from YAML text (several documents allowed); `name` labels rejections.
LoadResult load_rules_text(std::string_view yaml, const std::string& name, const Options& options);

// Reads placeholder values for `|expand` from a YAML map of name -> value or list of values.
[[nodiscard]] std::expected<std::map<std::string, std::vector<std::string>>, std::string>
load_placeholders(const std::string& path);

class Matcher;

// Immutable after compile; share it between threads.
class RuleSet {
 public:
  // Compiles `rules`; those that cannot be compiled are appended to `rejected`.
  [[nodiscard]] static std::shared_ptr<const RuleSet> compile(
      const std::vector<std::shared_ptr<const Rule>>& rules, const Options& options,
      std::vector<Rejection>& rejected);
  ~RuleSet();

  // One entry per compiled rule; Matcher hits index this table.
  [[nodiscard]] std::span<const RuleInfo> rules() const;
  [[nodiscard]] std::size_t size() const { return rules().size(); }

  // What compiling noted beside rejected rules (the prefilter off and why, a cache file ignored).
  [[nodiscard]] const std::vector<std::string>& notes() const;

  // Internal representation (src/sigma/compiler.h).
  [[nodiscard]] const CompiledSet& compiled() const { return *set_; }

  explicit RuleSet(std::unique_ptr<CompiledSet> set);

 private:
  std::unique_ptr<CompiledSet> set_;
};

// Loading and compiling in one step, which is what a run needs. With a cache folder
// (Options::cache_dir), a warm start takes the compiled rule set from it
// (src/sigma/compiled_cache.h: keyed like the parsed rules, plus the compile options) and neither
// parses nor compiles; then `loaded.rules` is empty and `loaded.from_cache` is true.
// `loaded.rejected` holds the rules rejected by loading and by compiling, in that order.
struct Compiled {
  LoadResult loaded;
  std::shared_ptr<const RuleSet> set;
};
[[nodiscard]] Compiled load_and_compile(const std::vector<std::string>& paths,
                                        const Options& options);

// Per-thread matching state. Not thread-safe; create one per thread.
class Matcher {
 public:
  explicit Matcher(const RuleSet& set);
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // Appends the index of every rule that fires on `e` to `hits` (each rule at most once, in
  // ascending order).
  void match(const Event& e, std::vector<std::uint32_t>& hits);

  // Rules (rule variants) fully evaluated since construction, for benchmarks.
  [[nodiscard]] std::uint64_t evaluated() const;
  // Events whose literal prefilter scan failed (Vectorscan could not allocate scratch or the scan
  // returned an error) and that were matched against every candidate rule instead: slower, never
  // a missed detection. The caller reports a non-zero count once.
  [[nodiscard]] std::uint64_t scan_failures() const;
  // Makes every later scan fail as if scratch could not be allocated (tests of the fallback).
  void fail_scans_for_testing();

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace tansa::sigma
