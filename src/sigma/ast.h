// The parsed form of a Sigma rule, before compilation: what the YAML says, typed, with the
// condition already parsed. The loader builds it; filters rewrite it; the compiler reads it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tansa/detection.h"

namespace tansa::sigma {

// A scalar from the rule, typed as YAML (PyYAML, which pySigma uses) types it.
struct RuleValue {
  enum class Kind : std::uint8_t { String, Int, Float, Bool, Null };
  Kind kind = Kind::String;
  std::string text;  // the scalar as written (for String), or its canonical text
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
};

// `field|mod1|mod2: values` or a keyword list (field empty, keyword true).
struct DetectionItem {
  std::string field;
  bool keyword = false;
  std::vector<std::string> modifiers;
  std::vector<RuleValue> values;
  int line = 0;
};

// A named detection: a map is the AND of its items, a list is the OR of its elements, and a list
// of plain scalars is one keyword item.
struct SelectionNode {
  bool is_or = false;
  std::vector<DetectionItem> items;     // AND-ed (when !is_or)
  std::vector<SelectionNode> children;  // OR-ed (when is_or)
};

// Condition expression. Ref names a detection; OneOf/AllOf take a pattern (with `*`) or "them".
struct Condition {
  enum class Op : std::uint8_t { Or, And, Not, Ref, OneOf, AllOf };
  Op op = Op::Ref;
  std::string name;
  std::vector<Condition> kids;
};

struct LogSourceSpec {
  std::string product, category, service;
};

struct Rule {
  RuleInfo info;
  std::string file;
  std::string name;  // the optional `name:` attribute, used by filters and correlations
  LogSourceSpec logsource;
  std::map<std::string, SelectionNode> detections;
  std::vector<Condition> conditions;  // a condition list is the OR of its elements
};

// A correlation document (Sigma correlation specification v2.1).
struct CorrelationRule {
  enum class Type : std::uint8_t {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    FirstSeen  // tansa extension: a value never seen before for the key (docs/sigma.md)
  };
  enum class Op : std::uint8_t { Gt, Gte, Lt, Lte, Eq, Neq };
  RuleInfo info;
  std::string file;
  std::string name;
  Type type = Type::EventCount;
  std::vector<std::string> rules;     // ids or names of the rules (or correlations) it combines
  std::vector<std::string> group_by;  // fields or aliases
  std::int64_t timespan_ns = 0;
  std::vector<std::pair<Op, double>> condition;  // AND-ed bounds; empty for temporal types
  std::string field;                             // value_* types
  std::vector<std::string> fields;               // first_seen: every field watched (field = [0])
  double percentile = 0;
  // alias -> (rule id or name -> field)
  std::map<std::string, std::map<std::string, std::string>> aliases;
  bool generate = false;  // also output the referenced rules' own detections
};

}  // namespace tansa::sigma
