#!/usr/bin/env bash
# Accounts and roles of the web app (issue 13 item 1, docs/API.md
# "Accounts and roles"), with curl on real daemons: a kabupaten and a
# desa it enrolled, linked; the desa posts a report with a reporter.
#   - simpul user add|list|passwd|remove, the file mode 0600;
#   - login gives an HttpOnly, SameSite=Strict cookie and a CSRF token;
#     /api/me; a write with cookie and CSRF works, without CSRF or from
#     another Origin it is refused; after logout the cookie is refused;
#   - a wrong password N times locks the account (LOGIN-RATE-LIMIT, in
#     Bahasa Indonesia), even for the right password;
#   - anggota cannot step a report (LOGIN-ROLE), pengelola can; the
#     reporter is hidden from anggota and shown to pengelola;
#   - an account removed: its session ends at once.
# Usage: test_accounts.sh SIMPUL
SIMPUL=$1
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"
s() { "$SIMPUL" "$@"; }

make_root kab 36.04
make_node desa 36.04.12.2002 kab
for n in kab desa; do http_on $n; done

# ---- simpul user -------------------------------------------------------------
K=$WORK/kab
echo 'kata-sandi-admin' | s user add admin --role admin --password-stdin --data "$K" >/dev/null
echo 'kata-sandi-siti' | s user add siti --role pengelola --password-stdin --data "$K" >/dev/null
echo 'kata-sandi-budi' | s user add budi --password-stdin --data "$K" >/dev/null
echo 'kata-sandi-dodi' | s user add dodi --role anggota --password-stdin --data "$K" >/dev/null
expect_status "a second siti is refused" 1 s user add siti --password-stdin --data "$K" <<<'kata-sandi-lain'
expect_grep "... saying so" "account 'siti' already" "$WORK/err"
expect_status "a short password is refused" 1 s user add ani --password-stdin --data "$K" <<<'pendek'
expect_status "a bad role is a usage error" 2 s user add ani --role raja --password-stdin --data "$K" <<<'kata-sandi-ani'
expect_status "a bad name is refused" 1 s user add 'Ani Z' --password-stdin --data "$K" <<<'kata-sandi-ani'
expect_eq "the accounts file is mode 0600" 600 "$(stat -c %a "$K/accounts")"
s user list --json --data "$K" >"$WORK/users.json"
expect_eq "list: names and roles" "admin:admin budi:anggota dodi:anggota siti:pengelola" \
  "$(jq -r '[.accounts[] | "\(.user):\(.role)"] | sort | join(" ")' "$WORK/users.json")"
if grep -q 'kata-sandi' "$K/accounts"; then fail "a password is in the accounts file"; fi
expect_grep "hashes are Argon2id" '^siti pengelola [0-9]+ \$argon2id\$v=19\$m=65536,t=2,p=1\$' "$K/accounts"
expect_status "passwd for no such account" 1 s user passwd nobody --password-stdin --data "$K" <<<'kata-sandi-baru'

start kab 127.0.0.1:0
parent desa kab
start desa
for n in kab desa; do http_wait $n; done
A=http://127.0.0.1:${HP[kab]}

# ---- a report from the desa, held at the kabupaten ---------------------------
report='{"kind":"aspirasi","handler":"36.04","title":"Jalan rusak di RT 3",
  "text":"Lubang besar di depan sekolah.","location":{"place":"RT 3"},
  "reporter":{"name":"Siti Aminah","contact":"0812-0000-0000"}}'
posted() {
  api desa POST /api/items "$report"
  [ "$CODE" = 201 ] && return 0
  [ "$CODE" = 500 ] && { cat "$WORK/body" >&2; fail "report: HTTP 500"; }
  return 1
}
wait_until 60 "the desa posts a report" posted
id=$(body_jq .id)
held() { api kab GET "/api/items/$id"; [ "$CODE" = 200 ]; }
wait_until 60 "the report at the kabupaten" held

