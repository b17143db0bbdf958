#!/usr/bin/env bash
# `tansa investigate` at two sizes, each against `tansa hunt` with the same rules on the same input
# in the same run as the baseline:
#   1. one incident of about 200,000 events (`tansa simulate --scale 16`), on one core
#      (taskset -c 0, --threads 1): the time a responder waits for the answers;
#   2. at least EVENTS (default 10,000,000) events across formats (EVTX from two Windows servers,
#      FortiGate VPN, Zeek conn, Microsoft 365 JSON), built with `tansa simulate --scale` and hard
#      links to its files, on every core: throughput and peak memory.
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
small_events=$("$tansa" investigate "${small[@]}" --assets "$work/small/assets.yml" \
  --case "$work/small.db" --threads 1 2>&1 >/dev/null | sed -n 's/^tansa investigate: \([0-9]*\) events.*/\1/p')
h1=$(one_core hunt "$tansa" hunt "${small[@]}" --threads 1 -q -o "$work/small.jsonl")
i1=$(one_core investigate "$tansa" investigate "${small[@]}" --assets "$work/small/assets.yml" \
  --case "$work/small.db" --threads 1 -q -o "$work/small.json")
printf "one core, %d events (--scale 16), best of 3:\n" "$small_events"
printf "  %-12s %6.2f s\n  %-12s %6.2f s  (%.2fx hunt)\n" hunt "$h1" investigate "$i1" \
  "$(echo "$i1 / $h1" | bc -l)"
"$tansa" simulate --scenario vpn-intrusion --scale "$scale" -o "$work/base" >/dev/null
logs=("$work"/base/*.evtx "$work"/base/*.log "$work"/base/*.jsonl)
per_copy=$("$tansa" investigate "${logs[@]}" --assets "$work/base/assets.yml" --case "$work/base.db" 2>&1 >/dev/null |
  sed -n 's/^tansa investigate: \([0-9]*\) events.*/\1/p')
copies=$(( (want + per_copy - 1) / per_copy ))
for ((c = 0; c < copies; c++)); do
  mkdir -p "$work/corpus/$c"
  for f in "${logs[@]}"; do ln "$f" "$work/corpus/$c/$(basename "$f")"; done
done
bytes=$(du -sbL "$work/base" | cut -f1)
printf "corpus: %d events (%d copies of a %d-event simulated incident at --scale %d), %.0f MB\n" \
  $((per_copy * copies)) "$copies" "$per_copy" "$scale" "$(echo "$bytes * $copies / 1000000" | bc -l)"
cat -- "${logs[@]}" >/dev/null

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
measure investigate "$tansa" investigate "$work/corpus" --assets "$work/base/assets.yml" \
  -o "$work/report.json" --case "$work/case.db" -q
events=$((per_copy * copies))
for n in hunt investigate; do
  printf "%-12s %7.1f s  %9.0f events/s  peak RSS %5d MiB\n" "$n" "${secs[$n]}" \
    "$(echo "$events / ${secs[$n]}" | bc -l)" "${rss[$n]}"
done
printf "investigate / hunt: %.2fx the time, %.2fx the memory; case database %.0f MB\n" \
  "$(echo "${secs[investigate]} / ${secs[hunt]}" | bc -l)" \
  "$(echo "${rss[investigate]} / ${rss[hunt]}" | bc -l)" \
  "$(echo "$(stat -c %s "$work/case.db") / 1000000" | bc -l)"
grep -o '"unauthorized_access":"[a-z]*"' "$work/report.json"
