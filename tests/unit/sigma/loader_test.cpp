// Loading: several documents per file, metadata, filters (meta-filters), rejections with reasons,
// and the log source map (Windows Channel/EventID routing, field renames, other products).
#include <filesystem>
#include <fstream>

#include "sigma/logsource.h"
#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

EventBuilder sysmon(int eid) {
  EventBuilder e;
  e.s("Channel", "Microsoft-Windows-Sysmon/Operational").i("EventID", eid);
  return e;
}

TEST(Loader, MetadataAndSeveralDocuments) {
  const std::string yaml =
      "title: First\nid: 1\nstatus: test\nlevel: high\ntags: [attack.t1059, attack.execution]\n"
      "description: d\nlogsource: {}\ndetection:\n  s: {A: x}\n  condition: s\n---\n"
      "title: Second\nid: 2\nlogsource: {}\ndetection:\n  s: {A: y}\n  condition: s\n";
  Compiled c(yaml);
  ASSERT_EQ(c.set().size(), 2u);
  const RuleInfo& r = c.set().rules()[0];
  EXPECT_EQ(r.title, "First");
  EXPECT_EQ(r.id, "1");
  EXPECT_EQ(r.level, Level::High);
  EXPECT_EQ(r.status, "test");
  EXPECT_EQ(r.tags, (std::vector<std::string>{"attack.t1059", "attack.execution"}));
  EXPECT_EQ(c.hits(EventBuilder().s("A", "y")), (std::vector<std::uint32_t>{1}));
}

TEST(Loader, BadRulesAreReportedAndTheOthersStillLoad) {
  const std::string yaml =
      "title: ok\nid: good\nlogsource: {}\ndetection:\n  s: {A: x}\n  condition: s\n---\n"
      "title: no condition\nid: bad1\nlogsource: {}\ndetection:\n  s: {A: x}\n---\n"
      "title: bad level\nid: bad2\nlevel: severe\nlogsource: {}\ndetection:\n  s: {A: x}\n  "
      "condition: s\n---\n"
      "title: nested\nid: bad3\nlogsource: {}\ndetection:\n  s: {A: {B: c}}\n  condition: s\n---\n"
      "title: aggregation\nid: bad4\nlogsource: {}\ndetection:\n  s: {A: x}\n  condition: s | "
      "count() > 5\n";
  Compiled c(yaml, {}, true);
  EXPECT_EQ(c.set().size(), 1u);
  ASSERT_EQ(c.rejected().size(), 4u);
  EXPECT_EQ(c.rejected()[0].id, "bad1");
  EXPECT_EQ(c.rejected()[0].file, "test.yml");
  EXPECT_EQ(c.rejected()[3].category, "obsolete aggregation");
}

TEST(Loader, InvalidYamlIsOneRejectionWithALine) {
  Compiled c("title: x\ndetection: [\n", {}, true);
  ASSERT_EQ(c.rejected().size(), 1u);
  EXPECT_EQ(c.rejected()[0].category, "invalid YAML");
  EXPECT_NE(c.rejected()[0].reason.find("line"), std::string::npos);
}

TEST(Loader, FiltersApplyToTheRulesTheyName) {
  const std::string yaml =
      "title: whoami\nid: r1\nname: whoami_rule\nlogsource: {product: windows, category: "
      "process_creation}\n"
      "detection:\n  s: {Image|endswith: '\\whoami.exe'}\n  condition: s\n---\n"
      "title: other\nid: r2\nlogsource: {product: windows, category: process_creation}\n"
      "detection:\n  s: {Image|endswith: '\\whoami.exe'}\n  condition: s\n---\n"
      "title: not on admin hosts\nid: f1\nlogsource: {product: windows}\n"
      "filter:\n  rules: [whoami_rule]\n  admin: {Computer|startswith: 'ADM-'}\n  condition: not "
      "admin\n";
  for (const Options& o : engines()) {
    Compiled c(yaml, o);
    auto e1 = sysmon(1);
    e1.s("Image", "C:\\Windows\\System32\\whoami.exe").s("Computer", "ADM-01");
    EXPECT_EQ(c.hits(e1), (std::vector<std::uint32_t>{1}));  // r1 filtered, r2 not named
    auto e2 = sysmon(1);
    e2.s("Image", "C:\\Windows\\System32\\whoami.exe").s("Computer", "WS-01");
    EXPECT_EQ(c.hits(e2), (std::vector<std::uint32_t>{0, 1}));
  }
}

TEST(Loader, RulesFromFoldersInSortedOrder) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "tansa_loader_test";
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "sub" / "b.yml")
      << "title: B\nlogsource: {}\ndetection:\n  s: {A: x}\n  condition: s\n";
  std::ofstream(dir / "a.yaml")
      << "title: A\nlogsource: {}\ndetection:\n  s: {A: x}\n  condition: s\n";
  std::ofstream(dir / "notes.txt") << "not a rule";
  auto loaded = load_rules({dir.string()}, {});
  ASSERT_EQ(loaded.rules.size(), 2u);
  std::vector<Rejection> rej;
  auto set = RuleSet::compile(loaded.rules, {}, rej);
  EXPECT_EQ(set->rules()[0].title, "A");
  EXPECT_EQ(set->rules()[1].title, "B");
  auto missing = load_rules({(dir / "nope").string()}, {});
  EXPECT_EQ(missing.rejected.size(), 1u);
  fs::remove_all(dir);
}

TEST(LogSources, BuiltinMapParses) {
  auto m = LogSourceMap::parse(LogSourceMap::builtin_text());
  ASSERT_TRUE(m.has_value()) << m.error();
  EXPECT_EQ(m->windows_services.at("security"), std::vector<std::string>{"Security"});
  EXPECT_EQ(m->windows_categories.at("process_creation").size(), 2u);
}

