#include "formats/zeek.h"

#include <charconv>
#include <memory>
#include <string>
#include <vector>

namespace tansa::formats {

namespace {

enum class Kind : std::uint8_t { String, Time, Int, UInt, Double, Bool, Container };

Kind kind_of(std::string_view t) {
  if (t == "time") return Kind::Time;
  if (t == "int") return Kind::Int;
  if (t == "count" || t == "port") return Kind::UInt;
  if (t == "interval" || t == "double") return Kind::Double;
  if (t == "bool") return Kind::Bool;
  if (t.starts_with("set[") || t.starts_with("vector[")) return Kind::Container;
  return Kind::String;
}

// "\x09" -> tab, as Zeek writes the separator in the header.
std::string unescape(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() + 0 && s[i + 1] == 'x') {
      int v = 0;
      auto r = std::from_chars(s.data() + i + 2, s.data() + i + 4, v, 16);
      if (r.ec == std::errc() && r.ptr == s.data() + i + 4) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

struct Header {
  std::string separator = "\t";
  std::string set_separator = ",";
  std::string empty = "(empty)";
  std::string unset = "-";
  std::string path;
  std::vector<FieldId> fields;
  std::vector<std::string> names;
  std::vector<Kind> kinds;
};

// An empty separator would match at every position without advancing; callers never pass one (the
// header reader replaces an empty separator with the default), and split refuses it as a last line
// of defence: the whole line is then one column.
void split(std::string_view line, std::string_view sep, std::vector<std::string_view>& out) {
  out.clear();
  if (sep.empty()) {
    out.push_back(line);
    return;
  }
  std::size_t pos = 0;
  while (true) {
    const std::size_t k = line.find(sep, pos);
    out.push_back(line.substr(pos, k == std::string_view::npos ? std::string_view::npos : k - pos));
    if (k == std::string_view::npos) break;
    pos = k + sep.size();
  }
}

bool scalar(std::string_view text, Kind kind, Event& e, Value& v) {
  v = Value{};
  v.text = e.store(text);
  switch (kind) {
    case Kind::Time:
    case Kind::Double: {
      double d = 0;
      auto r = std::from_chars(text.data(), text.data() + text.size(), d);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
      if (kind == Kind::Time) {
        // Seconds whose nanoseconds fit 64 bits (1677-2262); anything else is no time.
        if (!(d > -9.2e9 && d < 9.2e9)) return false;
        v.type = ValueType::Time;
        v.i = static_cast<std::int64_t>(d * 1e9);
      } else {
        v.type = ValueType::Double;
        v.d = d;
      }
      return true;
    }
    case Kind::Int: {
      auto r = std::from_chars(text.data(), text.data() + text.size(), v.i);
      v.type = ValueType::Int;
      return r.ec == std::errc() && r.ptr == text.data() + text.size();
    }
    case Kind::UInt: {
      auto r = std::from_chars(text.data(), text.data() + text.size(), v.u);
      v.type = ValueType::UInt;
      return r.ec == std::errc() && r.ptr == text.data() + text.size();
    }
    case Kind::Bool:
      v.type = ValueType::Bool;
      v.i = text == "T" ? 1 : 0;
      v.text = text == "T" ? "true" : "false";
      return text == "T" || text == "F";
    default:
      v.type = ValueType::String;
      return true;
  }
}

}  // namespace

struct ZeekTsvLines::State {
  Header h;
  std::vector<std::string_view> cols, parts;
};

ZeekTsvLines::ZeekTsvLines() : state_(std::make_unique<State>()) {}
ZeekTsvLines::~ZeekTsvLines() = default;
ZeekTsvLines::ZeekTsvLines(ZeekTsvLines&&) noexcept = default;
ZeekTsvLines& ZeekTsvLines::operator=(ZeekTsvLines&&) noexcept = default;

bool ZeekTsvLines::has_fields() const {
  return !state_->h.fields.empty();
}

ZeekTsvLines::Result ZeekTsvLines::take(std::string_view line, Event& e, std::string& why) {
  Header& h = state_->h;
  std::vector<std::string_view>& cols = state_->cols;
  std::vector<std::string_view>& parts = state_->parts;
  static const FieldId kHost = field_id("host");
  static const FieldId kOrig = field_id("id.orig_h");
  if (line.empty()) return Result::Header;
  if (line[0] == '#') {
    const std::size_t sp = line.find_first_of(" \t");
    const std::string_view key = line.substr(0, sp);
    const std::string_view rest =
        sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
    if (key == "#separator") {
      h.separator = unescape(rest);
      if (h.separator.empty()) h.separator = "\t";
    } else if (key == "#set_separator") {
      split(rest, h.separator, parts);
      h.set_separator = unescape(parts[0]);
      if (h.set_separator.empty()) h.set_separator = ",";
    } else if (key == "#empty_field") {
      split(rest, h.separator, parts);
      h.empty = std::string(parts[0]);
    } else if (key == "#unset_field") {
      split(rest, h.separator, parts);
      h.unset = std::string(parts[0]);
    } else if (key == "#path") {
      split(rest, h.separator, parts);
      h.path = std::string(parts[0]);
    } else if (key == "#fields") {
      split(rest, h.separator, parts);
      h.fields.clear();
      h.names.clear();
      for (auto p : parts) {
        h.names.emplace_back(p);
        h.fields.push_back(field_id(p));
      }
      h.kinds.assign(h.fields.size(), Kind::String);
    } else if (key == "#types") {
      split(rest, h.separator, parts);
      for (std::size_t i = 0; i < parts.size() && i < h.kinds.size(); ++i)
        h.kinds[i] = kind_of(parts[i]);
    }
    return Result::Header;
  }
  if (h.fields.empty()) {
    why = "row before any #fields header; skipped";
    return Result::Skipped;
  }
  split(line, h.separator, cols);
  if (cols.size() != h.fields.size()) {
    why = "row has " + std::to_string(cols.size()) + " columns, the header " +
          std::to_string(h.fields.size()) + "; skipped";
    return Result::Skipped;
  }
  e.clear();
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const std::string_view c = cols[i];
    if (c == h.unset) continue;
    Value v;
    if (h.kinds[i] == Kind::Container) {
      Value arr;
      arr.type = ValueType::Array;
      if (c != h.empty) {
        split(c, h.set_separator, parts);
        for (auto p : parts) {
          Value el;
          el.type = ValueType::String;
          el.text = e.store(p);
          const std::uint32_t idx = e.add_element(el);
          if (arr.count++ == 0) arr.first = idx;
        }
      }
      e.add(h.fields[i], arr);
      continue;
    }
    if (c == h.empty) {
      e.add_string(h.fields[i], "");
      continue;
    }
    if (!scalar(c, h.kinds[i], e, v)) {
      why = "column " + h.names[i] + ": '" + std::string(c.substr(0, 64)) +
            "' is not a valid value; row skipped";
      return Result::Skipped;
    }
    e.add(h.fields[i], v);
    if (v.type == ValueType::Time && h.names[i] == "ts") e.time_ns = v.i;
  }
  if (const Value* o = e.get(kOrig)) e.add_string(kHost, o->text);
  e.logsource = {"zeek", {}, e.store(h.path)};
  return Result::Event;
}

TextReadStats read_zeek_tsv(io::LineReader& lines, const std::string& name,
                            std::uint32_t file_index, const std::function<void(const Event&)>& emit,
                            const DiagnosticSink& diag) {
  TextReadStats stats;
  ZeekTsvLines parser;
  Event e;
  std::string_view line;
  std::string why;
  std::uint64_t reported = 0;
  while (lines.next(line)) {
    switch (parser.take(line, e, why)) {
      case ZeekTsvLines::Result::Header:
        break;
      case ZeekTsvLines::Result::Skipped:
        ++stats.skipped;
        if (diag && ++reported <= 100)
          diag(Diagnostic{name, Diagnostic::Where::Line, lines.line_number(), why});
        break;
      case ZeekTsvLines::Result::Event:
        e.source = SourceRef{file_index, SourceRef::Kind::Line, lines.line_number()};
        emit(e);
        ++stats.events;
        break;
    }
  }
  if (diag && !lines.error().empty())
    diag(Diagnostic{name, Diagnostic::Where::None, 0, lines.error()});
  return stats;
}

bool looks_like_zeek_tsv(std::string_view head) {
  return head.starts_with("#separator ");
}

}  // namespace tansa::formats
