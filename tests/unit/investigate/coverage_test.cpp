// Coverage: intervals split at silences longer than the threshold, record-id runs with their
// holes, the same result whatever the order events arrive in or how threads split them.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "investigate/facts.h"

namespace tansa::investigate {
namespace {

constexpr std::int64_t kHour = 3600LL * 1000000000;

TEST(Coverage, SilencesLongerThanTheThresholdSplitIntervals) {
  Coverage c(12 * kHour);
  const StreamOf s{"FS1", "Security", 0};
  for (int h = 0; h < 100; ++h) c.add(s, h * kHour, 4624);    // hourly for 100 hours
  for (int h = 120; h < 130; ++h) c.add(s, h * kHour, 5145);  // 20 silent hours, then more
  c.add(s, 140 * kHour, 4624);                                // 10 silent hours: no gap
  auto streams = c.streams();
  ASSERT_EQ(streams.size(), 1u);
  ASSERT_EQ(streams[0].active.size(), 2u);
  EXPECT_EQ(streams[0].active[0].end, 99 * kHour);
  EXPECT_EQ(streams[0].active[1].start, 120 * kHour);
  EXPECT_EQ(streams[0].active[1].end, 140 * kHour);
  EXPECT_EQ(streams[0].events, 111u);
  EXPECT_EQ(streams[0].event_ids.at(5145), 10u);
}

TEST(Coverage, RecordRunsShowMissingRecords) {
  Coverage c(kHour);
  const auto at = [](std::uint64_t r) { return StreamOf{"DC1", "Security", r}; };
  for (std::uint64_t r = 1; r <= 50; ++r) c.add(at(r), static_cast<std::int64_t>(r), 0);
  for (std::uint64_t r = 61; r <= 70; ++r) c.add(at(r), static_cast<std::int64_t>(r), 0);
  auto streams = c.streams();
  ASSERT_EQ(streams[0].records.size(), 2u);
  EXPECT_EQ(streams[0].records[0].last, 50u);
  EXPECT_EQ(streams[0].records[1].first, 61u);
}

TEST(Coverage, OrderAndThreadSplitDoNotMatter) {
  std::vector<std::pair<std::int64_t, std::uint64_t>> events;
  for (std::uint64_t r = 1; r <= 200000; ++r)
    if (r < 90000 || r > 90500)  // a hole in the records and a silence in time
      events.emplace_back(static_cast<std::int64_t>(r) * 60 * 1000000000LL, r);
  auto run = [&](unsigned parts, unsigned seed) {
    auto ev = events;
    std::shuffle(ev.begin(), ev.end(), std::mt19937(seed));
    std::vector<Coverage> threads(parts, Coverage(3 * kHour));
    for (std::size_t i = 0; i < ev.size(); ++i)
      threads[i % parts].add(StreamOf{"DC1", "Security", ev[i].second}, ev[i].first, 4624);
    for (unsigned p = 1; p < parts; ++p) threads[0].merge(threads[p]);
    return threads[0].streams();
  };
  const auto a = run(1, 1), b = run(4, 2);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].active.size(), 2u);  // 501 minutes of silence > 3 hours
  ASSERT_EQ(a[0].records.size(), 2u);
  EXPECT_EQ(a[0].records[0].last, 89999u);
  ASSERT_EQ(b[0].active.size(), a[0].active.size());
  for (std::size_t i = 0; i < a[0].active.size(); ++i) {
    EXPECT_EQ(b[0].active[i].start, a[0].active[i].start);
    EXPECT_EQ(b[0].active[i].end, a[0].active[i].end);
  }
  EXPECT_EQ(b[0].events, a[0].events);
  EXPECT_EQ(b[0].records.size(), a[0].records.size());
  EXPECT_EQ(b[0].records[1].first_time, a[0].records[1].first_time);
}

}  // namespace
}  // namespace tansa::investigate
