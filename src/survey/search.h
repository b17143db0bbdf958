// `tansa search`: keywords, regular expressions and field expressions, compiled by the Sigma
// engine into one rule (so the same field names, modifiers and matching as `hunt`), whose hits are
// written as `hunt` writes detections.
//
// A field expression is a boolean expression of comparisons:
//
//   EventID=4624 and IpAddress|cidr=203.0.113.0/24 and not TargetUserName|endswith='$'
//
//   expr       := term ('or' term)*
//   term       := factor ('and' factor)*
//   factor     := 'not' factor | '(' expr ')' | comparison
//   comparison := FIELD('|'MODIFIER)* ('=' | '!=') VALUE
//   VALUE      := 'single quoted' | "double quoted" | a bare word (up to a space or ')')
//
// Each comparison becomes one selection (`FIELD|MODIFIER...: VALUE`, `!=` its negation) and the
// expression the rule's condition. Values mean what they mean in Sigma: `*` and `?` are wildcards
// unless escaped with a backslash.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace tansa::survey {

struct SearchQuery {
  std::vector<std::string> keywords;     // literal, any case, anywhere in any value (any of them)
  std::vector<std::string> regexes;      // RE2, anywhere in any value (any of them)
  std::vector<std::string> expressions;  // field expressions (all of them)
};

// The Sigma rule (YAML) for the query: every kind given must hold. An error names what cannot be
// read: the expression, the token and where.
[[nodiscard]] std::expected<std::string, std::string> search_rule(const SearchQuery& q);

// The rule's id, so writers and tests can tell search hits.
inline constexpr std::string_view kSearchRuleId = "5ea5c400-0000-4000-8000-000000000001";

}  // namespace tansa::survey