# req JAR METHOD PATH [JSON [CSRF [ORIGIN]]]: curl with a cookie jar;
# status in $CODE, body in $WORK/body, headers in $WORK/headers.
req() {
  local jar=$WORK/$1.jar method=$2 path=$3 data=${4:-} csrf=${5:-} origin=${6:-}
  local args=(-s -m 30 -b "$jar" -c "$jar" -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' -X "$method")
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  [ -n "$csrf" ] && args+=(-H "X-CSRF-Token: $csrf")
  [ -n "$origin" ] && args+=(-H "Origin: $origin")
  CODE=$(curl "${args[@]}" "$A$path") || CODE=000
}
login() { # JAR USER PASSWORD
  req "$1" POST /api/login "$(jq -cn --arg u "$2" --arg p "$3" '{user: $u, password: $p}')"
}

# ---- login, /api/me, the cookie ----------------------------------------------
req none GET /api/me
expect_api "me without a session" 200
expect_eq "... is not logged in" false "$(body_jq .logged_in)"
login siti siti 'kata-sandi-siti'
expect_api "siti logs in" 200
expect_eq "login says the role" pengelola "$(body_jq .role)"
CSRF_SITI=$(body_jq .csrf_token)
expect_eq "a CSRF token of 64 hex" 64 "${#CSRF_SITI}"
expect_grep "the cookie is HttpOnly, SameSite=Strict, Path=/" \
  '^Set-Cookie: simpul_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Max-Age=[0-9]+' "$WORK/headers"
req siti GET /api/me
expect_api "me with the cookie" 200
expect_eq "me: logged in" true "$(body_jq .logged_in)"
expect_eq "me: the user" siti "$(body_jq .user)"
expect_eq "me: the same CSRF token" "$CSRF_SITI" "$(body_jq .csrf_token)"

# ---- roles: personal data, a report step --------------------------------------
login budi budi 'kata-sandi-budi'
expect_api "budi (anggota) logs in" 200
CSRF_BUDI=$(body_jq .csrf_token)
req budi GET "/api/items/$id"
expect_api "anggota reads the report" 200
expect_eq "the reporter is hidden from anggota" "[disegel]" "$(body_jq .reporter)"
req siti GET "/api/items/$id"
expect_api "pengelola reads the report" 200
expect_eq "the reporter is shown to pengelola" "Siti Aminah" "$(body_jq .reporter.name)"
req none GET "/api/items/$id"
expect_eq "no one logged in: the reporter hidden" "[disegel]" "$(body_jq .reporter)"

step='{"step":"diverifikasi","method":"telepon","result":"valid","verifier":"Siti"}'
req budi POST "/api/reports/$id/steps" "$step" "$CSRF_BUDI"
expect_api "anggota cannot step a report" 403 LOGIN-ROLE
req siti POST "/api/reports/$id/steps" "$step"
expect_api "a write with the cookie but no CSRF token" 403 LOGIN-CSRF
req siti POST "/api/reports/$id/steps" "$step" "$CSRF_BUDI"
expect_api "a write with another session's CSRF token" 403 LOGIN-CSRF
req siti POST "/api/reports/$id/steps" "$step" "$CSRF_SITI" "http://evil.example"
expect_api "a write from another Origin" 403 HTTP-ORIGIN
req siti POST "/api/reports/$id/steps" "$step" "$CSRF_SITI" "http://127.0.0.1:${HP[kab]}"
expect_api "pengelola steps the report with cookie and CSRF" 201
api kab GET "/api/items/$id"
expect_eq "the step is made" diverifikasi "$(body_jq .state)"
info='{"kind":"informasi","to":"tree:36.04","title":"Kerja bakti","text":"Minggu pagi."}'
req budi POST /api/items "$info" "$CSRF_BUDI"
expect_api "anggota cannot publish informasi" 403 LOGIN-ROLE
req none POST /api/items "$info"
expect_api "no one logged in cannot write" 401 HTTP-TOKEN
req budi GET /api/peers
expect_api "anggota reads peers" 200
expect_eq "... without addresses" 0 "$(jq '[.. | objects | .address? // empty] | length' "$WORK/body")"

# ---- logout -------------------------------------------------------------------
cp "$WORK/siti.jar" "$WORK/stolen.jar"
req siti POST /api/logout '{}'
expect_api "logout without CSRF is refused" 403 LOGIN-CSRF
req siti POST /api/logout '{}' "$CSRF_SITI"
expect_api "siti logs out" 200
expect_grep "logout clears the cookie" '^Set-Cookie: simpul_session=; .*Max-Age=0' "$WORK/headers"
req stolen GET /api/me
expect_eq "the cookie after logout: me" "false true" "$(body_jq '"\(.logged_in) \(.session_ended)"')"
req stolen POST "/api/reports/$id/steps" '{"step":"ditindaklanjuti"}' "$CSRF_SITI"
expect_api "the cookie after logout: a write" 401 LOGIN-NEEDED
req stolen GET "/api/items/$id"
expect_eq "the cookie after logout: no personal data" "[disegel]" "$(body_jq .reporter)"

# ---- an account removed, a password changed ------------------------------------
s user remove budi --data "$K" >/dev/null
req budi GET /api/me
expect_eq "removed: the session ends at once" "false true" "$(body_jq '"\(.logged_in) \(.session_ended)"')"
req budi POST /api/items "$report" "$CSRF_BUDI"
expect_api "removed: a write with the old session" 401 LOGIN-NEEDED
login budi budi 'kata-sandi-budi'
expect_api "removed: no login" 401 LOGIN-BAD
echo 'kata-sandi-dodi-2' | s user passwd dodi --password-stdin --data "$K" >/dev/null
login dodi dodi 'kata-sandi-dodi'
expect_api "the old password after passwd" 401 LOGIN-BAD
login dodi dodi 'kata-sandi-dodi-2'
expect_api "the new password after passwd" 200
cp "$WORK/dodi.jar" "$WORK/dodi-old.jar"
login dodi dodi 'kata-sandi-dodi-2'
expect_api "a second login with the cookie" 200
req dodi-old GET /api/me
expect_eq "a login replaces the session it came with" false "$(body_jq .logged_in)"
req dodi GET /api/me
expect_eq "... with a new one" true "$(body_jq .logged_in)"
echo 'kata-sandi-dodi-3' | s user passwd dodi --password-stdin --data "$K" >/dev/null
req dodi GET /api/me
expect_eq "simpul user passwd ends the sessions too" "false true" \
  "$(body_jq '"\(.logged_in) \(.session_ended)"')"
login dodi dodi 'kata-sandi-dodi-3'
s user remove dodi --data "$K" >/dev/null
echo 'kata-sandi-dodi-4' | s user add dodi --password-stdin --data "$K" >/dev/null
req dodi GET /api/me
expect_eq "a session is not the account made again under its name" "false true" \
  "$(body_jq '"\(.logged_in) \(.session_ended)"')"
login dodi dodi 'kata-sandi-dodi-4'

# ---- the rate limit ------------------------------------------------------------
for i in 1 2 3 4 5; do
  login x siti "salah-$i"
  expect_api "wrong password $i" 401 LOGIN-BAD
  expect_eq "... says so in Bahasa Indonesia" "Nama pengguna atau kata sandi salah." "$(body_jq .error.message)"
done
login x siti 'salah-6'
expect_api "the 6th try is locked out" 429 LOGIN-RATE-LIMIT
expect_grep "... with a message in Bahasa Indonesia" 'Terlalu banyak percobaan masuk yang gagal.*Coba lagi dalam 15 menit' "$WORK/body"
login x siti 'kata-sandi-siti'
expect_api "locked: even the right password" 429 LOGIN-RATE-LIMIT
login x admin 'kata-sandi-admin'
expect_api "another account from the same address still logs in" 200
expect_grep "each refusal has one log line" 'warn LOGIN-RATE-LIMIT http 127.0.0.1:[0-9]+ POST /api/login: 429' "$WORK/kab.log"

# ---- the token keeps every right -----------------------------------------------
api kab GET /api/me
expect_api "the token: me" 200
expect_eq "the token has every right" admin "$(body_jq .role)"

# ---- accounts from the browser: POST/DELETE /api/accounts, the admin's ---------
login adm admin 'kata-sandi-admin'
expect_api "the admin logs in" 200
CSRF_ADM=$(body_jq .csrf_token)
req dodi GET /api/me
CSRF_DODI=$(body_jq .csrf_token)
wati='{"user":"wati","role":"anggota","password":"kata-sandi-wati"}'
req dodi POST /api/accounts "$wati" "$CSRF_DODI"
expect_api "an anggota cannot add an account" 403 LOGIN-ROLE
echo 'kata-sandi-sari' | s user add sari --role pengelola --password-stdin --data "$K" >/dev/null
login siti2 sari 'kata-sandi-sari'
expect_api "a pengelola made while the daemon runs logs in" 200
CSRF_SITI2=$(body_jq .csrf_token)
req siti2 POST /api/accounts "$wati" "$CSRF_SITI2"
expect_api "a pengelola cannot add an account" 403 LOGIN-ROLE
req siti2 DELETE /api/accounts/dodi "" "$CSRF_SITI2"
expect_api "a pengelola cannot remove an account" 403 LOGIN-ROLE
req none POST /api/accounts "$wati"
expect_api "no one logged in cannot add an account" 401 HTTP-TOKEN
req adm POST /api/accounts "$wati"
expect_api "the admin without the CSRF token" 403 LOGIN-CSRF
req adm DELETE /api/accounts/dodi
expect_api "a DELETE without the CSRF token" 403 LOGIN-CSRF
req adm POST /api/accounts '{"user":"wati","role":"anggota","password":"pendek"}' "$CSRF_ADM"
expect_api "a short password, as the CLI" 400 USAGE
expect_grep "... said in Bahasa Indonesia, naming the field" 'Kata sandi harus 8 sampai 256 byte \(password\)' "$WORK/body"
req adm POST /api/accounts '{"user":"Wati Z","role":"anggota","password":"kata-sandi-wati"}' "$CSRF_ADM"
expect_api "a bad name, as the CLI" 400 USAGE
expect_grep "... naming the field" 'Nama pengguna harus.*\(user\)' "$WORK/body"
req adm POST /api/accounts '{"user":"wati","role":"raja","password":"kata-sandi-wati"}' "$CSRF_ADM"
expect_api "a bad role" 400 HTTP-BAD-VALUE
req adm POST /api/accounts "$wati" "$CSRF_ADM"
expect_api "the admin adds wati" 201
expect_eq "... as anggota" anggota "$(body_jq .role)"
req adm POST /api/accounts "$wati" "$CSRF_ADM"
expect_api "a second wati" 409 USER-EXISTS
expect_grep "the change is logged with who made it" "USER-CHANGE http 127.0.0.1:[0-9]+: added the account 'wati' \(by 'admin'\)" "$WORK/kab.log"
expect_grep "wati is in the accounts file, hashed" '^wati anggota [0-9]+ \$argon2id\$' "$K/accounts"
login wati wati 'kata-sandi-wati'
expect_api "wati logs in" 200
req adm POST /api/accounts/wati/role '{"role":"pengelola"}' "$CSRF_ADM"
expect_api "the admin makes wati pengelola" 200
req wati GET /api/me
expect_eq "wati's session has the new role at once" pengelola "$(body_jq .role)"
req adm POST /api/accounts/wati/password '{"password":"pendek"}' "$CSRF_ADM"
expect_api "a short new password" 400 USAGE
req adm POST /api/accounts/wati/password '{"password":"kata-sandi-wati-2"}' "$CSRF_ADM"
expect_api "the admin resets wati's password" 200
req wati GET /api/me
expect_eq "a new password ends wati's sessions (a lost phone)" "false true" \
  "$(body_jq '"\(.logged_in) \(.session_ended)"')"
login x wati 'kata-sandi-wati'
expect_api "the old password no longer logs in" 401 LOGIN-BAD
login wati2 wati 'kata-sandi-wati-2'
expect_api "the new one does" 200
req adm DELETE /api/accounts/admin "" "$CSRF_ADM"
expect_api "the last admin cannot be removed" 409 USER-LAST-ADMIN
expect_grep "... said in Bahasa Indonesia" 'admin terakhir' "$WORK/body"
req adm POST /api/accounts/admin/role '{"role":"anggota"}' "$CSRF_ADM"
expect_api "nor demoted" 409 USER-LAST-ADMIN
expect_status "nor by the CLI" 1 s user remove admin --data "$K"
expect_eq "the admin is still admin" "admin:admin" \
  "$(s user list --json --data "$K" | jq -r '.accounts[] | select(.user == "admin") | "\(.user):\(.role)"')"
req adm DELETE /api/accounts/nobody "" "$CSRF_ADM"
expect_api "removing no such account" 404 NOT-FOUND
req adm DELETE /api/accounts/wati "" "$CSRF_ADM"
expect_api "the admin removes wati" 200
req wati2 GET /api/me
expect_eq "wati's session ends at once" "false true" "$(body_jq '"\(.logged_in) \(.session_ended)"')"
login x wati 'kata-sandi-wati-2'
expect_api "wati can no longer log in" 401 LOGIN-BAD
req adm GET /api/accounts
expect_eq "the list without wati" "admin dodi sari siti" "$(jq -r '[.accounts[].user] | sort | join(" ")' "$WORK/body")"

# ---- a POST /api/items sent again with its Idempotency-Key: posted once --------
idem() { # KEY: the admin posts an informasi with it
  CODE=$(curl -s -m 30 -b "$WORK/adm.jar" -o "$WORK/body" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF_ADM" -H "Idempotency-Key: $1" \
    --data-binary '{"kind":"informasi","to":"tree:36.04","title":"Sekali saja","text":"Dikirim dua kali."}' \
    "$A/api/items") || CODE=000
}
count_once() { api kab GET '/api/items?kind=informasi&limit=1000'; jq '[.items[] | select(.title == "Sekali saja")] | length' "$WORK/body"; }
idem k-0123456789abcdef-1
expect_api "an item with a key" 201
first=$(body_jq .id)
idem k-0123456789abcdef-1
expect_api "the same key again" 201
expect_eq "... answers the same item" "$first true" "$(body_jq '"\(.id) \(.replayed)"')"
expect_eq "... posted once" 1 "$(count_once)"
idem k-0123456789abcdef-2
expect_api "another key" 201
[ "$(body_jq .id)" != "$first" ] || fail "another key got the first item"
ok
expect_eq "... is another item" 2 "$(count_once)"
idem 'short'
expect_api "a malformed key" 400 HTTP-BAD-VALUE

stop kab
stop desa

# ---- setup makes the first admin ----------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
mkdir -m 700 "$WORK/D"
HP[D]=$(free_port)
SIMPUL_SETUP_LISTEN=127.0.0.1:${HP[D]} "$SIMPUL" run --data "$WORK/D" >>"$WORK/D.log" 2>&1 &
PID[D]=$!
PIDS+=($!)
code=
for _ in $(seq 1 100); do
  code=$(sed -n 's/.* SETUP-CODE setup code: \([0-9A-Z-]*\) .*/\1/p' "$WORK/D.log" | tail -n 1)
  [ -n "$code" ] && grep -q "HTTP setup API on" "$WORK/D.log" && break
  sleep 0.1
done
[ -n "$code" ] || fail "no setup code"
setup_req() { # ADMIN PASSWORD
  jq -cn --arg c "$code" --arg a "$1" --arg p "$2" \
    '{code: $c, region: "36.04.12.2002", name: "KIM Uji", admin: $a, password: $p}'
}
api D POST /api/setup "$(setup_req kades pendek)" -
expect_api "setup with a short admin password" 400 USAGE
[ -e "$WORK/D/node.key" ] && fail "a node was made by a refused setup"
ok
api D POST /api/setup "$(setup_req kades kata-sandi-kades)" -
expect_api "setup with the first admin" 201
expect_eq "the reply names the admin" kades "$(body_jq .admin)"
expect_eq "the admin's account" "kades:admin" \
  "$(s user list --json --data "$WORK/D" | jq -r '.accounts[] | "\(.user):\(.role)"')"
A=http://127.0.0.1:${HP[D]}
for _ in $(seq 1 100); do
  api D GET /api/node "" -
  [ "$CODE" = 200 ] && break
  sleep 0.1
done
login kades kades kata-sandi-kades
expect_api "the admin made by setup logs in" 200
expect_eq "... as admin" admin "$(body_jq .role)"
stop D

# ---- HTTPS with a certificate file: the cookie is Secure -----------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$WORK/D/tls.key" \
  -out "$WORK/D/tls.crt" 2>/dev/null
chmod 600 "$WORK/D/tls.key"
set_key D http listen 127.0.0.1:0
set_key D http tls_cert tls.crt
set_key D http tls_key "$WORK/D/tls.key"
"$SIMPUL" run --data "$WORK/D" >>"$WORK/D.log" 2>&1 &
PID[D]=$!
PIDS+=($!)
HP[D]=
for _ in $(seq 1 100); do
  HP[D]=$(grep -o 'HTTP API on https://[0-9.]*:[0-9]*' "$WORK/D.log" | tail -n 1 | sed 's/.*://') || true
  [ -n "${HP[D]}" ] && break
  sleep 0.1
done
[ -n "${HP[D]}" ] || fail "no HTTPS listen line"
ok
A=https://127.0.0.1:${HP[D]}
CODE=$(curl -s -m 30 -o /dev/null -w '%{http_code}' "$A/api/node") || CODE=000
expect_eq "an unknown certificate is refused by curl" 000 "$CODE"
CODE=$(curl -s -m 30 -o /dev/null -w '%{http_code}' "http://127.0.0.1:${HP[D]}/api/node") || CODE=000
[ "$CODE" = 200 ] && fail "plain HTTP answered on the HTTPS port"
ok
curl_tls() { curl --cacert "$WORK/D/tls.crt" "$@"; }
CODE=$(curl_tls -s -m 30 -o "$WORK/body" -w '%{http_code}' "$A/api/node") || CODE=000
expect_api "GET /api/node over HTTPS" 200
CODE=$(curl_tls -s -m 30 -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' \
  -H 'Content-Type: application/json' -H "Origin: $A" \
  --data-binary '{"user": "kades", "password": "kata-sandi-kades"}' "$A/api/login") || CODE=000
expect_api "login over HTTPS" 200
expect_grep "the cookie is Secure over HTTPS" \
  '^Set-Cookie: simpul_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Max-Age=[0-9]+; Secure' "$WORK/headers"
stop D
set_key D http tls_key ""
"$SIMPUL" run --data "$WORK/D" >>"$WORK/D.log" 2>&1 &
PID[D]=$!
PIDS+=($!)
wait_until 30 "a cert without a key is refused" grep -q 'warn HTTP-TLS \[http\] tls_cert and tls_key go together' "$WORK/D.log"
stop D
sanitizers_clean
echo "accounts: $checks checks passed"
