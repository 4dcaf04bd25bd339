#!/usr/bin/env bash
# The fetch policy of attachments (proto/BLOBS.md §7) between real
# daemons at their level defaults: kabupaten `all`, kecamatan `up`, desa
# `on-demand` with auto_fetch_max_bytes 256 KiB.
#   - originals of the kabupaten's news stay at the kabupaten until a
#     desa opens them (a small one travels unasked); then the desa asks
#     its kecamatan, which fetches it from the kabupaten for it, and the
#     desa gets it byte for byte: by GET /api/blobs (202 "menunggu",
#     then 200), by `simpul blob get` (waiting), and after a restart
#     (the opening is kept in the store);
#   - a report's photo from the desa arrives at the kecamatan and the
#     kabupaten unasked.
# Usage: test_blob_policy.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/httplib.sh"

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002

s() { "$SIMPUL" "$@"; }
blob_state() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { print $4 }'; }
held_chunks() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { split($5, a, "/"); print a[1] }'; }
whole_at() { [ "$(blob_state "$1" "$2")" = whole ]; }
# post_at NODE TITLE FILE: news to the kabupaten's tree; prints the root.
post_at() {
  s post --data "$WORK/$1" --kind informasi --to "tree:$KAB" --title "$2" \
    --body "Terlampir." --attach "$3" --json >/dev/null
  s show --data "$WORK/$1" "$(s list --data "$WORK/$1" --json |
    jq -r --arg t "$2" '.[] | select(.body.title == $t) | .id')" --json |
    jq -r '.body.attachments[0].root.hex'
}

make_root kab $KAB
make_node kec $KEC kab --issuer
make_node desa $DESA kec
http_on desa
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
parent desa kec
start desa
http_wait desa

# ---- down: on demand -------------------------------------------------------------
for f in peta jadwal surat; do head -c 600000 /dev/urandom >"$WORK/$f.pdf"; done
head -c 100000 /dev/urandom >"$WORK/kecil.png"
PETA=$(post_at kab "Peta banjir" "$WORK/peta.pdf")
JADWAL=$(post_at kab "Jadwal posyandu" "$WORK/jadwal.pdf")
SURAT=$(post_at kab "Surat edaran" "$WORK/surat.pdf")
KECIL=$(post_at kab "Foto kecil" "$WORK/kecil.png")
for r in "$PETA" "$JADWAL" "$SURAT" "$KECIL"; do [ ${#r} = 64 ] || fail "no root: '$r'"; done
ok

# The small one comes unasked (under auto_fetch_max_bytes), through the
# kecamatan: by then the entries are all at the desa, and nothing asked
# the large ones of anyone.
wait_until 60 "the small blob whole at the desa" whole_at desa "$KECIL"
wait_until 30 "the entries at the desa" eq 1 has "Surat edaran" desa
sleep 2
for r in "$PETA" "$JADWAL" "$SURAT"; do
  expect_eq "not fetched at the desa" wanted "$(blob_state desa "$r")"
  expect_eq "not fetched at the kecamatan (up: only from below)" wanted "$(blob_state kec "$r")"
done

# Opened over HTTP: 202 "menunggu" until whole, then the bytes.
URL="http://127.0.0.1:${HP[desa]}/api/blobs/$PETA"
expect_eq "GET of a blob not here" 202 "$(curl -s -o "$WORK/body" -w '%{http_code}' "$URL")"
expect_eq "menunggu" menunggu "$(body_jq .status)"
expect_eq "its size" 600000 "$(body_jq .size)"
wait_until 60 "the opened blob whole at the desa" whole_at desa "$PETA"
expect_eq "GET once whole" 200 "$(curl -s -o "$WORK/peta.got" -w '%{http_code}' "$URL")"
cmp "$WORK/peta.pdf" "$WORK/peta.got" || fail "the blob at the desa differs"
ok
expect_eq "the kecamatan fetched it for the desa" whole "$(blob_state kec "$PETA")"

# Opened with the CLI: it waits for it.
expect_status "blob get waits" 0 s blob get "$JADWAL" -o "$WORK/jadwal.got" \
  --wait 60 --data "$WORK/desa"
cmp "$WORK/jadwal.pdf" "$WORK/jadwal.got" || fail "blob get: the blob differs"
ok

# Opened while the daemon is down: the mark is in the store.
stop desa
expect_status "blob get without waiting" 1 s blob get "$SURAT" -o "$WORK/surat.got" \
  --wait 0 --data "$WORK/desa"
expect_grep "asked" "asked the peers" "$WORK/err"
expect_eq "still wanted" wanted "$(blob_state desa "$SURAT")"
start desa
wait_until 60 "the blob opened before the restart whole" whole_at desa "$SURAT"
expect_status "blob get" 0 s blob get "$SURAT" -o "$WORK/surat.got" --data "$WORK/desa"
cmp "$WORK/surat.pdf" "$WORK/surat.got" || fail "the blob differs"
ok

# ---- up: a report's photo --------------------------------------------------------
head -c 700000 /dev/urandom >"$WORK/jalan.jpg"
expect_status "a report with a photo" 0 s post --data "$WORK/desa" --kind pengaduan \
  --handler $KAB --title "Jalan rusak" --body "Di RT 02." --attach "$WORK/jalan.jpg"
ROOT=$(s blobs --data "$WORK/desa" | awk -v a="$PETA" -v b="$JADWAL" -v c="$SURAT" -v d="$KECIL" \
  '$1 != a && $1 != b && $1 != c && $1 != d { print $1 }')
[ ${#ROOT} = 64 ] || fail "no report blob at the desa: '$ROOT'"
ok
wait_until 60 "the photo at the kecamatan" whole_at kec "$ROOT"
wait_until 60 "the photo at the kabupaten" whole_at kab "$ROOT"
expect_status "blob get at the kabupaten" 0 s blob get "$ROOT" -o "$WORK/jalan.got" --data "$WORK/kab"
cmp "$WORK/jalan.jpg" "$WORK/jalan.got" || fail "the photo at the kabupaten differs"
ok

for n in desa kec kab; do
  expect_eq "no PROTO-VIOLATION at $n" 0 "$(grep -c 'PROTO-VIOLATION' "$WORK/$n.log" || true)"
done
for n in desa kec kab; do stop $n; done
sanitizers_clean
echo "test_blob_policy: $checks checks passed"
