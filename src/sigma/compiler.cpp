#include "sigma/compiler.h"

#include <algorithm>
#include <set>

#include "sigma/ast.h"
#include "sigma/compiler_impl.h"
#include "sigma/condition.h"
#include "sigma/modifiers.h"
#include "sigma/values.h"

namespace tansa::sigma {

CompiledSet::~CompiledSet() {
  if (literals) hs_free_database(literals);
  for (auto& d : scan_dbs)
    if (d.db) hs_free_database(d.db);
}

std::uint32_t CompiledSet::resolve_slot(FieldId id) const {
  if (id < slot_of.size() && slot_of[id] != kNone) return slot_of[id];
  const std::string_view name = FieldTable::global().name(id);
  if (name.find(' ') == std::string_view::npos) return kNone;
  std::string stripped;
  for (char c : name)
    if (c != ' ') stripped += c;
  auto it = slot_by_name.find(stripped);
  return it == slot_by_name.end() ? kNone : it->second;
}

void CompiledSet::Bucket::finish(const CompiledSet& cs) {
  for (std::uint32_t vi : all) {
    const Variant& v = cs.variants[vi];
    keywords = keywords || v.keywords;
    if (!v.prefiltered || !cs.prefilter) {
      unfiltered.push_back(vi);
      continue;
    }
    for (std::uint32_t k = 0; k < v.pf_count; ++k)
      by_literal[cs.pf_ids[v.pf_first + k]].push_back(vi);
  }
}

RuleSet::RuleSet(std::unique_ptr<CompiledSet> set) : set_(std::move(set)) {}
RuleSet::~RuleSet() = default;
const std::vector<std::string>& RuleSet::notes() const {
  return set_->notes;
}

std::span<const RuleInfo> RuleSet::rules() const {
  return set_->infos;
}
namespace detail {

// --- the rule tree ----------------------------------------------------------------------------

Leaf Compiler::string_leaf(const SStr& in, bool cased) {
  SStr s = in;
  if (!cased) s.chars = ascii_lower(s.chars);
  Leaf l;
  l.cased = cased;
  const std::size_t stars = std::count(s.kinds.begin(), s.kinds.end(), '*');
  const bool q = s.kinds.find('?') != std::string::npos;
  if (stars == 0 && !q) {
    l.kind = Leaf::Kind::Exact;
    l.text = s.chars;
    return l;
  }
  // Collapse runs of stars, then see whether the stars sit only at the ends.
  SStr c;
  for (std::size_t i = 0; i < s.chars.size(); ++i)
    if (!(s.kinds[i] == '*' && !c.kinds.empty() && c.kinds.back() == '*')) {
      c.chars += s.chars[i];
      c.kinds += s.kinds[i];
    }
  const bool front = c.kinds.front() == '*', back = c.kinds.back() == '*';
  const std::size_t inner =
      std::count(c.kinds.begin(), c.kinds.end(), '*') - front - (back && c.kinds.size() > 1);
  if (!q && inner == 0) {
    if (c.kinds == "*") {
      l.kind = Leaf::Kind::Any;
      return l;
    }
    l.text = c.chars.substr(front, c.chars.size() - front - back);
    l.kind = front && back ? Leaf::Kind::Contains : front ? Leaf::Kind::Suffix : Leaf::Kind::Prefix;
    return l;
  }
  Glob g;
  g.star_start = front;
  g.star_end = back && c.kinds.size() > 1;
  std::string piece, mask;
  bool has_q = false;
  auto flush = [&] {
    g.pieces.push_back(piece);
    g.qmasks.push_back(has_q ? mask : std::string());
    piece.clear();
    mask.clear();
    has_q = false;
  };
  const std::size_t end = c.chars.size() - (g.star_end ? 1 : 0);
  for (std::size_t i = front ? 1 : 0; i < end; ++i) {
    if (c.kinds[i] == '*') {
      flush();
      continue;
    }
    piece += c.chars[i];
    mask += c.kinds[i] == '?' ? '\1' : '\0';
    has_q = has_q || c.kinds[i] == '?';
  }
  flush();
  l.kind = Leaf::Kind::Glob;
  l.glob = static_cast<std::uint32_t>(cs_.globs.size());
  cs_.globs.push_back(std::move(g));
  return l;
}

void Compiler::string_leaves(const Ctx&, const DetectionItem& d, const RuleValue& v,
                             const std::vector<std::string>& transforms, bool cased,
                             std::vector<Leaf>& out) {
  std::vector<std::string> raws{v.text};
  if (std::find(d.modifiers.begin(), d.modifiers.end(), "expand") != d.modifiers.end())
    raws = expand_placeholders(v.text, opt_);
  std::vector<SStr> vals;
  for (const auto& r : raws)
    vals.push_back(v.kind == RuleValue::Kind::String ? parse_sigma_string(r) : literal_sstr(r));
  for (const auto& t : transforms) {
    std::vector<SStr> next;
    for (auto& s : vals) {
      if (t == "contains") {
        add_star_front(s);
        add_star_back(s);
        next.push_back(std::move(s));
      } else if (t == "startswith") {
        add_star_back(s);
        next.push_back(std::move(s));
      } else if (t == "endswith") {
        add_star_front(s);
        next.push_back(std::move(s));
      } else if (t == "wide" || t == "utf16le") {
        next.push_back(to_utf16(s, false, false));
      } else if (t == "utf16be") {
        next.push_back(to_utf16(s, true, false));
      } else if (t == "utf16") {
        next.push_back(to_utf16(s, false, true));
      } else if (t == "base64" || t == "base64offset") {
        if (s.has_wildcards())
          fail("'" + t + "' cannot encode a value with wildcards ('" + v.text + "')",
               "invalid value");
        if (t == "base64")
          next.push_back(literal_sstr(base64(s.literal())));
        else
          for (auto& e : base64_offsets(s.literal())) next.push_back(literal_sstr(e));
      } else if (t == "windash") {
        for (auto& e : windash(s)) next.push_back(std::move(e));
      }
    }
    vals = std::move(next);
  }
  for (const auto& s : vals) out.push_back(string_leaf(s, cased));
}

std::uint32_t Compiler::compile_item(const Ctx& ctx, const DetectionItem& d) {
  // One table says which modifiers exist and which combine (modifiers.h); what is left here is
  // what each means.
  if (auto problem = check_modifiers(d.modifiers, d.keyword))
    fail(std::move(problem->reason), std::move(problem->category));
  std::vector<std::string> transforms;  // rewrite the value's text, in the order written
  std::set<std::string> flags;          // properties of the whole item
  for (const auto& m : d.modifiers) {
    if (transforms_value(find_modifier(m)->kind))
      transforms.push_back(m);
    else
      flags.insert(m);
  }
  Item item;
  if (d.keyword) {
    item.slot = kKeywordSlot;
  } else {
    std::string field = d.field;
    if (ctx.renames)
      if (auto it = ctx.renames->find(field); it != ctx.renames->end()) field = it->second;
    item.slot = slot(field);
  }
  item.all = flags.contains("all");
  item.negate = flags.contains("neq");
  const bool cased = flags.contains("cased");
  const bool re = flags.contains("re");
  const char* cmp = flags.contains("lt")    ? "lt"
                    : flags.contains("lte") ? "lte"
                    : flags.contains("gt")  ? "gt"
                    : flags.contains("gte") ? "gte"
                                            : nullptr;
  const char* part = nullptr;
  for (const char* p : {"minute", "hour", "day", "week", "month", "year"})
    if (flags.contains(p)) part = p;

  std::vector<Leaf> leaves;
  for (const RuleValue& v : d.values) {
    if (flags.contains("exists")) {
      if (v.kind != RuleValue::Kind::Bool) fail("'exists' takes true or false", "invalid value");
      Leaf l;
      l.kind = Leaf::Kind::Exists;
      l.flag = v.b;
      leaves.push_back(l);
      continue;
    }
    if (v.kind == RuleValue::Kind::Null) {
      if (!transforms.empty() || re || cmp || part || flags.contains("cidr") ||
          flags.contains("fieldref"))
        fail("modifiers cannot apply to null", "invalid value");
      Leaf l;
      l.kind = Leaf::Kind::Null;
      leaves.push_back(l);
      continue;
    }
    if (re) {
      // A regex is searched for anywhere in the value, so `contains` changes nothing; `startswith`
      // and `endswith` anchor it, as pySigma's `.*` padding does under full-match semantics.
      bool anchor_start = false, anchor_end = false;
      for (const auto& t : transforms) {
        if (t == "startswith")
          anchor_start = true;
        else if (t == "endswith")
          anchor_end = true;
      }
      RE2::Options o;
      o.set_log_errors(false);
      o.set_case_sensitive(!(flags.contains("i") || flags.contains("ignorecase")));
      o.set_dot_nl(flags.contains("s") || flags.contains("dotall"));
      std::string pattern = v.text;
      if (anchor_start && !pattern.starts_with("^")) pattern = "^(?:" + pattern + ")";
      if (anchor_end && !pattern.ends_with("$")) pattern = "(?:" + pattern + ")$";
      if (flags.contains("m") || flags.contains("multiline")) pattern = "(?m)" + pattern;
      auto rx = std::make_unique<RE2>(pattern, o);
      if (!rx->ok())
        fail("regular expression '" + v.text +
                 "' is not supported by the linear-time engine (RE2): " + rx->error(),
             "unsupported regex");
      Leaf l;
      l.kind = Leaf::Kind::Regex;
      l.cased = true;
      l.regex = static_cast<std::uint32_t>(cs_.regexes.size());
      cs_.regexes.push_back(std::move(rx));
      leaves.push_back(l);
      continue;
    }
    if (flags.contains("cidr")) {
      Leaf l;
      l.kind = Leaf::Kind::Cidr;
      if (!parse_cidr(v.text, l))
        fail("'" + v.text + "' is not an IPv4 or IPv6 network", "invalid value");
      leaves.push_back(l);
      continue;
    }
    if (cmp) {
      Leaf l;
      l.kind = Leaf::Kind::Cmp;
      l.op = std::string_view(cmp) == "lt"    ? Leaf::CmpOp::Lt
             : std::string_view(cmp) == "lte" ? Leaf::CmpOp::Lte
             : std::string_view(cmp) == "gt"  ? Leaf::CmpOp::Gt
                                              : Leaf::CmpOp::Gte;
      if (v.kind == RuleValue::Kind::Int)
        l.d = static_cast<double>(v.i);
      else if (v.kind == RuleValue::Kind::Float)
        l.d = v.d;
      else
        fail("'" + std::string(cmp) + "' needs a number, not '" + v.text + "'", "invalid value");
      leaves.push_back(l);
      continue;
    }
    if (part) {
      if (v.kind != RuleValue::Kind::Int)
        fail(std::string("'") + part + "' needs an integer", "invalid value");
      Leaf l;
      l.kind = Leaf::Kind::TimePart;
      const std::string_view p = part;
      l.part = p == "minute"  ? Leaf::Part::Minute
               : p == "hour"  ? Leaf::Part::Hour
               : p == "day"   ? Leaf::Part::Day
               : p == "week"  ? Leaf::Part::Week
               : p == "month" ? Leaf::Part::Month
                              : Leaf::Part::Year;
      l.i = v.i;
      leaves.push_back(l);
      continue;
    }
    if (flags.contains("fieldref")) {
      Leaf l;
      l.kind = Leaf::Kind::FieldRef;
      l.cased = cased;
      std::string ref = v.text;
      if (ctx.renames)
        if (auto it = ctx.renames->find(ref); it != ctx.renames->end()) ref = it->second;
      l.ref_slot = slot(ref);
      const bool c =
          std::find(transforms.begin(), transforms.end(), "contains") != transforms.end();
      const bool sw =
          std::find(transforms.begin(), transforms.end(), "startswith") != transforms.end();
      const bool ew =
          std::find(transforms.begin(), transforms.end(), "endswith") != transforms.end();
      l.ref_mode = c    ? Leaf::RefMode::Contains
                   : sw ? Leaf::RefMode::Prefix
                   : ew ? Leaf::RefMode::Suffix
                        : Leaf::RefMode::Exact;
      leaves.push_back(l);
      continue;
    }
    if (transforms.empty() && v.kind == RuleValue::Kind::Int && !flags.contains("expand")) {
      Leaf l;
      l.kind = Leaf::Kind::Int;
      l.i = v.i;
      l.text = v.text;
      leaves.push_back(l);
      continue;
    }
    if (transforms.empty() && v.kind == RuleValue::Kind::Float) {
      Leaf l;
      l.kind = Leaf::Kind::Float;
      l.d = v.d;
      l.text = ascii_lower(v.text);
      leaves.push_back(l);
      continue;
    }
    if (transforms.empty() && v.kind == RuleValue::Kind::Bool) {
      Leaf l;
      l.kind = Leaf::Kind::Bool;
      l.flag = v.b;
      leaves.push_back(l);
      continue;
    }
    std::vector<Leaf> ls;
    string_leaves(ctx, d, v, transforms, cased, ls);
    // Keywords search the whole event: a plain keyword is found anywhere inside a value.
    if (d.keyword)
      for (Leaf& l : ls) {
        if (l.kind == Leaf::Kind::Exact && !l.text.empty())
          l.kind = Leaf::Kind::Contains;
        else if (l.kind == Leaf::Kind::Prefix || l.kind == Leaf::Kind::Suffix)
          l.kind = Leaf::Kind::Contains;
        else if (l.kind == Leaf::Kind::Glob) {
          cs_.globs[l.glob].star_start = true;
          cs_.globs[l.glob].star_end = true;
        }
      }
    for (auto& l : ls) leaves.push_back(std::move(l));
  }
  if (leaves.size() > 100000) fail("a detection item expands to too many values", "too complex");
  item.first_leaf = static_cast<std::uint32_t>(cs_.leaves.size());
  item.leaves = static_cast<std::uint32_t>(leaves.size());
  for (auto& l : leaves) cs_.leaves.push_back(std::move(l));
  cs_.items.push_back(item);
  return add_node({Node::Op::Item, static_cast<std::uint32_t>(cs_.items.size() - 1), 0});
}

std::uint32_t Compiler::compile_selection(const Ctx& ctx, const SelectionNode& s) {
  std::vector<std::uint32_t> kids;
  if (s.is_or) {
    for (const auto& c : s.children) kids.push_back(compile_selection(ctx, c));
    return add_group(Node::Op::Or, kids);
  }
  for (const auto& i : s.items) kids.push_back(compile_item(ctx, i));
  return add_group(Node::Op::And, kids);
}

std::uint32_t Compiler::compile_condition(const Ctx& ctx, const Condition& c, int depth) {
  if (depth > 256) fail("condition nested too deeply", "too complex");
  std::vector<std::uint32_t> kids;
  switch (c.op) {
    case Condition::Op::Ref: {
      auto it = ctx.rule->detections.find(c.name);
      if (it == ctx.rule->detections.end())
        fail("unknown detection '" + c.name + "'", "malformed condition");
      return compile_selection(ctx, it->second);
    }
    case Condition::Op::OneOf:
    case Condition::Op::AllOf:
      for (const auto& [name, sel] : ctx.rule->detections)
        if (pattern_matches(c.name, name)) kids.push_back(compile_selection(ctx, sel));
      if (kids.empty())
        fail("the pattern '" + c.name + "' matches no detection", "malformed condition");
      return add_group(c.op == Condition::Op::OneOf ? Node::Op::Or : Node::Op::And, kids);
    case Condition::Op::Not:
      return add_node({Node::Op::Not, compile_condition(ctx, c.kids.at(0), depth + 1), 0});
    case Condition::Op::And:
    case Condition::Op::Or:
      for (const auto& k : c.kids) kids.push_back(compile_condition(ctx, k, depth + 1));
      return add_group(c.op == Condition::Op::And ? Node::Op::And : Node::Op::Or, kids);
  }
  fail("bad condition", "malformed condition");
}

bool is_windows_category(const LogSourceMap& m, const std::string& c) {
  return m.windows_categories.contains(c);
}

void Compiler::compile_rule(const Rule& rule, std::uint32_t rule_index) {
  const LogSourceMap& map = cs_.logsources;
  const LogSourceSpec& ls = rule.logsource;

  struct Plan {
    bool windows = false;
    std::vector<std::string> channels;
    std::vector<std::int64_t> eventids;
    const WindowsVariant* variant = nullptr;
  };
  std::vector<Plan> plans;
  bool other = false;  // also a non-Windows variant matched on the event's log source
  bool everything = false;
  if (ls.product == "windows" || (ls.product.empty() && is_windows_category(map, ls.category))) {
    if (!ls.category.empty()) {
      auto it = map.windows_categories.find(ls.category);
      if (it == map.windows_categories.end())
        fail("log source category '" + ls.category +
                 "' has no mapping to Windows event logs (add it to "
                 "the log source map)",
             "unmapped log source");
      for (const auto& v : it->second) {
        if (!ls.service.empty() && v.service != ls.service) continue;
        plans.push_back({true, v.channels, v.eventids, &v});
      }
      if (plans.empty())
        fail("category '" + ls.category + "' has no mapping for service '" + ls.service + "'",
             "unmapped log source");
    } else if (!ls.service.empty()) {
      auto it = map.windows_services.find(ls.service);
      if (it == map.windows_services.end())
        fail("Windows service '" + ls.service + "' has no Channel in the log source map (add it)",
             "unmapped log source");
      plans.push_back({true, it->second, {}, nullptr});
    } else {
      plans.push_back({true, {}, {}, nullptr});
    }
    if (ls.product.empty()) other = true;
  } else if (ls.product.empty() && ls.category.empty() && ls.service.empty()) {
    everything = true;
  } else {
    other = true;
  }
  if (everything || other) plans.push_back({false, {}, {}, nullptr});

  for (const Plan& p : plans) {
    Ctx ctx{&rule, p.variant ? &p.variant->fields : nullptr};
    std::vector<std::uint32_t> alts;
    for (const auto& c : rule.conditions) alts.push_back(compile_condition(ctx, c, 0));
    std::uint32_t root = add_group(Node::Op::Or, alts);
    if (p.variant && !p.variant->conditions.empty()) {
      std::vector<std::uint32_t> both{root};
      for (const auto& [field, values] : p.variant->conditions) {
        DetectionItem d;
        d.field = field;
        for (const auto& v : values)
          d.values.push_back(RuleValue{RuleValue::Kind::String, v, 0, 0, false});
        both.push_back(compile_item(Ctx{&rule, nullptr}, d));
      }
      root = add_group(Node::Op::And, both);
    }
    Variant var;
    var.rule = rule_index;
    var.root = root;
    var.keywords = has_keywords(root);
    const std::uint32_t vi = static_cast<std::uint32_t>(cs_.variants.size());
    if (p.windows) {
      var.scope = Variant::Scope::Windows;
      var.logsource = static_cast<std::uint32_t>(cs_.scopes.size());
      CompiledSet::WindowsScope sc;
      for (const auto& ch : p.channels) sc.channels.push_back(ascii_lower(ch));
      sc.eventids = p.eventids;
      cs_.scopes.push_back(std::move(sc));
    } else if (everything) {
      var.scope = Variant::Scope::Everything;
    } else {
      var.scope = Variant::Scope::Other;
      var.logsource = static_cast<std::uint32_t>(cs_.others.size());
    }
    cs_.variants.push_back(var);
    if (p.windows) {
      if (p.channels.empty()) {
        cs_.windows_any.all.push_back(vi);
        continue;
      }
      for (const auto& ch : p.channels) {
        auto& idx = cs_.windows[ascii_lower(ch)];
        if (p.eventids.empty())
          idx.any_eventid.all.push_back(vi);
        else
          for (auto id : p.eventids) idx.by_eventid[id].all.push_back(vi);
      }
    } else if (everything) {
      cs_.everything.all.push_back(vi);
    } else {
      cs_.others.push_back({vi, ls});
    }
  }
}

void Compiler::note(std::string text) {
  std::lock_guard lock(notes_mu_);
  cs_.notes.push_back(std::move(text));
}

}  // namespace detail

using detail::CompileError;
using detail::Compiler;

namespace detail {

void set_logsources(CompiledSet& cs, const Options& options, std::vector<Rejection>* rejected) {
  if (options.logsources_yaml.empty()) {
    cs.logsources = LogSourceMap::builtin();
    return;
  }
  auto m = LogSourceMap::parse(options.logsources_yaml);
  if (!m) {
    if (rejected)
      rejected->push_back({"(log source map)", {}, {}, m.error(), "invalid log source map"});
    cs.logsources = LogSourceMap::builtin();
  } else {
    cs.logsources = std::move(*m);
  }
}

std::unique_ptr<CompiledSet> compile_tables(const std::vector<std::shared_ptr<const Rule>>& rules,
                                            const Options& options,
                                            std::vector<Rejection>& rejected) {
  auto cs = std::make_unique<CompiledSet>();
  set_logsources(*cs, options, &rejected);
  cs->index = options.index;
  cs->channel_field = field_id("Channel");
  cs->eventid_field = field_id("EventID");
  Compiler c(*cs, options);
  for (const auto& r : rules) {
    // Roll back everything a failing rule added, so a rejected rule leaves no trace.
    const auto marks = std::make_tuple(cs->variants.size(), cs->nodes.size(), cs->kids.size(),
                                       cs->items.size(), cs->leaves.size(), cs->globs.size(),
                                       cs->regexes.size(), cs->pf_ids.size(), cs->scopes.size());
    try {
      c.compile_rule(*r, static_cast<std::uint32_t>(cs->infos.size()));
      cs->infos.push_back(r->info);
    } catch (const CompileError& e) {
      rejected.push_back({r->file, r->info.id, r->info.title, e.reason, e.category});
      // compile_rule registers index entries only after a variant compiled; a rule fails before
      // its first registration or between variants, so drop entries pointing past the mark.
      const std::size_t vmark = std::get<0>(marks);
      auto prune = [&](std::vector<std::uint32_t>& v) {
        std::erase_if(v, [&](std::uint32_t x) { return x >= vmark; });
      };
      for (auto& [_, idx] : cs->windows) {
        prune(idx.any_eventid.all);
        for (auto& [__, v] : idx.by_eventid) prune(v.all);
      }
      prune(cs->windows_any.all);
      prune(cs->everything.all);
      std::erase_if(cs->others,
                    [&](const CompiledSet::OtherVariant& o) { return o.variant >= vmark; });
      cs->variants.resize(std::get<0>(marks));
      cs->nodes.resize(std::get<1>(marks));
      cs->kids.resize(std::get<2>(marks));
      cs->items.resize(std::get<3>(marks));
      cs->leaves.resize(std::get<4>(marks));
      cs->globs.resize(std::get<5>(marks));
      cs->regexes.resize(std::get<6>(marks));
      cs->pf_ids.resize(std::get<7>(marks));
      cs->scopes.resize(std::get<8>(marks));
    }
  }
  c.finish_prefilter();
  return cs;
}

std::shared_ptr<const RuleSet> finish_set(std::unique_ptr<CompiledSet> set,
                                          const Options& options) {
  CompiledSet& cs = *set;
  for (auto& [_, idx] : cs.windows) {
    idx.any_eventid.finish(cs);
    for (auto& [__, b] : idx.by_eventid) b.finish(cs);
  }
  cs.windows_any.finish(cs);
  cs.everything.finish(cs);
  Compiler c(cs, options);
  c.build_scan_dbs();
  // Every field a rule names now has a slot; cover every id interned so far.
  const std::size_t interned = FieldTable::global().size();
  cs.slot_of.resize(std::max(cs.slot_of.size(), interned), kNone);
  for (FieldId id = 0; id < interned; ++id)
    if (cs.slot_of[id] == kNone) cs.slot_of[id] = cs.resolve_slot(id);
  return std::make_shared<const RuleSet>(std::move(set));
}

}  // namespace detail

std::shared_ptr<const RuleSet> RuleSet::compile(
    const std::vector<std::shared_ptr<const Rule>>& rules, const Options& options,
    std::vector<Rejection>& rejected) {
  return detail::finish_set(detail::compile_tables(rules, options, rejected), options);
}

}  // namespace tansa::sigma
