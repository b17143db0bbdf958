// The engine on in-memory inputs: a fake reader stands in for the formats, so these tests pin
// down what the engine itself promises (lanes, hooks, order, selection, independent runs).
#include "engine/engine.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace tansa::engine {
namespace {

namespace fs = std::filesystem;

// A rule file in a fresh folder; the folder goes when the test ends.
class RuleDir {
 public:
  explicit RuleDir(const std::map<std::string, std::string>& files) {
    dir_ = fs::temp_directory_path() /
           ("tansa-engine-test-" + std::to_string(::getpid()) + "-" + std::to_string(next_++));
    fs::create_directories(dir_);
    for (const auto& [name, text] : files) std::ofstream(dir_ / name) << text;
  }
  ~RuleDir() { fs::remove_all(dir_); }
  [[nodiscard]] std::string path() const { return dir_.string(); }

 private:
  static inline int next_ = 0;
  fs::path dir_;
};

std::string failed_logon_rule(const std::string& id, int event_id) {
  return "title: Event " + std::to_string(event_id) + "\nid: " + id +
         "\nstatus: test\nlevel: high\nlogsource:\n  product: windows\n  service: security\n"
         "detection:\n  selection:\n    EventID: " +
         std::to_string(event_id) + "\n  condition: selection\n";
}

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kBase = 1'700'000'000 * kSecond;

// Events of a fake file "fake:N": event i has EventID ids[i % ids.size()] at kBase + N + 10*i s.
struct FakeFile {
  std::vector<int> ids;
  int count = 0;
};

void fill(Event& e, std::uint32_t file, int i, int id) {
  static const FieldId kChannel = field_id("Channel");
  static const FieldId kEventId = field_id("EventID");
  static const FieldId kComputer = field_id("Computer");
  e.clear();
  e.add_string(kChannel, "Security");
  e.add_int(kEventId, id);
  e.add_string(kComputer, "HOST" + std::to_string(file));
  e.time_ns = kBase + (static_cast<std::int64_t>(file) + 10LL * i) * kSecond;
  e.source.file = file;
  e.source.kind = SourceRef::Kind::Record;
  e.source.position = static_cast<std::uint64_t>(i + 1);
}

// The fake format: "fake:*" paths, each read serially, or split over every lane when `split`.
hunt::Format fake_format(std::map<std::string, FakeFile> files, bool split) {
  hunt::Format f;
  f.name = "fake";
  f.sniff = [](std::string_view, const std::string& path) { return path.starts_with("fake:"); };
  f.parallel_inside = split;
  f.read = [files](const hunt::ReaderContext& ctx, const hunt::Emit& emit) {
    const auto it = files.find(ctx.input->path);
    if (it == files.end()) return false;
    const FakeFile& ff = it->second;
    if (ctx.lanes.size() <= 1) {
      Event e;
      for (int i = 0; i < ff.count; ++i) {
        fill(e, ctx.file_index, i, ff.ids[i % ff.ids.size()]);
        emit(e);
      }
      return true;
    }
    // Lane k reads events k, k + lanes, ... on its own thread.
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < ctx.lanes.size(); ++k)
      threads.emplace_back([&, k] {
        Event e;
        for (int i = static_cast<int>(k); i < ff.count; i += static_cast<int>(ctx.lanes.size())) {
          fill(e, ctx.file_index, i, ff.ids[i % ff.ids.size()]);
          ctx.lanes[k](e);
        }
      });
    for (auto& t : threads) t.join();
    return true;
  };
  return f;
}

// Counts events and the threads it was called from.
class CountingHook final : public EventHook {
 public:
  void on_event(const Event& e) override {
    ++events;
    threads.insert(std::this_thread::get_id());
    if (busy.exchange(true)) concurrent = true;
    last_time = e.time_ns;
    busy = false;
  }
  std::uint64_t events = 0;
  std::set<std::thread::id> threads;
  std::atomic<bool> busy{false};
  bool concurrent = false;
  std::int64_t last_time = 0;
};

