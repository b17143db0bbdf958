// `tansa watch --nats`: one worker of many (src/scale/worker.h, docs/scale.md).
#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <string>

#include "cli/commands.h"
#include "cli/scale.h"
#include "report/text.h"
#include "scale/worker.h"

namespace tansa::cli {

namespace {

void complain(const std::string& m) {
  std::fprintf(stderr, "tansa watch: %s\n", report::terminal_safe(m).c_str());
}

}  // namespace

void add_scale_watch_options(CLI::App* cmd, ScaleWatchCli& o) {
  cmd->add_option("--nats", o.nats,
                  "Consume events `tansa publish` put on NATS JetStream (server URLs, "
                  "comma-separated) instead of reading files; needs --pg");
  cmd->add_option("--workers", o.workers, "With --nats: how many workers share the partitions")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--worker-index", o.index,
                  "With --nats: this worker's number, 0..workers-1 (owns partitions p mod M = i)");
  cmd->add_option("--pg", o.pg, "With --nats: PostgreSQL connection string for detections");
  cmd->add_option("--stream", o.stream, "With --nats: the JetStream stream (default TANSA_RAW)");
  cmd->add_option("--partitions", o.partitions,
                  "With --nats: partitions if the stream must be created (default 8)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--replicas", o.replicas, "With --nats: replicas if the stream must be created")
      ->check(CLI::Range(1, 5));
}

int run_watch_nats(engine::Rules& rules, const ScaleWatchCli& o, std::int64_t lateness_ns,
                   bool quiet) {
  if (o.pg.empty()) return complain("--nats needs --pg: where detections are written"), 2;
  scale::WorkerOptions w;
  w.urls = o.nats;
  w.pg = o.pg;
  w.stream = o.stream;
  w.workers = o.workers;
  w.index = o.index;
  w.partitions = o.partitions;
  w.replicas = o.replicas;
  w.lateness_ns = lateness_ns;
  auto note = [&](const std::string& m) {
    if (!quiet) complain(m);
  };
  auto worker = scale::Worker::open(rules, w, note);
  if (!worker) return complain(worker.error()), 2;
  const std::atomic<bool>& stop = stop_on_signals();
  std::string owned;
  for (unsigned p : (*worker)->owned()) owned += (owned.empty() ? "" : ",") + std::to_string(p);
  if (!quiet)
    complain(
        fmt::format("worker {} of {}: consuming partitions {} of {} with {} rules and {} "
                    "correlations",
                    o.index, o.workers, owned.empty() ? "(none)" : owned, (*worker)->partitions(),
                    rules.set().size(), rules.correlator().size()));
  auto ran = (*worker)->run(stop);
  const auto& c = (*worker)->counters();
  if (!quiet)
    complain(fmt::format(
        "stopped: {} messages, {} detections written, {} already written before, {} unreadable, "
        "{} late, {} delivered again, {} acknowledgements failed, {} announcements failed",
        c.messages, c.written, c.duplicates, c.unreadable, c.late, c.redelivered, c.ack_failures,
        c.notify_failures));
  if (!ran) return complain(ran.error()), 1;
  return 0;
}

}  // namespace tansa::cli
