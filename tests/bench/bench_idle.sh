#!/usr/bin/env bash
# Idle cost (not a test; issue 10 item 2, issue 11 item 5): what a node
# costs when nothing happens, and what it writes per entry when something
# does. Real daemons on 127.0.0.1 (Release build): a kabupaten (36.04), a
# kecamatan (36.04.12) and two desa (.2001, .2002), links open, default
# [net] timers (keepalive 20 s). Prints "name value unit" lines, then a
# summary. Run it by hand:
#   tests/bench/bench_idle.sh            (about 2 x MINUTES + 1 minutes)
# Environment:
#   MINUTES=N        idle minutes measured (default 5; MINUTES=1 is quick)
#   ENTRIES=N        entries of the sync (default 5000)
#   BENCH_BUILD=DIR  build directory (default build-bench-idle)
#   BENCH_REV=COMMIT measure that commit instead of the working tree
#   BENCH_KEEP=1     keep the work directory
#
# 1. Settled (every link caught up, no store changed for 3 s), idle for
#    MINUTES: per daemon, CPU ms per minute (utime + stime of
#    /proc/PID/stat) and bytes written to storage per minute
#    (/proc/PID/io write_bytes: the store, its lock file, the log).
# 2. Then MINUTES more with strace attached to every daemon (apart from
#    1., as stopping at each system call would add to the CPU figures):
#    fsync, fdatasync and msync calls per minute. Without strace: skipped.
# 3. ENTRIES entries (~300-byte bodies, one feed of the kabupaten to
#    tree:36.04.12.2001) imported at the kabupaten, a separate process:
#    pushed through the kecamatan to desa .2001; its bytes written to
#    storage (and fsync calls) per entry received, until it holds them all
#    and its store is quiet.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
MINUTES=${MINUTES:-5}
ENTRIES=${ENTRIES:-5000}
B=${BENCH_BUILD:-$ROOT/build-bench-idle}
SRC=$ROOT
if [ -n "${BENCH_REV:-}" ]; then
  rev=$(git -C "$ROOT" rev-parse --short "$BENCH_REV^{commit}")
  SRC=$B/src-$rev
  B=$B/rev-$rev
  if [ ! -f "$SRC/CMakeLists.txt" ]; then
    mkdir -p "$SRC"
    git -C "$ROOT" archive "$rev" | tar -x -C "$SRC"
  fi
  echo "# measuring commit $rev (BENCH_REV=$BENCH_REV)" >&2
fi
cmake -S "$SRC" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
nice -n 10 cmake --build "$B" --target simpul gen_entries >/dev/null

. tests/integration/lib.sh
SIMPUL=$B/simpul
GEN=$B/tests/gen_entries
. tests/integration/netlib.sh
. tests/bench/benchlib.sh
[ -n "${BENCH_KEEP:-}" ] && trap 'for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done; echo "# kept $WORK" >&2' EXIT
# The default keepalive and timeout (not netlib's 1 s and 4 s): the idle
# figures are those of a real node. Quick redials; no HTTP API.
fast_net() {
  set_key "$1" net backoff_min_ms 100
  set_key "$1" net backoff_max_ms 800
  set_key "$1" http listen ""
}
HZ=$(getconf CLK_TCK)
NODES="kab kec a b"
out() { printf '%-30s %s %s\n' "$1" "$2" "${3:-}"; }
cpu_ms() { awk -v hz="$HZ" '{print int(($14 + $15) * 1000 / hz)}' "/proc/$1/stat"; }
write_bytes() { awk '/^write_bytes:/ {print $2}' "/proc/$1/io"; }
mtime() { stat -c %y "$WORK/$1/store/data.mdb"; }
per_min() { awk -v v="$1" -v m="$MINUTES" 'BEGIN {printf "%.1f", v / m}'; }
caught_up() { [ "$(grep -c SYNC-CAUGHT-UP "$WORK/$1.log" || true)" -ge "$2" ]; }
quiet() {
  local before after n
  before=$(for n in $NODES; do mtime $n; done)
  sleep 3
  after=$(for n in $NODES; do mtime $n; done)
  [ "$before" = "$after" ]
}

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
make_node a 36.04.12.2001 kec
make_node b 36.04.12.2002 kec
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
parent a kec
parent b kec
start a
start b
wait_until 60 "the kecamatan caught up on its three links" caught_up kec 3
wait_until 60 "desa a caught up" caught_up a 1
wait_until 60 "desa b caught up" caught_up b 1
# Settled: no store changed for 3 s (a daemon that writes every few
# seconds, as before 2f77866, never is: then 30 s after catching up).
settle() {
  local i
  for i in $(seq 1 10); do quiet && return 0; done
  echo "# the stores never went quiet for 3 s" >&2
}
settle
# The sync's entries, made now (not while measuring).
"$GEN" --out "$WORK/bulk.bundle" --count "$ENTRIES" --key "$WORK/kab/node.key" \
  --region 36.04 --audience tree:36.04.12.2001 --body-bytes 273 --seed 7 2>/dev/null
