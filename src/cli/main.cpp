#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/scale.h"
#include "cli/watch.h"

int main(int argc, char** argv) {
  CLI::App app{"tansa: find, scope and prove breaches from logs"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("tansa ") + TANSA_VERSION);
  int status = 0;
  tansa::cli::add_dump_command(app, status);
  tansa::cli::add_hunt_command(app, status);
  tansa::cli::add_rules_command(app, status);
  tansa::cli::add_investigate_command(app, status);
  tansa::cli::add_simulate_command(app, status);
  tansa::cli::add_demo_command(app, status);
  tansa::cli::add_logons_command(app, status);
  tansa::cli::add_metrics_command(app, status);
  tansa::cli::add_search_command(app, status);
  tansa::cli::add_pivots_command(app, status);
  tansa::cli::add_watch_command(app, status);
  tansa::cli::add_publish_command(app, status);
  tansa::cli::add_worker_command(app, status);
  CLI11_PARSE(app, argc, argv);
  return status;
}
