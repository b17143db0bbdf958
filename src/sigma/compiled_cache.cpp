#include "sigma/compiled_cache.h"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <map>
#include <memory>
#include <utility>

#include "sigma/cache_codec.h"

namespace tansa::sigma::compiled_cache {

namespace {

using rule_cache::codec::Reader;
using rule_cache::codec::Writer;

constexpr std::string_view kMagic = "tansa-compiled-rules\n";
// Bumped whenever the tables' layout or the compiler's output changes meaning.
constexpr std::uint64_t kFormat = 1;

// --- writing ----------------------------------------------------------------------------------

void put_ids(Writer& w, const std::vector<std::uint32_t>& ids) {
  w.count(ids.size());
  for (std::uint32_t id : ids) w.u32(id);
}

void put_tables(Writer& w, const CompiledSet& cs) {
  w.u8(cs.index ? 1 : 0);
  w.u8(cs.prefilter ? 1 : 0);
  w.count(cs.infos.size());
  for (const auto& i : cs.infos) w.info(i);
  w.count(cs.variants.size());
  for (const auto& v : cs.variants) {
    w.u32(v.rule);
    w.u32(v.root);
    w.u8(static_cast<std::uint8_t>(v.scope));
    w.u32(v.logsource);
    w.u32(v.pf_first);
    w.u32(v.pf_count);
    w.u8(v.prefiltered ? 1 : 0);
    w.u8(v.keywords ? 1 : 0);
  }
  w.count(cs.nodes.size());
  for (const auto& n : cs.nodes) {
    w.u8(static_cast<std::uint8_t>(n.op));
    w.u32(n.a);
    w.u32(n.n);
  }
  put_ids(w, cs.kids);
  w.count(cs.items.size());
  for (const auto& i : cs.items) {
    w.u32(i.slot);
    w.u32(i.first_leaf);
    w.u32(i.leaves);
    w.u8(i.all ? 1 : 0);
    w.u8(i.negate ? 1 : 0);
  }
  w.count(cs.leaves.size());
  for (const auto& l : cs.leaves) {
    w.u8(static_cast<std::uint8_t>(l.kind));
    w.u8(l.cased ? 1 : 0);
    w.u8(l.flag ? 1 : 0);
    w.u8(static_cast<std::uint8_t>(l.op));
    w.u8(static_cast<std::uint8_t>(l.part));
    w.u8(static_cast<std::uint8_t>(l.ref_mode));
    w.str(l.text);
    w.u32(l.glob);
    w.u32(l.regex);
    w.u32(l.ref_slot);
    w.u32(l.lit);
    w.i64(l.i);
    w.f64(l.d);
    w.u8(l.family);
    w.u8(l.prefix);
    for (std::uint8_t b : l.net) w.u8(b);
  }
  w.count(cs.globs.size());
  for (const auto& g : cs.globs) {
    w.u8(g.star_start ? 1 : 0);
    w.u8(g.star_end ? 1 : 0);
    w.strs(g.pieces);
    w.strs(g.qmasks);
  }
  w.count(cs.regexes.size());
  for (const auto& rx : cs.regexes) {
    w.str(rx->pattern());
    w.u8(rx->options().case_sensitive() ? 1 : 0);
    w.u8(rx->options().dot_nl() ? 1 : 0);
  }
  // The fields by slot; the set's slot_of is rebuilt from them.
  std::vector<std::string_view> names(cs.slots);
  for (const auto& [name, slot] : cs.slot_by_name)
    if (slot < names.size()) names[slot] = name;
  w.count(names.size());
  for (auto n : names) w.str(n);
  // The index, in a canonical order (the maps are unordered).
  std::vector<const std::string*> channels;
  for (const auto& [name, _] : cs.windows) channels.push_back(&name);
  std::sort(channels.begin(), channels.end(), [](auto* a, auto* b) { return *a < *b; });
  w.count(channels.size());
  for (const std::string* name : channels) {
    const auto& idx = cs.windows.find(*name)->second;
    w.str(*name);
    put_ids(w, idx.any_eventid.all);
    std::vector<std::int64_t> eids;
    for (const auto& [eid, _] : idx.by_eventid) eids.push_back(eid);
    std::sort(eids.begin(), eids.end());
    w.count(eids.size());
    for (std::int64_t eid : eids) {
      w.i64(eid);
      put_ids(w, idx.by_eventid.at(eid).all);
    }
  }
  put_ids(w, cs.windows_any.all);
  put_ids(w, cs.everything.all);
  w.count(cs.others.size());
  for (const auto& o : cs.others) {
    w.u32(o.variant);
    w.logsource(o.logsource);
  }
  w.count(cs.scopes.size());
  for (const auto& s : cs.scopes) {
    w.strs(s.channels);
    w.count(s.eventids.size());
    for (std::int64_t e : s.eventids) w.i64(e);
  }
  w.u32(cs.literal_count);
  w.count(cs.slot_scan.size());
  for (std::uint8_t b : cs.slot_scan) w.u8(b);
  put_ids(w, cs.pf_ids);
  w.strs(cs.literal_text);
}

// --- reading ----------------------------------------------------------------------------------

std::vector<std::uint32_t> get_ids(Reader& r) {
  std::vector<std::uint32_t> v;
  r.elements(v, r.count(4), [&] { return r.u32(); });
  return v;
}

// Reads the tables; only the codec's checks here (check() follows).
void get_tables(Reader& r, CompiledSet& cs) {
  cs.index = r.flag();
  cs.prefilter = r.flag();
  r.elements(cs.infos, r.count(25), [&] { return r.info(); });
  r.elements(cs.variants, r.count(23), [&] {
    Variant v;
    v.rule = r.u32();
    v.root = r.u32();
    v.scope = r.enumerated(Variant::Scope::Everything);
    v.logsource = r.u32();
    v.pf_first = r.u32();
    v.pf_count = r.u32();
    v.prefiltered = r.flag();
    v.keywords = r.flag();
    return v;
  });
  r.elements(cs.nodes, r.count(9), [&] {
    Node n;
    n.op = r.enumerated(Node::Op::False);
    n.a = r.u32();
    n.n = r.u32();
    return n;
  });
  cs.kids = get_ids(r);
  r.elements(cs.items, r.count(14), [&] {
    Item i;
    i.slot = r.u32();
    i.first_leaf = r.u32();
    i.leaves = r.u32();
    i.all = r.flag();
    i.negate = r.flag();
    return i;
  });
  r.elements(cs.leaves, r.count(60), [&] {
    Leaf l;
    l.kind = r.enumerated(Leaf::Kind::TimePart);
    l.cased = r.flag();
    l.flag = r.flag();
    l.op = r.enumerated(Leaf::CmpOp::Gte);
    l.part = r.enumerated(Leaf::Part::Year);
    l.ref_mode = r.enumerated(Leaf::RefMode::Contains);
    l.text = r.str();
    l.glob = r.u32();
    l.regex = r.u32();
    l.ref_slot = r.u32();
    l.lit = r.u32();
    l.i = r.i64();
    l.d = r.f64();
    l.family = r.u8();
    l.prefix = r.u8();
    for (std::uint8_t& b : l.net) b = r.u8();
    return l;
  });
  r.elements(cs.globs, r.count(10), [&] {
    Glob g;
    g.star_start = r.flag();
    g.star_end = r.flag();
    g.pieces = r.strs();
    g.qmasks = r.strs();
    return g;
  });
  const std::size_t regexes = r.count(6);
  for (std::size_t k = 0; k < regexes && r.ok; ++k) {
    const std::string pattern = r.str();
    const bool cased = r.flag(), dot_nl = r.flag();
    if (!r.ok) break;
    RE2::Options o;
    o.set_log_errors(false);
    o.set_case_sensitive(cased);
    o.set_dot_nl(dot_nl);
    auto rx = std::make_unique<RE2>(pattern, o);
    if (!rx->ok()) {
      r.fail("a regular expression that does not compile");
      break;
    }
    cs.regexes.push_back(std::move(rx));
  }
  const std::size_t slots = r.count(4);
  for (std::size_t s = 0; s < slots && r.ok; ++s) {
    std::string name = r.str();
    if (!r.ok) break;
    if (!cs.slot_by_name.emplace(name, static_cast<std::uint32_t>(s)).second) {
      r.fail("a field named twice");
      break;
    }
    const FieldId id = field_id(name);
    if (cs.slot_of.size() <= id) cs.slot_of.resize(id + 1, kNone);
    cs.slot_of[id] = static_cast<std::uint32_t>(s);
  }
  cs.slots = static_cast<std::uint32_t>(cs.slot_by_name.size());
  // In the encoder's order, each once: one file for one rule set (the encoding is canonical).
  const std::size_t channels = r.count(12);
  std::string last_channel;
  for (std::size_t k = 0; k < channels && r.ok; ++k) {
    std::string name = r.str();
    if (r.ok && k > 0 && !(last_channel < name)) r.fail("channels out of order or indexed twice");
    CompiledSet::ChannelIndex idx;
    idx.any_eventid.all = get_ids(r);
    const std::size_t eids = r.count(12);
    std::int64_t last_eid = 0;
    for (std::size_t e = 0; e < eids && r.ok; ++e) {
      const std::int64_t eid = r.i64();
      auto ids = get_ids(r);
      if (r.ok && e > 0 && eid <= last_eid) r.fail("EventIDs out of order or indexed twice");
      last_eid = eid;
      if (r.ok) idx.by_eventid[eid].all = std::move(ids);
    }
    last_channel = name;
    if (r.ok) cs.windows.emplace(std::move(name), std::move(idx));
  }
  cs.windows_any.all = get_ids(r);
  cs.everything.all = get_ids(r);
  r.elements(cs.others, r.count(16), [&] {
    CompiledSet::OtherVariant o;
    o.variant = r.u32();
    o.logsource = r.logsource();
    return o;
  });
  r.elements(cs.scopes, r.count(8), [&] {
    CompiledSet::WindowsScope s;
    s.channels = r.strs();
    r.elements(s.eventids, r.count(8), [&] { return r.i64(); });
    return s;
  });
  cs.literal_count = r.u32();
  r.elements(cs.slot_scan, r.count(1), [&] { return r.u8(); });
  cs.pf_ids = get_ids(r);
  cs.literal_text = r.strs();
}

}  // namespace

rule_cache::Key key(rule_cache::Key rules_key, const Options& options) {
  rule_cache::Hash h;
  h.bytes(kMagic);
  h.word(kFormat);
  h.word(rules_key.a);
  h.word(rules_key.b);
  h.word(options.prefilter ? 1 : 0);
  h.word(options.index ? 1 : 0);
  h.bytes(options.logsources_yaml);
  return {h.a(), h.b()};
}

std::string encode(const LoadResult& loaded, const std::vector<Rejection>& rejected,
                   const CompiledSet& tables, rule_cache::Key key) {
  Writer w;
  w.u64(loaded.documents);
  w.u64(loaded.filters);
  w.u64(loaded.correlations);
  w.count(rejected.size());
  for (const auto& r : rejected) w.rejection(r);
  w.count(loaded.correlation_rules.size());
  for (const auto& c : loaded.correlation_rules) w.correlation(*c);
  put_tables(w, tables);
  if (!w.ok || w.out.size() > UINT32_MAX) return {};
  return rule_cache::frame(kMagic, key, w.out);
}

std::string check(const CompiledSet& cs) {
  auto in = [](std::uint64_t first, std::uint64_t count, std::size_t size) {
    return first <= size && count <= size - first;
  };
  if (cs.literal_count != cs.literal_text.size())
    return "the literal count differs from the literals";
  for (std::uint32_t id : cs.pf_ids)
    if (id >= cs.literal_count) return "a prefilter literal out of range";
  if (!cs.slot_scan.empty() && cs.slot_scan.size() != cs.slots)
    return "the scanned-field table does not cover the fields";
  if (cs.prefilter && cs.slot_scan.size() != cs.slots) return "the scanned-field table is missing";
  for (const Glob& g : cs.globs) {
    if (g.qmasks.size() != g.pieces.size()) return "a glob's masks do not match its pieces";
    for (std::size_t k = 0; k < g.pieces.size(); ++k)
      if (!g.qmasks[k].empty() && g.qmasks[k].size() != g.pieces[k].size())
        return "a glob's mask does not match its piece";
  }
  for (const Leaf& l : cs.leaves) {
    if (l.glob != kNone && l.glob >= cs.globs.size()) return "a leaf's glob out of range";
    if (l.kind == Leaf::Kind::Glob && l.glob == kNone) return "a glob leaf without its glob";
    if (l.regex != kNone && l.regex >= cs.regexes.size()) return "a leaf's regex out of range";
    if (l.kind == Leaf::Kind::Regex && l.regex == kNone) return "a regex leaf without its regex";
    if (l.ref_slot != kNone && l.ref_slot >= cs.slots) return "a leaf's field out of range";
    if (l.kind == Leaf::Kind::FieldRef && l.ref_slot == kNone)
      return "a field reference without its field";
    if (l.lit != kNone && l.lit >= cs.literal_count) return "a leaf's literal out of range";
    if (l.kind == Leaf::Kind::Cidr &&
        !((l.family == 4 && l.prefix <= 32) || (l.family == 6 && l.prefix <= 128)))
      return "a network of no family or with a prefix too long";
  }
  for (const Item& i : cs.items) {
    if (i.slot != kKeywordSlot && i.slot >= cs.slots) return "an item's field out of range";
    if (!in(i.first_leaf, i.leaves, cs.leaves.size())) return "an item's values out of range";
  }
  // Nodes point only to earlier nodes (the compiler adds a node after its operands), so the
  // expression has no cycle; and they nest no deeper than compiled conditions do.
  std::vector<std::uint16_t> depth(cs.nodes.size(), 1);
  for (std::size_t k = 0; k < cs.nodes.size(); ++k) {
    const Node& n = cs.nodes[k];
    auto below = [&](std::uint32_t kid) {
      if (kid >= k) return false;
      depth[k] = static_cast<std::uint16_t>(std::max<int>(depth[k], depth[kid] + 1));
      return true;
    };
    switch (n.op) {
      case Node::Op::And:
      case Node::Op::Or:
        if (!in(n.a, n.n, cs.kids.size())) return "an expression's operands out of range";
        for (std::uint32_t j = 0; j < n.n; ++j)
          if (!below(cs.kids[n.a + j])) return "an expression refers to itself or a later one";
        break;
      case Node::Op::Not:
        if (!below(n.a)) return "an expression refers to itself or a later one";
        break;
      case Node::Op::Item:
        if (n.a >= cs.items.size()) return "an expression's item out of range";
        break;
      case Node::Op::True:
      case Node::Op::False:
        break;
    }
    if (depth[k] > rule_cache::codec::kMaxDepth) return "expressions nested too deeply";
  }
  for (const Variant& v : cs.variants) {
    if (v.rule >= cs.infos.size()) return "a variant's rule out of range";
    if (v.root >= cs.nodes.size()) return "a variant's expression out of range";
    if (!in(v.pf_first, v.pf_count, cs.pf_ids.size())) return "a variant's prefilter out of range";
    if (v.scope == Variant::Scope::Windows && v.logsource >= cs.scopes.size())
      return "a variant's log source out of range";
    if (v.scope == Variant::Scope::Other && v.logsource >= cs.others.size())
      return "a variant's log source out of range";
  }
  auto bucket = [&](const CompiledSet::Bucket& b) {
    return std::all_of(b.all.begin(), b.all.end(),
                       [&](std::uint32_t v) { return v < cs.variants.size(); });
  };
  for (const auto& [_, idx] : cs.windows) {
    if (!bucket(idx.any_eventid)) return "an index entry out of range";
    for (const auto& [__, b] : idx.by_eventid)
      if (!bucket(b)) return "an index entry out of range";
  }
  if (!bucket(cs.windows_any) || !bucket(cs.everything)) return "an index entry out of range";
  for (const auto& o : cs.others)
    if (o.variant >= cs.variants.size()) return "a log source entry out of range";
  return {};
}

std::expected<Decoded, std::string> decode_payload(std::string_view payload,
                                                   const Options& options) {
  Reader r(payload);
  Decoded out;
  out.loaded.documents = r.u64();
  out.loaded.filters = r.u64();
  out.loaded.correlations = r.u64();
  r.elements(out.loaded.rejected, r.count(20), [&] { return r.rejection(); });
  const std::size_t correlations = r.count(64);
  for (std::size_t k = 0; k < correlations && r.ok; ++k) {
    CorrelationRule c = r.correlation();
    if (r.ok)
      out.loaded.correlation_rules.push_back(std::make_shared<const CorrelationRule>(std::move(c)));
  }
  out.tables = std::make_unique<CompiledSet>();
  CompiledSet& cs = *out.tables;
  get_tables(r, cs);
  if (r.ok && !r.done()) r.fail("bytes after the tables");
  if (!r.ok) return std::unexpected(r.why);
  if (std::string problem = check(cs); !problem.empty()) return std::unexpected(problem);
  detail::set_logsources(cs, options, nullptr);
  cs.channel_field = field_id("Channel");
  cs.eventid_field = field_id("EventID");
  return out;
}

std::expected<Decoded, rule_cache::Error> decode(std::string_view file, rule_cache::Key key,
                                                 const Options& options) {
  auto payload = rule_cache::unframe(file, kMagic, key);
  if (!payload) return std::unexpected(payload.error());
  auto d = decode_payload(*payload, options);
  if (!d)
    return std::unexpected(
        rule_cache::Error{rule_cache::Error::Kind::Damaged, "corrupt: " + d.error()});
  return std::move(*d);
}

}  // namespace tansa::sigma::compiled_cache
