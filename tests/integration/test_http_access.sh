#!/usr/bin/env bash
# Who may read what through the HTTP API (ISSUE9 item 10, and the
# per-address connection limit of item 11), on real daemons: desa ->
# kecamatan -> kabupaten, the kabupaten's API on 0.0.0.0 as docs/API.md
# documents for the village Wi-Fi.
#   - personal data (the reporter, rahasia content, peer addresses) only
#     with the token; without it a loopback reader sees what a relay sees;
#     a wrong token is refused on reads too;
#   - the Host check holds on 0.0.0.0 (DNS rebinding), names of
#     [http] hosts pass;
#   - a request from a page of another site (Origin) is refused, a
#     preflight too, and no Access-Control-Allow-Origin is ever sent;
#   - a slow client holding connections from 127.0.0.1 keeps at most
#     [http] connections_per_address (16, then 4) and does not stop a
#     client from 127.0.0.2.
# Usage: test_http_access.sh SIMPUL
SIMPUL=$1
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
make_node desa 36.04.12.2002 kec
for n in kec desa; do http_on $n; done
set_key kab http listen 0.0.0.0:0
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
parent desa kec
start desa
for n in kab kec desa; do http_wait $n; done
N=http://127.0.0.1:${HP[kab]}

# raw ARGS...: curl on the kabupaten's API, status in $CODE, headers in
# $WORK/headers, body in $WORK/body.
raw() {
  CODE=$(curl -s -m 30 -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' "$@") ||
    CODE=000
}

aspirasi='{"kind":"aspirasi","handler":"36.04","rahasia":true,
  "title":"Pungutan liar di kantor desa","text":"Rahasia: nama petugas X.",
  "tags":["pungli"],"location":{"place":"Balai desa"},
  "reporter":{"name":"Siti Aminah","contact":"0812-0000-0000"}}'
posted() {
  api desa POST /api/items "$aspirasi"
  [ "$CODE" = 201 ] && return 0
  [ "$CODE" = 500 ] && { cat "$WORK/body" >&2; fail "aspirasi: HTTP 500"; }
  return 1
}
wait_until 60 "the desa posts a rahasia aspirasi" posted
id=$(body_jq .id)
held() { api kab GET "/api/items/$id"; [ "$CODE" = 200 ]; }
wait_until 60 "the aspirasi at the kabupaten" held

# ---- personal data only with the token -------------------------------------
api kab GET "/api/items/$id"
expect_eq "the handler with the token reads the reporter" "Siti Aminah" "$(body_jq .reporter.name)"
expect_eq "the handler with the token reads the rahasia title" \
  "Pungutan liar di kantor desa" "$(body_jq .title)"
api kab GET "/api/items/$id" "" -
expect_api "an item without the token, from loopback" 200
expect_eq "no reporter without the token" "[disegel]" "$(body_jq .reporter)"
expect_eq "no rahasia title without the token" "[disegel]" "$(body_jq .title)"
expect_eq "no rahasia text without the token" "[disegel]" "$(body_jq .text)"
expect_eq "no rahasia place without the token" null "$(body_jq .location)"
expect_eq "said so" true "$(body_jq .redacted)"
# (the whole contact: "0812" alone turns up in random hex ids)
grep -q "Siti\|0812-0000\|Pungutan\|Rahasia\|Balai" "$WORK/body" &&
  fail "personal data in a reply without the token: $(cat "$WORK/body")"
ok
api kab GET "/api/items?kind=aspirasi" "" -
expect_api "the list without the token" 200
expect_eq "no rahasia title in the list" "[disegel]" \
  "$(body_jq ".items[] | select(.id == \"$id\") | .title")"
api kab GET "/api/items?kind=aspirasi"
expect_eq "the list with the token" "Pungutan liar di kantor desa" \
  "$(body_jq ".items[] | select(.id == \"$id\") | .title")"
api kab GET "/api/items/$id" "" "$(printf '%064d' 7)"
expect_api "a read with a wrong token" 401 HTTP-TOKEN

linked() { api kab GET /api/peers; [ "$(body_jq 'length')" -ge 1 ]; }
wait_until 30 "the kabupaten lists its peer" linked
[ "$(body_jq '[.[] | select(.address != null)] | length')" -ge 1 ] ||
  fail "peers with the token: no address: $(cat "$WORK/body")"
ok
api kab GET /api/peers "" -
expect_api "peers without the token" 200
expect_eq "no peer address without the token" 0 \
  "$(body_jq '[.[] | select(.address != null)] | length')"

# ---- Host on 0.0.0.0: DNS rebinding -----------------------------------------
raw -H 'Host: evil.example' "$N/api/items/$id"
expect_api "a foreign Host on 0.0.0.0" 421 HTTP-HOST
raw -H "Host: evil.example:${HP[kab]}" -H "Authorization: Bearer ${TOK[kab]}" "$N/api/node"
expect_api "a foreign Host with the token" 421 HTTP-HOST
raw -H "Host: localhost:${HP[kab]}" "$N/api/node"
expect_api "Host localhost" 200
raw "$N/api/node"
expect_api "Host 127.0.0.1 (the address connected to)" 200

# ---- Origin and CORS --------------------------------------------------------
informasi='{"kind":"informasi","to":"tree:36.04","title":"Rapat","text":"Senin."}'
raw -X POST -H 'Origin: http://evil.example' -H 'Content-Type: application/json' \
  -H "Authorization: Bearer ${TOK[kab]}" --data-binary "$informasi" "$N/api/items"
