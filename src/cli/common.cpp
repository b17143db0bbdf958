#include <csignal>
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "report/text.h"

namespace tansa::cli {

DiagnosticSink DiagnosticPrinter::sink() {
  return [this](const Diagnostic& d) {
    std::lock_guard lock(mu_);
    if (++count_ <= limit_ && !quiet_)
      std::fprintf(stderr, "%s\n", report::terminal_safe(to_string(d)).c_str());
  };
}

void add_read_options(CLI::App* cmd, ReadOptions& o) {
  cmd->add_option("inputs", o.inputs, "Log files, folders (recursive) or - for standard input")
      ->required();
  cmd->add_option("--format", o.format,
                  "Read every input as this format (default: detect per file)");
  cmd->add_option("--from", o.from,
                  "Only events at or after this time (2024-01-05, 2024-01-05T03:00:00Z)");
  cmd->add_option("--to", o.to,
                  "Only events at or before this time (a bare date includes the whole day)");
  cmd->add_option("--threads", o.threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_flag("-q,--quiet", o.quiet, "No progress bar, problems or totals on standard error");
  add_year_tz_options(cmd, o.year, o.tz);
  cmd->add_option("--archive-password", o.archive_passwords,
                  "Password for encrypted archive members; repeatable (\"infected\" is always "
                  "tried)")
      ->allow_extra_args(false);
  cmd->add_flag("--keep-duplicates", o.keep_duplicates,
                "Evaluate every copy of a Windows record seen in several inputs (default: once, "
                "citing every source)");
  cmd->add_flag("--carve", o.carve,
                "Also carve EVTX records from chunk slack and damaged chunks (a cleared or wrapped "
                "log's old records); they are cited as recovered");
}

std::expected<engine::Settings, std::string> settings_of(const ReadOptions& o) {
  engine::Settings s;
  s.threads = o.threads;
  s.format = o.format;
  s.reader.year = o.year;
  s.reader.archive_passwords = o.archive_passwords;
  s.keep_duplicates = o.keep_duplicates;
  s.reader.carve = o.carve;
  if (!o.from.empty()) {
    auto t = engine::parse_time_bound(o.from, false);
    if (!t) return std::unexpected("--from: cannot read '" + o.from + "' as a date or time");
    s.from_ns = *t;
  }
  if (!o.to.empty()) {
    auto t = engine::parse_time_bound(o.to, true);
    if (!t) return std::unexpected("--to: cannot read '" + o.to + "' as a date or time");
    s.to_ns = *t;
  }
  auto z = tz_minutes_of(o.tz);
  if (!z) return std::unexpected(z.error());
  s.reader.tz_offset_minutes = *z;
  return s;
}

void add_year_tz_options(CLI::App* cmd, int& year, std::string& tz) {
  cmd->add_option("--year", year,
                  "Year of syslog timestamps that carry none (default: from the file's date, or "
                  "now when live)");
  cmd->add_option("--tz", tz, "Zone of timestamps that carry none, e.g. +09:00 (default UTC)");
}

std::expected<int, std::string> tz_minutes_of(const std::string& tz) {
  if (tz.empty()) return 0;
  auto z = engine::parse_tz(tz);
  if (!z) return std::unexpected("--tz: expected UTC or an offset such as +09:00");
  return *z;
}

report::OutputFormat format_of(const std::string& output) {
  if (output.empty() || output == "-") return report::OutputFormat::Table;
  const std::string ext = std::filesystem::path(output).extension().string();
  if (ext == ".csv") return report::OutputFormat::Csv;
  if (ext == ".jsonl" || ext == ".json" || ext == ".ndjson") return report::OutputFormat::Jsonl;
  return report::OutputFormat::Table;
}

namespace {

std::atomic<bool> g_stop{false};  // the one process-wide flag a signal handler may set

extern "C" void on_stop_signal(int) {
  g_stop.store(true);
}

}  // namespace

const std::atomic<bool>& stop_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  return g_stop;
}

void add_rule_selection_options(CLI::App* cmd, engine::RuleSelection& o) {
  cmd->add_option("--min-level", o.min_level,
                  "Only rules of this level or higher (informational .. critical)");
  cmd->add_option("--level", o.levels, "Only rules of these levels")->allow_extra_args(false);
  cmd->add_option("--rule", o.rule_ids, "Only these rule ids")->allow_extra_args(false);
  cmd->add_option("--exclude-rule", o.exclude_rule_ids, "Not these rule ids")
      ->allow_extra_args(false);
  cmd->add_option("--tag", o.tags,
                  "Only rules with this tag (attack.t1059 also selects attack.t1059.001)")
      ->allow_extra_args(false);
  cmd->add_option("--exclude-tag", o.exclude_tags, "Not rules with this tag")
      ->allow_extra_args(false);
  cmd->add_option("--status", o.statuses,
                  "Only rules of these statuses (stable, test, experimental...)")
      ->allow_extra_args(false);
  cmd->add_option("--exclude-status", o.exclude_statuses, "Not rules of these statuses")
      ->allow_extra_args(false);
}

void add_tuning_options(CLI::App* cmd, TuningOptions& o) {
  cmd->add_option("--config", o.config,
                  "Noise control from FILE (default: ~/.config/tansa/config.yml and the "
                  "collection's tansa.yml; docs/tuning.md)");
  cmd->add_flag("--no-config", o.no_config, "Read no tansa.yml, not even the collection's");
}

std::expected<engine::Tuning, std::string> tuning_of(const TuningOptions& o,
                                                     const ReadOptions& read, const char* command) {
  if (o.no_config) return engine::Tuning{};
  auto t = engine::load_tuning(o.config, read.inputs);
  if (t && !read.quiet)
    for (const auto& f : t->files())
      std::fprintf(stderr, "tansa %s: tuning from %s\n", command, report::terminal_safe(f).c_str());
  return t;
}

std::size_t DiagnosticPrinter::count() const {
  std::lock_guard lock(mu_);
  return count_;
}

}  // namespace tansa::cli
