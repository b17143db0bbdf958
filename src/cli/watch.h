// `tansa watch`: registered apart from commands.h so that adding it rebuilds only main.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace tansa::cli {

void add_watch_command(CLI::App& app, int& status);

}  // namespace tansa::cli
