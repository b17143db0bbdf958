// Syslog lines (RFC 3164, RFC 5424, and the ISO-timestamp form rsyslog writes), with Linux
// authentication messages from sshd, sudo and su parsed into fields.
//
// Fields of every line: host, program, pid, message; facility and severity when the line has a
// <PRI>; for RFC 5424 also msgid and each structured-data parameter as sd.<id>.<name>.
// Authentication fields (docs/formats.md has the message shapes):
//   user, src_ip, src_port, auth_method (password, publickey, keyboard-interactive/pam),
//   key_type, key_fingerprint, outcome (accepted, failed, invalid_user, closed, disconnected,
//   session_opened, session_closed, auth_failure, sudo, sudo_failed, su, su_failed),
//   sudo_command, sudo_target_user, sudo_tty, sudo_pwd, su_target_user.
// Log source: product linux; service sshd, sudo, su, cron or login by program, else syslog.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "io/byte_source.h"
#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::formats {

struct SyslogOptions {
  int year = 0;                   // RFC 3164 year; 0 = infer from reference_ns
  int tz_offset_minutes = 0;      // zone of timestamps without one
  std::int64_t reference_ns = 0;  // the file's modification time; 0 = now
};

// Parses one line into `out` (cleared first). False when the line is not syslog.
[[nodiscard]] bool parse_syslog_line(std::string_view line, const SyslogOptions& options,
                                     Event& out);

// Parses an RFC 3164 / ISO / RFC 5424 header at the start of `line`, filling time_ns, host,
// program, pid (and facility, severity); returns the offset of the message, or npos. Shared with
// the key=value reader, whose lines often carry a syslog header.
std::size_t parse_syslog_header(std::string_view line, const SyslogOptions& options, Event& out);

struct TextReadStats {
  std::uint64_t events = 0;
  std::uint64_t skipped = 0;
};

// The loop every line-oriented reader shares: each non-empty line through `parse`, events out with
// their line number, lines `parse` refuses reported as "<what>; skipped" (the first hundred,
// then a count), and a decompression error at the end.
TextReadStats read_line_records(io::LineReader& lines, const std::string& name,
                                std::uint32_t file_index,
                                const std::function<bool(std::string_view, Event&)>& parse,
                                std::string_view what,
                                const std::function<void(const Event&)>& emit,
                                const DiagnosticSink& diag);

// True when at least 80% of the first (up to ten) complete lines of `head` satisfy `good_line`.
bool most_lines(std::string_view head, const std::function<bool(std::string_view)>& good_line);

// Reads every line; unparseable lines are reported with their line number and skipped.
TextReadStats read_syslog(io::LineReader& lines, const std::string& name, std::uint32_t file_index,
                          const SyslogOptions& options,
                          const std::function<void(const Event&)>& emit,
                          const DiagnosticSink& diag);

// True when the first lines of a file look like syslog.
bool looks_like_syslog(std::string_view head);

}  // namespace tansa::formats
