#!/usr/bin/env bash
# Memory of a village node (not a test): the peak and idle resident set of
# a desa daemon, from /proc/PID/status sampled every 100 ms (no valgrind,
# no instrumentation: the Release binary as deployed).
#   tests/bench/bench_memory.sh [ENTRIES]      (default 50000; ~2-4 minutes)
# Environment:
#   SIZE=300           body bytes of each entry
#   IDLE_S=60          how long the node stays idle, linked, after catching up
#   BENCH_BUILD=DIR    build directory (default build-bench-compare)
#   BENCH_REV=COMMIT   measure that commit (exported and built beside the
#                      build directory) instead of the working tree
#   DESA_ENV="K=V ..." environment of the desa's daemon only, for
#                      experiments (e.g. MALLOC_ARENA_MAX=1)
#   BENCH_KEEP=1       keep the work directory (logs, samples, smaps)
#   BENCH_PERF=1       perf record the desa's page faults during the sync
#                      (DWARF stacks) into WORK/perf-faults.data, and
#                      print the top callers (implies BENCH_KEEP)
#   BENCH_KABUPATEN=1  measure the kabupaten instead (below)
#
# The load: what one desa, Sukanegara (36.04.12.2002) in kecamatan Pontang,
# is entitled to in a busy kabupaten: ENTRIES entries in 20 feeds of 15
# authors (the kabupaten and 4 of its offices: tree:36.04, tree:36.04.12,
# tree:DESA, path:DESA:36.04; the 10 other desa of Pontang: lateral news,
# tree:36.04.12), split evenly, plus ENTRIES/5 entries the kecamatan holds
# and the desa must not get (the other desa's aspirations and
# announcements, 20 feeds), plus the network's certificates. The kabupaten
# imports them; the kecamatan syncs them from it; then the kabupaten stops
# and the desa, with an empty store, dials its kecamatan and syncs.
#
# Phases, each summed up from the samples:
#   sync  the desa's start to its SYNC-CAUGHT-UP (all committed);
#   idle  IDLE_S seconds after that and a 5 s settle, the link open and
#         quiet; the peak (VmHWM) is reset first (clear_refs 5), so its
#         VmHWM is the idle peak alone.
# Figures per phase, MiB: VmHWM (peak resident set), the peaks of RssAnon
# (heap, stacks: the node's own memory) and RssFile (file pages mapped:
# the binary, its libraries and LMDB's read-only map of the store, which
# the kernel may drop and read again at will; they count in the resident
# set all the same), and the resident set at the end.
# Goals: <= 32 MiB while syncing, <= 16 MiB idle.
#
# BENCH_KABUPATEN=1: the same load at the kabupaten, and all 29 kecamatan
# of Kabupaten Serang, with empty stores, dial it at once and sync what
# they are entitled to (Pontang all of it, the others the 5 feeds of
# tree:36.04, a quarter); the kabupaten's figures over that time
# (kab_* lines), from its start to the last SYNC-CAUGHT-UP.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
n=${1:-50000}
SIZE=${SIZE:-300}
IDLE_S=${IDLE_S:-60}
B=${BENCH_BUILD:-$ROOT/build-bench-compare}
SRC=$ROOT
[ "$SIZE" -ge 64 ] || { echo "bench_memory.sh: SIZE must be at least 64" >&2; exit 2; }
if [ -n "${BENCH_REV:-}" ]; then
  rev=$(git -C "$ROOT" rev-parse --short "$BENCH_REV^{commit}")
  SRC=$B/src-$rev
  B=$B/rev-$rev
  if [ ! -f "$SRC/CMakeLists.txt" ]; then
    mkdir -p "$SRC"
    git -C "$ROOT" archive "$rev" | tar -x -C "$SRC"
  fi
fi

cmake -S "$SRC" -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$B" --target simpul gen_entries >/dev/null

