#!/usr/bin/env bash
# Sealed bundles by USB stick (proto/BUNDLE.md), with no link at all: a
# kecamatan writes a bundle for each of two desa, one desa imports its own
# and writes the return bundle, the kecamatan imports that; the next
# bundle holds only what is new. The other desa cannot open the first
# one (BUNDLE-NOT-FOR-ME, nothing committed); a changed byte or a cut
# file is refused, keeping only the authenticated prefix; importing twice
# stores nothing; plain export/import still work for backups.
# Usage: test_bundles.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
s() { "$SIMPUL" "$@"; }

KAB=36.04
KA=36.04.12          # kecamatan Pontang (issuer of its desa)
A1=36.04.12.2002     # Sukanegara: gets the stick
A2=36.04.12.2003     # Linduk: must not read Sukanegara's bundle
make_root kab $KAB
make_node ka $KA kab --issuer
make_node a1 $A1 ka
make_node a2 $A2 ka
STICK=$WORK/stick
mkdir -p "$STICK"
titles() { s list --data "$WORK/$1" --json | jq -r '[.[].body.title // empty] | sort | join(",")'; }
entries() { s list --data "$WORK/$1" --json | jq length; }

# ---- the kecamatan writes a bundle for each desa -----------------------------
s post --data "$WORK/ka" --kind informasi --to tree:$KA --title "Posyandu Senin" \
  --body "Posyandu di balai desa" >/dev/null
s post --data "$WORK/ka" --kind informasi --to tree:$A2 --title "Hanya Linduk" \
  --body "untuk Linduk saja" >/dev/null
s post --data "$WORK/a1" --kind aspirasi --to path:$A1:$KAB --title "Jalan rusak" \
  --body "Jalan desa rusak" >/dev/null
expect_status "bundle for two desa" 0 s bundle for $A1 $A2 -d "$STICK" --data "$WORK/ka" --json
B1=$STICK/to-$A1-from-$KA.bundle
B2=$STICK/to-$A2-from-$KA.bundle
expect_eq "named by target" "$B1 $B2" "$(jq -r '[.[].file] | join(" ")' "$WORK/out")"
n1=$(jq '.[0].entries' "$WORK/out")
n2=$(jq '.[1].entries' "$WORK/out")
expect_eq "Linduk's has one entry more (its own informasi)" 1 \
  "$(jq '.[1].entries - .[0].entries' "$WORK/out")"
if grep -qa "Posyandu" "$B1"; then fail "the bundle is in the clear"; fi
ok

# ---- another desa cannot open it ---------------------------------------------
before=$(entries a2)
expect_status "Linduk refuses Sukanegara's bundle" 1 \
  s bundle import --data "$WORK/a2" "$B1" --json
expect_eq "error id" BUNDLE-NOT-FOR-ME "$(jq -r .error "$WORK/out")"
expect_eq "one log line" 1 "$(grep -c 'warn BUNDLE-NOT-FOR-ME' "$WORK/err")"
expect_eq "nothing committed" "$before" "$(entries a2)"
expect_eq "no return bundle" null "$(jq -r .return "$WORK/out")"

# The stick's folder: a desa imports the bundles named for it, no other.
cp -a "$WORK/a2" "$WORK/a2-dir"
expect_status "Linduk imports the folder" 0 \
  s bundle import --data "$WORK/a2-dir" "$STICK" --no-return --json
expect_eq "one bundle, its own" "[$n2]" "$(jq -s -c '[.[].stored]' "$WORK/out")"
expect_status "a folder with none for it" 1 \
  s bundle import --data "$WORK/a2-dir" "$WORK/a2-dir" --json
expect_grep "says so" "no bundle for this node in" "$WORK/err"

# ---- the desa imports its own and writes the return bundle -------------------
expect_status "Sukanegara imports" 0 s bundle import --data "$WORK/a1" "$B1" --json
expect_eq "complete" true "$(jq .complete "$WORK/out")"
expect_eq "from the kecamatan" $KA "$(jq -r .from "$WORK/out")"
expect_eq "Sukanegara holds the informasi, not Linduk's" "Jalan rusak,Posyandu Senin" "$(titles a1)"
R1=$STICK/to-$KA-from-$A1.bundle
expect_eq "return bundle beside it" "$R1" "$(jq -r .return.file "$WORK/out")"
expect_eq "return carries the aspirasi only" 1 "$(jq .return.entries "$WORK/out")"
expect_status "import twice" 0 s bundle import --data "$WORK/a1" "$B1" --json
expect_eq "twice: nothing new" 0 "$(jq .stored "$WORK/out")"
expect_eq "twice: all held" "$n1" "$(jq .already_held "$WORK/out")"
expect_status "verify" 0 s verify --data "$WORK/a1"

