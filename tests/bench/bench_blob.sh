#!/usr/bin/env bash
# Benchmark (not a test): an attachment over a thin, cutting link. A desa
# posts news with a photo of SIZE bytes (default 2,000,000); its link to
# the kecamatan goes through flaky at RATE kbit/s (default 64) with 100-
# 300 ms latency, cut every CUT seconds (default 30). Midway the
# kabupaten (above the kecamatan, over loopback) posts a peringatan that
# goes down that link while the photo goes up (the issue's case), and
# the desa posts WARNS (default 5), 3.3 s apart, that must overtake the
# rest of its own blob.
# Prints the bytes that crossed the link (desa -> kecamatan) against the
# file size, the connections and cuts, the transfer time, and the delay
# of the urgent entries. Bytes do not depend on the machine's load; times
# do a little (the load average is printed).
#
# BENCH_ONLY=bulk: bulk throughput instead. The kabupaten holds PHOTOS
# (default 100) photos of SIZE bytes, posted to tree:KECAMATAN; an empty
# kecamatan syncs them over loopback TCP (no flaky). Prints MB/s from the
# kecamatan's start to the last blob whole there, and the CPU seconds of
# both daemons (utime + stime, /proc/PID/stat) per MB moved: the figure
# to trust on a shared machine, with the load average beside it.
# BENCH_HYPERBLOBS=1 also moves the same files with Hypercore's
# Hyperblobs (tests/bench/compare/hyperblobs.js; npm ci there first):
# a writer process holding them, an empty reader process downloading
# them all over loopback TCP, the CPU of both the same way.
# Usage: bench_blob.sh SIMPUL FLAKY [SIZE] [RATE] [CUT]
. "$(dirname "$0")/../integration/lib.sh"
SIMPUL=$1
FLAKY=$2
SIZE=${3:-2000000}
RATE=${4:-64}
CUT=${5:-30}
. "$(dirname "$0")/../integration/netlib.sh"

s() { "$SIMPUL" "$@"; }
blob_state() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { print $4 }'; }
held() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { split($5, a, "/"); n = a[1] } END { print n + 0 }'; }
whole_at() { [ "$(blob_state "$1" "$2")" = whole ]; }
# cpu_ticks PID: utime + stime, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wholes() { s blobs --data "$WORK/$1" 2>/dev/null | awk '$4 == "whole"' | wc -l; }

if [ "${BENCH_ONLY:-}" = bulk ]; then
  PHOTOS=${PHOTOS:-100}
  make_root kab 36.04
  make_node kec 36.04.12 kab --issuer
  echo "# posting $PHOTOS photos of $SIZE bytes at the kabupaten" >&2
  mkdir -p "$WORK/photos"
  for i in $(seq 1 "$PHOTOS"); do
    head -c "$SIZE" /dev/urandom >"$WORK/photos/$i.jpg"
    s post --data "$WORK/kab" --kind informasi --to tree:36.04.12 --title "Foto $i" \
      --body "Foto kegiatan $i." --attach "$WORK/photos/$i.jpg" >/dev/null
  done
  [ "$(wholes kab)" = "$PHOTOS" ] || fail "the kabupaten holds $(wholes kab) whole blobs"
  start kab 127.0.0.1:0
  parent kec kab
  # A kecamatan fetches what comes up by default (BLOBS.md §7.2): these
  # come down, so it is told to fetch everything.
  set_key kec blobs fetch all
  sleep 1
  HZ=$(getconf CLK_TCK)
  K0=$(cpu_ticks "${PID[kab]}")
  T0=$(date +%s.%N)
  start kec
  end=$((SECONDS + 3600))
  while [ "$(wholes kec)" != "$PHOTOS" ]; do
    [ $SECONDS -lt $end ] || fail "the blobs did not arrive"
    sleep 0.5
  done
  T1=$(date +%s.%N)
  K1=$(cpu_ticks "${PID[kab]}")
  C1=$(cpu_ticks "${PID[kec]}")
  LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
  # Whole means every chunk checked against its root; and one byte for byte.
  LAST=$(s list --data "$WORK/kec" --json |
    jq -r ".[] | select(.body.title == \"Foto $PHOTOS\") | .body.attachments[0].root.hex")
  s blob get "$LAST" -o "$WORK/got.jpg" --data "$WORK/kec"
  cmp "$WORK/photos/$PHOTOS.jpg" "$WORK/got.jpg" || fail "the last photo differs"
  stop kec
  stop kab
  python3 - "$PHOTOS" "$SIZE" "$T0" "$T1" "$K0" "$K1" "$C1" "$HZ" "$LOAD" <<'PY'
