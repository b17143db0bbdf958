// Acceptance test for the Sigma engine: SigmaHQ's regression suite. With every rule under rules/,
// rules-emerging-threats/ and rules-threat-hunting/ loaded at once, the rule each info.yml names
// must fire on its .evtx (read by tansa's own EVTX reader) at least match_count times. The other
// rules that fire are printed as a watch on false positives, not asserted.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "tansa/sigma.h"

namespace {

namespace fs = std::filesystem;

std::string sigmahq_dir() {
  if (const char* env = std::getenv("TANSA_SIGMAHQ")) return env;
  return TANSA_SIGMAHQ_DIR;
}

struct Case {
  std::string rule_id;
  std::string evtx;
  int match_count = 1;
};

std::vector<Case> cases(const std::string& root) {
  std::vector<Case> out;
  for (auto& e : fs::recursive_directory_iterator(root + "/regression_data")) {
    if (e.path().filename() != "info.yml") continue;
    const YAML::Node info = YAML::LoadFile(e.path().string());
    const YAML::Node tests = info["regression_tests_info"];
    if (!tests || !tests.IsSequence()) continue;  // disabled tests have it commented out
    const std::string id = info["rule_metadata"][0]["id"].as<std::string>();
    for (const auto& t : tests) {
      if (t["type"].as<std::string>("") != "evtx") continue;
      Case c;
      c.rule_id = id;
      c.evtx = (fs::path(root).parent_path() / t["path"].as<std::string>()).string();
      if (!fs::exists(c.evtx))
        c.evtx = (e.path().parent_path() / fs::path(c.evtx).filename()).string();
      c.match_count = t["match_count"] ? t["match_count"].as<int>() : 1;
      out.push_back(c);
    }
  }
  std::sort(out.begin(), out.end(), [](const Case& a, const Case& b) { return a.evtx < b.evtx; });
  return out;
}

TEST(SigmaRegression, EveryTestFiresItsRule) {
  const std::string root = sigmahq_dir();
  if (!fs::exists(root + "/regression_data")) GTEST_SKIP() << "SigmaHQ data not found at " << root;
  tansa::sigma::Options options;
  auto loaded = tansa::sigma::load_rules(
      {root + "/rules", root + "/rules-emerging-threats", root + "/rules-threat-hunting"}, options);
  auto rejected = loaded.rejected;
  auto set = tansa::sigma::RuleSet::compile(loaded.rules, options, rejected);
  ASSERT_GT(set->size(), 3000u);
  std::map<std::string, std::uint32_t> by_id;
  for (std::uint32_t i = 0; i < set->size(); ++i) by_id[set->rules()[i].id] = i;

  const auto all = cases(root);
  ASSERT_EQ(all.size(), 202u);
  int passed = 0;
  std::size_t watched = 0;
  for (const Case& c : all) {
    auto it = by_id.find(c.rule_id);
    ASSERT_NE(it, by_id.end()) << "rule " << c.rule_id << " was not loaded";
    tansa::sigma::Matcher m(*set);
    std::map<std::uint32_t, int> counts;
    std::mutex mu;
    std::vector<std::uint32_t> hits;
    tansa::evtx::ReadCallbacks cb;
    cb.on_event = [&](const tansa::Event& e) {
      std::lock_guard lock(mu);
      hits.clear();
      m.match(e, hits);
      for (auto h : hits) ++counts[h];
    };
    auto r = tansa::evtx::read_file(c.evtx, {}, cb);
    ASSERT_TRUE(r.has_value()) << c.evtx << ": " << r.error();
    const int n = counts[it->second];
    EXPECT_GE(n, c.match_count) << c.rule_id << " (" << set->rules()[it->second].title << ") fired "
                                << n << " times on " << c.evtx;
    if (n >= c.match_count) ++passed;
    std::string others;
    for (const auto& [rule, k] : counts)
      if (rule != it->second) {
        others += "\n    also: " + set->rules()[rule].id + " " + set->rules()[rule].title;
        ++watched;
      }
    if (!others.empty()) std::printf("%s%s\n", fs::path(c.evtx).filename().c_str(), others.c_str());
  }
  std::printf("%d of %zu regression tests pass; %zu other rule hits (false-positive watch)\n",
              passed, all.size(), watched);
}

// Every modifier combination SigmaHQ's rules use is one the modifier table defines: none of them is
// rejected for its modifiers (src/sigma/modifiers.h).
TEST(SigmaRegression, EverySigmaHQModifierCombinationCompiles) {
  const std::string root = sigmahq_dir();
  if (!fs::exists(root + "/rules")) GTEST_SKIP() << "SigmaHQ not found at " << root;
  tansa::sigma::Options options;
  options.prefilter = false;
  auto loaded = tansa::sigma::load_rules(
      {root + "/rules", root + "/rules-emerging-threats", root + "/rules-threat-hunting"}, options);
  auto rejected = loaded.rejected;
  auto set = tansa::sigma::RuleSet::compile(loaded.rules, options, rejected);
  EXPECT_GT(set->size(), 3000u);
  for (const auto& r : rejected)
    EXPECT_TRUE(r.category != "unsupported modifier combination" &&
                r.category != "unknown modifier")
        << r.file << ": " << r.reason;
}

}  // namespace
