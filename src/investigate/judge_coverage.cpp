#include "investigate/judge.h"
#include "investigate/rhythm.h"

namespace tansa::investigate {

const std::vector<Interval>& LogCoverage::effective_of(const Stream& s) const {
  auto it = effective.find({s.host, s.source});
  return it == effective.end() ? s.active : it->second;
}

LogCoverage judge_coverage(const std::vector<Stream>& streams) {
  LogCoverage out;
  for (const Stream& s : streams) {
    if (s.active.empty()) continue;
    out.coverage.push_back(
        CoverageFinding{s.host, s.source, s.active.front().start, s.active.back().end, s.events});
    const std::vector<Silence> silences = judge_silences(s.active);
    out.effective[{s.host, s.source}] = effective_coverage(s.active, silences);
    for (const Silence& x : silences)
      if (!x.usual)
        out.gaps.push_back(GapFinding{GapKind::Silence, s.host, s.source, x.why, x.start, x.end});
    for (std::size_t i = 1; i < s.records.size(); ++i)
      out.gaps.push_back(GapFinding{GapKind::RecordsMissing, s.host, s.source,
                                    "records " + std::to_string(s.records[i - 1].last + 1) +
                                        " to " + std::to_string(s.records[i].first - 1) +
                                        " are missing",
                                    s.records[i - 1].last_time, s.records[i].first_time});
  }
  return out;
}

}  // namespace tansa::investigate
