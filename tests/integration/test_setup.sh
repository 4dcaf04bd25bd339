#!/usr/bin/env bash
# A village Pi's first boot without a terminal: `simpul run` on an empty
# data directory serves only the setup API, with a one-time code it logs;
# a wrong code is refused (SETUP-CODE-BAD, one log line), the right one
# makes the node exactly as simpul init does, and the same process goes
# on to serve the node's API (the code is then refused: SETUP-DONE), waits
# for its enrolment and starts linking once it is enrolled. Attempts are
# limited (SETUP-RATE-LIMIT); a restart keeps the code.
# Usage: test_setup.sh SIMPUL
SIMPUL=$1
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"
s() { "$SIMPUL" "$@"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# boot NAME PORT: simpul run on $WORK/NAME with the setup API on PORT.
boot() {
  SIMPUL_SETUP_LISTEN=127.0.0.1:$2 "$SIMPUL" run --data "$WORK/$1" >>"$WORK/$1.log" 2>&1 &
  PID[$1]=$!
  PIDS+=($!)
  HP[$1]=$2
}
# code_of NAME: the setup code from the node's log (the last start's).
code_of() {
  local i c
  for i in $(seq 1 100); do
    c=$(sed -n 's/.* SETUP-CODE setup code: \([0-9A-Z-]*\) .*/\1/p' "$WORK/$1.log" | tail -n 1)
    [ -n "$c" ] && grep -q "HTTP setup API on http://127.0.0.1:${HP[$1]}/" "$WORK/$1.log" &&
      { echo "$c"; return 0; }
    kill -0 "${PID[$1]}" 2>/dev/null || fail "$1 died"
    sleep 0.1
  done
  fail "$1: no setup code in its log"
}
setup_req() { # CODE REGION NAME
  jq -cn --arg c "$1" --arg r "$2" --arg n "$3" '{code: $c, region: $r, name: $n}'
}

# ---- 1. an empty data directory: only the setup API ------------------------
mkdir -m 700 "$WORK/D"
pD=$(free_port)
boot D "$pD"
code=$(code_of D)
[[ $code =~ ^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$ ]] || fail "code shape: $code"
ok
expect_grep "the log says what to do" \
  "warn NODE-NOT-SET-UP .* holds no node yet: set it up .* http://127.0.0.1:$pD/" "$WORK/D.log"
expect_eq "setup.code is 0600" 600 "$(stat -c %a "$WORK/D/setup.code")"
[ -e "$WORK/D/simpul.conf" ] || [ -e "$WORK/D/node.key" ] && fail "a node before setup"
ok

api D GET /api/setup "" -
expect_api "GET /api/setup" 200
expect_eq "needs setup" true "$(body_jq .needs_setup)"
grep -q "${code//-/}" "$WORK/body" && fail "GET /api/setup shows the code"
api D GET /api/node "" -
expect_api "GET /api/node before setup" 503 NODE-NOT-SET-UP
api D POST /api/items '{"kind":"informasi"}' -
expect_api "POST /api/items before setup" 503 NODE-NOT-SET-UP
api D GET / "" -
expect_api "GET / before setup: the setup page" 200
grep -q 'id="setup-form"' "$WORK/body" || fail "GET / before setup is not the setup page"

# ---- 2. a wrong code is refused, with one log line -------------------------
wrong=$( [ "${code:0:1}" = A ] && echo B || echo A )${code:1}
api D POST /api/setup "$(setup_req "$wrong" 36.04 "KIM Uji")" -
expect_api "a wrong code" 403 SETUP-CODE-BAD
expect_eq "one log line for it" 1 "$(grep -c ' SETUP-CODE-BAD ' "$WORK/D.log")"
api D POST /api/setup "$(setup_req "$code" 36.04.99x "KIM Uji")" -
expect_api "the right code, a bad region" 400 REGION-INVALID
[ -e "$WORK/D/node.key" ] && fail "a node was made by a refused attempt"
ok

# ---- 3. the right code (as a phone types it) makes the node ----------------
typed=$(tr 'A-Z' 'a-z' <<<"${code//-/ }")
api D POST /api/setup "$(setup_req "$typed" 36.04 "KIM Uji")" -
expect_api "the right code" 201
expect_eq "region" 36.04 "$(body_jq .region)"
expect_eq "the token it answers is the node's" "$(s token --data "$WORK/D")" "$(body_jq .token)"
TOK[D]=$(body_jq .token)
[ -e "$WORK/D/setup.code" ] && fail "the code file outlived its use"
ok
expect_eq "simpul init's config, listening where setup did" "127.0.0.1:$pD" \
  "$(sed -n 's/^listen = \(127.*\)$/\1/p' "$WORK/D/simpul.conf")"

# The same process now serves the node (it stops the setup server first).
for _ in $(seq 1 100); do
  api D GET /api/node "" -
  [ "$CODE" = 200 ] && break
  sleep 0.1
done
expect_api "the node's API after setup" 200
expect_eq "/api/node region" 36.04 "$(body_jq .region)"
api D POST /api/setup "$(setup_req "$code" 36.04 "KIM Lain")" -
expect_api "the code a second time" 409 SETUP-DONE
api D GET /api/setup "" -
expect_eq "set up" false "$(body_jq .needs_setup)"
expect_status "simpul status" 0 s status --data "$WORK/D" --json
expect_eq "status: the node made" "36.04 KIM Uji" "$(jq -r '.region + " " + .name' "$WORK/out")"
kill -0 "${PID[D]}" || fail "the daemon exited after setup"
expect_grep "it waits for its enrolment" "warn NODE-NOT-ENROLLED .*links once enrolled" "$WORK/D.log"

# ---- 4. enrolled (the kabupaten makes its network): it runs, no restart ----
s network create --data "$WORK/D" --region 36.04 --name "Jaringan Uji" >/dev/null
wait_until 30 "the node starts once enrolled" grep -q "NODE-START" "$WORK/D.log"
running() { s status --data "$WORK/D" --json | jq -r .daemon.running; }
wait_until 30 "simpul status: the daemon runs" eq true running
api D GET /api/node "" -
expect_api "the API after enrolment" 200
expect_eq "one process all along" 1 "$(grep -c 'HTTP setup API on' "$WORK/D.log")"
stop D
expect_grep "it stopped cleanly" "NODE-STOP stopped cleanly" "$WORK/D.log"

# ---- 5. attempts are limited; a restart keeps the code ---------------------
mkdir -m 700 "$WORK/E"
pE=$(free_port)
boot E "$pE"
codeE=$(code_of E)
wrongE=$( [ "${codeE:0:1}" = A ] && echo B || echo A )${codeE:1}
for i in $(seq 1 10); do
  api E POST /api/setup "$(setup_req "$wrongE" 36.04.12 "KIM E")" -
  expect_api "wrong code $i" 403 SETUP-CODE-BAD
done
api E POST /api/setup "$(setup_req "$codeE" 36.04.12 "KIM E")" -
expect_api "the 11th attempt in a minute, even right" 429 SETUP-RATE-LIMIT
stop E
expect_grep "a setup daemon stops on SIGTERM" "NODE-STOP stopped before the node ran" "$WORK/E.log"
boot E "$pE"
expect_eq "a restart keeps the code" "$codeE" "$(sed -n 's/.* SETUP-CODE setup code: \([0-9A-Z-]*\) .*/\1/p' "$WORK/E.log" | tail -n 1)"
code_of E >/dev/null
api E POST /api/setup "$(setup_req "$codeE" 36.04.12 "KIM E")" -
expect_api "after the restart, the code" 201
stop E

# ---- 6. or the operator runs simpul init in a terminal meanwhile ----------
mkdir -m 700 "$WORK/F"
pF=$(free_port)
boot F "$pF"
code_of F >/dev/null
s init --data "$WORK/F" --region 36.04.12.2001 --name "KIM F" >/dev/null
wait_until 30 "the setup daemon runs the node simpul init made" \
  grep -q "NODE-SET-UP a node was made in .* (simpul init): running it" "$WORK/F.log"
wait_until 30 "and waits for its enrolment" grep -q "NODE-NOT-ENROLLED" "$WORK/F.log"
[ -e "$WORK/F/setup.code" ] && fail "the code outlived the node made by simpul init"
ok
stop F
sanitizers_clean

echo "ok - setup ($checks checks)"
