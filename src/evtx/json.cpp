#include "evtx/json.h"

#include "evtx/value.h"

namespace tansa::evtx {

namespace {
bool is_container_name(std::string_view n) {
  return n == "EventData" || n == "UserData";
}
}  // namespace

void JsonWriter::write(const Tree& tree, const ChunkCache& cache, std::string& out) {
  tree_ = &tree;
  cache_ = &cache;
  out_ = &out;
  counts_.clear();
  if (tree.root == kNone) {
    out += "{}";
    return;
  }
  const Node& root = tree.nodes[tree.root];
  out += "{\"";
  const std::string_view rn = name(root);
  append_json_escaped(out, rn.data(), rn.size());
  out += "\":";
  element_value(tree.root, is_container_name(rn));
  out += '}';
}

bool JsonWriter::has_content(std::uint32_t c) const {
  for (; c != kNone; c = tree_->nodes[c].next)
    if (is_content(tree_->nodes[c])) return true;
  return false;
}

std::pair<bool, bool> JsonWriter::layout(std::uint32_t el) const {
  bool text = false, elem = false;
  for (std::uint32_t c = tree_->nodes[el].first; c != kNone; c = tree_->nodes[c].next) {
    const Node& n = tree_->nodes[c];
    if (n.kind == Node::Element)
      elem = true;
    else if (is_content(n))
      text = true;
    if (text && elem) break;
  }
  return {text, elem};
}

bool JsonWriter::attrs_have_text(std::uint32_t el) const {
  for (std::uint32_t a = tree_->nodes[el].attrs; a != kNone; a = tree_->nodes[a].next)
    if (has_content(tree_->nodes[a].first)) return true;
  return false;
}

std::uint32_t JsonWriter::name_attr(std::uint32_t el) const {
  for (std::uint32_t a = tree_->nodes[el].attrs; a != kNone; a = tree_->nodes[a].next)
    if (cache_->flags(tree_->nodes[a].name) & ChunkCache::kName) return a;
  return kNone;
}

void JsonWriter::key(std::string_view n, unsigned suffix) {
  std::string& out = *out_;
  out += '"';
  append_json_escaped(out, n.data(), n.size());
  if (suffix) {
    out += '_';
    out += std::to_string(suffix);
  }
  out += "\":";
}

void JsonWriter::element_value(std::uint32_t el, bool container) {
  const Node& e = tree_->nodes[el];
  if (e.attrs == kNone && leaf_value(el, false)) return;
  const auto [text, elem] = layout(el);
  const bool attr_text = attrs_have_text(el);
  if (!elem && !text && !attr_text) {
    *out_ += "null";
  } else if (!elem && !attr_text) {
    content_value(e.first, false);
  } else {
    element_body(el, container, false, text);
  }
}

bool JsonWriter::leaf_value(std::uint32_t el, bool empty_as_string) {
  const Node& e = tree_->nodes[el];
  if (e.first == kNone || e.first != e.last) return false;
  const Node& c = tree_->nodes[e.first];
  if (c.kind != Node::Value) return false;
  std::string& out = *out_;
  if (value_is_empty(c.vtype, c.data, c.size)) {
    out += empty_as_string ? "\"\"" : "null";
    return true;
  }
  if (value_is_json_number(c.vtype, c.size)) {
    append_value_text(out, c.vtype, c.data, c.size, true);
    return true;
  }
  out += '"';
  append_value_text(out, c.vtype, c.data, c.size, true);
  out += '"';
  return true;
}

bool JsonWriter::as_number(std::uint32_t first, bool skip_elements) {
  const Node* single = nullptr;
  for (std::uint32_t c = first; c != kNone; c = tree_->nodes[c].next) {
    const Node& n = tree_->nodes[c];
    switch (n.kind) {
      case Node::Element:
        if (skip_elements) continue;
        return false;
      case Node::Value:
        if (skip_elements && value_is_empty(n.vtype, n.data, n.size)) continue;
        if (single) return false;
        single = &n;
        break;
      case Node::CData:
        if (n.size > 0 || !skip_elements) return false;
        break;
      case Node::CharRef:
      case Node::EntityRef:
        return false;
      default:  // processing instructions
        if (!skip_elements) {
          if (single) return false;
          single = &n;
        }
    }
  }
  if (!single || single->kind != Node::Value) return false;
  if (!value_is_json_number(single->vtype, single->size)) return false;
  append_value_text(*out_, single->vtype, single->data, single->size, true);
  return true;
}

void JsonWriter::text_content(std::uint32_t first) {
  std::string& out = *out_;
  for (std::uint32_t c = first; c != kNone; c = tree_->nodes[c].next) {
    const Node& n = tree_->nodes[c];
    switch (n.kind) {
      case Node::Value:
        append_value_text(out, n.vtype, n.data, n.size, true);
        break;
      case Node::CData:
        append_utf16(out, n.data, n.size / 2, true, false);
        break;
      case Node::CharRef: {
        const std::uint32_t cp = n.size;
        if (cp >= 0xD800 && cp <= 0xDFFF) {
          out += "&#" + std::to_string(cp) + ";";
        } else {
          std::uint8_t u16[2] = {static_cast<std::uint8_t>(cp), static_cast<std::uint8_t>(cp >> 8)};
          append_utf16(out, u16, 1, true, false);
        }
        break;
      }
      case Node::EntityRef: {
        const std::string_view e = name(n);
        if (const char ch = xml_entity_char(e); ch == '"')
          out += "\\\"";
        else if (ch)
          out += ch;
        else {
          out += '&';
          append_json_escaped(out, e.data(), e.size());
          out += ';';
        }
        break;
      }
      default:
        break;
    }
  }
}

void JsonWriter::content_value(std::uint32_t first, bool skip_elements) {
  if (as_number(first, skip_elements)) return;
  *out_ += '"';
  text_content(first);
  *out_ += '"';
}

bool JsonWriter::attrs_object(std::uint32_t el) {
  if (!attrs_have_text(el)) return false;
  std::string& out = *out_;
  out += "\"#attributes\":{";
  bool first = true;
  for (std::uint32_t a = tree_->nodes[el].attrs; a != kNone; a = tree_->nodes[a].next) {
    const Node& an = tree_->nodes[a];
    if (!has_content(an.first)) continue;
    if (!first) out += ',';
    first = false;
    key(name(an), 0);
    content_value(an.first, false);
  }
  out += '}';
  return true;
}

void JsonWriter::data_value(std::uint32_t el) {
  if (leaf_value(el, true)) return;
  const auto [text, elem] = layout(el);
  if (!text && !elem) {
    *out_ += "\"\"";
  } else if (elem) {
    element_body(el, false, true, text);
  } else {
    content_value(tree_->nodes[el].first, false);
  }
}

std::size_t JsonWriter::data_items(std::uint32_t d) const {
  // An array substitution repeats its <Data> once per item (MS-EVEN6 array expansion).
  const Node& e = tree_->nodes[d];
  if (e.first == kNone || e.first != e.last) return 1;
  const Node& v = tree_->nodes[e.first];
  if (v.kind != Node::Value || !(v.vtype & vt::kArray)) return 1;
  const std::size_t n = array_items(v.vtype, v.data, v.size);
  return n > 1 ? n : 1;
}

void JsonWriter::array_items_json(const Node& v) {
  std::string& out = *out_;
  bool first = true;
  for_each_item(v.vtype, v.data, v.size,
                [&](std::uint8_t t, const std::uint8_t* p, std::uint32_t n) {
                  if (!first) out += ',';
                  first = false;
                  if (value_is_json_number(t, n)) {
                    append_value_text(out, t, p, n, true);
                  } else {
                    out += '"';
                    append_value_text(out, t, p, n, true);
                    out += '"';
                  }
                });
}

void JsonWriter::element_body(std::uint32_t el, bool container, bool omit_attrs, bool has_text) {
  const auto& nodes = tree_->nodes;
  std::string& out = *out_;
  // One Data with a non-empty Name selects the named form; otherwise Data values are positional.
  bool named = false;
  std::size_t positional = 0;
  if (container) {
    for (std::uint32_t c = nodes[el].first; c != kNone; c = nodes[c].next) {
      if (nodes[c].kind != Node::Element || !(cache_->flags(nodes[c].name) & ChunkCache::kData))
        continue;
      positional += data_items(c);
      const std::uint32_t a = name_attr(c);
      if (a != kNone && has_content(nodes[a].first)) named = true;
    }
    if (named) positional = 0;
  }
  const std::size_t mark = counts_.size();
  out += '{';
  bool wrote = false;
  if (!omit_attrs && nodes[el].attrs != kNone && attrs_object(el)) wrote = true;
  if (has_text) {
    if (wrote) out += ',';
    wrote = true;
    out += "\"#text\":";
    content_value(nodes[el].first, true);
  }
  bool positional_done = false;
  for (std::uint32_t c = nodes[el].first; c != kNone; c = nodes[c].next) {
    const Node& child = nodes[c];
    if (child.kind != Node::Element) continue;
    const std::string_view cname = name(child);
    const std::uint8_t cflags = cache_->flags(child.name);
    if (container && (cflags & ChunkCache::kData)) {
      if (named) {
        const std::uint32_t a = name_attr(c);
        if (a == kNone || !has_content(nodes[a].first)) continue;
        if (wrote) out += ',';
        wrote = true;
        out += '"';
        text_content(nodes[a].first);
        out += "\":";
        data_value(c);
      } else if (!positional_done && positional > 0) {
        if (wrote) out += ',';
        wrote = true;
        positional_done = true;
        out += "\"Data\":{\"#text\":";
        if (positional == 1) {
          data_value(c);
        } else {
          out += '[';
          bool first = true;
          for (std::uint32_t d = c; d != kNone; d = nodes[d].next) {
            if (nodes[d].kind != Node::Element ||
                !(cache_->flags(nodes[d].name) & ChunkCache::kData))
              continue;
            if (!first) out += ',';
            first = false;
            if (data_items(d) > 1)
              array_items_json(nodes[nodes[d].first]);
            else
              data_value(d);
          }
          out += ']';
        }
        out += '}';
      }
      continue;
    }
    unsigned suffix = 0;
    bool found = false;
    const std::uint32_t canon = cache_->canonical(child.name);
    for (std::size_t i = mark; i < counts_.size(); ++i) {
      if (counts_[i].first == canon) {
        suffix = counts_[i].second++;
        found = true;
        break;
      }
    }
    if (!found) counts_.emplace_back(canon, 1);
    if (wrote) out += ',';
    wrote = true;
    if (!suffix && (cflags & ChunkCache::kPlain)) {
      out += '"';
      out.append(cname);
      out += "\":";
    } else {
      key(cname, suffix);
    }
    element_value(c, cflags & ChunkCache::kContainer);
  }
  out += '}';
  counts_.resize(mark);
}

}  // namespace tansa::evtx