TEST(LogSources, SysmonCategoriesRouteByChannelAndEventId) {
  const std::string yaml =
      "title: t\nlogsource: {product: windows, category: process_creation}\n"
      "detection:\n  s: {Image|endswith: '\\whoami.exe'}\n  condition: s\n";
  for (const Options& o : engines()) {
    Compiled c(yaml, o);
    auto ok = sysmon(1);
    ok.s("Image", "C:\\W\\whoami.exe");
    EXPECT_TRUE(c.fires(ok));
    auto wrong_eid = sysmon(11);  // sigma#933: a file event with the same field must not match
    wrong_eid.s("Image", "C:\\W\\whoami.exe");
    EXPECT_FALSE(c.fires(wrong_eid));
    EventBuilder wrong_channel;
    wrong_channel.s("Channel", "Application").i("EventID", 1).s("Image", "C:\\W\\whoami.exe");
    EXPECT_FALSE(c.fires(wrong_channel));
  }
}

TEST(LogSources, Security4688IsProcessCreationWithRenamedFields) {
  const std::string yaml =
      "title: t\nlogsource: {product: windows, category: process_creation}\n"
      "detection:\n  s:\n    Image|endswith: '\\whoami.exe'\n    ParentImage|endswith: "
      "'\\cmd.exe'\n  condition: s\n";
  for (const Options& o : engines()) {
    Compiled c(yaml, o);
    EventBuilder e;
    e.s("Channel", "Security")
        .i("EventID", 4688)
        .s("NewProcessName", "C:\\W\\whoami.exe")
        .s("ParentProcessName", "C:\\W\\cmd.exe");
    EXPECT_TRUE(c.fires(e));
    EventBuilder sysmon_names;
    sysmon_names.s("Channel", "Security")
        .i("EventID", 4688)
        .s("Image", "C:\\W\\whoami.exe")
        .s("ParentImage", "C:\\W\\cmd.exe");
    EXPECT_FALSE(c.fires(sysmon_names));
  }
}

TEST(LogSources, RegistryAddNeedsCreateKey) {
  const std::string yaml =
      "title: t\nlogsource: {product: windows, category: registry_add}\n"
      "detection:\n  s: {TargetObject|contains: '\\Run\\'}\n  condition: s\n";
  Compiled c(yaml);
  auto add = sysmon(12);
  add.s("EventType", "CreateKey").s("TargetObject", "HKLM\\Software\\Run\\x");
  EXPECT_TRUE(c.fires(add));
  auto del = sysmon(12);
  del.s("EventType", "DeleteKey").s("TargetObject", "HKLM\\Software\\Run\\x");
  EXPECT_FALSE(c.fires(del));
}

TEST(LogSources, ServicesRouteByChannelAnyEventId) {
  const std::string yaml =
      "title: t\nlogsource: {product: windows, service: powershell}\n"
      "detection:\n  s: {ScriptBlockText|contains: 'Invoke-Mimikatz'}\n  condition: s\n";
  Compiled c(yaml);
  EventBuilder core;
  core.s("Channel", "PowerShellCore/Operational")
      .i("EventID", 4104)
      .s("ScriptBlockText", "Invoke-Mimikatz");
  EXPECT_TRUE(c.fires(core));
  EventBuilder sec;
  sec.s("Channel", "Security").i("EventID", 4104).s("ScriptBlockText", "Invoke-Mimikatz");
  EXPECT_FALSE(c.fires(sec));
}

TEST(LogSources, UnmappedWindowsServiceIsRejected) {
  Compiled c(
      "title: t\nlogsource: {product: windows, service: nosuch}\ndetection:\n  s: {A: x}\n  "
      "condition: s\n",
      {}, true);
  ASSERT_EQ(c.rejected().size(), 1u);
  EXPECT_EQ(c.rejected()[0].category, "unmapped log source");
}

TEST(LogSources, OtherProductsMatchTheReadersLogSource) {
  const std::string yaml =
      "title: ssh\nlogsource: {product: linux, service: sshd}\n"
      "detection:\n  s: {outcome: failed}\n  condition: s\n---\n"
      "title: auth\nlogsource: {product: linux, service: auth}\n"
      "detection:\n  s: {outcome: failed}\n  condition: s\n---\n"
      "title: aws\nlogsource: {product: aws, service: cloudtrail}\n"
      "detection:\n  s: {eventName: ConsoleLogin}\n  condition: s\n---\n"
      "title: fw\nlogsource: {product: fortios, service: sslvpnd}\n"
      "detection:\n  s: {action: ssl-login-fail}\n  condition: s\n";
  for (const Options& o : engines()) {
    Compiled c(yaml, o);
    EXPECT_EQ(c.hits(EventBuilder().logsource("linux", "sshd").s("outcome", "failed")),
              (std::vector<std::uint32_t>{0, 1}));
    EXPECT_EQ(c.hits(EventBuilder().logsource("linux", "sudo").s("outcome", "failed")),
              (std::vector<std::uint32_t>{1}));
    EXPECT_TRUE(c.hits(EventBuilder().s("Channel", "Security").s("outcome", "failed")).empty());
    EXPECT_EQ(c.hits(EventBuilder().logsource("aws", "cloudtrail").s("eventName", "ConsoleLogin")),
              (std::vector<std::uint32_t>{2}));
    EXPECT_EQ(
        c.hits(EventBuilder().logsource("fortigate", "sslvpnd").s("action", "ssl-login-fail")),
        (std::vector<std::uint32_t>{3}));
  }
}

}  // namespace
}  // namespace tansa::sigma::testing
