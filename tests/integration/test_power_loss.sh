#!/usr/bin/env bash
# Power loss in the middle of a commit, with the disk's write cache lost
# (tests/tools/powercut.c, an LD_PRELOAD library: at a chosen write or sync
# of the store file it undoes every write since the last fsync/fdatasync,
# all of them or a random half of their pages, then SIGKILLs the process).
# After every cut nothing acknowledged may be missing, the store must open
# and `simpul verify` must pass:
#   1. the kabupaten daemon V, cut at a random event of a round in which
#      desa D posts and D's daemon sends the entries to V: what D recorded
#      V holds (V's ACKs after commit, its HELLOs: `simpul peers --json
#      --feeds`) must be in V's store;
#   2. `simpul post` on V, cut at a random event of its commit while V's
#      daemon runs: every post that exited 0 is in the store;
#   3. self-test: a disk that ignores fsync (POWERCUT_LIE=1) must be caught
#      losing acknowledged entries.
# A loop device or dm-flakey would cut below the file system; this machine
# has no device-mapper, and a bare loop device cannot lose a write cache
# on demand, hence the library.
# Usage: test_power_loss.sh SIMPUL LIBPOWERCUT
#   (POWER_LOSS_SEED=N draws other cuts; POWER_LOSS_ROUNDS, _POSTS: counts)
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
SHIM=$2
. "$(dirname "$0")/netlib.sh"
s() { "$SIMPUL" "$@"; }
RANDOM=${POWER_LOSS_SEED:-1}
ROUNDS=${POWER_LOSS_ROUNDS:-16}
POSTS=${POWER_LOSS_POSTS:-60}
CUTS=$WORK/cuts.log

make_root V 36.04
make_node D 36.04.12.2002 V
start V 127.0.0.1:0
VPORT=${PORT[V]}
stop V
parent D V
start D

