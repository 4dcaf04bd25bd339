#!/usr/bin/env bash
# Figure (a benchmark, not a test): time to first render of Beranda with
# 500 items, in headless Chromium on a throttled connection (400 kbit/s,
# 400 ms latency) with the CPU slowed 4x (tests/ui/bench_beranda.js).
# Usage: bench_beranda.sh SIMPUL   (from the build tree: build/simpul)
SIMPUL=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/../integration/netlib.sh"
. "$here/../integration/httplib.sh"
(cd "$here" && node -e 'require("playwright-core")' 2>/dev/null) ||
  (cd "$here" && npm ci --no-audit --no-fund >&2)

make_root kab 36.04
http_on kab
start kab 127.0.0.1:0
http_wait kab
for i in $(seq 1 495); do
  "$SIMPUL" post --data "$WORK/kab" --kind informasi --to tree:36.04 \
    --title "Informasi nomor $i" --category kesehatan \
    --body "Kegiatan posyandu dan imunisasi anak di balai desa, pekan ke-$i." >/dev/null
done
for l in waspada siaga awas waspada siaga; do
  "$SIMPUL" post --data "$WORK/kab" --kind peringatan --to tree:36.04 --level $l \
    --title "Peringatan $l" --body "Air sungai naik." >/dev/null
done
export HOME=$WORK
node "$here/bench_beranda.js" "http://127.0.0.1:${HP[kab]}/"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
stop kab
