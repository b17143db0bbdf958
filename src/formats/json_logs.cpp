#include "formats/json_logs.h"

#include <simdjson.h>

#include <charconv>
#include <filesystem>
#include <map>
#include <vector>

#include "formats/json_value.h"

namespace tansa::formats {

namespace {

namespace dom = simdjson::dom;
constexpr int kMaxDepth = 64;
constexpr std::size_t kMaxLine = std::size_t{64} << 20;

class Flattener {
 public:
  explicit Flattener(Event& e) : e_(e) {}

  bool too_deep = false;

  void object(dom::object o, int depth) {
    for (auto [k, v] : o) {
      const std::size_t mark = path_.size();
      if (!path_.empty()) path_ += '.';
      path_.append(k.data(), k.size());
      value(v, depth + 1);
      path_.resize(mark);
    }
  }

 private:
  bool scalar(dom::element v, Value& out) { return json_scalar(v, e_, out); }

  void value(dom::element v, int depth) {
    if (depth > kMaxDepth) {
      too_deep = true;
      return;
    }
    if (v.type() == dom::element_type::OBJECT) {
      object(dom::object(v), depth);
    } else if (v.type() == dom::element_type::ARRAY) {
      array(dom::array(v), depth);
    } else {
      Value s;
      if (scalar(v, s)) e_.add(field_id(path_), s);
    }
  }

  // Leaves of an object inside an array, by relative path.
  void leaves(dom::element v, std::string& rel, std::vector<std::pair<std::string, Value>>& out,
              int depth) {
    if (depth > kMaxDepth) {
      too_deep = true;
      return;
    }
    if (v.type() == dom::element_type::OBJECT) {
      for (auto [k, x] : dom::object(v)) {
        const std::size_t mark = rel.size();
        if (!rel.empty()) rel += '.';
        rel.append(k.data(), k.size());
        leaves(x, rel, out, depth + 1);
        rel.resize(mark);
      }
    } else if (v.type() == dom::element_type::ARRAY) {
      for (dom::element x : dom::array(v)) leaves(x, rel, out, depth + 1);
    } else {
      Value s;
      if (scalar(v, s)) out.emplace_back(rel, s);
    }
  }

  void array(dom::array a, int depth) {
    bool all_scalar = true;
    for (dom::element x : a)
      all_scalar = all_scalar && x.type() != dom::element_type::OBJECT &&
                   x.type() != dom::element_type::ARRAY;
    if (all_scalar) {
      Value arr;
      arr.type = ValueType::Array;
      for (dom::element x : a) {
        Value s;
        if (!scalar(x, s)) continue;
        const std::uint32_t idx = e_.add_element(s);
        if (arr.count++ == 0) arr.first = idx;
      }
      e_.add(field_id(path_), arr);
      return;
    }
    // Objects: each leaf path gathers its values into one Array; Name/Value pairs also become
    // fields of their own (M365 Parameters: [{"Name": "Identity", "Value": "x"}] ->
    // Parameters.Identity).
    std::vector<std::pair<std::string, Value>> all;
    std::string rel;
    for (dom::element x : a) {
      std::vector<std::pair<std::string, Value>> one;
      leaves(x, rel, one, depth + 1);
      const Value* name = nullptr;
      const Value* val = nullptr;
      for (const auto& [p, v] : one) {
        if (p == "Name" || p == "name" || p == "Key" || p == "key") name = &v;
        if (p == "Value" || p == "value" || p == "NewValue") val = &v;
      }
      if (name && val && !name->text.empty()) {
        std::string full = path_ + "." + std::string(name->text);
        e_.add(field_id(full), *val);
      }
      for (auto& kv : one) all.push_back(std::move(kv));
    }
    std::map<std::string, std::vector<Value>> grouped;
    std::vector<std::string> order;
    for (auto& [p, v] : all) {
      auto [it, added] = grouped.try_emplace(p);
      if (added) order.push_back(p);
      it->second.push_back(v);
    }
    for (const auto& p : order) {
      Value arr;
      arr.type = ValueType::Array;
      for (const Value& v : grouped[p]) {
        const std::uint32_t idx = e_.add_element(v);
        if (arr.count++ == 0) arr.first = idx;
      }
      e_.add(field_id(p.empty() ? path_ : path_ + "." + p), arr);
    }
  }

