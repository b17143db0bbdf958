// The first-hour commands: `tansa metrics` (what a collection holds: survey/metrics.h) and
// `tansa logons` (who logged on from where: survey/logons.h), which read without rules; `tansa
// search` (one rule made from the query: survey/search.h); `tansa pivots` (what the strong
// detections name: survey/pivots.h).
#include "report/survey.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/geo_options.h"
#include "cli/progress.h"
#include "engine/engine.h"
#include "report/detections.h"
#include "report/text.h"
#include "survey/logons.h"
#include "survey/metrics.h"
#include "survey/pivots.h"
#include "survey/search.h"
#include "tansa/event.h"

namespace tansa::cli {

namespace {

struct MetricsOptions {
  ReadOptions read;
  std::string output;
  std::string gap = "12h";
};

int complain(const char* command, const std::string& msg, int status) {
  std::fprintf(stderr, "tansa %s: %s\n", command, report::terminal_safe(msg).c_str());
  return status;
}

// Writes `text` to `output` (standard output when empty or -): an error when it cannot.
std::expected<void, std::string> write_output(const std::string& output, const std::string& text) {
  std::FILE* out = stdout;
  if (!output.empty() && output != "-") {
    out = std::fopen(output.c_str(), "wb");
    if (!out) return std::unexpected(output + ": " + std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), out) == text.size();
  const bool closed = out != stdout ? std::fclose(out) == 0 : std::fflush(out) == 0;
  if (!written || !closed)
    return std::unexpected("cannot write " + (out == stdout ? std::string("the output") : output));
  return {};
}

// Reads every input through a run without rules, each event to the collector's hooks. A failure
// carries the exit status it stands for: 1 when there is nothing to read, 2 for bad options.
struct Failure {
  std::string message;
  int status = 2;
};
struct Survey {
  std::unique_ptr<engine::Rules> rules = engine::Rules::none();
  std::unique_ptr<engine::Run> run;
  std::vector<std::string> files;
};
std::expected<Survey, Failure> survey_inputs(const ReadOptions& read, const DiagnosticSink& diag,
                                             const engine::HookFactory& hooks) {
  auto settings = settings_of(read);
  if (!settings) return std::unexpected(Failure{settings.error()});
  Survey s;
  s.run = std::make_unique<engine::Run>(*s.rules, std::move(*settings));
  if (auto ok = s.run->check(); !ok) return std::unexpected(Failure{ok.error()});
  const std::vector<hunt::Input> inputs =
      hunt::expand_inputs(read.inputs, diag, read.archive_passwords);
  if (inputs.empty()) return std::unexpected(Failure{"nothing to read", 1});
  {
    ProgressBar bar(s.run->counters(), !read.quiet);
    s.run->read(inputs, diag, hooks);
  }
  for (const auto& in : inputs) s.files.push_back(in.path);
  return s;
}

void print_totals(const char* command, const Survey& s, std::size_t problems) {
  std::fprintf(stderr, "tansa %s: %llu events from %llu of %zu inputs; %zu problems reported\n",
               command, static_cast<unsigned long long>(s.run->counters().events.load()),
               static_cast<unsigned long long>(s.run->counters().files_read.load()), s.files.size(),
               problems);
}

int run(const MetricsOptions& opt) {
  DiagnosticPrinter printer(opt.read.quiet, 200);
  const auto gap = parse_duration(opt.gap);
  if (!gap || *gap <= 0)
    return complain("metrics", "--gap: expected a duration such as 30m, 12h or 2d", 2);
  const survey::MetricsCollector collector(*gap);
  // Coverage is per file: a record in several files counts in each of them.
  ReadOptions read = opt.read;
  read.keep_duplicates = true;
  auto s = survey_inputs(read, printer.sink(), collector.hooks());
  if (!s) return complain("metrics", s.error().message, s.error().status);
  const survey::Metrics m = collector.finish(s->run->hooks(), s->files);
  if (auto w = write_output(opt.output, report::metrics_text(m, format_of(opt.output))); !w)
    return complain("metrics", w.error(), 1);
  if (!opt.read.quiet) print_totals("metrics", *s, printer.count());
  return s->run->counters().files_read.load() > 0 ? 0 : 1;
}

struct LogonsOptions {
  ReadOptions read;
  std::string output, account, source;
  bool failed = false;
  GeoOptions geo;
};

int run_logons(const LogonsOptions& opt) {
  DiagnosticPrinter printer(opt.read.quiet, 200);
  survey::LogonFilter filter;
  filter.failed_only = opt.failed;
  filter.account = opt.account;
  if (!opt.source.empty() && !(filter.source = Network::parse(opt.source)))
    return complain("logons", "--source: expected an address or a network such as 10.0.0.0/8", 2);
  auto resolver = resolver_of(opt.geo, "logons", opt.read.quiet);
  if (!resolver) return complain("logons", resolver.error(), 2);
  const survey::LogonsCollector collector;
  auto s = survey_inputs(opt.read, printer.sink(), collector.hooks());
  if (!s) return complain("logons", s.error().message, s.error().status);
  std::vector<survey::LogonRow> rows = collector.finish(s->run->hooks(), filter);
  survey::place_rows(rows, *resolver);
  if (auto w = write_output(opt.output, report::logons_text(rows, format_of(opt.output))); !w)
    return complain("logons", w.error(), 1);
  if (!opt.read.quiet) print_totals("logons", *s, printer.count());
  return s->run->counters().files_read.load() > 0 ? 0 : 1;
}

struct SearchOptions {
  ReadOptions read;
  survey::SearchQuery query;
  std::string output;
  bool no_color = false;
};

int run_search(const SearchOptions& opt) {
  DiagnosticPrinter printer(opt.read.quiet, 200);
  const DiagnosticSink diag = printer.sink();
  auto yaml = survey::search_rule(opt.query);
  if (!yaml) return complain("search", yaml.error(), 2);
  auto rules = engine::Rules::from_text(*yaml, "the search");
  if (!rules) return complain("search", rules.error(), 2);
  auto settings = settings_of(opt.read);
  if (!settings) return complain("search", settings.error(), 2);
  engine::Run run(**rules, std::move(*settings));
  if (auto ok = run.check(); !ok) return complain("search", ok.error(), 2);
  const std::vector<hunt::Input> inputs =
      hunt::expand_inputs(opt.read.inputs, diag, opt.read.archive_passwords);
  if (inputs.empty()) return complain("search", "nothing to read", 1);
  {
    ProgressBar bar(run.counters(), !opt.read.quiet);
    run.read(inputs, diag);
  }
  std::FILE* out = stdout;
  if (!opt.output.empty() && opt.output != "-") {
    out = std::fopen(opt.output.c_str(), "wb");
    if (!out) return complain("search", opt.output + ": " + std::strerror(errno), 2);
  }
  const report::OutputFormat format = format_of(opt.output);
  std::vector<std::string> sources;
  for (const auto& in : inputs) sources.push_back(in.path);
  report::DetectionContext ctx{(*rules)->infos(), sources};
  const bool color = !opt.no_color && out == stdout && ::isatty(STDOUT_FILENO) &&
                     format == report::OutputFormat::Table;
  auto writer = report::make_writer(format, out, ctx, color);
  std::uint64_t hits = 0;
  const auto drained = run.drain(
      [&](const Detection& d) {
        writer->write(d);
        ++hits;
      },
      [](const std::string& problem) { complain("search", problem, 0); });
  writer->finish();
  if (!drained) complain("search", drained.error() + "; the output is incomplete", 0);
  if (out != stdout ? std::fclose(out) != 0 : std::fflush(out) != 0)
    return complain("search", "cannot write " + (opt.output.empty() ? "the output" : opt.output),
                    1);
  if (!opt.read.quiet)
    std::fprintf(stderr, "tansa search: %llu events from %llu of %zu inputs, %llu found\n",
                 static_cast<unsigned long long>(run.counters().events.load()),
                 static_cast<unsigned long long>(run.counters().files_read.load()), inputs.size(),
                 static_cast<unsigned long long>(hits));
  return run.counters().files_read.load() > 0 && drained ? 0 : 1;
}

struct PivotsOptions {
  ReadOptions read;
  std::vector<std::string> rules;
  std::string min_level = "high";
  std::string output;
  TuningOptions tuning;
};

int run_pivots(const PivotsOptions& opt) {
  DiagnosticPrinter printer(opt.read.quiet, 200);
  const DiagnosticSink diag = printer.sink();
  const std::optional<Level> min = parse_level(opt.min_level);
  if (!min) return complain("pivots", "--min-level: unknown level '" + opt.min_level + "'", 2);
  auto settings = settings_of(opt.read);
  if (!settings) return complain("pivots", settings.error(), 2);
  // The environment's tansa.yml, as hunt reads it: disabled rules and excluded noise name nothing.
  auto tuning = tuning_of(opt.tuning, opt.read, "pivots");
  if (!tuning) return complain("pivots", tuning.error(), 2);
  auto rules =
      engine::Rules::load({opt.rules, tuning->placeholders(), opt.read.threads, std::nullopt});
  if (!rules) return complain("pivots", rules.error(), 2);
  engine::Rules& r = **rules;
  if (r.set().size() == 0) return complain("pivots", "no usable rules in " + r.paths()[0], 2);
  engine::Run run(r, std::move(*settings));
  if (auto ok = run.check(); !ok) return complain("pivots", ok.error(), 2);
  const std::vector<hunt::Input> inputs =
      hunt::expand_inputs(opt.read.inputs, diag, opt.read.archive_passwords);
  if (inputs.empty()) return complain("pivots", "nothing to read", 1);
  {
    ProgressBar bar(run.counters(), !opt.read.quiet);
    run.read(inputs, diag);
  }
  survey::Pivots pivots;
  std::uint64_t used = 0;
  const std::vector<RuleInfo> infos = tuning->with_levels(r.infos());
  const auto drained = run.drain(
      [&](const Detection& d) {
        if (d.rule >= infos.size() || infos[d.rule].level < *min) return;
        if (tuning->disables(infos[d.rule]) || tuning->excludes(infos[d.rule], d)) return;
        pivots.add(d, infos[d.rule].title);
        ++used;
      },
      [](const std::string& problem) { complain("pivots", problem, 0); });
  if (!drained) complain("pivots", drained.error() + "; the pivots are incomplete", 0);
  const std::vector<survey::Pivot> rows = pivots.rows();
  if (auto w = write_output(opt.output, report::pivots_text(rows, format_of(opt.output))); !w)
    return complain("pivots", w.error(), 1);
  if (!opt.read.quiet)
    std::fprintf(stderr,
                 "tansa pivots: %llu events from %llu of %zu inputs, %llu detections at %s or "
                 "above, %zu values\n",
                 static_cast<unsigned long long>(run.counters().events.load()),
                 static_cast<unsigned long long>(run.counters().files_read.load()), inputs.size(),
                 static_cast<unsigned long long>(used), std::string(to_string(*min)).c_str(),
                 rows.size());
  return run.counters().files_read.load() > 0 && drained ? 0 : 1;
}

}  // namespace

void add_pivots_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<PivotsOptions>();
  auto* cmd = app.add_subcommand(
      "pivots",
      "The accounts, hosts, addresses, processes, hashes and workstations that detections at or "
      "above a level name, with their rules and times");
  add_read_options(cmd, opt->read);
  cmd->add_option("-r,--rules", opt->rules,
                  "Rule files or folders (default: the rules shipped with tansa)")
      ->allow_extra_args(false);
  cmd->add_option("--min-level", opt->min_level,
                  "Only detections of this level or higher (default high)");
  add_tuning_options(cmd, opt->tuning);
  cmd->add_option("-o,--output", opt->output,
                  "Write to FILE: .csv is CSV, .jsonl JSON lines, else the table");
  cmd->callback([&status, opt] { status = run_pivots(*opt); });
}

