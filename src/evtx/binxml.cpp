#include "evtx/binxml.h"

#include "evtx/value.h"

namespace tansa::evtx {

// --- ChunkCache -----------------------------------------------------------------------------

namespace {
inline std::size_t mix(std::uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return static_cast<std::size_t>(k);
}
}  // namespace

void ChunkCache::reset(std::span<const std::uint8_t> chunk) {
  chunk_ = chunk;
  names_.clear();
  text_.clear();
  if (slot_keys_.empty()) {
    slot_keys_.assign(1024, 0);
    slot_vals_.assign(1024, 0);
    fkeys_.assign(256, 0);
    fvals_.assign(256, 0);
  } else {
    if (slot_used_) std::fill(slot_keys_.begin(), slot_keys_.end(), 0);
    if (fused_) std::fill(fkeys_.begin(), fkeys_.end(), 0);
  }
  slot_used_ = 0;
  fused_ = 0;
  templates_.clear();
  budget = kNodeBudget;
  template_nodes.clear();
  template_substs.clear();
}

namespace {
constexpr std::uint64_t kTemplateKey = 1ull << 61;
}

ChunkCache::Template* ChunkCache::find_template(std::uint32_t def) {
  const FieldId* i = lookup(kTemplateKey | def);
  return i ? &templates_[*i] : nullptr;
}

ChunkCache::Template* ChunkCache::add_template(std::uint32_t def) {
  if (templates_.size() >= kMaxTemplates) return nullptr;
  insert(kTemplateKey | def, static_cast<FieldId>(templates_.size()));
  templates_.emplace_back();
  return &templates_.back();
}

std::uint32_t ChunkCache::name_at(std::uint32_t off, std::uint32_t& inline_size) {
  const std::uint64_t key = static_cast<std::uint64_t>(off) + 1;
  std::size_t mask = slot_keys_.size() - 1;
  std::size_t i = mix(key) & mask;
  while (slot_keys_[i] != 0) {
    if (slot_keys_[i] == key) {
      const auto& e = names_[slot_vals_[i]];
      inline_size = e.size;
      return slot_vals_[i];
    }
    i = (i + 1) & mask;
  }
  // Name layout: u32 next offset, u16 hash, u16 character count, UTF-16 characters, u16 NUL.
  if (static_cast<std::uint64_t>(off) + 8 > chunk_.size()) return kNone;
  const std::uint32_t chars = le16(chunk_.data() + off + 6);
  const std::uint64_t size = 8 + 2ull * chars + 2;
  if (off + size > chunk_.size()) return kNone;
  NameEntry e;
  e.offset = off;
  e.begin = static_cast<std::uint32_t>(text_.size());
  append_utf16(text_, chunk_.data() + off + 8, chars, false, false);
  e.len = static_cast<std::uint32_t>(text_.size() - e.begin);
  e.size = static_cast<std::uint32_t>(size);
  {
    const std::string_view n(text_.data() + e.begin, e.len);
    bool plain = true;
    for (char ch : n) {
      const auto u = static_cast<unsigned char>(ch);
      if (u < 0x20 || ch == '"' || ch == '\\') plain = false;
    }
    e.flags = static_cast<std::uint8_t>(
        (plain ? kPlain : 0) | (n == "Data" ? kData : 0) | (n == "Name" ? kName : 0) |
        (n == "EventData" || n == "UserData" ? kContainer : 0) | (n == "System" ? kSystem : 0));
  }
  const auto index = static_cast<std::uint32_t>(names_.size());
  e.canon = index;
  const std::string_view text(text_.data() + e.begin, e.len);
  for (const NameEntry& other : names_) {
    if (other.len == e.len && std::string_view(text_.data() + other.begin, other.len) == text) {
      e.canon = other.canon;
      break;
    }
  }
  names_.push_back(e);
  if ((slot_used_ + 1) * 2 > slot_keys_.size()) {
    // Grow and rehash; rare (a chunk has few distinct names).
    std::vector<std::uint64_t> keys(slot_keys_.size() * 2, 0);
    std::vector<std::uint32_t> vals(keys.size(), 0);
    const std::size_t m2 = keys.size() - 1;
    for (std::size_t j = 0; j < slot_keys_.size(); ++j) {
      if (!slot_keys_[j]) continue;
      std::size_t k = mix(slot_keys_[j]) & m2;
      while (keys[k]) k = (k + 1) & m2;
      keys[k] = slot_keys_[j];
      vals[k] = slot_vals_[j];
    }
    slot_keys_.swap(keys);
    slot_vals_.swap(vals);
    mask = slot_keys_.size() - 1;
    i = mix(key) & mask;
    while (slot_keys_[i]) i = (i + 1) & mask;
  }
  slot_keys_[i] = key;
  slot_vals_[i] = index;
  ++slot_used_;
  inline_size = e.size;
  return index;
}

FieldId ChunkCache::field(std::uint32_t index) {
  auto& e = names_[index];
  if (e.field == kNoField) e.field = field_id(name(index));
  return e.field;
}

FieldId* ChunkCache::lookup(std::uint64_t key) {
  key += 1;
  const std::size_t mask = fkeys_.size() - 1;
  for (std::size_t i = mix(key) & mask; fkeys_[i]; i = (i + 1) & mask)
    if (fkeys_[i] == key) return &fvals_[i];
  return nullptr;
}

void ChunkCache::insert(std::uint64_t key, FieldId id) {
  key += 1;
  if ((fused_ + 1) * 2 > fkeys_.size()) {
    std::vector<std::uint64_t> keys(fkeys_.size() * 2, 0);
    std::vector<FieldId> vals(keys.size(), 0);
    const std::size_t m2 = keys.size() - 1;
    for (std::size_t j = 0; j < fkeys_.size(); ++j) {
      if (!fkeys_[j]) continue;
      std::size_t k = mix(fkeys_[j]) & m2;
      while (keys[k]) k = (k + 1) & m2;
      keys[k] = fkeys_[j];
      vals[k] = fvals_[j];
    }
    fkeys_.swap(keys);
    fvals_.swap(vals);
  }
  const std::size_t mask = fkeys_.size() - 1;
  std::size_t i = mix(key) & mask;
  while (fkeys_[i]) i = (i + 1) & mask;
  fkeys_[i] = key;
  fvals_[i] = id;
  ++fused_;
}

// --- Decoder --------------------------------------------------------------------------------

namespace {
// Tokens (the 0x40 bit is the "has more data / has attributes" flag).
constexpr std::uint8_t kEof = 0x00, kOpenStart = 0x01, kCloseStart = 0x02, kCloseEmpty = 0x03,
                       kEndElement = 0x04, kText = 0x05, kAttribute = 0x06, kCData = 0x07,
                       kCharRef = 0x08, kEntityRef = 0x09, kPITarget = 0x0a, kPIData = 0x0b,
                       kTemplate = 0x0c, kSubst = 0x0d, kOptSubst = 0x0e, kFragment = 0x0f;
}  // namespace

bool Decoder::fail(std::uint32_t off, const char* why) {
  if (error_.empty()) {
    error_ = why;
    error_offset_ = off;
  }
  return false;
}

bool Decoder::decode(ChunkCache& cache, std::uint32_t begin, std::uint32_t end, Tree& tree) {
  cache_ = &cache;
  tree_ = &tree;
  base_ = cache.chunk().data();
  chunk_size_ = static_cast<std::uint32_t>(cache.chunk().size());
  subs_.clear();
  templates_ = 0;
  dependency_ids_ = false;
  error_.clear();
  error_offset_ = 0;
  tree.clear();
  if (end > chunk_size_ || begin > end) return fail(begin, "record data outside chunk");
  std::uint32_t pos = begin;
  if (!fragment(pos, end, kNone, SubSpan{}, 0, true)) return false;
  if (tree.root == kNone) return fail(begin, "record holds no XML element");
  return true;
}

std::uint32_t Decoder::add(std::uint32_t parent, const Node& n, bool as_attr) {
  auto& nodes = tree_->nodes;
  if (nodes.size() >= kMaxNodes) {
    fail(0, "record expands to too many XML nodes");
    return kNone;
  }
  if (cache_->budget == 0) {
    fail(0, "chunk exceeds its decoding budget (crafted templates?)");
    return kNone;
  }
  --cache_->budget;
  const auto idx = static_cast<std::uint32_t>(nodes.size());
  nodes.push_back(n);
  if (parent == kNone) {
    if (n.kind == Node::Element && tree_->root == kNone) tree_->root = idx;
    return idx;
  }
  Node& p = nodes[parent];
  if (as_attr) {
    if (p.attrs_last == kNone)
      p.attrs = idx;
    else
      nodes[p.attrs_last].next = idx;
    p.attrs_last = idx;
  } else {
    if (p.last == kNone)
      p.first = idx;
    else
      nodes[p.last].next = idx;
    p.last = idx;
  }
  return idx;
}

bool Decoder::read_name(std::uint32_t& pos, std::uint32_t end, std::uint32_t& name) {
  if (pos + 4 > end) return fail(pos, "name reference past end of data");
  const std::uint32_t off = le32(base_ + pos);
  pos += 4;
  std::uint32_t size = 0;
  name = cache_->name_at(off, size);
  if (name == kNone) return fail(pos - 4, "name offset outside chunk");
  if (off == pos) {  // the name is defined inline, right here
    if (pos + size > end) return fail(pos, "inline name past end of data");
    pos += size;
  }
  return true;
}

bool Decoder::fragment(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, SubSpan subs,
                       int depth, bool stop_at_eof) {
  if (depth > kMaxDepth) return fail(pos, "BinXML nesting too deep");
  while (pos < end) {
    const std::uint8_t tok = base_[pos];
    switch (tok & 0xbf) {
      case kEof:
        ++pos;
        if (stop_at_eof) return true;
        break;
      case kFragment:
        if (pos + 4 > end) return fail(pos, "fragment header past end of data");
        pos += 4;
        break;
      case kTemplate:
        if (template_mode_) return fail(pos, "template instance inside a template definition");
        if (!template_instance(pos, end, parent, depth)) return false;
        break;
      case kOpenStart:
        if (!element(pos, end, parent, subs, depth)) return false;
        break;
      default:
        return fail(pos, "unexpected BinXML token at fragment level");
    }
  }
  return true;
}

bool Decoder::template_instance(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent,
                                int depth) {
  if (depth > kMaxDepth) return fail(pos, "template nesting too deep");
  if (++templates_ > kMaxTemplates) return fail(pos, "too many template instances in record");
  if (pos + 10 > end) return fail(pos, "template instance past end of data");
  const std::uint32_t def = le32(base_ + pos + 6);
  pos += 10;
  // Definition: u32 next offset, 16-byte GUID, u32 data size, then the BinXML body.
  if (static_cast<std::uint64_t>(def) + 24 > chunk_size_)
    return fail(pos - 4, "template definition offset outside chunk");
  const std::uint32_t body_size = le32(base_ + def + 20);
  const std::uint64_t body_end = static_cast<std::uint64_t>(def) + 24 + body_size;
  if (body_end > chunk_size_) return fail(def, "template definition runs past chunk end");
  if (def == pos) {
    if (body_end > end) return fail(def, "inline template definition past end of data");
    pos = static_cast<std::uint32_t>(body_end);
  }
  // Substitution array: u32 count, count x (u16 size, u8 type, u8 pad), then the values.
  if (pos + 4 > end) return fail(pos, "substitution count past end of data");
  const std::uint32_t count = le32(base_ + pos);
  pos += 4;
  if (count > (end - pos) / 4) return fail(pos - 4, "substitution count exceeds record");
  std::uint32_t vpos = pos + 4 * count;
  SubSpan span{static_cast<std::uint32_t>(subs_.size()), count};
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint32_t size = le16(base_ + pos + 4 * i);
    const std::uint8_t type = base_[pos + 4 * i + 2];
    if (size > end - vpos) {
      subs_.resize(span.first);
      return fail(pos + 4 * i, "substitution value runs past end of record");
    }
    subs_.push_back(Sub{base_ + vpos, size, type});
    vpos += size;
  }
  pos = vpos;
  std::uint32_t body = def + 24;
  const bool outer_ids = dependency_ids_;
  dependency_ids_ = true;  // element headers inside template definitions carry them
  struct Restore {
    bool& flag;
    bool value;
    ~Restore() { flag = value; }
  } restore{dependency_ids_, outer_ids};
  if (!template_mode_) {
    ChunkCache::Template* t = cache_->find_template(def);
    if (!t) {
      t = cache_->add_template(def);
      if (t) build_template(*t, body, static_cast<std::uint32_t>(body_end), depth + 1);
    }
    if (t && t->ok) {
      const bool ok = instantiate(*t, parent, span, depth + 1);
      subs_.resize(span.first);
      return ok;
    }
  }
  const bool ok =
      fragment(body, static_cast<std::uint32_t>(body_end), parent, span, depth + 1, true);
  subs_.resize(span.first);
  return ok;
}

