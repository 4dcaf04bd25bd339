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
for f in /ui/app.js /ui/style.css; do
  enc=$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip' "http://127.0.0.1:${HP[desa]}$f" |
    tr -d '\r' | grep -i '^content-encoding:' || true)
  [ "$enc" = "Content-Encoding: gzip" ] || fail "$f: not gzipped ($enc)"
  cmp -s <(curl -s --compressed "http://127.0.0.1:${HP[desa]}$f") \
    <(curl -s "http://127.0.0.1:${HP[desa]}$f") || fail "$f: gzipped differs"
  ok
done

# The page (GET /, src/http/page.c): style.css and app.js in it, run by
# the hashes its CSP names, and Beranda's first replies in it as the API
# gives them; gzipped for a client that takes it, plain for one that
# does not (the same page, but for its live replies).
u="http://127.0.0.1:${HP[desa]}"
curl -s -D "$WORK/page.h" -H 'Accept-Encoding: gzip' "$u/" | gunzip -c >"$WORK/page.gz.html" ||
  fail "/: not gzip"
grep -qi '^content-encoding: gzip' "$WORK/page.h" || fail "/: not gzipped"
curl -s -D "$WORK/page-plain.h" -o "$WORK/page.html" "$u/"
! grep -qi '^content-encoding' "$WORK/page-plain.h" || fail "/: encoded though not asked"
no_replies() { sed 's#^<script type="application/json" id="awal">.*</script>$#REPLIES#' "$1"; }
cmp -s <(no_replies "$WORK/page.gz.html") <(no_replies "$WORK/page.html") ||
  fail "/: gzipped differs"
! grep -q 'src="/ui/\|href="/ui/style.css"' "$WORK/page.html" || fail "/: a script or style.css not inline"
scripts=$(curl -s "$u/ui/index.html" | grep -o 'src="/ui/[a-z]*\.js"' | sed 's#src="/ui/##; s#"##')
[ "$(echo "$scripts" | wc -l)" -ge 4 ] || fail "index.html: its scripts not found"
for f in $scripts style.css; do curl -s "$u/ui/$f" >"$WORK/$f"; done
python3 - "$WORK" "$(echo $scripts)" <<'PY' || fail "/: the page is not index.html with its parts and hashes"
import base64, hashlib, json, re, sys
w = sys.argv[1]
page = open(w + '/page.html', 'rb').read()
csp = [l for l in open(w + '/page-plain.h', 'rb').read().split(b'\r\n')
       if l.lower().startswith(b'content-security-policy:')][0]
parts = [(n, b'script') for n in sys.argv[2].split()] + [('style.css', b'style')]
at = 0
for name, tag in parts:
    src = open(w + '/' + name, 'rb').read()
    inline = b'<' + tag + b'>' + src + b'</' + tag + b'>'
    assert inline in page, name + ' not inline'
    if tag == b'script':  # in index.html's order
        assert page.index(inline) > at, name + ' out of order'
        at = page.index(inline)
    h = base64.b64encode(hashlib.sha256(src).digest())
    assert b"'sha256-" + h + b"'" in csp, name + ': its hash is not in ' + csp.decode()
m = re.search(rb'<script type="application/json" id="awal">(.*)</script>', page)
json.dump(json.loads(m.group(1)), open(w + '/awal.json', 'w'))
PY
for q in '/api/items?kind=informasi&limit=30' '/api/places'; do
  [ "$(jq -S --arg q "$q" '.[$q]' "$WORK/awal.json")" = "$(curl -s "$u$q" | jq -S .)" ] ||
    fail "/: its reply for $q is not what the API gives"
done
jq -e '.["/api/items?kind=informasi&limit=30"].items[0].title == "Posyandu Sabtu"' \
  "$WORK/awal.json" >/dev/null || fail "/: Beranda's informasi not in the page"
ok

# Connections kept alive: a page's next requests on a slow link cost no
# new TCP handshake (a reply queued at MHD's first call would close it).
curl -sv -o /dev/null -o /dev/null "$u/api/node" "$u/api/places" 2>"$WORK/keep.log"
grep -q 'Re-using existing connection' "$WORK/keep.log" ||
  { cat "$WORK/keep.log" >&2; fail "the connection is not kept alive"; }
ok

pw() { echo "$2" | "$SIMPUL" user add "$3" --role "$4" --password-stdin --data "$WORK/$1" >/dev/null; }
pw desa kata-sandi-warga warga anggota
pw desa kata-sandi-korban korban anggota
pw desa kata-sandi-ketua ketua pengelola
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
# JSON replies gzipped for a client that takes it, the same JSON; plain
# for one that does not (curl without --compressed, as tests/ use it).
q="http://127.0.0.1:${HP[kab]}/api/items?limit=50"
[ "$(curl -s "$q" | wc -c)" -ge 1024 ] || fail "$q: too short to be gzipped"
curl -s -o /dev/null -D "$WORK/json.h" -H 'Accept-Encoding: gzip' "$q"
grep -qi '^content-encoding: gzip' "$WORK/json.h" || fail "$q: not gzipped"
curl -s -o /dev/null -D "$WORK/json-plain.h" "$q"
! grep -qi '^content-encoding' "$WORK/json-plain.h" || fail "$q: encoded though not asked"
cmp -s <(curl -s --compressed "$q" | jq -S .) <(curl -s "$q" | jq -S .) ||
  fail "$q: gzipped differs"
ok
for n in desa desa2 kec kab; do stop $n; done
for n in desa kab; do expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"; done
sanitizers_clean
echo "pages: $checks checks passed, screenshots in $SHOTS"
