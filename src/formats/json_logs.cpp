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

  // A whole document: an array, CloudTrail's {"Records": [...]}, or objects one after another.
  while (more()) {
    if (buf.size() > opt.max_document_bytes) {
      if (diag)
        diag(Diagnostic{name, Diagnostic::Where::None, 0,
                        "JSON document larger than " +
                            std::to_string(opt.max_document_bytes >> 20) +
                            " MiB; write it as one object per line"});
      return stats;
    }
  }
  const simdjson::padded_string padded(std::string_view(buf).substr(first));
  buf.clear();
  buf.shrink_to_fit();
  std::uint64_t index = 0;
  auto deliver = [&](dom::element x) {
    ++index;
    if (!one_object(x, opt, e, error)) {
      ++stats.skipped;
      if (diag)
        diag(Diagnostic{name, Diagnostic::Where::None, 0,
                        "record " + std::to_string(index) + ": " + error});
      return;
    }
    e.source = SourceRef{file_index, SourceRef::Kind::Record, index};
    emit(e);
    ++stats.events;
  };
  dom::element doc;
  if (parser.parse(padded).get(doc) == simdjson::SUCCESS) {
    dom::array records;
    if (doc.type() == dom::element_type::ARRAY) {
      for (dom::element x : dom::array(doc)) deliver(x);
    } else if (doc["Records"].get(records) == simdjson::SUCCESS) {
      for (dom::element x : records) deliver(x);
    } else {
      deliver(doc);
    }
    return stats;
  }
  // Objects one after another (pretty-printed exports).
  dom::document_stream stream;
  if (parser.parse_many(padded.data(), padded.size(), std::max<std::size_t>(padded.size(), 1 << 20))
          .get(stream) != simdjson::SUCCESS) {
    if (diag) diag(Diagnostic{name, Diagnostic::Where::None, 0, "not valid JSON"});
    return stats;
  }
  for (auto it = stream.begin(); it != stream.end(); ++it) {
    dom::element x;
    if (auto err = (*it).get(x); err) {
      if (diag)
        diag(Diagnostic{name, Diagnostic::Where::Offset, it.current_index(),
                        std::string("invalid JSON: ") + simdjson::error_message(err)});
      break;
    }
    deliver(x);
  }
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
