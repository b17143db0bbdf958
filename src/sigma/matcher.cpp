// Evaluation of compiled rules on one event. Everything here runs per event on every thread, so
// it allocates only when an event is bigger than any seen before (scratch grows, then stays) and
// never throws.
#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <unordered_map>

#include "sigma/compiler.h"

namespace tansa::sigma {

namespace {

bool has_upper(std::string_view s) {
  for (char c : s)
    if (c >= 'A' && c <= 'Z') return true;
  return false;
}

// Rule literals are short and values are mostly short: memchr on the first byte and a memcmp
// beats glibc's memmem, whose setup dominates at these sizes.
bool contains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  const char first = needle[0];
  const char* p = hay.data();
  const char* const last = hay.data() + (hay.size() - needle.size());
  while (p <= last) {
    p = static_cast<const char*>(std::memchr(p, first, static_cast<std::size_t>(last - p) + 1));
    if (!p) return false;
    if (std::memcmp(p + 1, needle.data() + 1, needle.size() - 1) == 0) return true;
    ++p;
  }
  return false;
}

bool piece_at(std::string_view s, std::size_t pos, const std::string& piece,
              const std::string& mask) {
  if (pos + piece.size() > s.size()) return false;
  if (mask.empty()) return std::memcmp(s.data() + pos, piece.data(), piece.size()) == 0;
  for (std::size_t i = 0; i < piece.size(); ++i)
    if (!mask[i] && s[pos + i] != piece[i]) return false;
  return true;
}

std::size_t find_piece(std::string_view s, std::size_t from, const std::string& piece,
                       const std::string& mask) {
  if (mask.empty()) {
    if (from > s.size()) return std::string_view::npos;
    const void* p = memmem(s.data() + from, s.size() - from, piece.data(), piece.size());
    return p ? static_cast<std::size_t>(static_cast<const char*>(p) - s.data())
             : std::string_view::npos;
  }
  for (std::size_t pos = from; pos + piece.size() <= s.size(); ++pos)
    if (piece_at(s, pos, piece, mask)) return pos;
  return std::string_view::npos;
}

// Greedy leftmost matching of the pieces is exact for patterns whose only variable-length
// wildcard is `*`: if any placement matches, the leftmost one leaves the most room after it.
bool glob_match(const Glob& g, std::string_view s) {
  const std::size_t n = g.pieces.size();
  std::size_t first = 0, last = n;
  std::size_t pos = 0, end = s.size();
  if (!g.star_start) {
    if (n == 1 && !g.star_end)
      return s.size() == g.pieces[0].size() && piece_at(s, 0, g.pieces[0], g.qmasks[0]);
    if (!piece_at(s, 0, g.pieces[0], g.qmasks[0])) return false;
    pos = g.pieces[0].size();
    first = 1;
  }
  if (!g.star_end && last > first) {
    const std::string& p = g.pieces[n - 1];
    if (p.size() > end - pos || !piece_at(s, end - p.size(), p, g.qmasks[n - 1])) return false;
    end -= p.size();
    last = n - 1;
  }
  const std::string_view body = s.substr(0, end);
  for (std::size_t k = first; k < last; ++k) {
    const std::size_t at = find_piece(body, pos, g.pieces[k], g.qmasks[k]);
    if (at == std::string_view::npos) return false;
    pos = at + g.pieces[k].size();
  }
  return pos <= end;
}

bool parse_number(std::string_view t, double& out) {
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t.empty()) return false;
  if (t.size() > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) {
    std::uint64_t u = 0;
    auto r = std::from_chars(t.data() + 2, t.data() + t.size(), u, 16);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) return false;
    out = static_cast<double>(u);
    return true;
  }
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool value_number(const Value& v, double& out) {
  switch (v.type) {
    case ValueType::Int:
    case ValueType::Time:
      out = static_cast<double>(v.i);
      return true;
    case ValueType::UInt:
    case ValueType::HexInt:
      out = static_cast<double>(v.u);
      return true;
    case ValueType::Double:
      out = v.d;
      return true;
    default:
      return parse_number(v.text, out);
  }
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

std::int64_t time_part(std::int64_t ns, Leaf::Part part) {
  const std::int64_t secs = floor_div(ns, 1000000000);
  const std::int64_t days = floor_div(secs, 86400);
  const std::int64_t sod = secs - days * 86400;
  const CivilDate date = civil_from_days(days);
  const std::int64_t year = date.year, month = date.month, day = date.day;
  switch (part) {
    case Leaf::Part::Minute:
      return (sod / 60) % 60;
    case Leaf::Part::Hour:
      return sod / 3600;
    case Leaf::Part::Day:
      return day;
    case Leaf::Part::Month:
      return month;
    case Leaf::Part::Year:
      return year;
    case Leaf::Part::Week: {
      // ISO 8601 week: the week with the year's first Thursday is week 1.
      const std::int64_t wd = ((days % 7) + 7 + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
      const std::int64_t thursday = days - wd + 3;
      const std::int64_t jan1 = days_from_civil(year, 1, 1);
      std::int64_t ty = year;
      if (thursday < jan1)
        ty = year - 1;
      else if (thursday >= days_from_civil(year + 1, 1, 1))
        ty = year + 1;
      return (thursday - days_from_civil(ty, 1, 1)) / 7 + 1;
    }
  }
  return -1;
}

}  // namespace

struct Matcher::State {
  explicit State(const CompiledSet& c) : cs(c) {
    slot_of = cs.slot_of;
    stamp.assign(cs.variants.size(), 0);
    slot_val.assign(cs.slots, nullptr);
    lower.assign(cs.slots, {});
    lower_gen.assign(cs.slots, 0);
    lit_bits.assign((cs.literal_count + 63) / 64, 0);
    // One scratch sized for every database this thread may scan with. Without it every scan
    // fails, and each event is matched without the prefilter (see scan_literals).
    if (cs.literals && hs_alloc_scratch(cs.literals, &scratch) != HS_SUCCESS) scratch_ok = false;
    for (const auto& d : cs.scan_dbs)
      if (d.db && hs_alloc_scratch(d.db, &scratch) != HS_SUCCESS) scratch_ok = false;
  }
  ~State() {
    if (scratch) hs_free_scratch(scratch);
  }

  const CompiledSet& cs;
  const Event* ev = nullptr;
  std::vector<std::uint32_t> slot_of;  // cs.slot_of, extended for fields interned since compile
  std::vector<const Value*> slot_val;
  std::vector<std::uint32_t> touched;
  std::vector<std::string_view> lower;
  std::vector<std::uint32_t> lower_gen;
  std::uint32_t gen = 1;
  Arena arena;
  hs_scratch_t* scratch = nullptr;
  bool scratch_ok = true;
  // The literal scan failed for this event: every prefiltered variant is evaluated, as if each
  // of its literals were present, so a failing prefilter costs time, never a detection.
  bool scan_failed = false;
  std::uint64_t scan_failures = 0;  // events matched that way, for the caller to report
  std::vector<std::uint64_t> lit_bits;
  std::vector<std::uint32_t> lit_hits;
  bool scanned = false;
  std::string text;                        // the event's values, joined, for the literal scan
  std::vector<std::string_view> kw_lower;  // lower-cased text of every field/element, lazily
  bool kw_ready = false;
  std::unordered_map<std::string, std::vector<std::uint32_t>> other_cache;
  std::string key;
  std::vector<std::uint32_t> found;
  std::vector<std::uint32_t> stamp;  // per variant: the event generation it was last evaluated in
  std::uint64_t evaluated = 0;

  std::string_view lowered(std::string_view s) {
    if (!has_upper(s)) return s;
    char* p = arena.allocate(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
      const char c = s[i];
      p[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    return {p, s.size()};
  }

  std::string_view slot_lower(std::uint32_t slot, const Value& v) {
    if (lower_gen[slot] != gen) {
      lower[slot] = lowered(v.text);
      lower_gen[slot] = gen;
    }
    return lower[slot];
  }

  bool string_leaf(const Leaf& l, std::string_view s) const {
    switch (l.kind) {
      case Leaf::Kind::Exact:
        return s == l.text;
      case Leaf::Kind::Prefix:
        return s.starts_with(l.text);
      case Leaf::Kind::Suffix:
        return s.ends_with(l.text);
      case Leaf::Kind::Contains:
        return contains(s, l.text);
      case Leaf::Kind::Glob:
        return glob_match(cs.globs[l.glob], s);
      case Leaf::Kind::Any:
        return true;
      default:
        return false;
    }
  }

  static bool is_string_kind(Leaf::Kind k) { return k <= Leaf::Kind::Any; }

  // One scalar value against one leaf. `low` is the value's lower-cased text when known.
  bool literal_absent(const Leaf& l) const {
    return l.lit != kNone && scanned && !scan_failed &&
           !(lit_bits[l.lit / 64] & (1ULL << (l.lit % 64)));
  }

  bool scalar(const Leaf& l, const Value& v, std::string_view low) {
    if (is_string_kind(l.kind)) return string_leaf(l, l.cased ? v.text : low);
    switch (l.kind) {
      case Leaf::Kind::Regex:
        return RE2::PartialMatch(v.text, *cs.regexes[l.regex]);
      case Leaf::Kind::Int:
        if (v.type == ValueType::Int || v.type == ValueType::UInt)
          return v.type == ValueType::Int ? v.i == l.i
                                          : (l.i >= 0 && v.u == static_cast<std::uint64_t>(l.i));
        if (v.type == ValueType::Double) return v.d == static_cast<double>(l.i);
        return v.text == l.text;
      case Leaf::Kind::Float: {
        double d;
        if (v.type == ValueType::String || v.type == ValueType::Int || v.type == ValueType::UInt ||
            v.type == ValueType::Double)
          if (value_number(v, d)) return d == l.d;
        return false;
      }
      case Leaf::Kind::Bool:
        if (v.type == ValueType::Bool) return (v.i != 0) == l.flag;
        return low == (l.flag ? "true" : "false");
      case Leaf::Kind::Cmp: {
        double d;
        if (!value_number(v, d)) return false;
        switch (l.op) {
          case Leaf::CmpOp::Lt:
            return d < l.d;
          case Leaf::CmpOp::Lte:
            return d <= l.d;
          case Leaf::CmpOp::Gt:
            return d > l.d;
          case Leaf::CmpOp::Gte:
            return d >= l.d;
        }
        return false;
      }
      case Leaf::Kind::Cidr: {
        char buf[64];
        if (v.text.size() >= sizeof buf) return false;
        std::memcpy(buf, v.text.data(), v.text.size());
        buf[v.text.size()] = 0;
        std::uint8_t addr[16];
        if (inet_pton(l.family == 4 ? AF_INET : AF_INET6, buf, addr) != 1) return false;
        const int full = l.prefix / 8, rest = l.prefix % 8;
        if (std::memcmp(addr, l.net, static_cast<std::size_t>(full)) != 0) return false;
        if (rest == 0) return true;
        const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
        return (addr[full] & mask) == l.net[full];
      }
      case Leaf::Kind::TimePart: {
        std::int64_t ns;
        if (v.type == ValueType::Time)
          ns = v.i;
        else if (!parse_iso_time(v.text, ns))
          return false;
        return time_part(ns, l.part) == l.i;
      }
      case Leaf::Kind::FieldRef: {
        const Value* r = slot_val[l.ref_slot];
        if (!r) return false;
        const std::string_view a = l.cased ? v.text : low;
        const std::string_view b = l.cased ? r->text : slot_lower(l.ref_slot, *r);
        switch (l.ref_mode) {
          case Leaf::RefMode::Exact:
            return a == b;
          case Leaf::RefMode::Prefix:
            return a.starts_with(b);
          case Leaf::RefMode::Suffix:
            return a.ends_with(b);
          case Leaf::RefMode::Contains:
            return contains(a, b);
        }
        return false;
      }
      default:
        return false;
    }
  }

  bool leaf_on_field(const Leaf& l, std::uint32_t slot) {
    if (literal_absent(l)) return false;
    const Value* v = slot_val[slot];
    if (l.kind == Leaf::Kind::Exists) return (v != nullptr) == l.flag;
    if (l.kind == Leaf::Kind::Null) return v == nullptr || v->type == ValueType::Null;
    if (!v) return false;
    if (v->type == ValueType::Array) {
      for (const Value& e : ev->elements(*v))
        if (scalar(l, e, lowered(e.text))) return true;
      return false;
    }
    return scalar(l, *v, l.cased && is_string_kind(l.kind) ? v->text : slot_lower(slot, *v));
  }

  void prepare_keywords() {
    if (kw_ready) return;
    kw_ready = true;
    kw_lower.clear();
    for (const Field& f : ev->fields()) {
      if (f.value.type == ValueType::Array)
        for (const Value& e : ev->elements(f.value)) kw_lower.push_back(lowered(e.text));
      else
        kw_lower.push_back(lowered(f.value.text));
    }
  }

  bool leaf_on_keywords(const Leaf& l) {
    if (literal_absent(l)) return false;
    prepare_keywords();
    std::size_t k = 0;
    for (const Field& f : ev->fields()) {
      if (f.value.type == ValueType::Array) {
        for (const Value& e : ev->elements(f.value))
          if (scalar(l, e, kw_lower[k++])) return true;
      } else if (scalar(l, f.value, kw_lower[k++])) {
        return true;
      }
    }
    return false;
  }

  bool item(const Item& it) {
    bool result = it.all;
    for (std::uint32_t k = 0; k < it.leaves; ++k) {
      const Leaf& l = cs.leaves[it.first_leaf + k];
      const bool r = it.slot == kKeywordSlot ? leaf_on_keywords(l) : leaf_on_field(l, it.slot);
      if (it.all && !r) {
        result = false;
        break;
      }
      if (!it.all && r) {
        result = true;
        break;
      }
    }
    return it.negate ? !result : result;
  }

  bool node(std::uint32_t idx) {
    const Node& n = cs.nodes[idx];
    switch (n.op) {
      case Node::Op::True:
        return true;
      case Node::Op::False:
        return false;
      case Node::Op::Item:
        return item(cs.items[n.a]);
      case Node::Op::Not:
        return !node(n.a);
      case Node::Op::And:
        for (std::uint32_t k = 0; k < n.n; ++k)
          if (!node(cs.kids[n.a + k])) return false;
        return true;
      case Node::Op::Or:
        for (std::uint32_t k = 0; k < n.n; ++k)
          if (node(cs.kids[n.a + k])) return true;
        return false;
    }
    return false;
  }

  static int on_literal(unsigned id, unsigned long long, unsigned long long, unsigned, void* ctx) {
    auto* s = static_cast<State*>(ctx);
    std::uint64_t& w = s->lit_bits[id / 64];
    const std::uint64_t bit = 1ULL << (id % 64);
    if (!(w & bit)) {
      w |= bit;
      s->lit_hits.push_back(id);
    }
    return 0;
  }

  // One block scan over the event's values, lower-cased and joined by newlines: copying a few KiB
  // is cheaper than Vectorscan's per-block overhead in vectored mode or its caseless matching.
  // Only fields some literal-bearing leaf reads are scanned, unless keyword items apply.
  void scan_literals(bool all_fields, const hs_database_t* db = nullptr) {
    scanned = true;
    if (!db) db = cs.literals;
    if (!db) return;  // no literal-bearing rule: nothing to find
    if (!scratch_ok || !scratch) {
      fail_scan();
      return;
    }
    text.clear();
    auto append = [&](std::string_view t) {
      const std::size_t at = text.size();
      text.resize(at + t.size() + 1);
      char* p = text.data() + at;
      for (char c : t) *p++ = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
      *p = '\n';
    };
    for (const Field& f : ev->fields()) {
      if (!all_fields) {
        const std::uint32_t s = f.id < slot_of.size() ? slot_of[f.id] : kNone;
        if (s == kNone || !cs.slot_scan[s]) continue;
      }
      if (f.value.type == ValueType::Array) {
        for (const Value& e : ev->elements(f.value)) append(e.text);
      } else if (!f.value.text.empty()) {
        append(f.value.text);
      }
    }
    if (hs_scan(db, text.data(),
                static_cast<unsigned>(std::min<std::size_t>(text.size(), UINT32_MAX)), 0, scratch,
                &State::on_literal, this) != HS_SUCCESS)
      fail_scan();
  }

  void fail_scan() {
    if (!scan_failed) ++scan_failures;
    scan_failed = true;
  }

  bool passes_prefilter(const Variant& v) {
    if (!v.prefiltered) return true;
    if (!cs.literals) return true;
    if (!scanned) scan_literals(true);
    if (scan_failed) return true;
    for (std::uint32_t k = 0; k < v.pf_count; ++k) {
      const std::uint32_t id = cs.pf_ids[v.pf_first + k];
      if (lit_bits[id / 64] & (1ULL << (id % 64))) return true;
    }
    return false;
  }

  // Evaluates a bucket: its unfiltered variants, then each prefiltered variant reachable from a
  // literal the event contains (once, however many of its literals occur).
  void run(const CompiledSet::Bucket& b, std::vector<std::uint32_t>& out) {
    if (!scanned && !b.all.empty()) scan_literals(true);
    for (std::uint32_t vi : b.unfiltered) {
      ++evaluated;
      if (node(cs.variants[vi].root)) out.push_back(cs.variants[vi].rule);
    }
    if (b.by_literal.empty()) return;
    if (scan_failed) {  // every prefiltered variant, each once
      for (const auto& [id, variants] : b.by_literal)
        for (std::uint32_t vi : variants) {
          if (stamp[vi] == gen) continue;
          stamp[vi] = gen;
          ++evaluated;
          if (node(cs.variants[vi].root)) out.push_back(cs.variants[vi].rule);
        }
      return;
    }
    for (std::uint32_t id : lit_hits) {
      auto it = b.by_literal.find(id);
      if (it == b.by_literal.end()) continue;
      for (std::uint32_t vi : it->second) {
        if (stamp[vi] == gen) continue;
        stamp[vi] = gen;
        ++evaluated;
        if (node(cs.variants[vi].root)) out.push_back(cs.variants[vi].rule);
      }
    }
  }

  void run(std::span<const std::uint32_t> variants, std::vector<std::uint32_t>& out) {
    if (!scanned && !variants.empty()) scan_literals(true);
    for (std::uint32_t vi : variants) {
      const Variant& v = cs.variants[vi];
      if (!passes_prefilter(v)) continue;
      ++evaluated;
      if (node(v.root)) out.push_back(v.rule);
    }
  }

  static bool is_windows(const Event& e) {
    return e.logsource.product.empty() && e.logsource.category.empty() &&
           e.logsource.service.empty();
  }

  // The log source test the index otherwise does, done per variant (baseline mode only).
  bool in_scope(const Variant& v) {
    switch (v.scope) {
      case Variant::Scope::Everything:
        return true;
      case Variant::Scope::Other: {
        if (is_windows(*ev)) return false;
        const LogSourceSpec& r = cs.others[v.logsource].logsource;
        const LogSource& ls = ev->logsource;
        return (r.product.empty() || cs.logsources.product_matches(r.product, ls.product)) &&
               (r.category.empty() || r.category == ls.category) &&
               (r.service.empty() ||
                cs.logsources.service_matches(ls.product, r.service, ls.service));
      }
      case Variant::Scope::Windows: {
        if (!is_windows(*ev)) return false;
        const auto& sc = cs.scopes[v.logsource];
        if (!sc.channels.empty()) {
          const Value* ch = ev->get(cs.channel_field);
          if (!ch) return false;
          bool ok = false;
          for (const auto& c : sc.channels)
            if (c.size() == ch->text.size() &&
                std::equal(c.begin(), c.end(), ch->text.begin(), [](char a, char b) {
                  return a == ((b >= 'A' && b <= 'Z') ? static_cast<char>(b + 32) : b);
                }))
              ok = true;
          if (!ok) return false;
        }
        if (!sc.eventids.empty()) {
          const Value* id = ev->get(cs.eventid_field);
          double d;
          if (!id || !value_number(*id, d)) return false;
          return std::find(sc.eventids.begin(), sc.eventids.end(), static_cast<std::int64_t>(d)) !=
                 sc.eventids.end();
        }
        return true;
      }
    }
    return false;
  }

  const std::vector<std::uint32_t>& others_for(const LogSource& ls) {
    key.assign(ls.product);
    key += '\x1f';
    key += ls.category;
    key += '\x1f';
    key += ls.service;
    auto it = other_cache.find(key);
    if (it != other_cache.end()) return it->second;
    std::vector<std::uint32_t> list;
    for (const auto& o : cs.others) {
      const LogSourceSpec& r = o.logsource;
      if (!r.product.empty() && !cs.logsources.product_matches(r.product, ls.product)) continue;
      if (!r.category.empty() && r.category != ls.category) continue;
      if (!r.service.empty() && !cs.logsources.service_matches(ls.product, r.service, ls.service))
        continue;
      list.push_back(o.variant);
    }
    return other_cache.emplace(key, std::move(list)).first->second;
  }

  void match(const Event& e, std::vector<std::uint32_t>& hits) {
    ev = &e;
    found.clear();
    // Fill the slot table from the event (first occurrence of a field wins).
    for (const Field& f : e.fields()) {
      if (f.id >= slot_of.size()) {
        const std::size_t old = slot_of.size();
        slot_of.resize(FieldTable::global().size(), kNone);
        for (std::size_t id = old; id < slot_of.size(); ++id)
          slot_of[id] = cs.resolve_slot(static_cast<FieldId>(id));
        if (f.id >= slot_of.size()) continue;
      }
      const std::uint32_t s = slot_of[f.id];
      if (s == kNone || slot_val[s]) continue;
      slot_val[s] = &f.value;
      touched.push_back(s);
    }
    if (!cs.index) {
      for (std::uint32_t vi = 0; vi < cs.variants.size(); ++vi) {
        const Variant& v = cs.variants[vi];
        ++evaluated;
        if (in_scope(v) && node(v.root)) found.push_back(v.rule);
      }
    } else if (e.logsource.product.empty() && e.logsource.category.empty() &&
               e.logsource.service.empty()) {
      const CompiledSet::Bucket* buckets[4] = {nullptr, nullptr, &cs.windows_any, &cs.everything};
      std::uint32_t db = cs.windows_default_db;
      const Value* ch = e.get(cs.channel_field);
      if (ch && ch->text.size() < 256) {
        char buf[256];
        for (std::size_t i = 0; i < ch->text.size(); ++i) {
          const char c = ch->text[i];
          buf[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
        }
        auto it = cs.windows.find(std::string_view(buf, ch->text.size()));
        if (it != cs.windows.end()) {
          db = it->second.any_db;
          const Value* id = e.get(cs.eventid_field);
          double d;
          if (id && value_number(*id, d)) {
            auto ids = it->second.by_eventid.find(static_cast<std::int64_t>(d));
            if (ids != it->second.by_eventid.end()) {
              buckets[0] = &ids->second;
              auto d2 = it->second.db_by_eventid.find(ids->first);
              db = d2 == it->second.db_by_eventid.end() ? kNone : d2->second;
            }
          }
          buckets[1] = &it->second.any_eventid;
        }
      }
      bool any = false;
      for (const auto* b : buckets) any = any || (b && !b->all.empty());
      if (any && db != kNone)
        scan_literals(cs.scan_dbs[db].keywords, cs.scan_dbs[db].db);
      else
        scanned = true;  // no literal-bearing rule applies; nothing to find
      for (const auto* b : buckets)
        if (b) run(*b, found);
    } else {
      run(others_for(e.logsource), found);
      run(cs.everything, found);
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    hits.insert(hits.end(), found.begin(), found.end());
    // Reset per-event state.
    for (std::uint32_t s : touched) slot_val[s] = nullptr;
    touched.clear();
    for (std::uint32_t id : lit_hits) lit_bits[id / 64] = 0;
    lit_hits.clear();
    scanned = false;
    scan_failed = false;
    kw_ready = false;
    if (++gen == 0) {
      std::fill(lower_gen.begin(), lower_gen.end(), 0);
      std::fill(stamp.begin(), stamp.end(), 0);
      gen = 1;
    }
    arena.reset();
  }
};

Matcher::Matcher(const RuleSet& set) : s_(std::make_unique<State>(set.compiled())) {}
Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;

void Matcher::match(const Event& e, std::vector<std::uint32_t>& hits) {
  s_->match(e, hits);
}
std::uint64_t Matcher::scan_failures() const {
  return s_->scan_failures;
}
void Matcher::fail_scans_for_testing() {
  s_->scratch_ok = false;
}
std::uint64_t Matcher::evaluated() const {
  return s_->evaluated;
}

}  // namespace tansa::sigma
