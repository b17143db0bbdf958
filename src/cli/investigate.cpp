// `tansa investigate`: reads every input like hunt, runs the rules, extracts facts into the case
// database beside the report, and answers the incident questions (src/investigate/analyze.h).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "cli/commands.h"
#include "cli/progress.h"
#include "correlate/correlator.h"
#include "hunt/formats.h"
#include "hunt/inputs.h"
#include "hunt/pipeline.h"
#include "hunt/sorter.h"
#include "investigate/analyze.h"
#include "investigate/assets.h"
#include "investigate/casedb.h"
#include "investigate/facts.h"
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
  std::string claim;
  std::string output;
  std::string case_db;
  std::vector<std::string> rules;
  unsigned threads = 0;
  int year = 0;
  bool quiet = false;
  std::size_t memory_mib = 256;  // for sorting detections, shared by the two sorters
};

// What one reader thread gathers beside rule matching; flushed to the database in batches.
struct Collector {
  explicit Collector(std::int64_t threshold) : coverage(threshold) {}
  std::vector<inv::Fact> facts;
  inv::Coverage coverage;
};

// Strong detections kept in memory for the analysis; beyond this the intrusion is plain anyway.
constexpr std::size_t kMaxSeeds = 20000;

void fail(const std::string& msg) {
  std::fprintf(stderr, "tansa investigate: %s\n", report::terminal_safe(msg).c_str());
}

}  // namespace

