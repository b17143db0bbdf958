// Each subcommand lives in its own file and registers itself on the root app; main stays tiny.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "correlate/correlator.h"
#include "hunt/sorter.h"
#include "tansa/diagnostic.h"

namespace tansa::cli {

// Each returns the subcommand it added; the callback it sets stores the exit status in `status`.
void add_dump_command(CLI::App& app, int& status);
void add_rules_command(CLI::App& app, int& status);
void add_hunt_command(CLI::App& app, int& status);
void add_investigate_command(CLI::App& app, int& status);
void add_simulate_command(CLI::App& app, int& status);
void add_demo_command(CLI::App& app, int& status);

// The rules shipped with tansa: TANSA_RULES, else the rules/ folder beside the binary's folder
// (the source tree for a build in build/), else the installed share folder. Empty: none found.
std::vector<std::string> default_rules();

// Prints problems with the input on standard error, terminal-safe, the first `limit` of them
// (none when quiet), and counts them all. Thread-safe; the sink refers to this object.
class DiagnosticPrinter {
 public:
  DiagnosticPrinter(bool quiet, std::size_t limit) : quiet_(quiet), limit_(limit) {}
  [[nodiscard]] DiagnosticSink sink();
  [[nodiscard]] std::size_t count() const;

 private:
  mutable std::mutex mu_;
  std::size_t count_ = 0;
  bool quiet_;
  std::size_t limit_;
};

// Drains `sorter` in the one output order with the correlations' detections merged in: the
// correlator reads the base detections in final order, and its own join them through a second
// ordered pass of at most `memory` bytes. Detections hidden by `generate: false` are passed on
// too (callers decide what to show); problems adding to the second pass go to `problem`.
std::expected<void, std::string> drain_correlated(
    hunt::DetectionSorter& sorter, correlate::Correlator& correlator, std::size_t memory,
    const std::function<void(const Detection&)>& show,
    const std::function<void(const std::string&)>& problem);

// Runs `tansa investigate` on `inputs` (for `tansa demo`); returns its exit status.
int investigate_files(const std::vector<std::string>& inputs, const std::string& assets,
                      const std::string& claim, const std::string& output, bool quiet);

}  // namespace tansa::cli
