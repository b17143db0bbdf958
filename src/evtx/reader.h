// The EVTX reader: the public entry point for Windows event log files.
//
// A file is a 4 KiB header followed by 64 KiB chunks; each chunk holds records whose BinXML
// refers to names and templates by offset inside that chunk, so chunks decode independently.
// read_file() maps the file, decodes its chunks on N threads (each thread takes whole chunks, so
// memory stays bounded whatever the file size) and hands out each record as evtx_dump-shaped
// JSON (in file order) and/or as a tansa::Event (concurrently, in no particular order).
//
// Damaged input is expected: bad checksums are reported and the data is decoded anyway; dirty
// headers are ignored and every 64 KiB chunk present is scanned; bad records are reported once,
// with the file offset, and skipped, and decoding resumes at the next record signature. With
// ReadOptions::carve, records left in chunk slack and in chunks without a header are carved too.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "tansa/diagnostic.h"
#include "tansa/event.h"

namespace tansa::evtx {

inline constexpr std::size_t kFileHeaderSize = 4096;
inline constexpr std::size_t kChunkSize = 65536;

struct ReadOptions {
  unsigned threads = 1;          // decoding threads; 0 = hardware concurrency
  std::uint32_t file_index = 0;  // stored in Event::source.file
  // Also carve records from chunk slack (after a chunk's last record, where a cleared or wrapped
  // log leaves old ones) and from chunks whose header is damaged or wiped. A carved record is
  // delivered when its header is whole (signature, size and its trailing copy), it decodes, and
  // its write time lies between 1970 and 2100; its source is SourceRef::Kind::Recovered at its
  // file offset. Damage to a chunk's header never stops carving the records behind it.
  bool carve = false;
};

struct ReadCallbacks {
  // JSON lines ("{...}\n" per record) for one chunk at a time, in file order, never concurrently.
  // Leave empty to skip JSON rendering.
  std::function<void(std::string_view lines)> on_json;
  // One call per record; may run on several threads at once. Leave empty to skip flattening.
  std::function<void(const Event&)> on_event;
  // The same, with the index (0 .. threads-1) of the decoding worker that produced the record,
  // for callers that keep state per worker instead of per thread. Used instead of on_event when
  // set; a worker never calls it concurrently with itself.
  std::function<void(const Event&, unsigned worker)> on_worker_event;
  // Problems found in the file; may be called from several threads at once.
  DiagnosticSink on_diagnostic;
};

struct ReadStats {
  std::uint64_t chunks = 0;       // chunks with a valid signature
  std::uint64_t records = 0;      // records decoded and delivered
  std::uint64_t bad_records = 0;  // records reported and skipped
  std::uint64_t recovered = 0;    // records carved (ReadOptions::carve), counted in `records` too
};

// Reads `path`. Fails (with a message) only when the file cannot be opened or holds nothing that
// looks like EVTX; damage inside an EVTX file is reported through on_diagnostic.
[[nodiscard]] std::expected<ReadStats, std::string> read_file(const std::string& path,
                                                              const ReadOptions& options,
                                                              const ReadCallbacks& callbacks);

// Same, over bytes already in memory; `name` labels diagnostics.
[[nodiscard]] std::expected<ReadStats, std::string> read_bytes(std::span<const std::uint8_t> bytes,
                                                               const std::string& name,
                                                               const ReadOptions& options,
                                                               const ReadCallbacks& callbacks);

// Decodes a single chunk image (up to 64 KiB) as if it sat at `file_offset`; for tests and fuzzing.
ReadStats read_chunk(std::span<const std::uint8_t> chunk, const std::string& name,
                     std::uint64_t file_offset, const ReadOptions& options,
                     const ReadCallbacks& callbacks);

// CRC-32 (IEEE) as EVTX uses it.
std::uint32_t crc32(std::span<const std::uint8_t> bytes, std::uint32_t seed = 0);

}  // namespace tansa::evtx
