#!/usr/bin/env bash
# A relay never offers what its peer would refuse (proto/SYNC.md §5): a
# kecamatan K holds a desa D's third entry; the kabupaten R, while its link
# to K is down, revokes D with the cutoff it holds (seq 2). When the link
# comes back, K may push that entry once, before R's revocation reaches it
# (R refuses it: NODE-REVOKED, and closes the link); from the next session
# on K knows the revocation and never offers it again, so the link stays
# up and K's own news reaches R. Before, K offered it at every session and
# R closed the link every time, for good.
# Usage: test_offer_limit.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
s() { "$SIMPUL" "$@"; }
key_of() { s network show --data "$WORK/$1" --json | jq -r .certificate.node_key; }
head_of() { # NODE REGION: the head of REGION's normal feed at NODE
  s feeds --data "$WORK/$1" --json |
    jq --arg r "$2" '[.[] | select(.author_region == $r and .channel == "normal") | .head_seq] | max // 0'
}
refusals() { awk '$2 == "warn" && $3 == "NODE-REVOKED"' "$WORK/R.log" | wc -l; }

make_root R 36.04
make_node K 36.04.12 R --issuer
make_node D 36.04.12.2002 K
start R 127.0.0.1:0
parent K R
start K 127.0.0.1:0
parent D K
start D
for i in 1 2; do
  s post --data "$WORK/D" --kind informasi --to tree:36.04.12 --title "D $i" >/dev/null
done
wait_until 30 "R holds D's two entries" eq 2 head_of R 36.04.12.2002
stop R
s post --data "$WORK/D" --kind informasi --to tree:36.04.12 --title "D 3" >/dev/null
wait_until 30 "K holds D's third entry" eq 3 head_of K 36.04.12.2002
s revoke --data "$WORK/R" "$(key_of D)" --reason "perangkat dicuri" >/dev/null
s post --data "$WORK/K" --kind informasi --to tree:36.04 --title "Kabar K" >/dev/null

start R "127.0.0.1:${PORT[R]}"
wait_until 30 "K's news reaches R" eq 1 has "Kabar K" R
sleep 6 # several re-dials' worth (backoff 100-800 ms)
expect_eq "D's third entry stays off R" 2 "$(head_of R 36.04.12.2002)"
n=$(refusals)
[ "$n" -le 1 ] || fail "R refused D's entry $n times: K kept offering it"
ok
k_state() { s peers --data "$WORK/R" --json | jq -r --arg k "$(key_of K)" '.[] | select(.key == $k) | .state'; }
expect_eq "K's link to R is up" connected "$(k_state)"
s post --data "$WORK/K" --kind informasi --to tree:36.04 --title "Kabar K 2" >/dev/null
wait_until 30 "K's next news reaches R live" eq 1 has "Kabar K 2" R

stop D
stop K
stop R
for n in R K D; do
  expect_status "verify $n" 0 s verify --data "$WORK/$n"
done
echo "offer_limit: $checks checks passed"
