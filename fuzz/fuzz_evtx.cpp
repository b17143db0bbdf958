// Arbitrary bytes through the EVTX reader: the first byte picks whole-file mode or single-chunk
// mode (where the chunk signature is forced so mutations reach the record and BinXML decoders).
// Every record is rendered as JSON and flattened into an Event.
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
    for (const auto& f : e.fields()) sink += f.value.text.size();
  };
  cb.on_diagnostic = [&](const tansa::Diagnostic& d) { sink += d.reason.size(); };
  tansa::evtx::ReadOptions opt;
  opt.threads = 1;
  if (mode & 1) {
    std::vector<std::uint8_t> chunk(data, data + std::min(size, tansa::evtx::kChunkSize));
    if (chunk.size() >= 8) std::memcpy(chunk.data(), "ElfChnk", 8);
    (void)tansa::evtx::read_chunk(chunk, "fuzz", 0, opt, cb);
  } else {
    (void)tansa::evtx::read_bytes({data, size}, "fuzz", opt, cb);
  }
  return sink == SIZE_MAX;
}
