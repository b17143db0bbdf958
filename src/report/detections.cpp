#include "report/detections.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "report/text.h"

namespace tansa::report {

namespace {

std::string_view kind_name(SourceRef::Kind k) {
  return to_string(k);
}

const char* level_color(Level l) {
  switch (l) {
    case Level::Critical:
      return "\x1b[1;35m";
    case Level::High:
      return "\x1b[1;31m";
    case Level::Medium:
      return "\x1b[33m";
    case Level::Low:
      return "\x1b[32m";
    case Level::Informational:
      return "\x1b[2m";
  }
  return "";
}

const RuleInfo& rule_of(const DetectionContext& ctx, const Detection& d) {
  static const RuleInfo unknown{"", "(unknown rule)", Level::Informational, "", {}, "", ""};
  return d.rule < ctx.rules.size() ? ctx.rules[d.rule] : unknown;
}

// The places of the detection's external addresses, when the run resolves them.
std::vector<geo::FieldPlace> places(const DetectionContext& ctx, const Detection& d) {
  if (!ctx.geo) return {};
  return geo::places_of(*ctx.geo, d.fields);
}

// The few fields that tell a person what happened, first; the rest follow in event order. An
// address field with a known place reads "81.2.69.142 (GB, AS20712 Andrews & Arnold)".
std::string details(const Detection& d, std::size_t max_chars,
                    std::span<const geo::FieldPlace> where = {}) {
  // The fields a responder reads first, across formats: Windows (Sysmon, Security), syslog and
  // auth.log, key=value appliances, cloud audit logs, Zeek.
  // clang-format off
  static constexpr std::string_view kFirst[] = {
      "CommandLine", "Image", "TargetFilename", "TargetObject", "TargetUserName", "IpAddress",
      "ServiceName", "user", "src_ip", "remip", "srcip", "dstip", "action", "logdesc", "eventName",
      "userIdentity.arn", "sourceIPAddress", "Operation", "UserId", "ClientIP", "ObjectId",
      "id.orig_h", "id.resp_h", "id.resp_p", "orig_bytes", "message", "msg",
      // correlation detections: their measure and how many events make them
      "event_count", "value_count", "value_sum", "value_avg", "value_percentile", "matched_rules",
      "events"};
  // clang-format on
  std::string out;
  auto add = [&](const std::string& k, const std::string& v) {
    if (v.empty() || out.size() >= max_chars) return;
    if (!out.empty()) out.append(" ¦ ");
    out.append(k).append(": ").append(v);
    for (const geo::FieldPlace& p : where)
      if (p.field == k) out.append(" (").append(p.place.text()).append(")");
  };
  for (std::string_view want : kFirst)
    for (const auto& [k, v] : d.fields)
      if (k == want) add(k, v);
  if (out.empty())
    for (const auto& [k, v] : d.fields) add(k, v);
  return out;
}

// What the line-per-detection writers share: the stream, the context, and one reused line buffer
// written whole (one fwrite per detection).
class LineWriter : public DetectionWriter {
 public:
  LineWriter(std::FILE* out, const DetectionContext& ctx) : out_(out), ctx_(ctx) {}
  void finish() override { std::fflush(out_); }

 protected:
  void emit() { std::fwrite(line_.data(), 1, line_.size(), out_); }
  std::FILE* out_;
  DetectionContext ctx_;
  std::string line_;
};

class TableWriter final : public LineWriter {
 public:
  TableWriter(std::FILE* out, const DetectionContext& ctx, bool color)
      : LineWriter(out, ctx), color_(color) {}
  void write(const Detection& d) override {
    const RuleInfo& r = rule_of(ctx_, d);
    line_.clear();
    line_.append(format_time(d.time_ns).substr(0, 19)).append("  ");
    if (color_) line_.append(level_color(r.level));
    fmt::format_to(std::back_inserter(line_), "{:<13}", to_string(r.level));
    if (color_) line_.append("\x1b[0m");
    line_.append(" ");
    append_terminal_safe(line_, r.title);
    line_.append("  [");
    append_terminal_safe(line_, d.host);
    line_.append("] ");
    append_terminal_safe(line_, describe_source(ctx_, d.source));
    if (!d.copies.empty()) {
      line_.append(" (also ");
      append_terminal_safe(line_, describe_sources(ctx_, d.copies));
      line_.append(")");
    }
    line_.append("\n    ");
    append_terminal_safe(line_, details(d, 300, places(ctx_, d)));
    line_.push_back('\n');
    emit();
  }