# ---- back at the kecamatan ---------------------------------------------------
expect_status "kecamatan imports the return" 0 \
  s bundle import --data "$WORK/ka" "$R1" --no-return --json
expect_eq "the aspirasi arrived" 1 "$(jq .stored "$WORK/out")"
expect_eq "kecamatan holds it" 1 "$(s list --data "$WORK/ka" --json |
  jq '[.[] | select(.body.title == "Jalan rusak")] | length')"
expect_status "next bundle" 0 s bundle for $A1 -o "$WORK/next.bundle" --data "$WORK/ka" --json
expect_eq "nothing new: empty" 0 "$(jq '.[0].entries' "$WORK/out")"
# BUNDLE.md §2, §4: magic and header 240, one chunk 21, HEADS 5 + 16 + 40 a feed.
expect_eq "an empty bundle's bytes" "$(jq '240 + 21 + 5 + 16 + 40 * .[0].heads' "$WORK/out")" \
  "$(jq '.[0].bytes' "$WORK/out")"
expect_eq "and on disk" "$(jq '.[0].bytes' "$WORK/out")" "$(stat -c %s "$WORK/next.bundle")"
s post --data "$WORK/ka" --kind informasi --to tree:$KA --title "Kerja bakti" \
  --body "Minggu pagi" >/dev/null
expect_status "after a post" 0 s bundle for $A1 -o "$WORK/next.bundle" --data "$WORK/ka" --json
expect_eq "only the new post" 1 "$(jq '.[0].entries' "$WORK/out")"
expect_status "Sukanegara imports the second" 0 \
  s bundle import --data "$WORK/a1" "$WORK/next.bundle" --no-return --json
expect_eq "second: one new" 1 "$(jq .stored "$WORK/out")"
expect_eq "second: nothing again" 0 "$(jq .already_held "$WORK/out")"

# ---- ticks by stick (SYNC.md §5.4): ✓ from the kecamatan's HEADS, ✓✓ once
# the kabupaten's own stick trip is back at the kecamatan ----------------------
ASP=$(s list --data "$WORK/a1" --json | jq -r '.[] | select(.body.title == "Jalan rusak") | .id')
ticks() { s show --data "$WORK/a1" "$ASP" --json | jq -c '[.delivery.ticks, [.delivery.levels[].held]]'; }
expect_eq "held at the kecamatan" '[1,[true,false]]' "$(ticks)"
# The kabupaten starts (it holds the kecamatan's certificate: it signed it).
mkdir -p "$WORK/stick2"
expect_status "kabupaten: bundle for the kecamatan" 0 \
  s bundle for $KA -d "$WORK/stick2" --data "$WORK/kab" --json
expect_status "the kecamatan imports it, returns its own" 0 \
  s bundle import --data "$WORK/ka" "$WORK/stick2/to-$KA-from-$KAB.bundle" --json
expect_status "the kabupaten imports the return" 0 \
  s bundle import --data "$WORK/kab" "$(jq -r .return.file "$WORK/out")" --json
expect_eq "the kabupaten holds the aspirasi" 1 "$(s list --data "$WORK/kab" --json |
  jq '[.[] | select(.body.title == "Jalan rusak")] | length')"
expect_status "the kecamatan imports the kabupaten's return" 0 \
  s bundle import --data "$WORK/ka" "$(jq -r .return.file "$WORK/out")" --no-return
expect_eq "still only at the kecamatan, until the desa hears" '[1,[true,false]]' "$(ticks)"
expect_status "a bundle for the desa" 0 \
  s bundle for $A1 -o "$WORK/held.bundle" --data "$WORK/ka" --json
expect_status "the desa imports it" 0 \
  s bundle import --data "$WORK/a1" "$WORK/held.bundle" --no-return
expect_eq "held at the kabupaten: the kecamatan passed it on" '[2,[true,true]]' "$(ticks)"

