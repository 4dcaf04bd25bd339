#!/usr/bin/env bash
# A Raspberry Pi without a real-time clock (proto/SYNC.md §6.1): a desa
# whose clock reads 1970 links to its kecamatan, asks it the time, and
# its new entries carry the kecamatan's time (within a few seconds);
# simpul status and /api/node say the time came from the parent. A node
# whose clock is sane never takes a peer's time, and a parent never
# takes one from its child: a kabupaten in 1970 linked by a sane
# kecamatan stays "unknown".
# Usage: test_rtc.sh SIMPUL LIBFAKECLOCK
SIMPUL=$1
FAKECLOCK=$(realpath "$2")
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"
s() { "$SIMPUL" "$@"; }
at() {
  local ms=$1; shift
  LD_PRELOAD=$FAKECLOCK SIMPUL_FAKE_NOW_MS=$ms \
    ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 "$@"
}
BOOT_1970=86400000 # 1970-01-02: no RTC, no NTP yet
real_ms() { echo $(($(date +%s%N) / 1000000)); }

make_root K 36.04
make_node C 36.04.12 K
make_node D 36.04.12.2001 K
http_on D

# The kabupaten's clock is wrong too; the kecamatan's is right.
at $BOOT_1970 start K 127.0.0.1:0
parent C K
start C 127.0.0.1:0
parent D C
at $BOOT_1970 start D
http_wait D

# ---- the desa takes its parent's time ---------------------------------------
wait_until 30 "D takes C's time" grep -q "CLOCK-PARENT .*use the time of parent .* (36.04.12)" "$WORK/D.log"
expect_status "status at D" 0 at $BOOT_1970 s status --data "$WORK/D" --json
expect_eq "D's time source" "parent 36.04.12" "$(jq -r '.time.source + " " + .time.parent' "$WORK/out")"
now=$(jq -r .time.now_ms "$WORK/out")
r=$(real_ms)
[ $((r - now)) -lt 5000 ] && [ $((now - r)) -lt 5000 ] || fail "D's time $now is not C's $r"
ok
expect_status "status text at D" 0 at $BOOT_1970 s status --data "$WORK/D"
expect_grep "status says whose time" "^time: +from parent 36.04.12: its clock on linking" "$WORK/out"
api D GET /api/node "" -
expect_api "/api/node at D" 200
expect_eq "/api/node: the time's source" "parent 36.04.12" "$(body_jq '.time.source + " " + .time.parent')"

# A post at D (another process, its clock in 1970 too) carries that time.
at $BOOT_1970 s post --data "$WORK/D" --kind informasi --to tree:36.04.12 \
  --title "Dari D tanpa RTC" --body "isi" >/dev/null
r=$(real_ms)
ts=$(s list --data "$WORK/D" --json | jq '.[] | select(.body.title == "Dari D tanpa RTC") | .timestamp_ms')
[ -n "$ts" ] && [ $((r - ts)) -lt 5000 ] && [ $((ts - r)) -lt 5000 ] ||
  fail "the entry's timestamp $ts is not within 5 s of the kecamatan's time $r"
ok
wait_until 30 "the post reaches C" eq 1 has "Dari D tanpa RTC" C
tsC=$(s list --data "$WORK/C" --json | jq '.[] | select(.body.title == "Dari D tanpa RTC") | .timestamp_ms')
expect_eq "C holds it with that time" "$ts" "$tsC"

# ---- a sane clock is never replaced; nothing flows upward ------------------
expect_status "status at C" 0 s status --data "$WORK/C" --json
expect_eq "C keeps its own clock" system "$(jq -r .time.source "$WORK/out")"
grep -q "CLOCK-PARENT" "$WORK/C.log" && fail "C, whose clock is sane, asked its parent's time"
ok
expect_status "status at K" 0 at $BOOT_1970 s status --data "$WORK/K" --json
expect_eq "K does not take its child's time" unknown "$(jq -r .time.source "$WORK/out")"
expect_status "status text at K" 0 at $BOOT_1970 s status --data "$WORK/K"
expect_grep "status says the time is unknown" "^time: +unknown" "$WORK/out"
grep -q "CLOCK-PARENT" "$WORK/K.log" && fail "K took a time from below"
ok
# K knows no time: a child asking it is told so, and keeps its clock.
stop D
parent D K
at $BOOT_1970 start D
wait_until 30 "D asks K, which knows none" grep -q "CLOCK-PARENT .*knows no time either" "$WORK/D.log"

for n in K C D; do stop $n; done
sanitizers_clean
echo "ok - rtc ($checks checks)"
