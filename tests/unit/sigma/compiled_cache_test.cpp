// The compiled rule set kept between runs (src/sigma/compiled_cache.h): a warm start takes the
// compiled tables without parsing or compiling and matches exactly as the cold start; other
// compile options or a changed rule are never answered from an older file; a damaged file is
// noted, ignored and replaced; tables whose indexes point out of range, forward or too deep are
// refused, so a matcher never walks them.
#include "sigma/compiled_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cache_test_util.h"
#include "sigma/compiler_impl.h"
#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

namespace fs = std::filesystem;
// sigma::Compiled (sigma_test_util.h has a testing::Compiled of its own).
using LoadedSet = tansa::sigma::Compiled;

// Rules using every kind of leaf the cache keeps: plain, prefix/suffix/contains, a glob with `?`,
// a case-insensitive regex, a network, numbers, a keyword, a field reference, `|all`, `|neq`;
// a Windows category with two variants (Sysmon 1, Security 4688), a Linux rule, a rule on every
// event, a rule the compiler rejects, and a correlation.
const char* kRules = R"(title: cmd
id: 11111111-1111-1111-1111-111111111111
name: cmd
level: high
logsource: {product: windows, category: process_creation}
detection:
  selection:
    Image|endswith: '\cmd.exe'
    CommandLine|contains|all: [whoami, '-all']
  glob:
    CommandLine: 'cmd.exe /? who*'
  regex:
    CommandLine|re|i: 'WHOAMI\s+-ALL$'
  condition: selection or glob or regex
---
title: network
id: 22222222-2222-2222-2222-222222222222
logsource: {product: windows, category: network_connection}
detection:
  selection:
    DestinationIp|cidr: 10.0.0.0/8
    DestinationPort: [445, 139]
  filter:
    Image|neq: 'C:\Windows\System32\svchost.exe'
  condition: selection and filter
---
title: ssh
id: 33333333-3333-3333-3333-333333333333
logsource: {product: linux, service: sshd}
detection:
  keywords: ['Failed password for root']
  condition: keywords
---
title: same user
id: 44444444-4444-4444-4444-444444444444
logsource: {}
detection:
  selection:
    SubjectUserName|fieldref: TargetUserName
  condition: selection
---
title: broken
id: 55555555-5555-5555-5555-555555555555
logsource: {product: windows}
detection:
  selection:
    CommandLine|re: '(?<=lookbehind)x'
  condition: selection
---
title: many cmd
id: 66666666-6666-6666-6666-666666666666
correlation:
  type: event_count
  rules: [cmd]
  group-by: [Computer]
  timespan: 5m
  condition: {gte: 2}
)";

class CompiledCacheTest : public CacheFolders {
 protected:
  void SetUp() override {
    make("tansa_compiled_cache_test");
    write("rules/rules.yml", kRules);
  }
  [[nodiscard]] LoadedSet load(const Options& o) const { return load_and_compile(rule_paths(), o); }
  [[nodiscard]] LoadedSet load() const { return load(options()); }
  [[nodiscard]] fs::path cache_file() const { return CacheFolders::cache_file("compiled-"); }
  [[nodiscard]] std::string cache_bytes() const { return CacheFolders::cache_bytes("compiled-"); }
};

// Everything a load and compile gives, as bytes: two are the same exactly when these are.
std::string everything(const LoadedSet& c) {
  return compiled_cache::encode(c.loaded, c.loaded.rejected, c.set->compiled(), {});
}

std::vector<EventBuilder> events() {
  std::vector<EventBuilder> out(5);
  out[0]
      .s("Channel", "Microsoft-Windows-Sysmon/Operational")
      .i("EventID", 1)
      .s("Image", "C:\\Windows\\System32\\cmd.exe")
      .s("CommandLine", "cmd.exe /c whoami -all");
  out[1]
      .s("Channel", "Security")
      .i("EventID", 4688)
      .s("NewProcessName", "C:\\Windows\\System32\\cmd.exe")
      .s("CommandLine", "cmd.exe /c WHOAMI   -ALL");
  out[2]
      .s("Channel", "Microsoft-Windows-Sysmon/Operational")
      .i("EventID", 3)
      .s("Image", "C:\\tools\\x.exe")
      .s("DestinationIp", "10.1.2.3")
      .i("DestinationPort", 445);
  out[3]
      .logsource("linux", "sshd")
      .s("message", "Failed password for root from 203.0.113.7 port 22 ssh2");
  out[4].s("SubjectUserName", "bob").s("TargetUserName", "bob");
  return out;
}

