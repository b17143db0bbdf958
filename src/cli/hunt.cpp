// `tansa hunt`: every input through the Sigma rules into one ordered timeline of detections.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/geo_options.h"
#include "cli/progress.h"
#include "cli/scale.h"
#include "engine/engine.h"
#include "engine/tuning.h"
#include "report/detections.h"
#include "report/text.h"
#include "tansa/sigma.h"

namespace tansa::cli {

namespace {

struct HuntOptions {
  ReadOptions read;  // inputs, --format, --from/--to, --threads, --year, --tz, -q
  std::vector<std::string> rules;
  std::string output;
  bool timesketch = false;
  engine::RuleSelection selection;  // --min-level, --rule, --tag ...
  bool summary = false;
  bool no_color = false;
  std::string placeholders;
  std::size_t memory_mib = 256;
  TuningOptions tuning;  // --config, --no-config
  GeoOptions geo;        // --geoip, --no-geoip
  HuntNatsCli nats;      // --nats: on `tansa worker` processes
};

// Where detections go: standard output as the table, or a file whose extension picks the format.
struct Output {
  std::FILE* file = stdout;
  report::OutputFormat format = report::OutputFormat::Table;
};
std::expected<Output, std::string> open_output(const HuntOptions& opt) {
  Output o;
  if (!opt.output.empty() && opt.output != "-") {
    o.file = std::fopen(opt.output.c_str(), "wb");
    if (!o.file) return std::unexpected(opt.output + ": " + std::strerror(errno));
  }
  o.format = format_of(opt.output);
  if (opt.timesketch) o.format = report::OutputFormat::Timesketch;
  return o;
}

int complain(const std::string& msg, int status) {
  std::fprintf(stderr, "tansa hunt: %s\n", report::terminal_safe(msg).c_str());
  return status;
}

void print_totals(const engine::Run& run, const hunt::Counters& c, std::size_t inputs,
                  std::uint64_t shown, std::size_t enabled, std::size_t rules, std::size_t problems,
                  double load_s, double read_s) {
  std::fprintf(stderr,
               "tansa hunt: %llu events from %llu of %zu inputs, %llu detections by %zu of %zu "
               "rules enabled; %zu problems reported\n"
               "tansa hunt: rules loaded in %.2f s; inputs read and matched in %.2f s (%.1f MB/s, "
               "%.0f events/s)\n",
               static_cast<unsigned long long>(c.events.load()),
               static_cast<unsigned long long>(c.files_read.load()), inputs,
               static_cast<unsigned long long>(shown), enabled, rules, problems, load_s, read_s,
               static_cast<double>(c.bytes_total.load()) / 1e6 / std::max(read_s, 1e-9),
               static_cast<double>(c.events.load()) / std::max(read_s, 1e-9));
  if (const std::uint64_t dropped = run.duplicates_dropped())
    std::fprintf(stderr,
                 "tansa hunt: %llu duplicate records (the same record in several inputs) were "
                 "evaluated once; their detections list every source (--keep-duplicates to "
                 "evaluate each copy)\n",
                 static_cast<unsigned long long>(dropped));
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

int run(const HuntOptions& opt) {
  DiagnosticPrinter printer(opt.read.quiet, 200);
  const DiagnosticSink diag = printer.sink();
  auto settings = settings_of(opt.read);
  if (!settings) return complain(settings.error(), 2);
  settings->sort_memory = opt.memory_mib << 20;
  // Noise control: the user's and the collection's tansa.yml, or --config.
  auto tuning = tuning_of(opt.tuning, opt.read, "hunt");
  if (!tuning) return complain(tuning.error(), 2);
  const std::string placeholders =
      opt.placeholders.empty() ? tuning->placeholders() : opt.placeholders;
  const auto t_rules = std::chrono::steady_clock::now();
  auto rules = engine::Rules::load({opt.rules, placeholders, opt.read.threads, std::nullopt});
  if (!rules) return complain(rules.error(), 2);
  engine::Rules& r = **rules;
  if (!opt.read.quiet && !r.rejected().empty())
    complain(
        fmt::format("{} rules could not be used (see `tansa rules check`)", r.rejected().size()),
        0);
  for (const auto& c : r.correlation_rejected())
    complain(c.file + ": " + c.id + ": " + c.reason, 0);
  if (!opt.read.quiet)
    for (const auto& n : r.notes()) complain(n, 0);
  if (r.set().size() == 0) return complain("no usable rules in " + r.paths()[0], 2);
  const std::vector<RuleInfo> infos = tuning->with_levels(r.infos());  // as shown
  auto shown = engine::select_rules(opt.selection, r, infos, *tuning);
  if (!shown) return complain(shown.error(), 2);
  settings->rule_enabled = *shown;
  const engine::Settings job = *settings;  // --nats: what the workers evaluate with
  engine::Run run(r, std::move(*settings));
  if (auto ok = run.check(); !ok) return complain(ok.error(), 2);

  const std::vector<hunt::Input> inputs =
      hunt::expand_inputs(opt.read.inputs, diag, opt.read.archive_passwords);
  if (inputs.empty()) return complain("nothing to read", 1);
  auto resolver = resolver_of(opt.geo, "hunt", opt.read.quiet);
  if (!resolver) return complain(resolver.error(), 2);
  auto out = open_output(opt);
  if (!out) return complain(out.error(), 2);
  const bool color = !opt.no_color && out->file == stdout && ::isatty(STDOUT_FILENO) &&
                     out->format == report::OutputFormat::Table;

  const auto t_read = std::chrono::steady_clock::now();
  hunt::Counters on_workers;  // --nats: the workers' counts
  if (!opt.nats.nats.empty()) {
    auto ok = hunt_on_workers(run, r, job, placeholders, inputs, opt.nats, opt.read.quiet, diag,
                              on_workers);
    if (!ok) return complain(ok.error(), 2);
  } else {
    ProgressBar bar(run.counters(), !opt.read.quiet);
    run.read(inputs, diag);
  }
  const hunt::Counters& counted = opt.nats.nats.empty() ? run.counters() : on_workers;
  const double read_s = seconds_since(t_read);
  std::vector<std::string> sources;
  for (const auto& in : inputs) sources.push_back(in.path);
  report::DetectionContext ctx{infos, sources, &*resolver};
  std::unique_ptr<report::DetectionWriter> writer =
      report::make_writer(out->format, out->file, ctx, color);
  report::Summary summary;
  std::uint64_t excluded = 0;
  const auto drained = run.drain(
      [&](const Detection& d) {
        if (d.rule < shown->size() && !(*shown)[d.rule]) return;
        if (d.rule < infos.size() && tuning->excludes(infos[d.rule], d)) {
          ++excluded;
          return;
        }
        if (writer) writer->write(d);
        summary.add(d, ctx);
      },
      [](const std::string& problem) { complain(problem, 0); });
  if (writer) writer->finish();
  if (!drained) complain(drained.error() + "; the output is incomplete", 0);
  if (opt.summary) {
    summary.print(stdout, ctx, color || (::isatty(STDOUT_FILENO) && !opt.no_color));
    summary.print_tuning_hints(stdout, ctx);
  }
  if (!opt.read.quiet && excluded)
    complain(fmt::format("{} detections left out by exclusions in tansa.yml", excluded), 0);
  if (out->file != stdout && std::fclose(out->file) != 0)
    return complain("cannot write " + opt.output, 1);
  if (!opt.read.quiet)
    print_totals(run, counted, inputs.size(), summary.total(),
                 static_cast<std::size_t>(std::count(shown->begin(), shown->end(), true)),
                 r.infos().size(), printer.count(),
                 std::chrono::duration<double>(t_read - t_rules).count(), read_s);
  return counted.files_read.load() > 0 && drained ? 0 : 1;
}

}  // namespace

void add_hunt_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<HuntOptions>();
  auto* cmd =
      app.add_subcommand("hunt", "Run Sigma rules over logs and write one timeline of detections");
  add_read_options(cmd, opt->read);
  cmd->add_option("-r,--rules", opt->rules,
                  "Rule files or folders (default: the rules shipped with tansa)")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", opt->output,
                  "Write to FILE: .csv is CSV, .jsonl JSON lines, else the table");
  cmd->add_flag("--timesketch", opt->timesketch,
                "Write JSON lines that Timesketch imports as they are");
  add_rule_selection_options(cmd, opt->selection);
  cmd->add_flag("--summary", opt->summary,
                "Print counts per level, rule and host, and each host's first and last hit");
  cmd->add_flag("--no-color", opt->no_color, "Never colour the table");
  cmd->add_option("--placeholders", opt->placeholders,
                  "YAML file with values for %placeholders% (|expand)");
  add_tuning_options(cmd, opt->tuning);
  add_geo_options(cmd, opt->geo);
  add_hunt_nats_options(cmd, opt->nats);
  cmd->add_option("--memory", opt->memory_mib,
                  "MiB of detections held in memory before sorting spills to disk")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 20));
  cmd->callback([&status, opt] { status = run(*opt); });
}

}  // namespace tansa::cli
