// Noise control from tansa.yml: rules disabled and levels changed by id or title, exclusions that
// need every pair of an entry, errors that name the file and the setting, and which files apply.
#include "engine/tuning.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace tansa::engine {
namespace {

namespace fs = std::filesystem;

RuleInfo rule(const std::string& id, const std::string& title) {
  RuleInfo r;
  r.id = id;
  r.title = title;
  r.level = Level::High;
  return r;
}

Detection detection(std::vector<std::pair<std::string, std::string>> fields) {
  Detection d;
  d.host = "DC01";
  d.fields = std::move(fields);
  return d;
}

TEST(Tuning, DisableLevelsAndExclusions) {
  Tuning t;
  ASSERT_TRUE(t.add(R"(
disable: [aaaa, "Noisy Rule"]
levels: {"Remote Desktop Logon": low, bbbb: critical}
exclude:
  "Remote Desktop Logon":
    - {IpAddress: 203.0.113.50}
    - {TargetUserName: scanner, host: dc01}
placeholders: admins.yml
)",
                    "/cases/c1/tansa.yml"));
  EXPECT_TRUE(t.disables(rule("aaaa", "x")));
  EXPECT_TRUE(t.disables(rule("cccc", "Noisy Rule")));
  EXPECT_FALSE(t.disables(rule("cccc", "Quiet Rule")));
  EXPECT_EQ(t.level_of(rule("dddd", "Remote Desktop Logon")), Level::Low);
  EXPECT_EQ(t.level_of(rule("bbbb", "x")), Level::Critical);
  EXPECT_FALSE(t.level_of(rule("eeee", "x")));
  const RuleInfo rdp = rule("dddd", "Remote Desktop Logon");
  EXPECT_TRUE(t.excludes(rdp, detection({{"ipaddress", "203.0.113.50"}})));  // names any case
  EXPECT_FALSE(t.excludes(rdp, detection({{"IpAddress", "203.0.113.51"}})));
  // Every pair of one entry must match: the host counts as a field.
  EXPECT_TRUE(t.excludes(rdp, detection({{"TargetUserName", "SCANNER"}})));
  Detection elsewhere = detection({{"TargetUserName", "scanner"}});
  elsewhere.host = "DC02";
  EXPECT_FALSE(t.excludes(rdp, elsewhere));
  // Another rule's detection with the same values stays.
  EXPECT_FALSE(t.excludes(rule("ffff", "Other"), detection({{"IpAddress", "203.0.113.50"}})));
  EXPECT_EQ(t.placeholders(), "/cases/c1/admins.yml");
}

TEST(Tuning, ErrorsNameTheFileAndTheSetting) {
  Tuning t;
  EXPECT_EQ(t.add("levels: {x: loud}", "t.yml").error(),
            "t.yml: levels: unknown level 'loud' for x");
  EXPECT_EQ(t.add("mute: [x]", "t.yml").error(),
            "t.yml: unknown setting 'mute' (disable, levels, exclude, placeholders)");
  EXPECT_EQ(t.add("exclude: {x: [5]}", "t.yml").error(),
            "t.yml: exclude: x: each entry is a map of field: value");
  EXPECT_FALSE(t.add("disable: [x", "t.yml"));
  EXPECT_TRUE(t.add("", "empty.yml"));
}

TEST(Tuning, TheUsersThenTheCollectionsOrOnlyTheOneGiven) {
  const fs::path root = fs::temp_directory_path() / ("tansa_tuning_" + std::to_string(::getpid()));
  fs::create_directories(root / "home" / "tansa");
  fs::create_directories(root / "case");
  std::ofstream(root / "home" / "tansa" / "config.yml") << "levels: {r: low}\ndisable: [u]\n";
  std::ofstream(root / "case" / "tansa.yml") << "levels: {r: critical}\n";
  std::ofstream(root / "case" / "a.log") << "x\n";
  std::ofstream(root / "given.yml") << "disable: [g]\n";
  ::setenv("XDG_CONFIG_HOME", (root / "home").c_str(), 1);
  auto t = load_tuning("", {(root / "case" / "a.log").string()});
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->files().size(), 2u);
  EXPECT_EQ(t->level_of(rule("r", "")), Level::Critical);  // the collection's wins
  EXPECT_TRUE(t->disables(rule("u", "")));
  auto g = load_tuning((root / "given.yml").string(), {(root / "case").string()});
  ASSERT_TRUE(g) << g.error();
  EXPECT_EQ(g->files().size(), 1u);
  EXPECT_TRUE(g->disables(rule("g", "")));
  EXPECT_FALSE(g->disables(rule("u", "")));
  EXPECT_FALSE(load_tuning((root / "missing.yml").string(), {}));
  ::unsetenv("XDG_CONFIG_HOME");
  fs::remove_all(root);
}

}  // namespace
}  // namespace tansa::engine
