#!/usr/bin/env bash
# Sync benchmark (not a test): real daemons on 127.0.0.1, every byte counted
# on the socket by a relay between child and parent (compare/relay.c, which
# also cuts links), cross-checked with the daemons' own counters (simpul peers
# --json); bench_poll watches a store every 5 ms. Prints "name value unit"
# lines, then a short summary. Run it by hand (about 2-4 minutes):
#   tests/bench/bench_sync.sh [ENTRIES]        (default 100000)
# Environment:
#   BENCH_BUILD=DIR      build directory (default build-benchsync)
#   BENCH_REV=COMMIT     measure that commit (exported and built under
#                        the build directory) instead of the working tree
#   BENCH_KEEP=1         keep the work directory (logs, relay stats)
#   BENCH_PERF=1         perf record the initial sync (system-wide, DWARF
#                        stacks) into WORK/perf-sync.data; the daemons'
#                        pids are in WORK/perf-pids.txt
#   BENCH_TRIALS         latency trials (20)
#   BENCH_NOOP_REPEATS   steady-state no-op sessions (5)
#   BENCH_LOG_LEVEL      log level of the other nodes (info)
#   BENCH_ONLY=noop      only part 1 (compare/run.sh uses it)
#   BENCH_ONLY=sync      only part 2 (no authors, no 1,000 feeds, no cut,
#                        no latency): quick to profile the receive path
#
# 1. No-op session: a kecamatan (36.04.23) and the kabupaten (36.04) share
#    a universe of 1,000 feeds (27 enrolled kabupaten-level authors x 37
#    audiences that hold 36.04.23, + the system feed). The child syncs them,
#    stops, restarts with no change: bytes of that second session, both
#    directions, handshake included, until both sides are idle for 1.5 s.
#    Then BENCH_NOOP_REPEATS more restarts: the steady state.
# 2. Initial sync of ENTRIES entries with ~300-byte bodies (one feed of the
#    kabupaten, tree:36.04.19) to an empty child (36.04.19): entries/s from
#    the child's LINK-OPEN to its store holding them all, wire bytes per
#    entry, CPU seconds of both daemons.
# 3. The same to another empty child through a relay that cuts the link
#    after a random 20-80% of the parent->child bytes; the child redials
#    through the relay: bytes sent again = total - uncut total.
# 4. Latency desa -> kecamatan -> kabupaten over live links: post at the
#    desa, watch the kabupaten's store; median of BENCH_TRIALS.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
n=${1:-100000}
trials=${BENCH_TRIALS:-20}
B=${BENCH_BUILD:-$ROOT/build-benchsync}
SRC=$ROOT
if [ -n "${BENCH_REV:-}" ]; then
  # Measure a commit, not the working tree (which others may be editing):
  # its sources are exported under build-benchsync and built there.
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
cmake --build "$B" --target simpul gen_entries >/dev/null
mkdir -p "$B/tests"
# (bench_relay.c stopped reading for good once a buffer had filled exactly:
# under load the child then timed out after 60 s, again and again.)
cc -std=c11 -O2 -Wall -Wextra -o "$B/tests/bench_relay" tests/bench/compare/relay.c
cc -std=c11 -O2 -Wall -Wextra -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
  -o "$B/tests/bench_poll" tests/bench/bench_poll.c "$B/libsimpul_store.a" \
  "$B/libsimpul_entry.a" "$B/libsimpul_wire.a" "$B/libsimpul_region.a" \
  "$B/libsimpul_base.a" -llmdb -lsodium -lmsgpackc -lpthread
cc -std=c11 -O2 -Wall -Wextra -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
  -o "$B/tests/bench_verify" tests/bench/bench_verify.c "$B/libsimpul_entry.a" \
  "$B/libsimpul_wire.a" "$B/libsimpul_region.a" "$B/libsimpul_base.a" \
  -lsodium -lmsgpackc -lpthread