std::vector<hunt::Input> inputs_of(std::initializer_list<std::string> paths) {
  std::vector<hunt::Input> in;
  for (const auto& p : paths) in.push_back({p, p == "fake:big" ? (64u << 20) : 100u, 0});
  return in;
}

struct Drained {
  std::vector<Detection> detections;
  std::vector<std::string> problems;
  bool ok = false;
};

Drained drain(engine::Run& run) {
  Drained d;
  auto r = run.drain([&](const Detection& x) { d.detections.push_back(x); },
                     [&](const std::string& p) { d.problems.push_back(p); });
  d.ok = r.has_value();
  return d;
}

std::unique_ptr<Rules> load(const RuleDir& dir) {
  auto r = Rules::load({{dir.path()}, {}, 1, std::nullopt});
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error());
  return r ? std::move(*r) : nullptr;
}

// Most tests need one rule: failed logons (4625).
class OneRule : public ::testing::Test {
 protected:
  void SetUp() override {
    rules = load(dir);
    ASSERT_TRUE(rules);
  }
  RuleDir dir{{{"a.yml", failed_logon_rule("11111111-1111-1111-1111-111111111111", 4625)}}};
  std::unique_ptr<Rules> rules;
};

TEST_F(OneRule, EveryEventIsMatchedOnceAndDetectionsComeOutInTimeOrder) {
  Settings s;
  s.threads = 2;
  engine::Run run(
      *rules, s,
      std::vector{fake_format(
          {{"fake:0", {{4624, 4625}, 100}}, {"fake:1", {{4625}, 50}}, {"fake:2", {{4624}, 30}}},
          false)});
  std::vector<std::string> diags;
  std::mutex mu;
  run.read(
      inputs_of({"fake:0", "fake:1", "fake:2"}),
      [&](const Diagnostic& d) {
        std::lock_guard lock(mu);
        diags.push_back(to_string(d));
      },
      [](unsigned) { return std::make_unique<CountingHook>(); });
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(run.counters().events.load(), 180u);
  EXPECT_EQ(run.counters().files_read.load(), 3u);
  ASSERT_EQ(run.hooks().size(), 2u);
  std::uint64_t hooked = 0;
  for (const auto& h : run.hooks()) {
    const auto& c = static_cast<const CountingHook&>(*h);
    hooked += c.events;
    EXPECT_FALSE(c.concurrent);
  }
  EXPECT_EQ(hooked, 180u);
  const Drained d = drain(run);
  ASSERT_TRUE(d.ok);
  ASSERT_EQ(d.detections.size(), 100u);  // 50 of fake:0, 50 of fake:1, none of fake:2
  for (std::size_t i = 1; i < d.detections.size(); ++i)
    EXPECT_LE(d.detections[i - 1].time_ns, d.detections[i].time_ns);
  std::map<std::uint32_t, int> per_file;
  for (const auto& x : d.detections) ++per_file[x.source.file];
  EXPECT_EQ(per_file[0], 50);
  EXPECT_EQ(per_file[1], 50);
  EXPECT_EQ(per_file.count(2), 0u);
}

TEST_F(OneRule, AFileSplitOverLanesGivesEachLaneItsOwnMatcherAndHook) {
  Settings s;
  s.threads = 2;
  engine::Run run(*rules, s, std::vector{fake_format({{"fake:big", {{4625}, 1000}}}, true)});
  run.read(
      inputs_of({"fake:big"}), [](const Diagnostic&) {},
      [](unsigned) { return std::make_unique<CountingHook>(); });
  ASSERT_EQ(run.hooks().size(), 2u);
  for (const auto& h : run.hooks()) {
    const auto& c = static_cast<const CountingHook&>(*h);
    EXPECT_EQ(c.events, 500u);
    EXPECT_EQ(c.threads.size(), 1u);
    EXPECT_FALSE(c.concurrent);
  }
  const Drained d = drain(run);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.detections.size(), 1000u);
  for (std::size_t i = 1; i < d.detections.size(); ++i)
    EXPECT_LT(d.detections[i - 1].time_ns, d.detections[i].time_ns);
}

