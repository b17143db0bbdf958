#include "investigate/rhythm.h"

#include <gtest/gtest.h>

namespace tansa::investigate {
namespace {

constexpr std::int64_t kH = 3600LL * 1000000000;
constexpr std::int64_t kD = 24 * kH;
// 2024-01-01 was a Monday.
constexpr std::int64_t kMonday = 19723 * kD;

// An office source: active 08:00-19:00 on weekdays, for `weeks` weeks, optionally dead for a stretch.
std::vector<Interval> office(int weeks, std::int64_t dead_from = 0, std::int64_t dead_to = 0) {
  std::vector<Interval> v;
  for (int d = 0; d < weeks * 7; ++d) {
    if (d % 7 >= 5) continue;
    Interval i{kMonday + d * kD + 8 * kH, kMonday + d * kD + 19 * kH};
    if (dead_to > dead_from && i.start < dead_to && i.end > dead_from) continue;
    if (!v.empty() && i.start - v.back().end <= 12 * kH)
      v.back().end = i.end;
    else
      v.push_back(i);
  }
  return v;
}

TEST(Rhythm, NightsAndWeekendsAreNoGaps) {
  const auto active = office(6);
  const auto silences = judge_silences(active);
  ASSERT_EQ(silences.size(), 6u * 5 - 1);
  for (const Silence& s : silences) EXPECT_TRUE(s.usual) << s.why;
  const auto eff = effective_coverage(active, silences);
  ASSERT_EQ(eff.size(), 1u);
  EXPECT_EQ(eff[0].start, active.front().start);
  EXPECT_EQ(eff[0].end, active.back().end);
}

TEST(Rhythm, AnOutageInTheWeekIsAGapAndSaysWhy) {
  // Dead from Tuesday of week 3 to Thursday evening.
  const std::int64_t from = kMonday + 15 * kD, to = kMonday + 17 * kD + 20 * kH;
  const auto active = office(6, from, to);
  const auto silences = judge_silences(active);
  int unusual = 0;
  for (const Silence& s : silences)
    if (!s.usual) {
      ++unusual;
      EXPECT_LE(s.start, from);
      EXPECT_GE(s.end, to);
      EXPECT_NE(s.why.find("silent for"), std::string::npos);
      EXPECT_NE(s.why.find("at most"), std::string::npos) << s.why;
    }
  EXPECT_EQ(unusual, 1);
  const auto eff = effective_coverage(active, silences);
  EXPECT_EQ(eff.size(), 2u);
}

TEST(Rhythm, ALongWeekendIsAGap) {
  // The source also stops on the Monday of week 4: a three-night weekend.
  const std::int64_t from = kMonday + 21 * kD, to = kMonday + 21 * kD + 23 * kH;
  const auto silences = judge_silences(office(6, from, to));
  int unusual = 0;
  for (const Silence& s : silences) unusual += !s.usual;
  EXPECT_EQ(unusual, 1);
}

TEST(Rhythm, WindowEdges) {
  const Interval i{10 * kH, 100 * kH};
  EXPECT_TRUE(covers(i, 10 * kH, 100 * kH, 0));
  EXPECT_FALSE(covers(i, 9 * kH, 100 * kH, 0));
  EXPECT_TRUE(covers(i, 0, 110 * kH, 12 * kH));  // starts and ends within the threshold
  EXPECT_FALSE(covers(i, 0, 120 * kH, 12 * kH));
}

}  // namespace
}  // namespace tansa::investigate