  Event& e_;
  std::string path_;
};

const Value* get(const Event& e, const char* name) {
  return e.get(field_id(name));
}

bool epoch_ns(const Value& v, std::int64_t& ns) {
  // Integers stay exact: seconds, or milliseconds past the year 2001 in seconds.
  if (v.type == ValueType::Int || v.type == ValueType::UInt) {
    const std::int64_t i = v.type == ValueType::Int ? v.i : static_cast<std::int64_t>(v.u);
    if (i <= 0) return false;
    ns = i > 1000000000000LL ? i * 1000000LL : i * 1000000000LL;
    return true;
  }
  double d = 0;
  if (v.type == ValueType::Int)
    d = static_cast<double>(v.i);
  else if (v.type == ValueType::UInt)
    d = static_cast<double>(v.u);
  else if (v.type == ValueType::Double)
    d = v.d;
  else {
    auto r = std::from_chars(v.text.data(), v.text.data() + v.text.size(), d);
    if (r.ec != std::errc() || r.ptr != v.text.data() + v.text.size()) return false;
  }
  if (d <= 0) return false;
  if (d > 1e12) d /= 1000.0;       // milliseconds
  if (!(d < 9.2e9)) return false;  // nanoseconds past 2262 do not fit 64 bits (and NaN is no time)
  ns = static_cast<std::int64_t>(d * 1e9);
  return true;
}

void finish_event(Event& e, const JsonLogsOptions& opt) {
  static const char* kTimeKeys[] = {
      "@timestamp",      "timestamp", "time", "eventTime", "CreationTime", "TimeGenerated",
      "createdDateTime", "published", "ts",   "date",      "datetime"};
  for (const char* k : kTimeKeys) {
    const Value* v = get(e, k);
    if (!v) continue;
    std::int64_t ns;
    if ((v->type == ValueType::String && parse_iso_time(v->text, ns)) ||
        (v->type != ValueType::String && epoch_ns(*v, ns)) ||
        (v->type == ValueType::String && std::string_view(k) == "ts" && epoch_ns(*v, ns))) {
      e.time_ns = ns;
      break;
    }
  }
  static const FieldId kHost = field_id("host");
  const bool has_host = e.get(kHost) != nullptr;
  auto set_host = [&](const char* from) {
    if (has_host) return;
    if (const Value* v = get(e, from); v && !v->text.empty()) e.add_string(kHost, v->text);
  };
  if (get(e, "eventSource") && get(e, "eventName") &&
      (get(e, "awsRegion") || get(e, "eventVersion"))) {
    e.logsource = {"aws", {}, "cloudtrail"};
    set_host("eventSource");
  } else if (get(e, "CreationTime") && get(e, "Operation") &&
             (get(e, "Workload") || get(e, "RecordType"))) {
    const Value* w = get(e, "Workload");
    const std::string_view wl = w ? w->text : std::string_view();
    e.logsource = {"m365",
                   {},
                   wl == "Exchange"             ? "exchange"
                   : wl == "ThreatIntelligence" ? "threat_management"
                                                : "audit"};
    set_host("Workload");
  } else if (get(e, "protoPayload.methodName") || get(e, "protoPayload.serviceName")) {
    e.logsource = {"gcp", {}, "gcp.audit"};
    set_host("protoPayload.serviceName");
  } else if (get(e, "eventType") && (get(e, "actor.alternateId") || get(e, "actor.id"))) {
    e.logsource = {"okta", {}, "okta"};
    set_host("client.ipAddress");
  } else if (get(e, "operationName") && get(e, "category")) {
    const std::string_view c = get(e, "category")->text;
    e.logsource = {"azure",
                   {},
                   c == "SignInLogs" || c == "NonInteractiveUserSignInLogs" ? "signinlogs"
                   : c == "AuditLogs"                                       ? "auditlogs"
                   : c == "RiskyUsers" || c == "UserRiskEvents"             ? "riskdetection"
                                                                            : "activitylogs"};
  } else if (get(e, "ts") && (get(e, "uid") || get(e, "id.orig_h"))) {
    const Value* p = get(e, "_path");
    e.logsource = {"zeek", {}, e.store(p ? p->text : std::string_view(opt.zeek_path_hint))};
    set_host("id.orig_h");
  }
  for (const char* k :
       {"hostname", "host.name", "Computer", "ComputerName", "DeviceName", "dvchost"})
    set_host(k);
}

bool one_object(dom::element doc, const JsonLogsOptions& opt, Event& e, std::string& error) {
  e.clear();
  if (doc.type() != dom::element_type::OBJECT) {
    error = "not a JSON object";
    return false;
  }
  Flattener f(e);
  f.object(dom::object(doc), 0);
  if (f.too_deep) {
    error = "nested deeper than 64 levels; skipped";
    return false;
  }
  finish_event(e, opt);
  return true;
}

// With the caller's parser, which keeps its buffers from one object to the next.
bool parse_one(dom::parser& parser, std::string_view text, const JsonLogsOptions& options,
               Event& out, std::string& error) {
  const simdjson::padded_string padded(text);
  dom::element doc;
  if (auto err = parser.parse(padded).get(doc); err) {
    error = simdjson::error_message(err);
    return false;
  }
  return one_object(doc, options, out, error);
}

}  // namespace

bool parse_json_object(std::string_view text, const JsonLogsOptions& options, Event& out,
                       std::string& error) {
  dom::parser parser;
  return parse_one(parser, text, options, out, error);
}

struct JsonObjectParser::Impl {
  dom::parser parser;
};
JsonObjectParser::JsonObjectParser() : impl_(std::make_unique<Impl>()) {}
JsonObjectParser::~JsonObjectParser() = default;
bool JsonObjectParser::parse(std::string_view text, const JsonLogsOptions& options, Event& out,
                             std::string& error) {
  return parse_one(impl_->parser, text, options, out, error);
}

namespace {

// Walks a JSON document as it streams in and hands over the records it holds, each as its own
// text: the elements of a top-level array, the elements of a top-level object's "Records" array
// (CloudTrail, and Azure's exports), or else each top-level object whole. Only what is still
// needed stays in the buffer: the current element, or an object until it is known to hold no
// Records. Strings are skipped with their escapes, so brackets inside them do not count.
class DocumentStream {
 public:
  DocumentStream(std::string& buf, std::size_t pos, std::function<bool()> more)
      : buf_(buf), pos_(pos), more_(std::move(more)) {}

