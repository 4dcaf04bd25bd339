#!/usr/bin/env bash
# A link whose universe does not fit one HELLO (SYNC.md §4.2), on real
# daemons over 127.0.0.1: the kabupaten holds FEEDS (default 25,000)
# generated feeds, one entry each, of tree audiences under 36.04 (written
# by kabupaten-level authors, tests/tools/gen_entries --feeds); its backup
# node (region 36.04, so entitled to every one of them) starts with an
# empty store and must get them all, the vector going in three parts
# (two HELLO_PARTs and the HELLO, 12,000 feeds each at most). Then
# the backup loses its store (a new instance: the kabupaten holds a record
# of the old one) and gets them all again; and a restart with nothing new
# still costs a small session.
#   test_big_vector.sh SIMPUL GEN_ENTRIES [FEEDS]
SIMPUL=$1
GEN=$2
FEEDS=${3:-25000}
cd "$(dirname "$0")"
. ./lib.sh
. ./netlib.sh
CSV=$PWD/../data/serang-36.04.csv

make_root kab 36.04
# Authors: kabupaten-level nodes, 712 feeds each at most (356 regions of
# the kabupaten, two tree channels).
left=$FEEDS
a=0
while [ "$left" -gt 0 ]; do
  a=$((a + 1))
  k=$((left < 712 ? left : 712))
  "$SIMPUL" init --data "$WORK/au$a" --region 36.04 --name "Dinas $a" >/dev/null
  "$SIMPUL" enroll accept --data "$WORK/au$a" \
    "$("$SIMPUL" enroll sign --data "$WORK/kab" \
      "$("$SIMPUL" enroll request --data "$WORK/au$a")" --valid-days 30)" >/dev/null
  "$GEN" --out "$WORK/au$a.bundle" --feeds "$k" --key "$WORK/au$a/node.key" \
    --region 36.04 --regions "$CSV" --body-bytes 40 2>/dev/null
  left=$((left - k))
done
for i in $(seq 1 "$a"); do
  "$SIMPUL" import --data "$WORK/kab" "$WORK/au$i.bundle" >/dev/null
done
# The authors' feeds (not the system feeds of the network's nodes).
tree_feeds() {
  "$SIMPUL" feeds --data "$WORK/$1" --json 2>/dev/null |
    jq '[.[] | select(.channel != "system")] | length'
}
expect_eq "kabupaten holds the generated feeds" "$FEEDS" "$(tree_feeds kab)"

make_node bak 36.04 kab
start kab 127.0.0.1:0
parent bak kab
caught_ups() { grep -c SYNC-CAUGHT-UP "$WORK/bak.log" || true; }
all_feeds() { eq "$FEEDS" tree_feeds bak; }

# ---- a new node: the whole vector, in parts ------------------------------
start bak
wait_until 600 "the backup holds all $FEEDS feeds" all_feeds
expect_status "the backup's store verifies" 0 "$SIMPUL" verify --data "$WORK/bak"

# ---- a new instance of it: the kabupaten's record is of the old one ------
stop bak
rm -rf "$WORK/bak/store"
start bak
wait_until 600 "the new instance holds all $FEEDS feeds again" all_feeds

# ---- nothing new: a small session ---------------------------------------
sleep 1
stop bak
more_caught() { [ "$(caught_ups)" -gt "$lines" ]; }
bytes_of() {
  "$SIMPUL" peers --data "$WORK/bak" --json |
    jq '[.[] | .bytes_in + .bytes_out] | add // 0'
}
b0=$(bytes_of)
lines=$(caught_ups)
start bak
wait_until 60 "the backup caught up again" more_caught
sleep 1
stop bak
b1=$(bytes_of)
[ $((b1 - b0)) -le 1024 ] || fail "a session with nothing new took $((b1 - b0)) bytes"
ok

# No link was refused on the way.
for n in kab bak; do
  if grep -E 'PROTO-VIOLATION|FRAME-TOO-BIG|TOO-MANY-FEEDS' "$WORK/$n.log"; then
    fail "$n logged a refusal"
  fi
  ok
done
echo "big_vector: $checks checks passed"
