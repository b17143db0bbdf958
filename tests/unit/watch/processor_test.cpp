// The per-event core of watch: what it emits, when, and under which key.
#include "watch/processor.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "formats/syslog.h"

namespace tansa::watch {
namespace {

constexpr const char* kRules = R"(title: Root Login
id: root-login
status: test
level: high
logsource: {product: linux, service: sshd}
detection:
  selection: {outcome: accepted, user: root}
  condition: selection
---
title: Failed
id: failed
name: failed
status: test
level: low
logsource: {product: linux, service: sshd}
detection:
  selection: {outcome: failed}
  condition: selection
---
title: Three Failures
id: three-failures
status: test
level: medium
correlation:
  type: event_count
  rules: [failed]
  group-by: [src_ip]
  timespan: 10m
  condition: {gte: 3}
)";

constexpr std::int64_t kIdle = 3600'000'000'000;  // a clock at which every stream is idle

struct Got {
  std::string rule, key;
  std::int64_t time;
};

class ProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = engine::Rules::from_text(kRules, "test");
    ASSERT_TRUE(r) << r.error();
    rules = std::move(*r);
  }
  std::unique_ptr<Processor> make(std::int64_t lateness_s) {
    auto p =
        std::make_unique<Processor>(*rules, ProcessorOptions{lateness_s * 1'000'000'000},
                                    [this](const Detection& d, const std::string& key) {
                                      got.push_back({rules->infos()[d.rule].id, key, d.time_ns});
                                    });
    stream = p->add_stream("auth.log", "f:1:2:0");
    return p;
  }
  // "Jan  5 03:MM:SS" sshd line; `failed` or accepted, from `ip`.
  void line(Processor& p, int minute, int second, bool failed, const std::string& user,
            const std::string& ip, std::uint64_t offset) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "Jan  5 03:%02d:%02d web1 sshd[1]: %s password for %s from %s port 22 ssh2",
                  minute, second, failed ? "Failed" : "Accepted", user.c_str(), ip.c_str());
    formats::SyslogOptions o;
    o.year = 2024;
    ASSERT_TRUE(formats::parse_syslog_line(buf, o, e));
    e.source = SourceRef{stream, SourceRef::Kind::Offset, offset};
    p.process(e);
  }
  std::vector<std::string> rules_got() const {
    std::vector<std::string> out;
    for (const Got& g : got) out.push_back(g.rule);
    return out;
  }
  std::unique_ptr<engine::Rules> rules;
  std::vector<Got> got;
  Event e;
  std::uint32_t stream = 0;
};

TEST_F(ProcessorTest, SingleEventDetectionIsEmittedBeforeProcessReturns) {
  auto p = make(60);
  line(*p, 0, 0, false, "root", "203.0.113.7", 0);
  ASSERT_EQ(rules_got(), std::vector<std::string>{"root-login"});
  EXPECT_EQ(got[0].key, "root-login|f:1:2:0|0");
}

TEST_F(ProcessorTest, RulesThatOnlyFeedCorrelationsAreNotEmitted) {
  auto p = make(60);
  line(*p, 0, 0, true, "bob", "203.0.113.7", 0);
  p->advance(kIdle);
  EXPECT_TRUE(got.empty());
}

TEST_F(ProcessorTest, CorrelationFiresOnlyOnceTheWatermarkPassesItsEvents) {
  auto p = make(60);
  for (int i = 0; i < 3; ++i) line(*p, 0, i, true, "bob", "203.0.113.7", 100 * i);
  p->advance(0);
  EXPECT_TRUE(got.empty()) << "the watermark (latest - 60 s) is before the failures";
  line(*p, 1, 30, false, "alice", "198.51.100.1", 400);  // 90 s later: the watermark passes them
  p->advance(0);
  ASSERT_EQ(rules_got(), std::vector<std::string>{"three-failures"});
  EXPECT_EQ(got[0].key, "three-failures|f:1:2:0|200") << "keyed by the event completing it";
}

TEST_F(ProcessorTest, IdleReleasesEverythingBuffered) {
  auto p = make(60);
  for (int i = 0; i < 3; ++i) line(*p, 0, i, true, "bob", "203.0.113.7", 100 * i);
  p->advance(kIdle);
  EXPECT_EQ(rules_got(), std::vector<std::string>{"three-failures"});
}

TEST_F(ProcessorTest, EventsWithinTheLatenessAreCorrelatedInEventTimeOrder) {
  auto p = make(60);
  line(*p, 0, 40, true, "bob", "203.0.113.7", 0);
  line(*p, 0, 10, true, "bob", "203.0.113.7", 100);  // 30 s late: within the lateness
  line(*p, 0, 20, true, "bob", "203.0.113.7", 200);
  p->advance(kIdle);
  ASSERT_EQ(rules_got(), std::vector<std::string>{"three-failures"});
  EXPECT_EQ(got[0].key, "three-failures|f:1:2:0|0") << "the event at 00:40 completes the window";
  EXPECT_EQ(p->counters().late, 0u);
}

TEST_F(ProcessorTest, EventsLaterThanTheLatenessAreCountedAndEvaluatedAlone) {
  auto p = make(60);
  line(*p, 10, 0, true, "bob", "203.0.113.7", 0);
  p->advance(0);  // the watermark is now 03:09:00
  line(*p, 0, 0, true, "bob", "203.0.113.7", 100);
  line(*p, 0, 1, true, "bob", "203.0.113.7", 200);
  line(*p, 0, 2, false, "root", "203.0.113.7", 300);
  p->advance(kIdle);
  EXPECT_EQ(p->counters().late, 3u);
  EXPECT_EQ(rules_got(), std::vector<std::string>{"root-login"})
      << "the late root login still fires; the late failures are not correlated";
}

