#include "report/survey.h"

#include <fmt/format.h>

#include "report/text.h"
#include "tansa/event.h"

namespace tansa::report {

namespace {

// "2023-06-12T17:40:00Z": seconds are enough to read a log's span.
std::string when(std::int64_t ns) {
  return format_time(ns).substr(0, 19) + "Z";
}

// A length of time as people read one: "36.0 h", "4 min", "45 s".
std::string span(std::int64_t ns) {
  if (ns >= 3600LL * 1000000000) return fmt::format("{:.1f} h", static_cast<double>(ns) / 3.6e12);
  if (ns >= 60LL * 1000000000) return fmt::format("{} min", ns / (60LL * 1000000000));
  return fmt::format("{} s", ns / 1000000000);
}

std::string hours(const survey::Silence& s) {
  return span(s.end - s.start);
}

// Appends one table line without the padding its last column left.
void line(std::string& o, std::string text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n')) text.pop_back();
  o += text;
  o += '\n';
}

std::string top_ids(const survey::LogMetrics& m) {
  std::string o;
  for (const auto& [id, n] : m.top_event_ids)
    o += (o.empty() ? "" : " ") + fmt::format("{}:{}", id, n);
  return o;
}

std::string records(const survey::LogMetrics& m) {
  return m.first_record ? fmt::format("{}-{}", m.first_record, m.last_record) : "-";
}

// A cell for the terminal: escaped, and cut to `width` with an ellipsis when longer.
std::string cell(std::string_view s, std::size_t width) {
  std::string t = terminal_safe(s);
  if (t.size() > width && width > 3) t = t.substr(0, width - 3) + "...";
  return t;
}

void table(std::string& o, const survey::Metrics& m) {
  line(o, fmt::format("{:<44} {:>10} {:<20} {:<20} {:<17} {:>8}  {}", "FILE", "EVENTS", "FIRST",
                      "LAST", "RECORDS", "MISSING", "TOP EVENT IDS"));
  for (const auto& f : m.files)
    line(o, fmt::format("{:<44} {:>10} {:<20} {:<20} {:<17} {:>8}  {}", cell(f.file, 44), f.events,
                        f.events ? when(f.first) : "-", f.events ? when(f.last) : "-", records(f),
                        f.missing_records, top_ids(f)));
  o += '\n';
  line(o, fmt::format("{:<24} {:<38} {:>10} {:<20} {:<20} {:<17} {:>8}  {}", "HOST", "SOURCE",
                      "EVENTS", "FIRST", "LAST", "RECORDS", "MISSING", "TOP EVENT IDS"));
  for (const auto& s : m.streams)
    line(o, fmt::format("{:<24} {:<38} {:>10} {:<20} {:<20} {:<17} {:>8}  {}", cell(s.host, 24),
                        cell(s.source, 38), s.events, when(s.first), when(s.last), records(s),
                        s.missing_records, top_ids(s)));
  std::string silences;
  for (const auto& s : m.streams)
    for (const auto& g : s.silences)
      silences += fmt::format("{} {}: {} to {} ({})\n", terminal_safe(s.host),
                              terminal_safe(s.source), when(g.start), when(g.end), hours(g));
  o += "\nsilences longer than " + span(m.gap_ns) + ":";
  o += silences.empty() ? std::string(" none\n") : "\n" + silences;
}

void csv(std::string& o, const survey::Metrics& m) {
  o += "kind,file,host,source,events,first,last,first_record,last_record,missing_records,"
       "record_holes,top_event_ids,silences\n";
  auto row = [&](const char* kind, const survey::LogMetrics& r) {
    std::string silences;
    for (const auto& g : r.silences)
      silences += (silences.empty() ? "" : " ") + when(g.start) + "/" + when(g.end);
    o += kind;
    for (std::string_view v :
         {std::string_view(r.file), std::string_view(r.host), std::string_view(r.source)}) {
      o += ',';
      append_csv_cell(o, v);
    }
    o += fmt::format(",{},{},{},{},{},{},{},", r.events, r.events ? when(r.first) : "",
                     r.events ? when(r.last) : "", r.first_record, r.last_record, r.missing_records,
                     r.record_holes);
    append_csv_cell(o, top_ids(r));
    o += ',';
    append_csv_cell(o, silences);
    o += '\n';
  };
  for (const auto& f : m.files) row("file", f);
  for (const auto& s : m.streams) row("stream", s);
}

void jsonl(std::string& o, const survey::Metrics& m) {
  auto row = [&](const char* kind, const survey::LogMetrics& r) {
    o += fmt::format("{{\"kind\":\"{}\"", kind);
    auto text = [&](const char* key, const std::string& v) {
      o += fmt::format(",\"{}\":", key);
      append_json_string(o, v);
    };
    if (!r.file.empty()) text("file", r.file);
    if (!r.host.empty() || r.file.empty()) {
      text("host", r.host);
      text("source", r.source);
    }
    o += fmt::format(",\"events\":{}", r.events);
    if (r.events) {
      text("first", format_time(r.first));
      text("last", format_time(r.last));
    }
    o += fmt::format(
        ",\"first_record\":{},\"last_record\":{},\"missing_records\":{},\"record_holes\":{},"
        "\"top_event_ids\":[",
        r.first_record, r.last_record, r.missing_records, r.record_holes);
    for (std::size_t i = 0; i < r.top_event_ids.size(); ++i)
      o += fmt::format("{}{{\"id\":{},\"events\":{}}}", i ? "," : "", r.top_event_ids[i].id,
                       r.top_event_ids[i].events);
    o += "],\"silences\":[";
    for (std::size_t i = 0; i < r.silences.size(); ++i)
      o += fmt::format("{}{{\"start\":\"{}\",\"end\":\"{}\",\"hours\":{:.2f}}}", i ? "," : "",
                       format_time(r.silences[i].start), format_time(r.silences[i].end),
                       static_cast<double>(r.silences[i].end - r.silences[i].start) / 3.6e12);
    o += "]}\n";
  };
  for (const auto& f : m.files) row("file", f);
  for (const auto& s : m.streams) row("stream", s);
}

std::string ids_text(const std::vector<int>& ids) {
  std::string o;
  for (int id : ids) o += (o.empty() ? "" : " ") + std::to_string(id);
  return o;
}

void logons_table(std::string& o, const std::vector<survey::LogonRow>& rows) {
  line(o,
       fmt::format("{:<20} {:<20} {:>7}  {:<8} {:<7} {:<26} {:<15} {:<28} {:<16} {:<18} {:<20} {}",
                   "FIRST", "LAST", "COUNT", "KIND", "OUTCOME", "ACCOUNT", "SOURCE", "PLACE",
                   "WORKSTATION", "TARGET", "TYPE", "EVENT IDS"));
  for (const auto& r : rows)
    line(o, fmt::format(
                "{:<20} {:<20} {:>7}  {:<8} {:<7} {:<26} {:<15} {:<28} {:<16} {:<18} {:<20} {}",
                when(r.first), when(r.last), r.count, r.kind, r.outcome, cell(r.account, 26),
                cell(r.source, 39), cell(r.place.text(), 28), cell(r.workstation, 16),
                cell(r.target, 30), cell(r.type, 20), ids_text(r.event_ids)));
  if (rows.empty()) o += "no logons\n";
}

void logons_csv(std::string& o, const std::vector<survey::LogonRow>& rows) {
  o += "first,last,count,kind,outcome,account,source,country,country_source,asn,as_org,"
       "workstation,target,type,event_ids\n";
  for (const auto& r : rows) {
    o += fmt::format("{},{},{}", when(r.first), when(r.last), r.count);
    const std::string asn = r.place.asn ? std::to_string(r.place.asn) : "";
    for (std::string_view v :
         {std::string_view(r.kind), std::string_view(r.outcome), std::string_view(r.account),
          std::string_view(r.source), std::string_view(r.place.country),
          std::string_view(r.place.country_source), std::string_view(asn),
          std::string_view(r.place.as_org), std::string_view(r.workstation),
          std::string_view(r.target), std::string_view(r.type)}) {
      o += ',';
      append_csv_cell(o, v);
    }
    o += ',' + ids_text(r.event_ids) + '\n';
  }
}

void logons_jsonl(std::string& o, const std::vector<survey::LogonRow>& rows) {
  for (const auto& r : rows) {
    o += '{';
    bool first = true;
    auto text = [&](const char* key, std::string_view v) {
      o += fmt::format("{}\"{}\":", first ? "" : ",", key);
      first = false;
      append_json_string(o, v);
    };
    text("first", format_time(r.first));
    text("last", format_time(r.last));
    o += fmt::format(",\"count\":{}", r.count);
    text("kind", r.kind);
    text("outcome", r.outcome);
    text("account", r.account);
    text("source", r.source);
    if (!r.place.country.empty()) {
      text("country", r.place.country);
      text("country_source", r.place.country_source);
    }
    if (r.place.asn) {
      o += fmt::format(",\"asn\":{}", r.place.asn);
      text("as_org", r.place.as_org);
      text("as_source", r.place.as_source);
    }
    text("workstation", r.workstation);
    text("target", r.target);
    text("type", r.type);
    o += ",\"event_ids\":[";
    for (std::size_t i = 0; i < r.event_ids.size(); ++i)
      o += (i ? "," : "") + std::to_string(r.event_ids[i]);
    o += "]}\n";
  }
}

std::string rules_text(const std::vector<std::string>& rules) {
  std::string o;
  for (const auto& r : rules) o += (o.empty() ? "" : "; ") + r;
  return o;
}

}  // namespace

std::string pivots_text(const std::vector<survey::Pivot>& rows, OutputFormat format) {
  std::string o;
  if (format == OutputFormat::Csv) {
    o += "kind,value,detections,first,last,rules\n";
    for (const auto& p : rows) {
      o += p.kind + ',';
      append_csv_cell(o, p.value);
      o += fmt::format(",{},{},{},", p.detections, when(p.first), when(p.last));
      append_csv_cell(o, rules_text(p.rules));
      o += '\n';
    }
  } else if (format == OutputFormat::Jsonl) {
    for (const auto& p : rows) {
      o += "{\"kind\":";
      append_json_string(o, p.kind);
      o += ",\"value\":";
      append_json_string(o, p.value);
      o += fmt::format(",\"detections\":{},\"first\":\"{}\",\"last\":\"{}\",\"rules\":[",
                       p.detections, format_time(p.first), format_time(p.last));
      for (std::size_t i = 0; i < p.rules.size(); ++i) {
        if (i) o += ',';
        append_json_string(o, p.rules[i]);
      }
      o += "]}\n";
    }
  } else {
    line(o, fmt::format("{:<12} {:<40} {:>10}  {:<20} {:<20} {}", "KIND", "VALUE", "DETECTIONS",
                        "FIRST", "LAST", "RULES"));
    for (const auto& p : rows)
      line(o, fmt::format("{:<12} {:<40} {:>10}  {:<20} {:<20} {}", p.kind, cell(p.value, 64),
                          p.detections, when(p.first), when(p.last),
                          terminal_safe(rules_text(p.rules))));
    if (rows.empty()) o += "no detection at or above the level names anything\n";
  }
  return o;
}

std::string logons_text(const std::vector<survey::LogonRow>& rows, OutputFormat format) {
  std::string o;
  if (format == OutputFormat::Csv)
    logons_csv(o, rows);
  else if (format == OutputFormat::Jsonl)
    logons_jsonl(o, rows);
  else
    logons_table(o, rows);
  return o;
}

std::string metrics_text(const survey::Metrics& m, OutputFormat format) {
  std::string o;
  if (format == OutputFormat::Csv)
    csv(o, m);
  else if (format == OutputFormat::Jsonl)
    jsonl(o, m);
  else
    table(o, m);
  return o;
}

}  // namespace tansa::report
