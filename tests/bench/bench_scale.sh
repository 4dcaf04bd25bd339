#!/usr/bin/env bash
# Kabupaten scale (not a test; issue 10): a kabupaten daemon whose store
# holds FEEDS feeds, with its 29 kecamatan daemons linked, against the same
# with 100 feeds. Real daemons on 127.0.0.1, Release build. Prints
# "name value unit" lines, then a summary.
#   tests/bench/bench_scale.sh [FEEDS]        (default 50000; ~5-10 minutes)
# Environment:
#   BENCH_BUILD=DIR   build directory (default build-bench-scale)
#   BENCH_TRIALS=N    new-entry trials per size (default 10)
#   BENCH_KEEP=1      keep the work directories
#
# The load: FEEDS feeds of one entry each, written by kabupaten-level
# authors (enrolled nodes of region 36.04), each to every tree:X it may
# (X any of the 356 regions of Kabupaten Serang) on the urgent and the
# normal channel (712 feeds an author), imported at the kabupaten. Each
# kecamatan is entitled to the feeds of tree:36.04, tree:itself and
# tree:its desa: about 1/29 of them, which it syncs before the figures.
#
# Figures, for 100 feeds and for FEEDS:
#   new_entry_ms   a post at the kabupaten (tree:36.04) until all 29
#                  kecamatan hold it (median of the trials; bench_poll on
#                  every kecamatan's store)
#   new_entry_cpu_ms  the kabupaten's CPU (user + system) per new entry
#   noop_bytes     a kecamatan restarted with nothing new: the whole
#                  session, both directions (its peer counters)
#   full_bytes, full_ms  a kecamatan whose store was deleted (a new
#                  instance): the whole session, until caught up
#   idle_cpu_ms    CPU of all 30 daemons over 10 s with nothing to do
# Goals: new-entry cost within 2 x of the 100-feed figure; no-op session
# <= 512 bytes whatever the number of feeds; an idle node uses no CPU.
#
# Measured (issue 10), 50,000 feeds, a kecamatan's universe 2,415:
#   before (every session walked every feed at each commit and tick), load
#   2.3: new entry 376 ms CPU / 381 ms wall against 5 ms / 29 ms with 100
#   feeds; no-op 448 / 451 B; new instance 716 KB in 429 ms.
#   after (the store's change index, sessions visit the feeds changed since
#   their last look; pushes look from the first feed that may be pending),
#   BENCH_TRIALS=20, load 4.3: new entry 4.5 ms CPU / 54 ms wall against
#   4.5 ms / 69 ms with 100 feeds (1.0 x); no-op 448 / 451 B; new instance
#   717 KB in 384 ms. (At load 19-25: 7.0 against 5.0 ms of CPU.) CPU is
#   in 10 ms clock ticks: raise BENCH_TRIALS for a finer mean.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
FEEDS=${1:-50000}
TRIALS=${BENCH_TRIALS:-10}
B=${BENCH_BUILD:-$ROOT/build-bench-scale}
CSV=$ROOT/tests/data/serang-36.04.csv

cmake -S "$ROOT" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$B" --target simpul gen_entries >/dev/null
mkdir -p "$B/tests"
cc -std=c11 -O2 -Wall -Wextra -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
  -o "$B/tests/bench_poll" tests/bench/bench_poll.c "$B/libsimpul_store.a" \
  "$B/libsimpul_entry.a" "$B/libsimpul_wire.a" "$B/libsimpul_region.a" \
  "$B/libsimpul_base.a" -llmdb -lsodium -lmsgpackc -lpthread
SIMPUL=$B/simpul
GEN=$B/tests/gen_entries
POLLER=$B/tests/bench_poll
HZ=$(getconf CLK_TCK)

