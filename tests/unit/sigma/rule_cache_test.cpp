// The parsed rules kept between runs (src/sigma/rule_cache.h): a warm load gives exactly what a
// cold one gives, a changed rule file or placeholder is never answered from an older file, and a
// damaged, truncated or foreign cache file is noted, ignored and replaced, never trusted.
#include "sigma/rule_cache.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cache_test_util.h"
#include "sigma/ast.h"
#include "sigma_test_util.h"

namespace tansa::sigma::testing {
namespace {

namespace fs = std::filesystem;

// A rule with most of what a rule can hold (typed values, modifiers, a list selection, keywords,
// a condition with `1 of` and `not`), a filter applied to it, a correlation on it and a
// document that is rejected.
const char* kProcess = R"(title: mimikatz
id: 11111111-1111-1111-1111-111111111111
name: mimi
status: test
level: high
description: credential dumping
tags: [attack.credential_access, attack.t1003]
logsource: {product: windows, category: process_creation}
detection:
  selection:
    CommandLine|contains|all: [sekurlsa, logonpasswords]
  other:
    - Image|endswith: '\mimi.exe'
    - OriginalFileName: mimikatz.exe
  numbers:
    ProcessId: [4, 0x10, 2.5, true, null]
  keywords: ['kiwi*']
  condition: 1 of selection* or (other and not numbers) or keywords
)";
const char* kFilter = R"(title: not the lab
id: 22222222-2222-2222-2222-222222222222
logsource: {product: windows, category: process_creation}
filter:
  rules: [mimi]
  selection:
    Computer: LAB01
  condition: not selection
)";
const char* kCorrelation = R"(title: many mimikatz
id: 33333333-3333-3333-3333-333333333333
correlation:
  type: event_count
  rules: [mimi]
  group-by: [Computer]
  timespan: 5m
  condition: {gte: 2}
---
title: broken
id: 44444444-4444-4444-4444-444444444444
logsource: {product: windows}
detection:
  selection:
    CommandLine|nosuchmodifier: x
  condition: selection and missing
)";

class RuleCacheTest : public CacheFolders {
 protected:
  void SetUp() override {
    make("tansa_rule_cache_test");
    write("rules/process.yml", kProcess);
    write("rules/sub/filter.yml", kFilter);
    write("rules/sub/correlation.yaml", kCorrelation);
  }
  [[nodiscard]] LoadResult load(const Options& o) const { return load_rules(rule_paths(), o); }
  [[nodiscard]] LoadResult load() const { return load(options()); }
  [[nodiscard]] std::string cache_bytes() const { return CacheFolders::cache_bytes("rules-"); }
  void set_cache_bytes(std::string_view bytes) const {
    CacheFolders::set_cache_bytes("rules-", bytes);
  }
};

// Everything a load gives, as bytes: two loads are the same exactly when these are.
std::string everything(const LoadResult& r) {
  return rule_cache::encode(r, {});
}

EventBuilder mimikatz(std::string_view computer) {
  EventBuilder e;
  e.s("Channel", "Microsoft-Windows-Sysmon/Operational")
      .i("EventID", 1)
      .s("Computer", computer)
      .s("CommandLine", "x.exe sekurlsa::logonpasswords");
  return e;
}

std::vector<std::uint32_t> hits(const LoadResult& r, const EventBuilder& e) {
  std::vector<Rejection> rejected;
  auto set = RuleSet::compile(r.rules, Options{}, rejected);
  Matcher m(*set);
  std::vector<std::uint32_t> h;
  m.match(e.event(), h);
  return h;
}

TEST_F(RuleCacheTest, AWarmLoadGivesExactlyTheColdLoadsRulesRejectionsAndDetections) {
  const LoadResult cold = load();
  EXPECT_FALSE(cold.from_cache);
  EXPECT_TRUE(cold.notes.empty());
  ASSERT_EQ(cold.rules.size(), 1u);
  ASSERT_EQ(cold.correlation_rules.size(), 1u);
  ASSERT_EQ(cold.rejected.size(), 1u);
  EXPECT_EQ(cold.filters, 1u);
  const LoadResult warm = load();
  EXPECT_TRUE(warm.from_cache);
  EXPECT_TRUE(warm.notes.empty());
  EXPECT_EQ(everything(warm), everything(cold));
  EXPECT_EQ(warm.documents, cold.documents);
  EXPECT_EQ(warm.filters, cold.filters);
  EXPECT_EQ(warm.correlations, cold.correlations);
  EXPECT_EQ(warm.rejected[0].reason, cold.rejected[0].reason);
  EXPECT_EQ(warm.rules[0]->info.tags, cold.rules[0]->info.tags);
  EXPECT_EQ(warm.correlation_rules[0]->group_by, std::vector<std::string>{"Computer"});
  EXPECT_EQ(hits(warm, mimikatz("WKS01")), std::vector<std::uint32_t>{0});
  EXPECT_EQ(hits(warm, mimikatz("LAB01")), std::vector<std::uint32_t>{});  // the filter, kept
  EXPECT_EQ(hits(warm, mimikatz("WKS01")), hits(cold, mimikatz("WKS01")));
}

