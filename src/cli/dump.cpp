#include "cli/commands.h"

namespace tansa::cli {

// Placeholder until the EVTX reader lands (issue 2).
void add_dump_command(CLI::App& app, int& status) {
  auto* cmd = app.add_subcommand("dump", "Write EVTX records as JSON lines, in evtx_dump's shape");
  cmd->callback([&status] { status = 2; });
}

}  // namespace tansa::cli
