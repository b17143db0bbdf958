// Arbitrary bytes through the EVTX carver (ReadOptions::carve; fuzz_evtx_input.h: whole files,
// chunks with a forced signature so the slack after the free-space offset is carved, and wiped
// chunks carved without a header).
#include "fuzz_evtx_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz_evtx_input(data, size, /*carve=*/true);
}
