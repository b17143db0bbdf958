#include "investigate/rhythm.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tansa::investigate {
namespace {

constexpr std::int64_t kH = 3600LL * 1000000000;
constexpr std::int64_t kD = 24 * kH;
// 2024-01-01 was a Monday.
constexpr std::int64_t kMonday = 19723 * kD;

// An office source: active 08:00-19:00 on weekdays, for `weeks` weeks, optionally silent in
// [dead_from, dead_to) (what is left of a day around it still logs).
std::vector<Interval> office(int weeks, std::int64_t dead_from = 0, std::int64_t dead_to = 0) {
  std::vector<Interval> pieces;
  for (int d = 0; d < weeks * 7; ++d) {
    if (d % 7 >= 5) continue;
    const Interval i{kMonday + d * kD + 8 * kH, kMonday + d * kD + 19 * kH};
    if (dead_to > dead_from && i.start < dead_to && i.end > dead_from) {
      if (i.start < dead_from) pieces.push_back({i.start, dead_from});
      if (i.end > dead_to) pieces.push_back({dead_to, i.end});
    } else {
      pieces.push_back(i);
    }
  }
  std::vector<Interval> v;
  for (const Interval& i : pieces)
    if (!v.empty() && i.start - v.back().end <= 12 * kH)
      v.back().end = i.end;
    else
      v.push_back(i);
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
  // Stops on Tuesday of week 3 at noon and comes back on Thursday at 15:00.
  const std::int64_t from = kMonday + 15 * kD + 12 * kH, to = kMonday + 17 * kD + 15 * kH;
  const auto active = office(6, from, to);
  const auto silences = judge_silences(active);
  int unusual = 0;
  for (const Silence& s : silences)
    if (!s.usual) {
      ++unusual;
      EXPECT_LE(s.start, from);
      EXPECT_GE(s.end, to);
      EXPECT_NE(s.why.find("silent for"), std::string::npos);
      EXPECT_NE(s.why.find("no silence elsewhere starting at this time"), std::string::npos)
          << s.why;
    }
  EXPECT_EQ(unusual, 1);
  const auto eff = effective_coverage(active, silences);
  EXPECT_EQ(eff.size(), 2u);
}

TEST(Rhythm, WholeDaysOffAreNoGapButAStopInTheNightIs) {
  // The user takes the Monday of week 4 and the Wednesday to Friday of week 5 off.
  auto active = office(6, kMonday + 21 * kD, kMonday + 21 * kD + 23 * kH);
  std::vector<Interval> off;
  for (const Interval& i : active) {
    const std::int64_t a = kMonday + 30 * kD, b = kMonday + 32 * kD + 23 * kH;
    if (i.start < a && i.end > b) {
      off.push_back({i.start, kMonday + 29 * kD + 19 * kH});
      off.push_back({kMonday + 35 * kD + 8 * kH, i.end});
    } else {
      off.push_back(i);
    }
  }
  for (const Silence& s : judge_silences(off)) EXPECT_TRUE(s.usual) << s.why;
  // Logging that resumes at 03:00, an hour the source never comes back at, is a gap.
  const auto night = office(6, kMonday + 22 * kD + 19 * kH, kMonday + 24 * kD + 3 * kH);
  std::vector<Interval> odd = night;
  for (Interval& i : odd)
    if (i.start == kMonday + 24 * kD + 8 * kH) i.start = kMonday + 24 * kD + 3 * kH;
  int unusual = 0;
  for (const Silence& s : judge_silences(odd)) unusual += !s.usual;
  EXPECT_EQ(unusual, 1);
}

TEST(Rhythm, ALateEveningThenTheUsualNightIsNoGap) {
  auto active = office(6);
  // One Wednesday's activity runs to 22:30 (the intruder, say), then the usual night follows.
  const std::int64_t wednesday = kMonday + 16 * kD;
  bool changed = false;
  for (Interval& i : active)
    if (i.start == wednesday + 8 * kH) {
      i.end = wednesday + 22 * kH + kH / 2;
      changed = true;
    }
  ASSERT_TRUE(changed);
  const auto silences = judge_silences(active);
  for (const Silence& s : silences) EXPECT_TRUE(s.usual) << s.why;
  // The same late evening followed by silence until Friday noon (an hour the source never
  // resumes at) is a gap.
  std::erase_if(active, [&](const Interval& i) { return i.start == wednesday + kD + 8 * kH; });
  for (Interval& i : active)
    if (i.start == wednesday + 2 * kD + 8 * kH) i.start = wednesday + 2 * kD + 12 * kH;
  int unusual = 0;
  for (const Silence& s : judge_silences(active)) unusual += !s.usual;
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
