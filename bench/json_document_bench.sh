#!/usr/bin/env bash
# Peak memory and speed of `tansa hunt` on one large JSON document (a CloudTrail export: one
# {"Records": [...]} object) against the same records as JSON lines, in the same run. The document
# is streamed record by record, so its peak RSS should stay near the JSON-lines baseline and under
# 256 MiB whatever its size.
#
#   bench/json_document_bench.sh [MEGABYTES]     (default 2048)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-2048}
build=${BUILD:-build}
tansa=$build/tansa
[ -x "$tansa" ] || { echo "build tansa first (scripts/build.sh)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 - "$work" "$mb" <<'PY'
import sys
work, mb = sys.argv[1], int(sys.argv[2])
rec = ('{"eventVersion":"1.08","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/u%d",'
       '"accountId":"111122223333","userName":"u%d"},"eventTime":"2024-01-05T03:%02d:%02dZ",'
       '"eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"ap-northeast-1",'
       '"sourceIPAddress":"203.0.113.%d","userAgent":"aws-cli/2.15.0",'
       '"requestParameters":{"bucketName":"designs","key":"satellite/part-%d.pdf"},'
       '"responseElements":null,"eventID":"%08d-0000-4000-8000-000000000000","readOnly":true}')
target = mb << 20
with open(work + "/doc.json", "w") as doc, open(work + "/lines.jsonl", "w") as lines:
    doc.write('{"Records":[')
    n = size = 0
    while size < target:
        r = rec % (n % 50, n % 50, (n // 60) % 60, n % 60, n % 250, n, n)
        doc.write((',' if n else '') + r)
        lines.write(r + '\n')
        size += len(r) + 1
        n += 1
    doc.write(']}\n')
PY

measure() {  # file: "seconds peak_rss_kib"
  /usr/bin/time -f "%e %M" -o "$work/t" taskset -c 0 "$tansa" hunt -q --no-geoip --threads 1 \
    "$1" -o "$work/out.jsonl" >/dev/null 2>&1 || true
  cat "$work/t"
}
bytes=$(stat -c %s "$work/doc.json")
read -r ds dk < <(measure "$work/doc.json")
read -r ls lk < <(measure "$work/lines.jsonl")
events=$(grep -c . "$work/lines.jsonl")
printf "one JSON document, %d MB, %d records, tansa's rule pack, one core\n" $((bytes / 1000000)) "$events"
printf "  %-24s %8s s  %8.1f MB/s  peak RSS %6d MiB\n" "document ({\"Records\":[...]})" "$ds" \
  "$(echo "$bytes / 1000000 / $ds" | bc -l)" $((dk / 1024))
printf "  %-24s %8s s  %8.1f MB/s  peak RSS %6d MiB\n" "same records as JSON lines" "$ls" \
  "$(echo "$bytes / 1000000 / $ls" | bc -l)" $((lk / 1024))
printf "  peak RSS ratio document / lines: %.2f\n" "$(echo "$dk / $lk" | bc -l)"
