#!/usr/bin/env bash
# The setup page's API, as the page uses it on a new desa node (real
# daemons, real TCP): the region list searched by name while the node is
# not set up (Sukanegara -> 36.04.12.2002 with its kecamatan and
# kabupaten), setup with the first admin, login, the enrolment request as
# text (the line simpul enroll request prints) and as a QR code (SVG),
# the certificate the kecamatan signs posted back by the admin (refused
# without admin, without CSRF, or when it is not a certificate line):
# the node is then enrolled and syncs with its kecamatan.
# Usage: test_setup_ui.sh SIMPUL
SIMPUL=$1
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"
s() { "$SIMPUL" "$@"; }
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# req METHOD PATH [JSON [CSRF]]: curl with D's cookie jar.
req() {
  local args=(-s -m 30 -b "$WORK/jar" -c "$WORK/jar" -D "$WORK/headers" -o "$WORK/body"
              -w '%{http_code}' -X "$1")
  [ -n "${3:-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
  [ -n "${4:-}" ] && args+=(-H "X-CSRF-Token: $4")
  CODE=$(curl "${args[@]}" "http://127.0.0.1:$pD$2") || CODE=000
}
cert_req() { jq -cn --arg c "$1" '{certificate: $c}'; }

# ---- the kabupaten and its kecamatan, running ------------------------------
make_root K 36.04
make_node C 36.04.12 K --issuer
http_on C
start K 127.0.0.1:0
parent C K
start C 127.0.0.1:0
http_wait C

# ---- a new desa node: the setup page and the region search ----------------
mkdir -m 700 "$WORK/D"
pD=$(free_port)
HP[D]=$pD
SIMPUL_SETUP_LISTEN=127.0.0.1:$pD "$SIMPUL" run --data "$WORK/D" >>"$WORK/D.log" 2>&1 &
PID[D]=$!
PIDS+=($!)
wait_until 30 "the setup API" grep -q "HTTP setup API on" "$WORK/D.log"
code=$(sed -n 's/.* SETUP-CODE setup code: \([0-9A-Z-]*\) .*/\1/p' "$WORK/D.log" | tail -n 1)

api D GET / "" -
expect_api "GET /: the setup page" 200
grep -q 'id="setup-form"' "$WORK/body" || fail "GET / is not the setup page"
for f in setup.js setup.css; do
  api D GET "/ui/$f" "" -
  expect_api "GET /ui/$f" 200
done
api D GET "/api/regions?q=Sukanegara&level=desa" "" -
expect_api "region search, no login while setting up" 200
expect_eq "Sukanegara in Pontang, Kabupaten Serang" \
  "Sukanegara|desa|Pontang|Kabupaten Serang" \
  "$(body_jq '.regions[] | select(.code == "36.04.12.2002") | [.name, .tingkat, .kecamatan, .kabupaten] | join("|")')"
api D GET "/api/regions?q=kabupaten%20%20SERANG&level=kabupaten&limit=1" "" -
expect_api "case and spaces" 200
expect_eq "one hit, the kabupaten" "1 36.04" "$(body_jq '"\(.regions | length) \(.regions[0].code)"')"
api D GET "/api/regions?q=a&limit=3" "" -
expect_eq "the limit" 3 "$(body_jq '.regions | length')"
api D GET "/api/regions?level=desa" "" -
expect_api "no query" 400 HTTP-MISSING-FIELD
api D GET "/api/regions?q=x&level=dusun" "" -
expect_api "no such level" 400 HTTP-BAD-VALUE

# ---- setup with the first admin, then login -------------------------------
api D POST /api/setup "$(jq -cn --arg c "$code" '{code: $c, region: "36.04.12.2002",
  name: "KIM Sukanegara", admin: "ketua", password: "sandi-rahasia-1"}')" -
expect_api "setup with an admin" 201
expect_eq "the admin made" ketua "$(body_jq .admin)"
# Its parent: the kecamatan (read when it starts, once enrolled); edited
# in a copy renamed over it, as the daemon may be reading it now.
mkdir "$WORK/Dconf"
cp "$WORK/D/simpul.conf" "$WORK/Dconf/simpul.conf"
set_key Dconf net parent "127.0.0.1:${PORT[C]}"
for k in "keepalive_s 1" "timeout_s 4" "backoff_min_ms 100" "backoff_max_ms 800"; do
  set_key Dconf net $k
done
mv -f "$WORK/Dconf/simpul.conf" "$WORK/D/simpul.conf"
logged_in() {
  req POST /api/login '{"user":"ketua","password":"sandi-rahasia-1"}'
  [ "$CODE" = 200 ]
}
wait_until 30 "the admin logs in once the node serves" logged_in
csrf=$(body_jq .csrf_token)

api D GET /api/enrolment "" -
[ "$CODE" = 200 ] && fail "the enrolment request without login"
ok
req GET /api/enrolment
expect_api "GET /api/enrolment (admin)" 200
expect_eq "not enrolled yet" false "$(body_jq .enrolled)"
line=$(body_jq .request)
expect_eq "the request is what simpul enroll request prints" \
  "$(s enroll request --data "$WORK/D")" "$line"
