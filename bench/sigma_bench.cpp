// Sigma engine throughput: events/s on one core with the whole SigmaHQ rule set, for the
// compiled engine (Channel/EventID index + literal prefilter), the index alone, and the baseline
// that evaluates every rule on every event, all in the same run on the same events in memory.
// Also checks that the three agree on every detection.
//
//   build/bench/sigma_bench [SIGMAHQ_DIR] [EVENTS] [EXTRA.evtx ...]
//
// Events: the Windows JSON twins of SigmaHQ's regression data (all malicious-looking) plus the
// records of any EVTX files given, repeated round-robin up to EVENTS (default 200000).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "evtx/reader.h"
#include "formats/windows_json.h"
#include "sigma/compiler.h"
#include "tansa/sigma.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Run {
  double seconds = 0;
  std::uint64_t evaluated = 0;
  std::vector<std::vector<std::uint32_t>> hits;
};

Run run(const tansa::sigma::RuleSet& set, const std::vector<tansa::Event>& events, std::size_t n,
        bool keep) {
  Run r;
  tansa::sigma::Matcher m(set);
  std::vector<std::uint32_t> hits;
  hits.reserve(64);
  std::uint64_t total = 0;
  // Warm-up pass over the distinct events so every scratch buffer has its final size.
  for (const auto& e : events) {
    hits.clear();
    m.match(e, hits);
  }
  const std::uint64_t warm = m.evaluated();
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    hits.clear();
    m.match(events[i % events.size()], hits);
    total += hits.size();
    if (keep && i < events.size()) r.hits.push_back(hits);
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  r.evaluated = m.evaluated() - warm;
  if (total == 0) std::fprintf(stderr, "warning: no detections at all\n");
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string root = argc > 1 ? argv[1] : TANSA_SIGMAHQ_DIR;
  const std::size_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200000;
  if (!fs::exists(root + "/rules")) {
    std::fprintf(stderr, "SigmaHQ rules not found at %s\n", root.c_str());
    return 2;
  }
  std::vector<tansa::Event> events;
  std::mutex mu;
  for (auto& e : fs::recursive_directory_iterator(root + "/regression_data")) {
    if (e.path().extension() != ".json") continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    (void)tansa::formats::read_windows_json(
        ss.str(), e.path().string(), 0,
        [&](const tansa::Event& ev) { events.push_back(ev.clone()); },
        [](const tansa::Diagnostic&) {});
  }
  const std::size_t json_events = events.size();
  for (int i = 3; i < argc; ++i) {
    tansa::evtx::ReadCallbacks cb;
    cb.on_event = [&](const tansa::Event& ev) {
      std::lock_guard lock(mu);
      events.push_back(ev.clone());
    };
    if (auto r = tansa::evtx::read_file(argv[i], {}, cb); !r)
      std::fprintf(stderr, "%s: %s\n", argv[i], r.error().c_str());
  }
  if (events.empty()) return 2;

  const auto l0 = Clock::now();
  tansa::sigma::Options full;
  auto loaded = tansa::sigma::load_rules(
      {root + "/rules", root + "/rules-emerging-threats", root + "/rules-threat-hunting"}, full);
  std::vector<tansa::sigma::Rejection> rej;
  auto compiled = tansa::sigma::RuleSet::compile(loaded.rules, full, rej);
  const double load_s = std::chrono::duration<double>(Clock::now() - l0).count();
  tansa::sigma::Options index_only = full;
  index_only.prefilter = false;
  tansa::sigma::Options baseline = index_only;
  baseline.index = false;
  auto idx = tansa::sigma::RuleSet::compile(loaded.rules, index_only, rej);
  auto base = tansa::sigma::RuleSet::compile(loaded.rules, baseline, rej);

  const std::size_t variants = compiled->compiled().variants.size();
  std::printf("literals in the prefilter: %u\n", compiled->compiled().literal_count);
  std::printf(
      "rules: %zu compiled (%zu variants) in %.2f s; events: %zu distinct (%zu JSON twins), %zu "
      "matched per mode\n",
      compiled->size(), variants, load_s, events.size(), json_events, n);
  const Run a = run(*compiled, events, n, true);
  if (std::getenv("TANSA_BENCH_COMPILED_ONLY")) {
    std::printf("compiled: %.0f events/s, %.1f variants evaluated per event\n",
                static_cast<double>(n) / a.seconds,
                static_cast<double>(a.evaluated) / static_cast<double>(n));
    return 0;
  }
  const Run b = run(*idx, events, n, true);
  const std::size_t nb = std::max<std::size_t>(events.size(), n / 20);  // the baseline is slow
  const Run c = run(*base, events, nb, true);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < a.hits.size(); ++i)
    if (a.hits[i] != b.hits[i] || a.hits[i] != c.hits[i]) ++mismatches;
  auto line = [&](const char* name, const Run& r, std::size_t count) {
    const double eps = static_cast<double>(count) / r.seconds;
    std::printf("%-34s %10.0f events/s  %6.2f%% of rule variants evaluated per event (%.1f)\n",
                name, eps,
                100.0 * static_cast<double>(r.evaluated) /
                    (static_cast<double>(count) * static_cast<double>(variants)),
                static_cast<double>(r.evaluated) / static_cast<double>(count));
    return eps;
  };
  const double ea = line("compiled (index + prefilter)", a, n);
  const double eb = line("index only", b, n);
  const double ec = line("baseline (every rule, every event)", c, nb);
  std::printf(
      "speed-up over baseline: %.1fx (index only %.1fx); detections differing between modes: %zu "
      "of %zu events\n",
      ea / ec, eb / ec, mismatches, a.hits.size());
  return mismatches == 0 ? 0 : 1;
}
