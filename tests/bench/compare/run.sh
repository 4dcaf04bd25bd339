#!/usr/bin/env bash
# Side by side (not a test): the initial sync of N entries of SIZE-byte
# bodies from a writer to an empty reader, two processes on loopback TCP,
# durable storage on both sides, for simpul, Hypercore and PouchDB, in one
# run. Every byte is counted on the socket by the same relay (relay.c) in
# front of the writer; time runs from the reader's connect (the relay's
# accept) to the reader holding all N committed. See README.md.
#
#   tests/bench/compare/run.sh                 (about 5 minutes for 100k)
# Environment:
#   N=100000 SIZE=300 REPS=1   entries, body bytes, repetitions (medians)
#   SYSTEMS="simpul hypercore pouchdb"   which to run
#   NOOP=1                     also the no-op sessions (simpul's through
#                              tests/bench/bench_sync.sh, 1,000 feeds)
#   BENCH_BUILD=DIR            simpul's build (default build-bench-compare)
#   BENCH_REV=COMMIT           measure simpul at that commit, not the tree
#   BENCH_KEEP=1               keep the work directory
#   BENCH_PERF=1               perf record simpul's reader during its
#                              transfer (DWARF stacks) into
#                              WORK/perf-simpul-REP.data and print its top
#                              functions (implies BENCH_KEEP)
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
HERE=$ROOT/tests/bench/compare
N=${N:-100000}
SIZE=${SIZE:-300}
REPS=${REPS:-1}
SYSTEMS=${SYSTEMS:-simpul hypercore pouchdb}
NOOP=${NOOP:-1}
B=${BENCH_BUILD:-$ROOT/build-bench-compare}
SRC=$ROOT
[ "$SIZE" -ge 64 ] || { echo "run.sh: SIZE must be at least 64" >&2; exit 2; }

# ---- build simpul (Release) and the tools ------------------------------------
if [ -n "${BENCH_REV:-}" ]; then
  rev=$(git -C "$ROOT" rev-parse --short "$BENCH_REV^{commit}")
  SRC=$B/src-$rev
  B=$B/rev-$rev
  if [ ! -f "$SRC/CMakeLists.txt" ]; then
    mkdir -p "$SRC"
    git -C "$ROOT" archive "$rev" | tar -x -C "$SRC"
  fi
fi
echo "# building simpul (Release) in $B" >&2
cmake -S "$SRC" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$B" --target simpul gen_entries >/dev/null
mkdir -p "$B/tests"
cc -std=c11 -O2 -Wall -Wextra -o "$B/tests/relay" "$HERE/relay.c"
cc -std=c11 -O2 -Wall -Wextra -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
  -o "$B/tests/bench_poll" "$ROOT/tests/bench/bench_poll.c" -I"$SRC/src/store" \
  "$B/libsimpul_store.a" "$B/libsimpul_entry.a" "$B/libsimpul_wire.a" \
  "$B/libsimpul_region.a" "$B/libsimpul_base.a" -llmdb -lsodium -lmsgpackc -lpthread

# ---- the peers: npm ci from the lock file, unless already installed ------------
peers_ok() {
  (cd "$HERE" && node -e '
    const fs = require("fs")
    const want = require("./package.json").dependencies
    for (const [p, v] of Object.entries(want)) {
      const got = JSON.parse(fs.readFileSync("node_modules/" + p + "/package.json")).version
      if (got !== v) throw new Error(p + " " + got + ", want " + v)
      require(p)
    }' 2>/dev/null)
}
case " $SYSTEMS " in
*" hypercore "* | *" pouchdb "*)
  if ! peers_ok; then
    echo "# npm ci in $HERE" >&2
    (cd "$HERE" && npm ci --no-audit --no-fund >&2)
    peers_ok || { echo "run.sh: the peers do not load after npm ci" >&2; exit 1; }
  fi
  ;;
esac
pver() { node -p "require('$HERE/node_modules/$1/package.json').version"; }