import sys
n, size = int(sys.argv[1]), int(sys.argv[2])
t0, t1 = float(sys.argv[3]), float(sys.argv[4])
k0, k1, c1, hz = (int(x) for x in sys.argv[5:9])
mb = n * size / 1e6
kab, kec = (k1 - k0) / hz, c1 / hz
print(f"{n} photos of {size} bytes ({mb:.0f} MB) kabupaten -> empty kecamatan, loopback; "
      f"load average {sys.argv[9]}")
print(f"all whole at the kecamatan after {t1 - t0:.1f} s: {mb / (t1 - t0):.1f} MB/s "
      f"(polling every 0.5 s included)")
print(f"CPU: kabupaten {kab:.2f} s, kecamatan {kec:.2f} s: "
      f"{(kab + kec) / mb * 1000:.1f} ms per MB moved "
      f"(sender {kab / mb * 1000:.1f}, receiver {kec / mb * 1000:.1f})")
PY
  if [ -n "${BENCH_HYPERBLOBS:-}" ]; then
    HB=$(cd "$(dirname "$0")/compare" && pwd)/hyperblobs.js
    files=()
    for i in $(seq 1 "$PHOTOS"); do files+=("$WORK/photos/$i.jpg"); done
    node "$HB" writer "$WORK/hb-w" "${files[@]}" >"$WORK/hb-w.out" 2>&1 &
    HBW=$!
    PIDS+=($HBW)
    wait_until 600 "the Hyperblobs writer" grep -q '^listening' "$WORK/hb-w.out"
    W0=$(cpu_ticks $HBW)
    node "$HB" reader "$WORK/hb-r" "$(awk '/^key/ { print $2 }' "$WORK/hb-w.out")" \
      "$(awk '/^listening/ { print $2 }' "$WORK/hb-w.out")" "$PHOTOS" $((PHOTOS * SIZE)) \
      "$WORK/hb-w/ids.json" >"$WORK/hb-r.out" || fail "hyperblobs reader: $(cat "$WORK/hb-r.out")"
    W1=$(cpu_ticks $HBW)
    LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
    kill -TERM $HBW
    wait $HBW || true
    read -r _ MS RCPU <"$WORK/hb-r.out"
    python3 - "$PHOTOS" "$SIZE" "$MS" "$RCPU" "$W0" "$W1" "$HZ" "$LOAD" \
      "$(node -p "require('$(dirname "$HB")/node_modules/hyperblobs/package.json').version")" <<'PY'
import sys
n, size, ms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rcpu = float(sys.argv[4]); w0, w1, hz = (int(x) for x in sys.argv[5:8])
mb = n * size / 1e6
wcpu = (w1 - w0) / hz
print(f"Hyperblobs {sys.argv[9]}, same files, writer -> empty reader, loopback; load average {sys.argv[8]}")
print(f"all held at the reader after {ms / 1000:.1f} s: {mb / (ms / 1000):.1f} MB/s")
print(f"CPU: writer {wcpu:.2f} s, reader {rcpu:.2f} s: {(wcpu + rcpu) / mb * 1000:.1f} ms per MB moved "
      f"(sender {wcpu / mb * 1000:.1f}, receiver {rcpu / mb * 1000:.1f})")
PY
  fi
  exit 0
fi

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
make_node desa 36.04.12.2002 kec
# The default timers: a 64 kbit/s link is slow, not dead.
for n in kec desa; do
  set_key $n net keepalive_s 20
  set_key $n net timeout_s 60
done
# The kabupaten above the kecamatan, over loopback: its warnings go down.
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
echo "desa 127.0.0.1:0 127.0.0.1:${PORT[kec]} rate_kbit=$RATE latency_ms=100-300 cut_s=$CUT" >"$WORK/links"
"$FLAKY" --links "$WORK/links" --ready "$WORK/flaky.ready" --stats "$WORK/flaky.stats" \
  --seed 1 --stats-every-ms 500 2>"$WORK/flaky.log" &