  // Calls deliver(text, offset) per record; returns what stopped it early ("" at a clean end).
  template <typename Deliver>
  std::string run(std::size_t max_record, Deliver&& deliver) {
    max_ = max_record;
    while (true) {
      const int c = next_non_space();
      if (c < 0) return {};
      if (c == ',') {
        ++pos_;
        continue;
      }
      if (c == '[') {
        ++pos_;
        if (auto bad = array(deliver); !bad.empty()) return bad;
        continue;
      }
      if (c != '{') return "not valid JSON: a record should start here";
      if (auto bad = object(deliver); !bad.empty()) return bad;
    }
  }

  // The stream offset of the scanner (for diagnostics).
  [[nodiscard]] std::uint64_t offset() const { return base_ + pos_; }

 private:
  static constexpr std::size_t kNone = std::string::npos;

  // More bytes; drops what is before the kept mark (or the scanner) when that is worth it.
  bool fill() {
    const std::size_t keep = mark_ == kNone ? pos_ : std::min(mark_, pos_);
    if (keep > (std::size_t{1} << 20) && keep * 2 > buf_.size()) {
      buf_.erase(0, keep);
      base_ += keep;
      pos_ -= keep;
      if (mark_ != kNone) mark_ -= keep;
    }
    return more_();
  }
  // The byte at the scanner; filling may move the buffer, so pos_ is read again after it.
  int at_pos() {
    while (pos_ >= buf_.size())
      if (!fill()) return -1;
    return static_cast<unsigned char>(buf_[pos_]);
  }
  int next_non_space() {
    while (true) {
      const int c = at_pos();
      if (c < 0) return -1;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return c;
      ++pos_;
    }
  }
  // From pos_ at a value's first byte to just past it. "" or why it cannot.
  std::string skip_value() {
    int c = at_pos();
    if (c == '"') return skip_string();
    if (c != '{' && c != '[') {  // a number, true, false or null
      while ((c = at_pos()) >= 0 && c != ',' && c != '}' && c != ']' && c != ' ' && c != '\n' &&
             c != '\r' && c != '\t')
        ++pos_;
      return {};
    }
    int depth = 0;
    while ((c = at_pos()) >= 0) {
      if (mark_ != kNone && pos_ - mark_ > max_) return "record larger than the bound";
      if (c == '"') {
        if (auto bad = skip_string(); !bad.empty()) return bad;
        continue;
      }
      ++pos_;
      if (c == '{' || c == '[') {
        if (++depth > 256) return "nested deeper than 256 levels";
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return {};
      }
    }
    return "truncated JSON document";
  }
  std::string skip_string() {
    ++pos_;  // the opening quote
    int c;
    while ((c = at_pos()) >= 0) {
      ++pos_;
      if (c == '\\') {
        if (at_pos() < 0) break;
        ++pos_;
      } else if (c == '"') {
        return {};
      }
    }
    return "truncated JSON document";
  }
  // Elements of an array whose '[' was just passed, each delivered.
  template <typename Deliver>
  std::string array(Deliver& deliver) {
    while (true) {
      const int c = next_non_space();
      if (c < 0) return "truncated JSON document";
      if (c == ']') {
        ++pos_;
        return {};
      }
      if (c == ',') {
        ++pos_;
        continue;
      }
      mark_ = pos_;
      const std::uint64_t offset = base_ + pos_;
      if (auto bad = skip_value(); !bad.empty()) return bad;
      deliver(std::string_view(buf_).substr(mark_, pos_ - mark_), offset);
      mark_ = kNone;
    }
  }
  // A top-level object: its Records array's elements, or the object itself.
  template <typename Deliver>
  std::string object(Deliver& deliver) {
    mark_ = pos_;
    const std::uint64_t offset = base_ + pos_;
    bool streamed = false;
    ++pos_;  // '{'
    while (true) {
      int c = next_non_space();
      if (c < 0) return "truncated JSON document";
      if (c == ',') {
        ++pos_;
        continue;
      }
      if (c == '}') {
        ++pos_;
        if (!streamed) deliver(std::string_view(buf_).substr(mark_, pos_ - mark_), offset);
        mark_ = kNone;
        return {};
      }
      if (c != '"') return "not valid JSON: a key should start here";
      // The key stays in the buffer while it is read (a mark of its own once nothing else is kept).
      const bool own_mark = mark_ == kNone;
      if (own_mark) mark_ = pos_;
      const std::uint64_t key_at = base_ + pos_ + 1;
      if (auto bad = skip_string(); !bad.empty()) return bad;
      const std::size_t key_start = static_cast<std::size_t>(key_at - base_);
      const bool records =
          std::string_view(buf_).substr(key_start, pos_ - 1 - key_start) == "Records";
      if (own_mark) mark_ = kNone;
      if ((c = next_non_space()) != ':') return "not valid JSON: ':' expected";
      ++pos_;
      c = next_non_space();
      if (c < 0) return "truncated JSON document";
      if (records && c == '[' && !streamed) {
        streamed = true;  // the object's other members are not records: skipped, not kept
        mark_ = kNone;
        ++pos_;
        if (auto bad = array(deliver); !bad.empty()) return bad;
        continue;
      }
      if (streamed) {
        if (auto bad = skip_value(); !bad.empty()) return bad;
        continue;
      }
      if (pos_ - mark_ > max_) return "JSON object larger than the bound";
      if (auto bad = skip_value(); !bad.empty()) return bad;
    }
  }

