#!/usr/bin/env bash
# Delivery ticks (proto/SYNC.md §5.4) between real daemons: a desa posts
# with no link up (no tick), its kecamatan syncs (✓: held at the
# kecamatan), then the kecamatan's link to the kabupaten comes up and the
# kecamatan passes on the kabupaten's acknowledged head (HELD): ✓✓, in
# `simpul show` (text and --json) and GET /api/items/{id}.
# Usage: test_ticks.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"

KAB=36.04
KA=36.04.12
A1=36.04.12.2002
make_root kab $KAB
make_node ka $KA kab --issuer
make_node a1 $A1 ka

"$SIMPUL" post --data "$WORK/a1" --kind aspirasi --to path:$A1:$KAB \
  --title "Jembatan putus" --body "Jembatan ke sawah putus" >/dev/null
ID=$("$SIMPUL" list --data "$WORK/a1" --json | jq -r '.[] | select(.body.title == "Jembatan putus") | .id')
ticks() { "$SIMPUL" show --data "$WORK/a1" "$ID" --json | jq -c '[.delivery.ticks, [.delivery.levels[].held]]'; }
expect_eq "no link yet: no tick" '[0,[false,false]]' "$(ticks)"

# ---- the kecamatan syncs: ✓ ---------------------------------------------------
start kab 127.0.0.1:0
start ka 127.0.0.1:0  # no parent yet: the kabupaten does not hold it
parent a1 ka; start a1
wait_until 30 "held at the kecamatan" eq '[1,[true,false]]' ticks
expect_status "show" 0 "$SIMPUL" show --data "$WORK/a1" "$ID"
expect_grep "show says one tick" '^delivered: ✓ \(held at kecamatan 36.04.12, not at kabupaten 36.04\)' "$WORK/out"
expect_eq "the kabupaten does not hold it" 0 "$(has "Jembatan putus" kab)"

# ---- the kabupaten syncs: ✓✓ ---------------------------------------------------
stop ka
parent ka kab
start ka 127.0.0.1:${PORT[ka]}  # where the desa dials it
wait_until 30 "the kabupaten holds it" eq 1 has "Jembatan putus" kab
wait_until 30 "held at the kabupaten, passed on by the kecamatan" eq '[2,[true,true]]' ticks
expect_status "show" 0 "$SIMPUL" show --data "$WORK/a1" "$ID"
expect_grep "show says two ticks" '^delivered: ✓✓ \(held at kecamatan 36.04.12, held at kabupaten 36.04\)' "$WORK/out"
grep -q 'HELD' "$WORK/a1.log" && fail "HELD was refused or logged: $(grep HELD "$WORK/a1.log")"
ok

# A desa linked to the kabupaten itself (no kecamatan node on its way):
# ✓✓ once the kabupaten holds it, the kecamatan level not.
make_node a2 36.04.12.2003 kab
parent a2 kab; start a2
"$SIMPUL" post --data "$WORK/a2" --kind aspirasi --to path:36.04.12.2003:$KAB \
  --title "Sumur kering" --body "Sumur desa kering" >/dev/null
ID2=$("$SIMPUL" list --data "$WORK/a2" --json | jq -r '.[] | select(.body.title == "Sumur kering") | .id')
ticks2() { "$SIMPUL" show --data "$WORK/a2" "$ID2" --json | jq -c '[.delivery.ticks, [.delivery.levels[].held]]'; }
wait_until 30 "held at the kabupaten, straight" eq '[2,[false,true]]' ticks2

# Items of others carry no ticks; the kabupaten's view of the desa's item
# neither (it is not its own).
expect_eq "no ticks at the kabupaten" null \
  "$("$SIMPUL" show --data "$WORK/kab" "$ID" --json | jq -c .delivery)"

# ---- the API says so too ------------------------------------------------------
stop a1
set_key a1 http listen 127.0.0.1:0
start a1
port=""
for i in $(seq 1 50); do
  port=$(grep -o 'HTTP API on http://[0-9.]*:[0-9]*' "$WORK/a1.log" | tail -n 1 | sed 's/.*://') || true
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { grep -i http "$WORK/a1.log" >&2; fail "no HTTP port"; }
expect_eq "GET /api/items/{id}" '[2,["kecamatan","kabupaten"]]' \
  "$(curl -sf "http://127.0.0.1:$port/api/items/$ID" | jq -c '[.delivery.ticks, [.delivery.levels[].level]]')"

echo "ticks: $checks checks passed"
