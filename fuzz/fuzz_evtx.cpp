// Arbitrary bytes through the EVTX reader (fuzz_evtx_input.h: whole files and single chunks).
#include "fuzz_evtx_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return fuzz_evtx_input(data, size, /*carve=*/false);
}