void add_search_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand(
      "search",
      "Find events by keyword, regular expression or field expression, written as hunt writes "
      "detections");
  add_read_options(cmd, opt->read);
  cmd->add_option("-k,--keyword", opt->query.keywords,
                  "Literal text, any case, in any field (repeat: any of them)")
      ->allow_extra_args(false);
  cmd->add_option("-e,--regex", opt->query.regexes,
                  "RE2 regular expression over every field value (repeat: any of them)")
      ->allow_extra_args(false);
  cmd->add_option("-w,--where", opt->query.expressions,
                  "Field expression with Sigma's names and modifiers, e.g. \"EventID=4624 and "
                  "IpAddress|cidr=203.0.113.0/24 and not TargetUserName|endswith='$'\" (repeat: "
                  "all of them)")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", opt->output,
                  "Write to FILE: .csv is CSV, .jsonl JSON lines, else the table");
  cmd->add_flag("--no-color", opt->no_color, "Never colour the table");
  cmd->callback([&status, opt] { status = run_search(*opt); });
}

void add_metrics_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<MetricsOptions>();
  auto* cmd = app.add_subcommand(
      "metrics",
      "What the logs hold: per file and per host and log source, the span, events, record ids "
      "missing, the most frequent event ids and long silences");
  add_read_options(cmd, opt->read);
  cmd->add_option("-o,--output", opt->output,
                  "Write to FILE: .csv is CSV, .jsonl JSON lines, else the table");
  cmd->add_option("--gap", opt->gap, "Report silences longer than this (default 12h)");
  cmd->callback([&status, opt] { status = run(*opt); });
}

void add_logons_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<LogonsOptions>();
  auto* cmd = app.add_subcommand(
      "logons",
      "Who logged on from where: Windows, remote desktop, VPN, SSH and cloud sign-ins, grouped "
      "by account, source, workstation, target, type and outcome");
  add_read_options(cmd, opt->read);
  cmd->add_option("-o,--output", opt->output,
                  "Write to FILE: .csv is CSV, .jsonl JSON lines, else the table");
  cmd->add_flag("--failed", opt->failed, "Only failed logons");
  cmd->add_option("--account", opt->account,
                  "Only this account (any case, with or without its domain)");
  cmd->add_option("--source", opt->source, "Only logons from this address or network (CIDR)");
  add_geo_options(cmd, opt->geo);
  cmd->callback([&status, opt] { status = run_logons(*opt); });
}

}  // namespace tansa::cli
