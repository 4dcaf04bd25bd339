#!/usr/bin/env bash
# Export of a kabupaten's reports (simpul export-table, docs/API.md
# "Exports") to XLSX and CSV. A store of N real signed reports (default
# 100k, from gen_entries --reports: 16 authors across Kabupaten Serang,
# aspirasi, pengaduan and permintaan_informasi, ~300-byte bodies),
# imported into a kabupaten node that then creates the network and, as
# the handler, verifies and answers STEPPED of them (default 500: two
# steps each, through the CLI, so their timelines fill the steps sheet).
# Then each export is timed: wall clock, CPU (user + system), peak RSS,
# the file's size and rows, with the load average (the machine is
# shared). Goal (issue 14): 100k reports to XLSX in under 30 s. Not a
# test: run it by hand.
#   tests/bench/bench_export.sh [N] [STEPPED]   (BUILD=build to reuse one)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
stepped=${2:-500}
B=${BUILD:-build-bench}
if [ -z "${BUILD:-}" ]; then
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  nice -n 10 cmake --build "$B" --target simpul gen_entries >/dev/null
fi
SIMPUL=$PWD/$B/simpul
PY=${PYTHON:-/usr/bin/python3}
. tests/integration/lib.sh
load() { cut -d' ' -f1-3 /proc/loadavg; }

node=$WORK/node
"$SIMPUL" init --data "$node" --region 36.04 --name "Diskominfo" >/dev/null
printf '[http]\nlisten = 127.0.0.1:0\n' >>"$node/simpul.conf"
"$B/tests/gen_entries" --out "$WORK/r.bundle" --count "$n" --authors 16 \
  --body-bytes 262 --seed 1 --reports 2>/dev/null
t0=$(date +%s%3N)
"$SIMPUL" import --data "$node" "$WORK/r.bundle" >/dev/null
echo "import_ms $(( $(date +%s%3N) - t0 ))"
"$SIMPUL" network create --data "$node" --region 36.04 --name bench >/dev/null
# The handler's steps on the newest reports it handles (the kabupaten).
"$SIMPUL" export-table reports --format csv -o "$WORK/all.csv" \
  --handler 36.04 --data "$node" >/dev/null
"$PY" -c 'import csv,sys
for r in list(csv.DictReader(open(sys.argv[1], encoding="utf-8-sig")))[:int(sys.argv[2])]:
    print(r["id"])' "$WORK/all.csv" "$stepped" >"$WORK/ids"
t0=$(date +%s%3N)
while read -r id; do
  "$SIMPUL" report verify --data "$node" "$id" --method telepon \
    --result valid --verifier "Petugas" >/dev/null
  "$SIMPUL" report respond --data "$node" "$id" \
    --text "Sudah ditindaklanjuti oleh dinas terkait." >/dev/null
done <"$WORK/ids"
echo "steps_posted $(( 2 * $(wc -l <"$WORK/ids") )) in $(( $(date +%s%3N) - t0 )) ms"

# anon_peak PID: the largest RssAnon (heap, not the store's mapped pages,
# which peak RSS counts too) of PID's child, sampled every 20 ms, in KiB.
anon_peak() {
  local peak=0 kid v
  while kill -0 "$1" 2>/dev/null; do
    kid=$(pgrep -P "$1" | head -n 1 || true)
    if [ -n "$kid" ]; then
      v=$(awk '/^RssAnon:/ { print $2 }' "/proc/$kid/status" 2>/dev/null || echo 0)
      [ "${v:-0}" -gt "$peak" ] && peak=$v
    fi
    sleep 0.02
  done
  echo "$peak"
}

# run NAME FORMAT FILE: one export, timed.
run() {
  local name=$1 fmt=$2 file=$3 l0 l1 pid anon
  l0=$(load)
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/time" \
    "$SIMPUL" export-table reports --format "$fmt" -o "$file" \
    --data "$node" >"$WORK/$name.out" &
  pid=$!
  anon=$(anon_peak $pid)
  wait $pid
  l1=$(load)
  read -r e u s m <"$WORK/time"
  echo "$name: $(cat "$WORK/$name.out")"
  echo "$name wall_s $e cpu_s $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') \
peak_rss_mib $(( m / 1024 )) peak_anon_mib $(( anon / 1024 )) \
bytes $(stat -c %s "$file") load_before $l0 load_after $l1"
}
echo "store_mib_used $(du -cm "$node"/*/data.mdb | tail -n 1 | cut -f1)"
run xlsx xlsx "$WORK/r.xlsx"
run csv csv "$WORK/r.csv"
# The same over HTTP, from `simpul run`'s API, with the token.
"$SIMPUL" run --data "$node" >"$WORK/run.log" 2>&1 &
RUN=$!
trap 'kill $RUN 2>/dev/null; wait $RUN 2>/dev/null; [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do
  port=$(grep -o 'HTTP API on http://[0-9.]*:[0-9]*' "$WORK/run.log" | sed 's/.*://') && break
  sleep 0.1
done
tok=$("$SIMPUL" token --data "$node")
for f in reports.xlsx reports.csv; do
  l0=$(load)
  curl -s -m 300 -H "Authorization: Bearer $tok" -o "$WORK/h-$f" \
    -w "http $f status %{http_code} wall_s %{time_total} bytes %{size_download}" \
    "http://127.0.0.1:$port/api/export/$f"
  echo " load_before $l0 load_after $(load)"
done
echo "http daemon peak_rss_mib $(( $(awk '/^VmHWM:/ { print $2 }' /proc/$RUN/status) / 1024 ))"
rows=$("$PY" -c 'import openpyxl,sys
wb = openpyxl.load_workbook(sys.argv[1], read_only=True)
print(wb["reports"].max_row - 1, wb["steps"].max_row - 1)' "$WORK/r.xlsx")
echo "xlsx_rows reports,steps: $rows"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
