#!/usr/bin/env bash
# The lab's flaky-link proxy, each fault checked with real TCP on 127.0.0.1:
# python targets (echo, sources) behind flaky, python clients in front
# (tests/lab/flaky_probe.py). Usage: test_flaky.sh FLAKY_BINARY
set -euo pipefail
FLAKY=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../integration/lib.sh"
# The interpreter itself, not a version manager's shim (seconds a start).
PY=$(python3 -c 'import sys; print(sys.executable)')
PROBE=("$PY" "$HERE/flaky_probe.py")
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

PIDS=()
cleanup() {
  local rc=$?
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    for f in "$WORK"/*.err "$WORK"/server.log; do
      [ -f "$f" ] && { echo "---- $(basename "$f") (last 15 lines)" >&2; tail -n 15 "$f" >&2; }
    done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# wait_file FILE: polls up to 30 s.
wait_file() {
  local i
  for i in $(seq 300); do [ -s "$1" ] && return 0; sleep 0.1; done
  fail "no $1 after 30 s"
}
# word KEY LINE: the value of KEY=... in a probe's output line.
word() { tr ' ' '\n' <<<"$2" | sed -n "s/^$1=//p"; }
# expect_range WHAT LO HI VALUE (numbers, decimals allowed)
expect_range() {
  awk -v lo="$2" -v hi="$3" -v v="$4" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
    fail "$1: $4 not in [$2, $3]"
  ok
}
# stat_of RUN LINK FIELD: from $WORK/RUN.stats, flattened into RUN.flat on
# first use (stop_flaky and a SIGUSR1 remove RUN.flat).
stat_of() {
  local flat=$WORK/$1.flat
  if [ ! -f "$flat" ]; then
    "$PY" -c 'import json,sys
for l in json.load(open(sys.argv[1]))["links"]:
    for k, v in l.items():
        print(l["name"], k, v)' "$WORK/$1.stats" >"$flat"
  fi
  awk -v n="$2" -v k="$3" '$1 == n && $2 == k { print $3; f = 1 } END { exit !f }' "$flat"
}
# start_flaky RUN [SEED]: flaky on $WORK/RUN.links; FPID[RUN] its pid.
declare -A FPID
start_flaky() {
  rm -f "$WORK/$1.ready"
  "$FLAKY" --links "$WORK/$1.links" --ready "$WORK/$1.ready" \
    --stats "$WORK/$1.stats" --seed "${2:-1}" --stats-every-ms 200 \
    2>"$WORK/$1.err" &
  FPID[$1]=$!
  PIDS+=($!)
  wait_file "$WORK/$1.ready"
}
# stop_flaky RUN: SIGTERM; it writes its stats and exits 0.
stop_flaky() {
  local rc=0
  kill -TERM "${FPID[$1]}"
  wait "${FPID[$1]}" || rc=$?
  rm -f "$WORK/$1.flat"
  expect_eq "flaky $1 exit status after SIGTERM" 0 "$rc"
}
port() { awk -v n="$2" '$1 == n { print $2 }' "$WORK/$1.ready"; }

# ---- targets ----------------------------------------------------------------
"${PROBE[@]}" serve --ports "$WORK/ports" --log "$WORK/server.log" &
PIDS+=($!)
wait_file "$WORK/ports"
ECHO=$(awk '$1 == "echo" { print $2 }' "$WORK/ports")
SRC40K=$(awk '$1 == "src40k" { print $2 }' "$WORK/ports")
SRCINF=$(awk '$1 == "srcinf" { print $2 }' "$WORK/ports")
DEAD=$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# ---- malformed links files: exit 2, "flaky: error: FILE:LINE: why" ----------
bad=0
while IFS='|' read -r line want; do
  bad=$((bad + 1))
  f=$WORK/bad$bad.links
  printf '# a comment\n\nok 127.0.0.1:0 127.0.0.1:%s\n%s\n' "$ECHO" "$line" >"$f"
  expect_status "bad links file $bad ($line)" 2 "$FLAKY" --links "$f" --ready "$WORK/bad.ready"
  expect_grep "bad links file $bad" "^flaky: error: $f:4: $want" "$WORK/err"
  [ ! -e "$WORK/bad.ready" ] || fail "bad links file $bad: ready file written"
done <<EOF
x 127.0.0.1:0 127.0.0.1:$ECHO wobble=3|unknown key 'wobble'
x 127.0.0.1:0 127.0.0.1:$ECHO latency_ms=300-200|latency_ms: want A-B
x 127.0.0.1:0 127.0.0.1:$ECHO latency_ms=20-|latency_ms: want A-B
x 127.0.0.1:0 127.0.0.1:$ECHO rate_kbit=4|rate_kbit: want N
x 127.0.0.1:0 127.0.0.1:$ECHO cut_bytes=0|cut_bytes: want
x 127.0.0.1:0 127.0.0.1:$ECHO cut_s=-1|cut_s: want
x 127.0.0.1:0 127.0.0.1:$ECHO down=1:1-2|down: want
x 127.0.0.1:0 127.0.0.1:$ECHO down=0.5:0-2|down: want
x 127.0.0.1:0 127.0.0.1:$ECHO blackhole=1.5:1-2|blackhole: want
x 127.0.0.1:0 127.0.0.1:$ECHO blackhole=0.5|blackhole: want
x 127.0.0.1:0 127.0.0.1:$ECHO rate_kbit=64 rate_kbit=64|rate_kbit given twice
x 127.0.0.1:0 127.0.0.1:$ECHO latency_ms|want key=value
ok 127.0.0.1:0 127.0.0.1:$ECHO|name 'ok' used twice
a/b 127.0.0.1:0 127.0.0.1:$ECHO|bad name
x 127.0.0.1:0|want NAME LISTEN_HOST:PORT
x 300.1.1.1:0 127.0.0.1:$ECHO|not an IP address
x 127.0.0.1:0 127.0.0.1:0|bad port
x 127.0.0.1:70000 127.0.0.1:$ECHO|bad port
EOF
expect_status "no arguments" 2 "$FLAKY"
expect_grep "no arguments" "^usage: flaky --links FILE" "$WORK/err"

# ---- one proxy carrying a link per fault --------------------------------------
cat >"$WORK/main.links" <<EOF
# name    listen        target              faults
plain     127.0.0.1:0   127.0.0.1:$ECHO
lat       127.0.0.1:0   127.0.0.1:$ECHO     latency_ms=200
jitter    127.0.0.1:0   127.0.0.1:$ECHO     latency_ms=0-300
rate      127.0.0.1:0   127.0.0.1:$SRC40K   rate_kbit=64
rate10s   127.0.0.1:0   127.0.0.1:$SRCINF   rate_kbit=64
cut       127.0.0.1:0   127.0.0.1:$SRCINF   cut_bytes=10000-10000
cuts      127.0.0.1:0   127.0.0.1:$SRCINF   cut_s=1-1 rate_kbit=800
bh        127.0.0.1:0   127.0.0.1:$ECHO     blackhole=1:0.5-0.5
dead      127.0.0.1:0   127.0.0.1:$DEAD
EOF
start_flaky main
expect_eq "ready file lines" 9 "$(wc -l <"$WORK/main.ready")"
# The slow rate checks run meanwhile, in the background.
"${PROBE[@]}" drain "$(port main rate)" 30 >"$WORK/rate.out" &
rate_probe=$!
"${PROBE[@]}" drain "$(port main rate10s)" 10 >"$WORK/rate10s.out" &
rate10s_probe=$!
PIDS+=($rate_probe $rate10s_probe)

# Plain forwarding: 5 MB each way byte-exact, EOF passed on both ways.
out=$("${PROBE[@]}" forward "$(port main plain)" 5000000)
expect_eq "plain: bytes back" 5000000 "$(word got "$out")"
expect_eq "plain: same sha256 both ways" 1 "$(word same "$out")"
out=$("${PROBE[@]}" rtt "$(port main plain)" 5)
expect_range "plain: round trip ms" 0 300 "$(word min_ms "$out")"

# Latency: 200 ms each way is >= 400 ms a round trip.
out=$("${PROBE[@]}" rtt "$(port main lat)" 5)
expect_range "latency: shortest round trip ms" 395 3000 "$(word min_ms "$out")"
expect_range "latency: longest round trip ms" 395 5000 "$(word max_ms "$out")"
# Jitter 0-300 ms on 100 messages 5 ms apart: back intact and in order.
out=$("${PROBE[@]}" order "$(port main jitter)" 100)
expect_eq "jitter: bytes back" 400 "$(word got "$out")"
expect_eq "jitter: order kept" 1 "$(word same "$out")"

# Rate: 40000 bytes at 64 kbit/s (8000 B/s) take ~5 s; 10 s carry 80000 +-10%.
wait "$rate_probe" || fail "rate: the probe failed"
out=$(cat "$WORK/rate.out")
expect_eq "rate: bytes" 40000 "$(word got "$out")"
expect_eq "rate: ended by the target's EOF" eof "$(word end "$out")"
expect_range "rate: seconds for 40000 bytes" 4.5 15 "$(word secs "$out")"
wait "$rate10s_probe" || fail "rate: the 10 s probe failed"
out=$(cat "$WORK/rate10s.out")
rate10=$(word got "$out")
expect_range "rate: bytes in 10 s" 72000 88000 "$rate10"

# cut_bytes: closed after exactly 10000 bytes (the client sends none).
out=$("${PROBE[@]}" drain "$(port main cut)" 20)
expect_eq "cut_bytes: bytes" 10000 "$(word got "$out")"
expect_eq "cut_bytes: closed" eof "$(word end "$out")"

# cut_s: closed after ~1 s, having carried ~1 s of 800 kbit/s (100 kB/s).
out=$("${PROBE[@]}" drain "$(port main cuts)" 20)
expect_eq "cut_s: closed" eof "$(word end "$out")"
expect_range "cut_s: closed after s" 0.9 3.5 "$(word secs "$out")"
cuts_got=$(word got "$out")
expect_range "cut_s: bytes before the cut" 50000 200000 "$cuts_got"

# Black hole after 0.5 s: echoes stop, no EOF for the 3 s watched; when the
# client closes, flaky closes the target side (the echo server logs it).
out=$("${PROBE[@]}" watch "$(port main bh)" 3 BHTAG001)
expect_eq "blackhole: no EOF" none "$(word end "$out")"
bh_echoed=$(word echoed "$out")
expect_range "blackhole: bytes echoed (8 tag + 1 per 100 ms)" 8 14 "$bh_echoed"
expect_range "blackhole: last echo s" 0 1.2 "$(word last_echo "$out")"
tag=$(printf BHTAG001 | od -An -tx1 | tr -d ' \n')
for i in $(seq 100); do grep -q "first=$tag" "$WORK/server.log" && break; sleep 0.1; done
expect_grep "blackhole: target side closed" "close echo first=$tag in=($bh_echoed|$((bh_echoed + 1))) " "$WORK/server.log"

# A refusing target: the client is reset, nothing counted as delivered.
out=$("${PROBE[@]}" drain "$(port main dead)" 10)
expect_eq "dead target: client reset" reset "$(word end "$out")"
expect_grep "dead target: log line" "warn FLAKY-TARGET dead: dial 127.0.0.1:$DEAD" "$WORK/main.err"

# Stats: SIGUSR1 writes them now; the counters are what the clients counted.
rm -f "$WORK/main.stats" "$WORK/main.flat"
kill -USR1 "${FPID[main]}"
wait_file "$WORK/main.stats"
expect_eq "stats: plain port" "$(port main plain)" "$(stat_of main plain port)"
expect_eq "stats: plain c2t (5 MB + 5 rtt bytes)" 5000005 "$(stat_of main plain bytes_c2t)"
expect_eq "stats: plain t2c" 5000005 "$(stat_of main plain bytes_t2c)"
expect_eq "stats: plain connects" 2 "$(stat_of main plain connects)"
expect_eq "stats: jitter t2c" 400 "$(stat_of main jitter bytes_t2c)"
expect_eq "stats: rate t2c" 40000 "$(stat_of main rate bytes_t2c)"
# (the client stopped reading at 10 s: what flaky wrote since is counted too)
expect_range "stats: rate10s t2c" "$rate10" $((rate10 + 1000)) "$(stat_of main rate10s bytes_t2c)"
expect_eq "stats: cut t2c" 10000 "$(stat_of main cut bytes_t2c)"
expect_eq "stats: cut c2t" 0 "$(stat_of main cut bytes_c2t)"
expect_eq "stats: cut cuts" 1 "$(stat_of main cut cuts)"
expect_eq "stats: cut_s cuts" 1 "$(stat_of main cuts cuts)"
expect_eq "stats: cut_s t2c" "$cuts_got" "$(stat_of main cuts bytes_t2c)"
expect_eq "stats: blackholes" 1 "$(stat_of main bh blackholes)"
expect_eq "stats: blackhole t2c" "$bh_echoed" "$(stat_of main bh bytes_t2c)"
expect_eq "stats: blackhole cuts" 0 "$(stat_of main bh cuts)"
expect_eq "stats: dead connects" 1 "$(stat_of main dead connects)"
expect_eq "stats: dead c2t" 0 "$(stat_of main dead bytes_c2t)"
stop_flaky main
expect_eq "stats after SIGTERM: plain t2c" 5000005 "$(stat_of main plain bytes_t2c)"

# ---- down periods: up 4 s, down 4 s, up 4 s (F=0.5, A=B=4) --------------------
# The probe is started (and armed) first: its times count from the ready file.
echo "down 127.0.0.1:0 127.0.0.1:$ECHO down=0.5:4-4" >"$WORK/down.links"
"${PROBE[@]}" attempts down 10 "$WORK/down.ready" "$WORK/armed" >"$WORK/attempts.out" &
probe=$!
PIDS+=($probe)
wait_file "$WORK/armed"
start_flaky down
wait "$probe" || fail "down: the probe failed"
stop_flaky down
out=$(cat "$WORK/attempts.out")
# in_window LO HI STATUS: how many attempts in [LO, HI) s ended with STATUS.
in_window() {
  word seen "$out" | tr ',' '\n' |
    awk -F: -v lo="$1" -v hi="$2" -v st="$3" '$1 >= lo && $1 < hi && (st == "*" || $2 == st)' | wc -l
}
[ "$(in_window 0 3.3 ok)" -ge 1 ] || fail "down: no connection worked in the first up period: $out"
expect_eq "down: first up period, all worked" "$(in_window 0 3.3 '*')" "$(in_window 0 3.3 ok)"
[ "$(in_window 4.7 7.3 reset)" -ge 1 ] || fail "down: no reset while down: $out"
expect_eq "down: down period, all reset" "$(in_window 4.7 7.3 '*')" "$(in_window 4.7 7.3 reset)"
[ "$(in_window 8.7 10 ok)" -ge 1 ] || fail "down: nothing worked after the down period: $out"
expect_eq "down: second up period, all worked" "$(in_window 8.7 10 '*')" "$(in_window 8.7 10 ok)"
expect_eq "down: held connection cut" eof "$(word held_end "$out")"
expect_range "down: held connection cut at s" 3.9 5.0 "$(word held_at "$out")"
resets=$(word reset "$out")
# Every refusal is a reset the probe sees; a connection accepted just before
# the down period and cut at its start is a reset too (counted as a cut),
# which a slow machine makes likely.
refused=$(stat_of down down refused)
expect_range "down: resets seen = refusals (+ cuts at the edge)" \
  "$refused" "$((refused + $(stat_of down down cuts)))" "$resets"
# (the second down period starts at 12 s: a slow machine may see it)
expect_range "down: stats down_periods" 1 2 "$(stat_of down down down_periods)"
expect_range "down: stats cuts (the held one, maybe one at an edge)" 1 2 "$(stat_of down down cuts)"

# ---- determinism: cut points depend on (seed, link name) only ---------------
echo "det 127.0.0.1:0 127.0.0.1:$SRCINF cut_bytes=1000-100000" >"$WORK/det1.links"
{ echo "noise 127.0.0.1:0 127.0.0.1:$SRCINF cut_bytes=1000-100000 latency_ms=0-5"
  cat "$WORK/det1.links"; } >"$WORK/det2.links"
cp "$WORK/det1.links" "$WORK/det3.links"
start_flaky det1 7
a=$(word cuts "$("${PROBE[@]}" cuts "$(port det1 det)" 6)")
stop_flaky det1
start_flaky det2 7
b=$(word cuts "$("${PROBE[@]}" cuts "$(port det2 det)" 6 "$(port det2 noise)")")
stop_flaky det2
start_flaky det3 8
c=$(word cuts "$("${PROBE[@]}" cuts "$(port det3 det)" 6)")
stop_flaky det3
expect_eq "determinism: same seed, other links busy, same cuts" "$a" "$b"
[ "$a" != "$c" ] || fail "determinism: seeds 7 and 8 cut alike: $a"
ok
for n in ${a//,/ } ${c//,/ }; do expect_range "determinism: cut in range" 1000 100000 "$n"; done
[ "$(tr ',' '\n' <<<"$a" | sort -u | wc -l)" -ge 3 ] || fail "determinism: cuts hardly vary: $a"
expect_eq "determinism: stats bytes = cuts summed" \
  "$(tr ',' '\n' <<<"$a" | awk '{ s += $1 } END { print s }')" "$(stat_of det1 det bytes_t2c)"

# ---- scale: 355 links, 1000 connections open at once --------------------------
for i in $(seq 355); do echo "l$i 127.0.0.1:0 127.0.0.1:$ECHO"; done >"$WORK/scale.links"
start_flaky scale
"${PROBE[@]}" many "$WORK/scale.ready" 1000 2000 "$WORK/hold" >"$WORK/many.out" &
many=$!
PIDS+=($many)
wait_file "$WORK/many.out"
rss_kb=$(awk '/^VmRSS/ { print $2 }' "/proc/${FPID[scale]}/status")
cpu_ticks=$(awk '{ print $14 + $15 }' "/proc/${FPID[scale]}/stat")
touch "$WORK/hold"
wait "$many"
expect_eq "scale: echoed" 1000 "$(word echoed "$(cat "$WORK/many.out")")"
expect_range "scale: flaky RSS (KiB) with 1000 connections open" 0 200000 "$rss_kb"
stop_flaky scale
expect_eq "scale: connects" 1000 "$("$PY" -c 'import json,sys
print(sum(l["connects"] for l in json.load(open(sys.argv[1]))["links"]))' "$WORK/scale.stats")"
echo "scale: $(cat "$WORK/many.out") flaky_rss_kib=$rss_kb flaky_cpu_ticks=$cpu_ticks"

echo "flaky: $checks checks passed"
