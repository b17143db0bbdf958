#!/usr/bin/env bash
# Discovery fuzzing, run by hand before submitting a change to a parser (at least 10 minutes per
# target touched); CI never runs it, it replays fixed inputs instead (fuzz/replay_main.cpp).
#
#   scripts/fuzz.sh SECONDS [TARGET...]
#
# Builds the libFuzzer targets in build-fuzz (clang 19), then runs each TARGET (default: all) for
# SECONDS, TANSA_FUZZ_JOBS at a time (default: the number of cores), from its seeds and regression
# inputs, growing its corpus in fuzz/corpus/TARGET (ignored by git). Every target runs with
# -rss_limit_mb=512: a parser that needs more on a small input is a bug. What a run finds lands in
# build-fuzz/artifacts/TARGET/; fix it and commit the input under fuzz/regressions/TARGET/.
# Exits non-zero if any target found a crash, leak, timeout or out-of-memory.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: scripts/fuzz.sh SECONDS [TARGET...]}
shift
jobs=${TANSA_FUZZ_JOBS:-$(nproc)}

scripts/install-deps.sh
CXX=clang++-19 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTANSA_BUILD_FUZZ=ON -DTANSA_BUILD_TESTS=OFF -DTANSA_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target fuzz_all

targets=("$@")
if ((${#targets[@]} == 0)); then
  for bin in build-fuzz/fuzz/fuzz_*; do [ -x "$bin" ] && targets+=("$(basename "$bin")"); done
fi

run_one() {
  local name=$1 seconds=$2
  local corpus="fuzz/corpus/$name" artifacts="build-fuzz/artifacts/$name" log="build-fuzz/$name.log"
  mkdir -p "$corpus" "$artifacts"
  local extra=()
  for d in "fuzz/seeds/$name" "fuzz/regressions/$name"; do [ -d "$d" ] && extra+=("$d"); done
  if build-fuzz/fuzz/"$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=512 \
      -max_len=262144 -artifact_prefix="$artifacts/" -print_final_stats=1 \
      "$corpus" "${extra[@]}" >"$log" 2>&1; then
    echo "fuzz: $name: $(grep -E '^#[0-9]+' "$log" | tail -1)"
  else
    echo "fuzz: $name FAILED (inputs in $artifacts); last lines of $log:"
    tail -30 "$log"
    return 1
  fi
}
export -f run_one
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one "$@"' _ {} "$seconds"
