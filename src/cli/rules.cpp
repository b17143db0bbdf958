#include "cli/commands.h"

namespace tansa::cli {

// Placeholder until the Sigma engine lands (issue 3).
void add_rules_command(CLI::App& app, int& status) {
  auto* cmd = app.add_subcommand("rules", "Work with Sigma rules");
  cmd->callback([&status] { status = 2; });
}

}  // namespace tansa::cli
