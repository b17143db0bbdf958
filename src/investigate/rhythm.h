// A source's silences judged against its own rhythm. A workstation that is quiet every night and
// every weekend, or a low-volume audit log, falls silent for longer than the gap threshold as a
// matter of course. A silence is usual when the source shows silences as long at the same time of
// day (for silences under a day) or of the week elsewhere in the input, or when it starts and ends
// at the times of day the source's silences usually start and end (whole days skipped: a user's
// day off), or when it starts within the hours the source is usually quiet and ends when its
// usual silences end (activity ran late one evening). Otherwise it is a gap. What a source covers is its active intervals joined across its
// usual silences.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "investigate/facts.h"

namespace tansa::investigate {

struct Silence {
  std::int64_t start = 0, end = 0;
  bool usual = false;
  std::string why;  // for an unusual one: how it compares with the source's other silences
};

// The silences between `active` intervals (sorted, as Coverage makes them), each judged.
[[nodiscard]] std::vector<Silence> judge_silences(const std::vector<Interval>& active);

// `active` joined across the usual silences.
[[nodiscard]] std::vector<Interval> effective_coverage(const std::vector<Interval>& active,
                                                       const std::vector<Silence>& silences);

// Whether `covering` covers [from, to], where starting or ending within `edge` of the window's
// edges still covers that edge.
[[nodiscard]] bool covers(const Interval& covering, std::int64_t from, std::int64_t to,
                          std::int64_t edge);

}  // namespace tansa::investigate
