// Running the tansa binary from integration tests.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace tansa::testing {

// Runs a shell command; returns its exit status (-1 when it did not exit).
inline int sh(const std::string& cmd) {
  const int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A path in this test process's own temporary folder (created), e.g. tmp("hunt", "out.csv").
inline std::filesystem::path tmp(const std::string& suite, const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("tansa_" + suite + "_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir / name;
}

// The `tansa investigate` command line for a folder `tansa simulate` wrote: every log in it, its
// assets.yml, the report at DIR/report.json, and the claim when there is one.
inline std::string investigate_simulated(const std::string& bin, const std::filesystem::path& dir,
                                         const std::string& claim) {
  std::string cmd = bin + " investigate";
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f != "assets.yml" && f != "truth.json" && f != "case.db" && !f.starts_with("report"))
      cmd += " '" + e.path().string() + "'";
  }
  cmd += " --assets '" + (dir / "assets.yml").string() + "' -o '" + (dir / "report.json").string() +
         "' -q";
  if (!claim.empty()) cmd += " --claim '" + claim + "'";
  return cmd;
}

}  // namespace tansa::testing
