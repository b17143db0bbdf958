// JSON logs other than Windows events: Microsoft 365 unified audit records, AWS CloudTrail,
// Azure and Entra ID exports, Google Cloud audit logs, Okta, Zeek's JSON logs, and anything else.
//
// Layouts: one object per line (read as a stream, any size), a JSON array of objects, objects one
// after another, or CloudTrail's {"Records": [...]} (each record is an event).
// Fields: nested objects flatten to dotted paths (userIdentity.arn); arrays of scalars become
// Array values; arrays of objects give each leaf as an Array under path.leaf, and Name/Value pair
// lists (M365 Parameters, ExtendedProperties) also give path.<Name> = Value.
// Time: the first of @timestamp, timestamp, time, eventTime, CreationTime, TimeGenerated,
// createdDateTime, published, ts, date, datetime: ISO-8601 (no zone = UTC) or epoch seconds or ms.
// Log source and host, by content (docs/formats.md):
//   CloudTrail (eventSource + eventName + awsRegion): aws/cloudtrail, host = eventSource;
//   M365 (CreationTime + Operation + Workload): m365/<exchange|audit...>, host = Workload;
//   Azure/Entra (operationName + category): azure/<signinlogs|auditlogs|activitylogs>;
//   GCP (protoPayload): gcp/gcp.audit; Okta (eventType + actor): okta/okta;
//   Zeek (ts + uid or id.orig_h): zeek/<_path or the file name's log name>, host = id.orig_h.
// Otherwise host is the first of host, hostname, host.name, Computer, ComputerName, DeviceName.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "formats/syslog.h"
#include "io/byte_source.h"
#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::formats {

struct JsonLogsOptions {
  // Used for Zeek JSON without a _path field: "conn" for conn.log, conn.2024-01-05.log.gz...
  std::string zeek_path_hint;
  // Whole documents (arrays, CloudTrail files) are streamed record by record; one record (an
  // array element, a top-level object) larger than this is refused with a diagnostic.
  std::size_t max_document_bytes = std::size_t{1} << 30;
};

// Reads `src` (one object per line is streamed; other layouts are read whole).
TextReadStats read_json_logs(io::ByteSource& src, const std::string& name, std::uint32_t file_index,
                             const JsonLogsOptions& options,
                             const std::function<void(const Event&)>& emit,
                             const DiagnosticSink& diag);

// Flattens one JSON object text into `out` (cleared first) and sets time, host and log source.
// False (with `error` set) when the text is not a JSON object.
[[nodiscard]] bool parse_json_object(std::string_view text, const JsonLogsOptions& options,
                                     Event& out, std::string& error);

// parse_json_object with one parser kept across calls (its buffers reused): for a reader that
// parses many objects embedded in another format (the Microsoft 365 CSV export's AuditData).
class JsonObjectParser {
 public:
  JsonObjectParser();
  ~JsonObjectParser();
  JsonObjectParser(const JsonObjectParser&) = delete;
  JsonObjectParser& operator=(const JsonObjectParser&) = delete;
  [[nodiscard]] bool parse(std::string_view text, const JsonLogsOptions& options, Event& out,
                           std::string& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when the file starts with a JSON object or array (and is not a Windows event export).
bool looks_like_json_logs(std::string_view head);

// "conn" for ".../conn.log", "conn.09:00:00-10:00:00.log.gz", "dns.log"...; empty otherwise.
std::string zeek_path_from_filename(const std::string& path);

}  // namespace tansa::formats