int run_investigate(const InvestigateOptions& opt) {
  DiagnosticPrinter printer(opt.quiet, 100);
  const DiagnosticSink diag = printer.sink();

  inv::Assets assets;
  if (!opt.assets.empty()) {
    auto a = inv::load_assets(opt.assets);
    if (!a) {
      fail(a.error());
      return 2;
    }
    assets = std::move(*a);
  } else {
    assets = *inv::parse_assets("");
  }
  std::vector<inv::Seed> seeds;
  for (const auto& s : opt.seeds) {
    const auto colon = s.find(':');
    const std::string kind = s.substr(0, colon);
    if (colon == std::string::npos || (kind != "ip" && kind != "user" && kind != "host")) {
      fail("--seed " + s + ": expected ip:ADDRESS, user:NAME or host:NAME");
      return 2;
    }
    seeds.push_back({kind, s.substr(colon + 1)});
  }
  std::optional<std::uint64_t> claim;
  if (!opt.claim.empty()) {
    auto c = inv::parse_size(opt.claim);
    if (!c) {
      fail("--claim: " + c.error());
      return 2;
    }
    claim = *c;
  }
  std::string ext;
  if (!opt.output.empty()) {
    ext = fs::path(opt.output).extension().string();
    if (ext != ".html" && ext != ".htm" && ext != ".md" && ext != ".json") {
      fail("-o: the report is .html, .md or .json");
      return 2;
    }
  }

  // Rules: the pack unless told otherwise.
  const std::vector<std::string> rule_paths = opt.rules.empty() ? default_rules() : opt.rules;
  if (rule_paths.empty()) {
    fail("no rules given (-r PATH) and none shipped beside the binary");
    return 2;
  }
  sigma::Options so;
  so.threads = opt.threads;
  auto loaded = sigma::load_rules(rule_paths, so);
  std::vector<sigma::Rejection> rejected = loaded.rejected;
  auto set = sigma::RuleSet::compile(loaded.rules, so, rejected);
  std::vector<correlate::Rejection> corr_rejected;
  correlate::Correlator correlator(set->rules(), loaded.correlation_rules, corr_rejected);
  if (!opt.quiet && (!rejected.empty() || !corr_rejected.empty()))
    std::fprintf(stderr,
                 "tansa investigate: %zu rules could not be used (see `tansa rules check`)\n",
                 rejected.size() + corr_rejected.size());

  std::string case_path = opt.case_db;
  if (case_path.empty())
    case_path =
        opt.output.empty() ? "case.db" : (fs::path(opt.output).parent_path() / "case.db").string();
  // The case database of an earlier run may sit among the logs; it is never one of them.
  std::vector<hunt::Input> inputs = hunt::expand_inputs(opt.inputs, diag);
  std::erase_if(inputs, [&](const hunt::Input& in) {
    std::error_code ec;
    return fs::path(in.path).filename() == fs::path(case_path).filename() &&
           fs::equivalent(in.path, case_path, ec);
  });
  if (inputs.empty()) {
    fail("nothing to read");
    return 1;
  }
  std::vector<std::string> files;
  for (const auto& in : inputs) files.push_back(in.path);
  auto db = inv::CaseDb::create(case_path);
  if (!db) {
    fail(db.error());
    return 2;
  }
  inv::CaseDb& cdb = **db;
  cdb.add_files(files);

  // Reading: rules and fact extraction on the reader threads.
  std::mutex collectors_mu, db_mu;
  std::vector<std::shared_ptr<Collector>> collectors;
  const std::int64_t threshold = assets.gap_threshold_ns;
  auto flush = [&](Collector& c) {
    std::lock_guard lock(db_mu);
    cdb.add_facts(c.facts);
    c.facts.clear();
  };
  hunt::Options po;
  po.threads = opt.threads ? opt.threads : std::max(1u, std::thread::hardware_concurrency());
  auto rules = set;
  hunt::Pipeline pipeline(
      hunt::builtin_formats(hunt::ReaderOptions{opt.year, 0}),
      [&, rules] {
        auto m = std::make_shared<sigma::Matcher>(*rules);
        auto c = std::make_shared<Collector>(threshold);
        {
          std::lock_guard lock(collectors_mu);
          collectors.push_back(c);
        }
        return hunt::MatchFn([m, c, &flush](const Event& e, std::vector<std::uint32_t>& hits) {
          m->match(e, hits);
          inv::extract_facts(e, c->facts);
          const inv::StreamOf s = inv::stream_of(e);
          if (!s.source.empty()) {
            static const FieldId kEventId = field_id("EventID");
            const Value* id = e.get(kEventId);
            c->coverage.add(s, e.time_ns,
                            id && id->type != ValueType::String ? static_cast<int>(id->i) : 0);
          }
          if (c->facts.size() >= 4096) flush(*c);
        });
      },
      po);
  hunt::DetectionSorter sorter(set->rules(), opt.memory_mib << 19,
                               fs::temp_directory_path().string());
  hunt::Counters counters;
  const auto t0 = std::chrono::steady_clock::now();
  {
    ProgressBar bar(counters, !opt.quiet);
    pipeline.run(inputs, sorter, counters, diag);
  }
  if (counters.files_read.load() == 0) {
    fail("no input could be read");
    return 1;
  }
  inv::Coverage coverage(threshold);
  for (auto& c : collectors) {
    flush(*c);
    coverage.merge(c->coverage);
  }

  // Detections, in order, through the correlations, into the case database; only high and
  // critical ones seed the analysis.
  const std::vector<RuleInfo>& all_rules = correlator.rules();
  inv::AnalysisInput ai;
  std::size_t detections = 0;
  const auto drained = drain_correlated(
      sorter, correlator, opt.memory_mib << 19,
      [&](const Detection& d) {
        if (correlator.suppressed(d.rule)) return;
        ++detections;
        cdb.add_detection(d, all_rules[d.rule]);
        if (all_rules[d.rule].level >= Level::High && ai.detections.size() < kMaxSeeds)
          ai.detections.push_back(d);
      },
      fail);
  if (!drained) {  // answers resting on a partial detection stream could say "no"
    fail(drained.error());
    return 1;
  }
  ai.streams = coverage.streams();
  cdb.add_streams(ai.streams);
  if (auto r = cdb.finish_loading(); !r) {
    fail(r.error());
    return 1;
  }

  ai.db = &cdb;
  ai.assets = &assets;
  ai.seeds = seeds;
  ai.claim_bytes = claim;
  ai.rules = &all_rules;
  ai.files = files;
  const auto analysed = inv::analyze(ai);
  if (!analysed) {
    fail("the analysis stopped: " + analysed.error());
    return 1;
  }
  const inv::Findings& findings = *analysed;
  const std::string json = report::investigation_json(findings);
  if (auto r = cdb.add_findings(json); !r) fail(r.error());

  if (!opt.output.empty()) {
    std::ofstream out(opt.output, std::ios::binary);
    if (ext == ".json")
      out << json;
    else if (ext == ".md")
      out << report::investigation_markdown(findings);
    else
      out << report::investigation_html(findings);
    if (!out) {
      fail("cannot write " + opt.output);
      return 1;
    }
  } else {
    std::fputs(report::investigation_summary(findings).c_str(), stdout);
  }
  if (!opt.quiet) {
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(
        stderr,
        "tansa investigate: %llu events from %llu inputs, %zu detections, %.1f s; report %s, "
        "case database %s\n",
        static_cast<unsigned long long>(counters.events.load()),
        static_cast<unsigned long long>(counters.files_read.load()), detections, s,
        opt.output.empty() ? "(terminal)" : report::terminal_safe(opt.output).c_str(),
        report::terminal_safe(case_path).c_str());
  }
  return 0;
}

int investigate_files(const std::vector<std::string>& inputs, const std::string& assets,
                      const std::string& claim, const std::string& output, bool quiet) {
  InvestigateOptions opt;
  opt.inputs = inputs;
  opt.assets = assets;
  opt.claim = claim;
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
  cmd->add_option("--claim", opt->claim, "A size the attacker claims to have stolen, e.g. 2.1TB");
  cmd->add_option("-o,--output", opt->output, "report.html, report.md or report.json");
  cmd->add_option("--case", opt->case_db, "The case database (default: case.db beside the report)");
  cmd->add_option("-r,--rules", opt->rules, "Rule files or folders (default: tansa's rule pack)")
      ->allow_extra_args(false);
  cmd->add_option("--threads", opt->threads, "Worker threads (default: all cores)");
  cmd->add_option("--year", opt->year,
                  "Year of RFC 3164 syslog timestamps (default: from the file)");
  cmd->add_flag("-q,--quiet", opt->quiet, "No progress bar or totals on standard error");
  cmd->callback([opt, &status] { status = run_investigate(*opt); });
}

}  // namespace tansa::cli
