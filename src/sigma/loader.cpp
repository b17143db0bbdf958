#include "sigma/loader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>
#include <unordered_map>

#include "sigma/compiled_cache.h"
#include "sigma/compiler_impl.h"
#include "sigma/condition.h"
#include "sigma/rule_cache.h"
#include "sigma/yaml_util.h"

namespace tansa::sigma {
namespace {

namespace fs = std::filesystem;

// Signals a malformed document; caught per document so one bad rule never stops the others.
struct RuleError {
  std::string reason;
  std::string category;
};

[[noreturn]] void fail(std::string reason, std::string category) {
  throw RuleError{std::move(reason), std::move(category)};
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// PyYAML's (YAML 1.1) implicit typing of plain scalars, restricted to what rules meet: null,
// booleans, decimal and hex integers, floats. Leading-zero numbers stay strings rather than
// becoming octal: a rule author writing `0755` means the text.
RuleValue type_scalar(const YAML::Node& n) {
  RuleValue v;
  const std::string& s = n.Scalar();
  v.text = s;
  if (n.Tag() != "?") return v;  // quoted or tagged: a string
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") {
    v.kind = RuleValue::Kind::Null;
    v.text.clear();
    return v;
  }
  static const char* kTrue[] = {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"};
  static const char* kFalse[] = {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"};
  for (const char* t : kTrue)
    if (s == t) {
      v.kind = RuleValue::Kind::Bool;
      v.b = true;
      v.text = "true";
      return v;
    }
  for (const char* f : kFalse)
    if (s == f) {
      v.kind = RuleValue::Kind::Bool;
      v.b = false;
      v.text = "false";
      return v;
    }
  std::string_view body = s;
  bool neg = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (all_digits(body) && (body.size() == 1 || body[0] != '0') && body.size() <= 18) {
    v.kind = RuleValue::Kind::Int;
    v.i = std::stoll(std::string(body)) * (neg ? -1 : 1);
    v.text = std::to_string(v.i);
    return v;
  }
  if (body.size() > 2 && body.size() <= 18 && body[0] == '0' &&
      (body[1] == 'x' || body[1] == 'X') && std::all_of(body.begin() + 2, body.end(), [](char c) {
        return std::isxdigit(static_cast<unsigned char>(c));
      })) {
    v.kind = RuleValue::Kind::Int;
    v.i = static_cast<std::int64_t>(std::stoull(std::string(body.substr(2)), nullptr, 16)) *
          (neg ? -1 : 1);
    v.text = std::to_string(v.i);
    return v;
  }
  // Float: digits with one dot, optional exponent (PyYAML requires the dot).
  const auto dot = body.find('.');
  if (dot != std::string_view::npos && body.size() > 1) {
    bool ok = true;
    bool digit = false;
    for (std::size_t i = 0; i < body.size() && ok; ++i) {
      const char c = body[i];
      if (c >= '0' && c <= '9')
        digit = true;
      else if (c == '.' && i == dot) {
      } else if ((c == 'e' || c == 'E') && digit && i > dot && i + 1 < body.size()) {
        std::size_t j = i + 1;
        if (body[j] == '+' || body[j] == '-') ++j;
        ok = j < body.size() && all_digits(body.substr(j));
        break;
      } else
        ok = false;
    }
    if (ok && digit) {
      v.kind = RuleValue::Kind::Float;
      v.d = std::stod(s);
      return v;
    }
  }
  return v;
}

std::string scalar_or(const YAML::Node& n, const char* key) {
  const YAML::Node c = n[key];
  if (c && c.IsScalar()) return c.Scalar();
  return {};
}

std::vector<std::string> split_pipe(const std::string& key) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto bar = key.find('|', start);
    parts.push_back(key.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  return parts;
}

DetectionItem parse_item(const std::string& key, const YAML::Node& value) {
  DetectionItem item;
  auto parts = split_pipe(key);
  item.field = parts[0];
  item.keyword = item.field.empty();
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::string m = parts[i];
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    if (m.empty()) fail("empty modifier in '" + key + "'", "malformed detection");
    item.modifiers.push_back(m);
  }
  item.line = value.Mark().line + 1;
  if (!value || value.IsNull()) {
    item.values.push_back(RuleValue{RuleValue::Kind::Null, {}, 0, 0, false});
  } else if (value.IsScalar()) {
    item.values.push_back(type_scalar(value));
  } else if (value.IsSequence()) {
    for (const auto& e : value) {
      if (!e.IsScalar() && !e.IsNull())
        fail("the values of '" + key + "' must be scalars, not nested lists or maps",
             "malformed detection");
      if (e.IsNull())
        item.values.push_back(RuleValue{RuleValue::Kind::Null, {}, 0, 0, false});
      else
        item.values.push_back(type_scalar(e));
    }
    // An empty list means "field is null" (pySigma).
    if (item.values.empty())
      item.values.push_back(RuleValue{RuleValue::Kind::Null, {}, 0, 0, false});
  } else {
    fail("the value of '" + key + "' is a map; Sigma values are scalars or lists",
         "malformed detection");
  }
  if (item.keyword && item.values.size() == 1 && item.values[0].kind == RuleValue::Kind::Null)
    fail("a keyword cannot be null", "malformed detection");
  return item;
}

SelectionNode parse_selection(const std::string& name, const YAML::Node& n, int depth) {
  if (depth > 16) fail("detection '" + name + "' is nested too deeply", "malformed detection");
  SelectionNode node;
  if (n.IsMap()) {
    for (const auto& kv : n) {
      if (!kv.first.IsScalar()) fail("non-scalar key in '" + name + "'", "malformed detection");
      node.items.push_back(parse_item(kv.first.Scalar(), kv.second));
    }
    if (node.items.empty()) fail("detection '" + name + "' is empty", "malformed detection");
    return node;
  }
  if (n.IsSequence()) {
    const bool all_scalar =
        std::all_of(n.begin(), n.end(), [](const YAML::Node& e) { return e.IsScalar(); });
    if (all_scalar) {
      if (n.size() == 0) fail("detection '" + name + "' is an empty list", "malformed detection");
      DetectionItem item;
      item.keyword = true;
      item.line = n.Mark().line + 1;
      for (const auto& e : n) item.values.push_back(type_scalar(e));
      node.items.push_back(std::move(item));
      return node;
    }
    node.is_or = true;
    for (const auto& e : n) {
      if (e.IsScalar()) {
        SelectionNode k;
        DetectionItem item;
        item.keyword = true;
        item.line = e.Mark().line + 1;
        item.values.push_back(type_scalar(e));
        k.items.push_back(std::move(item));
        node.children.push_back(std::move(k));
      } else if (e.IsNull()) {
        fail("detection '" + name + "' has an empty list element", "malformed detection");
      } else {
        node.children.push_back(parse_selection(name, e, depth + 1));
      }
    }
    return node;
  }
  if (n.IsScalar()) {
    DetectionItem item;
    item.keyword = true;
    item.line = n.Mark().line + 1;
    item.values.push_back(type_scalar(n));
    node.items.push_back(std::move(item));
    return node;
  }
  fail("detection '" + name + "' is empty", "malformed detection");
}

LogSourceSpec parse_logsource(const YAML::Node& doc) {
  LogSourceSpec ls;
  const YAML::Node n = doc["logsource"];
  if (!n) return ls;
  if (!n.IsMap()) fail("logsource is not a map", "malformed logsource");
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
  };
  ls.product = lower(scalar_or(n, "product"));
  ls.category = lower(scalar_or(n, "category"));
  ls.service = lower(scalar_or(n, "service"));
  return ls;
}

void parse_detections(const YAML::Node& det, std::map<std::string, SelectionNode>& out,
                      std::vector<Condition>& conditions, bool single_condition) {
  if (!det || !det.IsMap()) fail("no detection section", "malformed detection");
  YAML::Node cond;
  for (const auto& kv : det) {
    const std::string key = kv.first.as<std::string>();
    if (key == "condition") {
      cond = kv.second;
      continue;
    }
    if (key == "timeframe")
      fail("'timeframe' belongs to the obsolete aggregation syntax; write a correlation rule",
           "obsolete aggregation");
    out.emplace(key, parse_selection(key, kv.second, 0));
  }
  if (!cond) fail("the detection has no condition", "malformed condition");
  std::vector<std::string> texts;
  if (cond.IsScalar())
    texts.push_back(cond.Scalar());
  else if (cond.IsSequence() && !single_condition)
    for (const auto& c : cond) {
      if (!c.IsScalar()) fail("a condition list must hold strings", "malformed condition");
      texts.push_back(c.Scalar());
    }
  else
    fail("the condition must be a string", "malformed condition");
  if (texts.empty()) fail("the condition list is empty", "malformed condition");
  for (const auto& t : texts) {
    auto c = parse_condition(t);
    if (!c) {
      const bool obsolete = c.error().find("obsolete") != std::string::npos;
      fail("condition '" + t + "': " + c.error(),
           obsolete ? "obsolete aggregation" : "malformed condition");
    }
    conditions.push_back(std::move(*c));
  }
}

// Every name a condition refers to must exist, and every pattern must match something:
// a typo would otherwise silently make a rule never (or always) fire.
void check_references(const Condition& c, const std::map<std::string, SelectionNode>& dets) {
  switch (c.op) {
    case Condition::Op::Ref:
      if (!dets.contains(c.name))
        fail("the condition names '" + c.name + "', which the detection does not define",
             "malformed condition");
      break;
    case Condition::Op::OneOf:
    case Condition::Op::AllOf: {
      bool any = false;
      for (const auto& [name, _] : dets) any = any || pattern_matches(c.name, name);
      if (!any) fail("the pattern '" + c.name + "' matches no detection", "malformed condition");
      break;
    }
    default:
      for (const auto& k : c.kids) check_references(k, dets);
  }
}

RuleInfo parse_info(const YAML::Node& doc) {
  RuleInfo info;
  info.id = scalar_or(doc, "id");
  info.title = scalar_or(doc, "title");
  info.status = scalar_or(doc, "status");
  info.description = scalar_or(doc, "description");
  const std::string level = scalar_or(doc, "level");
  if (!level.empty()) {
    auto l = parse_level(level);
    if (!l) fail("unknown level '" + level + "'", "malformed metadata");
    info.level = *l;
  }
  if (const YAML::Node tags = doc["tags"]; tags && tags.IsSequence())
    for (const auto& t : tags)
      if (t.IsScalar()) info.tags.push_back(t.Scalar());
  return info;
}

// What rules and correlations share: their file, metadata and the `name` others refer to them by.
template <typename Document>
void parse_header(const YAML::Node& doc, const std::string& file, Document& d, const char* what) {
  d.file = file;
  d.info = parse_info(doc);
  d.name = scalar_or(doc, "name");
  d.info.name = d.name;
  if (d.info.title.empty())
    fail(std::string("the ") + what + " has no title", "malformed metadata");
}

CorrelationRule parse_correlation(const YAML::Node& doc, const YAML::Node& c,
                                  const std::string& file);

void parse_one(const YAML::Node& doc, const std::string& file, std::vector<Rule>& rules,
               std::vector<Filter>& filters, LoadResult& result) {
  if (const YAML::Node c = doc["correlation"]) {
    result.correlation_rules.push_back(
        std::make_shared<const CorrelationRule>(parse_correlation(doc, c, file)));
    ++result.correlations;
    return;
  }
  if (const YAML::Node f = doc["filter"]) {
    Filter filter;
    filter.file = file;
    filter.id = scalar_or(doc, "id");
    filter.title = scalar_or(doc, "title");
    filter.logsource = parse_logsource(doc);
    if (!f.IsMap()) fail("'filter' is not a map", "malformed filter");
    const YAML::Node r = f["rules"];
    if (r && r.IsScalar() && r.Scalar() == "any")
      filter.any = true;
    else if (r && r.IsScalar())
      filter.rules.push_back(r.Scalar());
    else if (r && r.IsSequence())
      for (const auto& e : r) filter.rules.push_back(e.as<std::string>());
    else
      fail("the filter names no rules", "malformed filter");
    YAML::Node det(YAML::NodeType::Map);
    for (const auto& kv : f)
      if (kv.first.as<std::string>() != "rules") det[kv.first] = kv.second;
    std::vector<Condition> conds;
    parse_detections(det, filter.detections, conds, true);
    check_references(conds[0], filter.detections);
    filter.condition = std::move(conds[0]);
    filters.push_back(std::move(filter));
    ++result.filters;
    return;
  }
  Rule rule;
  parse_header(doc, file, rule, "rule");
  rule.logsource = parse_logsource(doc);
  parse_detections(doc["detection"], rule.detections, rule.conditions, false);
  for (const auto& c : rule.conditions) check_references(c, rule.detections);
  rules.push_back(std::move(rule));
}

// "5m", "1h", "30s", "2d" (pySigma also accepts w, M, y).
std::int64_t parse_timespan(const std::string& t) {
  const auto d = parse_duration(t);
  if (!d)
    fail("timespan '" + t + "' is not a positive number and a unit (30s, 5m, 1h, 2d, 1w, 1M, 1y)",
         "malformed correlation");
  return *d;
}

std::vector<std::string> string_list(const YAML::Node& n) {
  auto v = scalar_list(n);
  if (!v) fail("expected a name or a list of names", "malformed correlation");
  return *v;
}

CorrelationRule parse_correlation(const YAML::Node& doc, const YAML::Node& c,
                                  const std::string& file) {
  using T = CorrelationRule::Type;
  CorrelationRule r;
  parse_header(doc, file, r, "correlation");
  if (!c.IsMap()) fail("'correlation' is not a map", "malformed correlation");
  static const std::map<std::string, T> kTypes = {{"event_count", T::EventCount},
                                                  {"value_count", T::ValueCount},
                                                  {"temporal", T::Temporal},
                                                  {"temporal_ordered", T::TemporalOrdered},
                                                  {"value_sum", T::ValueSum},
                                                  {"value_avg", T::ValueAvg},
                                                  {"value_percentile", T::ValuePercentile},
                                                  {"first_seen", T::FirstSeen}};
  const std::string type = scalar_or(c, "type");
  auto t = kTypes.find(type);
  if (t == kTypes.end()) fail("unknown correlation type '" + type + "'", "malformed correlation");
  r.type = t->second;
  r.rules = string_list(c["rules"]);
  if (r.rules.empty()) fail("the correlation names no rules", "malformed correlation");
  r.group_by = string_list(c["group-by"]);
  // first_seen remembers values for the whole input unless a timespan bounds its memory.
  if (type != "first_seen" || c["timespan"])
    r.timespan_ns = parse_timespan(scalar_or(c, "timespan"));
  if (type == "first_seen" && r.group_by.empty())
    fail("first_seen needs group-by: the key whose history a value is new to",
         "malformed correlation");
  if (const YAML::Node g = c["generate"]; g && g.IsScalar()) r.generate = g.Scalar() == "true";
  if (const YAML::Node a = c["aliases"]; a && a.IsMap())
    for (const auto& alias : a) {
      if (!alias.second.IsMap())
        fail("alias '" + alias.first.as<std::string>() + "' is not a map", "malformed correlation");
      for (const auto& m : alias.second)
        r.aliases[alias.first.as<std::string>()][m.first.as<std::string>()] =
            m.second.as<std::string>();
    }
  const YAML::Node cond = c["condition"];
  const bool temporal = r.type == T::Temporal || r.type == T::TemporalOrdered;
  if (cond && cond.IsMap()) {
    static const std::map<std::string, CorrelationRule::Op> kOps = {
        {"gt", CorrelationRule::Op::Gt}, {"gte", CorrelationRule::Op::Gte},
        {"lt", CorrelationRule::Op::Lt}, {"lte", CorrelationRule::Op::Lte},
        {"eq", CorrelationRule::Op::Eq}, {"neq", CorrelationRule::Op::Neq}};
    for (const auto& kv : cond) {
      const std::string k = kv.first.as<std::string>();
      if (k == "field") {
        auto fields = scalar_list(kv.second);
        if (!fields || fields->empty())
          fail("condition.field needs a field name", "malformed correlation");
        if (fields->size() > 1 && r.type != T::FirstSeen)
          fail("only first_seen watches several fields", "malformed correlation");
        r.fields = *fields;
        r.field = r.fields.front();
      } else if (k == "percentile") {
        r.percentile = kv.second.as<double>();
      } else if (auto op = kOps.find(k); op != kOps.end()) {
        try {
          r.condition.emplace_back(op->second, kv.second.as<double>());
        } catch (const YAML::Exception&) {
          fail("condition '" + k + "' needs a number", "malformed correlation");
        }
      } else {
        fail("unknown condition key '" + k + "'", "malformed correlation");
      }
    }
  } else if (cond && !temporal) {
    fail("the condition must be a map such as {gte: 10}", "malformed correlation");
  }
  // first_seen's condition bounds the key's earlier events; by default one is enough history.
  if (r.type == T::FirstSeen && r.condition.empty())
    r.condition.emplace_back(CorrelationRule::Op::Gte, 1.0);
  if (!temporal && r.condition.empty())
    fail("the correlation has no condition", "malformed correlation");
  const bool needs_field = r.type == T::ValueCount || r.type == T::ValueSum ||
                           r.type == T::ValueAvg || r.type == T::ValuePercentile ||
                           r.type == T::FirstSeen;
  if (needs_field && r.field.empty())
    fail(type + " needs condition.field", "malformed correlation");
  if (r.type == T::ValuePercentile && (r.percentile <= 0 || r.percentile > 100))
    fail("value_percentile needs condition.percentile between 0 and 100", "malformed correlation");
  return r;
}

bool filter_applies(const Filter& f, const Rule& r) {
  if (!f.logsource.product.empty() && f.logsource.product != r.logsource.product) return false;
  if (!f.logsource.category.empty() && f.logsource.category != r.logsource.category) return false;
  if (!f.logsource.service.empty() && f.logsource.service != r.logsource.service) return false;
  if (f.any) return true;
  return std::any_of(f.rules.begin(), f.rules.end(), [&](const std::string& n) {
    return (!r.info.id.empty() && n == r.info.id) || (!r.name.empty() && n == r.name);
  });
}

void rename(Condition& c, const std::string& prefix,
            const std::map<std::string, SelectionNode>& dets) {
  switch (c.op) {
    case Condition::Op::Ref:
      c.name = prefix + c.name;
      break;
    case Condition::Op::OneOf:
    case Condition::Op::AllOf: {
      // Expand now: the renamed names no longer match the filter author's pattern.
      Condition expanded{
          c.op == Condition::Op::OneOf ? Condition::Op::Or : Condition::Op::And, {}, {}};
      for (const auto& [name, _] : dets)
        if (pattern_matches(c.name, name))
          expanded.kids.push_back({Condition::Op::Ref, prefix + name, {}});
      c = std::move(expanded);
      break;
    }
    default:
      for (auto& k : c.kids) rename(k, prefix, dets);
  }
}

}  // namespace

void parse_documents(std::string_view yaml, const std::string& file, std::vector<Rule>& rules,
                     std::vector<Filter>& filters, LoadResult& result) {
  // Documents are split here rather than by YAML::LoadAll, which on some malformed input keeps
  // producing empty documents without end (found by fuzz_sigma).
  std::vector<YAML::Node> docs;
  std::vector<int> first_line;
  {
    std::size_t start = 0, line = 0, doc_line = 0;
    auto take = [&](std::size_t end) {
      const std::string_view d = yaml.substr(start, end - start);
      if (d.find_first_not_of(" \t\r\n") == std::string_view::npos) return;
      try {
        docs.push_back(YAML::Load(std::string(d)));
        first_line.push_back(static_cast<int>(doc_line));
      } catch (const YAML::Exception& e) {
        result.rejected.push_back(
            {file,
             {},
             {},
             "YAML error at line " +
                 std::to_string(doc_line + static_cast<std::size_t>(e.mark.line) + 1) + ": " +
                 e.msg,
             "invalid YAML"});
      }
    };
    std::size_t pos = 0;
    while (pos <= yaml.size()) {
      const std::size_t nl = yaml.find('\n', pos);
      const std::size_t end = nl == std::string_view::npos ? yaml.size() : nl;
      const std::string_view l = yaml.substr(pos, end - pos);
      const bool marker = (l.starts_with("---") || l.starts_with("...")) &&
                          (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
      if (marker) {
        take(pos);
        start = end == yaml.size() ? end : end + 1;
        doc_line = line + 1;
      }
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
      ++line;
    }
    take(yaml.size());
  }
  // Sigma allows a first "global" document whose keys every later document inherits (the
  // multi-document form of Sigma 1); documents with `action: global` are merged that way.
  YAML::Node global;
  for (auto& doc : docs) {
    if (!doc || doc.IsNull()) continue;
    ++result.documents;
    std::string id;
    std::string title;
    try {
      if (!doc.IsMap()) fail("the document is not a map", "malformed document");
      id = scalar_or(doc, "id");
      title = scalar_or(doc, "title");
      const std::string action = scalar_or(doc, "action");
      if (action == "global") {
        global = YAML::Clone(doc);
        global.remove("action");
        continue;
      }
      if (action == "reset") {
        global = YAML::Node();
        continue;
      }
      if (global) {
        YAML::Node merged = YAML::Clone(global);
        for (const auto& kv : doc) {
          const std::string k = kv.first.as<std::string>();
          if (k == "action") continue;
          if (kv.second.IsMap() && merged[k] && merged[k].IsMap())
            for (const auto& inner : kv.second) merged[k][inner.first] = inner.second;
          else
            merged[k] = kv.second;
        }
        doc = merged;
        if (id.empty()) id = scalar_or(doc, "id");
        if (title.empty()) title = scalar_or(doc, "title");
      }
      parse_one(doc, file, rules, filters, result);
    } catch (const RuleError& e) {
      result.rejected.push_back({file, id, title, e.reason, e.category});
    } catch (const YAML::Exception& e) {
      result.rejected.push_back(
          {file, id, title, std::string("YAML error: ") + e.what(), "invalid YAML"});
    }
  }
}

void apply_filters(std::vector<Rule>& rules, const std::vector<Filter>& filters) {
  std::size_t n = 0;
  for (const Filter& f : filters) {
    ++n;
    const std::string prefix = "__filter" + std::to_string(n) + "_";
    for (Rule& r : rules) {
      if (!filter_applies(f, r)) continue;
      Condition fc = f.condition;
      rename(fc, prefix, f.detections);
      for (const auto& [name, sel] : f.detections) r.detections.emplace(prefix + name, sel);
      for (Condition& c : r.conditions) {
        Condition both{Condition::Op::And, {}, {}};
        both.kids.push_back(std::move(c));
        both.kids.push_back(fc);
        c = std::move(both);
      }
    }
  }
}

namespace {

// A whole file into `out` with one read per block (thousands of small rule files are read on
// every start); false when it cannot be opened or read.
bool read_whole(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = ::fstat(fd, &st) == 0;
  out.clear();
  if (ok && st.st_size > 0) out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t have = 0;
  char more[4096];  // past the size fstat gave: a file still growing, or one without a size
  // A regular file read up to the size fstat gave is whole: no read is spent to see its end.
  const bool sized = ok && S_ISREG(st.st_mode) && st.st_size > 0;
  while (ok && !(sized && have == out.size())) {
    const bool room = have < out.size();
    const ssize_t n =
        room ? ::read(fd, out.data() + have, out.size() - have) : ::read(fd, more, sizeof more);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = n == 0;
      break;
    }
    if (!room) out.append(more, static_cast<std::size_t>(n));
    have += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(have);
  return ok;
}

LoadResult finish(std::vector<Rule>& rules, const std::vector<Filter>& filters, LoadResult result) {
  apply_filters(rules, filters);
  for (Rule& r : rules) result.rules.push_back(std::make_shared<const Rule>(std::move(r)));
  return result;
}

}  // namespace

std::expected<std::map<std::string, std::vector<std::string>>, std::string> load_placeholders(
    const std::string& path) {
  std::map<std::string, std::vector<std::string>> out;
  try {
    const YAML::Node root = YAML::LoadFile(path);
    if (!root.IsMap())
      return std::unexpected(path + ": expected a map of placeholder names to values");
    for (const auto& kv : root) {
      auto& values = out[kv.first.as<std::string>()];
      if (kv.second.IsSequence())
        for (const auto& v : kv.second) values.push_back(v.as<std::string>());
      else if (kv.second.IsScalar())
        values.push_back(kv.second.Scalar());
      else
        return std::unexpected(path + ": placeholder " + kv.first.as<std::string>() +
                               " has no values");
    }
  } catch (const YAML::Exception& e) {
    return std::unexpected(path + ": " + e.what());
  }
  return out;
}

LoadResult load_rules_text(std::string_view yaml, const std::string& name, const Options&) {
  LoadResult result;
  std::vector<Rule> rules;
  std::vector<Filter> filters;
  parse_documents(yaml, name, rules, filters, result);
  return finish(rules, filters, std::move(result));
}

namespace {

// What loading and compiling start from: the rule files listed and read (each once: its bytes
// are hashed for the caches' key and, when no cache can answer, parsed), the rejections of files
// that cannot be read (said on every run, whatever a cache holds) and the caches' key.
struct Prepared {
  LoadResult result;  // rejections of unreadable files and missing paths; notes
  std::vector<std::string> files, text;
  std::vector<char> readable;
  std::vector<char> have_text;  // read (a digest remembered from an earlier run needs no reading)
  std::function<void(std::size_t, const std::function<void(std::size_t)>&)> run;
  bool caching = false;
  rule_cache::Key key;
  std::uint64_t name = 0;  // of the cache files: one per set of rule paths, rewritten when stale
};

Prepared prepare(const std::vector<std::string>& paths, const Options& options) {
  Prepared pr;
  LoadResult& result = pr.result;
  std::vector<std::string>& files = pr.files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      for (auto it = fs::recursive_directory_iterator(
               p, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const auto ext = it->path().extension().string();
        if (ext == ".yml" || ext == ".yaml") files.push_back(it->path().string());
      }
      if (ec)
        result.rejected.push_back(
            {p, {}, {}, "cannot list folder: " + ec.message(), "unreadable file"});
    } else if (fs::exists(p, ec)) {
      files.push_back(p);
    } else {
      result.rejected.push_back({p, {}, {}, "no such file or folder", "unreadable file"});
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  const unsigned cores =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  // run(n, job): job(i) for every i < n, on up to `cores` threads.
  auto run = [cores](std::size_t n, const std::function<void(std::size_t)>& job) {
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) job(i);
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < std::min<std::size_t>(cores, n); ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
  };
  pr.run = run;
  // Every file is read at most once: its bytes are hashed for the cache's key and, when the cache
  // cannot answer, parsed. With a cache folder, a file whose identity and times are as when an
  // earlier run hashed it is not read at all: its digest is remembered (rule_cache::Digests).
  const bool caching = pr.caching = !options.cache_dir.empty();
  std::vector<std::string>& text = pr.text;
  std::vector<char>& readable = pr.readable;
  text.resize(files.size());
  readable.assign(files.size(), 0);
  pr.have_text.assign(files.size(), 0);
  std::vector<rule_cache::Key> digest(files.size());
  std::vector<struct stat> stats(files.size());
  std::vector<char> stated(files.size(), 0), hashed(files.size(), 0);
  std::string digests_path;
  rule_cache::Digests known;
  std::unordered_map<std::string_view, const rule_cache::FileDigest*> trusted;
  const std::int64_t hashing_from = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count();
  auto ns = [](const timespec& t) {
    return static_cast<std::int64_t>(t.tv_sec) * 1000000000 + t.tv_nsec;
  };
  if (caching) {
    rule_cache::Hash name;
    for (const auto& p : paths) {
      std::error_code ec;
      name.bytes(fs::absolute(p, ec).lexically_normal().string());
    }
    pr.name = name.a();
    digests_path = fmt::format("{}/digests-{:016x}.cache", options.cache_dir, pr.name);
    if (std::string bytes; read_whole(digests_path, bytes)) {
      auto d = rule_cache::decode_digests(bytes);
      if (d) {
        known = std::move(*d);
        // Only files that had stopped changing a second before they were hashed.
        const std::int64_t settled = known.hashed_from_ns - 1000000000;
        for (const auto& f : known.files)
          if (f.mtime_ns < settled && f.ctime_ns < settled) trusted.emplace(f.path, &f);
      } else if (d.error().kind == rule_cache::Error::Kind::Damaged) {
        result.notes.push_back("ignored a damaged or foreign rule digest cache file " +
                               digests_path + " (" + d.error().reason + "); read every rule file");
      }
    }
  }
  run(files.size(), [&](std::size_t i) {
    if (caching && ::stat(files[i].c_str(), &stats[i]) == 0) {
      stated[i] = 1;
      const struct stat& st = stats[i];
      if (auto it = trusted.find(files[i]); it != trusted.end()) {
        const rule_cache::FileDigest& f = *it->second;
        if (f.dev == st.st_dev && f.ino == st.st_ino &&
            f.size == static_cast<std::uint64_t>(st.st_size) && f.mtime_ns == ns(st.st_mtim) &&
            f.ctime_ns == ns(st.st_ctim)) {
          digest[i] = f.digest;
          readable[i] = 1;
          return;
        }
      }
    }
    if (!read_whole(files[i], text[i])) return;
    readable[i] = 1;
    pr.have_text[i] = 1;
    if (caching) {
      rule_cache::Hash h;
      h.bytes(text[i]);
      digest[i] = {h.a(), h.b()};
      hashed[i] = 1;
    }
  });
  result.files = files.size();
  for (std::size_t i = 0; i < files.size(); ++i) result.files_read += pr.have_text[i];
  if (caching) {
    // Remembered again when a file was hashed (new or changed) or is gone.
    std::size_t remembered = 0;
    bool changed = false;
    rule_cache::Digests now;
    now.hashed_from_ns = hashing_from;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!readable[i] || !stated[i]) continue;
      changed = changed || hashed[i];
      const struct stat& st = stats[i];
      now.files.push_back(
          {files[i], static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino),
           static_cast<std::uint64_t>(st.st_size), ns(st.st_mtim), ns(st.st_ctim), digest[i]});
      ++remembered;
    }
    if (changed || remembered != known.files.size())
      if (const std::string bytes = rule_cache::encode_digests(now); !bytes.empty())
        rule_cache::write_atomic(digests_path, bytes);
  }
  // Files that cannot be read are said on every run, whatever the cache holds.
  for (std::size_t i = 0; i < files.size(); ++i)
    if (!readable[i])
      result.rejected.push_back({files[i], {}, {}, "cannot open the file", "unreadable file"});

