// `tansa simulate`: realistic multi-source incidents, with normal users' noise, written in the
// formats `hunt` and `investigate` read (EVTX, FortiGate key=value, Zeek conn, Microsoft 365 JSON,
// auth.log), plus assets.yml and truth.json, the answers a careful analyst would reach from those
// logs. Deterministic: the same scenario always gives the same files.
#pragma once

#include <expected>
#include <string>
#include <vector>

namespace tansa::simulate {

struct ScenarioInfo {
  std::string name, description;
};

[[nodiscard]] const std::vector<ScenarioInfo>& scenarios();

struct Options {
  // Multiplies the number of normal users (background noise); 1 gives about 60,000 events.
  unsigned scale = 1;
};

// Writes the scenario's logs, assets.yml and truth.json into `dir` (created if needed).
[[nodiscard]] std::expected<void, std::string> write_scenario(const std::string& name,
                                                              const std::string& dir,
                                                              const Options& options = {});

}  // namespace tansa::simulate
