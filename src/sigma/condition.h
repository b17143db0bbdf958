// Sigma condition parser. The grammar (Sigma specification v2.1, precedence from loosest to
// tightest: or, and, not, "x of", parentheses):
//
//   condition  = or_expr ;
//   or_expr    = and_expr , { "or" , and_expr } ;
//   and_expr   = not_expr , { "and" , not_expr } ;
//   not_expr   = "not" , not_expr | primary ;
//   primary    = "(" , or_expr , ")" | quantifier | identifier ;
//   quantifier = ( "1" | "any" | "all" ) , "of" , ( pattern | "them" ) ;
//   identifier = ( letter | digit | "_" | "-" | "." )+ ;      pattern: identifier chars and "*"
//
// Keywords are case-insensitive. The obsolete aggregation syntax (`| count() by x > 5`) is
// rejected with a reason pointing to correlation rules.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "sigma/ast.h"

namespace tansa::sigma {

[[nodiscard]] std::expected<Condition, std::string> parse_condition(std::string_view text);

// True when `name` matches the `x of` pattern (`*` = any run of characters). Names that start
// with `_` only match patterns that start with `_`; "them" matches every other name.
[[nodiscard]] bool pattern_matches(std::string_view pattern, std::string_view name);

}  // namespace tansa::sigma
