// Scale-out on NATS JetStream and PostgreSQL (src/scale, docs/scale.md): `tansa publish`, and the
// options `tansa watch` takes to run as one of many workers. Registered apart from commands.h.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <expected>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "hunt/inputs.h"
#include "tansa/diagnostic.h"

namespace tansa::cli {

void add_publish_command(CLI::App& app, int& status);

// `watch --nats URL --workers M --worker-index i --pg CONNSTR`.
struct ScaleWatchCli {
  std::string nats, pg, stream = "TANSA_RAW";
  unsigned workers = 1, index = 0, partitions = 8;
  int replicas = 1;
};
void add_scale_watch_options(CLI::App* cmd, ScaleWatchCli& o);
// Runs the worker until SIGINT/SIGTERM; returns the exit status.
int run_watch_nats(engine::Rules& rules, const ScaleWatchCli& o, std::int64_t lateness_ns,
                   bool quiet);

// `hunt --nats URL`: the inputs evaluated by `tansa worker` processes (src/scale/batch.h).
struct HuntNatsCli {
  std::string nats;
  int stall_s = 300;
  int replicas = 1;
};
void add_hunt_nats_options(CLI::App* cmd, HuntNatsCli& o);
// In place of run.read(inputs): one work item per input; every worker's detections go into `run`
// (add_base), their problems to `diag`, their counts to `counters`. Inputs left unfinished are
// reported through `diag` and said. An error when the server cannot be used.
[[nodiscard]] std::expected<void, std::string> hunt_on_workers(
    engine::Run& run, engine::Rules& rules, const engine::Settings& settings,
    const std::string& placeholders, const std::vector<hunt::Input>& inputs, const HuntNatsCli& o,
    bool quiet, const DiagnosticSink& diag, hunt::Counters& counters);

// `tansa worker --nats URL`.
void add_worker_command(CLI::App& app, int& status);

}  // namespace tansa::cli
