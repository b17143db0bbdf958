// One line (or one syslog message, or one JSON object) into an Event, with the readers `hunt`
// uses: syslog (RFC 3164, RFC 5424, rsyslog's ISO form, auth.log), key=value and JSON lines. A
// followed file's format is sniffed from its first line by hunt's own sniffers, in hunt's order.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "formats/json_logs.h"
#include "formats/syslog.h"
#include "tansa/event.h"

namespace tansa::watch {

// Zeek TSV and Windows JSON (evtx_dump's shape, one record per line) need a file's own state or
// deliver events themselves: the watcher reads them (formats/zeek.h, formats/windows_json.h), not
// LineParser.
enum class LineFormat : std::uint8_t { Syslog, KeyValue, Json, Zeek, WindowsJson };

std::string_view to_string(LineFormat f);
// "syslog", "keyvalue", "json", "zeek", "windows-json"; nullopt for any other name (formats watch
// cannot read by line: EVTX is followed by record, the M365 CSV export is not a live source).
std::optional<LineFormat> line_format(std::string_view name);

// The format of a file from its first line(s), by hunt's sniffers in hunt's order; nullopt when
// the first one that matches is not a line format (EVTX, the M365 CSV) or none does.
// `matched` receives the name hunt's table gave it.
std::optional<LineFormat> sniff_line_format(std::string_view head, const std::string& path,
                                            std::string& matched);

class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;
  // `out` is cleared first; false when the line is not of the format (and for Zeek and Windows
  // JSON, which the caller reads). Syslog lines whose message is key=value pairs (FortiGate over
  // syslog) are read as key=value.
  [[nodiscard]] bool parse(LineFormat f, std::string_view line, const formats::SyslogOptions& o,
                           Event& out);

 private:
  formats::JsonObjectParser json_;
  formats::JsonLogsOptions json_options_;
  std::string error_;
};

}  // namespace tansa::watch