TEST_F(RuleCacheTest, OneByteChangedInARuleFileIsParsedAgainAndTheCacheRewritten) {
  (void)load();
  std::string changed = kProcess;
  changed[changed.find("sekurlsa")] = 'S';  // "Sekurlsa": same length, one byte
  write("rules/process.yml", changed);
  const LoadResult after = load();
  EXPECT_FALSE(after.from_cache);
  EXPECT_TRUE(after.notes.empty());  // a stale cache is not a damaged one
  ASSERT_EQ(after.rules.size(), 1u);
  const auto& item = after.rules[0]->detections.at("selection").items.at(0);
  EXPECT_EQ(item.values.at(0).text, "Sekurlsa");
  const LoadResult again = load();
  EXPECT_TRUE(again.from_cache);
  EXPECT_EQ(everything(again), everything(after));
}

// A file that had stopped changing a second before a run hashed it is not read by the next runs
// while its identity and times stay; a change is seen even when the size and the modification
// time are put back (the change time cannot be), and a damaged digest file is only a note.
TEST_F(RuleCacheTest, AnUnchangedRuleFileIsNotReadAgainAndAChangedOneAlwaysIs) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const LoadResult cold = load();
  EXPECT_EQ(cold.files, 3u);
  EXPECT_EQ(cold.files_read, 3u);
  const LoadResult warm = load();
  EXPECT_TRUE(warm.from_cache);
  EXPECT_EQ(warm.files_read, 0u);
  EXPECT_EQ(everything(warm), everything(cold));

  const fs::path process = root_ / "rules/process.yml";
  struct stat before {};
  ASSERT_EQ(::stat(process.c_str(), &before), 0);
  std::string changed = kProcess;
  changed[changed.find("sekurlsa")] = 'S';
  write("rules/process.yml", changed);
  const timespec times[2] = {before.st_atim, before.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, process.c_str(), times, 0), 0);
  const LoadResult after = load();
  EXPECT_FALSE(after.from_cache);
  ASSERT_EQ(after.rules.size(), 1u);
  EXPECT_EQ(after.rules[0]->detections.at("selection").items.at(0).values.at(0).text, "Sekurlsa");

  CacheFolders::set_cache_bytes("digests-", "not a digest file");
  const LoadResult damaged = load();
  EXPECT_TRUE(damaged.from_cache);
  EXPECT_EQ(damaged.files_read, 3u);
  ASSERT_EQ(damaged.notes.size(), 1u);
  EXPECT_NE(damaged.notes[0].find("ignored a damaged or foreign rule digest cache file"),
            std::string::npos)
      << damaged.notes[0];
  EXPECT_EQ(everything(damaged), everything(after));
}

TEST_F(RuleCacheTest, ANewOrRemovedRuleFileIsParsedAgain) {
  (void)load();
  fs::remove(root_ / "rules/sub/filter.yml");
  const LoadResult after = load();
  EXPECT_FALSE(after.from_cache);
  EXPECT_EQ(after.filters, 0u);
  EXPECT_EQ(hits(after, mimikatz("LAB01")), std::vector<std::uint32_t>{0});
}

TEST_F(RuleCacheTest, OtherPlaceholdersAreNeverAnsweredFromTheCache) {
  (void)load();
  Options o = options();
  o.placeholders["Admins"] = {"alice"};
  EXPECT_FALSE(load(o).from_cache);
  EXPECT_TRUE(load(o).from_cache);
}

TEST_F(RuleCacheTest, ADamagedTruncatedOrForeignCacheFileIsNotedIgnoredAndReplaced) {
  const std::string cold = everything(load());
  const std::string good = cache_bytes();
  std::string flipped = good;
  flipped[flipped.size() - 40] ^= 0x01;  // inside the payload: the checksum no longer agrees
  std::string bad_key = good;
  bad_key[12] ^= 0x01;  // only the key: stale, not damaged
  const std::vector<std::pair<std::string, std::string>> damaged = {
      {"a flipped payload byte", flipped},
      {"truncated", good.substr(0, good.size() - 1)},
      {"truncated in the header", good.substr(0, 20)},
      {"extended", good + "x"},
      {"empty", ""},
      {"foreign", "tansa-hsdb 1\nnot a rule cache"},
  };
  for (const auto& [what, bytes] : damaged) {
    SCOPED_TRACE(what);
    set_cache_bytes(bytes);
    const LoadResult r = load();
    EXPECT_FALSE(r.from_cache);
    ASSERT_EQ(r.notes.size(), 1u);
    EXPECT_NE(r.notes[0].find("ignored a damaged or foreign rule cache file"), std::string::npos)
        << r.notes[0];
    EXPECT_EQ(everything(r), cold);
    const LoadResult replaced = load();
    EXPECT_TRUE(replaced.from_cache);
    EXPECT_TRUE(replaced.notes.empty());
    EXPECT_EQ(everything(replaced), cold);
  }
  set_cache_bytes(bad_key);
  const LoadResult stale = load();
  EXPECT_FALSE(stale.from_cache);
  EXPECT_TRUE(stale.notes.empty());
  EXPECT_EQ(everything(stale), cold);
}