. tests/integration/lib.sh
SIMPUL=$B/simpul
GEN=$B/tests/gen_entries
VERIFY=$B/tests/bench_verify
RELAY=$B/tests/bench_relay
POLLER=$B/tests/bench_poll
. tests/integration/netlib.sh
. tests/bench/benchlib.sh
# netlib's cleanup, but BENCH_KEEP=1 keeps the logs and relay stats.
cleanup_bench() {
  local rc=$?
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log; do
      [ -f "$f" ] || continue
      echo "---- $(basename "$f") (last 15 lines)" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [ -n "${BENCH_KEEP:-}" ]; then
    echo "# work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup_bench EXIT

# No 1-second keepalive (netlib's fast_net): a PING would count as bytes of
# the no-op session. Quick redial after a cut.
fast_net() {
  set_key "$1" net backoff_min_ms 100
  set_key "$1" net backoff_max_ms 800
  set_key "$1" log level "${BENCH_LOG_LEVEL:-info}"
  # No HTTP API (where the build has one): no clash on its port.
  if grep -q '^\[http\]' "$WORK/$1/simpul.conf"; then set_key "$1" http listen ""; fi
}
log_ms() { date -d "$1" +%s%3N; } # a log line's time stamp, in ms

# An author that never runs: init and enrolment only, for its key.
author() { # NAME REGION
  "$SIMPUL" init --data "$WORK/$1" --region "$2" --name "Penulis $1" >/dev/null
  local req cert
  req=$("$SIMPUL" enroll request --data "$WORK/$1")
  cert=$("$SIMPUL" enroll sign --data "$WORK/kab" "$req" --valid-days 30)
  "$SIMPUL" enroll accept --data "$WORK/$1" "$cert" >/dev/null
}

to_parent() { # NODE RELAY: the node dials its parent through the relay
  set_key "$1" net parent "127.0.0.1:$(relay_port "$2")"
}
declare -A KEY
node_key() {
  [ -n "${KEY[$1]:-}" ] ||
    KEY[$1]=$("$SIMPUL" network show --data "$WORK/$1" --json | jq -r .certificate.node_key)
  echo "${KEY[$1]}"
}
# peer_bytes NODE PEER_NODE: "bytes_in bytes_out" that NODE recorded for it.
peer_bytes() {
  "$SIMPUL" peers --data "$WORK/$1" --json |
    jq -r --arg k "$(node_key "$2")" '.[] | select(.key == $k) | "\(.bytes_in) \(.bytes_out)"'
}
peer_state() {
  "$SIMPUL" peers --data "$WORK/$1" --json |
    jq -r --arg k "$(node_key "$2")" '.[] | select(.key == $k) | .state'
}
caught_up_lines() { cat "$WORK/$1.log" 2>/dev/null | grep -c 'SYNC-CAUGHT-UP' || true; }
open_lines() { cat "$WORK/$1.log" 2>/dev/null | grep -c 'LINK-OPEN' || true; }
out() { printf '%s %s %s\n' "$1" "$2" "${3:-}" | tee -a "$WORK/results.txt"; }
# One bench_poll at a time, as a coprocess: ask LINE, print its answer.
poll_open() { coproc POLL { exec "$POLLER" "$WORK/$1/store"; }; }
poll_ask() { echo "$1" >&"${POLL[1]}"; local r; read -r r <&"${POLL[0]}"; echo "$r"; }
poll_close() { local p=$POLL_PID; eval "exec ${POLL[1]}>&-"; wait "$p" 2>/dev/null || true; }

KAB=36.04
KEC=36.04.23          # Cikeusal: 17 desa, the largest kecamatan
DESA=36.04.23.2001
K2=36.04.19           # Petir: the bulk transfer's audience
t_setup=$(now_ms)

# ---- nodes -------------------------------------------------------------------
make_root kab $KAB
make_node kec $KEC kab
# Debug logs at both ends of the no-op link: one LINK-FRAME line (plaintext
# size) per frame received, to tell which messages carry the bytes.
set_key kab log level debug
set_key kec log level debug
make_node desa $DESA kab
make_node c2 $K2 kab          # empty child, uncut transfer
set_key c2 log level debug    # its PIPELINE-DRAINED lines
make_node c3 $K2 kab          # empty child, cut transfer
NAUTH=26
[ "${BENCH_ONLY:-}" != sync ] || NAUTH=0
for i in $(seq -w 1 $NAUTH); do author "a$i" $KAB; done
for x in kab kec; do
  KEY[$x]=$("$SIMPUL" network show --data "$WORK/$x" --json | jq -r .certificate.node_key)
done

if [ "${BENCH_ONLY:-}" != sync ]; then # (not indented: a long block)
# ---- 1,000 feeds in the kecamatan-kabupaten universe ---------------------------
# Every kabupaten-level author may write these 37 audiences, all of which
# contain both 36.04 and 36.04.23; one entry each makes one feed each.
auds="tree:$KAB tree:$KEC path:$KEC:$KAB"
for d in $(awk -F, -v k="$KEC." 'index($1, k) == 1 {print $1}' tests/data/serang-36.04.csv); do
  auds="$auds tree:$d path:$d:$KAB"
done
mkdir -p "$WORK/feeds"
for who in kab $(seq -f 'a%02g' 1 $NAUTH); do
  i=0
  for a in $auds; do
    i=$((i + 1))
    echo "$WORK/$who/node.key $a $WORK/feeds/$who-$i.bundle"
  done
done | xargs -P "$(nproc)" -L 1 sh -c \
  '"$0" --out "$3" --count 1 --key "$1" --region 36.04 --audience "$2" --seed 5 2>/dev/null' "$GEN"
{
  printf 'SIMPUL\000\001'
  for f in "$WORK"/feeds/*.bundle; do tail -c +9 "$f"; done
} >"$WORK/feeds.bundle"
"$SIMPUL" import --data "$WORK/kab" "$WORK/feeds.bundle" --json >"$WORK/import-feeds.json"
[ "$(jq .refused "$WORK/import-feeds.json")" = 0 ] || fail "feeds import refused entries"
# The universe: every feed the kabupaten holds whose audience holds 36.04.23.
universe=$("$SIMPUL" feeds --data "$WORK/kab" --json | jq --arg k "$KEC" '
  [.[] | .audience | select(
     (startswith("tree:") and (.[5:] as $t | ($k | startswith($t)) or ($t | startswith($k))))
     or (startswith("path:") and (split(":") as $p | ($p[1] | startswith($k)) and ($k | startswith($p[2])))))
  ] | length')

fi

# The bulk data: one feed, ~300-byte bodies (273 characters of text).
[ "${BENCH_ONLY:-}" = noop ] ||
  "$GEN" --out "$WORK/bulk.bundle" --count "$n" --key "$WORK/kab/node.key" \
    --region $KAB --audience "tree:$K2" --body-bytes 273 --seed 7 2>/dev/null
t_ready=$(now_ms)

start kab 127.0.0.1:0

if [ "${BENCH_ONLY:-}" != sync ]; then # (not indented: a long block)
# ---- 1. the session that finds nothing to do ---------------------------------
relay_start r1 "${PORT[kab]}"
to_parent kec r1
start kec
want=$(entries kab)
wait_until 120 "kecamatan holds the 1,000 feeds" eq "$want" entries kec
wait_idle r1 1000 60
stop kec
relay_stop r1
wait_until 20 "kabupaten saw the link close" eq disconnected peer_state kab kec
noop_session() { # RELAY: restart the child through RELAY, measure until idle
  local r=$1 kin0 kout0 pin0 pout0 kin1 kout1 pin1 pout1 opens
  read -r kin0 kout0 < <(peer_bytes kec kab)
  read -r pin0 pout0 < <(peer_bytes kab kec)
  opens=$(open_lines kab)
  local lk lc
  lk=$(wc -l <"$WORK/kab.log"); lc=$(wc -l <"$WORK/kec.log")
  relay_start "$r" "${PORT[kab]}"
  to_parent kec "$r"
  start kec
  wait_until 30 "no-op link opened" eval '[ "$(open_lines kab)" -gt "$opens" ]'
  wait_idle "$r" 1500 60
  stop kec
  relay_stop "$r"
  wait_until 20 "kabupaten saw the link close" eq disconnected peer_state kab kec
  read -r kin1 kout1 < <(peer_bytes kec kab)
  read -r pin1 pout1 < <(peer_bytes kab kec)
  NOOP_C2P=$(rstat "$r" c2p); NOOP_P2C=$(rstat "$r" p2c)
  NOOP_TOTAL=$(rstat "$r" total)
  NOOP_MS=$(( $(rstat "$r" last_ms) - $(rstat "$r" first_ms) ))
  NOOP_CHILD_COUNTERS=$(( kin1 - kin0 + kout1 - kout0 ))
  NOOP_PARENT_COUNTERS=$(( pin1 - pin0 + pout1 - pout0 ))
  # Frames (plaintext bytes) each side received in this session.
  NOOP_FRAMES_C2P=$(tail -n +$((lk + 1)) "$WORK/kab.log" | frame_sizes)
  NOOP_FRAMES_P2C=$(tail -n +$((lc + 1)) "$WORK/kec.log" | frame_sizes)
}
frame_sizes() { grep 'LINK-FRAME' | sed 's/.*frame of \([0-9]*\) bytes/\1/' | paste -sd+ -; }
noop_session r2
out noop_universe_feeds "$universe" feeds
out noop_bytes_total "$NOOP_TOTAL" "bytes (goal <= 512; hypercore 613, pouchdb 1956)"
out noop_bytes_child_to_parent "$NOOP_C2P" bytes
out noop_bytes_parent_to_child "$NOOP_P2C" bytes
out noop_bytes_child_counters "$NOOP_CHILD_COUNTERS" "bytes (simpul peers at the child: in+out delta)"
out noop_bytes_parent_counters "$NOOP_PARENT_COUNTERS" "bytes (simpul peers at the parent: in+out delta)"
out noop_first_to_last_byte_ms "$NOOP_MS" ms
out noop_frames_child_to_parent "${NOOP_FRAMES_C2P:-none}" "plaintext bytes per frame after the handshake (+21 each on the wire)"
out noop_frames_parent_to_child "${NOOP_FRAMES_P2C:-none}" "plaintext bytes per frame after the handshake (+21 each on the wire)"
noop2=$NOOP_TOTAL
# Steady state: restart again, nothing changed since the last session.
: >"$WORK/noop-again.txt"
for i in $(seq 1 "${BENCH_NOOP_REPEATS:-5}"); do
  noop_session "r3-$i"
  echo "$NOOP_TOTAL $NOOP_C2P $NOOP_P2C $NOOP_FRAMES_C2P $NOOP_FRAMES_P2C $NOOP_CHILD_COUNTERS $NOOP_PARENT_COUNTERS" >>"$WORK/noop-again.txt"
done
noop3=$(cut -d' ' -f1 "$WORK/noop-again.txt" | median)
out noop_again_bytes_median "$noop3" "bytes (${BENCH_NOOP_REPEATS:-5} more restarts, nothing changed since the last session)"
out noop_again_bytes_min "$(cut -d' ' -f1 "$WORK/noop-again.txt" | sort -n | head -n 1)" bytes
out noop_again_bytes_max "$(cut -d' ' -f1 "$WORK/noop-again.txt" | sort -n | tail -n 1)" bytes
out noop_again_sessions "$(cut -d' ' -f1-5 "$WORK/noop-again.txt" | tr ' ' '/' | paste -sd' ' -)" "(total/c2p/p2c/frames c2p/frames p2c)"
out noop_again_counters_agree "$(awk '$1 != $6 || $1 != $7 {bad++} END {print bad ? "no: " bad " of " NR " sessions (peer records lose bytes)" : "yes"}' "$WORK/noop-again.txt")"
if [ "${BENCH_ONLY:-}" = noop ]; then
  stop kab
  echo "no-op session, $universe feeds in the universe: $noop2 bytes after the first sync, then $noop3 (median)"
  exit 0
fi
fi

# ---- 2. initial sync of n entries to an empty child ---------------------------
"$SIMPUL" import --data "$WORK/kab" "$WORK/bulk.bundle" --json >"$WORK/import-bulk.json"
[ "$(jq .stored "$WORK/import-bulk.json")" = "$n" ] || fail "bulk import"
bigfeed=$("$SIMPUL" feeds --data "$WORK/kab" --json |
  jq -r --arg a "tree:$K2" '.[] | select(.audience == $a) | .id')
# A sample: listing all n entries as JSON took minutes on a loaded machine.
body_avg=$("$SIMPUL" list --data "$WORK/kab" --feed "$bigfeed" --json --limit 2000 |
  jq '[.[] | .body_bytes] | add / length')

transfer() { # CHILD RELAY [relay args]: until the child holds all n, then idle
  local c=$1 r=$2; shift 2
  relay_start "$r" "${PORT[kab]}" "$@"
  to_parent "$c" "$r"
  local cu0 done t0 t1 kcpu0
  cu0=$(caught_up_lines "$c")
  sync                                  # earlier phases' dirty pages, now
  XFER_LOAD=$(load1)
  kcpu0=$(cpu_cs "${PID[kab]}")
  poll_open "$c"
  start "$c"
  local perfpid=
  if [ -n "${BENCH_PERF:-}" ] && [ "$c" = c2 ]; then
    # System-wide (attaching by pid can miss threads started meanwhile);
    # report the daemons with: perf report -i perf-sync.data --pid PIDS
    echo "${PID[kab]},${PID[$c]}" >"$WORK/perf-pids.txt"
    perf record -a -F 499 --call-graph dwarf,8192 \
      -o "$WORK/perf-sync.data" >"$WORK/perf.log" 2>&1 &
    perfpid=$!
  fi
  done=$(poll_ask "head $bigfeed $n")
  poll_close
  if [ -n "$perfpid" ]; then kill -INT "$perfpid"; wait "$perfpid" || true; fi
  [ "$done" != timeout ] || fail "$c never held all $n entries"
  XFER_CHILD_CPU=$(cpu_cs "${PID[$c]}")
  XFER_PARENT_CPU=$(( $(cpu_cs "${PID[kab]}") - kcpu0 ))
  wait_until 60 "$c caught up" eval '[ "$(caught_up_lines "$c")" -gt "$cu0" ]'
  wait_idle "$r" 1000 60
  stop "$c"
  relay_stop "$r"
  t0=$(log_ms "$(grep -m1 'LINK-OPEN' "$WORK/$c.log" | cut -d' ' -f1)")
  t1=$(log_ms "$(grep 'SYNC-CAUGHT-UP' "$WORK/$c.log" | tail -n 1 | cut -d' ' -f1)")
  XFER_MS=$(( ${done% *} - t0 ))
  XFER_CU_MS=$(( t1 - t0 ))
  XFER_C2P=$(rstat "$r" c2p); XFER_P2C=$(rstat "$r" p2c)
  XFER_TOTAL=$(rstat "$r" total); XFER_CONNS=$(rstat "$r" conns)
  XFER_SENT=$(rstat "$r" total_sent)
}
# The ceiling: the same entries' signatures alone, on every core.
"$VERIFY" "$WORK/bulk.bundle" "$(nproc)" >"$WORK/verify.txt"
vstat() { awk -v k="$1" '$1 == k {print $2}' "$WORK/verify.txt"; }
transfer c2 r4
uncut_total=$XFER_TOTAL uncut_p2c=$XFER_P2C
[ "$XFER_SENT" = "$XFER_TOTAL" ] || fail "relay: uncut transfer lost bytes"
# A link that dropped and came back (a 60 s timeout each) makes any rate
# meaningless: that is how 3,000 entries once printed 24 entries/s.
[ "$XFER_CONNS" = 1 ] || fail "the uncut transfer took $XFER_CONNS connections ($(grep -c 'LINK-TIMEOUT' "$WORK/c2.log" || true) LINK-TIMEOUT at the child): no rate"
rate=$(( n * 1000 / (XFER_MS > 0 ? XFER_MS : 1) ))
out sync_entries "$n" entries
out sync_body_bytes_avg "$body_avg" bytes
out sync_load_avg "$XFER_LOAD" "(1-minute load average before the transfer; 2 cores)"
out sync_ms "$XFER_MS" "ms (child LINK-OPEN to its store holding all, 5 ms polls)"
out sync_ms_caught_up "$XFER_CU_MS" "ms (child LINK-OPEN to its SYNC-CAUGHT-UP line)"
out sync_entries_per_s "$rate" "entries/s (goal >= 20000)"
out sync_child_cpu_s "$(awk -v c="$XFER_CHILD_CPU" 'BEGIN {printf "%.2f", c / 100}')" "CPU-s (child daemon, all threads)"
out sync_parent_cpu_s "$(awk -v c="$XFER_PARENT_CPU" 'BEGIN {printf "%.2f", c / 100}')" "CPU-s (parent daemon, during the transfer)"
out sync_entries_per_child_cpu_s "$(( n * 100 / (XFER_CHILD_CPU > 0 ? XFER_CHILD_CPU : 1) ))" "entries per CPU-s of the child"
# The child's pipeline says how long every core had signatures to check
# while it held entries (PIPELINE-DRAINED lines): whatever the load, below
# 100 % the cores waited for the link, the window or the commits.
occ=$({ grep 'PIPELINE-DRAINED' "$WORK/c2.log" || true; } |
  sed 's/.* \([0-9]*\) entries checked in \([0-9.]*\) ms, every one of \([0-9]*\) parts out \([0-9.]*\)%.*/\1 \2 \4 \3/' |
  awk '{n += $1; ms += $2; full += $2 * $3 / 100; p = $4}
       END {printf "%.1f %% of %.0f ms with entries in the pipeline (%d periods, %d parts at once)", ms ? 100 * full / ms : 0, ms, NR, p}')
out sync_child_all_cores_verifying "$occ"
out sync_verify_ceiling_per_s "$(vstat verify_ceiling_per_s)" "verifications/s on $(nproc) free cores ($(vstat verify_per_cpu_s) per CPU-s, bench_verify over the same entries; $(vstat verify_wall_per_s)/s of wall time at load $(vstat verify_load_avg))"
out sync_vs_verify_ceiling "$(awk -v r="$rate" -v c="$(vstat verify_ceiling_per_s)" 'BEGIN {printf "%.2f", r / c}')" "x the ceiling (goal >= 0.8; wall time: only on a quiet machine)"
out sync_child_cpu_verifying "$(awk -v c="$XFER_CHILD_CPU" -v n="$n" -v v="$(vstat verify_per_cpu_s)" 'BEGIN {printf "%.2f", n * 100 / c / v}')" "of the child's CPU time would verify the entries alone (1: nothing else)"
out sync_child_cpu_us_per_entry "$(awk -v c="$XFER_CHILD_CPU" -v n="$n" 'BEGIN {printf "%.1f", c * 1e4 / n}')" "CPU-us per entry (child daemon, all threads)"
out sync_vs_hypercore "$(awk -v r="$rate" 'BEGIN {printf "%.2f", r / 5277}')" "x hypercore's 5,277 blocks/s"
out sync_wire_bytes "$XFER_TOTAL" "bytes ($XFER_P2C parent->child, $XFER_C2P child->parent)"
bpe=$(awk -v b="$XFER_TOTAL" -v n="$n" 'BEGIN {printf "%.1f", b / n}')
out sync_wire_bytes_per_entry "$bpe" bytes
out sync_wire_vs_body "$(awk -v b="$bpe" -v a="$body_avg" 'BEGIN {printf "%.3f", b / a}')" "x body (goal <= 1.25; hypercore 1.34)"
out sync_wire_overhead_per_entry "$(awk -v b="$bpe" -v a="$body_avg" 'BEGIN {printf "%.1f", b - a}')" "bytes per entry besides the body"
out sync_wire_vs_hypercore "$(awk -v b="$bpe" 'BEGIN {printf "%.2f", b / 402}')" "x hypercore's 402 bytes per 300-byte block"

if [ "${BENCH_ONLY:-}" = sync ]; then
  stop kab
  echo "initial sync of $n entries: $rate entries/s, $(( n * 100 / (XFER_CHILD_CPU > 0 ? XFER_CHILD_CPU : 1) )) entries per CPU-s of the child (load $XFER_LOAD); verify ceiling $(vstat verify_ceiling_per_s)/s"
  exit 0
fi

# ---- 3. the link cut at a random point ------------------------------------------
cut=$(( uncut_p2c * (20 + RANDOM % 61) / 100 ))
transfer c3 r5 --cut-p2c "$cut"
[ "$XFER_CONNS" -ge 2 ] || fail "the relay did not see a redial"
resent=$(( XFER_TOTAL - uncut_total ))
out cut_at_bytes "$cut" "bytes parent->child ($(( cut * 100 / uncut_p2c ))% of the transfer)"
out cut_connections "$XFER_CONNS" connections
out cut_resent_bytes "$resent" "bytes (goal <= 1048576, one window)"
out cut_resent_p2c_bytes "$(( XFER_P2C - uncut_p2c ))" "bytes parent->child"
out cut_resent_sent_bytes "$(( XFER_SENT - uncut_total ))" "bytes (counting what the relay took from the senders, also what the cut dropped)"
out cut_total_ms "$XFER_MS" "ms (LINK-OPEN to holding all, cut and redial included)"

# ---- 4. latency desa -> kecamatan -> kabupaten ------------------------------------
set_key kec net parent "127.0.0.1:${PORT[kab]}"
start kec 127.0.0.1:0
parent desa kec
start desa
wait_until 60 "desa linked" eval 'grep -q "LINK-OPEN .* to parent" "$WORK/desa.log"'
wait_until 60 "desa caught up" eval '[ "$(caught_up_lines desa)" -gt 0 ]'
sleep 1
: >"$WORK/latency.txt"
LAT_LOAD=$(load1)
poll_open kab
for i in $(seq 1 "$trials"); do
  sleep "0.$(( 200 + RANDOM % 300 ))"      # not in step with the 250 ms tick
  before=$(poll_ask count)
  "$SIMPUL" post --data "$WORK/desa" --kind aspirasi --to "path:$DESA:$KAB" \
    --title "Uji latensi $i" --body "isi $i" >/dev/null
  t1=$(now_ms)
  seen=$(poll_ask "more $before")
  [ "$seen" != timeout ] || fail "entry $i never reached the kabupaten"
  echo $(( ${seen% *} - t1 )) >>"$WORK/latency.txt"
done
poll_close
lat=$(median <"$WORK/latency.txt")
out latency_median_ms "$lat" "ms (desa post returned -> kabupaten holds it, 5 ms polls; $trials trials)"
out latency_load_avg "$LAT_LOAD" "(1-minute load average before the trials)"
out latency_min_ms "$(sort -n "$WORK/latency.txt" | head -n 1)" ms
out latency_max_ms "$(sort -n "$WORK/latency.txt" | tail -n 1)" ms
stop desa
stop kec
stop kab
out bench_run_s "$(( ($(now_ms) - t_setup) / 1000 ))" "s (setup and data generation $(( (t_ready - t_setup) / 1000 )) s)"

cat <<EOF

Summary (${rev:-working tree}; this machine, real daemons over loopback TCP,
bytes counted on the socket by a relay):
  no-op session, $universe feeds in the universe: $noop2 bytes after the first sync
    (goal <= 512), then $noop3 bytes (median) once nothing changed since the last session.
  initial sync of $n entries (${body_avg%.*}-byte bodies): $rate entries/s
    ($(awk -v r="$rate" 'BEGIN {printf "%.2f", r / 5277}')x hypercore; goal >= 20k), $bpe wire bytes per entry
    = $(awk -v b="$bpe" -v a="$body_avg" 'BEGIN {printf "%.3f", b / a}')x the body (goal <= 1.25; hypercore 1.34x).
  link cut at $(( cut * 100 / uncut_p2c ))% of the transfer: $resent bytes sent again (goal <= 1048576, one window).
  desa -> kecamatan -> kabupaten: median $lat ms over $trials posts.
Reproduce: ${BENCH_REV:+BENCH_REV=$rev }tests/bench/bench_sync.sh $n
EOF
