#!/usr/bin/env bash
# Attachments in sealed bundles (proto/BUNDLE.md §4.1, §5, §6), with no
# link at all: a kecamatan posts news with a 2 MB photo for one desa and
# writes the desa's bundle; the desa imports it and holds the photo byte
# for byte (simpul blob get, cmp). A chunk that does not hash to its list
# (the kecamatan's store damaged on disk, under the sealing) is refused
# with one BLOB-BAD-CHUNK line and nothing of the blob stored, while the
# entries are; a desa holding part of the blob (a link through flaky,
# the desa killed midway) is made whole by the bundle; the next
# bundle, once the desa's return bundle is back, carries it no more, nor
# with a new entry naming the same file; and [blobs] fetch_max_bytes
# below the photo's size leaves it out.
# Usage: test_bundle_blobs.sh SIMPUL FLAKY
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
FLAKY=$2
. "$(dirname "$0")/netlib.sh"
s() { "$SIMPUL" "$@"; }

KAB=36.04
KA=36.04.12
A1=36.04.12.2002
SIZE=2000000
make_root kab $KAB
make_node ka $KA kab --issuer
make_node a1 $A1 ka
blob_state() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { print $4 }'; }
held_chunks() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { split($5, a, "/"); print a[1] }'; }
stored() { s list --data "$WORK/$1" --json | jq '[.[] | select(.body.title == "Foto jembatan")] | length'; }

# The desa first learns of the kecamatan (its certificate) from a bundle.
expect_status "a first bundle" 0 s bundle for $A1 -o "$WORK/first.bundle" --data "$WORK/ka"
expect_status "the desa imports it" 0 s bundle import --data "$WORK/a1" "$WORK/first.bundle" \
  --return "$WORK/first-return.bundle"
expect_status "the return" 0 s bundle import --data "$WORK/ka" "$WORK/first-return.bundle" --no-return

head -c $SIZE /dev/urandom >"$WORK/foto.jpg"
expect_status "a post with a photo" 0 s post --data "$WORK/ka" --kind informasi --to tree:$A1 \
  --title "Foto jembatan" --body "Jembatan baru selesai" --attach "$WORK/foto.jpg" --json
