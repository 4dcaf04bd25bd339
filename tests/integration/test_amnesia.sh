#!/usr/bin/env bash
# A desa restored from an old backup (issue 9, item 6; proto/SYNC.md §5.3).
# Desa D has parents K (its kecamatan) and R (the kabupaten, fallback).
#
# 1. D's lost entries are held by R, which D never wrote to: D learns from
#    R that its own feed is ahead elsewhere (STORE-RESTORED), gets its lost
#    reports back, and may not post until K, its other parent, has been
#    heard from too; then it posts at the next sequence number.
# 2. Restored again, D posts before any link comes up: the entries it
#    writes reuse sequence numbers its parents hold. The sync finds a fork
#    (FEED-FORK, not ENTRY-BAD-SIG): the proof freezes D's feed at D, K and
#    R, and every link stays up.
# Usage: test_amnesia.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
s() { "$SIMPUL" "$@"; }

make_root R 36.04
make_node K 36.04.12 R --issuer
make_node D 36.04.12.2002 K
start R 127.0.0.1:0
parent K R
start K 127.0.0.1:0
parent D K R
start D

post() { # NODE TITLE: news to the kecamatan (K and R hold it)
  s post --data "$WORK/$1" --kind informasi --to tree:36.04.12 --title "$2" \
    --body "isi: $2" >/dev/null
}
heads() { # NODE: D's feed head there
  s feeds --data "$WORK/$1" --json |
    jq --arg r 36.04.12.2002 '[.[] | select(.author_region == $r and .channel == "normal") | .head_seq] | max // 0'
}
frozen() { # NODE
  s feeds --data "$WORK/$1" --json |
    jq -r --arg r 36.04.12.2002 '[.[] | select(.author_region == $r and .channel == "normal") | .frozen] | any'
}
ids() { awk '$2 == "warn" || $2 == "error" { print $3 }' "$WORK/$1.log" | sort -u | paste -sd' ' -; }

post D "Laporan 1"
wait_until 30 "R holds D's first report" eq 1 heads R
stop D
cp -a "$WORK/D" "$WORK/backup"          # the operator's backup: seq 1
start D
post D "Laporan 2"
post D "Laporan 3"
wait_until 30 "R holds D's reports 2 and 3" eq 3 heads R

# ---- 1: restored while K is down; R holds what D lost ----------------------
stop D
stop K
rm -rf "$WORK/D.store.old"; mv "$WORK/D" "$WORK/D.lost"
cp -a "$WORK/backup" "$WORK/D"
start D
wait_until 30 "D learns it is behind its own feed" grep -q "STORE-RESTORED.*restored from an older copy" "$WORK/D.log"
wait_until 30 "D gets its lost reports back from R" eq 3 heads D
expect_eq "D's reports" "Laporan 1|Laporan 2|Laporan 3" \
  "$(s list --data "$WORK/D" --json | jq -r '[.[] | select(.kind == "informasi") | .body.title] | sort | join("|")')"
expect_status "D may not post while K has not been heard from" 1 post D "Terlalu cepat"
expect_grep "the refusal names the reason" "STORE-RESTORED" "$WORK/err"
s restored --data "$WORK/D" >"$WORK/out"
expect_grep "simpul restored says so" "^restored: posting is off" "$WORK/out"
start K "127.0.0.1:${PORT[K]}"   # where D dials it
wait_until 30 "D allows posting after hearing from every parent" \
  grep -q "STORE-RESTORED caught up with every parent" "$WORK/D.log"
post D "Laporan 4"
expect_eq "the new report takes seq 4" 4 "$(heads D)"
wait_until 30 "R holds it" eq 4 heads R
expect_eq "no fork at R" false "$(frozen R)"

# ---- 2: restored again, and D posts before any link ------------------------
stop D
cp -a "$WORK/D" "$WORK/backup2"         # seq 4
start D
post D "Laporan 5"
wait_until 30 "K holds seq 5" eq 5 heads K
wait_until 30 "R holds seq 5" eq 5 heads R
stop D
rm -rf "$WORK/D"; cp -a "$WORK/backup2" "$WORK/D"
post D "Laporan 5 (dari cadangan)"   # offline: seq 5 again, another entry
start D
wait_until 30 "D freezes its own feed (a fork)" eq true frozen D
wait_until 30 "K freezes D's feed" eq true frozen K
wait_until 30 "R freezes D's feed" eq true frozen R
for n in D K R; do
  case " $(ids $n) " in
    *" ENTRY-BAD-SIG "*) fail "$n logged ENTRY-BAD-SIG: $(ids $n)" ;;
  esac
  ok
done
expect_grep "the fork is logged as such" "FEED-FORK" "$WORK/D.log"
k_state() { s peers --data "$WORK/D" --json | jq -r '.[] | select(.region == "36.04.12") | .state'; }
wait_until 15 "D's link to K stays up" eq connected k_state

stop D
stop K
stop R
for n in R K D; do
  expect_status "verify $n" 0 s verify --data "$WORK/$n"
done
echo "amnesia: $checks checks passed"
