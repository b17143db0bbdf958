#!/usr/bin/env bash
# Measures `tansa dump` against evtxexport (libevtx) and python-evtx on the same EVTX corpus, in one
# run, and prints records/s, MB/s, peak memory and the ratios.
#
#   bench/evtx_bench.sh [MEGABYTES] [SOURCE...]
#
# The corpus is built by bench/evtx_corpus.py from SOURCE (default: the SigmaHQ regression EVTX
# files in ../shared/sigmahq/regression_data). python-evtx is slow, so it reads a smaller slice
# of the same corpus; records/s is comparable, the time is not.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-256}
shift || true
sources=("$@")
[ ${#sources[@]} -gt 0 ] || sources=("${TANSA_SIGMAHQ:-../shared/sigmahq}/regression_data")
tansa=${TANSA:-build/tansa}
[ -x "$tansa" ] || { echo "build tansa first (scripts/build.sh)" >&2; exit 2; }
command -v evtxexport >/dev/null || { echo "evtxexport missing (scripts/install-deps.sh)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/evtx_corpus.py "$work/corpus.evtx" "$mb" "${sources[@]}" >"$work/corpus.txt"
python3 bench/evtx_corpus.py "$work/small.evtx" $(( mb / 16 > 4 ? mb / 16 : 4 )) "${sources[@]}" >"$work/small.txt"
records=$(sed -E 's/.* ([0-9]+) records.*/\1/' "$work/corpus.txt")
small_records=$(sed -E 's/.* ([0-9]+) records.*/\1/' "$work/small.txt")
bytes=$(stat -c %s "$work/corpus.evtx")
small_bytes=$(stat -c %s "$work/small.evtx")
cat "$work/corpus.txt"

# run NAME RECORDS BYTES CMD...: times CMD (output discarded), prints one row, records the rate.
declare -A rate
run() {
  local name=$1 n=$2 b=$3
  shift 3
  cat "$work/corpus.evtx" "$work/small.evtx" >/dev/null  # warm the page cache alike for everyone
  local t0 t1 secs rss
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>"$work/err" || { echo "$name failed:"; tail -5 "$work/err"; return 1; }
  t1=$(date +%s.%N)
  secs=$(echo "$t1 - $t0" | bc -l)
  rss=$(cat "$work/rss")
  rate[$name]=$(echo "$n / $secs" | bc -l)
  printf "%-28s %10d records %8.2f s %12.0f records/s %9.1f MB/s %8.1f MiB peak RSS\n" \
    "$name" "$n" "$secs" "${rate[$name]}" "$(echo "$b / $secs / 1000000" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

echo
run "tansa dump, 1 thread" "$records" "$bytes" "$tansa" dump --threads 1 "$work/corpus.evtx"
run "tansa dump, $(nproc) threads" "$records" "$bytes" "$tansa" dump --threads "$(nproc)" "$work/corpus.evtx"
run "evtxexport -f xml" "$records" "$bytes" evtxexport -f xml "$work/corpus.evtx"
run "python-evtx (evtx_dump.py)" "$small_records" "$small_bytes" python3 /usr/bin/evtx_dump.py "$work/small.evtx"

echo
one=${rate["tansa dump, 1 thread"]}
many=${rate["tansa dump, $(nproc) threads"]}
printf "tansa 1 thread / evtxexport:   %6.1fx\n" "$(echo "$one / ${rate["evtxexport -f xml"]}" | bc -l)"
printf "tansa 1 thread / python-evtx:  %6.1fx\n" "$(echo "$one / ${rate["python-evtx (evtx_dump.py)"]}" | bc -l)"
printf "tansa %d threads / 1 thread:    %6.2fx (linear would be %d)\n" "$(nproc)" "$(echo "$many / $one" | bc -l)" "$(nproc)"