bool Decoder::build_template(ChunkCache::Template& t, std::uint32_t body, std::uint32_t body_end,
                             int depth) {
  Tree* saved = tree_;
  const std::string saved_error = error_;
  const std::uint32_t saved_offset = error_offset_;
  tree_ = &scratch_;
  scratch_.clear();
  template_mode_ = true;
  Node holder;
  holder.kind = Node::Element;
  add(kNone, holder);
  scratch_.root = kNone;
  const bool ok = fragment(body, body_end, 0, SubSpan{}, depth, true);
  template_mode_ = false;
  tree_ = saved;
  error_ = saved_error;  // a definition that fails to parse is re-parsed, and reported, directly
  error_offset_ = saved_offset;
  if (!ok) return false;
  auto& store = cache_->template_nodes;
  if (store.size() + scratch_.nodes.size() > ChunkCache::kMaxTemplateNodes) return false;
  t.nodes_begin = static_cast<std::uint32_t>(store.size());
  t.nodes_count = static_cast<std::uint32_t>(scratch_.nodes.size());
  store.insert(store.end(), scratch_.nodes.begin(), scratch_.nodes.end());
  t.subst_begin = static_cast<std::uint32_t>(cache_->template_substs.size());
  for (std::uint32_t i = 0; i < scratch_.nodes.size(); ++i)
    if (scratch_.nodes[i].kind == Node::Subst) cache_->template_substs.push_back(i);
  t.subst_count = static_cast<std::uint32_t>(cache_->template_substs.size()) - t.subst_begin;
  t.ok = true;
  return true;
}

