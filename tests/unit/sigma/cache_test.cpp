// The compiled literal databases kept between runs: a warm cache gives the same detections, and a
// damaged or foreign file is noted, ignored and replaced, never trusted.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

namespace fs = std::filesystem;

const char* kRules = R"(title: mimikatz
id: 11111111-1111-1111-1111-111111111111
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains: [mimikatz, 'sekurlsa::']
  condition: selection
)";

class CacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tansa_cache_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  [[nodiscard]] Options options() const {
    Options o;
    o.cache_dir = dir_.string();
    return o;
  }
  [[nodiscard]] std::vector<fs::path> files() const {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(dir_)) out.push_back(e.path());
    return out;
  }
  fs::path dir_;
};

EventBuilder mimikatz() {
  EventBuilder e;
  e.s("Channel", "Microsoft-Windows-Sysmon/Operational").i("EventID", 1).s(
      "CommandLine", "x.exe sekurlsa::logonpasswords");
  return e;
}

TEST_F(CacheTest, AWarmCacheGivesTheSameDetections) {
  Compiled cold(kRules, options());
  ASSERT_FALSE(files().empty());
  EXPECT_TRUE(cold.set().notes().empty());
  Compiled warm(kRules, options());
  EXPECT_TRUE(warm.set().notes().empty());
  EXPECT_EQ(warm.hits(mimikatz()), cold.hits(mimikatz()));
  EXPECT_EQ(warm.hits(mimikatz()).size(), 1u);
}

TEST_F(CacheTest, ADamagedOrForeignFileIsNotedAndReplaced) {
  { Compiled cold(kRules, options()); }
  const auto cached = files();
  ASSERT_FALSE(cached.empty());
  for (const auto& f : cached) std::ofstream(f, std::ios::binary) << "tansa-hsdb 1\nnot a database";
  Compiled damaged(kRules, options());
  ASSERT_FALSE(damaged.set().notes().empty());
  EXPECT_NE(damaged.set().notes()[0].find("ignored a damaged or foreign rule cache file"),
            std::string::npos);
  EXPECT_EQ(damaged.hits(mimikatz()).size(), 1u);
  // Replaced: the next run reads it without a note.
  Compiled again(kRules, options());
  EXPECT_TRUE(again.set().notes().empty());
  EXPECT_EQ(again.hits(mimikatz()).size(), 1u);
}

TEST_F(CacheTest, AnotherRuleSetNeverTakesThisOnesDatabase) {
  { Compiled cold(kRules, options()); }
  std::string other = kRules;
  other.replace(other.find("mimikatz, "), 10, "");  // only sekurlsa:: now
  Compiled second(other, options());
  EXPECT_TRUE(second.set().notes().empty());
  EventBuilder only_mimikatz;
  only_mimikatz.s("Channel", "Microsoft-Windows-Sysmon/Operational").i("EventID", 1).s(
      "CommandLine", "mimikatz.exe");
  EXPECT_TRUE(second.hits(only_mimikatz).empty());
  EXPECT_EQ(second.hits(mimikatz()).size(), 1u);
}

}  // namespace
}  // namespace tansa::sigma::testing
