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
#include <memory>
#include <string>
#include <string_view>

#include "formats/syslog.h"
#include "io/byte_source.h"

namespace tansa::formats {

// Zeek TSV one line at a time, for readers that get lines one by one (watch follows a log Zeek is
// writing): header lines update what the rows mean, a row becomes an event. One per file: a
// rotated file starts with its own header.
class ZeekTsvLines {
 public:
  enum class Result : std::uint8_t { Header, Event, Skipped };
  ZeekTsvLines();
  ~ZeekTsvLines();
  ZeekTsvLines(ZeekTsvLines&&) noexcept;
  ZeekTsvLines& operator=(ZeekTsvLines&&) noexcept;
  // Header (or empty) lines: nothing to evaluate. Event: `out` holds the row (its source is the
  // caller's to set). Skipped: `why` says what is wrong with the row.
  [[nodiscard]] Result take(std::string_view line, Event& out, std::string& why);
  // A #fields header has been seen (rows can be read).
  [[nodiscard]] bool has_fields() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

TextReadStats read_zeek_tsv(io::LineReader& lines, const std::string& name,
                            std::uint32_t file_index, const std::function<void(const Event&)>& emit,
                            const DiagnosticSink& diag);

bool looks_like_zeek_tsv(std::string_view head);

}  // namespace tansa::formats
