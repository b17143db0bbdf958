// Writes tests/data/evtx/sample.evtx (no arguments besides the output path), or a large file of
// varied events for benchmarks: evtx_make_sample OUT.evtx [RECORDS].
#include <cstdio>
#include <cstdlib>
#include <string>

#include "evtx/writer.h"
#include "sample_events.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.evtx [RECORDS]\n", argv[0]);
    return 2;
  }
  tansa::evtx::EvtxWriter w;
  if (argc > 2) {
    for (const auto& e : tansa::evtx::testing::many_events(std::strtoull(argv[2], nullptr, 10)))
      w.add(e);
  } else {
    for (const auto& e : tansa::evtx::testing::sample_events()) w.add(e);
  }
  if (!w.write(argv[1])) {
    std::perror(argv[1]);
    return 1;
  }
  return 0;
}