. tests/integration/lib.sh
SIMPUL=$B/simpul
GEN=$B/tests/gen_entries
. tests/integration/netlib.sh
. tests/bench/benchlib.sh
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
# The daemons' defaults (keepalive 20 s, timeout 60 s); quick redials. The
# kabupaten and the kecamatan run no HTTP API (a clash on its port would
# only add noise); the desa keeps it, as deployed, on a free port.
fast_net() {
  set_key "$1" net backoff_min_ms 100
  set_key "$1" net backoff_max_ms 800
  if grep -q '^\[http\]' "$WORK/$1/simpul.conf"; then
    set_key "$1" http listen "$([ "$1" = desa ] && echo 127.0.0.1:0)"
  fi
}
out() { printf '%s %s %s\n' "$1" "$2" "${3:-}" | tee -a "$WORK/results.txt"; }
author() { # NAME REGION: init and enrolment only, for its key
  "$SIMPUL" init --data "$WORK/$1" --region "$2" --name "Penulis $1" >/dev/null
  local req cert
  req=$("$SIMPUL" enroll request --data "$WORK/$1")
  cert=$("$SIMPUL" enroll sign --data "$WORK/kab" "$req" --valid-days 30)
  "$SIMPUL" enroll accept --data "$WORK/$1" "$cert" >/dev/null
}
# Sum of the heads of NODE's feeds whose audience holds REGION (SPEC §3).
entitled() { # NODE REGION
  "$SIMPUL" feeds --data "$WORK/$1" --json | jq --arg r "$2" '
    def within($a; $b): $a == $b or ($a | startswith($b + "."));
    [.[] | select(.audience as $x | ($x | split(":")) as $p |
        if $p[0] == "tree" then within($r; $p[1]) or within($p[1]; $r)
        else within($p[1]; $r) and within($r; $p[2]) end) | .head_seq] | add'
}

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002
t_start=$(now_ms)

# One sample per 100 ms: ms VmRSS VmHWM RssAnon RssFile RssShmem Threads (kB).
# Started first, it waits for the pid in PID_FILE (python is slow to start).
sampler() { # PID_FILE FILE
  python3 - "$1" "$2" <<'PY'
import os, sys, time
pid_file, path = sys.argv[1], sys.argv[2]
while not os.path.exists(pid_file) or not open(pid_file).read().strip():
    time.sleep(0.005)
pid = open(pid_file).read().strip()
keys = ('VmRSS', 'VmHWM', 'RssAnon', 'RssFile', 'RssShmem', 'Threads')
with open(path, 'w') as out:
    while True:
        try:
            with open(f'/proc/{pid}/status') as f:
                text = f.read()
        except OSError:
            break
        v = {}
        for line in text.splitlines():
            k, _, rest = line.partition(':')
            if k in keys:
                v[k] = rest.split()[0]
        if 'VmRSS' not in v:  # a zombie: gone
            break
        out.write('%d %s\n' % (time.time() * 1000, ' '.join(v.get(k, '0') for k in keys)))
        out.flush()
        time.sleep(0.1)
PY
}
# Where the resident set is (kB), from /proc/PID/smaps, by kind of
# mapping: LMDB's map of the store, other files (the binary, libraries),
# the main malloc heap, other malloc arenas (anonymous, inside a 64 MiB
# aligned reservation: glibc's per-thread arenas), the rest.
smaps_groups() { # PID FILE
  python3 - "/proc/$1/smaps" >"$2" <<'PY' || true
import re, sys
groups, g = {}, None
def kind(lo, hi, path):
    if path.endswith('data.mdb'): return 'lmdb-map(data.mdb)'
    if path.startswith('/'): return 'files(binary,libs,lock.mdb)'
    if path == '[heap]': return 'heap(main-arena)'
    if path == '[stack]': return 'stack(main)'
    if path.startswith('['): return 'kernel' + path
    if lo % (64 << 20) == 0 and hi - lo <= (64 << 20): return 'thread-arenas'
    return 'other-anon(stacks,mmaps)'
for line in open(sys.argv[1]):
    m = re.match(r'([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$', line)
    if m:
        g = groups.setdefault(kind(int(m[1], 16), int(m[2], 16), m[3].strip()),
                              {'rss': 0, 'anon': 0, 'clean': 0, 'dirty': 0, 'maps': 0})
        g['maps'] += 1
        continue
    k, _, v = line.partition(':')
    v = v.split()
    if not g or not v or not v[0].isdigit(): continue
    if k == 'Rss': g['rss'] += int(v[0])
    elif k == 'Anonymous': g['anon'] += int(v[0])
    elif k in ('Shared_Clean', 'Private_Clean'): g['clean'] += int(v[0])
    elif k in ('Shared_Dirty', 'Private_Dirty'): g['dirty'] += int(v[0])
print('%-30s %8s %8s %8s %8s %5s' % ('kind', 'rss', 'anon', 'clean', 'dirty', 'maps'))
for name, g in sorted(groups.items(), key=lambda x: -x[1]['rss']):
    if g['rss']:
        print('%-30s %8d %8d %8d %8d %5d' % (name, g['rss'], g['anon'], g['clean'], g['dirty'], g['maps']))
PY
}
# ---- nodes, authors, the load ------------------------------------------------------
make_root kab $KAB
make_node kec $KEC kab
make_node desa $DESA kab
others=$(awk -F, -v k="$KEC." -v d="$DESA" 'index($1, k) == 1 && $1 != d {print $1}' \
  tests/data/serang-36.04.csv)
