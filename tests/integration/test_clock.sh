#!/usr/bin/env bash
# A kabupaten whose clock reads before its network was created
# (proto/MEMBERSHIP.md §4.2 Time), as a Raspberry Pi without RTC boots:
# its clock is unknown, and it says so (simpul status, /api/node); a
# peer whose certificate expired before the network's certificates were
# signed is still refused (CERT-EXPIRED), a valid peer is still accepted.
# Run twice: a clock in 1970 (which used to skip every time check) and
# one in mid-2024 (which used to refuse every peer as not yet valid).
# The wrong clock comes from tests/tools/fakeclock.c (LD_PRELOAD).
# Usage: test_clock.sh SIMPUL LIBFAKECLOCK
SIMPUL=$1
FAKECLOCK=$(realpath "$2")
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"
s() { "$SIMPUL" "$@"; }
# at MS CMD...: CMD with its wall clock starting at MS (an ASan build
# does not mind a preloaded library).
at() {
  local ms=$1; shift
  LD_PRELOAD=$FAKECLOCK SIMPUL_FAKE_NOW_MS=$ms \
    ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 "$@"
}
BOOT_1970=86400000       # 1970-01-02: no RTC, no NTP yet
MID_2024=1719792000000   # 2024-07-01: later than 2024, before the network
DAY=86400000
now_ms=$(($(date +%s) * 1000))

expect_eq "the fake clock" 1970-01-02 "$(at $BOOT_1970 date -u +%F)"

make_root R 36.04
make_node D 36.04.12.2001 R
# E's certificate was signed 60 days ago, for one day: long expired.
s init --data "$WORK/E" --region 36.04.12.2002 --name "Node E" >/dev/null
req=$(s enroll request --data "$WORK/E")
cert=$(at $((now_ms - 60 * DAY)) s enroll sign --data "$WORK/R" "$req" --valid-days 1)
s enroll accept --data "$WORK/E" "$cert" >/dev/null 2>"$WORK/err"
expect_grep "E is told its certificate is not valid now" 'not valid now' "$WORK/err"
fast_net E
http_on R

# ---- the clock as status and /api/node show it ------------------------------
expect_status "status, clock set" 0 s status --data "$WORK/R" --json
expect_eq "clock ok" ok "$(jq -r .clock "$WORK/out")"
floor=$(jq -r .clock_floor_ms "$WORK/out")
now_ms=$(($(date +%s) * 1000 + 1000))
[ "$floor" -le "$now_ms" ] && [ "$floor" -gt $((now_ms - 600000)) ] ||
  fail "the floor is not R's certificate of a moment ago: $floor (now $now_ms)"
ok
expect_status "status, clock in 1970" 0 at $BOOT_1970 s status --data "$WORK/R" --json
expect_eq "clock unknown before 2024" "unknown (before 2024)" "$(jq -r .clock "$WORK/out")"
expect_status "status text, clock in 2024" 0 at $MID_2024 s status --data "$WORK/R"
expect_grep "status says why" \
  "^clock: +unknown \(before this node's certificate\): this machine's clock reads before" "$WORK/out"
expect_status "status text, clock set" 0 s status --data "$WORK/R"
grep -q '^clock:' "$WORK/out" && fail "a clock line while the clock is set"
ok

for phase in 1970 2024; do
  ms=$BOOT_1970 why="before 2024"
  [ $phase = 2024 ] && ms=$MID_2024 why="before this node's certificate"
  : >"$WORK/R.log"
  LD_PRELOAD=$FAKECLOCK SIMPUL_FAKE_NOW_MS=$ms \
    ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 \
    start R 127.0.0.1:0
  http_wait R
  api R GET /api/node "" -
  expect_api "/api/node ($phase)" 200
  expect_eq "/api/node: clock unknown ($phase)" "unknown ($why)" "$(body_jq .clock)"
  expect_eq "/api/node: the floor ($phase)" "$floor" "$(body_jq .clock_floor_ms)"

  # A valid peer links and syncs: its certificate runs past the floor.
  parent D R
  start D
  s post --data "$WORK/D" --kind aspirasi --to path:36.04.12.2001:36.04 --title "Dari D $phase" --body "isi" >/dev/null
  wait_until 60 "D's post reaches R with its clock at $phase" eq 1 has "Dari D $phase" R
  # A peer whose certificate expired before the floor is refused.
  parent E R
  start E
  s post --data "$WORK/E" --kind aspirasi --to path:36.04.12.2002:36.04 --title "Dari E $phase" --body "isi" >/dev/null
  wait_until 60 "R refuses E's expired certificate ($phase)" \
    grep -q 'CERT-EXPIRED' "$WORK/R.log"
  stop E
  stop D
  stop R
  expect_eq "E's post not at R ($phase)" 0 "$(has "Dari E $phase" R)"
  expect_eq "R says once that its clock is unknown ($phase)" 1 \
    "$(grep -c 'warn CLOCK-UNKNOWN' "$WORK/R.log")"
done

for n in R D E; do expect_status "verify $n" 0 s verify --data "$WORK/$n"; done
sanitizers_clean
echo "clock: $checks checks passed"
