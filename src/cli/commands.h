// Each subcommand lives in its own file and registers itself on the root app; main stays tiny.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <cstddef>
#include <expected>
#include <mutex>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/selection.h"
#include "engine/tuning.h"
#include "report/detections.h"
#include "tansa/diagnostic.h"

namespace tansa::cli {

// What every command that reads logs takes, the same way: the inputs (files, folders, -),
// --format, --from/--to, --threads, --year, --tz and -q.
struct ReadOptions {
  std::vector<std::string> inputs;
  std::string format, from, to, tz;
  unsigned threads = 0;
  int year = 0;
  bool quiet = false;
  std::vector<std::string> archive_passwords;
  bool keep_duplicates = false;  // --keep-duplicates
  bool carve = false;            // --carve
};
void add_read_options(CLI::App* cmd, ReadOptions& o);
// --year and --tz, for commands that read syslog without the rest of ReadOptions (watch, publish,
// investigate).
void add_year_tz_options(CLI::App* cmd, int& year, std::string& tz);
// --tz in minutes east of UTC (0 when empty); the error names the option.
[[nodiscard]] std::expected<int, std::string> tz_minutes_of(const std::string& tz);
// The engine's settings from them; an error names the option that cannot be read.
[[nodiscard]] std::expected<engine::Settings, std::string> settings_of(const ReadOptions& o);

// The noise control a command reads (engine/tuning.h): --config, or the user's and the
// collection's tansa.yml, none with --no-config; each file used is named on standard error
// unless quiet.
struct TuningOptions {
  std::string config;
  bool no_config = false;
};
void add_tuning_options(CLI::App* cmd, TuningOptions& o);
[[nodiscard]] std::expected<engine::Tuning, std::string> tuning_of(const TuningOptions& o,
                                                                   const ReadOptions& read,
                                                                   const char* command);

// --min-level, --level, --rule, --exclude-rule, --tag, --exclude-tag, --status, --exclude-status
// (engine/selection.h), as hunt and watch take them.
void add_rule_selection_options(CLI::App* cmd, engine::RuleSelection& o);

// Installs SIGINT and SIGTERM handlers that set the returned flag (and ignores SIGPIPE): how the
// long-running commands (watch, its workers, publish, worker) learn to stop. One flag per process.
[[nodiscard]] const std::atomic<bool>& stop_on_signals();

// An output's format by its file's extension: .csv, .jsonl (.json, .ndjson), else the table
// (also for standard output: empty or -).
[[nodiscard]] report::OutputFormat format_of(const std::string& output);

// Each returns the subcommand it added; the callback it sets stores the exit status in `status`.
void add_dump_command(CLI::App& app, int& status);
void add_rules_command(CLI::App& app, int& status);
void add_hunt_command(CLI::App& app, int& status);
void add_investigate_command(CLI::App& app, int& status);
void add_simulate_command(CLI::App& app, int& status);
void add_demo_command(CLI::App& app, int& status);
void add_metrics_command(CLI::App& app, int& status);
void add_logons_command(CLI::App& app, int& status);
void add_search_command(CLI::App& app, int& status);
void add_pivots_command(CLI::App& app, int& status);

// Prints problems with the input on standard error, terminal-safe, the first `limit` of them
// (none when quiet), and counts them all. Thread-safe; the sink refers to this object.
class DiagnosticPrinter {
 public:
  DiagnosticPrinter(bool quiet, std::size_t limit) : quiet_(quiet), limit_(limit) {}
  [[nodiscard]] DiagnosticSink sink();
  [[nodiscard]] std::size_t count() const;

 private:
  mutable std::mutex mu_;
  std::size_t count_ = 0;
  bool quiet_;
  std::size_t limit_;
};

// Runs `tansa investigate` on `inputs` (for `tansa demo`); returns its exit status.
int investigate_files(const std::vector<std::string>& inputs, const std::string& assets,
                      const std::string& claim, const std::string& output, bool quiet);

}  // namespace tansa::cli
