// Arbitrary bytes as a Sigma rule file: load, compile and match a few events. Every problem must
// become a rejection; nothing may crash, hang or run away with memory.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "correlate/correlator.h"
#include "fuzz_events.h"
#include "tansa/sigma.h"

using tansa::fuzzing::sample_events;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 16384) return 0;  // rule files are small; bigger inputs only slow the search
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  tansa::sigma::Options options;
  options.placeholders["Admins"] = {"alice", "bob*"};
  auto loaded = tansa::sigma::load_rules_text(text, "fuzz.yml", options);
  auto rejected = loaded.rejected;
  auto set = tansa::sigma::RuleSet::compile(loaded.rules, options, rejected);
  tansa::sigma::Matcher m(*set);
  std::vector<std::uint32_t> hits;
  for (const auto& e : sample_events()) m.match(e, hits);
  // Correlations over the hits, repeated in time so windows open, fire and close.
  std::vector<tansa::correlate::Rejection> corr_rejected;
  tansa::correlate::Correlator corr(set->rules(), loaded.correlation_rules, corr_rejected);
  auto emit = [](tansa::Detection&&) {};
  for (int round = 0; round < 4; ++round)
    for (std::size_t i = 0; i < hits.size(); ++i) {
      tansa::Detection d;
      d.capture(sample_events()[i % sample_events().size()], hits[i]);
      d.time_ns = round * 60000000000LL + static_cast<std::int64_t>(i);
      corr.add(d, emit);
    }
  corr.finish(emit);
  return 0;
}