. tests/integration/lib.sh
SIMPUL=$B/simpul
GEN=$B/tests/gen_entries
RELAY=$B/tests/relay
POLLER=$B/tests/bench_poll
. tests/integration/netlib.sh
. tests/bench/benchlib.sh
cleanup_compare() {
  local rc=$?
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.log "$WORK"/*/*.err; do
      [ -s "$f" ] || continue
      echo "---- $f (last 15 lines)" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [ -n "${BENCH_KEEP:-}" ]; then
    echo "# work directory kept: $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup_compare EXIT
# The daemons' defaults (keepalive 20 s): a PING would count as bytes.
# No HTTP API where the build has one (sync only; no clash on its port).
fast_net() {
  set_key "$1" net backoff_min_ms 100
  set_key "$1" net backoff_max_ms 800
  if grep -q '^\[http\]' "$WORK/$1/simpul.conf"; then set_key "$1" http listen ""; fi
}


# wait_line FILE WORD TIMEOUT_S PID: the first line of FILE starting with
# WORD, while the process PID lives.
wait_line() {
  local end=$((SECONDS + $3)) l
  while [ $SECONDS -lt $end ]; do
    l=$(grep -m1 "^$2\( \|$\)" "$1" 2>/dev/null || true)
    if [ -n "$l" ]; then echo "$l"; return 0; fi
    kill -0 "$4" 2>/dev/null || fail "$(basename "$1" .out) exited before '$2'"
    sleep 0.05
  done
  fail "no '$2' from $(basename "$1" .out) after $3 s"
}
# One bench_poll at a time, as a coprocess: ask LINE, print its answer.
poll_open() { coproc POLL { exec "$POLLER" "$WORK/$1/store"; }; }
poll_ask() { echo "$1" >&"${POLL[1]}"; local r; read -r r <&"${POLL[0]}"; echo "$r"; }
poll_close() { local p=$POLL_PID; eval "exec ${POLL[1]}>&-"; wait "$p" 2>/dev/null || true; }

# One line per measured transfer:
# system rep entries ms wire c2p p2c payload reader_cpu writer_cpu load noop conns
record() { echo "$*" >>"$WORK/results.txt"; }

# ---- simpul ----------------------------------------------------------------------
# A busy kecamatan's share of a kabupaten's log: 16 authors (the kabupaten,
# 4 of its offices, the 11 desa of Pontang) in 66 feeds, N entries split
# evenly, every one in the universe of the reader, the kecamatan Pontang
# (36.04.12): tree:36.04, tree:36.04.12, tree:DESA, path:DESA:36.04,
# path:36.04.12:36.04. The writer is the kabupaten's daemon.
KAB=36.04
KEC=36.04.12
author() { # NAME REGION: init and enrolment only, for its key
  "$SIMPUL" init --data "$WORK/$1" --region "$2" --name "Penulis $1" >/dev/null
  local req cert
  req=$("$SIMPUL" enroll request --data "$WORK/$1")
  cert=$("$SIMPUL" enroll sign --data "$WORK/kab" "$req" --valid-days 30)
  "$SIMPUL" enroll accept --data "$WORK/$1" "$cert" >/dev/null
}
simpul_setup() {
  local desa d i k plan=$WORK/feeds.plan nf per extra n c seed=100
  desa=$(awk -F, -v k="$KEC." 'index($1, k) == 1 {print $1}' tests/data/serang-36.04.csv)
  make_root kab $KAB
  for i in 1 2 3 4; do author "dinas$i" $KAB; done
  i=0
  for d in $desa; do i=$((i + 1)); author "desa$i" "$d"; done
  # "KEY REGION AUDIENCE", one line per feed
  : >"$plan"
  for a in "tree:$KAB" "tree:$KEC" "path:$KEC:$KAB"; do echo "kab $KAB $a" >>"$plan"; done
  for d in $desa; do echo "kab $KAB tree:$d" >>"$plan"; done
  i=0
  for d in $desa; do
    i=$((i + 1))
    echo "dinas$(( (i - 1) % 4 + 1 )) $KAB path:$d:$KAB" >>"$plan"
    for a in "path:$d:$KAB" "tree:$KEC" "tree:$d"; do echo "desa$i $d $a" >>"$plan"; done
  done
  for k in 1 2 3 4; do
    for a in "tree:$KAB" "tree:$KEC"; do echo "dinas$k $KAB $a" >>"$plan"; done
  done
  nf=$(wc -l <"$plan")
  per=$((N / nf)) extra=$((N % nf)) n=0
  mkdir -p "$WORK/bundles"
  while read -r k r a; do
    n=$((n + 1)) seed=$((seed + 1))
    c=$((per + (n <= extra ? 1 : 0)))
    [ "$c" -gt 0 ] || continue
    echo "$WORK/$k/node.key $r $a $c $seed $WORK/bundles/$n.bundle"
  done <"$plan" | xargs -P "$(nproc)" -L 1 sh -c \
    '"$0" --out "$6" --count "$4" --key "$1" --region "$2" --audience "$3" --body-bytes '"$((SIZE - 27))"' --seed "$5" 2>/dev/null' "$GEN"
  {
    printf 'SIMPUL\000\001'
    for f in "$WORK"/bundles/*.bundle; do tail -c +9 "$f"; done
  } >"$WORK/bulk.bundle"
  rm -rf "$WORK/bundles"
  "$SIMPUL" import --data "$WORK/kab" "$WORK/bulk.bundle" --json >"$WORK/import.json"
  [ "$(jq .stored "$WORK/import.json")" = "$N" ] || fail "simpul: import stored $(jq .stored "$WORK/import.json") of $N"
  SIMPUL_FEEDS=$nf
  SIMPUL_AUTHORS=$(cut -d' ' -f1 "$plan" | sort -u | wc -l)
  # Payload: the bodies (title and text, msgpack), averaged over a sample.
  SIMPUL_BODY=$("$SIMPUL" list --data "$WORK/kab" --json --limit 2000 |
    jq '[.[] | select(.body_bytes != null) | .body_bytes] | add / length')
  start kab 127.0.0.1:0
}
simpul_run() { # REP
  local r=sr$1 node=s$1 expect base seen t0 ms kcpu0 rcpu kcpu load got
  make_node "$node" $KEC kab
  expect=$(entries kab)
  base=$(entries "$node")
  relay_start "$r" "${PORT[kab]}"
  set_key "$node" net parent "127.0.0.1:$(relay_port "$r")"
  poll_open "$node"
  sync
  load=$(load1)
  kcpu0=$(cpu_cs "${PID[kab]}")
  start "$node"
  local perfpid=
  if [ -n "${BENCH_PERF:-}" ]; then
    BENCH_KEEP=1
    perf record -F 499 --call-graph dwarf,8192 -p "${PID[$node]}" \
      -o "$WORK/perf-simpul-$1.data" >"$WORK/perf-simpul-$1.log" 2>&1 &
    perfpid=$!
  fi
  seen=$(poll_ask "more $((expect - 1))")
  poll_close
  if [ -n "$perfpid" ]; then kill -INT "$perfpid"; wait "$perfpid" || true; fi
  [ "$seen" != timeout ] || fail "simpul: the reader never held $expect entries"
  rcpu=$(cpu_cs "${PID[$node]}")
  kcpu=$(( $(cpu_cs "${PID[kab]}") - kcpu0 ))
  wait_idle "$r" 1000 120
  got=$(entries "$node")
  [ "$got" = "$expect" ] || fail "simpul: the reader holds $got entries, the writer $expect"
  stop "$node"
  relay_stop "$r"
  t0=$(rstat "$r" first_open_ms)
  ms=$(( ${seen% *} - t0 ))
  record simpul "$1" $((expect - base)) "$ms" "$(rstat "$r" total)" "$(rstat "$r" c2p)" \
    "$(rstat "$r" p2c)" "$SIMPUL_BODY" "$rcpu" "$kcpu" "$load" - "$(rstat "$r" conns)"
  rm -rf "${WORK:?}/$node"
}
# The no-op session, 1,000 feeds in the universe: bench_sync.sh measures it.
simpul_noop() {
  BENCH_ONLY=noop BENCH_BUILD=${BENCH_BUILD:-$ROOT/build-bench-compare} BENCH_KEEP='' BENCH_PERF='' \
    tests/bench/bench_sync.sh >"$WORK/noop-simpul.txt" 2>"$WORK/noop-simpul.err" ||
    fail "bench_sync.sh (BENCH_ONLY=noop) failed: $(tail -n 5 "$WORK/noop-simpul.err")"
  SIMPUL_NOOP=$(awk '$1 == "noop_bytes_total" {print $2}' "$WORK/noop-simpul.txt")
  SIMPUL_NOOP_AGAIN=$(awk '$1 == "noop_again_bytes_median" {print $2}' "$WORK/noop-simpul.txt")
}

# ---- Hypercore and PouchDB: writer and reader processes (hypercore.js,
# pouchdb.js), the reader driven through a FIFO ------------------------------------
peer_run() { # SYSTEM REP
  local sys=$1 w=$WORK/$1$2 r=${1:0:1}r$2 wpid rpid ctl port key line load
  local rcpu0 wcpu0 rcpu wcpu t0 t1 ms payload noop=- tot0
  mkdir -p "$w"
  node "$HERE/$sys.js" writer "$w/writer" "$N" "$SIZE" >"$w/writer.out" 2>"$w/writer.err" &
  wpid=$!
  PIDS+=("$wpid")
  port=$(wait_line "$w/writer.out" listening 1800 $wpid | cut -d' ' -f2)
  relay_start "$r" "$port"
  mkfifo "$w/ctl"
  if [ "$sys" = hypercore ]; then
    key=$(wait_line "$w/writer.out" key 5 $wpid | cut -d' ' -f2)
    payload=$SIZE
    node "$HERE/hypercore.js" reader "$w/reader" "$key" "$(relay_port "$r")" "$N" \
      <"$w/ctl" >"$w/reader.out" 2>"$w/reader.err" &
  else
    payload=$(wait_line "$w/writer.out" doc_bytes 5 $wpid | cut -d' ' -f2)
    node "$HERE/pouchdb.js" reader "$w/reader" "$(relay_port "$r")" "$N" \
      <"$w/ctl" >"$w/reader.out" 2>"$w/reader.err" &
  fi
  rpid=$!
  PIDS+=("$rpid")
  exec {ctl}>"$w/ctl"
  wait_line "$w/reader.out" ready 300 $rpid >/dev/null
  sync
  load=$(load1)
  rcpu0=$(cpu_cs $rpid)
  wcpu0=$(cpu_cs $wpid)
  echo sync >&$ctl
  line=$(wait_line "$w/reader.out" synced 1800 $rpid)
  rcpu=$(( $(cpu_cs $rpid) - rcpu0 ))
  wcpu=$(( $(cpu_cs $wpid) - wcpu0 ))
  [ "$(echo "$line" | cut -d' ' -f3)" = "$N" ] || fail "$sys: the reader holds $(echo "$line" | cut -d' ' -f3) of $N"
  wait_idle "$r" 1000 120
  t0=$(rstat "$r" first_open_ms)
  t1=$(echo "$line" | cut -d' ' -f2)
  ms=$((t1 - t0))
  record "$sys" "$2" "$N" "$ms" "$(rstat "$r" total)" "$(rstat "$r" c2p)" "$(rstat "$r" p2c)" \
    "$payload" "$rcpu" "$wcpu" "$load" PENDING "$(rstat "$r" conns)"
  if [ "$NOOP" = 1 ]; then
    tot0=$(rstat "$r" total)
    echo noop >&$ctl
    wait_line "$w/reader.out" noop 300 $rpid >/dev/null
    wait_idle "$r" 1000 60
    noop=$(( $(rstat "$r" total) - tot0 ))
  fi
  sed -i "\$s/ PENDING / $noop /" "$WORK/results.txt"
  echo quit >&$ctl
  exec {ctl}>&-
  wait $rpid || fail "$sys reader failed: $(tail -n 3 "$w/reader.err")"
  kill -TERM $wpid
  wait $wpid || true
  relay_stop "$r"
  rm -rf "${w:?}/writer" "${w:?}/reader"
}

# ---- the run ---------------------------------------------------------------------
t_start=$(now_ms)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
: >"$WORK/results.txt"
note() { echo "# $(( ($(now_ms) - t_start) / 1000 )) s: $*" >&2; }
note "load $load_start"
case " $SYSTEMS " in *" simpul "*)
  note "simpul: writing $N signed entries"
  simpul_setup
  if [ "$NOOP" = 1 ]; then
    note "simpul: no-op session (tests/bench/bench_sync.sh, BENCH_ONLY=noop)"
    simpul_noop
  fi
  ;;
esac
for rep in $(seq 1 "$REPS"); do
  for sys in $SYSTEMS; do
    note "rep $rep: $sys, load $(load1)"
    case $sys in
    simpul) simpul_run "$rep" ;;
    hypercore | pouchdb) peer_run "$sys" "$rep" ;;
    *) fail "unknown system '$sys'" ;;
    esac
  done
done
case " $SYSTEMS " in *" simpul "*) stop kab ;; esac

# ---- report ----------------------------------------------------------------------
col() { awk -v s="$1" -v c="$2" '$1 == s {print $c}' "$WORK/results.txt"; }
runs() { col "$1" "$2" | paste -sd' ' -; }
rate_of() { awk -v s="$1" '$1 == s {printf "%.0f\n", $3 * 1000 / ($4 > 0 ? $4 : 1)}' "$WORK/results.txt"; }
bpe_of() { awk -v s="$1" '$1 == s {printf "%.1f\n", $5 / $3}' "$WORK/results.txt"; }
declare -A RATE BPE
out() { printf '%s %s %s\n' "$1" "$2" "${3:-}"; }
echo "# N=$N SIZE=$SIZE REPS=$REPS; medians; $(nproc) cores; load average $load_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "# simpul $(git -C "$ROOT" rev-parse --short HEAD)${BENCH_REV:+ (BENCH_REV=$rev)}$([ -z "${BENCH_REV:-}" ] && [ -n "$(git -C "$ROOT" status --porcelain -- src)" ] && echo ' + uncommitted changes in src/'), durable LMDB commits$(
  [ -d "$HERE/node_modules/hypercore" ] && echo "; hypercore $(pver hypercore) (rocksdb-native $(pver rocksdb-native)), pouchdb-node $(pver pouchdb-node) (leveldown $(pver leveldown)), express-pouchdb $(pver express-pouchdb), node $(node --version)")"
for sys in $SYSTEMS; do
  RATE[$sys]=$(rate_of "$sys" | median)
  BPE[$sys]=$(bpe_of "$sys" | median)
  pay=$(col "$sys" 8 | head -n 1)
  out "${sys}_entries" "$(col "$sys" 3 | head -n 1)" "entries (runs of ms: $(runs "$sys" 4))"
  out "${sys}_entries_per_s" "${RATE[$sys]}" "entries/s (runs: $(rate_of "$sys" | paste -sd' ' -))"
  out "${sys}_wire_bytes_per_entry" "${BPE[$sys]}" "bytes (runs of total bytes: $(runs "$sys" 5); writer->reader $(col "$sys" 7 | head -n 1), reader->writer $(col "$sys" 6 | head -n 1) in run 1)"
  out "${sys}_payload_bytes" "$pay" "$(case $sys in simpul) echo "bytes of body per entry ($SIMPUL_AUTHORS authors, $SIMPUL_FEEDS feeds)" ;; hypercore) echo "bytes per block" ;; pouchdb) echo "bytes of JSON per document" ;; esac)"
  out "${sys}_wire_vs_payload" "$(awk -v b="${BPE[$sys]}" -v p="$pay" 'BEGIN {printf "%.3f", b / p}')" x
  out "${sys}_reader_cpu_s" "$(col "$sys" 9 | median | awk '{printf "%.2f", $1 / 100}')" "CPU-s (reader process during the transfer; simpul: the whole life of a fresh daemon)"
  out "${sys}_writer_cpu_s" "$(col "$sys" 10 | median | awk '{printf "%.2f", $1 / 100}')" "CPU-s (writer process, same span)"
  out "${sys}_connections" "$(col "$sys" 13 | head -n 1)" "TCP connections (run 1)"
  out "${sys}_load_avg" "$(runs "$sys" 11)" "(1-minute load average before each run)"
done
ratio() { awk -v a="${RATE[simpul]:-0}" -v b="${RATE[$1]:-0}" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "-"}'; }
met() { awk -v r="$1" -v g="$2" 'BEGIN {print (r != "-" && r >= g) ? "met" : "NOT met"}'; }
if [ -n "${RATE[simpul]:-}" ]; then
  for p in hypercore pouchdb; do
    [ -n "${RATE[$p]:-}" ] || continue
    g=$([ $p = hypercore ] && echo 4 || echo 8)
    r=$(ratio $p)
    out "simpul_vs_${p}_entries_per_s" "$r" "x (goal >= $g: $(met "$r" $g))"
    out "simpul_vs_${p}_wire_bytes_per_entry" "$(awk -v a="${BPE[simpul]}" -v b="${BPE[$p]}" 'BEGIN {printf "%.2f", a / b}')" x
  done
fi
if [ "$NOOP" = 1 ]; then
  for sys in $SYSTEMS; do
    case $sys in
    simpul) out simpul_noop_bytes "$SIMPUL_NOOP" "bytes (1,000 feeds in the universe, handshake included; goal <= 512: $( [ "$SIMPUL_NOOP" -le 512 ] && echo met || echo NOT met); again with nothing changed: $SIMPUL_NOOP_AGAIN)" ;;
    *) out "${sys}_noop_bytes" "$(col "$sys" 12 | median)" "bytes (one feed/database; runs: $(runs "$sys" 12))" ;;
    esac
  done
fi
out run_s "$(( ($(now_ms) - t_start) / 1000 ))" s
if [ -n "${BENCH_PERF:-}" ] && [ -f "$WORK/perf-simpul-1.data" ]; then
  echo "# simpul's reader during the transfer, CPU by function (self), from $WORK/perf-simpul-1.data:"
  perf report -i "$WORK/perf-simpul-1.data" --no-children --sort dso,sym --stdio \
    --percent-limit 1 -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -n 40 | sed 's/^/#   /'
fi