# ---- damaged bundles ---------------------------------------------------------
# Enough entries for several chunks (64 KiB each).
for i in $(seq 1 24); do
  head -c 6000 /dev/urandom | base64 -w0 >"$WORK/body"
  s post --data "$WORK/ka" --kind informasi --to tree:$KA --title "Berita $i" \
    --body-file "$WORK/body" >/dev/null
done
expect_status "big bundle" 0 s bundle for $A2 -o "$WORK/big.bundle" --data "$WORK/ka" --json
total=$(jq '.[0].entries' "$WORK/out")
size=$(stat -c %s "$WORK/big.bundle")
cp -a "$WORK/a2" "$WORK/a2-copy"

cp "$WORK/big.bundle" "$WORK/bad.bundle"
flip_byte "$WORK/bad.bundle" $((size / 2))
expect_status "a changed byte is refused" 1 \
  s bundle import --data "$WORK/a2" "$WORK/bad.bundle" --json
expect_eq "tampered id" BUNDLE-TAMPERED "$(jq -r .error "$WORK/out")"
expect_eq "tampered: not complete" false "$(jq .complete "$WORK/out")"
expect_eq "tampered: one log line" 1 "$(grep -c 'warn BUNDLE-TAMPERED' "$WORK/err")"
kept=$(jq .stored "$WORK/out")
[ "$kept" -lt "$total" ] || fail "tampered: everything stored ($kept of $total)"
ok
expect_status "tampered: the prefix kept verifies" 0 s verify --data "$WORK/a2"

cp "$WORK/big.bundle" "$WORK/hdr.bundle"
flip_byte "$WORK/hdr.bundle" 100
expect_status "a changed header byte is refused" 1 \
  s bundle import --data "$WORK/a2-copy" "$WORK/hdr.bundle" --json
expect_eq "header: tampered" BUNDLE-TAMPERED "$(jq -r .error "$WORK/out")"
expect_eq "header: nothing stored" 0 "$(jq .stored "$WORK/out")"

head -c $((size - 100)) "$WORK/big.bundle" >"$WORK/short.bundle"
expect_status "a cut bundle is refused" 1 \
  s bundle import --data "$WORK/a2-copy" "$WORK/short.bundle" --json
expect_eq "truncated id" BUNDLE-TRUNCATED "$(jq -r .error "$WORK/out")"
expect_eq "truncated: no return bundle" null "$(jq -r .return "$WORK/out")"
cut=$(jq .stored "$WORK/out")
[ "$cut" -gt 0 ] && [ "$cut" -lt "$total" ] ||
  fail "truncated: expected the authenticated prefix, got $cut of $total"
ok

expect_status "the whole bundle then completes it" 0 \
  s bundle import --data "$WORK/a2-copy" "$WORK/big.bundle" --no-return --json
expect_eq "rest stored" $((total - cut)) "$(jq .stored "$WORK/out")"
expect_status "the whole bundle completes the tampered one's too" 0 \
  s bundle import --data "$WORK/a2" "$WORK/big.bundle" --no-return --json
expect_eq "rest stored there" $((total - kept)) "$(jq .stored "$WORK/out")"
expect_eq "both hold the same" "$(titles a2)" "$(titles a2-copy)"

expect_status "a plain export is no sealed bundle" 0 \
  s export --data "$WORK/ka" -o "$WORK/plain.bundle"
expect_status "bundle import refuses it" 1 \
  s bundle import --data "$WORK/a2" "$WORK/plain.bundle" --json
expect_eq "plain: malformed" BUNDLE-MALFORMED "$(jq -r .error "$WORK/out")"
expect_grep "plain: says what to do" "import it with 'simpul import'" "$WORK/err"
# A plain export carries every entry held: Sukanegara's aspirasi is not
# Linduk's to hold (what 'bundle for' leaves out).
expect_status "plain import still works, refusing what is not Linduk's" 1 \
  s import --data "$WORK/a2" "$WORK/plain.bundle" --json
expect_eq "plain: the aspirasi refused" 1 "$(jq .refused "$WORK/out")"
expect_eq "plain: not entitled" ENTRY-NOT-ENTITLED "$(jq -r .first_error "$WORK/out")"

expect_status "unknown node" 1 s bundle for 36.04.99.2001 -o "$WORK/x" --data "$WORK/ka"
expect_grep "unknown node says so" 'no certificate held' "$WORK/err"

echo "bundles: $checks checks passed"
