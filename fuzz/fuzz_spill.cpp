// The detection sorter's spill files: hunt and investigate write runs of detections to a temporary
// folder and read them back, so the bytes they read are only as trustworthy as that folder.
// Arbitrary bytes read as one serialized detection or as a whole run file must parse or be refused
// with a reason, never crash or size memory by a length they merely claim; whatever parses must
// serialize back to the same detection.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hunt/sorter.h"
#include "tansa/detection.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  tansa::Detection d;
  std::size_t pos = 0;
  if (d.deserialize(bytes, pos)) {
    std::string again;
    d.serialize(again);
    tansa::Detection back;
    std::size_t p2 = 0;
    if (!back.deserialize(again, p2) || p2 != again.size() || back.time_ns != d.time_ns ||
        back.source != d.source || back.rule != d.rule || back.host != d.host ||
        back.fields != d.fields || back.related != d.related)
      std::abort();  // what parses must round-trip exactly
  }

  if (size == 0) return 0;
  std::FILE* f = ::fmemopen(const_cast<std::uint8_t*>(data), size, "rb");
  if (!f) return 0;
  tansa::hunt::RunReader run(f, "fuzz", 1 << 16, 8);
  for (int i = 0; i < 100000; ++i) {
    auto more = run.next();
    if (!more || !*more) break;
    if (run.current().rule >= 8) std::abort();  // the reader promised a valid rule index
  }
  std::fclose(f);
  return 0;
}
