// Arbitrary bytes through the EVTX reader, shared by fuzz_evtx and fuzz_carve. The first byte picks
// the shape:
//   bit 0 clear: a whole file;
//   bit 0 set: one chunk image whose signature is forced to "ElfChnk" (so mutations reach the
//   record and BinXML decoders), or, when `carve` and bit 1 is clear, wiped (so the carver takes
//   the whole chunk without a header).
// Every record is rendered as JSON and flattened into an Event, as hunt does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "evtx/reader.h"

inline int fuzz_evtx_input(const std::uint8_t* data, std::size_t size, bool carve) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  ++data;
  --size;
  std::size_t sink = 0;
  tansa::evtx::ReadCallbacks cb;
  cb.on_json = [&](std::string_view s) { sink += s.size(); };
  cb.on_event = [&](const tansa::Event& e) {
    sink += e.source.position;
    for (const auto& f : e.fields()) sink += f.value.text.size();
  };
  cb.on_diagnostic = [&](const tansa::Diagnostic& d) { sink += d.reason.size(); };
  tansa::evtx::ReadOptions opt;
  opt.threads = 1;
  opt.carve = carve;
  if (mode & 1) {
    std::vector<std::uint8_t> chunk(data, data + std::min(size, tansa::evtx::kChunkSize));
    if (chunk.size() >= 8) {
      if (!carve || (mode & 2))
        std::memcpy(chunk.data(), "ElfChnk", 8);
      else
        std::memset(chunk.data(), 0xcc, 8);
    }
    (void)tansa::evtx::read_chunk(chunk, "fuzz", 0, opt, cb);
  } else {
    (void)tansa::evtx::read_bytes({data, size}, "fuzz", opt, cb);
  }
  return sink == SIZE_MAX;
}
