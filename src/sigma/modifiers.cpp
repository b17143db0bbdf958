#include "sigma/modifiers.h"

#include <algorithm>
#include <array>

namespace tansa::sigma {

namespace {

using K = ModifierKind;

constexpr std::array<ModifierSpec, 34> kTable = {{
    {"contains", K::Anchor},
    {"startswith", K::Anchor},
    {"endswith", K::Anchor},
    {"wide", K::Utf16},
    {"utf16le", K::Utf16},
    {"utf16be", K::Utf16},
    {"utf16", K::Utf16},
    {"base64", K::Base64},
    {"base64offset", K::Base64},
    {"windash", K::Windash},
    {"expand", K::Expand},
    {"cased", K::Cased},
    {"all", K::All},
    {"neq", K::Neq},
    {"re", K::Regex},
    {"i", K::RegexFlag},
    {"ignorecase", K::RegexFlag},
    {"m", K::RegexFlag},
    {"multiline", K::RegexFlag},
    {"s", K::RegexFlag},
    {"dotall", K::RegexFlag},
    {"cidr", K::Cidr},
    {"lt", K::Compare},
    {"lte", K::Compare},
    {"gt", K::Compare},
    {"gte", K::Compare},
    {"exists", K::Exists},
    {"fieldref", K::FieldRef},
    {"minute", K::TimePart},
    {"hour", K::TimePart},
    {"day", K::TimePart},
    {"week", K::TimePart},
    {"month", K::TimePart},
    {"year", K::TimePart},
}};

constexpr std::uint32_t bit(K k) {
  return 1u << static_cast<unsigned>(k);
}

// What each kind combines with (the relation is checked both ways). Kinds not listed for
// themselves do not combine with another modifier of the same kind: one anchor, one UTF-16
// encoding, one base64 form, one comparison, one time part.
constexpr std::uint32_t kString = bit(K::Anchor) | bit(K::Utf16) | bit(K::Base64) |
                                  bit(K::Windash) | bit(K::Expand) | bit(K::Cased);
constexpr std::uint32_t kItem = bit(K::All) | bit(K::Neq);

constexpr std::uint32_t combines_with(K k) {
  switch (k) {
    case K::Anchor:  // `re|contains` searches as `re` does; `re|startswith`/`endswith` anchor it
      return (kString & ~bit(K::Anchor)) | kItem | bit(K::Regex) | bit(K::RegexFlag) |
             bit(K::FieldRef);
    case K::Utf16:
      return (kString & ~bit(K::Utf16)) | kItem;
    case K::Base64:
      return (kString & ~bit(K::Base64)) | kItem;
    case K::Windash:
    case K::Expand:
      return (kString & ~bit(k)) | kItem;
    case K::Cased:
      return (kString & ~bit(K::Cased)) | kItem | bit(K::FieldRef);
    case K::All:
      return ~(bit(K::All) | bit(K::Exists));
    case K::Neq:
      return ~(bit(K::Neq) | bit(K::Exists));
    case K::Regex:
      return bit(K::Anchor) | bit(K::RegexFlag) | kItem;
    case K::RegexFlag:
      return bit(K::Anchor) | bit(K::Regex) | bit(K::RegexFlag) | kItem;
    case K::Cidr:
    case K::Compare:
    case K::TimePart:
      return kItem;
    case K::Exists:
      return 0;
    case K::FieldRef:
      return bit(K::Anchor) | bit(K::Cased) | kItem;
  }
  return 0;
}

}  // namespace

std::span<const ModifierSpec> modifier_table() {
  return kTable;
}

const ModifierSpec* find_modifier(std::string_view name) {
  for (const ModifierSpec& m : modifier_table())
    if (m.name == name) return &m;
  return nullptr;
}

bool modifiers_combine(ModifierKind a, ModifierKind b) {
  return (combines_with(a) & bit(b)) != 0 && (combines_with(b) & bit(a)) != 0;
}

std::optional<ModifierProblem> check_modifiers(const std::vector<std::string>& modifiers,
                                               bool keyword) {
  std::vector<const ModifierSpec*> seen;
  bool after_re = false;
  for (const std::string& name : modifiers) {
    const ModifierSpec* m = find_modifier(name);
    if (!m) return ModifierProblem{"unknown modifier '" + name + "'", "unknown modifier"};
    if (m->kind == K::RegexFlag && !after_re)
      return ModifierProblem{"modifier '" + name + "' is only allowed after 're'",
                             "unknown modifier"};
    for (const ModifierSpec* s : seen) {
      if (s == m)
        return ModifierProblem{"modifier '" + name + "' is given twice",
                               "unsupported modifier combination"};
      if (!modifiers_combine(s->kind, m->kind))
        return ModifierProblem{"modifiers '" + std::string(s->name) + "' and '" + name +
                                   "' cannot be combined: the Sigma specification does not "
                                   "define what they mean together",
                               "unsupported modifier combination"};
    }
    if (keyword && (m->kind == K::Exists || m->kind == K::FieldRef || m->kind == K::Compare ||
                    m->kind == K::TimePart))
      return ModifierProblem{"modifier '" + name + "' needs a field name", "malformed detection"};
    if (m->kind == K::Regex) after_re = true;
    seen.push_back(m);
  }
  return std::nullopt;
}

}  // namespace tansa::sigma
