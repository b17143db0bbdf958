// Each subcommand lives in its own file and registers itself on the root app; main stays tiny.
#pragma once

#include <CLI/CLI.hpp>

namespace tansa::cli {

// Each returns the subcommand it added; the callback it sets stores the exit status in `status`.
void add_dump_command(CLI::App& app, int& status);
void add_rules_command(CLI::App& app, int& status);
void add_hunt_command(CLI::App& app, int& status);

}  // namespace tansa::cli
