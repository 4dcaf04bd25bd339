#!/usr/bin/env bash
# Benchmark (not a test): an attachment over a thin, cutting link. A desa
# posts news with a photo of SIZE bytes (default 2,000,000); its link to
# the kecamatan goes through flaky at RATE kbit/s (default 64) with 100-
# 300 ms latency, cut every CUT seconds (default 30). Midway the desa
# posts a peringatan (urgent), which must overtake the rest of the blob.
# Prints the bytes that crossed the link (desa -> kecamatan) against the
# file size, the connections and cuts, the transfer time, and the delay
# of the urgent entry. Bytes do not depend on the machine's load; times
# do a little (the load average is printed).
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

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
make_node desa 36.04.12.2002 kec
# The default timers: a 64 kbit/s link is slow, not dead.
for n in kec desa; do
  set_key $n net keepalive_s 20
  set_key $n net timeout_s 60
done
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
TW=$(date +%s.%N)
s post --data "$WORK/desa" --kind peringatan --to tree:36.04.12 --title "Banjir" \
  --body "Air naik di Kali Ciujung." --level siaga >/dev/null
while [ "$(has Banjir kec)" != 1 ]; do sleep 0.1; done
TU=$(date +%s.%N)
while ! whole_at kec "$ROOT"; do
  [ $SECONDS -lt $end ] || fail "the blob did not arrive"
  sleep 1
done
T1=$(date +%s.%N)
s blob get "$ROOT" -o "$WORK/got.jpg" --data "$WORK/kec"
cmp "$WORK/foto.jpg" "$WORK/got.jpg" || fail "the blob differs"
kill -USR1 $FLAKY_PID
sleep 1
python3 - "$WORK/flaky.stats" "$SIZE" "$T0" "$T1" "$TW" "$TU" "$RATE" "$CUT" <<'PY'
import json, sys, os
l = json.load(open(sys.argv[1]))["links"][0]
size = int(sys.argv[2]); t0, t1, tw, tu = map(float, sys.argv[3:7])
up = l["bytes_c2t"]
print(f"link {sys.argv[7]} kbit/s, cut every {sys.argv[8]} s; load average {os.getloadavg()[0]:.2f}")
print(f"file {size} bytes; desa->kec {up} bytes ({up / size:.3f} x the file), "
      f"kec->desa {l['bytes_t2c']} bytes; {l['connects']} connections, {l['cuts']} cuts")
print(f"blob whole at the kecamatan after {t1 - t0:.0f} s "
      f"(the link alone: {size * 8 / 1000 / int(sys.argv[7]):.0f} s)")
print(f"peringatan posted midway arrived after {tu - tw:.1f} s")
PY