out() { printf '%-22s %s %s\n' "$1" "$2" "${3:-}"; }
median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
cpu_ms() { # PID...: user + system CPU of those processes, ms
  local t=0 p
  for p in "$@"; do
    t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
  done
  echo $((t * 1000 / HZ))
}
kecamatan=$(awk -F, '$3 ~ /^kecamatan/ {print $1}' "$CSV")
[ "$(echo "$kecamatan" | wc -l)" = 29 ] || { echo "bench_scale: 29 kecamatan expected" >&2; exit 1; }

log_ms_of_last() { # NODE: time of its last SYNC-CAUGHT-UP line, ms
  date -d "$(grep SYNC-CAUGHT-UP "$WORK/$1.log" | tail -n 1 | cut -d' ' -f1)" +%s%3N
}

# run_size N: one whole measurement with N feeds at the kabupaten. Sets
# R_NEW_MS R_NEW_CPU R_NOOP R_FULL_BYTES R_FULL_MS R_IDLE R_UNIVERSE.
run_size() (
  local n=$1
  . tests/integration/lib.sh
  . tests/integration/netlib.sh
  [ -n "${BENCH_KEEP:-}" ] && trap 'for p in "${PIDS[@]:-}"; do kill -9 "$p" 2>/dev/null || true; done; echo "# kept $WORK" >&2' EXIT
  fast_net() {
    set_key "$1" net backoff_min_ms 100
    set_key "$1" net backoff_max_ms 800
    set_key "$1" http listen ""
  }
  make_root kab 36.04
  # Authors: kabupaten-level nodes, 712 feeds each at most.
  local left=$n a=0 k
  while [ "$left" -gt 0 ]; do
    a=$((a + 1))
    k=$((left < 712 ? left : 712))
    "$SIMPUL" init --data "$WORK/au$a" --region 36.04 --name "Dinas $a" >/dev/null
    "$SIMPUL" enroll accept --data "$WORK/au$a" \
      "$("$SIMPUL" enroll sign --data "$WORK/kab" \
        "$("$SIMPUL" enroll request --data "$WORK/au$a")" --valid-days 30)" >/dev/null
    "$GEN" --out "$WORK/au$a.bundle" --feeds "$k" --key "$WORK/au$a/node.key" \
      --region 36.04 --regions "$CSV" --body-bytes 40 2>/dev/null
    left=$((left - k))
  done
  for i in $(seq 1 "$a"); do
    "$SIMPUL" import --data "$WORK/kab" "$WORK/au$i.bundle" >/dev/null
  done
  local i=0 kk
  for kk in $kecamatan; do
    i=$((i + 1))
    make_node "k$i" "$kk" kab
  done
  start kab 127.0.0.1:0
  for i in $(seq 1 29); do parent "k$i" kab; start "k$i"; done
  caught() { local j; for j in $(seq 1 29); do grep -q SYNC-CAUGHT-UP "$WORK/k$j.log" || return 1; done; }
  wait_until 600 "every kecamatan caught up" caught
  sleep 2
  local universe
  universe=$("$SIMPUL" feeds --data "$WORK/k1" --json | jq length)
  local j

  # ---- one new entry, to all 29 -----------------------------------------
  local feed ms=() cpus=() t0 c0 c1 last
  "$SIMPUL" post --data "$WORK/kab" --kind informasi --to tree:36.04 --title "x 0" >/dev/null
  sleep 1
  feed=$("$SIMPUL" feeds --data "$WORK/kab" --json |
    jq -r --arg a "$("$SIMPUL" network show --data "$WORK/kab" --json | jq -r .certificate.node_key)" \
      '.[] | select(.author == $a and .audience == "tree:36.04" and .channel == "normal") | .id')
  for t in $(seq 1 "$TRIALS"); do
    local head=$((t + 1))
    local polls=()
    for j in $(seq 1 29); do
      printf 'head %s %d\n' "$feed" "$head" | "$POLLER" "$WORK/k$j/store" >"$WORK/poll$j" &
      polls+=($!)
    done
    sleep 0.3
    c0=$(cpu_ms "${PID[kab]}")
    t0=$(date +%s%3N)
    "$SIMPUL" post --data "$WORK/kab" --kind informasi --to tree:36.04 --title "x $t" >/dev/null
    wait "${polls[@]}"
    last=0
    for j in $(seq 1 29); do
      local got
      got=$(cut -d' ' -f1 "$WORK/poll$j")
      [ "$got" -gt "$last" ] && last=$got
    done
    c1=$(cpu_ms "${PID[kab]}")
    ms+=($((last - t0)))
    cpus+=($((c1 - c0)))
  done
  # ---- a kecamatan restarted: the no-op session ---------------------------
  bytes_at() { # NODE PEERKEY: in + out bytes NODE recorded for PEERKEY
    "$SIMPUL" peers --data "$WORK/$1" --json |
      jq --arg k "$2" '[.[] | select(.key == $k) | .bytes_in + .bytes_out] | add // 0'
  }
  local kabkey k1key b0 b1
  kabkey=$("$SIMPUL" network show --data "$WORK/kab" --json | jq -r .certificate.node_key)
  k1key=$("$SIMPUL" network show --data "$WORK/k1" --json | jq -r .certificate.node_key)
  stop k1
  b0=$(bytes_at k1 "$kabkey")
  start k1
  local lines
  lines=$(grep -c SYNC-CAUGHT-UP "$WORK/k1.log")
  more_caught() { [ "$(grep -c SYNC-CAUGHT-UP "$WORK/k1.log")" -gt "$lines" ]; }
  wait_until 60 "k1 catches up again" more_caught || true
  sleep 1.5
  stop k1
  b1=$(bytes_at k1 "$kabkey")
  local noop=$((b1 - b0))
  # ---- a kecamatan with a new store: the full vector ---------------------
  local f0 f1 s0 s1
  f0=$(bytes_at kab "$k1key")
  rm -rf "$WORK/k1/store"
  s0=$(date +%s%3N)
  lines=$(grep -c SYNC-CAUGHT-UP "$WORK/k1.log")
  start k1
  wait_until 120 "k1 (new store) catches up" more_caught
  s1=$(log_ms_of_last k1)
  sleep 1.5
  f1=$(bytes_at kab "$k1key")
  # ---- idle ----------------------------------------------------------------
  sleep 3
  local i0 i1 kpids=()
  for j in $(seq 1 29); do kpids+=("${PID[k$j]}"); done
  i0=$(cpu_ms "${PID[kab]}" "${kpids[@]}")
  sleep 10
  i1=$(cpu_ms "${PID[kab]}" "${kpids[@]}")
  echo "R_UNIVERSE=$universe"
  echo "R_NEW_MS=$(printf '%s\n' "${ms[@]}" | median)"
  echo "R_NEW_CPU=$(printf '%s\n' "${cpus[@]}" | awk '{s += $1} END {printf "%.1f", s / NR}')"
  echo "R_NOOP=$noop"
  echo "R_FULL_BYTES=$((f1 - f0))"
  echo "R_FULL_MS=$((s1 - s0))"
  echo "R_IDLE=$((i1 - i0))"
)

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for n in 100 "$FEEDS"; do
  eval "$(run_size "$n" | grep '^R_')"
  out "feeds_$n" "$n" "feeds at the kabupaten; a kecamatan's universe: $R_UNIVERSE"
  out "new_entry_ms_$n" "$R_NEW_MS" "ms (median of $TRIALS, to all 29 kecamatan)"
  out "new_entry_cpu_ms_$n" "$R_NEW_CPU" "ms of the kabupaten's CPU per new entry (mean; clock ticks of 10 ms)"
  out "noop_bytes_$n" "$R_NOOP" "bytes, whole session (goal <= 512)"
  out "full_bytes_$n" "$R_FULL_BYTES" "bytes, new instance, until caught up"
  out "full_ms_$n" "$R_FULL_MS" ms
  out "idle_cpu_ms_$n" "$R_IDLE" "ms of CPU, 30 daemons, 10 s idle"
  eval "S_$n=\"$R_NEW_MS $R_NEW_CPU\""
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
