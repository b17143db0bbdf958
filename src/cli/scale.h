// Scale-out on NATS JetStream and PostgreSQL (src/scale, docs/scale.md): `tansa publish`, and the
// options `tansa watch` takes to run as one of many workers. Registered apart from commands.h.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "engine/engine.h"

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

}  // namespace tansa::cli
