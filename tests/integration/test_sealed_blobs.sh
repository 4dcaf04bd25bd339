#!/usr/bin/env bash
# Sealed attachments (proto/BLOBS.md §2.1) on real daemons, desa ->
# kecamatan -> kabupaten at their default fetch policies:
#   - a desa posts a rahasia pengaduan with a 300 KB photo and a thumbnail
#     (`simpul post --rahasia --attach`): the file is encrypted before it
#     becomes a blob; its clear copy does not stay at the desa;
#   - the ciphertext goes up unasked through the kecamatan, which holds
#     it whole but cannot read it: its API shows one sealed attachment
#     with no name, type or thumbnail, `simpul blob get` writes the
#     ciphertext and says so;
#   - the kabupaten (the handler) shows the real type, name and
#     thumbnail, and serves the file decrypted byte for byte: `simpul
#     blob get`, GET /api/blobs (also a Range);
#   - the same through the HTTP API (POST /api/blobs, POST /api/items);
#   - sealed content too large for its thumbnail is refused at the author;
#   - the kabupaten's verification and answer on the rahasia report have
#     their details sealed (KIM.md §4.3) to the desa and the kabupaten:
#     both read method, verifier, agency and the answer; the kecamatan
#     sees the steps and the result, not the details, nor in its store.
# Usage: test_sealed_blobs.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/httplib.sh"

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002

s() { "$SIMPUL" "$@"; }
blob_state() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { print $4 }'; }
whole_at() { [ "$(blob_state "$1" "$2")" = whole ]; }
# jqr NODE FILTER ID: a field of `simpul report show ID --json` at NODE.
jqr() { s report show --data "$WORK/$1" "$3" --json 2>/dev/null | jq -r "$2"; }

make_root kab $KAB
make_node kec $KEC kab --issuer
make_node desa $DESA kab
for n in kab kec desa; do http_on $n; done
start kab 127.0.0.1:0
parent kec kab; start kec 127.0.0.1:0
parent desa kec kab; start desa
for n in kab kec desa; do http_wait $n; done

head -c 300000 /dev/urandom >"$WORK/foto-rahasia.jpg"
head -c 3000 /dev/urandom >"$WORK/kecil.jpg"

# The desa seals to the kabupaten's key: it needs its certificate, which
# comes with the first sync; until then the post is refused (KIM-SEALED).
post_report() {
  s post --data "$WORK/desa" --kind pengaduan --handler $KAB --rahasia \
    --title "Pungutan liar di kantor desa" --body "Foto kuitansi terlampir." \
    --category administrasi --attach "$WORK/foto-rahasia.jpg" \
    --thumbnail "$WORK/kecil.jpg" --json >"$WORK/post.json" 2>"$WORK/post.err"
}
wait_until 60 "the desa can seal to the kabupaten" post_report
ID=$(jq -r .id "$WORK/post.json")