TEST_F(OneRule, TheTimeWindowDropsEventsButCountsThem) {
  Settings s;
  s.threads = 1;
  s.from_ns = kBase + 100 * kSecond;  // events 10..
  s.to_ns = kBase + 190 * kSecond;    // ..19
  engine::Run run(*rules, s, std::vector{fake_format({{"fake:0", {{4625}, 40}}}, false)});
  run.read(
      inputs_of({"fake:0"}), [](const Diagnostic&) {},
      [](unsigned) { return std::make_unique<CountingHook>(); });
  EXPECT_EQ(run.counters().events.load(), 40u);
  EXPECT_EQ(static_cast<const CountingHook&>(*run.hooks()[0]).events, 10u);
  EXPECT_EQ(drain(run).detections.size(), 10u);
}

TEST(Engine, DisabledRulesLeaveNoDetections) {
  RuleDir dir({{"a.yml", failed_logon_rule("11111111-1111-1111-1111-111111111111", 4625)},
               {"b.yml", failed_logon_rule("22222222-2222-2222-2222-222222222222", 4624)}});
  auto rules = load(dir);
  ASSERT_TRUE(rules);
  ASSERT_EQ(rules->infos().size(), 2u);
  Settings s;
  s.threads = 1;
  s.rule_enabled.assign(2, false);
  for (std::size_t i = 0; i < 2; ++i)
    if (rules->infos()[i].id == "22222222-2222-2222-2222-222222222222") s.rule_enabled[i] = true;
  engine::Run run(*rules, s, std::vector{fake_format({{"fake:0", {{4624, 4625}, 10}}}, false)});
  run.read(inputs_of({"fake:0"}), [](const Diagnostic&) {});
  const Drained d = drain(run);
  ASSERT_EQ(d.detections.size(), 5u);
  for (const auto& x : d.detections)
    EXPECT_EQ(rules->infos()[x.rule].id, "22222222-2222-2222-2222-222222222222");
}

TEST(Engine, TwoRunsInOneProcessNeverShareMatchers) {
  // The old pipeline kept a matcher per thread in process-wide state; a second run on the same
  // thread must match with its own rules only.
  RuleDir a({{"a.yml", failed_logon_rule("11111111-1111-1111-1111-111111111111", 4625)}});
  RuleDir b({{"b.yml", failed_logon_rule("22222222-2222-2222-2222-222222222222", 4624)}});
  auto ra = load(a), rb = load(b);
  ASSERT_TRUE(ra && rb);
  Settings s;
  s.threads = 1;
  auto format = fake_format({{"fake:0", {{4624, 4625}, 10}}}, false);
  engine::Run run_a(*ra, s, std::vector{format});
  engine::Run run_b(*rb, s, std::vector{format});
  run_a.read(inputs_of({"fake:0"}), [](const Diagnostic&) {});
  run_b.read(inputs_of({"fake:0"}), [](const Diagnostic&) {});
  const Drained da = drain(run_a), db = drain(run_b);
  ASSERT_EQ(da.detections.size(), 5u);
  ASSERT_EQ(db.detections.size(), 5u);
  for (const auto& x : da.detections) EXPECT_EQ(x.time_ns % (20 * kSecond), 10 * kSecond);
  for (const auto& x : db.detections) EXPECT_EQ(x.time_ns % (20 * kSecond), 0);
}

