// A rule folder and a cache folder of one test's own, for the tests of the rule caches
// (rule_cache_test.cpp: the parsed rules; compiled_cache_test.cpp: the compiled set).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "tansa/sigma.h"

namespace tansa::sigma::testing {

// SigmaHQ's three rule folders ($TANSA_SIGMAHQ, else the build's TANSA_SIGMAHQ_DIR); empty when
// SigmaHQ is not there (the tests that need it then skip, saying so).
inline std::vector<std::string> sigmahq_rule_paths() {
  std::filesystem::path root = TANSA_SIGMAHQ_DIR;
  if (const char* e = std::getenv("TANSA_SIGMAHQ"); e && *e) root = e;
  if (!std::filesystem::is_directory(root / "rules")) return {};
  return {(root / "rules").string(), (root / "rules-emerging-threats").string(),
          (root / "rules-threat-hunting").string()};
}

class CacheFolders : public ::testing::Test {
 protected:
  // Fresh `rules/` and `cache/` folders under a temporary folder named after `name` and the pid.
  void make(std::string_view name) {
    root_ = std::filesystem::temp_directory_path() /
            (std::string(name) + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "rules");
    std::filesystem::create_directories(root_ / "cache");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  // Writes `text` to `rel` below the temporary folder (folders made as needed).
  void write(const std::string& rel, std::string_view text) {
    std::filesystem::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary | std::ios::trunc) << text;
  }
  [[nodiscard]] Options options() const {
    Options o;
    o.cache_dir = (root_ / "cache").string();
    return o;
  }
  [[nodiscard]] std::vector<std::string> rule_paths() const { return {(root_ / "rules").string()}; }
  // The one cache file whose name starts with `prefix` ("rules-", "compiled-").
  [[nodiscard]] std::filesystem::path cache_file(std::string_view prefix) const {
    std::vector<std::filesystem::path> found;
    for (const auto& e : std::filesystem::directory_iterator(root_ / "cache"))
      if (e.path().filename().string().starts_with(prefix)) found.push_back(e.path());
    EXPECT_EQ(found.size(), 1u) << prefix;
    return found.empty() ? std::filesystem::path() : found[0];
  }
  [[nodiscard]] std::string cache_bytes(std::string_view prefix) const {
    std::ifstream in(cache_file(prefix), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void set_cache_bytes(std::string_view prefix, std::string_view bytes) const {
    std::ofstream(cache_file(prefix), std::ios::binary | std::ios::trunc) << bytes;
  }
  std::filesystem::path root_;
};

}  // namespace tansa::sigma::testing
