// Which rules' detections a command shows: hunt's and watch's --min-level, --level, --rule, --tag,
// --status and their exclusions, with tansa.yml's disabled rules and the rules a correlation marks
// `generate: false`. Selection only hides detections: every rule is still matched, so the
// correlations see every base rule whatever is shown.
#pragma once

#include <expected>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine/tuning.h"
#include "tansa/detection.h"

namespace tansa::engine {

struct RuleSelection {
  std::string min_level;  // empty: any
  std::vector<std::string> levels, rule_ids, exclude_rule_ids, tags, exclude_tags, statuses,
      exclude_statuses;
};

// One entry per rule of `all` (rules.infos() with tansa.yml's levels): true when its detections
// are shown. A tag selects its sub-tags too (attack.t1059 selects attack.t1059.001). An error names
// a level that is not one.
[[nodiscard]] std::expected<std::vector<bool>, std::string> select_rules(
    const RuleSelection& selection, const Rules& rules, const std::vector<RuleInfo>& all,
    const Tuning& tuning);

}  // namespace tansa::engine