TEST(Engine, DetectionsThatOnlyFeedCorrelationsCarryWhatTheyReadAndAreNotShown) {
  // Five failed logons a host; the base rule is not generated, so only the correlation shows,
  // carrying its group-by value; the base detections kept only that field on the way.
  RuleDir dir(std::map<std::string, std::string>{
      {"c.yml",
       std::string("title: Failed logon\nid: 33333333-3333-3333-3333-333333333333\nname: failed\n"
                   "level: low\nlogsource:\n  product: windows\n  service: security\n"
                   "detection:\n  selection:\n    EventID: 4625\n  condition: selection\n---\n"
                   "title: Many failed logons on one host\n"
                   "id: 44444444-4444-4444-4444-444444444444\nlevel: high\ncorrelation:\n"
                   "  type: event_count\n  rules: [failed]\n  group-by: [Computer]\n"
                   "  timespan: 1h\n  condition: {gte: 5}\n")}});
  auto rules = load(dir);
  ASSERT_TRUE(rules);
  ASSERT_EQ(rules->correlator().size(), 1u);
  std::uint32_t base = 0;
  for (std::uint32_t i = 0; i < rules->infos().size(); ++i)
    if (rules->infos()[i].id == "33333333-3333-3333-3333-333333333333") base = i;
  EXPECT_TRUE(rules->correlator().suppressed(base));
  EXPECT_EQ(rules->correlator().fields_read(base), std::vector<std::string>{"Computer"});
  Settings s;
  s.threads = 2;
  // Twice with the same rules: each run keeps correlation state of its own, so the second sees
  // exactly what the first saw (a shared state would count HOST1's events twice and fire again).
  for (int pass = 0; pass < 2; ++pass) {
    engine::Run run(
        *rules, s,
        std::vector{fake_format({{"fake:0", {{4625}, 5}}, {"fake:1", {{4625}, 4}}}, false)});
    run.read(inputs_of({"fake:0", "fake:1"}), [](const Diagnostic&) {});
    EXPECT_EQ(run.counters().detections.load(), 9u);
    const Drained d = drain(run);
    ASSERT_TRUE(d.ok);
    ASSERT_EQ(d.detections.size(), 1u) << "pass " << pass;  // HOST0 reached 5, HOST1 only 4
    EXPECT_EQ(rules->infos()[d.detections[0].rule].id, "44444444-4444-4444-4444-444444444444");
    EXPECT_EQ(d.detections[0].host, "HOST0");
    bool grouped = false;
    for (const auto& [k, v] : d.detections[0].fields)
      grouped = grouped || (k == "Computer" && v == "HOST0");
    EXPECT_TRUE(grouped);
    EXPECT_EQ(d.detections[0].related.size(), 5u);
  }
}

TEST_F(OneRule, AnUnreadableInputIsCountedAndReported) {
  Settings s;
  s.threads = 2;
  engine::Run run(*rules, s, std::vector{fake_format({{"fake:0", {{4625}, 3}}}, false)});
  std::vector<std::string> diags;
  std::mutex mu;
  run.read(inputs_of({"fake:0", "fake:missing", "other"}), [&](const Diagnostic& d) {
    std::lock_guard lock(mu);
    diags.push_back(to_string(d));
  });
  EXPECT_EQ(run.counters().files_read.load(), 1u);
  EXPECT_EQ(run.counters().files_failed.load(), 2u);
  ASSERT_EQ(diags.size(), 1u);  // "other": no format; fake:missing: its reader said no
  EXPECT_NE(diags[0].find("format not recognised"), std::string::npos) << diags[0];
  EXPECT_EQ(drain(run).detections.size(), 3u);
}

TEST_F(OneRule, AnUnknownFormatIsAnErrorNamingTheKnownOnes) {
  Settings s;
  s.format = "nope";
  engine::Run run(*rules, s);
  const auto r = run.check();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("evtx"), std::string::npos) << r.error();
  s.format = "syslog";
  engine::Run ok(*rules, s);
  EXPECT_TRUE(ok.check().has_value());
}

TEST(Engine, RulesNeedAPathAndReadablePlaceholders) {
  EXPECT_FALSE(Rules::load({{}, "/nonexistent/placeholders.yml", 1, std::nullopt}).has_value());
}

