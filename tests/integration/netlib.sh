# Helpers for tests that run real simpul daemons on 127.0.0.1. Source after
# lib.sh with $SIMPUL set. Nodes live in $WORK/<name>; daemons log to
# $WORK/<name>.log; every daemon started here is killed on exit.
PIDS=()
cleanup_daemons() {
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
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
trap cleanup_daemons EXIT

declare -A PID PORT

# set_key NODE SECTION KEY VALUE: edits the node's config in place.
set_key() {
  local conf=$WORK/$1/simpul.conf
  python3 - "$conf" "$2" "$3" "$4" <<'PY'
import sys
path, section, key, value = sys.argv[1:]
lines = open(path).read().split('\n')
out, cur, done = [], None, False
for l in lines:
    s = l.strip()
    if s.startswith('[') and s.endswith(']'):
        if cur == section and not done:
            out.append(f'{key} = {value}'); done = True
        cur = s[1:-1]
    elif cur == section and s.split('=')[0].strip() == key and not s.startswith('#'):
        if not done:
            out.append(f'{key} = {value}'); done = True
        continue
    out.append(l)
if not done:
    if cur != section:
        out.append(f'[{section}]')
    out.append(f'{key} = {value}')
open(path, 'w').write('\n'.join(out))
PY
}

# make_root NAME REGION: a kabupaten node that creates the network.
make_root() {
  "$SIMPUL" init --data "$WORK/$1" --region "$2" --name "Node $1" >/dev/null
  "$SIMPUL" network create --data "$WORK/$1" --region "$2" \
    --name "Jaringan $1" >/dev/null
  fast_net "$1"
}

# make_node NAME REGION ISSUER [--issuer]: enrolled by ISSUER's node.
make_node() {
  local name=$1 region=$2 issuer=$3 flag=${4:-}
  "$SIMPUL" init --data "$WORK/$name" --region "$region" --name "Node $name" >/dev/null
  local req cert
  req=$("$SIMPUL" enroll request --data "$WORK/$name")
  cert=$("$SIMPUL" enroll sign --data "$WORK/$issuer" "$req" --valid-days 30 $flag)
  "$SIMPUL" enroll accept --data "$WORK/$name" "$cert" >/dev/null
  fast_net "$name"
}

# Short timers so tests that cut links finish quickly.
fast_net() {
  set_key "$1" net keepalive_s 1
  set_key "$1" net timeout_s 4
  set_key "$1" net backoff_min_ms 100
  set_key "$1" net backoff_max_ms 800
  set_key "$1" net retry_primary_s 1
  # Many nodes on one machine: no HTTP API unless a test asks (http_on).
  set_key "$1" http listen ""
  # LOG_DEBUG=1: every daemon logs at debug level (for a failing test).
  [ -z "${LOG_DEBUG:-}" ] || set_key "$1" log level debug
}

# start NAME [LISTEN]: starts the daemon; with LISTEN (e.g. 127.0.0.1:0)
# waits for its port and records it in PORT[NAME].
start() {
  local name=$1 listen=${2:-}
  set_key "$name" net listen "$listen"
  "$SIMPUL" run --data "$WORK/$name" >>"$WORK/$name.log" 2>&1 &
  PID[$name]=$!
  PIDS+=($!)
  if [ -n "$listen" ]; then
    local i
    for i in $(seq 1 100); do
      PORT[$name]=$(grep -o 'listening on [0-9.]*:[0-9]*' "$WORK/$name.log" |
        tail -n 1 | sed 's/.*://') || true
      [ -n "${PORT[$name]}" ] && return 0
      kill -0 "${PID[$name]}" 2>/dev/null || { cat "$WORK/$name.log" >&2; fail "$name died"; }
      sleep 0.1
    done
    cat "$WORK/$name.log" >&2
    fail "$name did not start listening"
  fi
}

# parent NAME P1 [P2]: dial P1's port, then P2's as fallback.
parent() {
  local name=$1; shift
  local list="" p
  for p in "$@"; do list="$list${list:+, }127.0.0.1:${PORT[$p]}"; done
  set_key "$name" net parent "$list"
}

stop() { # NAME: SIGTERM and wait
  kill -TERM "${PID[$1]}" 2>/dev/null || true
  wait "${PID[$1]}" 2>/dev/null || true
}

kill9() { # NAME
  kill -9 "${PID[$1]}" 2>/dev/null || true
  wait "${PID[$1]}" 2>/dev/null || true
}

# count NAME [list args]: entries listed at a node.
count() {
  local name=$1; shift
  "$SIMPUL" list --data "$WORK/$name" --json "$@" 2>/dev/null | jq length
}

# has NAME TITLE: 1 if an entry with that title is at the node, else 0.
has() {
  "$SIMPUL" list --data "$WORK/$2" --json 2>/dev/null |
    jq --arg t "$1" '[.[] | select(.body.title == $t)] | length'
}

# wait_until SECONDS WHAT CMD...: polls CMD until it succeeds.
wait_until() {
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    "$@" && { ok; return 0; }
    sleep 0.2
  done
  fail "timed out after ${secs}s: $what"
}

eq() { [ "$("${@:2}")" = "$1" ]; }
