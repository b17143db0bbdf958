#!/usr/bin/env bash
# Measures `tansa dump` against evtxexport (libevtx) and python-evtx on the same EVTX corpus, in one
# run, and prints records/s, MB/s, peak memory and the ratios.
#
#   bench/evtx_bench.sh [RECORDS] [MEGABYTES]
#
# Two corpora, each read by every tool:
#  - dense: RECORDS (default 300000) varied Security and Sysmon records written by tansa's own
#    EVTX writer (evtx_make_sample), chunks full as on a real server; records/s comes from here.
#  - regression: MEGABYTES (default 256) of chunks copied from the SigmaHQ regression EVTX files
#    (../shared/sigmahq/regression_data, skipped when absent) by bench/evtx_corpus.py: real
#    Windows-written records, but nearly empty chunks, so MB/s matters more than records/s.
# python-evtx is slow, so it reads a slice of each corpus; its records/s is comparable.
set -euo pipefail
cd "$(dirname "$0")/.."
dense_records=${1:-300000}
mb=${2:-256}
regression="${TANSA_SIGMAHQ:-../shared/sigmahq}/regression_data"
build=${BUILD:-build}
tansa=$build/tansa
PY=/usr/bin/python3  # Debian's python, which has python3-evtx
[ -x "$tansa" ] || { echo "build tansa first (scripts/build.sh)" >&2; exit 2; }
command -v evtxexport >/dev/null || { echo "evtxexport missing (scripts/install-deps.sh)" >&2; exit 2; }
cmake --build "$build" --target evtx_make_sample >/dev/null 2>&1 || true
maker=$(find "$build" -name evtx_make_sample -type f -perm -u+x | head -1)
[ -n "$maker" ] || { echo "evtx_make_sample did not build" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
count_records() { evtxexport -f xml "$1" 2>/dev/null | grep -c '<Event ' || true; }

# run NAME RECORDS BYTES CMD...: times CMD (output discarded), prints one row, records the rate.
declare -A rate
run() {
  local name=$1 n=$2 b=$3
  shift 3
  cat "$file" "$small" >/dev/null  # warm the page cache alike for everyone
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

# corpus NAME FILE SMALLFILE: runs every tool on one corpus and prints the ratios.
corpus() {
  local name=$1 file=$2 small=$3
  local records small_records bytes small_bytes
  records=$(count_records "$file")
  small_records=$(count_records "$small")
  bytes=$(stat -c %s "$file")
  small_bytes=$(stat -c %s "$small")
  echo
  echo "== $name corpus: $records records, $(echo "$bytes / 1000000" | bc) MB"
  run "tansa dump, 1 thread" "$records" "$bytes" "$tansa" dump --threads 1 "$file"
  run "tansa dump, $(nproc) threads" "$records" "$bytes" "$tansa" dump --threads "$(nproc)" "$file"
  run "evtxexport -f xml" "$records" "$bytes" evtxexport -f xml "$file"
  run "python-evtx (evtx_dump.py)" "$small_records" "$small_bytes" $PY /usr/bin/evtx_dump.py "$small"
  local one=${rate["tansa dump, 1 thread"]} many=${rate["tansa dump, $(nproc) threads"]}
  printf "  tansa 1 thread / evtxexport:   %7.1fx\n" "$(echo "$one / ${rate["evtxexport -f xml"]}" | bc -l)"
  printf "  tansa 1 thread / python-evtx:  %7.1fx\n" "$(echo "$one / ${rate["python-evtx (evtx_dump.py)"]}" | bc -l)"
  printf "  tansa %d threads / 1 thread:    %7.2fx (linear: %d)\n" "$(nproc)" "$(echo "$many / $one" | bc -l)" "$(nproc)"
}

"$maker" "$work/dense.evtx" "$dense_records"
"$maker" "$work/dense-small.evtx" $(( dense_records / 30 ))
corpus dense "$work/dense.evtx" "$work/dense-small.evtx"
rm -f "$work/dense.evtx" "$work/dense-small.evtx"

if [ -d "$regression" ]; then
  $PY bench/evtx_corpus.py "$work/reg.evtx" "$mb" "$regression" >/dev/null
  $PY bench/evtx_corpus.py "$work/reg-small.evtx" $(( mb / 16 > 4 ? mb / 16 : 4 )) "$regression" >/dev/null
  corpus regression "$work/reg.evtx" "$work/reg-small.evtx"
else
  echo "regression corpus skipped: $regression not found"
fi
