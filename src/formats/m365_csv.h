// The Microsoft 365 audit log search export (Purview's "Export results", Search-UnifiedAuditLog
// piped to Export-Csv): CSV whose AuditData column holds each record's JSON. Each row is read into
// the same event as the JSON form of the record (json_logs.h), so the same rules fire on both;
// the row's line number is its place in the file.
//
// RFC 4180: a header row naming the columns (RecordId, CreationDate, RecordType, Operation,
// UserId, AuditData ... or CreationDate, UserIds, Operations, AuditData), fields quoted with '"'
// and quotes doubled inside, a quoted field may span lines (a record is bounded at 1 MiB), an
// optional UTF-8 byte order mark.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/syslog.h"
#include "io/byte_source.h"
#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::formats {

// The fields of one CSV record (quotes removed, doubled quotes undone); false when a quote is
// left open.
[[nodiscard]] bool split_csv_record(std::string_view record, std::vector<std::string>& fields);

TextReadStats read_m365_csv(io::LineReader& lines, const std::string& name,
                            std::uint32_t file_index, const std::function<void(const Event&)>& emit,
                            const DiagnosticSink& diag);

// True when the first line is a CSV header with an AuditData column.
bool looks_like_m365_csv(std::string_view head);

}  // namespace tansa::formats
