// Correlation rules: every type and option, fed detections in final order; shuffled input sorted
// the way hunt sorts it gives the same correlations.
#include "correlate/correlator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "tansa/sigma.h"

namespace tansa::correlate {
namespace {

constexpr std::int64_t kSec = 1000000000LL;

struct Fixture {
  std::vector<RuleInfo> base;
  std::vector<Rejection> rejected;
  std::unique_ptr<Correlator> corr;

  explicit Fixture(const std::string& yaml) {
    // Base rules "fail" (id r-fail, name failed_logon), "ok" (r-ok), "add" (r-add, name add_user).
    base = {RuleInfo{"r-fail", "fail", Level::Low, "", {}, "", "failed_logon"},
            RuleInfo{"r-ok", "ok", Level::Low, "", {}, "", ""},
            RuleInfo{"r-add", "add", Level::Low, "", {}, "", "add_user"}};
    auto loaded = sigma::load_rules_text(yaml, "c.yml", {});
    for (const auto& r : loaded.rejected) ADD_FAILURE() << r.reason;
    corr = std::make_unique<Correlator>(base, loaded.correlation_rules, rejected);
  }

  // Runs detections (sorted by time, then source) and returns the correlation detections.
  std::vector<Detection> run(std::vector<Detection> in) {
    std::stable_sort(in.begin(), in.end(), DetectionOrder{corr->rules()});
    std::vector<Detection> out;
    auto emit = [&](Detection&& d) { out.push_back(std::move(d)); };
    for (const auto& d : in) corr->add(d, emit);
    corr->finish(emit);
    return out;
  }
};

Detection det(std::uint32_t rule, std::int64_t t,
              std::vector<std::pair<std::string, std::string>> fields, std::uint64_t rec = 0) {
  Detection d;
  d.rule = rule;
  d.time_ns = t * kSec;
  d.source = SourceRef{0, SourceRef::Kind::Record, rec ? rec : static_cast<std::uint64_t>(t)};
  d.fields = std::move(fields);
  d.host = "h";
  return d;
}

std::string field(const Detection& d, const std::string& k) {
  for (const auto& [n, v] : d.fields)
    if (n == k) return v;
  return "<none>";
}

const char* kHeader = "title: c\nid: c-1\nlevel: high\ncorrelation:\n";

TEST(Correlator, EventCountByKeyWithinTimespan) {
  Fixture f(std::string(kHeader) +
            "  type: event_count\n  rules: [failed_logon]\n  group-by: [user]\n  timespan: 1m\n"
            "  condition: {gte: 3}\n");
  ASSERT_EQ(f.corr->size(), 1u);
  std::vector<Detection> in;
  for (int i = 0; i < 3; ++i)
    in.push_back(det(0, 10 + i * 10, {{"user", "bob"}}));  // 3 in 20 s: fires
  for (int i = 0; i < 3; ++i)
    in.push_back(det(0, 100 + i * 40, {{"user", "eve"}}));  // 3 in 80 s: no
  in.push_back(det(0, 15, {{"user", "amy"}}));
  auto out = f.run(in);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rule, 3u);
  EXPECT_EQ(field(out[0], "user"), "bob");
  EXPECT_EQ(field(out[0], "event_count"), "3");
  EXPECT_EQ(out[0].time_ns, 30 * kSec);
  EXPECT_EQ(out[0].related.size(), 3u);
  EXPECT_TRUE(f.corr->suppressed(0));  // generate defaults to false
  EXPECT_FALSE(f.corr->suppressed(1));
  EXPECT_EQ(f.corr->live_states(), 0u);
}

TEST(Correlator, ShuffledInputGivesTheSameCorrelations) {
  const std::string yaml =
      std::string(kHeader) +
      "  type: event_count\n  rules: [r-fail]\n  group-by: [src]\n  timespan: 5m\n"
      "  condition: {gt: 4}\n  generate: true\n";
  std::vector<Detection> in;
  for (int i = 0; i < 200; ++i)
    in.push_back(det(0, i * 7, {{"src", "10.0.0." + std::to_string(i % 3)}}, i + 1));
  Fixture a(yaml), b(yaml);
  auto x = a.run(in);
  std::shuffle(in.begin(), in.end(), std::mt19937(7));
  auto y = b.run(in);
  ASSERT_EQ(x.size(), y.size());
  ASSERT_GT(x.size(), 10u);
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].time_ns, y[i].time_ns);
    EXPECT_EQ(x[i].fields, y[i].fields);
    EXPECT_EQ(x[i].related, y[i].related);
  }
  EXPECT_FALSE(a.corr->suppressed(0));  // generate: true
}