  if (caching) {
    rule_cache::Hash k = rule_cache::key_start(options);
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!readable[i]) continue;
      k.bytes(files[i]);
      k.word(digest[i].a);
      k.word(digest[i].b);
    }
    pr.key = {k.a(), k.b()};
  }
  return pr;
}

// The rules of `pr`'s files: from the parsed-rules cache when it holds them, else parsed (and
// the cache rewritten).
LoadResult parse_prepared(Prepared& pr, const Options& options) {
  LoadResult& result = pr.result;
  const std::vector<std::string>& files = pr.files;
  std::vector<std::string>& text = pr.text;
  const std::vector<char>& readable = pr.readable;  // after the late reads below
  const auto& run = pr.run;
  const bool caching = pr.caching;
  const rule_cache::Key key = pr.key;
  std::string cache_path;
  if (caching) {
    cache_path = fmt::format("{}/rules-{:016x}.cache", options.cache_dir, pr.name);
    if (std::string bytes; read_whole(cache_path, bytes)) {
      auto cached = rule_cache::decode(bytes, key);
      if (cached) {
        for (auto& r : cached->rejected) result.rejected.push_back(std::move(r));
        cached->rejected = std::move(result.rejected);
        cached->notes = std::move(result.notes);
        cached->files = result.files;
        cached->files_read = result.files_read;
        cached->from_cache = true;
        return std::move(*cached);
      }
      if (cached.error().kind == rule_cache::Error::Kind::Damaged)
        result.notes.push_back("ignored a damaged or foreign rule cache file " + cache_path + " (" +
                               cached.error().reason + "); parsed the rules anew");
    }
  }

  // The files whose digests were remembered are read now (a file unreadable since is said).
  std::vector<char> lost(files.size(), 0);
  run(files.size(), [&](std::size_t i) {
    if (pr.readable[i] && !pr.have_text[i] && !read_whole(files[i], text[i])) lost[i] = 1;
  });
  for (std::size_t i = 0; i < files.size(); ++i)
    result.files_read += !pr.have_text[i] && pr.readable[i] && !lost[i];
  for (std::size_t i = 0; i < files.size(); ++i)
    if (lost[i]) {
      pr.readable[i] = 0;
      result.rejected.push_back({files[i], {}, {}, "cannot open the file", "unreadable file"});
    }

  // Files parse independently (yaml-cpp is most of the load time), so they are parsed on all
  // cores and merged in sorted file order: the result does not depend on the thread count.
  struct Part {
    std::vector<Rule> rules;
    std::vector<Filter> filters;
    LoadResult result;
  };
  std::vector<Part> parts(files.size());
  run(files.size(), [&](std::size_t i) {
    if (readable[i])
      parse_documents(text[i], files[i], parts[i].rules, parts[i].filters, parts[i].result);
  });
  text.clear();
  LoadResult parsed;  // what the cache keeps: everything but the unreadable files
  std::vector<Rule> rules;
  std::vector<Filter> filters;
  for (Part& p : parts) {
    for (auto& r : p.rules) rules.push_back(std::move(r));
    for (auto& f : p.filters) filters.push_back(std::move(f));
    for (auto& r : p.result.rejected) parsed.rejected.push_back(std::move(r));
    parsed.documents += p.result.documents;
    parsed.filters += p.result.filters;
    parsed.correlations += p.result.correlations;
    for (auto& c : p.result.correlation_rules) parsed.correlation_rules.push_back(std::move(c));
  }
  parsed = finish(rules, filters, std::move(parsed));
  if (caching)
    if (const std::string bytes = rule_cache::encode(parsed, key); !bytes.empty())
      rule_cache::write_atomic(cache_path, bytes);
  for (auto& r : parsed.rejected) result.rejected.push_back(std::move(r));
  parsed.rejected = std::move(result.rejected);
  parsed.notes = std::move(result.notes);
  parsed.files = result.files;
  parsed.files_read = result.files_read;
  return parsed;
}

}  // namespace

