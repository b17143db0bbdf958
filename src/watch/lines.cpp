#include "watch/lines.h"

#include "formats/keyvalue.h"
#include "hunt/formats.h"

namespace tansa::watch {

std::string_view to_string(LineFormat f) {
  switch (f) {
    case LineFormat::Syslog:
      return "syslog";
    case LineFormat::KeyValue:
      return "keyvalue";
    case LineFormat::Json:
      return "json";
    case LineFormat::Zeek:
      return "zeek";
    case LineFormat::WindowsJson:
      return "windows-json";
  }
  return "syslog";
}

std::optional<LineFormat> line_format(std::string_view name) {
  if (name == "syslog") return LineFormat::Syslog;
  if (name == "keyvalue") return LineFormat::KeyValue;
  if (name == "json") return LineFormat::Json;
  if (name == "zeek") return LineFormat::Zeek;
  if (name == "windows-json") return LineFormat::WindowsJson;
  return std::nullopt;
}

std::optional<LineFormat> sniff_line_format(std::string_view head, const std::string& path,
                                            std::string& matched) {
  static const std::vector<hunt::Format> formats = hunt::builtin_formats({});
  for (const hunt::Format& f : formats)
    if (f.sniff && f.sniff(head, path)) {
      matched = f.name;
      return line_format(f.name);
    }
  matched.clear();
  return std::nullopt;
}

LineParser::LineParser() = default;
LineParser::~LineParser() = default;

bool LineParser::parse(LineFormat f, std::string_view line, const formats::SyslogOptions& o,
                       Event& out) {
  switch (f) {
    case LineFormat::Json:
      return json_.parse(line, json_options_, out, error_);
    case LineFormat::KeyValue:
      return formats::parse_keyvalue_line(line, o, out);
    case LineFormat::Syslog:
      if (formats::looks_like_keyvalue(line) && formats::parse_keyvalue_line(line, o, out))
        return true;
      return formats::parse_syslog_line(line, o, out);
    case LineFormat::Zeek:
    case LineFormat::WindowsJson:
      return false;
  }
  return false;
}

}  // namespace tansa::watch