FLAKY_PID=$!
PIDS+=($FLAKY_PID)
wait_until 10 "flaky ready" test -s "$WORK/flaky.ready"
set_key desa net parent "127.0.0.1:$(awk '$1 == "desa" { print $2 }' "$WORK/flaky.ready")"
start desa
wait_until 60 "the desa linked" grep -q LINK-OPEN "$WORK/desa.log"

head -c "$SIZE" /dev/urandom >"$WORK/foto.jpg"
T0=$(date +%s.%N)
s post --data "$WORK/desa" --kind informasi --to tree:36.04.12 --title "Foto jalan" \
  --body "Jalan rusak di RT 02." --attach "$WORK/foto.jpg" >/dev/null
ROOT=$(s blobs --data "$WORK/desa" | awk '{ print $1 }')
CHUNKS=$(( (SIZE + 16383) / 16384 ))
# Midway, an urgent warning: how long does it wait behind the blob?
end=$((SECONDS + 3600))
while [ "$(held kec "$ROOT")" -lt $((CHUNKS / 2)) ]; do
  [ $SECONDS -lt $end ] || fail "no progress"
  sleep 1
done
# Down (the issue's case): the kabupaten warns; the desa's downlink
# carries only the kecamatan's asks for chunks.
TD=$(date +%s.%N)
s post --data "$WORK/kab" --kind peringatan --to tree:36.04 --title "Angin" \
  --body "Angin kencang sore ini." --level waspada >/dev/null
while [ "$(has Angin desa)" != 1 ]; do sleep 0.1; done
TE=$(date +%s.%N)
# Up, the harder case: the desa warns on the link its photo fills,
# WARNS times (default 5), 3.3 s apart (not a multiple of a chunk's 2 s),
# so they fall at different points of a chunk: the delay of each.
UPS=""
for i in $(seq 1 "${WARNS:-5}"); do
  TW=$(date +%s.%N)
  s post --data "$WORK/desa" --kind peringatan --to tree:36.04.12 --title "Banjir $i" \
    --body "Air naik di Kali Ciujung." --level siaga >/dev/null
  while [ "$(has "Banjir $i" kec)" != 1 ]; do sleep 0.1; done
  TU=$(date +%s.%N)
  UPS="$UPS $(python3 -c "print(f'{$TU - $TW:.1f}')")"
  sleep 3.3
done
while ! whole_at kec "$ROOT"; do
  [ $SECONDS -lt $end ] || fail "the blob did not arrive"
  sleep 1
done
T1=$(date +%s.%N)
s blob get "$ROOT" -o "$WORK/got.jpg" --data "$WORK/kec"
cmp "$WORK/foto.jpg" "$WORK/got.jpg" || fail "the blob differs"
kill -USR1 $FLAKY_PID
sleep 1
python3 - "$WORK/flaky.stats" "$SIZE" "$T0" "$T1" "$UPS" - "$RATE" "$CUT" "$TD" "$TE" <<'PY'
import json, sys, os
l = json.load(open(sys.argv[1]))["links"][0]
size = int(sys.argv[2]); t0, t1 = map(float, sys.argv[3:5])
ups = sorted(float(x) for x in sys.argv[5].split())
td, te = map(float, sys.argv[9:11])
up = l["bytes_c2t"]
print(f"link {sys.argv[7]} kbit/s, cut every {sys.argv[8]} s; load average {os.getloadavg()[0]:.2f}")
print(f"file {size} bytes; desa->kec {up} bytes ({up / size:.3f} x the file), "
      f"kec->desa {l['bytes_t2c']} bytes; {l['connects']} connections, {l['cuts']} cuts")
print(f"blob whole at the kecamatan after {t1 - t0:.0f} s "
      f"(the link alone: {size * 8 / 1000 / int(sys.argv[7]):.0f} s)")
print(f"peringatan from the kabupaten, midway, at the desa after {te - td:.1f} s "
      f"(down the link the photo goes up; latency 0.1-0.3 s)")
if ups:
  print(f"peringatan from the desa, {len(ups)} posted midway 3.3 s apart, at the kecamatan after "
        f"{' '.join(f'{u:.1f}' for u in ups)} s: median {ups[len(ups) // 2]:.1f} s, max {ups[-1]:.1f} s "
        f"(up, behind the chunk on the wire)")
PY
