// Zeek logs in their tab-separated form: a header (#separator, #set_separator, #empty_field,
// #unset_field, #path, #fields, #types) then one row per line; several headers may follow one
// another in a file (rotation, concatenation). Zeek's JSON logs are read by the JSON reader.
//
// Fields are named as Zeek names them (ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p,
// proto, service, duration, orig_bytes, resp_bytes, conn_state...). Unset (`-`) fields are
// absent; `(empty)` is an empty string or array; time -> Time and the event's time; count, int
// and port -> integers; interval and double -> Double; bool T/F -> true/false; set[...] and
// vector[...] -> Array. Host (field `host`): id.orig_h, the connection's originator.
// Log source: product zeek, service = #path (conn, dns, http, ssl, smb_files...).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "formats/syslog.h"
#include "io/byte_source.h"

namespace tansa::formats {

TextReadStats read_zeek_tsv(io::LineReader& lines, const std::string& name,
                            std::uint32_t file_index, const std::function<void(const Event&)>& emit,
                            const DiagnosticSink& diag);

bool looks_like_zeek_tsv(std::string_view head);

}  // namespace tansa::formats