bool Decoder::instantiate(ChunkCache::Template t, std::uint32_t parent, SubSpan subs, int depth) {
  auto& nodes = tree_->nodes;
  if (nodes.size() + t.nodes_count > kMaxNodes)
    return fail(0, "record expands to too many XML nodes");
  if (cache_->budget < t.nodes_count) {
    cache_->budget = 0;
    return fail(0, "chunk exceeds its decoding budget (crafted templates?)");
  }
  cache_->budget -= t.nodes_count;

  const auto base = static_cast<std::uint32_t>(nodes.size());
  const Node* src = cache_->template_nodes.data() + t.nodes_begin;
  nodes.insert(nodes.end(), src, src + t.nodes_count);
  if (base != 0) {
    for (std::uint32_t i = base; i < nodes.size(); ++i) {
      Node& n = nodes[i];
      for (std::uint32_t* f : {&n.first, &n.last, &n.attrs, &n.attrs_last, &n.next})
        if (*f != kNone) *f += base;
    }
  }
  // Hook the template's top level (the holder's children) under `parent`.
  const std::uint32_t top = nodes[base].first, top_last = nodes[base].last;
  if (top != kNone) {
    if (parent == kNone) {
      for (std::uint32_t c = top; c != kNone && tree_->root == kNone; c = nodes[c].next)
        if (nodes[c].kind == Node::Element) tree_->root = c;
    } else {
      Node& p = nodes[parent];
      if (p.last == kNone)
        p.first = top;
      else
        nodes[p.last].next = top;
      p.last = top_last;
    }
  }
  // Nested XML below may define more templates, growing the cache: index, never hold pointers.
  for (std::uint32_t k = 0; k < t.subst_count; ++k) {
    const std::uint32_t at = cache_->template_substs[t.subst_begin + k] + base;
    Node& n = nodes[at];
    const std::uint32_t index = n.size;
    const std::uint32_t owner = n.first;  // the element or attribute holding the substitution
    n.kind = Node::Value;
    n.first = kNone;
    n.key = kNone;
    if (index >= subs.count) {  // absent value
      n.vtype = vt::kNull;
      n.data = nullptr;
      n.size = 0;
      continue;
    }
    const Sub& s = subs_[subs.first + index];
    n.vtype = s.type;
    n.data = s.data;
    n.size = s.size;
    if (s.type != vt::kBinXml || s.size == 0) continue;
    // Nested XML: decode it under a temporary holder, then splice its top level in place of the
    // substitution node.
    n.vtype = vt::kNull;
    n.size = 0;
    if (owner == kNone || nodes[owner].kind == Node::Attribute) continue;
    Node holder;
    holder.kind = Node::Element;
    const std::uint32_t h = add(kNone, holder);
    if (h == kNone) return false;
    if (tree_->root == h) tree_->root = kNone;
    auto off = static_cast<std::uint32_t>(s.data - base_);
    const bool outer_ids = dependency_ids_;
    dependency_ids_ = false;  // nested XML values are written like records
    const bool ok = fragment(off, off + s.size, h, SubSpan{}, depth + 1, true);
    dependency_ids_ = outer_ids;
    if (!ok) return false;
    const std::uint32_t first = nodes[h].first, last = nodes[h].last;
    if (first == kNone) continue;
    const std::uint32_t after = nodes[at].next;
    nodes[at] = nodes[first];  // the first nested node takes the substitution's place
    if (first == last) {
      nodes[at].next = after;
    } else {
      nodes[last].next = after;
      if (nodes[owner].last == at) nodes[owner].last = last;
    }
  }
  return true;
}

