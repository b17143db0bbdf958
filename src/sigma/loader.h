// YAML -> Rule. Reads Sigma documents (detection rules, filters, correlations) with yaml-cpp and
// types scalars the way PyYAML (and so pySigma and SigmaHQ's own tooling) does, because rules are
// written and tested against that reading: plain `4688` is an integer, `'4688'` a string.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sigma/ast.h"
#include "tansa/sigma.h"

namespace tansa::sigma {

// A filter document (Sigma filters specification): extra selections and a condition AND-ed onto
// the rules it names.
struct Filter {
  std::string file;
  std::string id, title;
  std::vector<std::string> rules;  // ids or names; empty with `any`
  bool any = false;
  LogSourceSpec logsource;
  std::map<std::string, SelectionNode> detections;
  Condition condition;
};

// Parses every document of one file's text into rules and filters; problems go to `rejected`.
void parse_documents(std::string_view yaml, const std::string& file, std::vector<Rule>& rules,
                     std::vector<Filter>& filters, LoadResult& result);

// Applies each filter to the rules it names whose log source it matches.
void apply_filters(std::vector<Rule>& rules, const std::vector<Filter>& filters);

}  // namespace tansa::sigma