TEST_F(ProcessorTest, TheSameEventsGiveTheSameKeysInAnotherProcessor) {
  for (int run = 0; run < 2; ++run) {
    auto p = make(60);
    for (int i = 0; i < 4; ++i) line(*p, 0, i, true, "bob", "203.0.113.7", 100 * i);
    line(*p, 0, 5, false, "root", "203.0.113.7", 400);
    p->advance(kIdle);
  }
  ASSERT_EQ(got.size() % 2, 0u);
  const std::size_t half = got.size() / 2;
  for (std::size_t i = 0; i < half; ++i) EXPECT_EQ(got[i].key, got[half + i].key);
}

TEST_F(ProcessorTest, AFastStreamDoesNotMakeASlowerOnesEventsLate) {
  auto p = make(1);
  const std::uint32_t file = stream;
  const std::uint32_t udp = p->add_stream("udp 127.0.0.1:514", "n:udp");
  line(*p, 0, 0, true, "bob", "203.0.113.7", 0);  // the file is at 03:00
  p->advance(0);
  stream = udp;
  line(*p, 5, 0, false, "alice", "192.0.2.1", 1);  // syslog is five minutes ahead
  p->advance(0);
  stream = file;
  line(*p, 0, 1, true, "bob", "203.0.113.7", 100);
  line(*p, 0, 2, true, "bob", "203.0.113.7", 200);
  p->advance(0);
  EXPECT_EQ(p->counters().late, 0u) << "the watermark follows the slowest active stream";
  p->advance(kIdle);
  EXPECT_EQ(rules_got(), std::vector<std::string>{"three-failures"});
}

TEST_F(ProcessorTest, AnIdleStreamStopsHoldingTheWatermarkBack) {
  auto p = make(1);
  const std::uint32_t file = stream;
  const std::uint32_t udp = p->add_stream("udp 127.0.0.1:514", "n:udp");
  line(*p, 0, 0, true, "bob", "203.0.113.7", 0);  // the file at 03:00, then silent
  p->advance(10'000'000'000);                     // 10 s later: the file is idle
  stream = udp;
  line(*p, 5, 0, false, "alice", "192.0.2.1", 1);
  p->advance(10'000'000'000);
  stream = file;
  line(*p, 0, 1, true, "bob", "203.0.113.7", 100);
  EXPECT_EQ(p->counters().late, 1u) << "the udp stream alone sets the watermark now: 03:04:59";
}

TEST_F(ProcessorTest, NeededSinceCoversTheLongestTimespanBehindTheClock) {
  auto p = make(0);
  EXPECT_EQ(p->needed_since(), INT64_MAX);
  line(*p, 20, 0, true, "bob", "203.0.113.7", 0);
  p->advance(0);
  EXPECT_EQ(p->needed_since(), p->clock() - 600'000'000'000);
}

TEST_F(ProcessorTest, TheBufferIsBoundedByPushingTheWatermark) {
  // One byte: no detection fits, so each is fed to the correlations at once, counted as forced.
  auto p = std::make_unique<Processor>(*rules, ProcessorOptions{3600'000'000'000, 1},
                                       [this](const Detection& d, const std::string& key) {
                                         got.push_back({rules->infos()[d.rule].id, key, d.time_ns});
                                       });
  stream = p->add_stream("auth.log", "f:1:2:0");
  for (int i = 0; i < 5; ++i) line(*p, 0, i, true, "bob", "203.0.113.7", 100 * i);
  EXPECT_EQ(p->buffered(), 0u);
  EXPECT_EQ(p->buffered_bytes(), 0u);
  EXPECT_EQ(p->counters().forced, 5u);
  ASSERT_EQ(got.size(), 1u) << "released early, the burst is still correlated";
  EXPECT_EQ(got[0].rule, "three-failures");
}

TEST_F(ProcessorTest, OnlyWhatTheCorrelationsReadWaitsForThem) {
  auto p = make(60);
  line(*p, 0, 0, false, "root", "203.0.113.7", 0);  // root login: no correlation uses it
  EXPECT_EQ(got.size(), 1u);
  EXPECT_EQ(p->buffered(), 0u);
  line(*p, 0, 1, true, "bob", "203.0.113.7", 100);
  EXPECT_EQ(p->buffered(), 1u);
  EXPECT_LT(p->buffered_bytes(), 400u) << "the copy keeps src_ip, not the whole event";
}

TEST_F(ProcessorTest, ASprayOfGroupValuesIsBoundedByMaxStates) {
  ProcessorOptions o;
  o.lateness_ns = 0;
  o.max_states = 10;
  auto p = std::make_unique<Processor>(*rules, o, [this](const Detection& d, const std::string& k) {
    got.push_back({rules->infos()[d.rule].id, k, d.time_ns});
  });
  stream = p->add_stream("auth.log", "f:1:2:0");
  for (int i = 0; i < 100; ++i) {
    line(*p, 1 + i / 60, i % 60, true, "bob", "198.51.100." + std::to_string(i), 100 * i);
    p->advance(0);
  }
  p->advance(kIdle);
  EXPECT_LE(p->correlation_states(), 10u);
  EXPECT_EQ(p->counters().evicted, 90u);
  EXPECT_TRUE(got.empty()) << "no address failed three times";
}

}  // namespace
}  // namespace tansa::watch
