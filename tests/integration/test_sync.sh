#!/usr/bin/env bash
# Real daemons on 127.0.0.1: one kabupaten, two kecamatan, four desa.
# Everything an audience entitles arrives, and nothing else; a desa whose
# kecamatan is down syncs through its fallback, the kabupaten; restarts,
# SIGKILL mid-transfer and a lost store all converge with nothing lost.
# Usage: test_sync.sh SIMPUL GEN_ENTRIES
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
GEN=$2
. "$(dirname "$0")/netlib.sh"

KAB=36.04
KA=36.04.12          # kecamatan Pontang
KB=36.04.05          # kecamatan Kramatwatu
A1=36.04.12.2002     # Sukanegara
A2=36.04.12.2003     # Linduk
B1=36.04.05.2001     # Kramatwatu
B2=36.04.05.2002     # Margasana

make_root kab $KAB
make_node ka $KA kab --issuer
make_node kb $KB kab --issuer
make_node a1 $A1 kab
make_node a2 $A2 ka          # enrolled by its kecamatan (delegated)
make_node b1 $B1 kab
make_node b2 $B2 kb

start kab 127.0.0.1:0
parent ka kab; start ka 127.0.0.1:0
parent kb kab; start kb 127.0.0.1:0
parent a1 ka kab; start a1
# a2 names its kecamatan by a host name: resolved off the loop thread.
set_key a2 net parent "localhost:${PORT[ka]}, 127.0.0.1:${PORT[kab]}"; start a2
wait_until 30 "a2 links to its kecamatan by name" \
  grep -q "LINK-OPEN link 127.0.0.1:${PORT[ka]} .*to parent" "$WORK/a2.log"
parent b1 kb kab; start b1
parent b2 kb kab; start b2

post() { # NODE KIND AUDIENCE TITLE
  "$SIMPUL" post --data "$WORK/$1" --kind "$2" --to "$3" --title "$4" \
    --body "isi: $4" >/dev/null || fail "post $4 at $1"
}

# The certificates travel first: every node learns all members.
links_up() { # children whose link to their parent is open
  for n in ka kb a1 a2 b1 b2; do
    grep -q 'LINK-OPEN .* to parent' "$WORK/$n.log" && echo "$n"
  done | wc -l
}
wait_until 30 "all links up" eq 6 links_up

post a1 aspirasi path:$A1:$KAB "Aspirasi jalan rusak"
post kab informasi tree:$KAB "Info untuk semua"
post kab informasi tree:$A1 "Info untuk Sukanegara"
post a1 informasi tree:$KA "Kabar lateral Sukanegara"
post kab peringatan tree:$KAB "Peringatan banjir"
# A tanggapan names its report (proto/KIM.md §2.4): once the kabupaten
# holds the aspirasi, it answers on the aspirasi's audience.
wait_until 30 "the aspirasi reaches the kabupaten" eq 1 has "Aspirasi jalan rusak" kab
aspirasi=$("$SIMPUL" list --data "$WORK/kab" --kind aspirasi --json | jq -r '.[0].id')
"$SIMPUL" post --data "$WORK/kab" --kind tanggapan --report "$aspirasi" \
  --title "Tanggapan jalan rusak" --body "isi: Tanggapan jalan rusak" >/dev/null ||
  fail "post Tanggapan jalan rusak at kab"

every() { for n in kab ka kb a1 a2 b1 b2; do echo "$n=$(has "$1" $n)"; done | paste -sd' '; }
expect() { # TITLE "kab=1 ka=1 ..."
  wait_until 20 "$1 reaches exactly its audience" eq "$2" every "$1"
}
expect "Info untuk semua" "kab=1 ka=1 kb=1 a1=1 a2=1 b1=1 b2=1"
expect "Peringatan banjir" "kab=1 ka=1 kb=1 a1=1 a2=1 b1=1 b2=1"
expect "Aspirasi jalan rusak" "kab=1 ka=1 kb=0 a1=1 a2=0 b1=0 b2=0"
expect "Info untuk Sukanegara" "kab=1 ka=1 kb=0 a1=1 a2=0 b1=0 b2=0"
expect "Kabar lateral Sukanegara" "kab=1 ka=1 kb=0 a1=1 a2=1 b1=0 b2=0"
expect "Tanggapan jalan rusak" "kab=1 ka=1 kb=0 a1=1 a2=0 b1=0 b2=0"
# Nothing extra anywhere after convergence: exact totals, verified stores.
sleep 1
for n in kab ka kb a1 a2 b1 b2; do
  expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"
done

# ---- the kecamatan goes down: its desa syncs through the kabupaten --------
kill9 ka
post kab informasi tree:$KA "Info saat kecamatan mati"
post a1 aspirasi path:$A1:$KAB "Aspirasi lewat cadangan"
expect "Info saat kecamatan mati" "kab=1 ka=0 kb=0 a1=1 a2=1 b1=0 b2=0"
wait_until 20 "aspirasi via fallback" eq 1 has "Aspirasi lewat cadangan" kab
start ka 127.0.0.1:"${PORT[ka]}"
expect "Aspirasi lewat cadangan" "kab=1 ka=1 kb=0 a1=1 a2=0 b1=0 b2=0"
expect "Info saat kecamatan mati" "kab=1 ka=1 kb=0 a1=1 a2=1 b1=0 b2=0"

# ---- volume, and the parent killed mid-transfer -----------------------------
aud() { # NODE AUDIENCE: entries of that audience at the node
  "$SIMPUL" list --data "$WORK/$1" --json | jq --arg a "$2" '[.[] | select(.audience == $a)] | length'
}
"$GEN" --out "$WORK/bulk.bundle" --count 5000 --key "$WORK/kab/node.key" \
  --region $KAB --audience tree:$KB --seed 3 2>"$WORK/gen.log" ||
  { cat "$WORK/gen.log" >&2; fail "gen_entries"; }
expect_status "bulk import at the kabupaten" 0 "$SIMPUL" import --data "$WORK/kab" "$WORK/bulk.bundle"
sleep 0.3
kill9 kab                    # mid-transfer to the kecamatan
sleep 0.3
start kab 127.0.0.1:"${PORT[kab]}"
wait_until 60 "kecamatan converges after the kill" eq 5000 aud kb tree:$KB
wait_until 60 "desa converges" eq 5000 aud b2 tree:$KB
expect_eq "other kecamatan got none" 0 "$(aud ka tree:$KB)"

# ---- a desa restarted mid-sync ------------------------------------------------
stop b1
start b1
wait_until 60 "restarted desa converges" eq 5000 aud b1 tree:$KB

# ---- a desa that lost its store gets everything back ---------------------------
before=$(count a1)
stop a1
rm -rf "$WORK/a1/store"
"$SIMPUL" post --data "$WORK/a1" --kind informasi --to tree:$A1 --title x >/dev/null 2>&1 &&
  fail "a desa with a recreated store posted before syncing"
ok
start a1
wait_until 60 "lost store restored" eq "$before" count a1
post a1 informasi tree:$KA "Setelah pulih"
expect "Setelah pulih" "kab=1 ka=1 kb=0 a1=1 a2=1 b1=0 b2=0"

for n in kab ka kb a1 a2 b1 b2; do
  expect_status "final verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"
done
echo "sync: $checks checks passed"