// The rule cache (src/sigma/rule_cache.h) as a command sees it: a warm load is answered from the
// cache, and a damaged cache file is said in notes(), which hunt and investigate print.
TEST(Engine, ADamagedRuleCacheIsANoteAndTheRulesStillLoad) {
  RuleDir rules({{"r.yml", failed_logon_rule("11111111-1111-1111-1111-111111111111", 4625)}});
  RuleDir cache(std::map<std::string, std::string>{});
  const RuleOptions options{{rules.path()}, "", 1, cache.path()};
  auto cold = Rules::load(options);
  ASSERT_TRUE(cold.has_value()) << cold.error();
  EXPECT_FALSE((*cold)->from_cache());
  EXPECT_TRUE((*cold)->notes().empty());
  auto warm = Rules::load(options);
  ASSERT_TRUE(warm.has_value());
  EXPECT_TRUE((*warm)->from_cache());
  EXPECT_TRUE((*warm)->notes().empty());
  EXPECT_EQ((*warm)->set().size(), 1u);
  // Both caches damaged: the compiled set's and the parsed rules'; each is said, and the rules
  // are parsed and compiled anew.
  for (const auto& e : fs::directory_iterator(cache.path()))
    if (e.path().filename().string().starts_with("rules-") ||
        e.path().filename().string().starts_with("compiled-"))
      std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "not a rule cache";
  auto damaged = Rules::load(options);
  ASSERT_TRUE(damaged.has_value());
  EXPECT_FALSE((*damaged)->from_cache());
  ASSERT_EQ((*damaged)->notes().size(), 2u);
  EXPECT_NE((*damaged)->notes()[0].find("ignored a damaged or foreign compiled rule cache file"),
            std::string::npos);
  EXPECT_NE((*damaged)->notes()[1].find("ignored a damaged or foreign rule cache file"),
            std::string::npos);
  EXPECT_EQ((*damaged)->set().size(), 1u);
  auto again = Rules::load(options);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE((*again)->from_cache());
  EXPECT_TRUE((*again)->notes().empty());
}

TEST(EngineOptions, ZonesAndTimeBounds) {
  EXPECT_EQ(parse_tz("+09:00"), 540);
  EXPECT_EQ(parse_tz("-0500"), -300);
  EXPECT_EQ(parse_tz("+09"), 540);
  EXPECT_EQ(parse_tz("UTC"), 0);
  EXPECT_EQ(parse_tz("Z"), 0);
  EXPECT_FALSE(parse_tz("+9:0x").has_value());
  EXPECT_FALSE(parse_tz("+15:00").has_value());
  EXPECT_FALSE(parse_tz("09:00").has_value());
  const auto day = parse_time_bound("2024-01-05", false);
  const auto end = parse_time_bound("2024-01-05", true);
  ASSERT_TRUE(day && end);
  EXPECT_EQ(*end - *day, 86400LL * kSecond - 1);
  EXPECT_EQ(parse_time_bound("2024-01-05T03:00:00Z", true),
            parse_time_bound("2024-01-05T03:00:00Z", false));
  EXPECT_FALSE(parse_time_bound("yesterday", false).has_value());
}

// --- Duplicates: the same record in several inputs is one event ---

// A Windows record as a collection holds it: the same record in two files has the same fields.
struct Record {
  std::string computer;
  std::uint64_t record_id;
  int event_id;
  std::string user;
  std::int64_t seconds;  // after kBase
};

void fill_record(Event& e, std::uint32_t file, const Record& r) {
  static const FieldId kChannel = field_id("Channel");
  static const FieldId kEventId = field_id("EventID");
  static const FieldId kComputer = field_id("Computer");
  static const FieldId kRecordId = field_id("EventRecordID");
  static const FieldId kUser = field_id("TargetUserName");
  e.clear();
  e.add_int(kEventId, r.event_id);
  if (r.record_id) e.add_uint(kRecordId, r.record_id);  // 0: a record without one
  e.add_string(kChannel, "Security");
  e.add_string(kComputer, r.computer);
  e.add_string(kUser, r.user);
  e.time_ns = kBase + r.seconds * kSecond;
  e.source = SourceRef{file, SourceRef::Kind::Record, r.record_id};
}

