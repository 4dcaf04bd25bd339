#!/usr/bin/env bash
# Bounded work per message (issue 9, item 3; proto/SYNC.md §3, §4.1, §5):
# an enrolled member, or a peer that has not finished its handshake, sends
# tiny messages that used to cost the kabupaten a whole vector, rows in its
# store, an unbounded write queue or a slot per connection. Each scenario
# runs tests/tools/evil_peer.c against a real kabupaten daemon with an
# honest kecamatan linked; after each:
#   - the kabupaten logged the refusal's stable id, one line;
#   - its link to the honest child was never dropped, a new entry still
#     reaches the child, and its store verifies (evillib.sh: still_serving);
#   - its peak resident memory (VmHWM) stays within 16 MiB of the peak
#     before the scenarios (not checked under AddressSanitizer, whose
#     shadow memory and quarantine are not the daemon's).
# Usage: test_hostile.sh SIMPUL EVIL_PEER
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
EVIL=$2
. "$(dirname "$0")/netlib.sh"

KAB=36.04
KA=36.04.12        # the honest kecamatan (Pontang)
KB=36.04.05        # the evil members' kecamatan (Kramatwatu)
B1=36.04.05.2001   # the evil desa

. "$(dirname "$0")/evillib.sh"

make_root kab $KAB
# The daemon's own timeout (4 s in tests) must not race the scenarios: a
# sanitizer build on a loaded machine takes seconds over a frame of 500,000
# PINGs (no-read), on either side of the honest link.
set_key kab net timeout_s 30
make_node ka $KA kab --issuer
set_key ka net timeout_s 30
make_node ev $B1 kab
KA_KEY=$(key_of ka)
KA_SHORT=${KA_KEY:0:16}
EV_KEY=$(key_of ev)

start kab 127.0.0.1:0
parent ka kab
start ka
links_up() { [ "$(ka_state)" = connected ]; }
wait_until 30 "the honest child's link is up" links_up
probes=0

# A feed the kabupaten holds that the evil desa may not: the kecamatan's
# own news (tree:36.04.12 holds the kabupaten, not 36.04.05.2001).
"$SIMPUL" post --data "$WORK/ka" --kind informasi --to tree:$KA \
  --title "Kabar Pontang" >/dev/null
held_outside() {
  "$SIMPUL" feeds --data "$WORK/kab" --json |
    jq -r '.[] | select(.audience == "tree:36.04.12") | .id' | head -n 1
}
wait_until 30 "the kabupaten holds the kecamatan's news" eq 1 has "Kabar Pontang" kab
OUTSIDE=$(held_outside)

asan=false
# (grep -c reads all of nm's output: grep -q would make it die of SIGPIPE.)
[ "$(nm "$SIMPUL" 2>/dev/null | grep -c ' T __asan_init$')" = 0 ] || asan=true
mem() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/${PID[kab]}/status"; }
HWM0=$(mem VmHWM)
GROWTH=0 # the largest growth of the peak, KiB
memory_bounded() {
  $asan && return 0
  local hwm
  hwm=$(mem VmHWM)
  [ $((hwm - HWM0)) -le "$GROWTH" ] || GROWTH=$((hwm - HWM0))
  if [ $((hwm - HWM0)) -le $((16 * 1024)) ]; then ok; else
    bad "peak memory grew by $(((hwm - HWM0) / 1024)) MiB (from $((HWM0 / 1024)) MiB): over 16"
  fi
}
peer_rows() { # known feeds the kabupaten recorded for the evil desa
  "$SIMPUL" peers --data "$WORK/kab" --json --feeds |
    jq --arg k "$EV_KEY" '[.[] | select(.key == $k) | .feeds[]?] | length'
}

# ---- HELLO and NEED_FULL only in their round trips (§4.1) -----------------
run_scenario hello-again ev PROTO-VIOLATION
still_serving
memory_bounded
run_scenario need-full ev PROTO-VIOLATION
still_serving
memory_bounded

# ---- nothing outside the universe is named (§4) ---------------------------
run_scenario hello-outside ev PROTO-VIOLATION --feed "$OUTSIDE"
still_serving
run_scenario feed-outside ev PROTO-VIOLATION
check_eq "nothing stored" "" "$(titles kab "$EV_KEY")"
still_serving

# ---- feeds it does not hold: accepted for the digest, never stored ---------
for i in 1 2 3; do
  run_scenario hello-unheld ev - --count 12000
  check_eq "known rows stored for feeds the kabupaten lacks (round $i)" 0 "$(peer_rows)"
  memory_bounded
done
still_serving

# ---- a FEED is followed by its ENTRIES; a HEAD answers an ENTRIES (§5) -----
run_scenario feed-idle ev PROTO-VIOLATION
still_serving
run_scenario head-unasked ev PROTO-VIOLATION
still_serving

# ---- before validation: one CERT_REQUEST answered, no CERT unasked (§3) ----
run_scenario cert-requests ev PROTO-VIOLATION --count 1000
still_serving
run_scenario cert-unasked ev PROTO-VIOLATION
still_serving

# ---- a peer that never reads: the queue is bounded (LINK-BACKLOG) ----------
run_scenario no-read ev LINK-BACKLOG --count 24 --timeout-ms 30000
still_serving
memory_bounded

# ---- many connections in their handshake: a few per address (LINK-BUSY) ----
# The few it keeps fail their handshake when we hang up (one line each).
run_scenario hs-flood ev +LINK-BUSY --count 200
check_eq "LINK-BUSY lines for 200 connections (one a second at most)" 1 \
  "$(tail -n +"$mark" "$WORK/kab.log" | awk '$3 == "LINK-BUSY"' | wc -l | awk '{print ($1 >= 1 && $1 <= 4) ? 1 : $1}')"
still_serving
memory_bounded

# ---- one link per key: a second replaces the first ------------------------
run_scenario dup-key ev -
check_eq "LINK-REPLACED logged" 1 \
  "$(tail -n +"$mark" "$WORK/kab.log" | awk '$3 == "LINK-REPLACED"' | wc -l)"
still_serving
memory_bounded

$asan || echo "hostile: the kabupaten's peak resident memory grew by $((GROWTH / 1024)).$(((GROWTH % 1024) * 10 / 1024)) MiB at most (from $((HWM0 / 1024)) MiB)"
evil_summary hostile
