// Sigma's value modifiers, as one table: each modifier's name, its kind, and the kinds it may be
// combined with. Every detection item's modifier list is checked against it before the item is
// compiled, so a combination the Sigma specification does not define (`re` with `cidr`, `lt` with
// `gt`, `exists` with `contains`, `contains` with `endswith`) is rejected with a reason naming
// both modifiers, instead of one of them silently winning. docs/sigma.md lists the table.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tansa::sigma {

enum class ModifierKind : std::uint8_t {
  Anchor,     // contains, startswith, endswith: wildcards around the value
  Utf16,      // wide, utf16le, utf16be, utf16: the value's bytes re-encoded
  Base64,     // base64, base64offset
  Windash,    // windash: dash forms
  Expand,     // expand: %placeholders%
  Cased,      // cased: case-sensitive
  All,        // all: the values AND-ed
  Neq,        // neq: the whole item negated
  Regex,      // re
  RegexFlag,  // i, ignorecase, m, multiline, s, dotall: only after re
  Cidr,       // cidr
  Compare,    // lt, lte, gt, gte
  Exists,     // exists
  FieldRef,   // fieldref
  TimePart,   // minute, hour, day, week, month, year
};

// The order in which a value is rewritten: Anchor, Utf16, Base64 and Windash modifiers transform
// the value's text in the order written; the others are properties of the whole item.
[[nodiscard]] constexpr bool transforms_value(ModifierKind k) {
  return k == ModifierKind::Anchor || k == ModifierKind::Utf16 || k == ModifierKind::Base64 ||
         k == ModifierKind::Windash;
}

struct ModifierSpec {
  std::string_view name;
  ModifierKind kind;
};

// Every modifier tansa knows, in the order docs/sigma.md lists them.
[[nodiscard]] std::span<const ModifierSpec> modifier_table();
[[nodiscard]] const ModifierSpec* find_modifier(std::string_view name);

// Whether modifiers of kinds `a` and `b` (a != b, or the same kind for two different modifiers)
// may be given together on one item.
[[nodiscard]] bool modifiers_combine(ModifierKind a, ModifierKind b);

// Why one item's modifier list cannot be compiled, with the rejection's category: an unknown
// modifier, one given twice, a regex flag not after `re`, two modifiers that do not combine, or
// one that needs a field on a keyword item. nullopt: the list is fine.
struct ModifierProblem {
  std::string reason;
  std::string category;
};
[[nodiscard]] std::optional<ModifierProblem> check_modifiers(
    const std::vector<std::string>& modifiers, bool keyword);

}  // namespace tansa::sigma
