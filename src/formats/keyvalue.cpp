#include "formats/keyvalue.h"

#include <charconv>

#include <string>

namespace tansa::formats {

namespace {

bool key_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool key_char(char c) {
  return key_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// Length of a key followed by '=' at `pos`, or 0.
std::size_t key_at(std::string_view s, std::size_t pos) {
  if (pos >= s.size() || !key_start(s[pos])) return 0;
  std::size_t q = pos + 1;
  while (q < s.size() && key_char(s[q])) ++q;
  return (q < s.size() && s[q] == '=') ? q - pos : 0;
}

bool all_digits(std::string_view v) {
  if (v.empty() || v.size() > 19 || (v.size() == 19 && v > "9223372036854775807")) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

// "+0900", "-05:00", "UTC" -> minutes east of UTC.
bool tz_minutes(std::string_view z, int& out) {
  if (z == "UTC" || z == "GMT" || z == "Z") {
    out = 0;
    return true;
  }
  if (z.size() < 5 || (z[0] != '+' && z[0] != '-')) return false;
  std::string d;
  for (char c : z.substr(1))
    if (c != ':') d += c;
  if (d.size() != 4 || !all_digits(d)) return false;
  out = (z[0] == '-' ? -1 : 1) *
        (((d[0] - '0') * 10 + (d[1] - '0')) * 60 + (d[2] - '0') * 10 + (d[3] - '0'));
  return true;
}

}  // namespace

bool parse_keyvalue_line(std::string_view line, const SyslogOptions& opt, Event& e) {
  e.clear();
  // The pairs start at the first "key=" token; anything before is a syslog header.
  std::size_t start = 0;
  while (start < line.size()) {
    // A pair starts a word, or follows a bare "<PRI>" ("<189>date=...").
    const bool word =
        start == 0 || line[start - 1] == ' ' || (line[start - 1] == '>' && line[0] == '<');
    if (word && key_at(line, start)) break;
    ++start;
  }
  if (start >= line.size()) return false;
  if (start > 0) (void)parse_syslog_header(line.substr(0, start), opt, e);
  static const FieldId kHost = field_id("host");
  const bool header_host = e.get(kHost) != nullptr;

  std::string_view date, time, tz, eventtime, devname, hostname, type;
  bool fortigate = false;
  std::string value;
  std::size_t pos = start, pairs = 0;
  while (pos < line.size()) {
    while (pos < line.size() && line[pos] == ' ') ++pos;
    const std::size_t klen = key_at(line, pos);
    if (klen == 0) {
      // Not a pair: skip the word (free text between pairs is rare and carries no field).
      while (pos < line.size() && line[pos] != ' ') ++pos;
      continue;
    }
    const std::string_view key = line.substr(pos, klen);
    pos += klen + 1;
    std::string_view v;
    bool quoted = false;
    if (pos < line.size() && line[pos] == '"') {
      quoted = true;
      value.clear();
      ++pos;
      while (pos < line.size() && line[pos] != '"') {
        if (line[pos] == '\\' && pos + 1 < line.size() &&
            (line[pos + 1] == '"' || line[pos + 1] == '\\'))
          ++pos;
        value += line[pos++];
      }
      if (pos < line.size()) ++pos;  // closing quote (an unterminated one ends the line)
      v = value;
    } else {
      const std::size_t vs = pos;
      while (pos < line.size() && line[pos] != ' ') ++pos;
      v = line.substr(vs, pos - vs);
    }
    const FieldId id = field_id(key);
    if (!quoted && all_digits(v)) {
      Value num;
      num.type = ValueType::Int;
      num.text = e.store(v);
      for (char c : v) num.i = num.i * 10 + (c - '0');
      e.add(id, num);
    } else {
      e.add_string(id, v);
    }
    const std::string_view stored = e.fields().back().value.text;
    ++pairs;
    if (key == "date")
      date = stored;
    else if (key == "time")
      time = stored;
    else if (key == "tz")
      tz = stored;
    else if (key == "eventtime")
      eventtime = stored;
    else if (key == "devname")
      devname = stored, fortigate = true;
    else if (key == "devid" || key == "logid")
      fortigate = true;
    else if (key == "hostname")
      hostname = stored;
    else if (key == "type")
      type = stored;
  }
  if (pairs == 0) return false;

  // Time.
  bool timed = false;
  if (all_digits(eventtime)) {
    std::int64_t t = 0;
    const auto r = std::from_chars(eventtime.data(), eventtime.data() + eventtime.size(), t);
    // seconds, milliseconds, microseconds or nanoseconds, by magnitude; a value whose nanoseconds
    // do not fit 64 bits (past 2262) is no time, and the date and time fields are tried instead
    const std::int64_t scale = t < 100000000000LL        ? 1000000000LL
                               : t < 100000000000000LL    ? 1000000LL
                               : t < 100000000000000000LL ? 1000LL
                                                          : 1;
    if (r.ec == std::errc() && !__builtin_mul_overflow(t, scale, &e.time_ns)) timed = true;
  }
  if (!timed && !date.empty()) {
    int offset = opt.tz_offset_minutes;
    if (!tz.empty()) (void)tz_minutes(tz, offset);
    std::string iso(date);
    if (!time.empty()) {
      iso += 'T';
      iso += time;
    }
    std::int64_t ns;
    if (parse_iso_time(iso, ns, offset)) {
      e.time_ns = ns;
      timed = true;
    }
  }
  // Host.
  if (!header_host) {
    if (!devname.empty())
      e.add_string(kHost, devname);
    else if (!hostname.empty())
      e.add_string(kHost, hostname);
  }
  if (fortigate) {
    e.logsource.product = "fortigate";
    if (type == "event")
      e.logsource.service = "event";
    else if (type == "traffic") {
      e.logsource.service = "traffic";
      e.logsource.category = "firewall";
    } else if (type == "utm")
      e.logsource.service = "utm";
  }
  return true;
}

TextReadStats read_keyvalue(io::LineReader& lines, const std::string& name,
                            std::uint32_t file_index, const SyslogOptions& options,
                            const std::function<void(const Event&)>& emit,
                            const DiagnosticSink& diag) {
  return read_line_records(
      lines, name, file_index,
      [&](std::string_view l, Event& e) { return parse_keyvalue_line(l, options, e); },
      "no key=value pairs", emit, diag);
}

bool looks_like_keyvalue(std::string_view head) {
  // Most of the first lines hold at least four pairs.
  return most_lines(head, [](std::string_view line) {
    int pairs = 0;
    for (std::size_t i = 0; i < line.size(); ++i)
      if ((i == 0 || line[i - 1] == ' ') && key_at(line, i)) ++pairs;
    return pairs >= 4;
  });
}

}  // namespace tansa::formats