# ---- at the desa: only the ciphertext is a blob ----------------------------
# 300,000 bytes in 19 messages of at most 16,384: 24 + 300,000 + 19 x 17.
s show --data "$WORK/desa" "$ID" --json >"$WORK/desa-show.json"
ROOT=$(jq -r '.body.attachments[0].root.hex' "$WORK/desa-show.json")
[ ${#ROOT} = 64 ] || fail "no attachment root: '$ROOT'"
expect_eq "clear map: the ciphertext's size" 300347 \
  "$(jq -r '.body.attachments[0].size' "$WORK/desa-show.json")"
expect_eq "clear map: no type but octet-stream" application/octet-stream \
  "$(jq -r '.body.attachments[0].type' "$WORK/desa-show.json")"
expect_eq "the desa holds one blob, the ciphertext" "$ROOT" \
  "$(s blobs --data "$WORK/desa" | awk 'length($1) == 64 { print $1 }')"
if grep -q "foto-rahasia" "$WORK/desa-show.json"; then
  fail "the file's name is in the clear map"
fi
ok

# ---- up through the kecamatan, unasked ------------------------------------------
wait_until 60 "the ciphertext whole at the kecamatan" whole_at kec "$ROOT"
wait_until 60 "the ciphertext whole at the kabupaten" whole_at kab "$ROOT"

# ---- the kabupaten reads it ----------------------------------------------------
expect_eq "kab: title opened" "Pungutan liar di kantor desa" "$(jqr kab .title "$ID")"
expect_eq "kab: the real type" image/jpeg "$(jqr kab '.attachments[0].type' "$ID")"
expect_eq "kab: the name" foto-rahasia.jpg "$(jqr kab '.attachments[0].name' "$ID")"
expect_eq "kab: a thumbnail" true "$(jqr kab '.attachments[0].thumb' "$ID")"
expect_eq "kab: not sealed" false "$(jqr kab '.attachments[0].sealed' "$ID")"
expect_status "kab: blob get" 0 s blob get "$ROOT" -o "$WORK/kab.got" --data "$WORK/kab"
cmp "$WORK/foto-rahasia.jpg" "$WORK/kab.got" || fail "kab: the decrypted file differs"
expect_grep "kab: blob get says it decrypted" "written decrypted" "$WORK/err"
URL="http://127.0.0.1:${HP[kab]}"
KAUTH="Authorization: Bearer ${TOK[kab]}"
expect_eq "kab: GET the blob" 200 "$(curl -s -H "$KAUTH" -o "$WORK/kab.http" -w '%{http_code}' "$URL/api/blobs/$ROOT")"
cmp "$WORK/foto-rahasia.jpg" "$WORK/kab.http" || fail "kab: the blob over HTTP differs"
expect_eq "kab: a Range of the plaintext" 206 "$(curl -s -H "$KAUTH" -r 100000-100099 \
  -o "$WORK/kab.range" -w '%{http_code}' "$URL/api/blobs/$ROOT")"
cmp "$WORK/kab.range" <(tail -c +100001 "$WORK/foto-rahasia.jpg" | head -c 100) ||
  fail "kab: the range differs"
ok
expect_eq "kab: the thumbnail" 200 "$(curl -s -H "$KAUTH" -o "$WORK/kab.thumb" -w '%{http_code}' \
  "$URL/api/items/$ID/thumbnails/0")"
cmp "$WORK/kecil.jpg" "$WORK/kab.thumb" || fail "kab: the thumbnail differs"
ok
# Opened here, but not for a caller below pengelola (no login; an anggota
# or this machine without the token): what a relay sees.
curl -s -o "$WORK/anon.json" "$URL/api/items/$ID"
expect_eq "kab, no login: redacted" true "$(jq -r .redacted "$WORK/anon.json")"
expect_eq "kab, no login: the attachment sealed" "true application/octet-stream  false" \
  "$(jq -r '.attachments[0] | "\(.sealed) \(.type) \(.name) \(.thumb)"' "$WORK/anon.json")"
if grep -q "foto-rahasia" "$WORK/anon.json"; then fail "kab, no login: the file's name"; fi
expect_eq "kab, no login: no thumbnail" 404 "$(curl -s -o /dev/null -w '%{http_code}' \
  "$URL/api/items/$ID/thumbnails/0")"
expect_eq "kab, no token: the blob as stored" 200 "$(curl -s -o "$WORK/anon.blob" -w '%{http_code}' \
  "$URL/api/blobs/$ROOT")"
expect_eq "kab, no token: the ciphertext, not the photo" 300347 "$(stat -c %s "$WORK/anon.blob")"
ok

# ---- the kecamatan carries what it cannot read ----------------------------------
expect_eq "kec: title sealed" "[disegel]" "$(jqr kec .title "$ID")"
expect_eq "kec: one attachment" 1 "$(jqr kec '.attachments | length' "$ID")"
expect_eq "kec: sealed" true "$(jqr kec '.attachments[0].sealed' "$ID")"
expect_eq "kec: no real type" application/octet-stream "$(jqr kec '.attachments[0].type' "$ID")"
expect_eq "kec: no name" "" "$(jqr kec '.attachments[0].name' "$ID")"
expect_eq "kec: no thumbnail" false "$(jqr kec '.attachments[0].thumb' "$ID")"
api kec GET "/api/items/$ID"
expect_api "kec: the item over HTTP" 200
expect_eq "kec: HTTP: sealed" true "$(body_jq '.attachments[0].sealed')"
expect_eq "kec: HTTP: no name" "" "$(body_jq '.attachments[0].name')"
expect_eq "kec: no thumbnail over HTTP" 404 "$(curl -s -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:${HP[kec]}/api/items/$ID/thumbnails/0")"
expect_status "kec: blob get" 0 s blob get "$ROOT" -o "$WORK/kec.got" --data "$WORK/kec"
expect_grep "kec: blob get says it is sealed" "cannot open: wrote its ciphertext" "$WORK/err"
expect_eq "kec: the ciphertext's size" 300347 "$(stat -c %s "$WORK/kec.got")"
if cmp -s "$WORK/foto-rahasia.jpg" "$WORK/kec.got"; then fail "kec: wrote the plaintext"; fi
if s show --data "$WORK/kec" "$ID" --json | grep -q "foto-rahasia"; then
  fail "kec: the file's name is readable"
fi
ok

# ---- through the HTTP API -------------------------------------------------------
head -c 50000 /dev/urandom >"$WORK/http.png"
CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer ${TOK[desa]}" \
  -H 'Content-Type: image/png' --data-binary "@$WORK/http.png" \
  "http://127.0.0.1:${HP[desa]}/api/blobs")
expect_api "upload" 201
CLEAR=$(body_jq .root)
api desa POST /api/items "{\"kind\":\"aspirasi\",\"handler\":\"$KAB\",\"rahasia\":true,
  \"title\":\"Foto lewat API\",\"text\":\"Rahasia.\",\"category\":\"lainnya\",
  \"attachments\":[{\"root\":\"$CLEAR\",\"type\":\"image/png\",\"name\":\"api.png\"}]}"
expect_api "a rahasia aspirasi with a photo over HTTP" 201
ID2=$(body_jq .id)
api desa GET "/api/items/$ID2"
ROOT2=$(body_jq '.attachments[0].root')
[ "$ROOT2" != "$CLEAR" ] || fail "HTTP: the clear blob was named"
expect_eq "the clear upload collected" "" "$(blob_state desa "$CLEAR")"
wait_until 60 "the HTTP ciphertext whole at the kabupaten" whole_at kab "$ROOT2"
expect_eq "kab: GET the HTTP one" 200 "$(curl -s -H "$KAUTH" -o "$WORK/kab2.http" -w '%{http_code}' \
  "$URL/api/blobs/$ROOT2")"
cmp "$WORK/http.png" "$WORK/kab2.http" || fail "kab: the HTTP one differs"
expect_eq "kab: its name" api.png "$(jqr kab '.attachments[0].name' "$ID2")"
ok

# ---- too large to seal -----------------------------------------------------------
head -c 8000 /dev/urandom >"$WORK/besar.jpg"
expect_status "sealed content over 17,392 bytes" 1 s post --data "$WORK/desa" \
  --kind pengaduan --handler $KAB --rahasia --title "Panjang" \
  --body "$(head -c 12000 /dev/zero | tr '\0' x)" --category lainnya \
  --attach "$WORK/foto-rahasia.jpg" --thumbnail "$WORK/besar.jpg"
expect_grep "refused with a reason" "sealed content of this rahasia report" "$WORK/err"

# ---- steps and the answer on a rahasia report, sealed (KIM.md §4.3) ----------
expect_status "kab: verify" 0 s report verify --data "$WORK/kab" "$ID" \
  --method "Kunjungan rahasia" --result valid --verifier "Budi Rahasia" --note "Kuitansi asli"
expect_status "kab: forward" 0 s report forward --data "$WORK/kab" "$ID" --agency "Inspektorat Rahasia"
expect_status "kab: respond" 0 s report respond --data "$WORK/kab" "$ID" \
  --text "Jawaban rahasia untuk pelapor." --title "Ditangani"
ev() { jqr "$1" "[.timeline[] | select(.kind == \"$2\")][0]$3" "$ID"; }
for n in kab desa; do
  # wait until the three entries are at the desa
  wait_until 60 "the answer at $n" eq "Jawaban rahasia untuk pelapor." ev $n tanggapan .text
  expect_eq "$n: the answer's title" Ditangani "$(ev $n tanggapan .title)"
  expect_eq "$n: the method" "Kunjungan rahasia" "$(ev $n status .method)"
  expect_eq "$n: the verifier" "Budi Rahasia" "$(ev $n status .verifier)"
  expect_eq "$n: the note" "Kuitansi asli" "$(ev $n status .note)"
  expect_eq "$n: not sealed for it" false "$(ev $n tanggapan .sealed)"
done
# Read where they open, but not by a caller below pengelola.
for n in kab desa; do
  curl -s -o "$WORK/anon-$n.json" "http://127.0.0.1:${HP[$n]}/api/items/$ID"
  for word in "Jawaban rahasia" "Kunjungan rahasia" "Budi Rahasia" "Inspektorat Rahasia" "Kuitansi asli"; do
    if grep -q "$word" "$WORK/anon-$n.json"; then fail "$n, no login: reads '$word'"; fi
  done
  expect_eq "$n, no login: the answer sealed" "[disegel] true" \
    "$(jq -r '[.timeline[] | select(.kind == "tanggapan")][0] | "\(.text) \(.sealed)"' "$WORK/anon-$n.json")"
done
wait_until 60 "the answer at the kecamatan" eq tanggapan \
  jqr kec '.timeline[-1].kind' "$ID"
expect_eq "kec: the state" diteruskan "$(jqr kec .state "$ID")"
expect_eq "kec: the result stays clear" valid "$(ev kec status .result)"
expect_eq "kec: the answer sealed" "[disegel]" "$(ev kec tanggapan .text)"
expect_eq "kec: sealed" true "$(ev kec tanggapan .sealed)"
expect_eq "kec: no method" null "$(ev kec status .method)"
expect_eq "kec: no verifier" null "$(ev kec status .verifier)"
s report show --data "$WORK/kec" "$ID" --json >"$WORK/kec-report.json"
s list --data "$WORK/kec" --json >"$WORK/kec-list.json"
for word in "Jawaban rahasia" "Kunjungan rahasia" "Budi Rahasia" "Inspektorat Rahasia" "Kuitansi asli"; do
  if grep -q "$word" "$WORK/kec-report.json" "$WORK/kec-list.json"; then
    fail "kec reads '$word'"
  fi
done
# Nor is it anywhere in the kecamatan's store: only ciphertext travelled.
if grep -rqa "Inspektorat Rahasia" "$WORK/kec"; then fail "kec holds the agency in clear"; fi
ok

# ---- a photo posted in the clear, then the flag raised by a step -----------
head -c 30000 /dev/urandom >"$WORK/jelas.jpg"
s post --data "$WORK/desa" --kind pengaduan --handler $KAB --title "Jalan berlubang" \
  --body "Foto terlampir." --category lainnya --attach "$WORK/jelas.jpg" --json >"$WORK/post3.json"
ID3=$(jq -r .id "$WORK/post3.json")
wait_until 60 "the clear report at the kabupaten" eq diajukan jqr kab .state "$ID3"
expect_status "kab: raises rahasia" 0 s report verify --data "$WORK/kab" "$ID3" \
  --method telepon --result valid --rahasia
curl -s -o "$WORK/anon3.json" "$URL/api/items/$ID3"
expect_eq "raised, no login: sealed, no root to fetch the clear photo" "true null" \
  "$(jq -r '.attachments[0] | "\(.sealed) \(.root)"' "$WORK/anon3.json")"
api kab GET "/api/items/$ID3"
expect_eq "raised, the token: the photo's root" 64 "$(body_jq '.attachments[0].root | length')"
ok

for n in desa kec kab; do
  expect_eq "no PROTO-VIOLATION at $n" 0 "$(grep -c 'PROTO-VIOLATION' "$WORK/$n.log" || true)"
  expect_eq "no BLOB-SEALED at $n" 0 "$(grep -c 'BLOB-SEALED' "$WORK/$n.log" || true)"
done
for n in desa kec kab; do stop $n; done
sanitizers_clean
echo "test_sealed_blobs: $checks checks passed"
