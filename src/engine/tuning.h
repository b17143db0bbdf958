// Noise control (docs/tuning.md): what an environment's `tansa.yml` says about the rules. Rules to
// disable, levels to override, and per rule the field values whose detections are noise here (an
// administrator's host, a scanner), plus the placeholders file for `|expand`. Rules are named by
// id or by title.
//
//   disable: [5f2b0f45-..., "FortiGate Administrator Login"]
//   levels: {"SSH Login as root Accepted": informational}
//   exclude:
//     "Remote Desktop Logon From a Public Address":
//       - {IpAddress: 203.0.113.50}                      # all pairs of one entry must match
//       - {TargetUserName: scanner, Computer: DC01}
//   placeholders: placeholders.yml                      # relative to this file
//
// Read from --config FILE; else ~/.config/tansa/config.yml ($XDG_CONFIG_HOME), then the
// collection's own tansa.yml (in an input folder, or beside an input file), the collection's
// winning where both set a level.
#pragma once

#include <expected>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tansa/detection.h"

namespace tansa::engine {

class Tuning {
 public:
  // Adds one config's text (`path` names it in errors and anchors relative paths).
  [[nodiscard]] std::expected<void, std::string> add(const std::string& yaml,
                                                     const std::string& path);

  [[nodiscard]] bool disables(const RuleInfo& rule) const;
  [[nodiscard]] std::optional<Level> level_of(const RuleInfo& rule) const;
  // The rule table with the levels this sets: what a command shows and filters by.
  [[nodiscard]] std::vector<RuleInfo> with_levels(std::vector<RuleInfo> rules) const;
  // Whether one of the rule's exclusions matches the detection's fields (names and values
  // compared without case).
  [[nodiscard]] bool excludes(const RuleInfo& rule, const Detection& d) const;
  [[nodiscard]] const std::string& placeholders() const { return placeholders_; }
  [[nodiscard]] const std::vector<std::string>& files() const { return files_; }
  [[nodiscard]] bool empty() const { return files_.empty(); }

 private:
  using Match = std::vector<std::pair<std::string, std::string>>;
  std::vector<std::string> disabled_;
  std::map<std::string, Level> levels_;
  std::map<std::string, std::vector<Match>> exclude_;
  std::string placeholders_;
  std::vector<std::string> files_;
};

// The configs that apply to a run over `inputs`: `explicit_path` alone when given (an error when
// it cannot be read), else the user's and the collection's, in that order. None: an empty Tuning.
[[nodiscard]] std::expected<Tuning, std::string> load_tuning(
    const std::string& explicit_path, const std::vector<std::string>& inputs);

}  // namespace tansa::engine
