#!/usr/bin/env bash
# Installs the dependencies, builds tansa and its tests with AddressSanitizer and UBSan, runs each
# fuzz target for a bounded time, then every test. Leaves the (sanitized) binary at build/tansa.
# TANSA_FUZZ_SECONDS sets the time per fuzz target (default 30; 0 skips fuzzing).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTANSA_SANITIZE=ON >/dev/null
cmake --build build -j "$jobs"

fuzz_seconds=${TANSA_FUZZ_SECONDS:-30}
if [ "$fuzz_seconds" -gt 0 ]; then
  CXX=clang++-19 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DTANSA_BUILD_FUZZ=ON -DTANSA_BUILD_TESTS=OFF -DTANSA_BUILD_BENCH=OFF >/dev/null
  cmake --build build-fuzz -j "$jobs" --target fuzz_all
  scripts/fuzz.sh build-fuzz "$fuzz_seconds"
fi

ctest --test-dir build --output-on-failure -j "$jobs"