 private:
  bool color_;
};

class CsvWriter final : public LineWriter {
 public:
  CsvWriter(std::FILE* out, const DetectionContext& ctx) : LineWriter(out, ctx) {
    std::fputs("time,level,rule_id,rule_title,tags,host,source_file,source_ref,details,copies\n",
               out_);
  }
  void write(const Detection& d) override {
    const RuleInfo& r = rule_of(ctx_, d);
    line_.clear();
    auto cell = [&](std::string_view s, bool last = false) {
      append_csv_cell(line_, s);
      line_.push_back(last ? '\n' : ',');
    };
    cell(format_time(d.time_ns));
    cell(to_string(r.level));
    cell(r.id);
    cell(r.title);
    std::string tags;
    for (const auto& t : r.tags) tags.append(tags.empty() ? "" : " ").append(t);
    cell(tags);
    cell(d.host);
    cell(d.source.file < ctx_.sources.size() ? ctx_.sources[d.source.file] : "");
    cell(fmt::format("{} {}", kind_name(d.source.kind), d.source.position));
    cell(details(d, 4096, places(ctx_, d)));
    cell(describe_sources(ctx_, d.copies), true);
    emit();
  }
};

void append_source_json(std::string& out, const DetectionContext& ctx, const SourceRef& s) {
  out.append("{\"file\":");
  append_json_string(out, s.file < ctx.sources.size() ? ctx.sources[s.file] : "");
  fmt::format_to(std::back_inserter(out), ",\"{}\":{}}}", kind_name(s.kind), s.position);
}

// "geo":[{"field":"srcip","address":"81.2.69.142","country":"NL","country_source":"log
// srccountry","asn":20712,"as_org":"...","as_source":"GeoLite2-ASN 2024-05-03"}]
void append_places_json(std::string& out, std::span<const geo::FieldPlace> where) {
  out.append(",\"geo\":[");
  for (std::size_t i = 0; i < where.size(); ++i) {
    const geo::FieldPlace& p = where[i];
    if (i) out.push_back(',');
    out.append("{\"field\":");
    append_json_string(out, p.field);
    out.append(",\"address\":");
    append_json_string(out, p.address);
    if (!p.place.country.empty()) {
      out.append(",\"country\":");
      append_json_string(out, p.place.country);
      out.append(",\"country_source\":");
      append_json_string(out, p.place.country_source);
    }
    if (p.place.asn) {
      fmt::format_to(std::back_inserter(out), ",\"asn\":{},\"as_org\":", p.place.asn);
      append_json_string(out, p.place.as_org);
      out.append(",\"as_source\":");
      append_json_string(out, p.place.as_source);
    }
    out.push_back('}');
  }
  out.push_back(']');
}

// One detection as `hunt -o x.jsonl` writes it (Timesketch's shape when `timesketch`), without
// the newline.
void append_detection_json(std::string& out, const DetectionContext& ctx, const Detection& d,
                           bool timesketch) {
  const RuleInfo& r = rule_of(ctx, d);
  const std::string when = format_time(d.time_ns);
  const std::vector<geo::FieldPlace> where = places(ctx, d);
  if (timesketch) {
    // Timesketch imports JSONL with message, datetime and timestamp_desc; timestamp in µs.
    out.append("{\"message\":");
    append_json_string(
        out, fmt::format("[{}] {}: {}", to_string(r.level), r.title, details(d, 1024, where)));
    out.append(",\"datetime\":");
    append_json_string(out, when);
    fmt::format_to(std::back_inserter(out), ",\"timestamp\":{}", d.time_ns / 1000);
    out.append(",\"timestamp_desc\":\"Event Recorded\"");
  } else {
    out.append("{\"time\":");
    append_json_string(out, when);
  }
  out.append(",\"rule_id\":");
  append_json_string(out, r.id);
  out.append(",\"rule_title\":");
  append_json_string(out, r.title);
  out.append(",\"level\":");
  append_json_string(out, to_string(r.level));
  out.append(",\"tags\":[");
  for (std::size_t i = 0; i < r.tags.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, r.tags[i]);
  }
  out.append("],\"host\":");
  append_json_string(out, d.host);
  out.append(",\"source\":");
  append_source_json(out, ctx, d.source);
  if (!d.related.empty()) {
    out.append(",\"related\":[");
    for (std::size_t i = 0; i < d.related.size(); ++i) {
      if (i) out.push_back(',');
      append_source_json(out, ctx, d.related[i]);
    }
    out.push_back(']');
  }
  if (!d.copies.empty()) {
    out.append(",\"copies\":[");
    for (std::size_t i = 0; i < d.copies.size(); ++i) {
      if (i) out.push_back(',');
      append_source_json(out, ctx, d.copies[i]);
    }
    out.push_back(']');
  }
  if (timesketch) {
    // Timesketch wants flat attributes; event fields go beside ours under an "event_" prefix so
    // none can overwrite message or datetime.
    for (const auto& [k, v] : d.fields) {
      out.push_back(',');
      append_json_string(out, "event_" + k);
      out.push_back(':');
      append_json_string(out, v);
    }
    for (const geo::FieldPlace& p : where) {
      out.push_back(',');
      append_json_string(out, "geo_" + p.field);
      out.push_back(':');
      append_json_string(out, p.place.text());
    }
  } else {
    out.append(",\"fields\":{");
    for (std::size_t i = 0; i < d.fields.size(); ++i) {
      if (i) out.push_back(',');
      append_json_string(out, d.fields[i].first);
      out.push_back(':');
      append_json_string(out, d.fields[i].second);
    }
    out.push_back('}');
    if (!where.empty()) append_places_json(out, where);
  }
  out.push_back('}');
}

class JsonlWriter final : public LineWriter {
 public:
  JsonlWriter(std::FILE* out, const DetectionContext& ctx, bool timesketch)
      : LineWriter(out, ctx), timesketch_(timesketch) {}
  void write(const Detection& d) override {
    line_.clear();
    append_detection_json(line_, ctx_, d, timesketch_);
    line_.push_back('\n');
    emit();
  }