hunt::Format record_format(std::map<std::string, std::vector<Record>> files) {
  hunt::Format f;
  f.name = "records";
  f.sniff = [](std::string_view, const std::string& path) { return path.starts_with("rec:"); };
  f.read = [files](const hunt::ReaderContext& ctx, const hunt::Emit& emit) {
    const auto it = files.find(ctx.input->path);
    if (it == files.end()) return false;
    Event e;
    for (const Record& r : it->second) {
      fill_record(e, ctx.file_index, r);
      emit(e);
    }
    return true;
  };
  return f;
}

std::vector<hunt::Input> record_inputs(std::initializer_list<std::string> paths) {
  std::vector<hunt::Input> in;
  for (const auto& p : paths) in.push_back({p, 100u, 0});
  return in;
}

std::uint64_t hooked_events(const engine::Run& run) {
  std::uint64_t n = 0;
  for (const auto& h : run.hooks()) n += static_cast<const CountingHook&>(*h).events;
  return n;
}

const std::vector<Record> kLog = {{"DC01", 100, 4625, "alice", 1},
                                  {"DC01", 101, 4624, "alice", 2},
                                  {"DC01", 102, 4625, "bob", 3}};

TEST_F(OneRule, ARecordInSeveralInputsIsDetectedOnceCitingEverySource) {
  // rec:a is the live log, rec:b a shadow copy of it, rec:c the same log collected again with one
  // more record; the input order puts the copy the pool reads first anywhere.
  std::vector<Record> longer = kLog;
  longer.push_back({"DC01", 103, 4625, "carol", 4});
  for (unsigned threads : {1u, 3u}) {
    Settings s;
    s.threads = threads;
    engine::Run run(
        *rules, s,
        std::vector{record_format({{"rec:a", kLog}, {"rec:b", kLog}, {"rec:c", longer}})});
    run.read(
        record_inputs({"rec:a", "rec:b", "rec:c"}), [](const Diagnostic&) {},
        [](unsigned) { return std::make_unique<CountingHook>(); });
    EXPECT_EQ(run.counters().events.load(), 10u);
    EXPECT_EQ(run.duplicates_dropped(), 6u);
    EXPECT_EQ(hooked_events(run), 4u);  // what investigate counts: each record once
    const Drained d = drain(run);
    ASSERT_TRUE(d.ok);
    ASSERT_EQ(d.detections.size(), 3u) << threads;  // records 100, 102, 103
    const std::vector<SourceRef> copies_100 = {{1, SourceRef::Kind::Record, 100},
                                               {2, SourceRef::Kind::Record, 100}};
    EXPECT_EQ(d.detections[0].source, (SourceRef{0, SourceRef::Kind::Record, 100}));
    EXPECT_EQ(d.detections[0].copies, copies_100);
    EXPECT_EQ(d.detections[1].source, (SourceRef{0, SourceRef::Kind::Record, 102}));
    EXPECT_EQ(d.detections[1].copies.size(), 2u);
    EXPECT_EQ(d.detections[2].source, (SourceRef{2, SourceRef::Kind::Record, 103}));
    EXPECT_TRUE(d.detections[2].copies.empty());
  }
}

TEST_F(OneRule, KeepDuplicatesEvaluatesEveryCopy) {
  Settings s;
  s.threads = 2;
  s.keep_duplicates = true;
  engine::Run run(*rules, s, std::vector{record_format({{"rec:a", kLog}, {"rec:b", kLog}})});
  run.read(
      record_inputs({"rec:a", "rec:b"}), [](const Diagnostic&) {},
      [](unsigned) { return std::make_unique<CountingHook>(); });
  EXPECT_EQ(run.duplicates_dropped(), 0u);
  EXPECT_EQ(hooked_events(run), 6u);
  const Drained d = drain(run);
  ASSERT_EQ(d.detections.size(), 4u);
  for (const auto& x : d.detections) EXPECT_TRUE(x.copies.empty());
}