  std::string& buf_;
  std::size_t pos_;
  std::function<bool()> more_;
  std::size_t mark_ = kNone;
  std::uint64_t base_ = 0;
  std::size_t max_ = 0;
};

}  // namespace

TextReadStats read_json_logs(io::ByteSource& src, const std::string& name, std::uint32_t file_index,
                             const JsonLogsOptions& opt,
                             const std::function<void(const Event&)>& emit,
                             const DiagnosticSink& diag) {
  TextReadStats stats;
  Event e;
  dom::parser parser;  // this file's; its buffers are reused for every object
  std::string error;
  std::string buf;
  std::vector<char> block(1 << 16);
  bool eof = false;
  auto more = [&] {
    if (eof) return false;
    auto n = src.read(block);
    if (!n) {
      if (diag) diag(Diagnostic{name, Diagnostic::Where::Offset, src.consumed(), n.error()});
      eof = true;
      return false;
    }
    if (*n == 0) {
      eof = true;
      return false;
    }
    buf.append(block.data(), *n);
    return true;
  };
  while (buf.size() < 4096 && more()) {
  }
  std::size_t first = 0;
  if (std::string_view(buf).starts_with("\xef\xbb\xbf")) first = 3;
  first = buf.find_first_not_of(" \t\r\n", first);
  if (first == std::string::npos) return stats;

  // One object per line when the first line is a whole object.
  bool lines = false;
  if (buf[first] == '{') {
    std::size_t nl = buf.find('\n', first);
    while (nl == std::string::npos && buf.size() < kMaxLine && more()) nl = buf.find('\n', first);
    if (nl != std::string::npos) {
      std::string_view l(buf.data() + first, nl - first);
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ')) l.remove_suffix(1);
      lines = !l.empty() && l.back() == '}' && parse_one(parser, l, opt, e, error);
    }
  }
  if (lines) {
    std::uint64_t line_no = 0;
    std::size_t pos = 0;
    std::uint64_t reported = 0;
    while (true) {
      const std::size_t nl = buf.find('\n', pos);
      if (nl == std::string::npos) {
        buf.erase(0, pos);
        pos = 0;
        if (buf.size() > kMaxLine) {
          ++line_no;
          if (diag)
            diag(Diagnostic{name, Diagnostic::Where::Line, line_no,
                            "line longer than 64 MiB; skipped"});
          buf.clear();
          // drop the rest of the line
          while (more()) {
            const std::size_t k = buf.find('\n');
            if (k != std::string::npos) {
              buf.erase(0, k + 1);
              break;
            }
            buf.clear();
          }
          continue;
        }
        if (more()) continue;
        if (buf.empty()) break;
        buf += '\n';  // last line without a newline
        continue;
      }
      ++line_no;
      std::string_view l(buf.data() + pos, nl - pos);
      pos = nl + 1;
      while (!l.empty() && (l.back() == '\r' || l.back() == ' ' || l.back() == '\t'))
        l.remove_suffix(1);
      if (l.empty()) continue;
      if (!parse_one(parser, l, opt, e, error)) {
        ++stats.skipped;
        if (diag && ++reported <= 100)
          diag(Diagnostic{name, Diagnostic::Where::Line, line_no, error + "; skipped"});
        continue;
      }
      e.source = SourceRef{file_index, SourceRef::Kind::Line, line_no};
      emit(e);
      ++stats.events;
    }
    return stats;
  }

  // A whole document: an array, CloudTrail's {"Records": [...]}, or objects one after another,
  // streamed element by element: memory holds one element (or one object without Records), not
  // the document.
  DocumentStream doc(buf, first, more);
  std::uint64_t index = 0, reported = 0;
  auto deliver = [&](std::string_view text, std::uint64_t offset) {
    ++index;
    if (!parse_one(parser, text, opt, e, error)) {
      ++stats.skipped;
      if (diag && ++reported <= 100)
        diag(Diagnostic{name, Diagnostic::Where::Offset, offset,
                        "record " + std::to_string(index) + ": " + error + "; skipped"});
      return;
    }
    e.source = SourceRef{file_index, SourceRef::Kind::Record, index};
    emit(e);
    ++stats.events;
  };
  if (auto bad = doc.run(opt.max_document_bytes, deliver); !bad.empty() && diag)
    diag(Diagnostic{name, Diagnostic::Where::Offset, doc.offset(), bad});
  return stats;
}

bool looks_like_json_logs(std::string_view head) {
  std::size_t i = 0;
  if (head.starts_with("\xef\xbb\xbf")) i = 3;
  i = head.find_first_not_of(" \t\r\n", i);
  if (i == std::string_view::npos) return false;
  if (head[i] != '{' && head[i] != '[') return false;
  const std::size_t q = head.find_first_not_of(" \t\r\n[", i);
  return q != std::string_view::npos && head[q] == '{';
}

std::string zeek_path_from_filename(const std::string& path) {
  const std::string base = std::filesystem::path(path).filename().string();
  const auto dot = base.find('.');
  if (dot == std::string::npos || dot == 0) return {};
  if (base.find(".log") == std::string::npos) return {};
  return base.substr(0, dot);
}

}  // namespace tansa::formats
