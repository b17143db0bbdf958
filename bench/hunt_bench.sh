#!/usr/bin/env bash
# `tansa hunt` with every SigmaHQ rule (rules, rules-emerging-threats, rules-threat-hunting):
#  - start: how long the rules take to load before matching begins ("rules loaded in"), cold
#    (an empty rule cache) and warm (the cache that run filled), on core CPU with --threads 1;
#  - end to end (wall time, start included, warm cache) on two collections:
#      small: many small EVTX files, as a triage collection arrives: the SigmaHQ regression files
#             (../shared/sigmahq/regression_data, real Windows-written logs) copied COPIES times;
#      large: a few large EVTX files built from the same files' chunks by bench/evtx_corpus.py;
#    each on one core (taskset -c CPU --threads 1) and on all cores, with MB/s, events/s, peak
#    memory, and whether both give the same output.
#  Each end-to-end row is the best of REPEAT runs (default 3).
#  Each row also gives the process's CPU time (user + system): on a machine shared with other
#  work the wall time grows with the others' load, the CPU time much less; on one core of an idle
#  machine the two are close.
#
#   bench/hunt_bench.sh [COPIES [LARGE_MEGABYTES]]     (defaults 3 and 512)
#   BUILD=build-release CPU=1 bench/hunt_bench.sh
#
# The collections are copies of the same records, which hunt would otherwise evaluate once
# (duplicates): every run here passes --keep-duplicates so each copy is read and matched as the
# distinct logs of a real collection would be.
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-3}
large_mb=${2:-512}
cpu=${CPU:-1}
sigmahq="${TANSA_SIGMAHQ:-../shared/sigmahq}"
build=${BUILD:-build}
tansa=$build/tansa
[ -x "$tansa" ] || { echo "build tansa first (scripts/build.sh)" >&2; exit 2; }
[ -d "$sigmahq/regression_data" ] || { echo "SigmaHQ data not found at $sigmahq" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t files < <(find "$sigmahq/regression_data" -name '*.evtx' | sort)
for ((c = 0; c < copies; c++)); do
  mkdir -p "$work/small/$c"
  i=0
  for f in "${files[@]}"; do cp "$f" "$work/small/$c/$i.evtx"; i=$((i + 1)); done
done
mkdir -p "$work/large"
half=$(( (large_mb + 1) / 2 ))
for n in 0 1; do
  python3 bench/evtx_corpus.py "$work/large/$n.evtx" "$half" "$sigmahq/regression_data" >/dev/null
done
rules=(-r "$sigmahq/rules" -r "$sigmahq/rules-emerging-threats" -r "$sigmahq/rules-threat-hunting")
export TANSA_CACHE="$work/cache"
mkdir -p "$TANSA_CACHE"
cat -- "$work"/small/*/*.evtx "$work"/large/*.evtx >/dev/null  # page cache warm for every run

# start NAME: one hunt over one small file on core CPU; prints how long the rules took to load, and
# the whole process's CPU time (user + system), which other work on a shared machine does not
# inflate as it does the wall time.
start() {
  /usr/bin/time -f "%U %S" -o "$work/cpu" taskset -c "$cpu" "$tansa" hunt "${rules[@]}" \
    "${files[0]}" --threads 1 -o "$work/start.csv" 2>"$work/err" || true
  printf "%-28s rules loaded in %s s  (process CPU %.2f s)\n" "$1" \
    "$(grep -o 'rules loaded in [0-9.]* s' "$work/err" | grep -o '[0-9.]*' | head -1)" \
    "$(tail -1 "$work/cpu" | awk '{print $1 + $2}')"
}
start "cold start (empty cache)"
start "warm start"
start "warm start, again"

declare -A out
# run NAME DIR THREADS [taskset...]: one timed end-to-end hunt; prints one row.
run() {
  local name=$1 dir=$2 threads=$3
  shift 3
  local bytes nfiles t0 t1 secs rss events load read_s
  bytes=$(du -sb "$dir" | cut -f1)
  nfiles=$(find "$dir" -name '*.evtx' | wc -l)
  # Best of REPEAT runs (default 3): on a shared machine one run can land on others' work.
  secs=
  for ((k = 0; k < ${REPEAT:-3}; k++)); do
    t0=$(date +%s.%N)
    /usr/bin/time -f "%M %U %S" -o "$work/rss.try" "$@" "$tansa" hunt "${rules[@]}" "$dir" \
      --threads "$threads" --keep-duplicates -o "$work/out.csv" 2>"$work/err.try" || true
    t1=$(date +%s.%N)
    local s
    s=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$secs" ] || (($(echo "$s < $secs" | bc -l))); then
      secs=$s
      cp "$work/rss.try" "$work/rss"
      cp "$work/err.try" "$work/err"
    fi
  done
  rss=$(tail -1 "$work/rss" | cut -d' ' -f1)
  cpu_s=$(tail -1 "$work/rss" | awk '{print $2 + $3}')
  events=$(grep -o '[0-9]* events from' "$work/err" | tail -1 | cut -d' ' -f1)
  load=$(grep -o 'rules loaded in [0-9.]* s' "$work/err" | grep -o '[0-9.]*' | head -1)
  read_s=$(grep -o 'read and matched in [0-9.]* s' "$work/err" | grep -o '[0-9.]*' | head -1)
  out[$name]=$(md5sum <"$work/out.csv")
  printf "%-26s %4d files %8.1f MB %6.2f s %7.1f MB/s end to end %9.0f events/s %7.1f MiB peak  (rules %s s, reading %s s)  %s detections  (CPU %.2f s: %.1f MB per CPU-second)\n" \
    "$name" "$nfiles" "$(echo "$bytes / 1000000" | bc -l)" "$secs" "$(echo "$bytes / $secs / 1000000" | bc -l)" \
    "$(echo "$events / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$load" "$read_s" \
    "$(grep -o '[0-9]* detections by' "$work/err" | tail -1 | cut -d' ' -f1)" \
    "$cpu_s" "$(echo "$bytes / $cpu_s / 1000000" | bc -l)"
}
cores=$(nproc)
run "small, 1 core" "$work/small" 1 taskset -c "$cpu"
run "small, $cores threads" "$work/small" "$cores"
run "large, 1 core" "$work/large" 1 taskset -c "$cpu"
run "large, $cores threads" "$work/large" "$cores"
printf "same output on one core and on %d threads: small %s, large %s\n" "$cores" \
  "$([ "${out["small, 1 core"]}" = "${out["small, $cores threads"]}" ] && echo yes || echo NO)" \
  "$([ "${out["large, 1 core"]}" = "${out["large, $cores threads"]}" ] && echo yes || echo NO)"
