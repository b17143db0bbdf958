#include "sigma/compiler.h"

#include <arpa/inet.h>
#include <unistd.h>
#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <fstream>
#include <atomic>
#include <cctype>
#include <charconv>
#include <map>
#include <set>
#include <thread>

#include "sigma/ast.h"
#include "sigma/condition.h"

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

namespace {

// Thrown inside the compiler for a rule that cannot compile; caught per rule.
struct CompileError {
  std::string reason;
  std::string category;
};

[[noreturn]] void fail(std::string reason, std::string category) {
  throw CompileError{std::move(reason), std::move(category)};
}

// --- Sigma strings ----------------------------------------------------------------------------

// A value as a sequence of characters, each a literal byte or a wildcard.
struct SStr {
  std::string chars;
  std::string kinds;  // 'l' literal, '*' any run, '?' one character

  void lit(char c) {
    chars += c;
    kinds += 'l';
  }
  void wild(char w) {
    chars += w;
    kinds += w;
  }
  [[nodiscard]] bool has_wildcards() const {
    return kinds.find_first_not_of('l') != std::string::npos;
  }
  [[nodiscard]] std::string literal() const { return chars; }
};

// Escapes (Sigma specification, pySigma's reading): `\*`, `\?` and `\\` are literal `*`, `?`
// and `\`; any other backslash, including a trailing one, is itself literal.
SStr parse_sigma_string(std::string_view raw) {
  SStr s;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\\' && i + 1 < raw.size() &&
        (raw[i + 1] == '*' || raw[i + 1] == '?' || raw[i + 1] == '\\')) {
      s.lit(raw[++i]);
    } else if (c == '*' || c == '?') {
      s.wild(c);
    } else {
      s.lit(c);
    }
  }
  return s;
}

SStr literal_sstr(std::string_view bytes) {
  SStr s;
  for (char c : bytes) s.lit(c);
  return s;
}

void add_star_front(SStr& s) {
  if (s.kinds.empty() || s.kinds.front() != '*') {
    s.chars.insert(s.chars.begin(), '*');
    s.kinds.insert(s.kinds.begin(), '*');
  }
}
void add_star_back(SStr& s) {
  if (s.kinds.empty() || s.kinds.back() != '*') s.wild('*');
}

