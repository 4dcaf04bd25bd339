#!/usr/bin/env bash
# The data budget (proto/BLOBS.md §7.1) between real daemons: a desa with
# [net] budget_mib = 1 fetches a 3 MB attachment from its kecamatan.
#   - bulk stops at the budget: exactly 64 chunks (1 MiB), one
#     LINK-BUDGET line, and no more while the month lasts;
#   - a peringatan posted afterwards still arrives;
#   - the month's bytes show in simpul peers (--json and text) at both
#     ends (asked at the desa, served at the kecamatan) and in /metrics;
#   - the count is durable: restarted with budget_mib = 2, the desa
#     fetches one more MiB, not two.
# Usage: test_link_budget.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/httplib.sh"

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002
MIB=1048576

s() { "$SIMPUL" "$@"; }
held_chunks() { s blobs --data "$WORK/$1" 2>/dev/null | awk -v r="$2" '$1 == r { split($5, a, "/"); print a[1] }'; }
# bulk NODE REGION: the month's bulk bytes of NODE's peer of REGION.
bulk() { s peers --data "$WORK/$1" --json 2>/dev/null | jq -r --arg r "$2" '.[] | select(.region == $r) | .bulk_month_bytes'; }

make_root kab $KAB
make_node kec $KEC kab --issuer
make_node desa $DESA kec
http_on desa
set_key desa blobs fetch all
set_key desa net budget_mib 1
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
parent desa kec
start desa
http_wait desa

head -c 3000000 /dev/urandom >"$WORK/peta.pdf"
s post --data "$WORK/kec" --kind informasi --to tree:$KEC --title "Peta banjir" \
  --body "Terlampir." --attach "$WORK/peta.pdf" >/dev/null
ROOT=$(s blobs --data "$WORK/kec" | awk '{ print $1 }')
[ ${#ROOT} = 64 ] || fail "no blob at the kecamatan: '$ROOT'"
ok

# ---- the budget stops bulk -----------------------------------------------------
wait_until 60 "the LINK-BUDGET line at the desa" grep -q " LINK-BUDGET " "$WORK/desa.log"
sleep 3 # nothing more moves
expect_eq "chunks held at the budget" 64 "$(held_chunks desa "$ROOT")"
expect_eq "one LINK-BUDGET line" 1 "$(grep -c ' LINK-BUDGET ' "$WORK/desa.log")"

# ---- entries still flow --------------------------------------------------------
s post --data "$WORK/kec" --kind peringatan --to tree:$KEC --title "Banjir: siaga" \
  --body "Air naik." --level siaga >/dev/null
wait_until 30 "the peringatan at the desa" eq 1 has "Banjir: siaga" desa
expect_eq "still at the budget" 64 "$(held_chunks desa "$ROOT")"

# ---- the month's bytes shown ---------------------------------------------------
wait_until 10 "the desa's count of its link" eq $MIB bulk desa $KEC
wait_until 10 "the kecamatan's count (served)" eq $MIB bulk kec $DESA
s peers --data "$WORK/desa" >"$WORK/peers.txt"
expect_grep "the text shows BULK-MONTH" "BULK-MONTH" "$WORK/peers.txt"
expect_grep "the text shows the bytes" "^[0-9a-f]{16} +$KEC .* $MIB\$" "$WORK/peers.txt"
curl -s "http://127.0.0.1:${HP[desa]}/metrics" >"$WORK/metrics"
expect_grep "/metrics" "^simpul_peer_bulk_month_bytes\{peer=\"[0-9a-f]{16}\",region=\"$KEC\"\} $MIB\$" "$WORK/metrics"

# ---- raised: one more MiB, the count kept across the restart -------------------
stop desa
set_key desa net budget_mib 2
start desa
wait_until 60 "two LINK-BUDGET lines" eq 2 grep -c " LINK-BUDGET " "$WORK/desa.log"
sleep 3
expect_eq "chunks held at the raised budget" 128 "$(held_chunks desa "$ROOT")"
wait_until 10 "the desa's count" eq $((2 * MIB)) bulk desa $KEC

for n in desa kec; do
  expect_eq "no PROTO-VIOLATION at $n" 0 "$(grep -c 'PROTO-VIOLATION' "$WORK/$n.log" || true)"
done
for n in desa kec kab; do stop $n; done
sanitizers_clean
echo "test_link_budget: $checks checks passed"