TEST_F(OneRule, TheSameRecordIdWithOtherContentOrOnAnotherComputerIsNotMerged) {
  // Record ids restart on every computer and after a log is recreated: only the whole record
  // makes a duplicate.
  const std::vector<Record> other_host = {{"WS07", 100, 4625, "alice", 1}};
  const std::vector<Record> other_user = {{"DC01", 100, 4625, "mallory", 1}};
  const std::vector<Record> other_time = {{"DC01", 100, 4625, "alice", 9}};
  Settings s;
  s.threads = 2;
  engine::Run run(*rules, s,
                  std::vector{record_format({{"rec:a", {kLog[0]}},
                                             {"rec:b", other_host},
                                             {"rec:c", other_user},
                                             {"rec:d", other_time}})});
  run.read(record_inputs({"rec:a", "rec:b", "rec:c", "rec:d"}), [](const Diagnostic&) {});
  EXPECT_EQ(run.duplicates_dropped(), 0u);
  const Drained d = drain(run);
  ASSERT_EQ(d.detections.size(), 4u);
  for (const auto& x : d.detections) EXPECT_TRUE(x.copies.empty());
}

TEST_F(OneRule, EventsWithoutARecordIdAreNeverMerged) {
  // Two identical lines of a text log are two events (a retried logon in the same second).
  const std::vector<Record> lines = {{"web1", 0, 4625, "root", 1}, {"web1", 0, 4625, "root", 1}};
  Settings s;
  s.threads = 1;
  engine::Run run(*rules, s, std::vector{record_format({{"rec:a", lines}, {"rec:b", lines}})});
  run.read(record_inputs({"rec:a", "rec:b"}), [](const Diagnostic&) {});
  EXPECT_EQ(run.duplicates_dropped(), 0u);
  EXPECT_EQ(drain(run).detections.size(), 4u);
}

// --- Evaluation split across processes (tansa worker): read_base() per input, add_base() ---

std::string serialized(const std::vector<Detection>& ds) {
  std::string out;
  for (const Detection& d : ds) d.serialize(out);
  return out;
}

TEST(Engine, InputsEvaluatedApartAndMergedGiveExactlyWhatOneRunGives) {
  // A base rule only a correlation reads (slimmed), one shown rule, and the correlation; rec:b is
  // a copy of rec:a, rec:c the same log with one more record. Each input is read by a run of its
  // own (a worker), the detections cite the submitter's input index, and a third run takes them
  // in any order: its drain equals the one run's over all inputs, duplicates and correlation
  // included.
  RuleDir dir(std::map<std::string, std::string>{
      {"c.yml",
       std::string("title: Failed logon\nid: 33333333-3333-3333-3333-333333333333\nname: failed\n"
                   "level: low\nlogsource:\n  product: windows\n  service: security\n"
                   "detection:\n  selection:\n    EventID: 4625\n  condition: selection\n---\n"
                   "title: Failed logons on one host\n"
                   "id: 44444444-4444-4444-4444-444444444444\nlevel: high\ncorrelation:\n"
                   "  type: event_count\n  rules: [failed]\n  group-by: [Computer]\n"
                   "  timespan: 1h\n  condition: {gte: 2}\n")},
      {"s.yml", failed_logon_rule("55555555-5555-5555-5555-555555555555", 4624)}});
  auto rules = load(dir);
  ASSERT_TRUE(rules);
  std::vector<Record> longer = kLog;
  longer.push_back({"DC01", 103, 4625, "carol", 4});
  const std::map<std::string, std::vector<Record>> files = {
      {"rec:a", kLog}, {"rec:b", kLog}, {"rec:c", longer}};
  const auto inputs = record_inputs({"rec:a", "rec:b", "rec:c"});
  Settings s;
  s.threads = 2;

  engine::Run one(*rules, s, std::vector{record_format(files)});
  one.read(inputs, [](const Diagnostic&) {});
  const Drained expected = drain(one);
  ASSERT_TRUE(expected.ok);
  ASSERT_EQ(expected.detections.size(), 2u);  // 4624 of record 101, and the correlation
  std::set<std::string> ids;
  for (const Detection& d : expected.detections) ids.insert(rules->infos()[d.rule].id);
  EXPECT_TRUE(ids.contains("44444444-4444-4444-4444-444444444444"));
  EXPECT_EQ(expected.detections[0].copies.size(), 2u);

  const std::uint64_t seed1 = random_seed(), seed2 = random_seed();
  std::vector<std::pair<Detection, std::optional<RecordKey>>> base;
  for (std::uint32_t i = 0; i < inputs.size(); ++i) {
    engine::Run worker(*rules, s, std::vector{record_format(files)});
    worker.read_base(
        {inputs[i]}, [](const Diagnostic&) {}, seed1, seed2,
        [&](Detection&& d, const std::optional<RecordKey>& key) {
          d.source.file = i;
          base.emplace_back(std::move(d), key);
        });
  }
  EXPECT_EQ(base.size(), 10u);  // every copy evaluated: 3 + 3 + 4
  std::reverse(base.begin(), base.end());
  engine::Run merged(*rules, s, std::vector{record_format(files)});
  for (auto& [d, key] : base) ASSERT_TRUE(merged.add_base(std::move(d), key).has_value());
  const Drained got = drain(merged);
  ASSERT_TRUE(got.ok);
  EXPECT_EQ(serialized(got.detections), serialized(expected.detections));
  EXPECT_EQ(merged.duplicates_dropped(), one.duplicates_dropped());  // all records had detections
}

