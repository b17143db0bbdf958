// `tansa simulate` writes a scenario's logs; `tansa demo` simulates the flagship scenario into a
// temporary folder and investigates it, so one command shows what tansa does.
#include "simulate/simulate.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "report/text.h"
#include "simulate/family.h"

namespace tansa::cli {

namespace {
namespace fs = std::filesystem;

std::string claim_of(const std::string& dir) {
  std::ifstream in(fs::path(dir) / "truth.json");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string t = ss.str();
  const auto k = t.find("\"claim\": \"");
  if (k == std::string::npos) return {};
  const auto start = k + 10;
  return t.substr(start, t.find('"', start) - start);
}

std::vector<std::string> log_files(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name == "assets.yml" || name == "truth.json" || name.starts_with("report") ||
        name == "case.db")
      continue;
    out.push_back(e.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

void add_simulate_command(CLI::App& app, int& status) {
  struct Opt {
    std::string scenario, output;
    std::uint64_t seed = 0;
    unsigned scale = 1;
    bool list = false;
  };
  auto opt = std::make_shared<Opt>();
  auto* cmd = app.add_subcommand("simulate",
                                 "Write a realistic incident's logs, assets.yml and truth.json");
  cmd->add_option("--scenario", opt->scenario, "Scenario name (--list shows them)");
  auto* seed = cmd->add_option("--seed", opt->seed,
                               "Draw a varied incident (or none) from this number instead");
  cmd->add_option("-o,--output", opt->output, "Folder to write into");
  cmd->add_option("--scale", opt->scale, "Multiply the normal users (background noise)");
  cmd->add_flag("--list", opt->list, "List the scenarios");
  seed->excludes(cmd->get_option("--scenario"));
  cmd->callback([opt, seed, &status] {
    const bool seeded = seed->count() > 0;
    if (opt->list || (opt->scenario.empty() && !seeded)) {
      for (const auto& s : simulate::scenarios())
        std::printf("%-16s %s\n", s.name.c_str(), s.description.c_str());
      std::printf("%-16s %s\n", "--seed N", simulate::family_description().c_str());
      status = opt->list ? 0 : 2;
      if (!opt->list)
        std::fprintf(stderr, "tansa simulate: --scenario NAME -o DIR, or --seed N -o DIR\n");
      return;
    }
    if (opt->output.empty()) {
      std::fprintf(stderr, "tansa simulate: -o DIR is required\n");
      status = 2;
      return;
    }
    simulate::Options so;
    so.scale = opt->scale;
    auto r = seeded ? simulate::write_seed(opt->seed, opt->output, so)
                    : simulate::write_scenario(opt->scenario, opt->output, so);
    if (!r) {
      std::fprintf(stderr, "tansa simulate: %s\n", report::terminal_safe(r.error()).c_str());
      status = 2;
      return;
    }
    const std::string what = seeded ? "seed " + std::to_string(opt->seed) : opt->scenario;
    std::printf("%s: logs, assets.yml and truth.json written to %s\n", what.c_str(),
                report::terminal_safe(opt->output).c_str());
    status = 0;
  });
}

void add_demo_command(CLI::App& app, int& status) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "demo", "Simulate the flagship intrusion into a temporary folder and investigate it");
  cmd->add_option("-o,--output", *dir, "Folder to use (default: a new temporary folder)");
  cmd->callback([dir, &status] {
    std::string d = *dir;
    if (d.empty()) {
      std::string tmpl = (fs::temp_directory_path() / "tansa-demo-XXXXXX").string();
      if (!::mkdtemp(tmpl.data())) {
        std::perror("tansa demo");
        status = 1;
        return;
      }
      d = tmpl;
    }
    if (auto r = simulate::write_scenario("vpn-intrusion", d); !r) {
      std::fprintf(stderr, "tansa demo: %s\n", report::terminal_safe(r.error()).c_str());
      status = 1;
      return;
    }
    const std::string report = (fs::path(d) / "report.html").string();
    status = investigate_files(log_files(d), (fs::path(d) / "assets.yml").string(), claim_of(d),
                               report, true);
    if (status == 0) {
      std::printf("Simulated the VPN intrusion into %s and investigated it.\n",
                  report::terminal_safe(d).c_str());
      std::printf("Report:        %s\n", report::terminal_safe(report).c_str());
      std::printf("Case database: %s\n",
                  report::terminal_safe((fs::path(d) / "case.db").string()).c_str());
      std::printf("The answers tansa should give are in %s\n",
                  report::terminal_safe((fs::path(d) / "truth.json").string()).c_str());
    }
  });
}

}  // namespace tansa::cli