 private:
  bool timesketch_;
};

}  // namespace

std::string detection_json(const Detection& d, const DetectionContext& ctx) {
  std::string out;
  append_detection_json(out, ctx, d, false);
  return out;
}

std::string describe_source(const DetectionContext& ctx, const SourceRef& ref) {
  std::string_view file = ref.file < ctx.sources.size() ? std::string_view(ctx.sources[ref.file])
                                                        : std::string_view("?");
  if (ref.kind == SourceRef::Kind::Offset)
    return fmt::format("{}:offset {:#x}", file, ref.position);
  if (ref.kind == SourceRef::Kind::Recovered)
    return fmt::format("{}:recovered at offset {:#x}", file, ref.position);
  return fmt::format("{}:{} {}", file, kind_name(ref.kind), ref.position);
}

std::string describe_sources(const DetectionContext& ctx, std::span<const SourceRef> refs) {
  std::string out;
  for (const SourceRef& r : refs) {
    if (!out.empty()) out.append("; ");
    out.append(describe_source(ctx, r));
  }
  return out;
}

std::unique_ptr<DetectionWriter> make_writer(OutputFormat format, std::FILE* out,
                                             const DetectionContext& ctx, bool color) {
  switch (format) {
    case OutputFormat::Table:
      return std::make_unique<TableWriter>(out, ctx, color);
    case OutputFormat::Csv:
      return std::make_unique<CsvWriter>(out, ctx);
    case OutputFormat::Jsonl:
      return std::make_unique<JsonlWriter>(out, ctx, false);
    case OutputFormat::Timesketch:
      return std::make_unique<JsonlWriter>(out, ctx, true);
  }
  return nullptr;
}

