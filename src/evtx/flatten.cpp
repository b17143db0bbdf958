#include "evtx/flatten.h"

#include <cstring>

#include "evtx/value.h"

namespace tansa::evtx {

namespace {
// Composite cache-key tags, so they cannot collide with each other.
constexpr std::uint64_t kAttrKey = 1ull << 63;
constexpr std::uint64_t kDataKey = 1ull << 62;
constexpr int kMaxLeafDepth = 32;

}  // namespace

void Flattener::flatten(const Tree& tree, ChunkCache& cache, const RecordInfo& info, Event& ev) {
  tree_ = &tree;
  cache_ = &cache;
  ev_ = &ev;
  ev.clear();
  have_time_ = false;
  have_record_id_ = false;
  if (tree.root != kNone) {
    const auto& nodes = tree.nodes;
    for (std::uint32_t c = nodes[tree.root].first; c != kNone; c = nodes[c].next) {
      if (nodes[c].kind != Node::Element) continue;
      if (cache.flags(nodes[c].name) & ChunkCache::kSystem)
        system(c);
      else
        section(c);
    }
  }
  auto plausible = [](std::int64_t t) { return t >= kFirstPlausibleNs && t < kEndPlausibleNs; };
  const std::int64_t written = filetime_ns(info.written);
  if (have_time_ && plausible(time_ns_)) {
    ev.time_ns = time_ns_;
    time_source_ = TimeSource::Created;
  } else if (plausible(written)) {
    ev.time_ns = written;
    time_source_ = TimeSource::Header;
  } else {
    ev.time_ns = 0;
    time_source_ = TimeSource::None;
  }
  ev.source = SourceRef{info.file_index, SourceRef::Kind::Record,
                        have_record_id_ ? record_id_ : info.record_id};
}

Value Flattener::scalar(std::uint8_t type, const std::uint8_t* data, std::uint32_t size) {
  Value v;
  scratch_.clear();
  if (value_is_empty(type, data, size)) {
    v.type = ValueType::Null;
    return v;
  }
  append_value_text(scratch_, type, data, size, false);
  switch (type) {
    case vt::kString:
    case vt::kAnsiString:
      v.type = ValueType::String;
      break;
    case vt::kInt8:
    case vt::kInt16:
    case vt::kInt32:
    case vt::kInt64:
      v.type = ValueType::Int;
      v.i = size >= 8   ? static_cast<std::int64_t>(le64(data))
            : size >= 4 ? static_cast<std::int32_t>(le32(data))
            : size >= 2 ? static_cast<std::int16_t>(le16(data))
                        : static_cast<std::int8_t>(data[0]);
      break;
    case vt::kUInt8:
    case vt::kUInt16:
    case vt::kUInt32:
    case vt::kUInt64:
      v.type = ValueType::UInt;
      v.u = size >= 8 ? le64(data) : size >= 4 ? le32(data) : size >= 2 ? le16(data) : data[0];
      break;
    case vt::kHexInt32:
    case vt::kHexInt64:
    case vt::kSizeT:
      v.type = ValueType::HexInt;
      v.u = size >= 8 ? le64(data) : size >= 4 ? le32(data) : 0;
      break;
    case vt::kBool:
      v.type = ValueType::Bool;
      v.i = (size >= 4 ? le32(data) : data[0]) != 0;
      break;
    case vt::kReal32:
      v.type = ValueType::Double;
      if (size >= 4) {
        float f;
        std::memcpy(&f, data, 4);
        v.d = f;
      }
      break;
    case vt::kReal64:
      v.type = ValueType::Double;
      if (size >= 8) std::memcpy(&v.d, data, 8);
      break;
    case vt::kBinary:
      v.type = ValueType::Binary;
      break;
    case vt::kGuid:
      v.type = ValueType::Guid;
      break;
    case vt::kSid:
      v.type = ValueType::Sid;
      break;
    case vt::kFileTime:
      v.type = ValueType::Time;
      if (size >= 8) v.i = filetime_ns(le64(data));
      break;
    case vt::kSysTime:
      v.type = ValueType::Time;
      if (size >= 16 && !systime_ns(data, v.i)) v.type = ValueType::String;
      break;
    default:
      v.type = ValueType::String;
  }
  v.text = ev_->store(scratch_);
  return v;
}

Value Flattener::value(std::uint32_t first, bool empty_is_string) {
  const auto& nodes = tree_->nodes;
  std::uint32_t single = kNone;
  std::size_t content = 0;
  for (std::uint32_t c = first; c != kNone; c = nodes[c].next) {
    if (is_content(nodes[c])) {
      ++content;
      single = c;
    }
  }
  if (content == 0) {
    Value v;
    if (empty_is_string) v.type = ValueType::String;
    return v;
  }
  if (content == 1 && nodes[single].kind == Node::Value) {
    const Node& n = nodes[single];
    if (!(n.vtype & vt::kArray)) return scalar(n.vtype, n.data, n.size);
    Value arr;
    arr.type = ValueType::Array;
    bool first_item = true;
    for_each_item(n.vtype, n.data, n.size,
                  [&](std::uint8_t t, const std::uint8_t* p, std::uint32_t sz) {
                    Value item = scalar(t, p, sz);
                    if (item.type == ValueType::Null && (t == vt::kString || t == vt::kAnsiString))
                      item.type = ValueType::String;
                    const std::uint32_t idx = ev_->add_element(item);
                    if (first_item) arr.first = idx;
                    first_item = false;
                    ++arr.count;
                  });
    return arr;
  }
  // Mixed content: concatenated text.
  scratch_.clear();
  for (std::uint32_t c = first; c != kNone; c = nodes[c].next) {
    const Node& n = nodes[c];
    if (n.kind == Node::Value) {
      append_value_text(scratch_, n.vtype, n.data, n.size, false);
    } else if (n.kind == Node::CData) {
      append_utf16(scratch_, n.data, n.size / 2, false, false);
    } else if (n.kind == Node::CharRef) {
      const std::uint8_t u16[2] = {static_cast<std::uint8_t>(n.size),
                                   static_cast<std::uint8_t>(n.size >> 8)};
      append_utf16(scratch_, u16, 1, false, false);
    } else if (n.kind == Node::EntityRef) {
      if (const char ch = xml_entity_char(cache_->name(n.name))) scratch_ += ch;
    }
  }
  Value v;
  v.type = ValueType::String;
  v.text = ev_->store(scratch_);
  return v;
}

void Flattener::system(std::uint32_t el) {
  const auto& nodes = tree_->nodes;
  for (std::uint32_t c = nodes[el].first; c != kNone; c = nodes[c].next) {
    const Node& child = nodes[c];
    if (child.kind != Node::Element) continue;
    for (std::uint32_t a = child.attrs; a != kNone; a = nodes[a].next) {
      const Node& an = nodes[a];
      Value v = value(an.first, false);
      if (v.type == ValueType::Null) continue;
      const std::uint64_t key = kAttrKey | (static_cast<std::uint64_t>(child.name) << 32) | an.name;
      const FieldId id = cache_->field_for_key(key, [&] {
        std::string n(cache_->name(child.name));
        n += '_';
        n += cache_->name(an.name);
        return n;
      });
      if (!have_time_ && cache_->name(child.name) == "TimeCreated" &&
          cache_->name(an.name) == "SystemTime") {
        // FILETIME and SYSTEMTIME values arrive as times; some writers store the text.
        if (v.type == ValueType::Time) {
          time_ns_ = v.i;
          have_time_ = true;
        } else if (v.type == ValueType::String) {
          have_time_ = parse_iso_time(v.text, time_ns_);
        }
      }
      ev_->add(id, v);
    }
    bool has_elem = false;
    for (std::uint32_t g = child.first; g != kNone; g = nodes[g].next)
      if (nodes[g].kind == Node::Element) has_elem = true;
    if (has_elem) {
      leaves(c, 1);
      continue;
    }
    Value v = value(child.first, false);
    if (v.type == ValueType::Null && child.attrs != kNone) continue;  // attributes carry it
    if (!have_record_id_ && (v.type == ValueType::UInt || v.type == ValueType::Int) &&
        cache_->name(child.name) == "EventRecordID") {
      record_id_ = v.u;
      have_record_id_ = true;
    }
    ev_->add(cache_->field(child.name), v);
  }
}

FieldId Flattener::data_name_field(std::uint32_t attr) {
  const auto& nodes = tree_->nodes;
  const Node& a = nodes[attr];
  // A literal Name (template text) has a stable chunk offset: cache by it.
  if (a.first != kNone && a.first == a.last && nodes[a.first].kind == Node::Value &&
      nodes[a.first].key != kNone) {
    const Node& t = nodes[a.first];
    return cache_->field_for_key(kDataKey | t.key, [&] {
      std::string n;
      append_value_text(n, t.vtype, t.data, t.size, false);
      return n;
    });
  }
  Value v = value(a.first, false);
  return field_id(v.text);
}

void Flattener::section(std::uint32_t el) {
  const auto& nodes = tree_->nodes;
  unnamed_.clear();
  for (std::uint32_t c = nodes[el].first; c != kNone; c = nodes[c].next) {
    const Node& child = nodes[c];
    if (child.kind != Node::Element) continue;
    if (cache_->flags(child.name) & ChunkCache::kData) {
      std::uint32_t name_attr = kNone;
      for (std::uint32_t a = child.attrs; a != kNone; a = nodes[a].next)
        if (cache_->flags(nodes[a].name) & ChunkCache::kName) name_attr = a;
      if (name_attr != kNone) {
        bool named = false;
        for (std::uint32_t v = nodes[name_attr].first; v != kNone; v = nodes[v].next)
          if (is_content(nodes[v])) named = true;
        if (named) {
          const FieldId id = data_name_field(name_attr);
          ev_->add(id, value(child.first, true));
          continue;
        }
      }
      Value v = value(child.first, true);
      if (v.type == ValueType::Array) {
        for (const Value& item : ev_->elements(v)) unnamed_.push_back(item);
      } else {
        unnamed_.push_back(v);
      }
      continue;
    }
    leaves(c, 1);
  }
  if (!unnamed_.empty()) {
    Value arr;
    arr.type = ValueType::Array;
    arr.count = static_cast<std::uint32_t>(unnamed_.size());
    for (std::size_t i = 0; i < unnamed_.size(); ++i) {
      const std::uint32_t idx = ev_->add_element(unnamed_[i]);
      if (i == 0) arr.first = idx;
    }
    static const FieldId kData = field_id("Data");
    ev_->add(kData, arr);
  }
}

void Flattener::leaves(std::uint32_t el, int depth) {
  if (depth > kMaxLeafDepth) return;
  const auto& nodes = tree_->nodes;
  bool has_elem = false;
  for (std::uint32_t c = nodes[el].first; c != kNone; c = nodes[c].next) {
    if (nodes[c].kind == Node::Element) {
      has_elem = true;
      leaves(c, depth + 1);
    }
  }
  if (has_elem) return;
  ev_->add(cache_->field(nodes[el].name), value(nodes[el].first, false));
}

}  // namespace tansa::evtx