// UTF-8 -> UTF-16 code units for the wide/utf16 modifiers; wildcards pass through.
SStr to_utf16(const SStr& in, bool big_endian, bool bom) {
  SStr out;
  auto put = [&](std::uint16_t u) {
    const char lo = static_cast<char>(u & 0xff), hi = static_cast<char>(u >> 8);
    if (big_endian) {
      out.lit(hi);
      out.lit(lo);
    } else {
      out.lit(lo);
      out.lit(hi);
    }
  };
  if (bom) put(0xFEFF);
  for (std::size_t i = 0; i < in.chars.size();) {
    if (in.kinds[i] != 'l') {
      out.wild(in.kinds[i]);
      ++i;
      continue;
    }
    const auto b = static_cast<unsigned char>(in.chars[i]);
    std::uint32_t cp = b;
    std::size_t len = 1;
    if (b >= 0xf0) {
      cp = b & 0x07;
      len = 4;
    } else if (b >= 0xe0) {
      cp = b & 0x0f;
      len = 3;
    } else if (b >= 0xc0) {
      cp = b & 0x1f;
      len = 2;
    }
    for (std::size_t k = 1; k < len; ++k) {
      if (i + k >= in.chars.size() || in.kinds[i + k] != 'l')
        fail("invalid UTF-8 in a value", "invalid value");
      cp = (cp << 6) | (static_cast<unsigned char>(in.chars[i + k]) & 0x3f);
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      put(static_cast<std::uint16_t>(0xd800 + (cp >> 10)));
      put(static_cast<std::uint16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      put(static_cast<std::uint16_t>(cp));
    }
  }
  return out;
}

std::string base64(std::string_view in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const std::uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                            (static_cast<unsigned char>(in[i + 1]) << 8) |
                            static_cast<unsigned char>(in[i + 2]);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += k[v & 63];
  }
  if (i + 1 == in.size()) {
    const std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const std::uint32_t v =
        (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
    out += k[v >> 18];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// The three encodings of `v` at byte offsets 0, 1, 2 inside a longer base64 text, trimmed of the
// characters that depend on the unknown neighbouring bytes (Sigma base64offset).
std::vector<std::string> base64_offsets(std::string_view v) {
  static constexpr std::size_t kStart[3] = {0, 2, 3};
  static constexpr int kEnd[3] = {0, -3, -2};  // 0 = none
  std::vector<std::string> out;
  for (std::size_t i = 0; i < 3; ++i) {
    std::string padded(i, ' ');
    padded += v;
    std::string enc = base64(padded);
    const int end = kEnd[(v.size() + i) % 3];
    std::size_t stop = end == 0 ? enc.size() : enc.size() - static_cast<std::size_t>(-end);
    if (stop < kStart[i]) stop = kStart[i];
    out.push_back(enc.substr(kStart[i], stop - kStart[i]));
  }
  return out;
}

bool word_byte(unsigned char c) {
  return std::isalnum(c) || c == '_' || c >= 0x80;
}

// windash: every `-` or `/` that starts a word after a non-word character (pySigma's `\B[-/]\b`)
// takes each of the five dash forms Windows command lines accept.
std::vector<SStr> windash(const SStr& s) {
  static const char* kDashes[] = {"-", "/", "\xe2\x80\x93", "\xe2\x80\x94", "\xe2\x80\x95"};
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < s.chars.size(); ++i) {
    if (s.kinds[i] != 'l' || (s.chars[i] != '-' && s.chars[i] != '/')) continue;
    const bool prev_word =
        i > 0 && s.kinds[i - 1] == 'l' && word_byte(static_cast<unsigned char>(s.chars[i - 1]));
    const bool next_word = i + 1 < s.chars.size() && s.kinds[i + 1] == 'l' &&
                           word_byte(static_cast<unsigned char>(s.chars[i + 1]));
    if (!prev_word && next_word) at.push_back(i);
  }
  if (at.size() > 5)
    fail("windash would expand one value into more than 3125 variants", "too complex");
  std::vector<SStr> out;
  std::size_t combos = 1;
  for (std::size_t k = 0; k < at.size(); ++k) combos *= 5;
  for (std::size_t c = 0; c < combos; ++c) {
    SStr v;
    std::size_t code = c, next = 0;
    for (std::size_t i = 0; i < s.chars.size(); ++i) {
      if (next < at.size() && at[next] == i) {
        for (const char* p = kDashes[code % 5]; *p; ++p) v.lit(*p);
        code /= 5;
        ++next;
      } else if (s.kinds[i] == 'l') {
        v.lit(s.chars[i]);
      } else {
        v.wild(s.kinds[i]);
      }
    }
    out.push_back(std::move(v));
  }
  return out;
}

// `%name%` placeholders (not after a backslash) replaced by each configured value.
std::vector<std::string> expand_placeholders(const std::string& raw, const Options& opt) {
  std::vector<std::string> out{""};
  std::size_t i = 0;
  while (i < raw.size()) {
    if (raw[i] == '\\' && i + 1 < raw.size() && raw[i + 1] == '%') {
      for (auto& o : out) o += '%';
      i += 2;
      continue;
    }
    if (raw[i] == '%') {
      const auto end = raw.find('%', i + 1);
      if (end != std::string::npos && end > i + 1) {
        const std::string name = raw.substr(i + 1, end - i - 1);
        auto it = opt.placeholders.find(name);
        if (it == opt.placeholders.end() || it->second.empty())
          fail("placeholder %" + name + "% has no value (give one with --placeholders FILE)",
               "unresolved placeholder");
        std::vector<std::string> next;
        for (const auto& o : out)
          for (const auto& v : it->second) next.push_back(o + v);
        if (next.size() > 4096) fail("placeholders expand to too many values", "too complex");
        out = std::move(next);
        i = end + 1;
        continue;
      }
    }
    for (auto& o : out) o += raw[i];
    ++i;
  }
  return out;
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// --- the compiler -----------------------------------------------------------------------------

struct Need {
  bool constrained = false;
  std::vector<std::string> lits;
};

class Compiler {
 public:
  Compiler(CompiledSet& cs, const Options& opt) : cs_(cs), opt_(opt) {}

  void compile_rule(const Rule& rule, std::uint32_t rule_index);
  void finish_prefilter();
  void build_scan_dbs();
  void disable_prefilter();

  // Resolves a field name to a slot, creating one.
  std::uint32_t slot(const std::string& name) {
    const FieldId id = field_id(name);
    if (cs_.slot_of.size() <= id) cs_.slot_of.resize(id + 1, kNone);
    if (cs_.slot_of[id] == kNone) {
      cs_.slot_of[id] = cs_.slots++;
      cs_.slot_by_name.emplace(name, cs_.slot_of[id]);
    }
    return cs_.slot_of[id];
  }

 private:
  struct Ctx {
    const Rule* rule;
    const std::map<std::string, std::string>* renames;
  };

  std::uint32_t add_node(Node n) {
    cs_.nodes.push_back(n);
    return static_cast<std::uint32_t>(cs_.nodes.size() - 1);
  }
  std::uint32_t add_group(Node::Op op, const std::vector<std::uint32_t>& kids) {
    if (kids.size() == 1) return kids[0];
    Node n{op, static_cast<std::uint32_t>(cs_.kids.size()),
           static_cast<std::uint32_t>(kids.size())};
    cs_.kids.insert(cs_.kids.end(), kids.begin(), kids.end());
    return add_node(n);
  }

  std::uint32_t compile_condition(const Ctx& ctx, const Condition& c, int depth);
  std::uint32_t compile_selection(const Ctx& ctx, const SelectionNode& s);
  std::uint32_t compile_item(const Ctx& ctx, const DetectionItem& d);
  void string_leaves(const Ctx& ctx, const DetectionItem& d, const RuleValue& v,
                     const std::vector<std::string>& transforms, bool cased,
                     std::vector<Leaf>& out);
  Leaf string_leaf(const SStr& s, bool cased);
  Need need(std::uint32_t node);
  void select_prefilters();
  double cost(const Need& n) const {
    double c = 0;
    for (const auto& l : n.lits) {
      auto it = usage_.find(l);
      const double uses = it == usage_.end() ? 1.0 : static_cast<double>(it->second);
      c += uses * (1.0 + 8.0 / static_cast<double>(l.size()));
    }
    return c;
  }
  std::unordered_map<std::string, std::uint32_t> usage_;
  bool has_keywords(std::uint32_t node) const {
    const Node& n = cs_.nodes[node];
    if (n.op == Node::Op::Item) return cs_.items[n.a].slot == kKeywordSlot;
    if (n.op == Node::Op::Not) return has_keywords(n.a);
    if (n.op == Node::Op::And || n.op == Node::Op::Or)
      for (std::uint32_t k = 0; k < n.n; ++k)
        if (has_keywords(cs_.kids[n.a + k])) return true;
    return false;
  }
  Need need_leaf(const Leaf& l);

  CompiledSet& cs_;
  const Options& opt_;
  std::atomic<bool> failed_{false};
  std::mutex notes_mu_;
  hs_database_t* cached_database(const std::vector<const char*>& exprs,
                                 const std::vector<std::size_t>& lens,
                                 const std::vector<unsigned>& flags,
                                 const std::vector<unsigned>& ids);
  hs_database_t* read_cached(const std::string& path, const std::string& content);
  void write_cached(const std::string& path, const std::string& content, const hs_database_t* db);
  void note(std::string text);
  std::map<std::string, std::uint32_t> literal_ids_;
  std::vector<std::string> literals_;
};

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

bool parse_cidr(std::string_view text, Leaf& l) {
  const auto slash = text.find('/');
  std::string addr(text.substr(0, slash));
  int prefix = -1;
  if (slash != std::string_view::npos) {
    auto r = std::from_chars(text.data() + slash + 1, text.data() + text.size(), prefix);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
  }
  if (inet_pton(AF_INET, addr.c_str(), l.net) == 1) {
    l.family = 4;
    if (prefix < 0) prefix = 32;
    if (prefix > 32) return false;
  } else if (inet_pton(AF_INET6, addr.c_str(), l.net) == 1) {
    l.family = 6;
    if (prefix < 0) prefix = 128;
    if (prefix > 128) return false;
  } else {
    return false;
  }
  l.prefix = static_cast<std::uint8_t>(prefix);
  // Host bits are cleared rather than rejected: `10.0.0.1/8` clearly means 10.0.0.0/8.
  const int bytes = l.family == 4 ? 4 : 16;
  for (int b = 0; b < bytes; ++b) {
    const int keep = std::clamp(prefix - b * 8, 0, 8);
    l.net[b] &= static_cast<std::uint8_t>(keep == 0 ? 0 : 0xff << (8 - keep));
  }
  return true;
}

std::uint32_t Compiler::compile_item(const Ctx& ctx, const DetectionItem& d) {
  static const std::set<std::string> kTransforms = {
      "contains", "startswith", "endswith", "wide",         "utf16le",
      "utf16be",  "utf16",      "base64",   "base64offset", "windash"};
  static const std::set<std::string> kFlags = {
      "all",       "cased",  "neq",    "exists", "re",  "i",    "ignorecase", "m",
      "multiline", "s",      "dotall", "cidr",   "lt",  "lte",  "gt",         "gte",
      "fieldref",  "expand", "minute", "hour",   "day", "week", "month",      "year"};
  std::vector<std::string> transforms;
  std::set<std::string> flags;
  bool after_re = false;
  for (const auto& m : d.modifiers) {
    if (kTransforms.contains(m))
      transforms.push_back(m);
    else if (kFlags.contains(m)) {
      if ((m == "i" || m == "m" || m == "s") && !after_re)
        fail("modifier '" + m + "' is only allowed after 're'", "unknown modifier");
      flags.insert(m);
    } else {
      fail("unknown modifier '" + m + "'", "unknown modifier");
    }
    if (m == "re") after_re = true;
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
  if (d.keyword && (flags.contains("exists") || flags.contains("fieldref") || cmp || part))
    fail("modifier needs a field name", "malformed detection");

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
        else if (t != "contains")
          fail("'re' cannot be combined with '" + t + "'", "unsupported modifier combination");
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

// --- prefilter --------------------------------------------------------------------------------

// The longest run of literal bytes a string leaf requires; shorter than 3 bytes is useless as a
// filter (nearly every event has it).
Need Compiler::need_leaf(const Leaf& l) {
  std::string best;
  switch (l.kind) {
    case Leaf::Kind::Exact:
    case Leaf::Kind::Prefix:
    case Leaf::Kind::Suffix:
    case Leaf::Kind::Contains:
      best = l.text;
      break;
    case Leaf::Kind::Glob: {
      const Glob& g = cs_.globs[l.glob];
      for (std::size_t p = 0; p < g.pieces.size(); ++p) {
        std::string run;
        for (std::size_t i = 0; i <= g.pieces[p].size(); ++i) {
          const bool q = i < g.pieces[p].size() && !g.qmasks[p].empty() && g.qmasks[p][i];
          if (i == g.pieces[p].size() || q) {
            if (run.size() > best.size()) best = run;
            run.clear();
          } else {
            run += g.pieces[p][i];
          }
        }
      }
      break;
    }
    default:
      return {};
  }
  if (best.size() < 3) return {};
  return {true, {ascii_lower(best)}};
}

Need Compiler::need(std::uint32_t idx) {
  const Node& n = cs_.nodes[idx];
  // Is `a` a stronger filter than `b`? Cheaper means fewer events expected to contain one of
  // its literals: literals many rules use (".exe", "\\powershell.exe") are common in events too,
  // and short ones match by chance.
  auto better = [this](const Need& a, const Need& b) {
    if (!b.constrained) return a.constrained;
    if (!a.constrained) return false;
    return cost(a) < cost(b);
  };
  switch (n.op) {
    case Node::Op::True:
    case Node::Op::Not:
      return {};
    case Node::Op::False:
      return {true, {}};
    case Node::Op::Item: {
      const Item& it = cs_.items[n.a];
      if (it.negate) return {};
      Need out;
      if (it.all) {
        for (std::uint32_t k = 0; k < it.leaves; ++k) {
          Need c = need_leaf(cs_.leaves[it.first_leaf + k]);
          if (better(c, out)) out = std::move(c);
        }
        return out;
      }
      out.constrained = true;
      for (std::uint32_t k = 0; k < it.leaves; ++k) {
        Need c = need_leaf(cs_.leaves[it.first_leaf + k]);
        if (!c.constrained) return {};
        for (auto& s : c.lits) out.lits.push_back(std::move(s));
      }
      return out;
    }
    case Node::Op::And: {
      Need out;
      for (std::uint32_t k = 0; k < n.n; ++k) {
        Need c = need(cs_.kids[n.a + k]);
        if (better(c, out)) out = std::move(c);
      }
      return out;
    }
    case Node::Op::Or: {
      Need out{true, {}};
      for (std::uint32_t k = 0; k < n.n; ++k) {
        Need c = need(cs_.kids[n.a + k]);
        if (!c.constrained) return {};
        for (auto& s : c.lits) out.lits.push_back(std::move(s));
      }
      return out;
    }
  }
  return {};
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

void Compiler::select_prefilters() {
  for (const Leaf& l : cs_.leaves) {
    Need nd = need_leaf(l);
    if (nd.constrained) ++usage_[nd.lits[0]];
  }
  for (Variant& var : cs_.variants) {
    Need nd = need(var.root);
    if (!nd.constrained) continue;
    var.prefiltered = true;
    var.pf_first = static_cast<std::uint32_t>(cs_.pf_ids.size());
    std::set<std::uint32_t> ids;
    for (const auto& lit : nd.lits) {
      auto [it, added] = literal_ids_.emplace(lit, static_cast<std::uint32_t>(literals_.size()));
      if (added) literals_.push_back(lit);
      ids.insert(it->second);
    }
    cs_.pf_ids.insert(cs_.pf_ids.end(), ids.begin(), ids.end());
    var.pf_count = static_cast<std::uint32_t>(ids.size());
  }
}

void Compiler::finish_prefilter() {
  if (!opt_.prefilter) return;
  select_prefilters();
  for (Leaf& l : cs_.leaves) {
    Need nd = need_leaf(l);
    if (!nd.constrained || nd.lits.size() != 1) continue;
    auto [it, added] =
        literal_ids_.emplace(nd.lits[0], static_cast<std::uint32_t>(literals_.size()));
    if (added) literals_.push_back(nd.lits[0]);
    l.lit = it->second;
  }
  cs_.slot_scan.assign(cs_.slots, 0);
  for (const Item& it : cs_.items) {
    if (it.slot == kKeywordSlot) continue;
    for (std::uint32_t k = 0; k < it.leaves; ++k)
      if (cs_.leaves[it.first_leaf + k].lit != kNone) cs_.slot_scan[it.slot] = 1;
  }
  if (literals_.empty()) return;
  cs_.prefilter = true;
  cs_.literal_count = static_cast<std::uint32_t>(literals_.size());
}

// Without its databases the prefilter must not claim any literal is absent: every variant is
// then simply evaluated (slower, never wrong).
void Compiler::disable_prefilter() {
  if (cs_.literals) hs_free_database(cs_.literals);
  cs_.literals = nullptr;
  for (auto& d : cs_.scan_dbs)
    if (d.db) hs_free_database(d.db);
  cs_.scan_dbs.clear();
  cs_.prefilter = false;
  for (auto& v : cs_.variants) v.prefiltered = false;
  for (auto& l : cs_.leaves) l.lit = kNone;
  auto reset = [](CompiledSet::Bucket& b) {
    b.unfiltered = b.all;
    b.by_literal.clear();
  };
  for (auto& [_, idx] : cs_.windows) {
    reset(idx.any_eventid);
    for (auto& [__, b] : idx.by_eventid) reset(b);
    idx.db_by_eventid.clear();
    idx.any_db = kNone;
  }
  reset(cs_.windows_any);
  reset(cs_.everything);
  cs_.windows_default_db = kNone;
}

void Compiler::build_scan_dbs() {
  if (!cs_.prefilter) return;
  // Literal ids each variant can consult: its prefilter set and its leaves' literals.
  std::vector<std::vector<std::uint32_t>> per_variant(cs_.variants.size());
  for (std::size_t vi = 0; vi < cs_.variants.size(); ++vi) {
    const Variant& v = cs_.variants[vi];
    auto& ids = per_variant[vi];
    for (std::uint32_t k = 0; k < v.pf_count; ++k) ids.push_back(cs_.pf_ids[v.pf_first + k]);
    std::vector<std::uint32_t> stack{v.root};
    while (!stack.empty()) {
      const Node& n = cs_.nodes[stack.back()];
      stack.pop_back();
      if (n.op == Node::Op::Item) {
        const Item& it = cs_.items[n.a];
        for (std::uint32_t k = 0; k < it.leaves; ++k)
          if (cs_.leaves[it.first_leaf + k].lit != kNone)
            ids.push_back(cs_.leaves[it.first_leaf + k].lit);
      } else if (n.op == Node::Op::Not) {
        stack.push_back(n.a);
      } else if (n.op == Node::Op::And || n.op == Node::Op::Or) {
        for (std::uint32_t k = 0; k < n.n; ++k) stack.push_back(cs_.kids[n.a + k]);
      }
    }
  }
  // Buckets that apply to the same literals share one database; the distinct databases are
  // compiled on all cores, since compiling them is most of the rule set's load time.
  std::map<std::vector<std::uint32_t>, std::uint32_t> by_ids;
  std::vector<std::vector<std::uint32_t>> jobs;
  auto build = [&](std::initializer_list<const CompiledSet::Bucket*> buckets) {
    std::set<std::uint32_t> ids;
    bool keywords = false;
    for (const auto* b : buckets) {
      keywords = keywords || b->keywords;
      for (std::uint32_t vi : b->all) ids.insert(per_variant[vi].begin(), per_variant[vi].end());
    }
    std::vector<std::uint32_t> key(ids.begin(), ids.end());
    key.push_back(keywords ? 1 : 0);  // the flag is part of what makes two databases the same
    auto [it, added] = by_ids.emplace(std::move(key), static_cast<std::uint32_t>(jobs.size()));
    if (added) {
      jobs.push_back(it->first);
      cs_.scan_dbs.push_back({nullptr, keywords});
    }
    return it->second;
  };
  for (auto& [_, idx] : cs_.windows) {
    for (auto& [eid, b] : idx.by_eventid)
      idx.db_by_eventid[eid] = build({&b, &idx.any_eventid, &cs_.windows_any, &cs_.everything});
    idx.any_db = build({&idx.any_eventid, &cs_.windows_any, &cs_.everything});
  }
  cs_.windows_default_db = build({&cs_.windows_any, &cs_.everything});
  // Non-Windows events: the literals of the variants matched by log source, and of `everything`.
  std::vector<std::uint32_t> others_ids;
  {
    std::set<std::uint32_t> ids;
    for (const auto& o : cs_.others)
      ids.insert(per_variant[o.variant].begin(), per_variant[o.variant].end());
    for (std::uint32_t vi : cs_.everything.all)
      ids.insert(per_variant[vi].begin(), per_variant[vi].end());
    others_ids.assign(ids.begin(), ids.end());
    others_ids.push_back(1);  // the keyword flag slot the jobs carry; always scan every field
  }
  const std::size_t others_job = jobs.size();
  jobs.push_back(others_ids);

  auto compile_one = [&](std::size_t j) {
    const auto& ids = jobs[j];
    if (ids.size() <= 1) return;  // only the keyword flag: no literals
    std::vector<const char*> exprs;
    std::vector<std::size_t> lens;
    std::vector<unsigned> flags, hs_ids;
    for (std::size_t k = 0; k + 1 < ids.size(); ++k) {
      exprs.push_back(literals_[ids[k]].data());
      lens.push_back(literals_[ids[k]].size());
      flags.push_back(HS_FLAG_SINGLEMATCH);  // literals and scanned text are both lower-cased
      hs_ids.push_back(ids[k]);
    }
    hs_database_t* db = cached_database(exprs, lens, flags, hs_ids);
    if (!db) return;  // compiling failed: the prefilter is off (notes say why)
    if (j == others_job)
      cs_.literals = db;
    else
      cs_.scan_dbs[j].db = db;
  };
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t j; (j = next.fetch_add(1)) < jobs.size();) compile_one(j);
  };
  std::vector<std::thread> pool;
  const unsigned n =
      opt_.threads ? opt_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  if (failed_) disable_prefilter();
}

// One literal database: from the cache when a file there holds exactly these literals (the file
// carries them, so a different set can never be taken for it), else compiled and then cached.
// A cache file that does not read back is noted and replaced; no cache folder, no caching.
hs_database_t* Compiler::cached_database(const std::vector<const char*>& exprs,
                                         const std::vector<std::size_t>& lens,
                                         const std::vector<unsigned>& flags,
                                         const std::vector<unsigned>& ids) {
  std::string content = std::string(hs_version()) + '\n';
  for (std::size_t k = 0; k < exprs.size(); ++k)
    content += fmt::format("{} {} {}:", ids[k], flags[k], lens[k]) +
               std::string(exprs[k], lens[k]) + '\n';
  std::string path;
  if (!opt_.cache_dir.empty()) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : content) h = (h ^ c) * 1099511628211ull;
    path = fmt::format("{}/literals-{:016x}.hsdb", opt_.cache_dir, h);
    if (auto db = read_cached(path, content)) return db;
  }
  hs_compile_error_t* err = nullptr;
  hs_database_t* db = nullptr;
  if (hs_compile_lit_multi(exprs.data(), flags.data(), ids.data(), lens.data(),
                           static_cast<unsigned>(exprs.size()), HS_MODE_BLOCK, nullptr, &db,
                           &err) != HS_SUCCESS) {
    note(fmt::format("the literal prefilter is off, every candidate rule is evaluated: Vectorscan "
                     "could not compile {} literals: {}",
                     exprs.size(), err && err->message ? err->message : "unknown error"));
    if (err) hs_free_compile_error(err);
    failed_ = true;
    return nullptr;
  }
  if (!path.empty()) write_cached(path, content, db);
  return db;
}

// Cache file: "tansa-hsdb 1\n", the content's length as 16 hex digits and "\n", the content,
// then Vectorscan's serialized database.
constexpr std::string_view kCacheMagic = "tansa-hsdb 1\n";

hs_database_t* Compiler::read_cached(const std::string& path, const std::string& content) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;  // not cached yet
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t head = kCacheMagic.size() + 17;
  hs_database_t* db = nullptr;
  std::size_t n = 0;
  const bool framed = bytes.size() > head && bytes.starts_with(kCacheMagic) &&
                      std::sscanf(bytes.c_str() + kCacheMagic.size(), "%16zx", &n) == 1 &&
                      n == content.size() && bytes.size() > head + n &&
                      bytes.compare(head, n, content) == 0;
  if (framed && hs_deserialize_database(bytes.data() + head + n, bytes.size() - head - n, &db) ==
                    HS_SUCCESS)
    return db;
  note("ignored a damaged or foreign rule cache file " + path + "; compiled anew");
  return nullptr;
}

void Compiler::write_cached(const std::string& path, const std::string& content,
                            const hs_database_t* db) {
  char* bytes = nullptr;
  std::size_t len = 0;
  if (hs_serialize_database(db, &bytes, &len) != HS_SUCCESS) return;
  // A name no other process or thread writes: runs may compile the same set at once.
  const std::string tmp =
      fmt::format("{}.{}.{}.tmp", path, ::getpid(),
                  std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << kCacheMagic << fmt::format("{:016x}\n", content.size()) << content;
    out.write(bytes, static_cast<std::streamsize>(len));
    if (!out) std::remove(tmp.c_str());
  }
  std::free(bytes);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);  // whole or not at all; another run may race us
  if (ec) std::filesystem::remove(tmp, ec);
}