sync # their dirty pages, and every earlier one, written now

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# ---- 1. idle: CPU and bytes written ------------------------------------------
declare -A C0 W0 TR
for n in $NODES; do C0[$n]=$(cpu_ms "${PID[$n]}"); W0[$n]=$(write_bytes "${PID[$n]}"); done
sleep $((MINUTES * 60))
cpu_all=0 wb_all=0
for n in $NODES; do
  c=$(($(cpu_ms "${PID[$n]}") - ${C0[$n]}))
  w=$(($(write_bytes "${PID[$n]}") - ${W0[$n]}))
  cpu_all=$((cpu_all + c)) wb_all=$((wb_all + w))
  out "idle_cpu_ms_per_min_$n" "$(per_min $c)" "ms of CPU a minute (clock ticks of $((1000 / HZ)) ms)"
  out "idle_write_bytes_per_min_$n" "$(per_min $w)" "bytes written to storage a minute"
done
echo "# load average after the idle minutes: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 2. idle: fsync, fdatasync, msync ----------------------------------------
fs_all=-
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
  for n in $NODES; do
    strace -f -qq -e trace=fsync,fdatasync,msync -o "$WORK/$n.strace" \
      -p "${PID[$n]}" 2>/dev/null &
    TR[$n]=$!
  done
  sleep $((MINUTES * 60))
  fs_all=0
  for n in $NODES; do
    kill -INT "${TR[$n]}"
    wait "${TR[$n]}" 2>/dev/null || true
    f=$(grep -cE '(fsync|fdatasync|msync)\(' "$WORK/$n.strace" || true)
    fs_all=$((fs_all + f))
    out "idle_syncs_per_min_$n" "$(per_min $f)" "fsync + fdatasync + msync calls a minute"
  done
else
  echo "# no strace: the fsync counts are skipped" >&2
fi

# ---- 3. a sync: bytes written per entry received ------------------------------
e0=$(entries a)
w0=$(write_bytes "${PID[a]}")
strace -f -qq -e trace=fsync,fdatasync,msync -o "$WORK/a-sync.strace" \
  -p "${PID[a]}" 2>/dev/null &
tr=$!
sleep 1
t0=$(date +%s%3N)
"$SIMPUL" import --data "$WORK/kab" "$WORK/bulk.bundle" --json >"$WORK/import.json"
[ "$(jq .stored "$WORK/import.json")" = "$ENTRIES" ] || fail "import at the kabupaten"
has_all() { [ "$(entries a)" -ge $((e0 + ENTRIES)) ]; }
wait_until 600 "desa a holds the $ENTRIES entries" has_all
t1=$(date +%s%3N)
settle
w=$(($(write_bytes "${PID[a]}") - w0))
kill -INT "$tr"
wait "$tr" 2>/dev/null || true
f=$(grep -cE '(fsync|fdatasync|msync)\(' "$WORK/a-sync.strace" || true)
out "sync_entries" "$ENTRIES" "entries (~300-byte bodies) kabupaten -> kecamatan -> desa a"
out "sync_ms" "$((t1 - t0))" "ms from the import's start until desa a held them all"
out "sync_write_bytes_per_entry_a" "$(awk -v w=$w -v n=$ENTRIES 'BEGIN {printf "%.0f", w / n}')" \
  "bytes written to storage at desa a per entry received"
out "sync_syncs_a" "$f" "fsync + fdatasync + msync calls at desa a for the sync"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

for n in $NODES; do stop $n; done
echo "idle, $MINUTES min, 4 daemons: $(per_min $cpu_all) ms CPU/min," \
  "$(per_min $wb_all) bytes written/min, $( [ "$fs_all" = - ] && echo "-" || per_min $fs_all) syncs/min (all four);" \
  "sync: $(awk -v w=$w -v n=$ENTRIES 'BEGIN {printf "%.0f", w / n}') bytes written per entry at the desa"
