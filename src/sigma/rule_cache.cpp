#include "sigma/rule_cache.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "sigma/ast.h"

#ifndef TANSA_VERSION
#define TANSA_VERSION "unknown"
#endif

namespace tansa::sigma::rule_cache {

namespace {

constexpr std::string_view kMagic = "tansa-rules\n";
// Bumped whenever the payload's layout or the loader's reading of rules changes.
constexpr std::uint64_t kFormat = 1;
constexpr std::size_t kHeader = 12 + 16 + 8 + 16;
// Deeper than anything the loader produces (selections: 16 levels; conditions: 200 levels plus
// one per filter applied), shallow enough for any thread's stack.
constexpr int kMaxDepth = 1024;

constexpr std::uint64_t kP1 = 0x9E3779B97F4A7C15ULL;
constexpr std::uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr std::uint64_t kP3 = 0x165667B19E3779F9ULL;

constexpr std::uint64_t rotl(std::uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

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

Key checksum(std::string_view payload) {
  Hash h;
  h.bytes(payload);
  return {h.a(), h.b()};
}

std::uint64_t read_u64(std::string_view s, std::size_t at) {
  std::uint64_t v = 0;
  for (int k = 0; k < 8; ++k)
    v |= std::uint64_t{static_cast<unsigned char>(s[at + static_cast<std::size_t>(k)])} << (8 * k);
  return v;
}

}  // namespace

void Hash::word(std::uint64_t w) {
  a_ = rotl((a_ ^ w) * kP1, 29) * kP2;
  b_ = rotl(b_ + w * kP3, 31) * kP1;
}

void Hash::bytes(std::string_view s) {
  word(s.size());
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    word(w);
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, s.data() + i, s.size() - i);
    word(w);
  }
}

std::uint64_t Hash::a() const {
  return (a_ ^ (a_ >> 32)) * kP2 ^ b_;
}
std::uint64_t Hash::b() const {
  return (b_ ^ (b_ >> 29)) * kP3 ^ a_;
}

Hash key_start(const Options& options) {
  Hash h;
  h.bytes(TANSA_VERSION);
  h.word(kFormat);
  // The running binary: a rebuilt tansa (whose loader may read rules differently) never takes
  // an older build's file for its own.
  struct stat st {};
  if (::stat("/proc/self/exe", &st) == 0) {
    h.word(static_cast<std::uint64_t>(st.st_size));
    h.word(static_cast<std::uint64_t>(st.st_mtim.tv_sec));
    h.word(static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
    h.word(static_cast<std::uint64_t>(st.st_ino));
  }
  h.word(options.placeholders.size());
  for (const auto& [name, values] : options.placeholders) {
    h.bytes(name);
    h.word(values.size());
    for (const auto& v : values) h.bytes(v);
  }
  return h;
}

std::string encode(const LoadResult& result, Key key) {
  Writer w;
  w.u64(result.documents);
  w.u64(result.filters);
  w.u64(result.correlations);
  w.count(result.rules.size());
  for (const auto& r : result.rules) w.rule(*r);
  w.count(result.rejected.size());
  for (const auto& r : result.rejected) w.rejection(r);
  w.count(result.correlation_rules.size());
  for (const auto& c : result.correlation_rules) w.correlation(*c);
  if (!w.ok || w.out.size() > UINT32_MAX) return {};
  const Key sum = checksum(w.out);
  Writer f;
  f.out.reserve(kHeader + w.out.size());
  f.out += kMagic;
  f.u64(key.a);
  f.u64(key.b);
  f.u64(w.out.size());
  f.u64(sum.a);
  f.u64(sum.b);
  f.out += w.out;
  return std::move(f.out);
}

std::expected<LoadResult, std::string> decode_payload(std::string_view payload) {
  Reader r(payload);
  LoadResult out;
  out.documents = r.u64();
  out.filters = r.u64();
  out.correlations = r.u64();
  const std::size_t rules = r.count(53);
  out.rules.reserve(rules);
  for (std::size_t k = 0; k < rules && r.ok; ++k) {
    Rule rule = r.rule();
    if (r.ok) out.rules.push_back(std::make_shared<const Rule>(std::move(rule)));
  }
  const std::size_t rejected = r.count(20);
  for (std::size_t k = 0; k < rejected && r.ok; ++k) {
    Rejection x = r.rejection();
    if (r.ok) out.rejected.push_back(std::move(x));
  }
  const std::size_t correlations = r.count(64);
  for (std::size_t k = 0; k < correlations && r.ok; ++k) {
    CorrelationRule c = r.correlation();
    if (r.ok)
      out.correlation_rules.push_back(std::make_shared<const CorrelationRule>(std::move(c)));
  }
  if (r.ok && !r.done()) r.fail("bytes after the last rule");
  if (!r.ok) return std::unexpected(r.why);
  return out;
}

std::expected<LoadResult, Error> decode(std::string_view file, Key key) {
  auto damaged = [](std::string reason) {
    return std::unexpected(Error{Error::Kind::Damaged, std::move(reason)});
  };
  if (file.size() < kMagic.size() || file.substr(0, kMagic.size()) != kMagic)
    return damaged("not a tansa rule cache (foreign file)");
  if (file.size() < kHeader) return damaged("truncated header");
  const Key stored{read_u64(file, 12), read_u64(file, 20)};
  if (stored != key)
    return std::unexpected(Error{Error::Kind::Stale, "made for other rule files or another tansa"});
  const std::uint64_t length = read_u64(file, 28);
  if (length != file.size() - kHeader)
    return damaged(
        fmt::format("truncated or extended: the payload should be {} bytes, {} are there", length,
                    file.size() - kHeader));
  const std::string_view payload = file.substr(kHeader);
  if (checksum(payload) != Key{read_u64(file, 36), read_u64(file, 44)})
    return damaged("checksum mismatch (corrupt)");
  auto r = decode_payload(payload);
  if (!r) return damaged("corrupt: " + r.error());
  return std::move(*r);
}

bool write_atomic(const std::string& path, std::string_view bytes) {
  // A name no other process or thread writes: two runs may fill the cache at once.
  const std::string tmp = fmt::format("{}.{}.{}.tmp", path, ::getpid(),
                                      std::hash<std::thread::id>{}(std::this_thread::get_id()));
  bool ok;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    ok = static_cast<bool>(out);
  }
  std::error_code ec;
  if (ok) std::filesystem::rename(tmp, path, ec);  // whole or not at all
  if (!ok || ec) {
    std::filesystem::remove(tmp, ec);
    return false;
  }
  return true;
}

}  // namespace tansa::sigma::rule_cache
