#!/usr/bin/env bash
# `tansa metrics` and `tansa logons` against `tansa hunt` (SigmaHQ's rules) on the same input in the
# same run: the SigmaHQ regression EVTX files, copied COPIES times (default 20), on one core
# (taskset -c 0, --threads 1), best of three each. The survey commands read without rules, so
# they should take no longer than hunt.
#
#   bench/survey_bench.sh [COPIES]
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-20}
sigmahq="${TANSA_SIGMAHQ:-../shared/sigmahq}"
build=${BUILD:-build}
tansa=$build/tansa
[ -x "$tansa" ] || { echo "build tansa first (scripts/build.sh)" >&2; exit 2; }
[ -d "$sigmahq/regression_data" ] || { echo "SigmaHQ data not found at $sigmahq" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t files < <(find "$sigmahq/regression_data" -name '*.evtx' | sort)
for ((c = 0; c < copies; c++)); do
  mkdir -p "$work/corpus/$c"
  i=0
  for f in "${files[@]}"; do cp "$f" "$work/corpus/$c/$i.evtx"; i=$((i + 1)); done
done
bytes=$(du -sb "$work/corpus" | cut -f1)
nfiles=$(find "$work/corpus" -name '*.evtx' | wc -l)
cat "$work"/corpus/*/*.evtx >/dev/null

best() {  # command...: best of three wall-clock seconds on core 0
  local b=
  for _ in 1 2 3; do
    local t0 t1 s
    t0=$(date +%s.%N)
    taskset -c 0 "$@" >/dev/null 2>&1
    t1=$(date +%s.%N)
    s=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$b" ] || (( $(echo "$s < $b" | bc -l) )); then b=$s; fi
  done
  printf "%s" "$b"
}
"$tansa" hunt "$work/corpus/0" -r "$sigmahq/rules" -q -o /dev/null >/dev/null 2>&1 || true  # warm the rule cache
h=$(best "$tansa" hunt "$work/corpus" -r "$sigmahq/rules" --threads 1 -q -o "$work/h.jsonl")
m=$(best "$tansa" metrics "$work/corpus" --threads 1 -q -o "$work/m.jsonl")
l=$(best "$tansa" logons "$work/corpus" --threads 1 -q -o "$work/l.csv")
printf "corpus: %d EVTX files, %.1f MB (SigmaHQ regression data x %d); one core, best of 3\n" \
  "$nfiles" "$(echo "$bytes / 1000000" | bc -l)" "$copies"
printf "  %-30s %6.2f s\n" "hunt (SigmaHQ rules)" "$h"
printf "  %-30s %6.2f s  (%.2fx hunt)\n" "metrics" "$m" "$(echo "$m / $h" | bc -l)"
printf "  %-30s %6.2f s  (%.2fx hunt)\n" "logons" "$l" "$(echo "$l / $h" | bc -l)"