ROOT=$(s blobs --data "$WORK/ka" | awk 'length($1) == 64 { print $1 }')
[ ${#ROOT} = 64 ] || fail "no blob at the kecamatan: '$ROOT'"
ok

# ---- a damaged chunk in the sender's store ------------------------------------
# The kecamatan's LMDB file changed under it (an SD card's bit rot): chunk
# 5 of the photo no longer hashes to its list. The bundle seals what it
# reads; the desa checks every chunk against the root before storing.
cp -a "$WORK/ka" "$WORK/ka-rot"
cp -a "$WORK/a1" "$WORK/a1-rot"
python3 - "$WORK/foto.jpg" "$WORK/ka-rot" <<'PY' || fail "chunk 5 not found in the store"
import os, sys
needle = open(sys.argv[1], 'rb').read()[5 * 16384 + 100:5 * 16384 + 164]
hits = 0
for d, _, files in os.walk(sys.argv[2]):
    for f in files:
        if f != 'data.mdb':
            continue
        p = os.path.join(d, f)
        b = bytearray(open(p, 'rb').read())
        i = b.find(needle)
        while i >= 0:
            b[i + 10] ^= 0x55
            hits += 1
            i = b.find(needle, i + 1)
        open(p, 'wb').write(b)
sys.exit(0 if hits else 1)
PY
ok
expect_status "a bundle of the damaged store" 0 \
  s bundle for $A1 -o "$WORK/rot.bundle" --data "$WORK/ka-rot" --json
expect_eq "it carries the blob" 1 "$(jq '.[0].blobs' "$WORK/out")"
expect_status "the desa refuses the blob" 1 \
  s bundle import --data "$WORK/a1-rot" "$WORK/rot.bundle" --no-return --json
expect_eq "complete" true "$(jq .complete "$WORK/out")"
expect_eq "one blob refused" 1 "$(jq .blobs_refused "$WORK/out")"
expect_eq "none stored" 0 "$(jq .blobs "$WORK/out")"
expect_eq "one BLOB-BAD-CHUNK line" 1 "$(grep -c 'warn BLOB-BAD-CHUNK' "$WORK/err")"
expect_eq "the entry is stored" 1 "$(stored a1-rot)"
expect_eq "nothing of the blob stored" 0 "$(held_chunks a1-rot "$ROOT")"
expect_eq "still wanted" wanted "$(blob_state a1-rot "$ROOT")"

# ---- the photo whole at the desa ----------------------------------------------
expect_status "bundle with the photo" 0 s bundle for $A1 -o "$WORK/foto.bundle" --data "$WORK/ka" --json
expect_eq "one blob in it" 1 "$(jq '.[0].blobs' "$WORK/out")"
size=$(jq '.[0].bytes' "$WORK/out")
[ "$size" -gt $SIZE ] && [ "$size" -lt $((SIZE + SIZE / 20)) ] ||
  fail "bundle of $size bytes for a $SIZE byte photo"
ok
expect_status "the text says so" 0 s bundle for $A1 -o "$WORK/foto2.bundle" --data "$WORK/ka"
expect_grep "one attachment" "1 entries of 1 feeds, 1 attachments for $A1" "$WORK/out"
if grep -qa "Jembatan baru" "$WORK/foto.bundle"; then fail "the bundle is in the clear"; fi

# ---- a partial blob at the desa, made whole by the bundle -----------------------
# Before the stick arrives a link comes up for a while: the entry and part
# of the photo cross it (flaky, 512 kbit/s), then the desa goes down.
cp -a "$WORK/a1" "$WORK/a1-link"
start ka 127.0.0.1:0
echo "a1-link 127.0.0.1:0 127.0.0.1:${PORT[ka]} rate_kbit=512 latency_ms=20-40" >"$WORK/links"
"$FLAKY" --links "$WORK/links" --ready "$WORK/flaky.ready" --seed 3 2>"$WORK/flaky.log" &
FLAKY_PID=$!
PIDS+=($FLAKY_PID)
wait_until 10 "flaky ready" test -s "$WORK/flaky.ready"
set_key a1-link net parent "127.0.0.1:$(awk '$1 == "a1-link" { print $2 }' "$WORK/flaky.ready")"
# A desa fetches originals on demand only (BLOBS.md §7): this one takes all.
set_key a1-link blobs fetch all
start a1-link
partial() { local n; n=$(held_chunks a1-link "$ROOT"); [ -n "$n" ] && [ "$n" -ge 10 ]; }
wait_until 120 "part of the photo at the desa" partial
kill9 a1-link
stop ka
kill $FLAKY_PID
wait $FLAKY_PID 2>/dev/null || true
HELD=$(held_chunks a1-link "$ROOT")
echo "the desa holds $HELD of 123 chunks"
[ "$HELD" -lt 123 ] || fail "the photo was whole before the kill"
ok
expect_status "the bundle at the partial desa" 0 \
  s bundle import --data "$WORK/a1-link" "$WORK/foto.bundle" --no-return --json
expect_eq "its entry held already" 0 "$(jq .stored "$WORK/out")"
expect_eq "the blob made whole" 1 "$(jq .blobs "$WORK/out")"
expect_status "blob get at the once partial desa" 0 \
  s blob get "$ROOT" -o "$WORK/foto-link.jpg" --data "$WORK/a1-link"
cmp "$WORK/foto.jpg" "$WORK/foto-link.jpg" || fail "the photo made whole differs"
ok
expect_status "the desa imports it" 0 s bundle import --data "$WORK/a1" "$WORK/foto.bundle" \
  --return "$WORK/foto-return.bundle" --json
expect_eq "one blob made whole" 1 "$(jq .blobs "$WORK/out")"
expect_eq "whole at the desa" whole "$(blob_state a1 "$ROOT")"
expect_status "blob get" 0 s blob get "$ROOT" -o "$WORK/foto-a1.jpg" --data "$WORK/a1"
cmp "$WORK/foto.jpg" "$WORK/foto-a1.jpg" || fail "the photo at the desa differs"
ok
expect_status "importing again" 0 s bundle import --data "$WORK/a1" "$WORK/foto.bundle" --no-return --json
expect_eq "again: nothing new" 0 "$(jq .blobs "$WORK/out")"
expect_status "verify at the desa" 0 s verify --data "$WORK/a1"

# The damaged desa, given the good bundle, is made whole (its entry held,
# its blob record wanted).
expect_status "the good bundle at the other copy" 0 \
  s bundle import --data "$WORK/a1-rot" "$WORK/foto.bundle" --no-return --json
expect_eq "whole there too" whole "$(blob_state a1-rot "$ROOT")"

# ---- the return, then nothing to carry ----------------------------------------
expect_status "the kecamatan imports the return" 0 \
  s bundle import --data "$WORK/ka" "$WORK/foto-return.bundle" --no-return
expect_status "the next bundle" 0 s bundle for $A1 -o "$WORK/next.bundle" --data "$WORK/ka" --json
expect_eq "no entry, no blob" "0 0" "$(jq -r '"\(.[0].entries) \(.[0].blobs)"' "$WORK/out")"

# ---- the same photo on a new entry: not carried again ---------------------------
# The desa acknowledged the entry the photo went with (its return
# bundle), so the kecamatan knows it holds the photo: a new entry naming
# the same file goes without it (BUNDLE.md §5 step 4).
cp -a "$WORK/ka" "$WORK/ka-again"
expect_status "the same photo on a new entry" 0 s post --data "$WORK/ka-again" --kind informasi \
  --to tree:$A1 --title "Foto jembatan lagi" --body "Dari sisi lain" --attach "$WORK/foto.jpg"
expect_status "the bundle after it" 0 s bundle for $A1 -o "$WORK/again.bundle" --data "$WORK/ka-again" --json
expect_eq "the entry, not the photo the desa holds" "1 0" \
  "$(jq -r '"\(.[0].entries) \(.[0].blobs)"' "$WORK/out")"
[ "$(jq '.[0].bytes' "$WORK/out")" -lt 100000 ] || fail "the photo's bytes went again"
ok
expect_status "the desa imports it" 0 s bundle import --data "$WORK/a1" "$WORK/again.bundle" --no-return --json
expect_eq "the new entry stored" 1 "$(jq .stored "$WORK/out")"
expect_eq "the photo still whole there" whole "$(blob_state a1 "$ROOT")"

# ---- the size policy of links: [blobs] fetch_max_bytes --------------------------
cp -a "$WORK/ka" "$WORK/ka-small"
set_key ka-small blobs fetch_max_bytes 1000000
cp -a "$WORK/a1" "$WORK/a1-small"
head -c 1500000 /dev/urandom >"$WORK/besar.jpg"
expect_status "a second photo" 0 s post --data "$WORK/ka-small" --kind informasi --to tree:$A1 \
  --title "Foto besar" --body "x" --attach "$WORK/besar.jpg"
expect_status "bundle under the policy" 0 \
  s bundle for $A1 -o "$WORK/small.bundle" --data "$WORK/ka-small" --json
expect_eq "the entry, not its 1.5 MB blob" "1 0" "$(jq -r '"\(.[0].entries) \(.[0].blobs)"' "$WORK/out")"

echo "bundle_blobs: $checks checks passed"
