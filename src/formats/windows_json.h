// Windows events as JSON in evtx_dump's shape ({"Event":{"System":{...},"EventData":{...}}}),
// as exported by evtx_dump, Hayabusa's and Chainsaw's tooling and many collectors. The events come
// out with exactly the field names the native EVTX reader gives (include/tansa/event.h), so rules
// and outputs cannot tell the two sources apart.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::formats {

struct WindowsJsonStats {
  std::uint64_t events = 0;
  std::uint64_t skipped = 0;  // documents that were not JSON objects with an Event member
};

// Reads every document in `text`: one object per line, pretty-printed objects one after another,
// or a JSON array of objects. `name` labels diagnostics; `file_index` goes to SourceRef::file.
// Each event is delivered through `emit` and is valid only during the call.
// A document without an EventRecordID is cited by its ordinal in `text` plus `first_ordinal`
// (SourceRef::Kind::Offset): a caller reading one line at a time passes the line's offset so that
// each document keeps a position of its own.
WindowsJsonStats read_windows_json(std::string_view text, const std::string& name,
                                   std::uint32_t file_index,
                                   const std::function<void(const Event&)>& emit,
                                   const DiagnosticSink& diag, std::uint64_t first_ordinal = 0);

// True when the first bytes of a file look like evtx_dump-shaped JSON.
bool looks_like_windows_json(std::string_view head);

}  // namespace tansa::formats