# start_cut ENV...: V's daemon under the library, on its first port.
start_cut() {
  env LD_PRELOAD="$SHIM" POWERCUT_LOG="$CUTS" "$@" \
    ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 \
    "$SIMPUL" run --data "$WORK/V" >>"$WORK/V.log" 2>&1 &
  PID[V]=$!
  PIDS+=($!)
}
post_d() { # N: D posts N items to its own subtree (V holds them)
  local i
  for i in $(seq 1 "$1"); do
    s post --data "$WORK/D" --kind informasi --to tree:36.04.12.2002 \
      --title "D $RANDOM" --body "isi" >/dev/null
  done
}
d_head() { # D's own feed head
  s feeds --data "$WORK/D" --json |
    jq '[.[] | select(.author_region == "36.04.12.2002" and .channel == "normal") | .head_seq] | max // 0'
}
# What D recorded V holds, as "feed seq" lines.
d_knows_v() {
  s peers --data "$WORK/D" --json --feeds |
    jq -r '.[] | (.feeds // [])[] | "\(.feed) \(.seq)"'
}
# acked_by_v_at_d: the highest seq of D's feed that D recorded V holds.
acked_d_feed() {
  local feed
  feed=$(s feeds --data "$WORK/D" --json |
    jq -r '[.[] | select(.author_region == "36.04.12.2002" and .channel == "normal")][0].id')
  d_knows_v | awk -v f="$feed" '$1 == f { print $2 }' | sort -n | tail -1
}
v_heads() { s feeds --data "$WORK/V" --json | jq -r '.[] | "\(.id) \(.head_seq)"'; }
# check_v WHAT: V's store opens and verifies; returns the number of
# acknowledged heads missing from it, adds to $compared.
compared=0
check_v() {
  local what=$1 lost=0 feed seq have
  s status --data "$WORK/V" --json >"$WORK/status" 2>"$WORK/err" ||
    { cat "$WORK/err" >&2; fail "$what: V's store does not open"; }
  s verify --data "$WORK/V" >"$WORK/out" 2>"$WORK/err" ||
    { cat "$WORK/out" "$WORK/err" >&2; fail "$what: simpul verify failed"; }
  declare -A head=()
  while read -r feed seq; do head[$feed]=$seq; done < <(v_heads)
  while read -r feed seq; do
    [ -n "$feed" ] || continue
    compared=$((compared + 1))
    have=${head[$feed]:-0}
    if [ "$seq" -gt "$have" ]; then
      echo "lost: D recorded V holds feed ${feed:0:16} up to $seq, V has $have" >&2
      lost=$((lost + 1))
    fi
  done < <(d_knows_v)
  ok
  return "$lost"
}
wait_dead() { # seconds: 0 if V died by then
  local end=$((SECONDS + $1))
  while [ $SECONDS -lt $end ]; do
    kill -0 "${PID[V]}" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# ---- 1. the daemon, cut at a random event of a round ----------------------
# One round: V starts, D posts 4 items, V receives, commits and ACKs them.
# Its events without a cut give the range the cuts are drawn from.
round() { # ENV... for V
  set_key V net listen "127.0.0.1:$VPORT"
  start_cut "$@"
  post_d 4
  local want
  want=$(d_head)
  local end=$((SECONDS + 30))
  while [ $SECONDS -lt $end ]; do
    kill -0 "${PID[V]}" 2>/dev/null || return 0
    [ "$(acked_d_feed)" = "$want" ] && return 0
    sleep 0.2
  done
  fail "V neither acknowledged D's entries nor was cut in 30 s"
}
: >"$CUTS"
round POWERCUT_AT=0
stop V
events=$(sed -n 's/^exit events=//p' "$CUTS" | tail -1)
[ -n "$events" ] && [ "$events" -gt 3 ] || fail "no events counted in a round: '$events'"
cut_rounds=0 no_cut=0 lost_total=0
for r in $(seq 1 "$ROUNDS"); do
  at=$((RANDOM % events + 1))
  round POWERCUT_AT=$at POWERCUT_PAGES=$((RANDOM % 2)) POWERCUT_SEED=$r
  if wait_dead 8; then
    rc=0; wait "${PID[V]}" || rc=$?
    [ "$rc" = 137 ] || { tail "$WORK/V.log" >&2; fail "round $r: V exited $rc, not by the cut"; }
    cut_rounds=$((cut_rounds + 1))
  else
    stop V
    no_cut=$((no_cut + 1))
  fi
  lost=0; check_v "round $r (cut at event $at)" || lost=$?
  lost_total=$((lost_total + lost))
done
[ "$lost_total" = 0 ] || fail "acknowledged entries lost after power cuts: $lost_total"
[ "$cut_rounds" -gt 0 ] || fail "no round was cut"
daemon_cuts=$(grep -c '^cut ' "$CUTS")

# ---- 2. simpul post, cut at a random event of its commit ------------------
set_key V net listen "127.0.0.1:$VPORT"
start V "127.0.0.1:$VPORT"
: >"$WORK/post-cuts.log"
post_v() { # ENV...: prints "feed seq" when the post exits 0
  env LD_PRELOAD="$SHIM" POWERCUT_LOG="$WORK/post-cuts.log" "$@" \
    ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 \
    "$SIMPUL" post --data "$WORK/V" --kind informasi --to tree:36.04 \
    --title "V $RANDOM" --body "isi" --json 2>>"$WORK/post.err" |
    jq -r '"\(.feed) \(.seq)"'
}
post_v POWERCUT_AT=0 >"$WORK/acked"
post_events=$(sed -n 's/^exit events=//p' "$WORK/post-cuts.log" | tail -1)
[ -n "$post_events" ] && [ "$post_events" -ge 3 ] || fail "no events counted in a post: '$post_events'"
post_cuts=0
for p in $(seq 1 "$POSTS"); do
  at=$((RANDOM % (post_events + 1) + 1))
  rc=0
  out=$(post_v POWERCUT_AT=$at POWERCUT_PAGES=$((RANDOM % 2)) POWERCUT_SEED=$p) || rc=$?
  if [ "$rc" = 0 ] && [ -n "$out" ]; then
    echo "$out" >>"$WORK/acked"
  elif [ "$rc" = 137 ]; then
    post_cuts=$((post_cuts + 1))
  else
    cat "$WORK/post.err" >&2
    fail "post $p (cut at event $at) exited $rc"
  fi
  declare -A head=()
  while read -r feed seq; do head[$feed]=$seq; done < <(v_heads)
  while read -r feed seq; do
    compared=$((compared + 1))
    [ "$seq" -le "${head[$feed]:-0}" ] ||
      fail "post $p (cut at event $at): acknowledged seq $seq of feed ${feed:0:16} lost (head ${head[$feed]:-0})"
  done <"$WORK/acked"
  [ "$rc" = 0 ] || { s verify --data "$WORK/V" >"$WORK/out" 2>&1 ||
    { cat "$WORK/out" >&2; fail "post $p: simpul verify failed after the cut"; }; }
done
[ "$post_cuts" -gt 0 ] || fail "no post was cut"
kill -0 "${PID[V]}" || fail "V's daemon died while posts were cut beside it"
! grep -q 'STORE-RESTORED' "$WORK/V.log" "$WORK/D.log" ||
  fail "a node thinks its store was restored from an old copy"
stop V

# ---- 3. self-test: a disk that ignores fsync loses what was acknowledged ---
: >"$WORK/lie.log"
set_key V net listen "127.0.0.1:$VPORT"
CUTS=$WORK/lie.log start_cut POWERCUT_LIE=1 POWERCUT_TRIGGER="$WORK/cut-now"
post_d 3
want=$(d_head)
wait_until 30 "V acknowledges D's entries" eq "$want" acked_d_feed
touch "$WORK/cut-now"
post_d 1
wait_dead 20 || fail "the lying disk's cut did not happen"
rm -f "$WORK/cut-now"
lost=0; check_v "lying disk" 2>"$WORK/lie.err" || lost=$?
[ "$lost" -gt 0 ] || fail "self-test: a disk that ignores fsync lost nothing acknowledged"

unsynced=$(grep -c 'unsynced_writes=[1-9]' "$CUTS" "$WORK/post-cuts.log" | awk -F: '{ n += $2 } END { print n }')
kib=$(cat "$CUTS" "$WORK/post-cuts.log" | sed -n 's/.*lost_bytes=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print int(n / 1024) }')
echo "power_loss: $cut_rounds of $ROUNDS daemon rounds cut (events 1-$events)," \
  "$post_cuts of $POSTS posts cut (events 1-$post_events); $unsynced cuts" \
  "lost unsynced writes ($kib KiB); $compared acknowledged heads compared," \
  "0 lost; a disk ignoring fsync is caught ($lost heads lost); $checks checks"