TEST(Correlator, ValueCountCountsDistinctValues) {
  // Password spraying: one source, many accounts.
  Fixture f(std::string(kHeader) +
            "  type: value_count\n  rules: [r-fail]\n  group-by: [src]\n  timespan: 10m\n"
            "  condition: {field: user, gte: 3}\n");
  auto out =
      f.run({det(0, 1, {{"src", "a"}, {"user", "u1"}}), det(0, 2, {{"src", "a"}, {"user", "u1"}}),
             det(0, 3, {{"src", "a"}, {"user", "u2"}}), det(0, 4, {{"src", "b"}, {"user", "u3"}}),
             det(0, 5, {{"src", "a"}, {"user", "u3"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "src"), "a");
  EXPECT_EQ(field(out[0], "value_count"), "3");
}

TEST(Correlator, TemporalNeedsEveryRuleAndOrderedNeedsTheOrder) {
  const std::string rules = "  rules: [failed_logon, r-ok]\n  group-by: [user]\n  timespan: 5m\n";
  Fixture any(std::string(kHeader) + "  type: temporal\n" + rules);
  auto out =
      any.run({det(1, 1, {{"user", "x"}}), det(0, 2, {{"user", "x"}}), det(0, 3, {{"user", "y"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "user"), "x");
  Fixture ordered(std::string(kHeader) + "  type: temporal_ordered\n" + rules);
  // ok before fail: not in order; fail then ok: fires.
  out = ordered.run({det(1, 1, {{"user", "x"}}), det(0, 2, {{"user", "x"}}),
                     det(0, 10, {{"user", "y"}}), det(1, 20, {{"user", "y"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "user"), "y");
  // Too far apart for the timespan.
  Fixture late(std::string(kHeader) + "  type: temporal\n" + rules);
  EXPECT_TRUE(late.run({det(0, 1, {{"user", "x"}}), det(1, 400, {{"user", "x"}})}).empty());
}

TEST(Correlator, AliasesMapGroupByFieldsPerRule) {
  // Account created, then added to a group: the account is TargetUserName in one, MemberName in the
  // other.
  Fixture f(
      std::string(kHeader) +
      "  type: temporal_ordered\n  rules: [add_user, r-ok]\n  group-by: [account]\n  timespan: 1h\n"
      "  aliases:\n    account:\n      add_user: TargetUserName\n      r-ok: MemberName\n");
  auto out = f.run({det(2, 1, {{"TargetUserName", "eve"}}), det(1, 60, {{"MemberName", "eve"}}),
                    det(1, 61, {{"MemberName", "bob"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "account"), "eve");
}

TEST(Correlator, ValueSumAvgAndPercentile) {
  const std::string common = "  rules: [r-ok]\n  group-by: [dst]\n  timespan: 1h\n";
  Fixture sum(std::string(kHeader) + "  type: value_sum\n" + common +
              "  condition: {field: bytes, gt: 1000}\n");
  auto out = sum.run(
      {det(1, 1, {{"dst", "x"}, {"bytes", "600"}}), det(1, 2, {{"dst", "x"}, {"bytes", "600"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "value_sum"), "1200");
  Fixture avg(std::string(kHeader) + "  type: value_avg\n" + common +
              "  condition: {field: bytes, gte: 500}\n");
  out = avg.run(
      {det(1, 1, {{"dst", "x"}, {"bytes", "100"}}), det(1, 2, {{"dst", "x"}, {"bytes", "900"}})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "value_avg"), "500");
  Fixture pct(std::string(kHeader) + "  type: value_percentile\n" + common +
              "  condition: {field: bytes, percentile: 50, gte: 300}\n");
  out = pct.run({det(1, 1, {{"dst", "x"}, {"bytes", "100"}}),
                 det(1, 2, {{"dst", "x"}, {"bytes", "300"}}),
                 det(1, 3, {{"dst", "x"}, {"bytes", "900"}})});
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(field(out[0], "value_percentile"), "300");
}

TEST(Correlator, UpperBoundsAreJudgedWhenTheWindowCloses) {
  // Fewer than 3 events in 1 minute (e.g. a heartbeat that went quiet), and a range.
  Fixture lt(std::string(kHeader) +
             "  type: event_count\n  rules: [r-ok]\n  group-by: [h]\n  timespan: 1m\n"
             "  condition: {lt: 3}\n");
  auto out =
      lt.run({det(1, 0, {{"h", "a"}}), det(1, 10, {{"h", "a"}}), det(1, 0, {{"h", "b"}}, 100),
              det(1, 10, {{"h", "b"}}, 101), det(1, 20, {{"h", "b"}}, 102)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "h"), "a");
  Fixture range(std::string(kHeader) +
                "  type: event_count\n  rules: [r-ok]\n  group-by: [h]\n  timespan: 1m\n"
                "  condition: {gte: 2, lte: 3}\n");
  out = range.run({det(1, 0, {{"h", "a"}}), det(1, 10, {{"h", "a"}}), det(1, 0, {{"h", "b"}}, 100),
                   det(1, 1, {{"h", "b"}}, 101), det(1, 2, {{"h", "b"}}, 102),
                   det(1, 3, {{"h", "b"}}, 103)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "h"), "a");
}

TEST(Correlator, ChainsAndMissingReferences) {
  Fixture f(std::string(kHeader) +
            "  type: event_count\n  rules: [r-fail]\n  group-by: [user]\n  timespan: 1m\n  "
            "condition: {gte: 2}\n"
            "name: burst\n---\ntitle: c2\nid: c-2\ncorrelation:\n  type: temporal_ordered\n"
            "  rules: [burst, r-ok]\n  group-by: [user]\n  timespan: 5m\n");
  auto out =
      f.run({det(0, 1, {{"user", "x"}}), det(0, 2, {{"user", "x"}}), det(1, 30, {{"user", "x"}})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rule, 3u);  // the burst
  EXPECT_EQ(out[1].rule, 4u);  // burst followed by success
  Fixture missing(std::string(kHeader) +
                  "  type: event_count\n  rules: [nope]\n  timespan: 1m\n  condition: {gte: 2}\n");
  ASSERT_EQ(missing.rejected.size(), 1u);
  EXPECT_NE(missing.rejected[0].reason.find("nope"), std::string::npos);
}

// tansa extension: a value the key has not shown before, once it has history.
TEST(Correlator, FirstSeenFiresOnANewValueAfterHistory) {
  const std::string yaml = std::string(kHeader) +
                           "  type: first_seen\n  rules: [r-ok]\n  group-by: [user]\n"
                           "  condition: {field: [country, ip]}\n";
  Fixture f(yaml);
  ASSERT_EQ(f.corr->size(), 1u);
  std::vector<Detection> in = {
      det(1, 1, {{"user", "tanaka"}, {"country", "JP"}, {"ip", "192.0.2.1"}}),    // history starts
      det(1, 2, {{"user", "tanaka"}, {"country", "JP"}, {"ip", "192.0.2.1"}}),    // seen
      det(1, 3, {{"user", "tanaka"}, {"country", "JP"}, {"ip", "192.0.2.2"}}),    // new address
      det(1, 4, {{"user", "tanaka"}, {"country", "RU"}, {"ip", "203.0.113.7"}}),  // both new
      det(1, 5, {{"user", "tanaka"}, {"country", "RU"}, {"ip", "203.0.113.7"}}),  // seen now
      det(1, 6, {{"user", "sato"}, {"country", "RU"}, {"ip", "203.0.113.7"}}),    // sato's first
      det(1, 7, {{"user", "sato"}, {"country", ""}, {"ip", "203.0.113.7"}}),      // empty: not new
  };
  auto out = f.run(in);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].time_ns, 3 * kSec);
  EXPECT_EQ(field(out[0], "ip"), "192.0.2.2");
  EXPECT_EQ(field(out[0], "country"), "<none>");
  EXPECT_EQ(field(out[0], "history"), "2");
  EXPECT_EQ(out[1].time_ns, 4 * kSec);
  EXPECT_EQ(field(out[1], "country"), "RU");
  EXPECT_EQ(field(out[1], "ip"), "203.0.113.7");
  EXPECT_EQ(field(out[1], "user"), "tanaka");
  ASSERT_EQ(out[1].related.size(), 2u);
  EXPECT_EQ(out[1].related[0].position, 1u);  // where tanaka's history starts
  EXPECT_EQ(out[1].related[1].position, 4u);
  // Shuffled input, sorted as hunt sorts it, gives the same.
  std::mt19937 rng(7);
  std::shuffle(in.begin(), in.end(), rng);
  Fixture g(yaml);
  auto again = g.run(in);
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].time_ns, out[0].time_ns);
  EXPECT_EQ(again[1].time_ns, out[1].time_ns);
}

TEST(Correlator, FirstSeenHistoryBoundAndTimespan) {
  // Three earlier events before a new value counts; values are forgotten after a day.
  Fixture f(std::string(kHeader) +
            "  type: first_seen\n  rules: [r-ok]\n  group-by: [user]\n  timespan: 1d\n"
            "  condition: {field: ip, gte: 3}\n");
  const std::int64_t day = 86400;
  auto out =
      f.run({det(1, 1, {{"user", "u"}, {"ip", "a"}}), det(1, 2, {{"user", "u"}, {"ip", "b"}}),
             det(1, 3, {{"user", "u"}, {"ip", "a"}}), det(1, 4, {{"user", "u"}, {"ip", "c"}}),
             det(1, 5, {{"user", "u"}, {"ip", "c"}}),
             det(1, 3 * day, {{"user", "u"}, {"ip", "a"}})});  // forgotten: new again
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].time_ns, 4 * kSec);
  EXPECT_EQ(out[1].time_ns, 3 * day * kSec);
  // first_seen feeds chains like any correlation: a new address, then another rule.
  Fixture chain(std::string(kHeader) +
                "  type: first_seen\n  rules: [r-ok]\n  group-by: [user]\n"
                "  condition: {field: ip}\nname: new_ip\n---\ntitle: c2\nid: c-2\ncorrelation:\n"
                "  type: temporal_ordered\n  rules: [new_ip, add_user]\n  group-by: [user]\n"
                "  timespan: 1h\n");
  auto c = chain.run({det(1, 1, {{"user", "u"}, {"ip", "a"}}),
                      det(1, 2, {{"user", "u"}, {"ip", "b"}}), det(2, 60, {{"user", "u"}})});
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].rule, 3u);
  EXPECT_EQ(c[1].rule, 4u);
}

TEST(Correlator, MalformedCorrelationsAreRejectedWithReasons) {
  for (const char* body :
       {"  type: first_seen\n  rules: [a]\n  condition: {field: ip}\n",  // no group-by
        "  type: first_seen\n  rules: [a]\n  group-by: [u]\n",           // no field
        "  type: value_count\n  rules: [a]\n  timespan: 1m\n  condition: {field: [a, b], gte: 1}\n",

        "  type: event_count\n  rules: [a]\n  timespan: 1m\n",
        "  type: nosuch\n  rules: [a]\n  timespan: 1m\n  condition: {gte: 1}\n",
        "  type: event_count\n  rules: [a]\n  timespan: 5x\n  condition: {gte: 1}\n",
        "  type: value_count\n  rules: [a]\n  timespan: 1m\n  condition: {gte: 1}\n"}) {
    auto loaded = sigma::load_rules_text(std::string(kHeader) + body, "c.yml", {});
    EXPECT_EQ(loaded.rejected.size(), 1u) << body;
    EXPECT_EQ(loaded.correlation_rules.size(), 0u);
  }
}

TEST(Correlator, StateStaysBoundedWithManyKeys) {
  Fixture f(std::string(kHeader) +
            "  type: event_count\n  rules: [r-fail]\n  group-by: [src]\n  timespan: 1m\n  "
            "condition: {gte: 1000}\n");
  std::size_t peak = 0;
  auto emit = [](Detection&&) {};
  for (int i = 0; i < 200000; ++i) {
    f.corr->add(det(0, i, {{"src", std::to_string(i)}}), emit);  // a new key every second
    peak = std::max(peak, f.corr->live_states());
  }
  EXPECT_LE(peak, 2000u);  // about one timespan of keys, plus one sweep interval
}


// set_max_states bounds windows and first_seen baselines together: a spray of new keys into both
// kinds never holds more than the limit, and what was dropped is counted.
TEST(Correlator, MaxStatesCountsWindowsAndBaselinesTogether) {
  Fixture f(std::string(kHeader) +
            "  type: event_count\n  rules: [r-fail]\n  group-by: [src]\n  timespan: 1h\n  "
            "condition: {gte: 1000}\n---\ntitle: n\nid: c-2\nlevel: high\ncorrelation:\n"
            "  type: first_seen\n  rules: [r-ok]\n  group-by: [user]\n  condition: {field: ip}\n");
  ASSERT_EQ(f.corr->size(), 2u);
  f.corr->set_max_states(10);
  std::size_t peak = 0;
  auto emit = [](Detection&&) {};
  for (int i = 0; i < 100; ++i) {
    f.corr->add(det(0, 2 * i, {{"src", "s" + std::to_string(i)}}), emit);
    f.corr->add(det(1, 2 * i + 1, {{"user", "u" + std::to_string(i)}, {"ip", "192.0.2.1"}}), emit);
    peak = std::max(peak, f.corr->live_states());
  }
  EXPECT_LE(peak, 10u);
  EXPECT_EQ(f.corr->live_states(), 10u);
  EXPECT_EQ(f.corr->evicted(), 190u);
}

// A flood of one rule's events keeps a temporal window at two entries (the run's first and
// newest), fires exactly when the whole window would, and still counts every event.
TEST(Correlator, ATemporalWindowKeepsTheEndsOfARunAndFiresAsTheWholeWindowWould) {
  const std::string rules =
      "  rules: [failed_logon, r-ok, add_user]\n  group-by: [user]\n  timespan: 5m\n";
  Fixture f(std::string(kHeader) + "  type: temporal_ordered\n" + rules);
  f.corr->set_max_events_per_state(8);  // never reached: the run of 1,000 keeps two entries
  std::vector<Detection> in;
  // fail, ok, then 1,000 fails (a run), then add_user: fail -> ok -> add_user is in order.
  in.push_back(det(0, 1, {{"user", "x"}}));
  in.push_back(det(1, 2, {{"user", "x"}}));
  for (int i = 0; i < 1000; ++i) in.push_back(det(0, 3, {{"user", "x"}}, 1000 + i));
  in.push_back(det(2, 4, {{"user", "x"}}));
  std::size_t peak = 0;
  std::vector<Detection> out;
  auto emit = [&](Detection&& d) { out.push_back(std::move(d)); };
  for (const auto& d : in) {
    f.corr->add(d, emit);
    peak = std::max(peak, f.corr->live_states());
  }
  f.corr->finish(emit);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(field(out[0], "events"), "1003");
  EXPECT_EQ(field(out[0], "matched_rules"), "3");
  EXPECT_EQ(out[0].time_ns, 4 * kSec);
  EXPECT_EQ(f.corr->dropped_events(), 0u);
  // The run's first event opened the chain where the old ones expired: ok at 2, a run of fails
  // from 100 s to 399 s, add_user at 401: fail (399) -> ... no fail before ok within 5 minutes
  // (the first fail at 1 s left the window), so nothing fires.
  Fixture g(std::string(kHeader) + "  type: temporal_ordered\n" + rules);
  std::vector<Detection> late = {det(0, 1, {{"user", "y"}}), det(1, 2, {{"user", "y"}})};
  for (int t = 100; t < 400; ++t) late.push_back(det(0, t, {{"user", "y"}}));
  late.push_back(det(2, 401, {{"user", "y"}}));
  EXPECT_TRUE(g.run(late).empty());
}

// Counting windows that cannot fire yet are bounded too: the oldest entry goes, counted.
TEST(Correlator, AFullCountingWindowDropsItsOldestAndCountsIt) {
  Fixture f(std::string(kHeader) +
            "  type: event_count\n  rules: [r-fail]\n  group-by: [src]\n  timespan: 1h\n  "
            "condition: {gte: 100}\n");
  f.corr->set_max_events_per_state(10);
  std::vector<Detection> out;
  auto emit = [&](Detection&& d) { out.push_back(std::move(d)); };
  for (int i = 0; i < 50; ++i) f.corr->add(det(0, i, {{"src", "a"}}), emit);
  EXPECT_TRUE(out.empty());  // 100 never reached with 10 kept: said by the count
  EXPECT_EQ(f.corr->dropped_events(), 40u);
}

}  // namespace
}  // namespace tansa::correlate
