// Memory and speed of correlation state on a long stream: N detections (default 10 million) with
// many distinct group-by keys, through an event_count, a value_count and a temporal_ordered
// correlation. Prints live keys and peak RSS every tenth of the stream, so flat memory shows as
// flat numbers, and detections/s.
//
//   build/bench/correlate_bench [N] [KEYS]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "correlate/correlator.h"
#include "tansa/sigma.h"

namespace {

long peak_rss_kib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 10000000;
  const std::uint64_t keys = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  const std::string yaml = R"(title: burst
id: c1
correlation: {type: event_count, rules: [r-fail], group-by: [src], timespan: 5m, condition: {gte: 20}}
---
title: spray
id: c2
correlation: {type: value_count, rules: [r-fail], group-by: [src], timespan: 10m, condition: {field: user, gte: 15}}
---
title: then
id: c3
correlation: {type: temporal_ordered, rules: [r-fail, r-ok], group-by: [user], timespan: 30m}
)";
  auto loaded = tansa::sigma::load_rules_text(yaml, "bench.yml", {});
  std::vector<tansa::RuleInfo> base = {tansa::RuleInfo{"r-fail", "fail"},
                                       tansa::RuleInfo{"r-ok", "ok"}};
  std::vector<tansa::correlate::Rejection> rej;
  tansa::correlate::Correlator corr(base, loaded.correlation_rules, rej);
  if (corr.size() != 3 || !rej.empty()) {
    std::fprintf(stderr, "correlations did not load\n");
    return 2;
  }
  std::uint64_t fired = 0;
  auto emit = [&](tansa::Detection&&) { ++fired; };
  tansa::Detection d;
  d.fields = {{"src", ""}, {"user", ""}};
  std::uint64_t x = 88172645463325252ULL;  // xorshift: deterministic keys
  const auto t0 = std::chrono::steady_clock::now();
  std::printf("%12s %12s %12s %14s\n", "detections", "live keys", "fired", "peak RSS MiB");
  for (std::uint64_t i = 1; i <= n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    d.rule = (x & 15) == 0 ? 1 : 0;
    d.time_ns = static_cast<std::int64_t>(i) * 10000000LL;  // 100 detections per second
    d.source = tansa::SourceRef{0, tansa::SourceRef::Kind::Line, i};
    d.fields[0].second = "10." + std::to_string((x >> 8) % keys);
    d.fields[1].second = "u" + std::to_string((x >> 32) % (keys / 4 + 1));
    corr.add(d, emit);
    if (i % (n / 10) == 0)
      std::printf("%12llu %12zu %12llu %14.1f\n", static_cast<unsigned long long>(i),
                  corr.live_states(), static_cast<unsigned long long>(fired),
                  static_cast<double>(peak_rss_kib()) / 1024.0);
  }
  corr.finish(emit);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("%.0f detections/s through 3 correlations; %llu correlation detections\n",
              static_cast<double>(n) / s, static_cast<unsigned long long>(fired));
  return 0;
}