bool Decoder::element(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, SubSpan subs,
                      int depth) {
  if (depth > kMaxDepth) return fail(pos, "XML nesting too deep");
  const std::uint8_t tok = base_[pos];
  // Token, u16 dependency id (template definitions only), u32 data size, u32 name offset.
  const std::uint32_t header = dependency_ids_ ? 7 : 5;
  if (pos + header > end) return fail(pos, "element header past end of data");
  pos += header;
  std::uint32_t name;
  if (!read_name(pos, end, name)) return false;
  if (tok & 0x40) {
    if (pos + 4 > end) return fail(pos, "attribute list size past end of data");
    pos += 4;
  }
  Node el;
  el.kind = Node::Element;
  el.name = name;
  const std::uint32_t idx = add(parent, el);
  if (idx == kNone) return false;
  if (tok & 0x40) {
    while (pos < end && (base_[pos] & 0xbf) == kAttribute) {
      ++pos;
      std::uint32_t aname;
      if (!read_name(pos, end, aname)) return false;
      Node a;
      a.kind = Node::Attribute;
      a.name = aname;
      const std::uint32_t aidx = add(idx, a, true);
      if (aidx == kNone) return false;
      if (!content(pos, end, aidx, subs, depth + 1, true)) return false;
    }
  }
  if (pos >= end) return fail(pos, "element runs past end of data");
  const std::uint8_t t = base_[pos] & 0xbf;
  if (t == kCloseEmpty) {
    ++pos;
    return true;
  }
  if (t != kCloseStart) return fail(pos, "expected close of start element");
  ++pos;
  return content(pos, end, idx, subs, depth + 1, false);
}