expect_api "a write from a page of another site" 403 HTTP-ORIGIN
raw -X POST -H 'Origin: null' -H 'Content-Type: application/json' \
  -H "Authorization: Bearer ${TOK[kab]}" --data-binary "$informasi" "$N/api/items"
expect_api "a write from an opaque origin" 403 HTTP-ORIGIN
raw -X POST -H "Origin: http://127.0.0.1:${HP[kab]}" -H 'Content-Type: application/json' \
  -H "Authorization: Bearer ${TOK[kab]}" --data-binary "$informasi" "$N/api/items"
expect_api "a write from this node's own page" 201
raw -X OPTIONS -H 'Origin: http://evil.example' -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: authorization, content-type' "$N/api/items"
[ "${CODE:0:1}" = 4 ] || fail "a preflight from another site: HTTP $CODE"
ok
raw -H 'Origin: http://evil.example' "$N/api/items/$id"
[ "$CODE" != 200 ] || fail "a read from a page of another site: HTTP 200"
ok
for p in "/api/items/$id" /api/node /; do
  for o in http://evil.example "http://127.0.0.1:${HP[kab]}"; do
    raw -H "Origin: $o" "$N$p"
    grep -qi '^access-control-allow' "$WORK/headers" &&
      fail "$p with Origin $o: a CORS permission: $(cat "$WORK/headers")"
    ok
  done
done

# ---- a slow client holds at most its share of the connections ----------------
# loris_start COUNT: a slow client from 127.0.0.1 opens COUNT connections to
# the kabupaten's API with a request that never ends (a byte every half
# second: never idle) until killed; $WORK/loris says how many it opened and
# how many the server has not closed.
loris_start() {
  python3 - "${HP[kab]}" "$1" "$WORK/loris" >"$WORK/loris.log" 2>&1 <<'PY' &
import os, socket, sys, time
port, count, status = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
held = []
for i in range(count):
    s = socket.socket()
    s.settimeout(10)
    try:
        s.bind(('127.0.0.1', 0))
        s.connect(('127.0.0.1', port))
        s.sendall(b'GET /api/node HTTP/1.1\r\nHost: 127.0.0.1\r\n')
        s.setblocking(False)
        held.append(s)
    except OSError:
        pass
end = time.time() + 300
while time.time() < end:
    alive = []
    for s in held:
        try:
            if s.recv(1) == b'':
                continue  # closed by the server
        except BlockingIOError:
            pass
        except OSError:
            continue
        try:
            s.send(b'X')
        except BlockingIOError:
            pass
        except OSError:
            continue
        alive.append(s)
    held = alive
    with open(status + '.tmp', 'w') as f:
        f.write('%d %d\n' % (count, len(held)))
    os.rename(status + '.tmp', status)
    time.sleep(0.5)
PY
  LORIS=$!
}
loris_alive() { [ -f "$WORK/loris" ] && cut -d' ' -f2 "$WORK/loris"; }
loris_stop() { kill "$LORIS" 2>/dev/null || true; wait "$LORIS" 2>/dev/null || true; rm -f "$WORK/loris"; }
# from ADDR: GET /api/node from source address ADDR, status in $CODE.
from() {
  CODE=$(curl -s -m 30 --interface "$1" -o "$WORK/body" -w '%{http_code}' "$N/api/node") ||
    CODE=000
}
# slow_client LIMIT: 80 stalled connections from 127.0.0.1 (more than the
# 64 in all) keep LIMIT; 127.0.0.2 is still answered, 127.0.0.1 not.
slow_client() {
  loris_start 80
  wait_until 60 "the slow client holds $1 connections, no more" eq "$1" loris_alive
  from 127.0.0.2
  expect_api "a client from 127.0.0.2 while 127.0.0.1 holds $1 connections" 200
  from 127.0.0.1
  [ "$CODE" != 200 ] || fail "127.0.0.1 got a connection over its $1"
  ok
  expect_eq "the slow client still holds $1" "$1" "$(loris_alive)"
  loris_stop
  served() { from 127.0.0.1; [ "$CODE" = 200 ]; }
  wait_until 30 "127.0.0.1 served again after the slow client left" served
}
slow_client 16

# ---- [http] hosts -----------------------------------------------------------
stop kab
mv "$WORK/kab.log" "$WORK/kab-1.log"
set_key kab http hosts "simpul.local, 192.0.2.10"
set_key kab http connections_per_address 4
start kab 127.0.0.1:0
http_wait kab
N=http://127.0.0.1:${HP[kab]}
slow_client 4
raw -H "Host: simpul.local:${HP[kab]}" "$N/api/node"
expect_api "a name of [http] hosts" 200
raw -H 'Host: 192.0.2.10' "$N/api/node"
expect_api "an address of [http] hosts" 200
raw -H 'Host: simpul.local.evil.example' "$N/api/node"
expect_api "a longer name" 421 HTTP-HOST
expect_grep "one log line for a refused Host" "warn HTTP-HOST http 127.0.0.1" "$WORK/kab.log"

for n in kab kec desa; do
  expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"
done
for n in desa kec kab; do stop $n; done
sanitizers_clean
echo "http_access: $checks checks passed"