// A file whose checksum agrees but whose payload lies (a count beyond the bytes there, an enum out
// of range, a `not` with two operands) is refused by the payload's own checks.
TEST_F(RuleCacheTest, APayloadThatLiesIsRefusedEvenWithAGoodChecksum) {
  const LoadResult cold = load();
  const rule_cache::Key key{1, 2};
  const std::string good = rule_cache::encode(cold, key);
  ASSERT_TRUE(rule_cache::decode(good, key).has_value());
  auto reframe = [&](std::string payload) {
    rule_cache::Hash h;
    h.bytes(payload);
    std::string file = good.substr(0, 52);
    for (int k = 0; k < 8; ++k)
      file[28 + k] = static_cast<char>((payload.size() >> (8 * k)) & 0xff);
    for (int k = 0; k < 8; ++k) file[36 + k] = static_cast<char>((h.a() >> (8 * k)) & 0xff);
    for (int k = 0; k < 8; ++k) file[44 + k] = static_cast<char>((h.b() >> (8 * k)) & 0xff);
    return file + payload;
  };
  const std::string payload = good.substr(52);
  ASSERT_TRUE(rule_cache::decode(reframe(payload), key).has_value());
  // The rule count (after three u64 counts) claims more rules than the bytes could hold.
  std::string many = payload;
  many[24] = many[25] = many[26] = many[27] = '\xff';
  auto r = rule_cache::decode(reframe(many), key);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().kind, rule_cache::Error::Kind::Damaged);
  EXPECT_NE(r.error().reason.find("a count larger than the bytes that remain"), std::string::npos)
      << r.error().reason;
  // Bytes after the last correlation.
  r = rule_cache::decode(reframe(payload + '\0'), key);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().reason.find("bytes after the last rule"), std::string::npos);
  // Every truncation of the payload is refused, none crashes.
  for (std::size_t n = 0; n < payload.size(); ++n)
    ASSERT_FALSE(rule_cache::decode_payload(payload.substr(0, n)).has_value()) << n;
}

TEST_F(RuleCacheTest, ConditionsOfShapesTheParserNeverMakesAreRefused) {
  Rule rule;
  rule.detections["selection"] = {};
  Condition bad_not{Condition::Op::Not, {}, {}};
  bad_not.kids.resize(2);
  rule.conditions.push_back(bad_not);
  LoadResult lr;
  lr.rules.push_back(std::make_shared<const Rule>(rule));
  const std::string file = rule_cache::encode(lr, {});
  auto r = rule_cache::decode_payload(file.substr(52));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("a 'not' without exactly one operand"), std::string::npos) << r.error();
}

TEST_F(RuleCacheTest, WithoutACacheFolderNothingIsWritten) {
  Options o;
  const LoadResult r = load(o);
  EXPECT_FALSE(r.from_cache);
  EXPECT_TRUE(fs::is_empty(root_ / "cache"));
}

// Every SigmaHQ rule: the warm load is the cold one, byte for byte, and compiles to the same rules.
TEST_F(RuleCacheTest, EverySigmaHQRuleReadsBackExactly) {
  const std::vector<std::string> paths = sigmahq_rule_paths();
  if (paths.empty()) GTEST_SKIP() << "SigmaHQ not found (TANSA_SIGMAHQ)";
  const Options o = options();
  const LoadResult cold = load_rules(paths, o);
  const LoadResult warm = load_rules(paths, o);
  EXPECT_FALSE(cold.from_cache);
  EXPECT_TRUE(warm.from_cache);
  EXPECT_GT(cold.rules.size(), 3000u);
  EXPECT_EQ(everything(warm), everything(cold));
  std::vector<Rejection> rc, rw;
  Options compile;
  compile.prefilter = false;
  auto a = RuleSet::compile(cold.rules, compile, rc);
  auto b = RuleSet::compile(warm.rules, compile, rw);
  ASSERT_EQ(a->size(), b->size());
  for (std::size_t k = 0; k < a->size(); ++k) EXPECT_EQ(a->rules()[k].id, b->rules()[k].id);
  ASSERT_EQ(rc.size(), rw.size());
  for (std::size_t k = 0; k < rc.size(); ++k) EXPECT_EQ(rc[k].reason, rw[k].reason);
}

}  // namespace
}  // namespace tansa::sigma::testing