bool Decoder::utf16_text(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent,
                         Node::Kind kind) {
  if (pos + 2 > end) return fail(pos, "text length past end of data");
  const std::uint32_t bytes = 2u * le16(base_ + pos);
  pos += 2;
  if (bytes > end - pos) return fail(pos, "text past end of data");
  Node n;
  n.kind = kind;
  n.vtype = vt::kString;
  n.data = base_ + pos;
  n.size = bytes;
  pos += bytes;
  return add(parent, n) != kNone;
}

bool Decoder::content(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent, SubSpan subs,
                      int depth, bool in_attr) {
  if (depth > kMaxDepth) return fail(pos, "XML nesting too deep");
  while (pos < end) {
    const std::uint32_t at = pos;
    const std::uint8_t t = base_[pos] & 0xbf;
    switch (t) {
      case kEndElement:
        if (in_attr) return true;
        ++pos;
        return true;
      case kAttribute:
      case kCloseStart:
      case kCloseEmpty:
        if (in_attr) return true;
        return fail(pos, "unexpected attribute token in element content");
      case kText: {
        // u8 value type (always string), u16 character count, UTF-16 characters.
        if (pos + 2 > end) return fail(pos, "text token past end of data");
        pos += 2;
        if (!utf16_text(pos, end, parent, Node::Value)) return false;
        tree_->nodes.back().key = at;
        break;
      }
      case kCData:
        ++pos;
        if (!utf16_text(pos, end, parent, Node::CData)) return false;
        break;
      case kPIData:
        ++pos;
        if (!utf16_text(pos, end, parent, Node::PIData)) return false;
        break;
      case kCharRef: {
        if (pos + 3 > end) return fail(pos, "character reference past end of data");
        Node n;
        n.kind = Node::CharRef;
        n.size = le16(base_ + pos + 1);
        pos += 3;
        if (add(parent, n) == kNone) return false;
        break;
      }
      case kEntityRef:
      case kPITarget: {
        ++pos;
        Node n;
        n.kind = t == kEntityRef ? Node::EntityRef : Node::PITarget;
        if (!read_name(pos, end, n.name)) return false;
        if (add(parent, n) == kNone) return false;
        break;
      }
      case kSubst:
      case kOptSubst:
        if (!substitution(pos, end, parent, subs, depth, in_attr)) return false;
        break;
      case kOpenStart:
        if (in_attr) return fail(pos, "element inside attribute value");
        if (!element(pos, end, parent, subs, depth)) return false;
        break;
      case kTemplate:
        if (in_attr) return fail(pos, "template inside attribute value");
        if (template_mode_) return fail(pos, "template instance inside a template definition");
        if (!template_instance(pos, end, parent, depth)) return false;
        break;
      case kFragment:
        if (pos + 4 > end) return fail(pos, "fragment header past end of data");
        pos += 4;
        break;
      case kEof:
        return fail(pos, "end of fragment inside an open element");
      default:
        return fail(pos, "unknown BinXML token");
    }
  }
  if (in_attr) return true;
  return fail(pos, "element runs past end of data");
}

