#include "formats/windows_json.h"

#include <simdjson.h>

#include <algorithm>
#include <string>

#include "formats/json_value.h"

namespace tansa::formats {

namespace {

namespace dom = simdjson::dom;
constexpr int kMaxDepth = 32;

class Builder {
 public:
  explicit Builder(Event& ev) : ev_(ev) {}

  bool scalar(dom::element v, Value& out) { return json_scalar(v, ev_, out); }

  // An array of scalars as an Array value (nested containers are skipped).
  Value array(dom::array a) {
    Value arr;
    arr.type = ValueType::Array;
    for (dom::element item : a) {
      Value v;
      if (!scalar(item, v)) continue;
      const std::uint32_t idx = ev_.add_element(v);
      if (arr.count == 0) arr.first = idx;
      ++arr.count;
    }
    return arr;
  }

  void add(std::string_view name, dom::element v) {
    Value out;
    if (scalar(v, out)) {
      ev_.add(field_id(name), out);
    } else if (v.type() == dom::element_type::ARRAY) {
      ev_.add(field_id(name), array(v.get_array().value_unsafe()));
    }
  }

  // System: children by name, attributes as Element_Attribute, "#text" as the element's value.
  void system(dom::object sys) {
    for (auto [key, v] : sys) {
      if (v.type() == dom::element_type::NULL_VALUE) continue;  // as the EVTX reader: no field
      if (v.type() != dom::element_type::OBJECT) {
        add(key, v);
        continue;
      }
      dom::object o = v.get_object().value_unsafe();
      dom::object attrs;
      if (o["#attributes"].get(attrs) == simdjson::SUCCESS) {
        for (auto [attr, av] : attrs) {
          name_.assign(key).append("_").append(attr);
          add(name_, av);
        }
      }
      dom::element text;
      if (o["#text"].get(text) == simdjson::SUCCESS) add(key, text);
      for (auto [child, cv] : o)
        if (child != "#attributes" && child != "#text") leaves(child, cv, 1);
    }
  }

  // EventData and the like: members by name; "Data" with "#text" is the unnamed Data array.
  void section(dom::object sec) {
    for (auto [key, v] : sec) {
      if (key == "#attributes") continue;
      if (v.type() == dom::element_type::OBJECT) {
        dom::object o = v.get_object().value_unsafe();
        dom::element text;
        if (o["#text"].get(text) == simdjson::SUCCESS) {
          add(key, text);
          continue;
        }
      }
      leaves(key, v, 1);
    }
  }

  // Nested objects (UserData) contribute their leaves by name.
  void leaves(std::string_view key, dom::element v, int depth) {
    if (depth > kMaxDepth) return;
    if (v.type() != dom::element_type::OBJECT) {
      add(key, v);
      return;
    }
    const dom::object o = v.get_object().value_unsafe();  // a named object outlives the loop
    for (auto [child, cv] : o)
      if (child != "#attributes") leaves(child, cv, depth + 1);
  }

 private:
  Event& ev_;
  std::string name_;
};

}  // namespace

bool looks_like_windows_json(std::string_view head) {
  std::size_t i = head.find_first_not_of(" \t\r\n\xef\xbb\xbf[");
  if (i == std::string_view::npos || head[i] != '{') return false;
  std::size_t ev = head.find("\"Event\"", i);
  return ev != std::string_view::npos && head.find("\"System\"", ev) != std::string_view::npos;
}

WindowsJsonStats read_windows_json(std::string_view text, const std::string& name,
                                   std::uint32_t file_index,
                                   const std::function<void(const Event&)>& emit,
                                   const DiagnosticSink& diag, std::uint64_t first_ordinal) {
  WindowsJsonStats stats;
  static const FieldId kTime = field_id("TimeCreated_SystemTime");
  static const FieldId kRecord = field_id("EventRecordID");
  Event ev;
  std::uint64_t ordinal = first_ordinal;

  auto one = [&](dom::element doc) {
    ++ordinal;
    dom::object event;
    if (doc["Event"].get(event) != simdjson::SUCCESS) {
      ++stats.skipped;
      if (diag)
        diag(Diagnostic{name, Diagnostic::Where::None, 0,
                        "document " + std::to_string(ordinal) + " has no Event object; skipped"});
      return;
    }
    ev.clear();
    Builder b(ev);
    for (auto [section, v] : event) {
      if (section == "#attributes" || v.type() != dom::element_type::OBJECT) continue;
      if (section == "System")
        b.system(v.get_object().value_unsafe());
      else
        b.section(v.get_object().value_unsafe());
    }
    if (const Value* t = ev.get(kTime)) (void)parse_iso_time(t->text, ev.time_ns);
    const Value* rid = ev.get(kRecord);
    if (rid && (rid->type == ValueType::Int || rid->type == ValueType::UInt))
      ev.source = SourceRef{file_index, SourceRef::Kind::Record, rid->u};
    else
      ev.source = SourceRef{file_index, SourceRef::Kind::Offset, ordinal};
    ++stats.events;
    emit(ev);
  };

  dom::parser parser;
  std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text.substr(first, 3) == "\xef\xbb\xbf") first += 3;
  if (first == std::string_view::npos || first >= text.size()) return stats;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; a mapped file gives no such
  // guarantee, so the documents are copied into a padded buffer.
  const simdjson::padded_string padded(text.substr(first));
  text = std::string_view(padded.data(), padded.size());
  const std::size_t base = first;
  first = 0;
  if (text[first] == '[') {
    dom::element root;
    if (auto err = parser.parse(text.data(), text.size(), false).get(root); err) {
      if (diag)
        diag(Diagnostic{name, Diagnostic::Where::Offset, base, simdjson::error_message(err)});
      return stats;
    }
    dom::array arr;
    if (root.get(arr) == simdjson::SUCCESS)
      for (dom::element doc : arr) one(doc);
    return stats;
  }
  // Concatenated documents (one per line or pretty-printed). The batch must hold the largest
  // document; a Windows event is far below 16 MiB, and larger ones are reported, not read.
  dom::document_stream stream;
  if (auto err = parser
                     .parse_many(text.data(), text.size(),
                                 std::clamp<std::size_t>(text.size() + 1, 4096, 16u << 20))
                     .get(stream);
      err) {
    if (diag) diag(Diagnostic{name, Diagnostic::Where::Offset, base, simdjson::error_message(err)});
    return stats;
  }
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    dom::element doc;
    if (auto err = (*it).get(doc); err) {
      if (diag)
        diag(Diagnostic{name, Diagnostic::Where::Offset, base + it.current_index(),
                        simdjson::error_message(err)});
      break;  // simdjson cannot resynchronise inside a broken stream
    }
    one(doc);
  }
  if (stream.truncated_bytes() > 0 && diag)
    diag(Diagnostic{name, Diagnostic::Where::Offset, base + text.size() - stream.truncated_bytes(),
                    "incomplete JSON document at the end; skipped"});
  return stats;
}

}  // namespace tansa::formats
