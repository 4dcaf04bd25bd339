# Helpers for tests of the HTTP API (docs/API.md) on real daemons. Source
# after lib.sh and netlib.sh. Each node's API listens on an ephemeral
# loopback port: http_on NAME before start, http_wait NAME after.
declare -A HP TOK

# http_on NAME: the node's API on 127.0.0.1, a port the kernel picks.
http_on() { set_key "$1" http listen 127.0.0.1:0; }

# http_wait NAME: waits for the API's port (HTTP-LISTEN in the log) and
# reads the node's token into HP[NAME] and TOK[NAME].
http_wait() {
  local name=$1 i
  for i in $(seq 1 100); do
    HP[$name]=$(grep -o 'HTTP API on http://[0-9.]*:[0-9]*' "$WORK/$name.log" |
      tail -n 1 | sed 's/.*://') || true
    if [ -n "${HP[$name]}" ]; then
      TOK[$name]=$("$SIMPUL" token --data "$WORK/$name")
      return 0
    fi
    kill -0 "${PID[$name]}" 2>/dev/null || fail "$name died"
    sleep 0.1
  done
  fail "$name: no HTTP-LISTEN line"
}

# api NAME METHOD PATH [JSON [TOKEN]]: one request with the node's token
# (TOKEN - for none); the status in $CODE, the body in $WORK/body.
api() {
  local name=$1 method=$2 path=$3 data=${4:-} tok=${5:-${TOK[$1]}}
  local args=(-s -m 30 -o "$WORK/body" -w '%{http_code}' -X "$method")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  [ "$tok" != - ] && args+=(-H "Authorization: Bearer $tok")
  CODE=$(curl "${args[@]}" "http://127.0.0.1:${HP[$name]}$path") || CODE=000
}

# expect_api WHAT STATUS [ERROR-ID]: checks $CODE and the error's code.
expect_api() {
  [ "$CODE" = "$2" ] || { cat "$WORK/body" >&2; fail "$1: HTTP $CODE, expected $2"; }
  if [ -n "${3:-}" ]; then
    local got
    got=$(jq -r '.error.code' "$WORK/body" 2>/dev/null || echo "not JSON")
    [ "$got" = "$3" ] || { cat "$WORK/body" >&2; fail "$1: error '$got', expected '$3'"; }
  fi
  ok
}

# body_jq FILTER: jq on the last reply's body.
body_jq() { jq -r "$1" "$WORK/body"; }

# refusals NAME: how many refused requests the node has logged so far.
refusals() { grep -cE ' (warn|error) [A-Z0-9-]+ http [0-9.]+:[0-9]+ ' "$WORK/$1.log" || true; }

# sanitizers_clean: no AddressSanitizer, LeakSanitizer or UBSan report in
# any daemon's log (an ASan build; call after the daemons stopped).
sanitizers_clean() {
  if grep -lE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK"/*.log >&2; then
    grep -hE -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK"/*.log | head -60 >&2
    fail "a sanitizer report in a daemon's log"
  fi
  ok
}
