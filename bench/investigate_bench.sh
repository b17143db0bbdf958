#!/usr/bin/env bash
# `tansa investigate` at two sizes, each against `tansa hunt` with the same rules on the same input
# in the same run as the baseline:
#   1. one incident of about 200,000 events (`tansa simulate --scale 16`), on one core
#      (taskset -c 0, --threads 1): the time a responder waits for the answers;
#   2. at least EVENTS (default 10,000,000) events across formats (EVTX from Windows servers,
#      FortiGate VPN, Zeek conn, Microsoft 365 JSON, auth.log), on every core: throughput and peak
#      memory. The corpus has no repeated record (the engine counts a record found in two inputs
#      once, so copies of one incident would measure that instead). CORPUS=one (default): one
#      incident of the same scenario at the smallest --scale that gives EVENTS or more (events
#      grow linearly with the scale: measured at --scale 16 and 32): one company, one assets file. CORPUS=seeds: distinct incidents of the seeded
#      family (`tansa simulate --seed N --scale SCALE`, N = 1, 2, ...), each a company of its own,
#      read together with the first one's assets.yml: the other companies' addresses are then
#      external, so the analysis traces nearly everything (it is a stress test, not an incident).
#
#   bench/investigate_bench.sh [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-10000000}
build=${BUILD:-build}
tansa=$build/tansa
scale=${SCALE:-40}
[ -x "$tansa" ] || { echo "build tansa first (scripts/build.sh)" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. About 200,000 events on one core.
"$tansa" simulate --scenario vpn-intrusion --scale 16 -o "$work/small" >/dev/null
small=("$work"/small/*.evtx "$work"/small/*.log "$work"/small/*.jsonl)
cat -- "${small[@]}" >/dev/null
one_core() {  # name, command...: best of three wall-clock seconds on core 0
  local name=$1 best=
  shift
  for _ in 1 2 3; do
    local t0 t1
    t0=$(date +%s.%N)
    taskset -c 0 "$@" >/dev/null 2>"$work/small.err"
    t1=$(date +%s.%N)
    local s
    s=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best" ] || (( $(echo "$s < $best" | bc -l) )); then best=$s; fi
  done
  printf "%s" "$best"
}
# Also the first run on core 0: its summary line says when the report was written (the answers)
# and how long the case database's indexes took after it.
taskset -c 0 "$tansa" investigate "${small[@]}" --assets "$work/small/assets.yml" \
  --case "$work/small.db" --threads 1 -o "$work/small.json" 2>"$work/small.summary" >/dev/null
small_events=$(sed -n 's/^tansa investigate: \([0-9]*\) events.*/\1/p' "$work/small.summary")
h1=$(one_core hunt "$tansa" hunt "${small[@]}" --threads 1 -q -o "$work/small.jsonl")
i1=$(one_core investigate "$tansa" investigate "${small[@]}" --assets "$work/small/assets.yml" \
  --case "$work/small.db" --threads 1 -q -o "$work/small.json")
printf "one core, %d events (--scale 16), best of 3:\n" "$small_events"
printf "  %-12s %6.2f s\n  %-12s %6.2f s  (%.2fx hunt)\n" hunt "$h1" investigate "$i1" \
  "$(echo "$i1 / $h1" | bc -l)"
printf "  one investigate run: %s\n" "$(grep -o '([^)]*analysis[^)]*)' "$work/small.summary")"

# 2. Only the logs are read: each incident's truth.json and assets.yml go to meta/.
mkdir -p "$work/meta"
corpus=${CORPUS:-one}
seed_incident() {  # N, simulate options...: prints the bytes of its logs
  local n=$1
  shift
  "$tansa" simulate "$@" -o "$work/corpus/$n" >/dev/null
  mv "$work/corpus/$n/assets.yml" "$work/meta/$n.assets.yml"
  mv "$work/corpus/$n/truth.json" "$work/meta/$n.truth.json"
  du -sb "$work/corpus/$n" | cut -f1
}
seeds=1
if [ "$corpus" = seeds ]; then
  # Distinct seeded incidents until their bytes reach EVENTS at the first one's bytes per event.
  first_bytes=$(seed_incident 1 --seed 1 --scale "$scale")
  first_events=$("$tansa" investigate "$work/corpus/1" --assets "$work/meta/1.assets.yml" \
    --case "$work/first.db" 2>&1 >/dev/null | sed -n 's/^tansa investigate: \([0-9]*\) events.*/\1/p')
  rm -f "$work/first.db"
  target=$(echo "$want * $first_bytes / $first_events" | bc)
  bytes=$first_bytes
  while [ "$bytes" -lt "$target" ]; do
    seeds=$((seeds + 1))
    bytes=$((bytes + $(seed_incident "$seeds" --seed "$seeds" --scale "$scale")))
  done
  described="$seeds seeded incidents, tansa simulate --seed 1..$seeds --scale $scale"
else
  # Events grow with --scale as a + b * scale: b and a from part 1's incident and one at
  # --scale 32, then the smallest scale that gives EVENTS or more.
  "$tansa" simulate --scenario vpn-intrusion --scale 32 -o "$work/calib" >/dev/null
  calib=("$work"/calib/*.evtx "$work"/calib/*.log "$work"/calib/*.jsonl)
  calib_events=$("$tansa" investigate "${calib[@]}" --assets "$work/calib/assets.yml" \
    --case "$work/calib.db" -o "$work/calib.json" 2>&1 >/dev/null |
    sed -n 's/^tansa investigate: \([0-9]*\) events.*/\1/p')
  rm -rf "$work/calib" "$work/calib.db" "$work/calib.json"
  per_scale=$(((calib_events - small_events) / 16))
  fixed=$((small_events - 16 * per_scale))
  big_scale=$(((want - fixed + per_scale - 1) / per_scale))
  bytes=$(seed_incident 1 --scenario vpn-intrusion --scale "$big_scale")
  described="one incident, tansa simulate --scenario vpn-intrusion --scale $big_scale"
fi
cat -- "$work"/corpus/*/* >/dev/null

measure() {  # name, command...: prints seconds and peak RSS
  local name=$1
  shift
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -f %M -o "$work/rss" "$@" >/dev/null 2>"$work/err"
  t1=$(date +%s.%N)
  secs[$name]=$(echo "$t1 - $t0" | bc -l)
  rss[$name]=$(($(cat "$work/rss") / 1024))
}
declare -A secs rss
measure hunt "$tansa" hunt "$work/corpus" -q -o "$work/hunt.jsonl"
# Not -q: its last lines count the events read and any duplicate records dropped.
measure investigate "$tansa" investigate "$work/corpus" --assets "$work/meta/1.assets.yml" \
  -o "$work/report.json" --case "$work/case.db"
events=$(sed -n 's/^tansa investigate: \([0-9]*\) events.*/\1/p' "$work/err")
[ "$events" -ge "$want" ] || echo "note: $events events, fewer than the $want asked for"
printf "corpus: %d events (%s), %.0f MB\n" "$events" "$described" "$(echo "$bytes / 1000000" | bc -l)"
grep 'duplicate records' "$work/err" || echo "no duplicate records dropped"
grep -o '([^)]*analysis[^)]*)' "$work/err" || true
for n in hunt investigate; do
  printf "%-12s %7.1f s  %9.0f events/s  peak RSS %5d MiB\n" "$n" "${secs[$n]}" \
    "$(echo "$events / ${secs[$n]}" | bc -l)" "${rss[$n]}"
done
printf "investigate / hunt: %.2fx the time, %.2fx the memory; case database %.0f MB\n" \
  "$(echo "${secs[investigate]} / ${secs[hunt]}" | bc -l)" \
  "$(echo "${rss[investigate]} / ${rss[hunt]}" | bc -l)" \
  "$(echo "$(stat -c %s "$work/case.db") / 1000000" | bc -l)"