std::vector<std::vector<std::uint32_t>> hits(const LoadedSet& c) {
  Matcher m(*c.set);
  std::vector<std::vector<std::uint32_t>> out;
  for (const EventBuilder& e : events()) {
    std::vector<std::uint32_t> h;
    m.match(e.event(), h);
    out.push_back(h);
  }
  return out;
}

TEST_F(CompiledCacheTest, AWarmStartTakesTheCompiledSetAndMatchesExactlyAsTheColdOne) {
  const LoadedSet cold = load();
  EXPECT_FALSE(cold.loaded.from_cache);
  EXPECT_TRUE(cold.loaded.notes.empty());
  ASSERT_EQ(cold.set->size(), 4u);
  ASSERT_EQ(cold.loaded.rejected.size(), 1u);  // the look-behind RE2 cannot run
  EXPECT_EQ(cold.loaded.rejected[0].id, "55555555-5555-5555-5555-555555555555");
  ASSERT_EQ(cold.loaded.correlation_rules.size(), 1u);
  EXPECT_EQ(hits(cold), (std::vector<std::vector<std::uint32_t>>{{0}, {0}, {1}, {2}, {3}}));

  const LoadedSet warm = load();
  EXPECT_TRUE(warm.loaded.from_cache);
  EXPECT_TRUE(warm.loaded.rules.empty());  // neither parsed nor compiled
  EXPECT_TRUE(warm.loaded.notes.empty());
  EXPECT_EQ(everything(warm), everything(cold));
  EXPECT_EQ(hits(warm), hits(cold));
  ASSERT_EQ(warm.loaded.rejected.size(), 1u);
  EXPECT_EQ(warm.loaded.rejected[0].reason, cold.loaded.rejected[0].reason);
  ASSERT_EQ(warm.loaded.correlation_rules.size(), 1u);
  EXPECT_EQ(warm.loaded.correlation_rules[0]->group_by, std::vector<std::string>{"Computer"});
  EXPECT_EQ(warm.loaded.documents, cold.loaded.documents);
  for (std::size_t k = 0; k < cold.set->size(); ++k)
    EXPECT_EQ(warm.set->rules()[k].title, cold.set->rules()[k].title);
}

TEST_F(CompiledCacheTest, AChangedRuleOrOtherCompileOptionsAreNeverAnsweredFromAnOlderFile) {
  (void)load();
  Options no_prefilter = options();
  no_prefilter.prefilter = false;
  const LoadedSet other = load(no_prefilter);
  EXPECT_FALSE(other.loaded.rules.empty());  // compiled again (the parsed rules were cached)
  EXPECT_FALSE(other.set->compiled().prefilter);
  EXPECT_TRUE(load(no_prefilter).loaded.rules.empty());  // and now cached for these options

  std::string changed = kRules;
  changed.replace(changed.find("for root"), 8, "for toor");
  write("rules/rules.yml", changed);
  const LoadedSet after = load();
  EXPECT_FALSE(after.loaded.from_cache);
  EXPECT_EQ(hits(after)[3], std::vector<std::uint32_t>{});  // the changed rule, not the cached one
  const LoadedSet again = load();
  EXPECT_TRUE(again.loaded.from_cache);
  EXPECT_EQ(everything(again), everything(after));
}

TEST_F(CompiledCacheTest, ADamagedCompiledCacheIsNotedIgnoredAndReplaced) {
  const std::string cold = everything(load());
  std::string bytes = cache_bytes();
  bytes[bytes.size() - 10] ^= 0x01;
  std::ofstream(cache_file(), std::ios::binary | std::ios::trunc) << bytes;
  const LoadedSet r = load();
  ASSERT_EQ(r.loaded.notes.size(), 1u);
  EXPECT_NE(r.loaded.notes[0].find("ignored a damaged or foreign compiled rule cache file"),
            std::string::npos)
      << r.loaded.notes[0];
  EXPECT_FALSE(r.loaded.rules.empty());
  EXPECT_EQ(everything(r), cold);
  const LoadedSet replaced = load();
  EXPECT_TRUE(replaced.loaded.rules.empty());
  EXPECT_TRUE(replaced.loaded.notes.empty());
  EXPECT_EQ(everything(replaced), cold);
}

