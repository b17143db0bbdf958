// `tansa investigate`: reads every input like hunt, runs the rules, extracts facts into the case
// database beside the report, and answers the incident questions (src/investigate/analyze.h).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "cli/commands.h"
#include "cli/geo_options.h"
#include "cli/progress.h"
#include "engine/engine.h"
#include "investigate/places.h"
#include "investigate/run.h"
#include "report/investigation.h"
#include "report/text.h"
#include "tansa/sigma.h"

namespace tansa::cli {

namespace {

namespace fs = std::filesystem;
namespace inv = tansa::investigate;

struct InvestigateOptions {
  std::vector<std::string> inputs;
  std::string assets;
  std::vector<std::string> seeds;
  std::vector<std::string> claims;
  std::string output;
  std::string case_db;
  std::vector<std::string> rules;
  unsigned threads = 0;
  int year = 0;
  bool quiet = false;
  std::string tz;
  bool keep_duplicates = false;
  bool carve = false;
  bool case_indexes = false;    // the analysts' SQLite indexes, after the report
  std::size_t memory_mib = 64;  // for sorting detections, shared by the two sorters
  GeoOptions geo;               // --geoip, --no-geoip
};

enum class ReportFormat { Html, Markdown, Json };
std::optional<ReportFormat> report_format(const std::string& path) {
  const std::string ext = fs::path(path).extension().string();
  if (ext == ".html" || ext == ".htm") return ReportFormat::Html;
  if (ext == ".md") return ReportFormat::Markdown;
  if (ext == ".json") return ReportFormat::Json;
  return std::nullopt;
}

void fail(const std::string& msg) {
  std::fprintf(stderr, "tansa investigate: %s\n", report::terminal_safe(msg).c_str());
}

// The investigation's request from the options: assets, seeds, claim, case database path.
std::expected<inv::Request, std::string> request_of(const InvestigateOptions& opt) {
  inv::Request r;
  if (!opt.assets.empty()) {
    auto a = inv::load_assets(opt.assets);
    if (!a) return std::unexpected(a.error());
    r.assets = std::move(*a);
  } else {
    r.assets = *inv::parse_assets("");
  }
  for (const auto& s : opt.seeds) {
    auto seed = inv::parse_seed(s);
    if (!seed) return std::unexpected(seed.error());
    r.seeds.push_back(std::move(*seed));
  }
  for (const auto& c : opt.claims)
    if (auto added = inv::add_claim(c, r.claim); !added)
      return std::unexpected("--claim: " + added.error());
  if (!opt.output.empty() && !report_format(opt.output))
    return std::unexpected("-o: the report is .html, .md or .json");
  r.case_path = opt.case_db;
  if (r.case_path.empty())
    r.case_path =
        opt.output.empty() ? "case.db" : (fs::path(opt.output).parent_path() / "case.db").string();
  return r;
}

std::expected<engine::Settings, std::string> settings_of(const InvestigateOptions& opt) {
  engine::Settings s;
  s.threads = opt.threads;
  s.reader.year = opt.year;
  s.sort_memory = opt.memory_mib << 19;  // half each for the sort and the correlations' pass
  s.keep_duplicates = opt.keep_duplicates;
  s.reader.carve = opt.carve;
  auto z = tz_minutes_of(opt.tz);
  if (!z) return std::unexpected(z.error());
  s.reader.tz_offset_minutes = *z;
  return s;
}

// Writes the report (or the terminal summary) and stores the answers in the case database.
bool write_report(const InvestigateOptions& opt, const inv::Findings& findings, inv::CaseDb& db) {
  const std::string json = report::investigation_json(findings);
  if (auto r = db.add_findings(json); !r) fail(r.error());
  if (opt.output.empty()) {
    std::fputs(report::investigation_summary(findings).c_str(), stdout);
    return true;
  }
  std::ofstream out(opt.output, std::ios::binary);
  switch (*report_format(opt.output)) {
    case ReportFormat::Json:
      out << json;
      break;
    case ReportFormat::Markdown:
      out << report::investigation_markdown(findings);
      break;
    case ReportFormat::Html:
      out << report::investigation_html(findings);
      break;
  }
  if (!out) fail("cannot write " + opt.output);
  return static_cast<bool>(out);
}

}  // namespace

int run_investigate(const InvestigateOptions& opt) {
  DiagnosticPrinter printer(opt.quiet, 100);
  const DiagnosticSink diag = printer.sink();
  auto request = request_of(opt);
  if (!request) return fail(request.error()), 2;
  auto settings = settings_of(opt);
  if (!settings) return fail(settings.error()), 2;
  auto rules = engine::Rules::load({opt.rules, {}, opt.threads, std::nullopt});
  if (!rules) return fail(rules.error()), 2;
  const std::size_t unusable =
      (*rules)->rejected().size() + (*rules)->correlation_rejected().size();
  if (!opt.quiet && unusable)
    fail(fmt::format("{} rules could not be used (see `tansa rules check`)", unusable));
  if (!opt.quiet)
    for (const auto& n : (*rules)->notes()) fail(n);

  auto resolver = resolver_of(opt.geo, "investigate", opt.quiet);
  if (!resolver) return fail(resolver.error()), 2;
  std::vector<hunt::Input> inputs = hunt::expand_inputs(opt.inputs, diag);
  inv::drop_case_db(inputs, request->case_path);
  if (inputs.empty()) return fail("nothing to read"), 1;
  const std::string case_path = request->case_path;
  auto investigation = inv::Investigation::open(std::move(*request), inputs);
  if (!investigation) return fail(investigation.error()), 2;

  engine::Run run(**rules, std::move(*settings));
  const auto t0 = std::chrono::steady_clock::now();
  {
    ProgressBar bar(run.counters(), !opt.quiet);
    run.read(inputs, diag, (*investigation)->hooks());
  }
  const double read_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto outcome = (*investigation)->conclude(run, fail);
  if (!outcome) return fail(outcome.error()), 1;
  inv::place_sources(outcome->findings, *resolver);
  if (!write_report(opt, outcome->findings, (*investigation)->db())) return 1;
  const double report_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  // The report is out. The case database's SQLite indexes are for analysts querying it later
  // (the answers come from an index in memory), so they are built on request only: at ten
  // million events they take longer than the analysis (docs/case-db.md).
  std::string indexes, unindexed = " (without indexes: --case-indexes builds them)";
  if (opt.case_indexes) {
    auto indexed = (*investigation)->index_case_db(opt.threads);
    if (!indexed) return fail(indexed.error()), 1;
    indexes = fmt::format(", then case database indexes {:.1f}", *indexed);
    unindexed.clear();
  }
  if (!opt.quiet) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(
        stderr,
        "tansa investigate: %llu events from %llu inputs, %zu detections, %.1f s (reading %.1f, "
        "detections %.1f, analysis %.1f, report at %.1f%s); report %s, case database %s%s\n",
        static_cast<unsigned long long>(run.counters().events.load()),
        static_cast<unsigned long long>(run.counters().files_read.load()), outcome->detections, s,
        read_s, outcome->drain_s, outcome->analysis_s, report_s, indexes.c_str(),
        opt.output.empty() ? "(terminal)" : report::terminal_safe(opt.output).c_str(),
        report::terminal_safe(case_path).c_str(), unindexed.c_str());
    if (const std::uint64_t dropped = run.duplicates_dropped())
      std::fprintf(stderr,
                   "tansa investigate: %llu duplicate records (the same record in several "
                   "inputs) were counted once (--keep-duplicates to count each copy)\n",
                   static_cast<unsigned long long>(dropped));
  }
  return 0;
}

