// Small readings of YAML nodes shared by the rule loader and the log source map.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

namespace tansa::sigma {

// A scalar or a list of scalars as strings; an absent node gives an empty list; anything else
// (a map, a nested list) gives nullopt for the caller to report in its own terms.
inline std::optional<std::vector<std::string>> scalar_list(const YAML::Node& n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (const auto& e : n) {
      if (!e.IsScalar()) return std::nullopt;
      out.push_back(e.Scalar());
    }
  } else {
    return std::nullopt;
  }
  return out;
}

}  // namespace tansa::sigma