// Tables as the compiler makes them pass the checks; each kind of lie is refused by name.
TEST_F(CompiledCacheTest, TablesThatPointOutOfRangeForwardOrTooDeepAreRefused) {
  const LoadResult loaded = load_rules(rule_paths(), Options{});
  auto fresh = [&] {
    std::vector<Rejection> rejected;
    return detail::compile_tables(loaded.rules, Options{}, rejected);
  };
  EXPECT_EQ(compiled_cache::check(*fresh()), "");
  struct Lie {
    const char* what;
    void (*apply)(CompiledSet&);
    const char* reason;
  };
  const Lie lies[] = {
      {"a kid after its node",
       [](CompiledSet& cs) {
         for (auto& n : cs.nodes)
           if (n.op == Node::Op::And || n.op == Node::Op::Or) {
             cs.kids[n.a] = static_cast<std::uint32_t>(cs.nodes.size() - 1);
             break;
           }
       },
       "refers to itself or a later one"},
      {"a not of itself",
       [](CompiledSet& cs) {
         cs.nodes.push_back({Node::Op::Not, 0, 0}),
             cs.nodes.back().a = static_cast<std::uint32_t>(cs.nodes.size() - 1);
       },
       "refers to itself or a later one"},
      {"a chain too deep",
       [](CompiledSet& cs) {
         for (int k = 0; k < 2000; ++k)
           cs.nodes.push_back({Node::Op::Not, static_cast<std::uint32_t>(cs.nodes.size() - 1), 0});
       },
       "nested too deeply"},
      {"a variant's root", [](CompiledSet& cs) { cs.variants[0].root = 1u << 30; },
       "a variant's expression out of range"},
      {"a variant's rule", [](CompiledSet& cs) { cs.variants[0].rule = 99; },
       "a variant's rule out of range"},
      {"an item's values", [](CompiledSet& cs) { cs.items[0].leaves = UINT32_MAX; },
       "an item's values out of range"},
      {"an item's field", [](CompiledSet& cs) { cs.items[0].slot = cs.slots; },
       "an item's field out of range"},
      {"a leaf's glob",
       [](CompiledSet& cs) { cs.leaves[0].glob = static_cast<std::uint32_t>(cs.globs.size()); },
       "a leaf's glob out of range"},
      {"a leaf's literal", [](CompiledSet& cs) { cs.leaves[0].lit = cs.literal_count; },
       "a leaf's literal out of range"},
      {"a prefilter literal", [](CompiledSet& cs) { cs.pf_ids.push_back(cs.literal_count); },
       "a prefilter literal out of range"},
      {"an index entry", [](CompiledSet& cs) { cs.everything.all.push_back(1000); },
       "an index entry out of range"},
      {"a glob's mask", [](CompiledSet& cs) { cs.globs.at(0).qmasks.at(0) += "x"; },
       "a glob's mask does not match its piece"},
  };
  for (const Lie& lie : lies) {
    SCOPED_TRACE(lie.what);
    auto cs = fresh();
    lie.apply(*cs);
    const std::string why = compiled_cache::check(*cs);
    EXPECT_NE(why.find(lie.reason), std::string::npos) << why;
    // And through the decoder: the same tables in a file with a good checksum are refused.
    const std::string file = compiled_cache::encode(loaded, {}, *cs, {});
    auto d = compiled_cache::decode_payload(std::string_view(file).substr(61), Options{});
    EXPECT_FALSE(d.has_value());
  }
}

TEST_F(CompiledCacheTest, EveryTruncationIsRefusedAndNoneCrashes) {
  (void)load();
  const std::string file = cache_bytes();
  const std::string_view payload = std::string_view(file).substr(61);
  ASSERT_TRUE(compiled_cache::decode_payload(payload, Options{}).has_value());
  for (std::size_t n = 0; n < payload.size(); n += 7)
    ASSERT_FALSE(compiled_cache::decode_payload(payload.substr(0, n), Options{}).has_value()) << n;
  auto extra = compiled_cache::decode_payload(std::string(payload) + '\0', Options{});
  ASSERT_FALSE(extra.has_value());
  EXPECT_NE(extra.error().find("bytes after the tables"), std::string::npos) << extra.error();
}

// Every SigmaHQ rule: the warm start's compiled set is the cold one's, byte for byte.
TEST_F(CompiledCacheTest, EverySigmaHQRuleReadsBackExactly) {
  const std::vector<std::string> paths = sigmahq_rule_paths();
  if (paths.empty()) GTEST_SKIP() << "SigmaHQ not found (TANSA_SIGMAHQ)";
  const Options o = options();
  const LoadedSet cold = load_and_compile(paths, o);
  const LoadedSet warm = load_and_compile(paths, o);
  EXPECT_FALSE(cold.loaded.from_cache);
  EXPECT_TRUE(warm.loaded.from_cache);
  EXPECT_TRUE(warm.loaded.rules.empty());
  EXPECT_GT(cold.set->size(), 3000u);
  EXPECT_TRUE(cold.set->compiled().prefilter);
  EXPECT_EQ(everything(warm), everything(cold));
  ASSERT_EQ(warm.loaded.rejected.size(), cold.loaded.rejected.size());
}

}  // namespace
}  // namespace tansa::sigma::testing
