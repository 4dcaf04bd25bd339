# What the benchmarks measure with, sourced after tests/integration/lib.sh
# (and netlib.sh): clocks, the load average, CPU time of a process,
# medians, a node's entry count, and the counting relay (tests/relay.c
# built as $RELAY) that a link goes through to have its bytes counted.
now_ms() { date +%s%3N; }
load1() { cut -d' ' -f1 /proc/loadavg; }
cpu_cs() { awk '{print $14 + $15}' "/proc/$1/stat"; } # CPU time, 1/100 s
# median: of the numbers on stdin, one per line (of an even count, the
# mean of the two in the middle).
median() { sort -n | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
entries() { "$SIMPUL" status --data "$WORK/$1" --json | jq .store.entries; }

declare -A RPID
relay_start() { # NAME TARGET_PORT [RELAY ARGS...]
  local name=$1 port=$2; shift 2
  rm -f "$WORK/$name.port" "$WORK/$name.stats"
  "$RELAY" "127.0.0.1:$port" "$WORK/$name.port" "$WORK/$name.stats" "$@" &
  RPID[$name]=$!
  PIDS+=($!)
  local i
  for i in $(seq 1 200); do
    [ -s "$WORK/$name.port" ] && return 0
    sleep 0.02
  done
  fail "relay $name did not start"
}
relay_port() { cat "$WORK/$1.port"; }
relay_stop() { kill -TERM "${RPID[$1]}" 2>/dev/null || true; wait "${RPID[$1]}" 2>/dev/null || true; }
rstat() { awk -v k="$2" '$1 == k {print $2}' "$WORK/$1.stats"; }
# wait_idle RELAY MS TIMEOUT_S: bytes moved, then none for MS.
wait_idle() {
  local end=$((SECONDS + $3)) last
  while [ $SECONDS -lt $end ]; do
    last=$(rstat "$1" last_ms)
    if [ "${last:-0}" -gt 0 ] && [ $(( $(now_ms) - last )) -ge "$2" ]; then
      return 0
    fi
    sleep 0.1
  done
  fail "relay $1 not idle after $3 s"
}