for i in 1 2 3 4; do author "dinas$i" $KAB; done
i=0
for d in $others; do i=$((i + 1)); author "desa$i" "$d"; done
# "NAME REGION AUDIENCE" per feed: first the desa's, then the others.
{
  for a in "tree:$KAB" "tree:$KEC" "tree:$DESA" "path:$DESA:$KAB"; do echo "kab $KAB $a"; done
  for k in 1 2 3 4; do echo "dinas$k $KAB tree:$KAB"; done
  echo "dinas1 $KAB path:$DESA:$KAB"
  echo "dinas2 $KAB tree:$KEC"
  i=0
  for d in $others; do i=$((i + 1)); echo "desa$i $d tree:$KEC"; done
} >"$WORK/mine.plan"
{
  i=0
  for d in $others; do
    i=$((i + 1))
    echo "desa$i $d path:$d:$KAB"
    echo "kab $KAB tree:$d"
  done
} >"$WORK/other.plan"
mkdir -p "$WORK/bundles"
plan_lines() { # PLAN TOTAL TAG
  local nf per extra k r a j=0
  nf=$(wc -l <"$1")
  per=$(($2 / nf)) extra=$(($2 % nf))
  while read -r k r a; do
    j=$((j + 1))
    echo "$WORK/$k/node.key $r $a $((per + (j <= extra ? 1 : 0))) $3$j"
  done <"$1"
}
{
  plan_lines "$WORK/mine.plan" "$n" 1
  plan_lines "$WORK/other.plan" $((n / 5)) 2
} | awk '$4 > 0' | xargs -P "$(nproc)" -L 1 sh -c \
  '"$0" --out "'"$WORK"'/bundles/$5.bundle" --count "$4" --key "$1" --region "$2" --audience "$3" --body-bytes '"$((SIZE - 27))"' --seed "$5" 2>/dev/null' "$GEN"
{
  printf 'SIMPUL\000\001'
  for f in "$WORK"/bundles/*.bundle; do tail -c +9 "$f"; done
} >"$WORK/load.bundle"
rm -rf "$WORK/bundles"
"$SIMPUL" import --data "$WORK/kab" "$WORK/load.bundle" --json >"$WORK/import.json"
[ "$(jq .stored "$WORK/import.json")" = $((n + n / 5)) ] || fail "import: $(cat "$WORK/import.json")"
rm -f "$WORK/load.bundle"

# ---- BENCH_KABUPATEN: 29 kecamatan sync from the kabupaten at once ----------------
kabupaten_phase() {
  local k name i=0 names=() t0 t1 load_kab
  for k in $(awk -F, 'split($1, p, ".") == 3 {print $1}' tests/data/serang-36.04.csv); do
    if [ "$k" = $KEC ]; then name=kec; else i=$((i + 1)); name=kc$i; make_node "$name" "$k" kab; fi
    names+=("$name")
  done
  sync
  load_kab=$(load1)
  sampler "$WORK/kab.pid" "$WORK/samples.txt" &
  SAMPLER=$!
  PIDS+=("$SAMPLER")
  sleep 2
  t0=$(now_ms)
  start kab 127.0.0.1:0
  echo "${PID[kab]}" >"$WORK/kab.pid"
  for name in "${names[@]}"; do parent "$name" kab; start "$name"; done
  all_caught_up() {
    local n
    for n in "${names[@]}"; do grep -q SYNC-CAUGHT-UP "$WORK/$n.log" || return 1; done
  }
  wait_until 1800 "all ${#names[@]} kecamatan caught up" all_caught_up
  t1=$(now_ms)
  smaps_groups "${PID[kab]}" "$WORK/smaps-kab.txt"
  kab_cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/${PID[kab]}/stat")
  for name in "${names[@]}"; do stop "$name"; done
  stop kab
  wait "$SAMPLER" 2>/dev/null || true
  peak() { awk -v c="$1" '$c > m {m = $c} END {printf "%.1f", m / 1024}' "$WORK/samples.txt"; }
  sent=0
  for name in "${names[@]}"; do sent=$((sent + $(entries "$name"))); done
  out kab_entries "$(entries kab)" "entries at the kabupaten ($SIZE-byte bodies)"
  out kab_sent "$sent" "entries the ${#names[@]} kecamatan hold after the sync"
  out kab_sync_ms "$((t1 - t0))" "ms (the kabupaten's start to the last SYNC-CAUGHT-UP; load $load_kab)"
  out kab_vmhwm_mib "$(peak 3)" "MiB peak resident set of the kabupaten"
  out kab_rss_anon_peak_mib "$(peak 4)" "MiB (heap, stacks)"
  out kab_rss_file_peak_mib "$(peak 5)" "MiB (binary, libraries, LMDB map)"
  out kab_threads_peak "$(awk '$7 > m {m = $7} END {print m}' "$WORK/samples.txt")" threads
  out kab_cpu_s "$kab_cpu" "CPU-s (the kabupaten daemon)"
  echo "# load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
  echo "# the kabupaten's resident set by kind of mapping when all had caught up (kB):"
  sed 's/^/#   /' "$WORK/smaps-kab.txt"
}
if [ -n "${BENCH_KABUPATEN:-}" ]; then
  kabupaten_phase
  exit 0
fi

# ---- the kecamatan syncs everything from the kabupaten --------------------------------
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
want=$(entries kab)
wait_until 900 "kecamatan holds all $want entries" eq "$want" entries kec
stop kab
expect=$(entitled kec $DESA)
t_ready=$(now_ms)

# ---- the desa: sync, then idle ------------------------------------------------------------
parent desa kec
sync
load_sync=$(load1)
sampler "$WORK/desa.pid" "$WORK/samples.txt" &
SAMPLER=$!
PIDS+=("$SAMPLER")
sleep 2
t_sync0=$(now_ms)
for kv in ${DESA_ENV:-}; do export "${kv?}"; done
start desa
for kv in ${DESA_ENV:-}; do unset "${kv%%=*}"; done
echo "${PID[desa]}" >"$WORK/desa.pid"
perfpid=
if [ -n "${BENCH_PERF:-}" ]; then
  BENCH_KEEP=1
  perf record -e page-faults --call-graph dwarf,16384 -p "${PID[desa]}" \
    -o "$WORK/perf-faults.data" >"$WORK/perf.log" 2>&1 &
  perfpid=$!
fi
wait_until 900 "desa caught up" eval 'grep -q SYNC-CAUGHT-UP "$WORK/desa.log"'
if [ -n "$perfpid" ]; then kill -INT "$perfpid"; wait "$perfpid" || true; fi
got=$(entries desa)
[ "$got" = "$expect" ] || fail "desa holds $got entries, is entitled to $expect"
smaps_groups "${PID[desa]}" "$WORK/smaps-sync.txt"
sleep 5
echo 5 >"/proc/${PID[desa]}/clear_refs" # VmHWM := VmRSS
t_idle0=$(now_ms)
load_idle=$(load1)
sleep "$IDLE_S"
t_idle1=$(now_ms)
smaps_groups "${PID[desa]}" "$WORK/smaps-idle.txt"
grep -q 'LINK-CLOSED\|LINK-TIMEOUT' "$WORK/desa.log" && fail "the desa's link closed while idle"
desa_cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/${PID[desa]}/stat")
desa_faults=$(awk '{print $10 " minor, " $12 " major"}' "/proc/${PID[desa]}/stat")
stop desa
wait "$SAMPLER" 2>/dev/null || true
stop kec

# ---- figures -------------------------------------------------------------------------------
# phase T0 T1 COLUMN: max of a column (2 VmRSS, 3 VmHWM, 4 RssAnon, 5 RssFile,
# 6 RssShmem, 7 Threads) over samples in [T0, T1], in MiB; last: at T1.
peak() { awk -v a="$1" -v b="$2" -v c="$3" '$1 >= a && $1 <= b && $c > m {m = $c} END {printf "%.1f", m / 1024}' "$WORK/samples.txt"; }
last() { awk -v b="$1" -v c="$2" '$1 <= b {v = $c} END {printf "%.1f", v / 1024}' "$WORK/samples.txt"; }
nsamples() { awk -v a="$1" -v b="$2" '$1 >= a && $1 <= b' "$WORK/samples.txt" | wc -l; }
bytes_mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN {print (v <= g) ? "met" : "NOT met"}'; }
store_bytes=$(du -sb "$WORK/desa/store" | cut -f1)
log_ms() { date -d "$(grep -m1 "$1" "$WORK/desa.log" | cut -d' ' -f1)" +%s%3N; }
sync_ms=$(( $(log_ms SYNC-CAUGHT-UP) - $(log_ms LINK-OPEN) ))
hwm_sync=$(peak "$t_sync0" "$t_idle0" 3)
anon_sync=$(peak "$t_sync0" "$t_idle0" 4)
hwm_idle=$(peak "$t_idle0" "$t_idle1" 3)
anon_idle=$(peak "$t_idle0" "$t_idle1" 4)
out desa_entries "$expect" "entries synced (of $((n + n / 5)) at the kecamatan; $SIZE-byte bodies)"
out desa_sync_ms "$sync_ms" "ms (LINK-OPEN to SYNC-CAUGHT-UP; $(awk -v n="$expect" -v t="$sync_ms" 'BEGIN {printf "%.0f", n * 1000 / t}') entries/s; load $load_sync)"
out desa_store_mib "$(bytes_mib "$store_bytes")" "MiB on disk after the sync"
out sync_vmhwm_mib "$hwm_sync" "MiB peak resident set (goal <= 32: $(verdict "$hwm_sync" 32))"
out sync_rss_anon_peak_mib "$anon_sync" "MiB (heap, stacks: $(verdict "$anon_sync" 32) on its own)"
out sync_rss_file_peak_mib "$(peak "$t_sync0" "$t_idle0" 5)" "MiB (binary, libraries, LMDB map)"
out sync_rss_shmem_peak_mib "$(peak "$t_sync0" "$t_idle0" 6)" MiB
out sync_threads_peak "$(awk -v a="$t_sync0" -v b="$t_idle0" '$1 >= a && $1 <= b && $7 > m {m = $7} END {print m}' "$WORK/samples.txt")" threads
out sync_samples "$(nsamples "$t_sync0" "$t_idle0")" "samples (100 ms)"
out idle_vmhwm_mib "$hwm_idle" "MiB peak resident set over ${IDLE_S} s idle, link open (goal <= 16: $(verdict "$hwm_idle" 16); load $load_idle)"
out idle_rss_anon_peak_mib "$anon_idle" "MiB ($(verdict "$anon_idle" 16) on its own)"
out idle_rss_file_peak_mib "$(peak "$t_idle0" "$t_idle1" 5)" MiB
out idle_rss_end_mib "$(last "$t_idle1" 2)" "MiB resident at the end ($(last "$t_idle1" 4) anon + $(last "$t_idle1" 5) file + $(last "$t_idle1" 6) shmem)"
out idle_samples "$(nsamples "$t_idle0" "$t_idle1")" "samples (100 ms)"
out desa_cpu_s "$desa_cpu" "CPU-s (the desa daemon, whole run)"
out desa_page_faults "$desa_faults" "(whole run; a minor fault maps up to 16 cached pages: fault-around)"
out bench_run_s "$(( ($(now_ms) - t_start) / 1000 ))" "s (setup $(( (t_ready - t_start) / 1000 )) s)"
echo "# ${rev:+commit $rev, }${DESA_ENV:+desa environment: $DESA_ENV, }load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "# resident set by kind of mapping right after catching up (kB):"
sed 's/^/#   /' "$WORK/smaps-sync.txt"
echo "# the same at the end of the idle time (kB):"
sed 's/^/#   /' "$WORK/smaps-idle.txt"
if [ -n "${BENCH_PERF:-}" ]; then
  echo "# page faults of the desa during the sync, by caller (perf report --no-children):"
  perf report -i "$WORK/perf-faults.data" --no-children --stdio -g caller,0.5,callee,function,percent \
    --percent-limit 2 2>/dev/null | grep -v '^$' | head -n 80 | sed 's/^/#   /'
fi
