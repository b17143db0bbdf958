#include "engine/selection.h"

#include <algorithm>
#include <optional>
#include <set>

namespace tansa::engine {

namespace {

bool has_tag(const RuleInfo& r, const std::vector<std::string>& tags) {
  for (const auto& want : tags)
    for (const auto& t : r.tags)
      if (t == want || (t.size() > want.size() && t.starts_with(want) && t[want.size()] == '.'))
        return true;
  return false;
}

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

std::expected<std::vector<bool>, std::string> select_rules(const RuleSelection& opt,
                                                           const Rules& rules,
                                                           const std::vector<RuleInfo>& all,
                                                           const Tuning& tuning) {
  std::optional<Level> min_level;
  if (!opt.min_level.empty() && !(min_level = parse_level(opt.min_level)))
    return std::unexpected("unknown level '" + opt.min_level + "'");
  std::set<Level> levels;
  for (const auto& l : opt.levels) {
    auto p = parse_level(l);
    if (!p) return std::unexpected("unknown level '" + l + "'");
    levels.insert(*p);
  }
  std::vector<bool> shown(all.size(), true);
  for (std::size_t i = 0; i < all.size(); ++i) {
    const RuleInfo& r = all[i];
    shown[i] =
        !(min_level && r.level < *min_level) && (levels.empty() || levels.contains(r.level)) &&
        (opt.rule_ids.empty() || listed(opt.rule_ids, r.id)) &&
        !listed(opt.exclude_rule_ids, r.id) && (opt.tags.empty() || has_tag(r, opt.tags)) &&
        !has_tag(r, opt.exclude_tags) && (opt.statuses.empty() || listed(opt.statuses, r.status)) &&
        !listed(opt.exclude_statuses, r.status) && !tuning.disables(r) &&
        !rules.correlator().suppressed(static_cast<std::uint32_t>(i));
  }
  return shown;
}

}  // namespace tansa::engine
