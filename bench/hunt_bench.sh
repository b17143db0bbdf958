#!/usr/bin/env bash
# `tansa hunt` end to end: the SigmaHQ rule set over a corpus of at least MEGABYTES (default 1024)
# built by copying the SigmaHQ regression EVTX files, on one thread and on all cores, printing
# MB/s, events/s, peak memory and the scaling ratio, in one run.
#
#   bench/hunt_bench.sh [MEGABYTES]
#
# The regression files are real Windows-written logs but hold few records per 64 KiB chunk, so
# MB/s is the figure that matters here (the dense-corpus reader figures are in evtx_bench.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-1024}
sigmahq="${TANSA_SIGMAHQ:-../shared/sigmahq}"
build=${BUILD:-build}
tansa=$build/tansa
[ -x "$tansa" ] || { echo "build tansa first (scripts/build.sh)" >&2; exit 2; }
[ -d "$sigmahq/regression_data" ] || { echo "SigmaHQ data not found at $sigmahq" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t files < <(find "$sigmahq/regression_data" -name '*.evtx' | sort)
per_copy=$(cat "${files[@]}" | wc -c)
copies=$(( (mb * 1000000 + per_copy - 1) / per_copy ))
for ((c = 0; c < copies; c++)); do
  mkdir -p "$work/corpus/$c"
  i=0
  for f in "${files[@]}"; do cp "$f" "$work/corpus/$c/$i.evtx"; i=$((i + 1)); done
done
bytes=$(du -sb "$work/corpus" | cut -f1)
nfiles=$(find "$work/corpus" -name '*.evtx' | wc -l)
rules=(-r "$sigmahq/rules" -r "$sigmahq/rules-emerging-threats" -r "$sigmahq/rules-threat-hunting")
printf "corpus: %d EVTX files, %.1f MB (%d copies of the %d regression files)\n" "$nfiles" "$(echo "$bytes / 1000000" | bc -l)" "$copies" "${#files[@]}"
cat -- "$work"/corpus/*/*.evtx >/dev/null  # page cache warm for both runs

declare -A rate phase
run() {
  local name=$1 threads=$2
  local t0 t1 secs rss events
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$tansa" hunt "${rules[@]}" "$work/corpus" --threads "$threads" \
    -o "$work/out-$threads.csv" 2>"$work/err"
  t1=$(date +%s.%N)
  secs=$(echo "$t1 - $t0" | bc -l)
  rss=$(cat "$work/rss")
  events=$(grep -o '[0-9]* events from' "$work/err" | tail -1 | cut -d' ' -f1)
  rate[$name]=$(echo "$bytes / $secs / 1000000" | bc -l)
  load=$(grep -o 'rules loaded in [0-9.]* s' "$work/err" | grep -o '[0-9.]*' | head -1)
  read_s=$(grep -o 'read and matched in [0-9.]* s' "$work/err" | grep -o '[0-9.]*' | head -1)
  phase[$name]=$read_s
  printf "%-22s %7.2f s %9.1f MB/s %10.0f events/s %8.1f MiB peak RSS  %s detections  (rules %.2f s, reading %.2f s = %.1f MB/s)\n" \
    "$name" "$secs" "${rate[$name]}" "$(echo "$events / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)" \
    "$(($(wc -l <"$work/out-$threads.csv") - 1))" "$load" "$read_s" "$(echo "$bytes / $read_s / 1000000" | bc -l)"
}
cores=$(nproc)
run "1 thread" 1
run "$cores threads" "$cores"
printf "scaling on %d cores: %.2fx end to end, %.2fx reading and matching; same output on both: %s\n" "$cores" \
  "$(echo "${rate["$cores threads"]} / ${rate["1 thread"]}" | bc -l)" \
  "$(echo "${phase["1 thread"]} / ${phase["$cores threads"]}" | bc -l)" \
  "$(cmp -s "$work/out-1.csv" "$work/out-$cores.csv" && echo yes || echo NO)"
