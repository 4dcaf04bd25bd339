#!/usr/bin/env bash
# The author's clock is advisory (proto/SYNC.md §5): an entry whose
# timestamp is earlier than its feed's previous entry (a paper report typed
# in with --timestamp-ms, a Pi whose clock reset to 1970) travels like any
# other, live over desa -> kecamatan -> kabupaten and on a USB bundle
# imported at the kecamatan, and never stops the other desa's feeds.
# Usage: test_backdated.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"

KAB=36.04
KA=36.04.12          # kecamatan Pontang
A1=36.04.12.2002     # Sukanegara: posts backdated entries live
A2=36.04.12.2003     # Linduk: honest, posts after
A3=36.04.12.2004     # Kalapian: offline, sends a USB bundle

make_root kab $KAB
make_node ka $KA kab --issuer
make_node a1 $A1 kab
make_node a2 $A2 kab
make_node a3 $A3 kab

post() { # NODE TITLE [--timestamp-ms MS]
  local n=$1 t=$2; shift 2
  "$SIMPUL" post --data "$WORK/$n" --kind aspirasi --to "path:$(region "$n"):$KAB" \
    --title "$t" --body "isi: $t" "$@" >/dev/null || fail "post $t at $n"
}
region() { case $1 in a1) echo $A1;; a2) echo $A2;; a3) echo $A3;; esac; }

start kab 127.0.0.1:0
parent ka kab; start ka 127.0.0.1:0
parent a1 ka; start a1
parent a2 ka; start a2
links_up() {
  for n in ka a1 a2; do grep -q 'LINK-OPEN .* to parent' "$WORK/$n.log" && echo "$n"; done | wc -l
}
wait_until 30 "all links up" eq 3 links_up

# ---- live: a desa's clock goes backwards ------------------------------------
now=$(($(date +%s) * 1000))
post a1 "Laporan hari ini"
post a1 "Laporan kertas minggu lalu" --timestamp-ms $((now - 7 * 86400000))
post a1 "Jam Pi kembali ke 1970" --timestamp-ms 1000
post a1 "Jam Pi kembali benar"
for t in "Laporan hari ini" "Laporan kertas minggu lalu" "Jam Pi kembali ke 1970" \
  "Jam Pi kembali benar"; do
  wait_until 20 "'$t' reaches the kabupaten" eq 1 has "$t" kab
done
post a2 "Aspirasi Linduk setelahnya"
wait_until 20 "the other desa's entry still reaches the kabupaten" \
  eq 1 has "Aspirasi Linduk setelahnya" kab
ts=$("$SIMPUL" list --data "$WORK/kab" --json |
  jq '.[] | select(.body.title == "Jam Pi kembali ke 1970") | .timestamp_ms')
expect_eq "the backdated timestamp arrives as signed" 1000 "$ts"

# ---- a USB bundle with a backdated report, imported at the kecamatan --------
post a3 "Bundel hari ini"
post a3 "Bundel kertas bulan lalu" --timestamp-ms $((now - 30 * 86400000))
post a3 "Bundel setelahnya"
expect_status "export at the offline desa" 0 "$SIMPUL" export --data "$WORK/a3" -o "$WORK/a3.bundle"
expect_status "import at the kecamatan" 0 "$SIMPUL" import --data "$WORK/ka" "$WORK/a3.bundle"
for t in "Bundel hari ini" "Bundel kertas bulan lalu" "Bundel setelahnya"; do
  wait_until 20 "'$t' reaches the kabupaten" eq 1 has "$t" kab
done
post a2 "Aspirasi Linduk setelah bundel"
wait_until 20 "the honest desa's entry after the bundle reaches the kabupaten" \
  eq 1 has "Aspirasi Linduk setelah bundel" kab

# ---- and after every link is re-made --------------------------------------------
stop ka; start ka 127.0.0.1:"${PORT[ka]}"
post a2 "Aspirasi Linduk setelah restart"
wait_until 30 "after a restart of the kecamatan" eq 1 has "Aspirasi Linduk setelah restart" kab
if grep -q 'PROTO-VIOLATION' "$WORK"/*.log; then
  grep 'PROTO-VIOLATION' "$WORK"/*.log >&2
  fail "a backdated entry was taken for a protocol violation"
fi
ok
for n in kab ka a1 a2 a3; do
  expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"
done
echo "backdated: $checks checks passed"
