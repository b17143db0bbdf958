// The rule cache's byte codec, shared by the parsed-rules cache (rule_cache.cpp) and the compiled
// set's (compiled_cache.cpp): little-endian integers, counted strings, and the AST's elements.
// Internal to src/sigma.
//
// Reading never trusts the bytes: every read checks what remains, the first failure sticks (and
// every later read returns zeros), every count is bounded by the bytes that remain, enums by
// their range, nesting by kMaxDepth. Decoding never throws.
#pragma once

#include <fmt/format.h>

#include <bit>
#include <climits>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sigma/ast.h"
#include "tansa/sigma.h"

namespace tansa::sigma::rule_cache::codec {

// Deeper than anything the loader produces (selections: 16 levels; conditions: 200 levels plus
// one per filter applied), shallow enough for any thread's stack.
inline constexpr int kMaxDepth = 1024;

// --- writing ----------------------------------------------------------------------------------

class Writer {
 public:
  std::string out;
  bool ok = true;  // false: nested too deeply to be read back

  void u8(std::uint8_t v) { out += static_cast<char>(v); }
  void u32(std::uint32_t v) {
    for (int k = 0; k < 4; ++k) out += static_cast<char>((v >> (8 * k)) & 0xff);
  }
  void u64(std::uint64_t v) {
    for (int k = 0; k < 8; ++k) out += static_cast<char>((v >> (8 * k)) & 0xff);
  }
  void i64(std::int64_t v) { u64(static_cast<std::uint64_t>(v)); }
  void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
  void count(std::size_t n) { u32(static_cast<std::uint32_t>(n)); }
  void str(std::string_view s) {
    count(s.size());
    out += s;
  }
  void strs(const std::vector<std::string>& v) {
    count(v.size());
    for (const auto& s : v) str(s);
  }
  void info(const RuleInfo& r) {
    str(r.id);
    str(r.title);
    u8(static_cast<std::uint8_t>(r.level));
    str(r.status);
    strs(r.tags);
    str(r.description);
    str(r.name);
  }
  void value(const RuleValue& v) {
    u8(static_cast<std::uint8_t>(v.kind));
    str(v.text);
    i64(v.i);
    f64(v.d);
    u8(v.b ? 1 : 0);
  }
  void item(const DetectionItem& d) {
    str(d.field);
    u8(d.keyword ? 1 : 0);
    strs(d.modifiers);
    count(d.values.size());
    for (const auto& v : d.values) value(v);
    i64(d.line);
  }
  void selection(const SelectionNode& s, int depth) {
    if (depth > kMaxDepth) ok = false;
    u8(s.is_or ? 1 : 0);
    count(s.items.size());
    for (const auto& i : s.items) item(i);
    count(s.children.size());
    for (const auto& c : s.children) selection(c, depth + 1);
  }
  void condition(const Condition& c, int depth) {
    if (depth > kMaxDepth) ok = false;
    u8(static_cast<std::uint8_t>(c.op));
    str(c.name);
    count(c.kids.size());
    for (const auto& k : c.kids) condition(k, depth + 1);
  }
  void logsource(const LogSourceSpec& l) {
    str(l.product);
    str(l.category);
    str(l.service);
  }
  void rule(const Rule& r) {
    info(r.info);
    str(r.file);
    str(r.name);
    logsource(r.logsource);
    count(r.detections.size());
    for (const auto& [name, sel] : r.detections) {
      str(name);
      selection(sel, 0);
    }
    count(r.conditions.size());
    for (const auto& c : r.conditions) condition(c, 0);
  }
  void rejection(const Rejection& r) {
    str(r.file);
    str(r.id);
    str(r.title);
    str(r.reason);
    str(r.category);
  }
  void correlation(const CorrelationRule& c) {
    info(c.info);
    str(c.file);
    str(c.name);
    u8(static_cast<std::uint8_t>(c.type));
    strs(c.rules);
    strs(c.group_by);
    i64(c.timespan_ns);
    count(c.condition.size());
    for (const auto& [op, bound] : c.condition) {
      u8(static_cast<std::uint8_t>(op));
      f64(bound);
    }
    str(c.field);
    strs(c.fields);
    f64(c.percentile);
    count(c.aliases.size());
    for (const auto& [alias, map] : c.aliases) {
      str(alias);
      count(map.size());
      for (const auto& [rule, field] : map) {
        str(rule);
        str(field);
      }
    }
    u8(c.generate ? 1 : 0);
  }
};

// --- reading ----------------------------------------------------------------------------------

// Every read checks what remains; the first failure sticks and every later read returns zeros,
// so the caller checks `ok` once per element rather than after every field.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok = true;
  std::string why;

  void fail(std::string_view reason) {
    if (ok) why = fmt::format("{} at payload byte {}", reason, pos_);
    ok = false;
  }
  [[nodiscard]] std::size_t left() const { return in_.size() - pos_; }
  [[nodiscard]] bool done() const { return pos_ == in_.size(); }

