#include "investigate/analyze.h"

#include <algorithm>
#include <cmath>

#include "investigate/judge.h"
#include "investigate/trace.h"

namespace tansa::investigate {

// Tracing first (trace.h), then each judgment on what it found (judge.h).
std::expected<Findings, std::string> analyze(const AnalysisInput& in) {
  auto traced = trace(in);
  if (!traced) return std::unexpected(traced.error());
  const Intrusion& x = *traced;
  auto tampering = judge_tampering(x, *in.db, *in.assets);
  if (!tampering) return std::unexpected(tampering.error());

  Findings out;
  out.files = in.files;
  out.input_first = x.input_first == kNever ? 0 : x.input_first;
  out.input_last = x.input_last == kAlways ? 0 : x.input_last;
  if (x.found()) {
    out.first_malicious = x.first;
    out.last_malicious = x.last;
    out.dwell_days = std::round(static_cast<double>(x.last - x.first) / (24.0 * kHour) * 100) / 100;
  }
  const AccessAnswer access = answer_access(x, *tampering);
  out.unauthorized_access = access.answer;
  out.reason = access.reason;
  out.detections = x.detections;
  for (const auto& [k, e] : x.sources) {
    out.sources.push_back(e);
    if (auto t = x.ties.find(k); t != x.ties.end()) out.sources.back().tie = t->second;
  }
  for (const auto& [k, e] : x.accounts) out.accounts.push_back(e);
  for (const auto& [k, e] : x.hosts) out.hosts.push_back(e);
  for (const auto& [k, e] : x.edges) out.lateral_movement.push_back(e);
  std::sort(out.lateral_movement.begin(), out.lateral_movement.end(),
            [](const Edge& a, const Edge& b) { return a.first_time < b.first_time; });
  out.tampering = *tampering;
  LogCoverage logs = judge_coverage(in.streams);
  out.coverage = std::move(logs.coverage);
  out.gaps = std::move(logs.gaps);
  out.assets = judge_assets(x, in.streams, logs, out.tampering, *in.assets);
  auto egress = judge_egress(x, *in.db, *in.assets, in.streams, logs);
  if (!egress) return std::unexpected(egress.error());
  out.egress = std::move(*egress);
  out.documents = judge_documents(x, in.streams, *in.assets, out.assets);
  out.claim = judge_claim(in.claim, x.found(), out.egress, out.documents, out.assets);
  const std::vector<TaggedDetection> strong =
      in.rules ? tagged(in.detections, *in.rules) : std::vector<TaggedDetection>{};
  auto entries = judge_entry(x, *in.db, *in.assets, in.streams, strong);
  if (!entries) return std::unexpected(entries.error());
  out.initial_access = std::move(*entries);
  WeaknessInput wi;
  wi.intrusion = &x;
  wi.db = in.db;
  wi.assets = in.assets;
  wi.streams = &in.streams;
  wi.detections = &strong;
  wi.entries = &out.initial_access;
  wi.tampering = &out.tampering;
  wi.egress = &out.egress;
  wi.input_last = out.input_last;
  auto weaknesses = judge_weaknesses(wi);
  if (!weaknesses) return std::unexpected(weaknesses.error());
  out.weaknesses = std::move(*weaknesses);
  return out;
}

}  // namespace tansa::investigate
