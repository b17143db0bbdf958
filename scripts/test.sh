#!/usr/bin/env bash
# Installs the dependencies, builds tansa and its tests with AddressSanitizer and UBSan, then runs
# every test, including each fuzz target's replay of its seeds and regression inputs (the same inputs
# in the same order on every run), and the install and Debian package tests (tests/install/). The
# sanitized build lives in build-test/, so build/tansa stays the optimised binary scripts/build.sh
# made. Discovery fuzzing is a separate command: scripts/fuzz.sh SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

jobs=$(nproc)
build="build-test"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTANSA_SANITIZE=ON >/dev/null
cmake --build "$build" -j "$jobs"

ctest --test-dir "$build" --output-on-failure -j "$jobs"
