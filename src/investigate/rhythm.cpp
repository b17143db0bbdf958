#include "investigate/rhythm.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

namespace tansa::investigate {

namespace {

constexpr std::int64_t kHour = 3600LL * 1000000000;
constexpr std::int64_t kDay = 24 * kHour;
constexpr std::int64_t kWeek = 7 * kDay;
// How far apart two silences' starts may lie in the day or week and still be "the same time".
constexpr std::int64_t kPhaseSlack = 3 * kHour;
// How much shorter a silence elsewhere may be and still show this one is usual.
constexpr std::int64_t kLengthSlack = 3 * kHour;

std::int64_t phase(std::int64_t t, std::int64_t period) {
  const std::int64_t p = t % period;
  return p < 0 ? p + period : p;
}

std::int64_t phase_distance(std::int64_t a, std::int64_t b, std::int64_t period) {
  const std::int64_t d = std::llabs(phase(a, period) - phase(b, period));
  return std::min(d, period - d);
}

std::string hours(std::int64_t ns) {
  return fmt::format("{:.1f} h", static_cast<double>(ns) / static_cast<double>(kHour));
}

}  // namespace

std::vector<Silence> judge_silences(const std::vector<Interval>& active) {
  std::vector<Silence> out;
  for (std::size_t i = 1; i < active.size(); ++i)
    out.push_back(Silence{active[i - 1].end, active[i].start, false, {}});
  if (active.empty()) return out;
  const std::int64_t span = active.back().end - active.front().start;
  // With four weeks or more, a weekly habit shows at least twice more; with less, once.
  const int weekly_needed = span >= 4 * kWeek ? 2 : 1;
  for (Silence& s : out) {
    const std::int64_t len = s.end - s.start;
    int daily = 0, weekly = 0, starts = 0, ends = 0, inside = 0;
    std::int64_t longest_same_time = 0;
    for (const Silence& o : out) {
      if (&o == &s) continue;
      const std::int64_t olen = o.end - o.start;
      const bool same_day_time = phase_distance(o.start, s.start, kDay) <= kPhaseSlack;
      const bool same_week_time = phase_distance(o.start, s.start, kWeek) <= kPhaseSlack;
      if (phase_distance(o.start, s.start, kDay) <= kPhaseSlack) ++starts;
      if (phase_distance(o.end, s.end, kDay) <= kPhaseSlack) {
        ++ends;
        // Starts within the hours the source is usually quiet (after o's start, in the day's
        // cycle) and ends when o ends: activity ran late, then the usual quiet.
        const std::int64_t from_o = phase(s.start - (o.start - kPhaseSlack), kDay);
        const std::int64_t o_len = phase(o.end - (o.start - kPhaseSlack), kDay);
        if (from_o <= o_len) ++inside;
      }
      if (same_day_time && olen < kDay) longest_same_time = std::max(longest_same_time, olen);
      if (same_week_time) longest_same_time = std::max(longest_same_time, olen);
      if (olen + kLengthSlack < len) continue;
      if (same_week_time) ++weekly;
      if (same_day_time && len < kDay) ++daily;
    }
    // A source that goes quiet at its usual time of day and comes back at its usual time skipped
    // whole days of its cycle (a workstation's user off, a quiet tenant): no gap. Logging that
    // stops or resumes at an hour the source never pauses at is.
    const bool whole_days = starts >= 3 && ends >= 3;
    if (daily >= 3 || weekly >= weekly_needed || whole_days || inside >= 3) {
      s.usual = true;
      continue;
    }
    s.why = longest_same_time == 0
                ? fmt::format("silent for {}; the source shows no silence elsewhere starting at "
                              "this time of day or week",
                              hours(len))
                : fmt::format("silent for {}; elsewhere the source's silences starting at this "
                              "time of day or week last at most {}",
                              hours(len), hours(longest_same_time));
  }
  return out;
}

std::vector<Interval> effective_coverage(const std::vector<Interval>& active,
                                         const std::vector<Silence>& silences) {
  std::vector<Interval> out;
  for (std::size_t i = 0; i < active.size(); ++i) {
    if (i > 0 && i - 1 < silences.size() && silences[i - 1].usual && !out.empty())
      out.back().end = active[i].end;
    else
      out.push_back(active[i]);
  }
  return out;
}

bool covers(const Interval& covering, std::int64_t from, std::int64_t to, std::int64_t edge) {
  return covering.start <= from + edge && covering.end >= to - edge;
}

}  // namespace tansa::investigate