LoadResult load_rules(const std::vector<std::string>& paths, const Options& options) {
  Prepared pr = prepare(paths, options);
  return parse_prepared(pr, options);
}

Compiled load_and_compile(const std::vector<std::string>& paths, const Options& options) {
  Prepared pr = prepare(paths, options);
  Compiled out;
  rule_cache::Key key;
  std::string path;
  if (pr.caching) {
    key = compiled_cache::key(pr.key, options);
    path = fmt::format("{}/compiled-{:016x}.cache", options.cache_dir, pr.name);
    if (std::string bytes; read_whole(path, bytes)) {
      auto cached = compiled_cache::decode(bytes, key, options);
      if (cached) {
        out.loaded = std::move(cached->loaded);
        for (auto& r : out.loaded.rejected) pr.result.rejected.push_back(std::move(r));
        out.loaded.rejected = std::move(pr.result.rejected);
        out.loaded.notes = std::move(pr.result.notes);
        out.loaded.files = pr.result.files;
        out.loaded.files_read = pr.result.files_read;
        out.loaded.from_cache = true;
        out.set = detail::finish_set(std::move(cached->tables), options);
        return out;
      }
      if (cached.error().kind == rule_cache::Error::Kind::Damaged)
        pr.result.notes.push_back("ignored a damaged or foreign compiled rule cache file " + path +
                                  " (" + cached.error().reason + "); compiled the rules anew");
    }
  }
  const std::size_t per_run = pr.result.rejected.size();  // unreadable files: not cached
  out.loaded = parse_prepared(pr, options);
  std::vector<Rejection> compiling;
  std::unique_ptr<CompiledSet> tables =
      detail::compile_tables(out.loaded.rules, options, compiling);
  if (pr.caching) {
    std::vector<Rejection> cached(
        out.loaded.rejected.begin() + static_cast<std::ptrdiff_t>(per_run),
        out.loaded.rejected.end());
    cached.insert(cached.end(), compiling.begin(), compiling.end());
    if (const std::string bytes = compiled_cache::encode(out.loaded, cached, *tables, key);
        !bytes.empty())
      rule_cache::write_atomic(path, bytes);
  }
  for (auto& r : compiling) out.loaded.rejected.push_back(std::move(r));
  out.set = detail::finish_set(std::move(tables), options);
  return out;
}

}  // namespace tansa::sigma
