#!/usr/bin/env bash
# The web app in headless Chromium (Debian's chromium, driven by
# playwright-core from npm, tests/ui/pages.js) at phone size on real
# daemons: kabupaten 36.04, kecamatan 36.04.12, two of its desa. A
# report from a desa to the kabupaten and back, a peringatan to every
# desa, logout, CSRF, the login rate limit, axe-core on every page.
# Screenshots go to SHOTS (the build tree).
# Usage: test_pages.sh SIMPUL SHOTS
SIMPUL=$1
SHOTS=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/../integration/netlib.sh"
. "$here/../integration/httplib.sh"

. "$here/uilib.sh"
ui_deps

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
make_node desa 36.04.12.2002 kec
make_node desa2 36.04.12.2001 kec
for n in kab kec desa desa2; do http_on $n; done
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
parent desa kec
parent desa2 kec
start desa
start desa2
for n in kab kec desa desa2; do http_wait $n; done
"$SIMPUL" post --data "$WORK/desa" --kind informasi --to tree:36.04.12.2002 \
  --title "Posyandu Sabtu" --body "Pukul 08.00 di balai desa." >/dev/null
# The desa seals a rahasia report to the kabupaten's certificate, which it
# holds once caught up with the kecamatan.
caught_up() { grep -q SYNC-CAUGHT-UP "$WORK/desa.log" && grep -q SYNC-CAUGHT-UP "$WORK/desa2.log"; }
wait_until 60 "the desa caught up" caught_up

# The UI's files gzipped for a client that takes it, the same bytes.
for f in / /ui/app.js /ui/style.css; do
  enc=$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip' "http://127.0.0.1:${HP[desa]}$f" |
    tr -d '\r' | grep -i '^content-encoding:' || true)
  [ "$enc" = "Content-Encoding: gzip" ] || fail "$f: not gzipped ($enc)"
  cmp -s <(curl -s --compressed "http://127.0.0.1:${HP[desa]}$f") \
    <(curl -s "http://127.0.0.1:${HP[desa]}$f") || fail "$f: gzipped differs"
  ok
done

pw() { echo "$2" | "$SIMPUL" user add "$3" --role "$4" --password-stdin --data "$WORK/$1" >/dev/null; }
pw desa kata-sandi-warga warga anggota
pw desa kata-sandi-korban korban anggota
pw kab kata-sandi-dinas dinas pengelola
pw kab kata-sandi-kadis kadis admin
pw kec kata-sandi-camat camat pengelola

mkdir -p "$SHOTS"
export HOME=$WORK
node "$here/pages.js" \
  --shots "$SHOTS" --work "$WORK" \
  --desa "http://127.0.0.1:${HP[desa]}" --desa2 "http://127.0.0.1:${HP[desa2]}" \
  --kec "http://127.0.0.1:${HP[kec]}" --kab "http://127.0.0.1:${HP[kab]}" \
  --kec-pid "${PID[kec]}" --desa-token "${TOK[desa]}" || fail "the pages test failed (screenshots in $SHOTS)"
ok
for n in desa desa2 kec kab; do stop $n; done
for n in desa kab; do expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"; done
sanitizers_clean
echo "pages: $checks checks passed, screenshots in $SHOTS"