TEST_F(OneRule, ARecordRepeatedAtTheSamePlaceIsKeptOnceWhenMergedFromWorkers) {
  // A file whose chunks were copied into it twice holds the same record twice at one source;
  // read() evaluates it once, and so does the merge of a worker's detections.
  const std::map<std::string, std::vector<Record>> files = {{"rec:a", {kLog[0], kLog[0]}}};
  const auto inputs = record_inputs({"rec:a"});
  Settings s;
  s.threads = 1;
  engine::Run one(*rules, s, std::vector{record_format(files)});
  one.read(inputs, [](const Diagnostic&) {});
  const Drained expected = drain(one);
  ASSERT_EQ(expected.detections.size(), 1u);
  engine::Run worker(*rules, s, std::vector{record_format(files)});
  engine::Run merged(*rules, s, std::vector{record_format(files)});
  std::size_t given = 0;
  worker.read_base(
      inputs, [](const Diagnostic&) {}, 1, 2,
      [&](Detection&& d, const std::optional<RecordKey>& key) {
        ++given;
        ASSERT_TRUE(merged.add_base(std::move(d), key).has_value());
      });
  EXPECT_EQ(given, 2u);
  EXPECT_EQ(serialized(drain(merged).detections), serialized(expected.detections));
}

TEST(Engine, ARecordsKeyIsTheSameWhateverOrderItsFieldsComeIn) {
  // Readers may order fields by this process's field ids; the key is made to travel.
  Event a, b;
  a.add_uint(field_id("EventRecordID"), 7);
  a.add_string(field_id("Computer"), "DC01");
  a.add_string(field_id("TargetUserName"), "alice");
  b.add_string(field_id("TargetUserName"), "alice");
  b.add_string(field_id("Computer"), "DC01");
  b.add_uint(field_id("EventRecordID"), 7);
  a.time_ns = b.time_ns = kBase;
  EXPECT_EQ(record_key(a, 1, 2), record_key(b, 1, 2));
  EXPECT_NE(record_key(a, 1, 2), record_key(a, 1, 3));
  b.add_string(field_id("IpAddress"), "10.0.0.1");
  EXPECT_NE(record_key(a, 1, 2), record_key(b, 1, 2));
  Event line;
  line.add_string(field_id("Computer"), "DC01");
  EXPECT_FALSE(record_key(line, 1, 2).has_value());
}

}  // namespace
}  // namespace tansa::engine