expect_eq "its region" 36.04.12.2002 "$(body_jq .region)"

req GET /api/enrolment/request.svg
expect_api "the request as a QR code" 200
grep -qi '^content-type: image/svg+xml' "$WORK/headers" || fail "the QR code's type"
python3 - "$WORK/body" <<'PY' || fail "the QR code is not an SVG with modules"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == '{http://www.w3.org/2000/svg}svg', root.tag
d = [p.get('d') for p in root.iter('{http://www.w3.org/2000/svg}path')]
# at least a version-1 code's three finder patterns of 33 dark modules
assert d and d[0].count('h1v1') > 99, d
PY
ok

# ---- the certificate: refused unless it is one, from the admin -------------
# ---- the kecamatan signs it through its API (the Pendaftaran page) --------
sreq() { jq -cn --arg r "$1" --argjson d "${2:-30}" '{request: $r, valid_days: $d}'; }
api C POST /api/enrolment/check '{"request": "simpul-req1:AAAA"}'
expect_api "a damaged request" 400 HTTP-BAD-VALUE
api C POST /api/enrolment/check "$(jq -cn --arg r "$WORK/D/node.key" '{request: $r}')"
expect_api "a path is no request" 400 HTTP-BAD-VALUE
api C POST /api/enrolment/check "$(jq -cn --arg r "
$line " '{request: $r}')"
expect_api "who the request is for" 200
expect_eq "the desa's region and level" "36.04.12.2002 desa" "$(body_jq '"\(.region) \(.level)"')"
s init --data "$WORK/X" --region 36.04.13.2001 --name "Desa lain" >/dev/null
api C POST /api/enrolment/sign "$(sreq "$(s enroll request --data "$WORK/X")")"
expect_api "a desa of another kecamatan" 403 ENTRY-NOT-ISSUER
api C POST /api/enrolment/sign "$(sreq "$line" 0)"
expect_api "zero days" 400 HTTP-BAD-VALUE
api C POST /api/enrolment/sign "$(jq -cn --arg r "$line" '{request: $r, issuer: true}')"
expect_api "a kecamatan makes no issuers" 403 ENTRY-NOT-ISSUER
api C POST /api/enrolment/sign "$(sreq "$line")" -
expect_api "no credential" 401 HTTP-TOKEN
expect_eq "nothing signed by the refusals" 0 \
  "$(s list --data "$WORK/C" --kind sertifikat --json | jq '[.[] | select(.author_region == "36.04.12")] | length')"
api C POST /api/enrolment/sign "$(sreq "$line")"
expect_api "signed by the kecamatan's admin" 200
cert=$(body_jq .certificate)
expect_eq "for the desa, 30 days" "36.04.12.2002 false" "$(body_jq '"\(.region) \(.issuer)"')"
[ "$(body_jq '.qr_svg | startswith("<svg") or startswith("<?xml")')" = true ] ||
  fail "no QR code of the certificate"
ok
expect_eq "posted once in the kecamatan's feed" 1 \
  "$(s list --data "$WORK/C" --kind sertifikat --json | jq '[.[] | select(.author_region == "36.04.12")] | length')"
req POST /api/enrolment/certificate "$(cert_req "$cert")"
expect_api "without the CSRF token" 403 LOGIN-CSRF
req POST /api/enrolment/certificate "$(cert_req "$WORK/K/network.key")" "$csrf"
expect_api "a path is no certificate" 400 HTTP-BAD-VALUE
req POST /api/enrolment/certificate "$(cert_req "simpul-cert1:AAAA")" "$csrf"
[ "$CODE" = 200 ] && fail "a damaged certificate accepted"
ok
expect_eq "still not enrolled" false "$(s network show --data "$WORK/D" --json 2>/dev/null | jq .has_cert 2>/dev/null || echo false)"
req POST /api/enrolment/certificate "$(cert_req "
$cert
")" "$csrf"
expect_api "the kecamatan's certificate, pasted with line breaks" 200
expect_eq "enrolled" "true Jaringan K" "$(body_jq '"\(.enrolled) \(.network)"')"
wait_until 30 "the node starts once enrolled" grep -q "NODE-START" "$WORK/D.log"

# ---- it syncs with its kecamatan --------------------------------------------
s post --data "$WORK/C" --kind informasi --to tree:36.04.12 --title "Rapat KIM Pontang" >/dev/null 2>&1 ||
  fail "post at the kecamatan"
wait_until 60 "the kecamatan's informasi at the new desa" eq 1 has "Rapat KIM Pontang" D
logged_in || fail "login again after the restart of the API"
csrf=$(body_jq .csrf_token)
req GET /api/enrolment
expect_eq "GET /api/enrolment: enrolled" true "$(body_jq .enrolled)"
req POST /api/enrolment/certificate "$(cert_req "$cert")" "$csrf"
expect_api "a second certificate" 409 EXISTS
stop D
stop C
stop K
sanitizers_clean

echo "ok - setup_ui ($checks checks)"