void Compiler::note(std::string text) {
  std::lock_guard lock(notes_mu_);
  cs_.notes.push_back(std::move(text));
}

}  // namespace

std::shared_ptr<const RuleSet> RuleSet::compile(
    const std::vector<std::shared_ptr<const Rule>>& rules, const Options& options,
    std::vector<Rejection>& rejected) {
  auto cs = std::make_unique<CompiledSet>();
  if (options.logsources_yaml.empty()) {
    cs->logsources = LogSourceMap::builtin();
  } else {
    auto m = LogSourceMap::parse(options.logsources_yaml);
    if (!m) {
      rejected.push_back({"(log source map)", {}, {}, m.error(), "invalid log source map"});
      cs->logsources = LogSourceMap::builtin();
    } else {
      cs->logsources = std::move(*m);
    }
  }
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
  for (auto& [_, idx] : cs->windows) {
    idx.any_eventid.finish(*cs);
    for (auto& [__, b] : idx.by_eventid) b.finish(*cs);
  }
  cs->windows_any.finish(*cs);
  cs->everything.finish(*cs);
  c.build_scan_dbs();
  // Every field a rule names now has a slot; cover every id interned so far.
  const std::size_t interned = FieldTable::global().size();
  cs->slot_of.resize(std::max(cs->slot_of.size(), interned), kNone);
  for (FieldId id = 0; id < interned; ++id)
    if (cs->slot_of[id] == kNone) cs->slot_of[id] = cs->resolve_slot(id);
  return std::make_shared<const RuleSet>(std::move(cs));
}

}  // namespace tansa::sigma