void Summary::add(const Detection& d, const DetectionContext&) {
  ++total_;
  ++by_rule_[d.rule];
  HostSpan& h = by_host_[d.host];
  if (h.count == 0 || d.time_ns < h.first) h.first = d.time_ns;
  if (h.count == 0 || d.time_ns > h.last) h.last = d.time_ns;
  ++h.count;
}

void Summary::print(std::FILE* out, const DetectionContext& ctx, bool color) const {
  std::string s;
  fmt::format_to(std::back_inserter(s), "\nDetections: {}\n", total_);
  std::uint64_t by_level[5] = {};
  for (const auto& [rule, n] : by_rule_)
    if (rule < ctx.rules.size()) by_level[static_cast<int>(ctx.rules[rule].level)] += n;
  for (int l = 4; l >= 0; --l) {
    if (color) s.append(level_color(static_cast<Level>(l)));
    fmt::format_to(std::back_inserter(s), "  {:<14}{:>8}", to_string(static_cast<Level>(l)),
                   by_level[l]);
    if (color) s.append("\x1b[0m");
    s.push_back('\n');
  }
  std::vector<std::pair<std::uint64_t, std::uint32_t>> rules;
  for (const auto& [rule, n] : by_rule_) rules.emplace_back(n, rule);
  std::sort(rules.begin(), rules.end(), [&](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  s.append("\nBy rule:\n");
  for (const auto& [n, rule] : rules) {
    fmt::format_to(std::back_inserter(s), "  {:>8}  ", n);
    if (rule < ctx.rules.size()) {
      append_terminal_safe(s, ctx.rules[rule].title);
      s.append(" (");
      append_terminal_safe(s, to_string(ctx.rules[rule].level));
      s.append(")");
    }
    s.push_back('\n');
  }
  s.append("\nBy host (first hit, last hit):\n");
  for (const auto& [host, span] : by_host_) {
    s.append("  ");
    append_terminal_safe(s, host.empty() ? "(no host)" : host);
    fmt::format_to(std::back_inserter(s), "  {} hits  {}  {}\n", span.count,
                   format_time(span.first), format_time(span.last));
  }
  std::fwrite(s.data(), 1, s.size(), out);
}

void Summary::print_tuning_hints(std::FILE* out, const DetectionContext& ctx) const {
  std::vector<std::pair<std::uint64_t, std::uint32_t>> rules;
  for (const auto& [rule, n] : by_rule_)
    if (n >= 10 && rule < ctx.rules.size()) rules.emplace_back(n, rule);
  std::sort(rules.begin(), rules.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (rules.size() > 5) rules.resize(5);
  if (rules.empty()) return;
  std::string s =
      "\nNoisiest rules, and the tansa.yml line that lowers each one level (or list the "
      "rule under disable:, or its noise under exclude:):\n";
  for (const auto& [n, rule] : rules) {
    const RuleInfo& r = ctx.rules[rule];
    fmt::format_to(std::back_inserter(s), "  {:>8}  ", n);
    append_terminal_safe(s, r.title);
    fmt::format_to(std::back_inserter(s), " ({})\n            ", to_string(r.level));
    if (r.level == Level::Informational) {
      s.append("disable: [\"");
      append_terminal_safe(s, r.id);
      s.append("\"]\n");
    } else {
      s.append("levels: {\"");
      append_terminal_safe(s, r.id);
      fmt::format_to(std::back_inserter(s), "\": {}}}\n",
                     to_string(static_cast<Level>(static_cast<int>(r.level) - 1)));
    }
  }
  std::fwrite(s.data(), 1, s.size(), out);
}

}  // namespace tansa::report
