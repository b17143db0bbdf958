#include "formats/m365_csv.h"

#include <algorithm>

#include "formats/json_logs.h"

namespace tansa::formats {

namespace {

constexpr std::size_t kMaxRecord = std::size_t{1} << 20;

std::string_view without_bom(std::string_view s) {
  if (s.starts_with("\xef\xbb\xbf")) s.remove_prefix(3);
  return s;
}

// Whether `text` leaves a quoted field open (an odd number of quotes).
bool open_quote(std::string_view text) {
  return std::count(text.begin(), text.end(), '"') % 2 == 1;
}

}  // namespace

bool split_csv_record(std::string_view r, std::vector<std::string>& fields) {
  fields.clear();
  std::string cur;
  bool quoted = false;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const char c = r[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < r.size() && r[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
    } else if (c != '\r' || i + 1 != r.size()) {
      cur += c;
    }
  }
  fields.push_back(std::move(cur));
  return !quoted;
}

TextReadStats read_m365_csv(io::LineReader& lines, const std::string& name,
                            std::uint32_t file_index, const std::function<void(const Event&)>& emit,
                            const DiagnosticSink& diag) {
  TextReadStats stats;
  std::uint64_t reported = 0;
  auto complain = [&](std::uint64_t line, const std::string& reason) {
    ++stats.skipped;
    if (diag && ++reported <= 100) diag(Diagnostic{name, Diagnostic::Where::Line, line, reason});
  };
  std::string_view line;
  std::string record;
  std::vector<std::string> fields;
  std::size_t audit = std::string::npos, columns = 0;
  JsonObjectParser parser;
  JsonLogsOptions options;
  Event e;
  std::string error;
  while (lines.next(line)) {
    const std::uint64_t start = lines.line_number();
    record.assign(line);
    bool too_long = false;
    while (open_quote(record) && !too_long && lines.next(line)) {
      if (record.size() + line.size() + 1 > kMaxRecord) {
        too_long = true;
        break;
      }
      record += '\n';
      record.append(line);
    }
    if (too_long) {
      complain(start, "record longer than 1 MiB; skipped");
      // Skip to the line that closes the quote.
      bool open = true;
      while (open && lines.next(line)) open = !open_quote(line);
      continue;
    }
    if (record.empty() || record == "\r") continue;
    if (!split_csv_record(start == 1 ? without_bom(record) : std::string_view(record), fields)) {
      complain(start, "a quoted field is not closed; skipped");
      continue;
    }
    if (audit == std::string::npos) {  // the header
      for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i] == "AuditData") audit = i;
      columns = fields.size();
      if (audit == std::string::npos) {
        if (diag)
          diag(Diagnostic{name, Diagnostic::Where::Line, start,
                          "no AuditData column: not a Microsoft 365 audit export; not read"});
        return stats;
      }
      continue;
    }
    if (fields.size() != columns || fields[audit].empty()) {
      complain(start, "row has " + std::to_string(fields.size()) + " columns, the header " +
                          std::to_string(columns) + "; skipped");
      continue;
    }
    if (!parser.parse(fields[audit], options, e, error)) {
      complain(start, "AuditData: " + error + "; skipped");
      continue;
    }
    e.source = SourceRef{file_index, SourceRef::Kind::Line, start};
    emit(e);
    ++stats.events;
  }
  if (diag && !lines.error().empty())
    diag(Diagnostic{name, Diagnostic::Where::None, 0, lines.error()});
  return stats;
}

bool looks_like_m365_csv(std::string_view head) {
  head = without_bom(head);
  const std::string_view first = head.substr(0, head.find('\n'));
  return first.find(',') != std::string_view::npos &&
         (first.find(",AuditData") != std::string_view::npos ||
          first.find(",\"AuditData\"") != std::string_view::npos ||
          first.starts_with("AuditData,") || first.starts_with("\"AuditData\","));
}

}  // namespace tansa::formats