  std::uint64_t fixed(int n) {
    if (!ok || left() < static_cast<std::size_t>(n)) {
      fail("truncated");
      return 0;
    }
    std::uint64_t v = 0;
    for (int k = 0; k < n; ++k)
      v |= std::uint64_t{static_cast<unsigned char>(in_[pos_ + k])} << (8 * k);
    pos_ += static_cast<std::size_t>(n);
    return v;
  }
  std::uint8_t u8() { return static_cast<std::uint8_t>(fixed(1)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(fixed(4)); }
  std::uint64_t u64() { return fixed(8); }
  std::int64_t i64() { return static_cast<std::int64_t>(fixed(8)); }
  double f64() { return std::bit_cast<double>(fixed(8)); }
  bool flag() {
    const std::uint8_t v = u8();
    if (v > 1) fail("a flag that is neither 0 nor 1");
    return v == 1;
  }
  // A count of elements each at least `min_size` bytes long: never more than the bytes left
  // allow, so no count sizes an allocation beyond the file.
  std::size_t count(std::size_t min_size) {
    const auto n = static_cast<std::size_t>(fixed(4));
    if (ok && n > left() / min_size) {
      fail("a count larger than the bytes that remain");
      return 0;
    }
    return n;
  }
  template <typename E>
  E enumerated(E last) {
    const std::uint8_t v = u8();
    if (v > static_cast<std::uint8_t>(last)) fail("a value out of its range");
    return ok ? static_cast<E>(v) : E{};
  }
  // Reads `n` elements with `read`, growing the vector only as elements are decoded: a count
  // is bounded by the bytes that remain, but nested counts each claiming those same bytes must
  // not reserve memory for elements that are never there.
  template <typename T, typename F>
  void elements(std::vector<T>& out, std::size_t n, F read) {
    for (std::size_t k = 0; k < n && ok; ++k) {
      T v = read();
      if (ok) out.push_back(std::move(v));
    }
  }
  std::string str() {
    const std::size_t n = count(1);
    if (!ok) return {};
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::vector<std::string> strs() {
    std::vector<std::string> v;
    elements(v, count(4), [&] { return str(); });
    return v;
  }
  RuleInfo info() {
    RuleInfo r;
    r.id = str();
    r.title = str();
    r.level = enumerated(Level::Critical);
    r.status = str();
    r.tags = strs();
    r.description = str();
    r.name = str();
    return r;
  }
  RuleValue value() {
    RuleValue v;
    v.kind = enumerated(RuleValue::Kind::Null);
    v.text = str();
    v.i = i64();
    v.d = f64();
    v.b = flag();
    return v;
  }
  DetectionItem item() {
    DetectionItem d;
    d.field = str();
    d.keyword = flag();
    d.modifiers = strs();
    elements(d.values, count(22), [&] { return value(); });
    const std::int64_t line = i64();
    if (line < INT32_MIN || line > INT32_MAX) fail("a line number out of range");
    d.line = static_cast<int>(line);
    return d;
  }
  SelectionNode selection(int depth) {
    SelectionNode s;
    if (depth > kMaxDepth) {
      fail("nested too deeply");
      return s;
    }
    s.is_or = flag();
    elements(s.items, count(21), [&] { return item(); });
    elements(s.children, count(9), [&] { return selection(depth + 1); });
    return s;
  }
  Condition condition(int depth) {
    Condition c;
    if (depth > kMaxDepth) {
      fail("nested too deeply");
      return c;
    }
    c.op = enumerated(Condition::Op::AllOf);
    c.name = str();
    const std::size_t n = count(9);
    // The shapes the condition parser makes, which the compiler relies on: `not` has one operand,
    // `and`/`or` at least one, a reference or a `1 of`/`all of` none.
    switch (c.op) {
      case Condition::Op::Not:
        if (n != 1) fail("a 'not' without exactly one operand");
        break;
      case Condition::Op::And:
      case Condition::Op::Or:
        if (n == 0) fail("an 'and' or 'or' without operands");
        break;
      default:
        if (n != 0) fail("a reference with operands");
    }
    elements(c.kids, n, [&] { return condition(depth + 1); });
    return c;
  }
  LogSourceSpec logsource() {
    LogSourceSpec l;
    l.product = str();
    l.category = str();
    l.service = str();
    return l;
  }
  Rule rule() {
    Rule r;
    r.info = info();
    r.file = str();
    r.name = str();
    r.logsource = logsource();
    const std::size_t n = count(13);
    for (std::size_t k = 0; k < n && ok; ++k) {
      std::string name = str();
      SelectionNode sel = selection(0);
      // In the map's own order, each once: one file for one rule set (the encoding is canonical).
      if (ok && !r.detections.empty() && !(r.detections.rbegin()->first < name))
        fail("detections out of order or named twice");
      if (ok) r.detections.emplace_hint(r.detections.end(), std::move(name), std::move(sel));
    }
    elements(r.conditions, count(9), [&] { return condition(0); });
    return r;
  }
  Rejection rejection() {
    Rejection r;
    r.file = str();
    r.id = str();
    r.title = str();
    r.reason = str();
    r.category = str();
    return r;
  }
  CorrelationRule correlation() {
    CorrelationRule c;
    c.info = info();
    c.file = str();
    c.name = str();
    c.type = enumerated(CorrelationRule::Type::FirstSeen);
    c.rules = strs();
    c.group_by = strs();
    c.timespan_ns = i64();
    elements(c.condition, count(9), [&] {
      const auto op = enumerated(CorrelationRule::Op::Neq);
      return std::pair{op, f64()};
    });
    c.field = str();
    c.fields = strs();
    c.percentile = f64();
    const std::size_t aliases = count(8);
    for (std::size_t k = 0; k < aliases && ok; ++k) {
      std::string alias = str();
      std::map<std::string, std::string> map;
      const std::size_t n = count(8);
      for (std::size_t j = 0; j < n && ok; ++j) {
        std::string rule = str();
        std::string field = str();
        if (ok && !map.empty() && !(map.rbegin()->first < rule))
          fail("an alias's rules out of order or named twice");
        if (ok) map.emplace_hint(map.end(), std::move(rule), std::move(field));
      }
      if (ok && !c.aliases.empty() && !(c.aliases.rbegin()->first < alias))
        fail("aliases out of order or named twice");
      if (ok) c.aliases.emplace_hint(c.aliases.end(), std::move(alias), std::move(map));
    }
    c.generate = flag();
    return c;
  }

 private:
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace tansa::sigma::rule_cache::codec
