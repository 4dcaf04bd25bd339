#!/usr/bin/env bash
# Personal data does not stay behind in freed heap (issue 9; docs/API.md,
# Access): a desa posts a rahasia aspirasi with a reporter through its
# HTTP API, once in one piece and once with the body arriving in two
# chunks; the kabupaten, its handler, opens it through its API with the
# token and with `simpul report show`. Every daemon and command runs
# under tests/tools/freescan.c, which searches each heap block freed for
# a marker written only in the personal fields: no freed block may hold
# it. (Under AddressSanitizer, whose allocator the scanner cannot see,
# the test says so and checks only that the requests work.)
# Usage: test_http_wipe.sh SIMPUL LIBFREESCAN
SIMPUL=$1
FREESCAN=$(realpath "$2")
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"
MARK=Wipe7Q
# Every simpul the test runs is scanned (the tools around it are not).
cat >"$WORK/simpul" <<WRAP
#!/bin/sh
LD_PRELOAD=$FREESCAN SIMPUL_FREESCAN=$MARK \\
  ASAN_OPTIONS=\${ASAN_OPTIONS:-}\${ASAN_OPTIONS:+:}verify_asan_link_order=0 \\
  exec $(realpath "$SIMPUL") "\$@"
WRAP
chmod +x "$WORK/simpul"
SIMPUL=$WORK/simpul

make_root kab 36.04
make_node desa 36.04.12.2002 kab
http_on kab
http_on desa
start kab 127.0.0.1:0
parent desa kab
start desa
http_wait kab
http_wait desa

body() { # TITLE: a rahasia aspirasi whose personal fields hold the marker
  printf '{"kind":"aspirasi","handler":"36.04","rahasia":true,"title":"%s %s",%s}' \
    "$1" "$MARK" '"text":"Rahasia '$MARK': nama petugas.","category":"pungli","reporter":{"name":"Siti '$MARK'","contact":"0812-'$MARK'"}'
}
posted() {
  api desa POST /api/items "$(body Pertama)"
  [ "$CODE" = 201 ] && return 0
  [ "$CODE" = 409 ] || { cat "$WORK/body" >&2; fail "aspirasi: HTTP $CODE"; }
  return 1 # KIM-SEALED: the kabupaten's certificate is not here yet
}
wait_until 60 "the desa posts a rahasia aspirasi" posted
ids=("$(body_jq .id)")

# The same in two chunks: the body buffer grows while it arrives.
python3 - "${HP[desa]}" "${TOK[desa]}" "$(body Kedua)" >"$WORK/chunked" <<'PY'
import json, socket, sys, time
port, token, body = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
s = socket.create_connection(('127.0.0.1', port), timeout=30)
s.sendall(('POST /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\n'
           'Authorization: Bearer %s\r\nContent-Type: application/json\r\n'
           'Content-Length: %d\r\nConnection: close\r\n\r\n'
           % (token, len(body))).encode())
half = len(body) // 2
for part in (body[:half], body[half:]):
    s.sendall(part)
    time.sleep(0.5)
reply = b''
while True:
    d = s.recv(65536)
    if not d:
        break
    reply += d
head, _, doc = reply.partition(b'\r\n\r\n')
print(head.split(b' ')[1].decode(), json.loads(doc).get('id', ''))
PY
read -r code id <"$WORK/chunked"
expect_eq "the aspirasi in two chunks" 201 "$code"
ids+=("$id")

for id in "${ids[@]}"; do
  held() { api kab GET "/api/items/$id"; [ "$CODE" = 200 ]; }
  wait_until 60 "$id at the kabupaten" held
  expect_eq "the handler reads the reporter" "Siti $MARK" "$(body_jq .reporter.name)"
  expect_eq "the handler reads the rahasia text" "Rahasia $MARK: nama petugas." "$(body_jq .text)"
  "$SIMPUL" report show --data "$WORK/kab" "$id" >"$WORK/show" 2>>"$WORK/show.err" ||
    { cat "$WORK/show.err" >&2; fail "report show $id"; }
  grep -q "Siti $MARK" "$WORK/show" || fail "report show: no reporter"
  ok
  "$SIMPUL" report show --data "$WORK/kab" "$id" --json >"$WORK/show" 2>>"$WORK/show.err" ||
    fail "report show --json $id"
  ok
done
api kab GET /api/items
expect_api "the list with the token" 200
stop desa
stop kab

scanned=0
for f in "$WORK"/kab.log "$WORK"/desa.log "$WORK"/show.err; do
  n=$(grep -o 'freescan: [0-9]* blocks scanned' "$f" | awk '{s += $2} END {print s + 0}')
  scanned=$((scanned + n))
done
if [ "$scanned" = 0 ]; then
  echo "http_wipe: freed blocks cannot be scanned in this build (AddressSanitizer?)"
else
  if grep -n -A12 "freescan: $MARK in a freed block" "$WORK"/kab.log "$WORK"/desa.log \
       "$WORK"/show.err >&2; then
    fail "personal data left in freed heap (above)"
  fi
  ok
fi

for n in kab desa; do expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"; done
sanitizers_clean
echo "http_wipe: $checks checks passed ($scanned freed blocks scanned)"
