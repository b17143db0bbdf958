// key=value logs, as Fortinet FortiGate and many VPN and firewall appliances write them, with or
// without a syslog header: `date=2024-01-05 time=03:12:44 devname="fw1" type="event"
// subtype="vpn" action="tunnel-up" user="tanaka" remip=203.0.113.7 msg="SSL tunnel established"`.
//
// Every key becomes a field of that name. Values in double quotes may hold spaces and \" escapes.
// A value of digits only becomes an integer (its text unchanged) so numeric rules compare.
// Time: `eventtime` (epoch seconds, ms, us or ns, UTC) when present, else `date` + `time` in the
// zone of the `tz` field ("+0900"), else the --tz zone; else the syslog header's time.
// Host (field `host`): devname, else hostname, else the syslog header's host.
// Log source: lines with devid, devname or logid are product fortigate, service = their `type`
// (event, traffic, utm), category firewall for traffic; other lines carry no product.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "formats/syslog.h"

namespace tansa::formats {

// Parses one line into `out` (cleared first). False when it holds no key=value pair.
[[nodiscard]] bool parse_keyvalue_line(std::string_view line, const SyslogOptions& options,
                                       Event& out);

TextReadStats read_keyvalue(io::LineReader& lines, const std::string& name,
                            std::uint32_t file_index, const SyslogOptions& options,
                            const std::function<void(const Event&)>& emit,
                            const DiagnosticSink& diag);

// True when the first lines are mostly key=value pairs.
bool looks_like_keyvalue(std::string_view head);

}  // namespace tansa::formats
