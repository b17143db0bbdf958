// `tansa hunt`: every input through the Sigma rules into one ordered timeline of detections.
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/progress.h"
#include "correlate/correlator.h"
#include "hunt/formats.h"
#include "hunt/inputs.h"
#include "hunt/pipeline.h"
#include "hunt/sorter.h"
#include "report/detections.h"
#include "report/text.h"
#include "tansa/sigma.h"

namespace tansa::cli {

namespace {

namespace fs = std::filesystem;

struct HuntOptions {
  std::vector<std::string> inputs;
  std::vector<std::string> rules;
  std::string format;
  std::string output;
  bool timesketch = false;
  std::string from, to;
  std::string min_level;
  std::vector<std::string> rule_ids, exclude_rule_ids, tags, exclude_tags, statuses,
      exclude_statuses, levels;
  unsigned threads = 0;
  bool summary = false;
  bool quiet = false;
  bool no_color = false;
  std::string placeholders;
  int year = 0;
  std::string tz;
  std::size_t memory_mib = 256;
};

std::optional<std::int64_t> parse_time_arg(std::string_view t) {
  std::int64_t ns;
  if (!parse_iso_time(t, ns)) return std::nullopt;
  return ns;
}

// "+09:00", "-0500", "UTC", "Z" -> minutes east of UTC.
std::optional<int> parse_tz(std::string_view z) {
  if (z.empty() || z == "UTC" || z == "utc" || z == "Z") return 0;
  if (z[0] != '+' && z[0] != '-') return std::nullopt;
  std::string digits;
  for (char c : z.substr(1))
    if (c != ':') digits += c;
  if (digits.size() != 4 && digits.size() != 2) return std::nullopt;
  int h = 0, m = 0;
  std::from_chars(digits.data(), digits.data() + 2, h);
  if (digits.size() == 4) std::from_chars(digits.data() + 2, digits.data() + 4, m);
  if (h > 14 || m > 59) return std::nullopt;
  return (z[0] == '-' ? -1 : 1) * (h * 60 + m);
}

bool has_tag(const RuleInfo& r, const std::vector<std::string>& tags) {
  for (const auto& want : tags)
    for (const auto& t : r.tags)
      if (t == want || (t.size() > want.size() && t.starts_with(want) && t[want.size()] == '.'))
        return true;
  return false;
}

int run(const HuntOptions& opt) {
  DiagnosticPrinter printer(opt.quiet, 200);
  const DiagnosticSink diag = printer.sink();

  // Rules.
  sigma::Options so;
  if (!opt.placeholders.empty()) {
    auto p = sigma::load_placeholders(opt.placeholders);
    if (!p) {
      std::fprintf(stderr, "tansa hunt: %s\n", report::terminal_safe(p.error()).c_str());
      return 2;
    }
    so.placeholders = std::move(*p);
  }
  const std::vector<std::string> rule_paths = opt.rules.empty() ? default_rules() : opt.rules;
  if (rule_paths.empty()) {
    std::fprintf(stderr,
                 "tansa hunt: no rules given (-r PATH) and none shipped beside the binary\n");
    return 2;
  }
  so.threads = opt.threads;  // --threads 1 means one thread for everything
  const auto t_rules = std::chrono::steady_clock::now();
  auto loaded = sigma::load_rules(rule_paths, so);
  std::vector<sigma::Rejection> rejected = loaded.rejected;
  auto set = sigma::RuleSet::compile(loaded.rules, so, rejected);
  if (!opt.quiet && !rejected.empty())
    std::fprintf(stderr, "tansa hunt: %zu rules could not be used (see `tansa rules check`)\n",
                 rejected.size());
  std::vector<correlate::Rejection> corr_rejected;
  correlate::Correlator correlator(set->rules(), loaded.correlation_rules, corr_rejected);
  for (const auto& r : corr_rejected)
    std::fprintf(stderr, "tansa hunt: %s: %s: %s\n", report::terminal_safe(r.file).c_str(),
                 report::terminal_safe(r.id).c_str(), report::terminal_safe(r.reason).c_str());
  const std::vector<RuleInfo>& all_rules = correlator.rules();
  if (set->size() == 0) {
    std::fprintf(stderr, "tansa hunt: no usable rules in %s\n",
                 report::terminal_safe(rule_paths[0]).c_str());
    return 2;
  }

  // Rule selection.
  hunt::Options po;
  po.threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  po.force_format = opt.format;
  std::optional<Level> min_level;
  if (!opt.min_level.empty()) {
    min_level = parse_level(opt.min_level);
    if (!min_level) {
      std::fprintf(stderr, "tansa hunt: unknown level '%s'\n",
                   report::terminal_safe(opt.min_level).c_str());
      return 2;
    }
  }
  std::set<Level> levels;
  for (const auto& l : opt.levels) {
    auto p = parse_level(l);
    if (!p) {
      std::fprintf(stderr, "tansa hunt: unknown level '%s'\n", report::terminal_safe(l).c_str());
      return 2;
    }
    levels.insert(*p);
  }
  // Selection applies to what is shown; correlations still see every base rule's detections.
  std::vector<bool> shown(all_rules.size(), true);
  std::size_t enabled = 0;
  for (std::size_t i = 0; i < all_rules.size(); ++i) {
    const RuleInfo& r = all_rules[i];
    bool on = true;
    if (min_level && r.level < *min_level) on = false;
    if (!levels.empty() && !levels.contains(r.level)) on = false;
    if (!opt.rule_ids.empty() &&
        std::find(opt.rule_ids.begin(), opt.rule_ids.end(), r.id) == opt.rule_ids.end())
      on = false;
    if (std::find(opt.exclude_rule_ids.begin(), opt.exclude_rule_ids.end(), r.id) !=
        opt.exclude_rule_ids.end())
      on = false;
    if (!opt.tags.empty() && !has_tag(r, opt.tags)) on = false;
    if (has_tag(r, opt.exclude_tags)) on = false;
    if (!opt.statuses.empty() &&
        std::find(opt.statuses.begin(), opt.statuses.end(), r.status) == opt.statuses.end())
      on = false;
    if (std::find(opt.exclude_statuses.begin(), opt.exclude_statuses.end(), r.status) !=
        opt.exclude_statuses.end())
      on = false;
    if (correlator.suppressed(static_cast<std::uint32_t>(i))) on = false;  // generate: false
    shown[i] = on;
    enabled += on;
  }
  if (correlator.size() == 0) po.rule_enabled.assign(shown.begin(), shown.end());
  if (!opt.from.empty()) {
    auto t = parse_time_arg(opt.from);
    if (!t) {
      std::fprintf(stderr, "tansa hunt: --from: cannot read '%s' as a date or time\n",
                   report::terminal_safe(opt.from).c_str());
      return 2;
    }
    po.from_ns = *t;
  }
  if (!opt.to.empty()) {
    auto t = parse_time_arg(opt.to);
    if (!t) {
      std::fprintf(stderr, "tansa hunt: --to: cannot read '%s' as a date or time\n",
                   report::terminal_safe(opt.to).c_str());
      return 2;
    }
    // A bare date means the whole day.
    po.to_ns = *t + (opt.to.size() == 10 ? 86400LL * 1000000000 - 1 : 0);
  }
  hunt::ReaderOptions ro;
  ro.year = opt.year;
  if (!opt.tz.empty()) {
    auto z = parse_tz(opt.tz);
    if (!z) {
      std::fprintf(stderr, "tansa hunt: --tz: expected UTC or an offset such as +09:00\n");
      return 2;
    }
    ro.tz_offset_minutes = *z;
  }
  auto formats = hunt::builtin_formats(ro);
  if (!opt.format.empty() &&
      std::none_of(formats.begin(), formats.end(),
                   [&](const hunt::Format& f) { return f.name == opt.format; })) {
    std::string names;
    for (const auto& f : formats) names += (names.empty() ? "" : ", ") + f.name;
    std::fprintf(stderr, "tansa hunt: unknown --format '%s' (one of: %s)\n",
                 report::terminal_safe(opt.format).c_str(), names.c_str());
    return 2;
  }

  // Inputs.
  const std::vector<hunt::Input> inputs = hunt::expand_inputs(opt.inputs, diag);
  if (inputs.empty()) {
    std::fprintf(stderr, "tansa hunt: nothing to read\n");
    return 1;
  }
  std::vector<std::string> sources;
  for (const auto& in : inputs) sources.push_back(in.path);

  // Output.
  std::FILE* out = stdout;
  report::OutputFormat of = report::OutputFormat::Table;
  if (!opt.output.empty() && opt.output != "-") {
    out = std::fopen(opt.output.c_str(), "wb");
    if (!out) {
      std::perror(opt.output.c_str());
      return 2;
    }
    const std::string ext = fs::path(opt.output).extension().string();
    if (ext == ".csv")
      of = report::OutputFormat::Csv;
    else if (ext == ".jsonl" || ext == ".json" || ext == ".ndjson")
      of = report::OutputFormat::Jsonl;
  }
  if (opt.timesketch) of = report::OutputFormat::Timesketch;
  const bool color = !opt.no_color && out == stdout && ::isatty(STDOUT_FILENO) &&
                     of == report::OutputFormat::Table;

  // Run.
  auto rules = set;
  hunt::Pipeline pipeline(
      std::move(formats),
      [rules] {
        auto m = std::make_shared<sigma::Matcher>(*rules);
        return hunt::MatchFn(
            [m](const Event& e, std::vector<std::uint32_t>& hits) { m->match(e, hits); });
      },
      po);
  hunt::DetectionSorter sorter(set->rules(), opt.memory_mib << 20,
                               fs::temp_directory_path().string());
  hunt::Counters counters;
  const auto t_read = std::chrono::steady_clock::now();
  {
    ProgressBar bar(counters, !opt.quiet);
    pipeline.run(inputs, sorter, counters, diag);
  }
  const auto t_done = std::chrono::steady_clock::now();
  report::DetectionContext ctx{all_rules, sources};
  std::unique_ptr<report::DetectionWriter> writer = report::make_writer(of, out, ctx, color);
  report::Summary summary;
  auto show = [&](const Detection& d) {
    if (d.rule < shown.size() && !shown[d.rule]) return;
    if (writer) writer->write(d);
    summary.add(d, ctx);
  };
  const auto drained = drain_correlated(sorter, correlator, opt.memory_mib << 20, show,
                                        [](const std::string& problem) {
                                          std::fprintf(stderr, "tansa hunt: %s\n", problem.c_str());
                                        });
  if (writer) writer->finish();
  if (!drained)
    std::fprintf(stderr, "tansa hunt: %s; the output is incomplete\n", drained.error().c_str());
  if (opt.summary) summary.print(stdout, ctx, color || (::isatty(STDOUT_FILENO) && !opt.no_color));
  if (out != stdout && std::fclose(out) != 0) {
    std::fprintf(stderr, "tansa hunt: cannot write %s\n", opt.output.c_str());
    return 1;
  }
  if (!opt.quiet) {
    const double load_s = std::chrono::duration<double>(t_read - t_rules).count();
    const double read_s = std::chrono::duration<double>(t_done - t_read).count();
    std::fprintf(
        stderr,
        "tansa hunt: %llu events from %llu of %zu inputs, %llu detections by %zu of %zu "
        "rules enabled; %zu problems reported\n"
        "tansa hunt: rules loaded in %.2f s; inputs read and matched in %.2f s (%.1f MB/s, "
        "%.0f events/s)\n",
        static_cast<unsigned long long>(counters.events.load()),
        static_cast<unsigned long long>(counters.files_read.load()), inputs.size(),
        static_cast<unsigned long long>(summary.total()), enabled, all_rules.size(),
        printer.count(), load_s, read_s,
        static_cast<double>(counters.bytes_total.load()) / 1e6 / std::max(read_s, 1e-9),
        static_cast<double>(counters.events.load()) / std::max(read_s, 1e-9));
  }
  return counters.files_read.load() > 0 && drained ? 0 : 1;
}

}  // namespace

void add_hunt_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<HuntOptions>();
  auto* cmd =
      app.add_subcommand("hunt", "Run Sigma rules over logs and write one timeline of detections");
  cmd->add_option("inputs", opt->inputs, "Log files, folders (recursive) or - for standard input")
      ->required();
  cmd->add_option("-r,--rules", opt->rules,
                  "Rule files or folders (default: the rules shipped with tansa)")
      ->allow_extra_args(false);
  cmd->add_option("--format", opt->format,
                  "Read every input as this format (default: detect per file)");
  cmd->add_option("-o,--output", opt->output,
                  "Write to FILE: .csv is CSV, .jsonl JSON lines, else the table");
  cmd->add_flag("--timesketch", opt->timesketch,
                "Write JSON lines that Timesketch imports as they are");
  cmd->add_option("--from", opt->from,
                  "Only events at or after this time (2024-01-05, 2024-01-05T03:00:00Z)");
  cmd->add_option("--to", opt->to,
                  "Only events at or before this time (a bare date includes the whole day)");
  cmd->add_option("--min-level", opt->min_level,
                  "Only rules of this level or higher (informational .. critical)");
  cmd->add_option("--level", opt->levels, "Only rules of these levels")->allow_extra_args(false);
  cmd->add_option("--rule", opt->rule_ids, "Only these rule ids")->allow_extra_args(false);
  cmd->add_option("--exclude-rule", opt->exclude_rule_ids, "Not these rule ids")
      ->allow_extra_args(false);
  cmd->add_option("--tag", opt->tags,
                  "Only rules with this tag (attack.t1059 also selects attack.t1059.001)")
      ->allow_extra_args(false);
  cmd->add_option("--exclude-tag", opt->exclude_tags, "Not rules with this tag")
      ->allow_extra_args(false);
  cmd->add_option("--status", opt->statuses,
                  "Only rules of these statuses (stable, test, experimental...)")
      ->allow_extra_args(false);
  cmd->add_option("--exclude-status", opt->exclude_statuses, "Not rules of these statuses")
      ->allow_extra_args(false);
  cmd->add_option("--threads", opt->threads, "Worker threads (default: all cores)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_flag("--summary", opt->summary,
                "Print counts per level, rule and host, and each host's first and last hit");
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress bar, problems or totals on standard error");
  cmd->add_flag("--no-color", opt->no_color, "Never colour the table");
  cmd->add_option("--placeholders", opt->placeholders,
                  "YAML file with values for %placeholders% (|expand)");
  cmd->add_option("--year", opt->year,
                  "Year of syslog timestamps that carry none (default: from the file's date)");
  cmd->add_option("--tz", opt->tz, "Zone of timestamps that carry none, e.g. +09:00 (default UTC)");
  cmd->add_option("--memory", opt->memory_mib,
                  "MiB of detections held in memory before sorting spills to disk")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->callback([&status, opt] { status = run(*opt); });
}

}  // namespace tansa::cli
