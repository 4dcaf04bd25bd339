#!/usr/bin/env bash
# simpul demo, as deploy/quickstart.sh runs it: seven real daemons on
# 127.0.0.1, five items, each at exactly its audience, every store verified,
# no daemon left behind. Then --keep: the daemons outlive the demo.
# Usage: test_demo.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
DEMO=$WORK/demo

# Daemons of this test only: their command line names its directory.
left() { pgrep -f -- "--data $1/" || true; }
kill_left() { # DIR: never leave a daemon behind, even on failure
  local p
  for p in $(left "$1"); do kill -TERM "$p" 2>/dev/null || true; done
}
trap 'kill_left "$WORK/demo"; kill_left "$WORK/keep"; kill_left "$WORK/ui"; rm -rf "$WORK"' EXIT

expect_status "simpul demo --json" 0 "$SIMPUL" demo --dir "$DEMO" --json
cp "$WORK/out" "$WORK/demo.json"
cp "$WORK/err" "$WORK/demo.txt"
expect_eq "ok" true "$(jq .ok "$WORK/demo.json")"
expect_eq "items" 5 "$(jq '.items | length' "$WORK/demo.json")"

held() { # N: the nodes holding item N, space-separated
  jq -r --argjson n "$1" '.items[] | select(.n == $n) | .held | join(" ")' \
    "$WORK/demo.json"
}
ALL="kab-serang kec-pontang desa-sukanegara desa-linduk kec-kramatwatu desa-kramatwatu desa-margasana"
PONTANG="kab-serang kec-pontang desa-sukanegara desa-linduk"
PATH_SUKANEGARA="kab-serang kec-pontang desa-sukanegara"
expect_eq "1 peringatan tree:36.04" "$ALL" "$(held 1)"
expect_eq "2 informasi tree:36.04.12" "$PONTANG" "$(held 2)"
expect_eq "3 aspirasi path:36.04.12.2002:36.04" "$PATH_SUKANEGARA" "$(held 3)"
expect_eq "4 informasi tree:36.04.12" "$PONTANG" "$(held 4)"
expect_eq "5 tanggapan path:36.04.12.2002:36.04" "$PATH_SUKANEGARA" "$(held 5)"
expect_eq "titles in Bahasa Indonesia" "Jalan desa rusak di RT 03" \
  "$(jq -r '.items[2].title' "$WORK/demo.json")"
expect_eq "every item ok" 0 "$(jq '[.items[] | select(.ok | not)] | length' "$WORK/demo.json")"
expect_eq "every store verified" 7 "$(jq '[.nodes[] | select(.verify)] | length' "$WORK/demo.json")"

# The entries really are in the stores, and the daemons are gone.
[ "$(left "$DEMO")" = "" ] || fail "daemons left running: $(left "$DEMO")"
ok
expect_eq "none running" 0 "$(jq '[.nodes[] | select(.running)] | length' "$WORK/demo.json")"
expect_eq "aspirasi at the kabupaten" 1 "$("$SIMPUL" list --data "$DEMO/kab-serang" \
  --kind aspirasi --json | jq length)"
expect_eq "no aspirasi at Linduk" 0 "$("$SIMPUL" list --data "$DEMO/desa-linduk" \
  --kind aspirasi --json | jq length)"
expect_grep "each daemon stopped cleanly" "stopped cleanly" "$DEMO/desa-margasana.log"
expect_grep "progress on stderr" "Every item reached exactly its audience" "$WORK/demo.txt"
if grep -q $'\033' "$WORK/demo.txt"; then fail "colour codes in non-terminal output"; fi
ok
expect_grep "config keeps its other keys" "^region = 36.04.12.2003" "$DEMO/desa-linduk/simpul.conf"
expect_grep "desa dials its kecamatan, then the kabupaten" \
  "^parent = 127.0.0.1:[0-9]+, 127.0.0.1:[0-9]+$" "$DEMO/desa-linduk/simpul.conf"

# A directory that is not empty is refused; so is a bad option.
expect_status "non-empty --dir" 1 "$SIMPUL" demo --dir "$DEMO"
expect_status "bad option" 2 "$SIMPUL" demo --no-such-option

# --keep: the network outlives the demo; stopping it is up to the caller.
expect_status "simpul demo --keep" 0 "$SIMPUL" demo --dir "$WORK/keep" --keep --json
expect_grep "says how to stop them" "stop: +kill( [0-9]+){7}" "$WORK/err"
pids=$(jq -r '[.nodes[] | select(.running) | .pid] | join(" ")' "$WORK/out")
expect_eq "seven kept" 7 "$(wc -w <<<"$pids")"
for p in $pids; do kill -0 "$p" 2>/dev/null || fail "kept daemon $p is not running"; done
ok
expect_eq "status sees the kept daemon" true \
  "$("$SIMPUL" status --data "$WORK/keep/kec-pontang" --json | jq .daemon.running)"
kill -TERM $pids
end=$((SECONDS + 20))
while [ -n "$(left "$WORK/keep")" ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
[ -z "$(left "$WORK/keep")" ] || fail "kept daemons did not stop on SIGTERM"
ok

# --ui: every node's web app on its port, an admin account each (as
# deploy/quickstart.sh --ui shows them); the network is kept.
base=$(python3 -c '
import socket
for base in range(20000, 60000, 97):
    try:
        socks = [socket.socket() for _ in range(7)]
        for i, s in enumerate(socks): s.bind(("127.0.0.1", base + i))
        print(base); break
    except OSError: pass
    finally:
        for s in socks: s.close()')
expect_status "simpul demo --ui" 0 "$SIMPUL" demo --dir "$WORK/ui" --ui --ui-port "$base" --json
expect_grep "the web apps printed with their accounts" \
  "desa-sukanegara +http://127.0.0.1:$((base + 2))/  admin / [a-z0-9]{12}$" "$WORK/err"
expect_eq "seven web apps" 7 "$(jq '[.nodes[] | select(.running and .ui.url)] | length' "$WORK/out")"
for i in 0 2 6; do
  url=$(jq -r ".nodes[$i].ui.url" "$WORK/out")
  pw=$(jq -r ".nodes[$i].ui.password" "$WORK/out")
  expect_eq "node $i: its port" "http://127.0.0.1:$((base + i))/" "$url"
  expect_eq "node $i: the password file" "$pw" "$(cat "$(jq -r ".nodes[$i].data" "$WORK/out").password")"
  code=$(curl -s -m 10 -o "$WORK/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary "$(jq -cn --arg p "$pw" '{user: "admin", password: $p}')" "${url}api/login")
  expect_eq "node $i: the admin logs in" "200 admin" "$code $(jq -r .role "$WORK/body")"
done
pids=$(jq -r '[.nodes[] | select(.running) | .pid] | join(" ")' "$WORK/out")
kill -TERM $pids
end=$((SECONDS + 20))
while [ -n "$(left "$WORK/ui")" ] && [ $SECONDS -lt $end ]; do sleep 0.1; done
[ -z "$(left "$WORK/ui")" ] || fail "--ui daemons did not stop on SIGTERM"
ok
echo "demo: $checks checks passed"
