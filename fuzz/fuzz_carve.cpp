// Arbitrary bytes through the EVTX carver (ReadOptions::carve). The first byte picks the shape:
//   bit 0 clear: a whole file, read with carving on;
//   bit 0 set: one chunk image, with bit 1 choosing a forced chunk signature (so the slack after
//   the free-space offset is carved, the offset itself taken from the input) or a wiped one (so
//   the whole chunk is carved without a header).
// Every carved record is rendered as JSON and flattened into an Event, as hunt does.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "evtx/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
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
  opt.carve = true;
  if (mode & 1) {
    std::vector<std::uint8_t> chunk(data, data + std::min(size, tansa::evtx::kChunkSize));
    if (chunk.size() >= 8) {
      if (mode & 2)
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
