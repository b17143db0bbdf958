// `tansa hunt --nats` and `tansa worker`: batch hunting across machines (src/scale/batch.h,
// docs/scale.md).
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <string>

#include "cli/commands.h"
#include "cli/scale.h"
#include "report/text.h"
#include "scale/batch.h"

namespace tansa::cli {

namespace {

void say(const char* who, const std::string& m) {
  std::fprintf(stderr, "tansa %s: %s\n", who, report::terminal_safe(m).c_str());
}

std::string absolute(const std::string& p) {
  std::error_code ec;
  const auto a = std::filesystem::absolute(p, ec);
  return ec ? p : a.lexically_normal().string();
}

struct WorkerCli {
  scale::BatchWorkerOptions o;
  bool quiet = false;
};

}  // namespace

void add_hunt_nats_options(CLI::App* cmd, HuntNatsCli& o) {
  cmd->add_option("--nats", o.nats,
                  "Evaluate the inputs on `tansa worker` processes through NATS JetStream (server "
                  "URLs, comma-separated; the inputs must be on storage the workers share)");
  cmd->add_option("--nats-stall", o.stall_s,
                  "With --nats: give up on the inputs left after this many seconds without word "
                  "from any worker (default 300)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--nats-replicas", o.replicas,
                  "With --nats: replicas of the work and result streams if they must be created")
      ->check(CLI::Range(1, 5));
}

std::expected<void, std::string> hunt_on_workers(
    engine::Run& run, engine::Rules& rules, const engine::Settings& settings,
    const std::string& placeholders, const std::vector<hunt::Input>& inputs, const HuntNatsCli& o,
    bool quiet, const DiagnosticSink& diag, hunt::Counters& counters) {
  for (const auto& in : inputs)
    if (in.path == "-") return std::unexpected("--nats cannot send standard input to workers");
  scale::JobSpec spec;
  spec.job = scale::new_job_id();
  std::error_code ec;
  spec.cwd = std::filesystem::current_path(ec).string();
  // As given: a worker works from the same folder, so the rules load in the same order.
  spec.rules = rules.paths();
  spec.placeholders = placeholders;
  spec.format = settings.format;
  spec.reader = settings.reader;
  spec.from_ns = settings.from_ns;
  spec.to_ns = settings.to_ns;
  spec.keep_duplicates = settings.keep_duplicates;
  spec.seed1 = engine::random_seed();
  spec.seed2 = engine::random_seed();
  spec.rule_digest = scale::rules_digest(rules.infos());
  scale::SubmitOptions so;
  so.nats = o.nats;
  so.replicas = o.replicas;
  so.stall_s = o.stall_s;
  so.verbose = !quiet;
  scale::SubmitTotals totals;
  auto r = scale::submit(
      run, spec, inputs, so, diag, [&](const std::string& m) { say("hunt", m); }, totals);
  const hunt::Counters& t = totals.counters;
  counters.events += t.events.load();
  counters.bytes_total += t.bytes_total.load();
  counters.bytes_read += t.bytes_read.load();
  counters.files_read += t.files_read.load();
  counters.files_failed += t.files_failed.load();
  counters.detections += t.detections.load();
  if (!quiet && totals.attempts_ignored)
    say("hunt", fmt::format("{} partial or repeated worker attempts left out (each input's "
                            "detections are kept once)",
                            totals.attempts_ignored));
  if (!quiet && !totals.failed.empty()) {
    say("hunt",
        fmt::format("{} of {} inputs failed on the workers:", totals.failed.size(), inputs.size()));
    for (const auto& [index, why] : totals.failed) say("hunt", inputs[index].path + ": " + why);
  }
  return r;
}

void add_worker_command(CLI::App& app, int& status) {
  auto opt = std::make_shared<WorkerCli>();
  auto* cmd = app.add_subcommand(
      "worker", "Evaluate the inputs `tansa hunt --nats` puts on NATS JetStream, until stopped");
  cmd->add_option("--nats", opt->o.nats, "NATS server URLs, comma-separated")->required();
  cmd->add_option("-r,--rules", opt->o.rules,
                  "Rule files or folders instead of the paths the submitting hunt names (they "
                  "must give the same rule table)")
      ->allow_extra_args(false);
  cmd->add_option("--threads", opt->o.threads, "Threads per input (default: all cores)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--replicas", opt->o.replicas,
                  "Replicas of the work and result streams if they must be created")
      ->check(CLI::Range(1, 5));
  cmd->add_option("--hold", opt->o.hold_ms,
                  "Wait MS milliseconds before finishing each input that has detections (tests "
                  "and demonstrations of redelivery)")
      ->group("");
  cmd->add_flag("-q,--quiet", opt->quiet, "Only errors on standard error");
  cmd->callback([&status, opt] {
    const std::atomic<bool>& stop = stop_on_signals();
    for (auto& p : opt->o.rules) p = absolute(p);  // items are read from the submitter's folder
    const bool quiet = opt->quiet;
    auto r = scale::run_batch_worker(opt->o, stop, [quiet](const std::string& m) {
      if (!quiet) say("worker", m);
    });
    if (!r) {
      say("worker", r.error());
      status = 1;
      return;
    }
    status = 0;
  });
}

}  // namespace tansa::cli