bool Decoder::substitution(std::uint32_t& pos, std::uint32_t end, std::uint32_t parent,
                           SubSpan subs, int depth, bool in_attr) {
  // Token, u16 index, u8 value type.
  if (pos + 4 > end) return fail(pos, "substitution past end of data");
  const std::uint32_t index = le16(base_ + pos + 1);
  pos += 4;
  if (template_mode_) {
    Node n;
    n.kind = Node::Subst;
    n.vtype = base_[pos - 1];
    n.size = index;
    const std::uint32_t idx = add(parent, n);
    if (idx == kNone) return false;
    tree_->nodes[idx].first = parent;
    return true;
  }
  // A reference past the instance's values is treated as an absent value, as Windows does for
  // optional substitutions.
  if (index >= subs.count) return true;
  const Sub& s = subs_[subs.first + index];
  if (s.type == vt::kBinXml && s.size > 0) {
    if (in_attr) return true;  // nested XML has no text form inside an attribute
    auto off = static_cast<std::uint32_t>(s.data - base_);
    const bool outer_ids = dependency_ids_;
    dependency_ids_ = false;  // nested XML values are written like records
    const bool ok = fragment(off, off + s.size, parent, SubSpan{}, depth + 1, true);
    dependency_ids_ = outer_ids;
    return ok;
  }
  Node n;
  n.kind = Node::Value;
  n.vtype = s.type;
  n.data = s.data;
  n.size = s.size;
  return add(parent, n) != kNone;
}

}  // namespace tansa::evtx