int investigate_files(const std::vector<std::string>& inputs, const std::string& assets,
                      const std::string& claim, const std::string& output, bool quiet) {
  InvestigateOptions opt;
  opt.inputs = inputs;
  opt.assets = assets;
  if (!claim.empty()) opt.claims = {claim};
  opt.output = output;
  opt.quiet = quiet;
  return run_investigate(opt);
}

void add_investigate_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<InvestigateOptions>();
  auto* cmd = app.add_subcommand(
      "investigate", "Answer the incident questions from the logs, with evidence and coverage");
  cmd->add_option("inputs", opt->inputs, "Log files or folders, any format hunt reads")->required();
  cmd->add_option("--assets", opt->assets, "YAML describing networks, hosts and sensitive assets");
  cmd->add_option("--seed", opt->seeds, "A known indicator: ip:ADDRESS, user:NAME or host:NAME")
      ->allow_extra_args(false);
  cmd->add_option("--claim", opt->claims,
                  "What the attacker claims to have stolen: a size (2.1TB) or a number of "
                  "documents (\"150k documents\"); repeat for both")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", opt->output, "report.html, report.md or report.json");
  cmd->add_option("--case", opt->case_db, "The case database (default: case.db beside the report)");
  cmd->add_option("-r,--rules", opt->rules, "Rule files or folders (default: tansa's rule pack)")
      ->allow_extra_args(false);
  cmd->add_option("--threads", opt->threads, "Worker threads (default: all cores)");
  add_year_tz_options(cmd, opt->year, opt->tz);
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress bar or totals on standard error");
  cmd->add_flag("--keep-duplicates", opt->keep_duplicates,
                "Count every copy of a Windows record seen in several inputs (default: once)");
  cmd->add_flag("--carve", opt->carve,
                "Also carve EVTX records from chunk slack and damaged chunks; cited as recovered");
  cmd->add_flag("--case-indexes", opt->case_indexes,
                "Also build the case database's SQLite indexes for later queries, after the "
                "report (the answers do not need them)");
  add_geo_options(cmd, opt->geo);
  cmd->callback([opt, &status] { status = run_investigate(*opt); });
}

}  // namespace tansa::cli
