#!/usr/bin/env bash
# An idle node writes nothing and polls nothing (issue 10 item 2, issue 11
# item 5), on real daemons: kabupaten, kecamatan, two desa on 127.0.0.1.
#   - links open and caught up, nothing new: over IDLE_S seconds (20) the
#     kecamatan (three links) and a desa make no fsync, fdatasync or msync
#     (strace, when the machine has it), dirty no page of a file
#     (/proc/PID/io write_bytes, after a sync: not even lock.mdb's reader
#     table, which a read transaction writes) and leave their store file
#     (data.mdb) untouched (its mtime, to the nanosecond); keepalives still
#     flow (1 s);
#   - the daemons poll nothing, so only the wake-ups (src/node/wake.c) can
#     push a post made outside their loop: one by a separate `simpul post`
#     process at desa a and one through desa b's HTTP API each reach the
#     other desa, two hops away, within PUSH_S seconds (3; no timer of the
#     daemon would rescan the store before a restart);
#   - simpul status says the daemon runs, with its pid; a second
#     `simpul run` on the same data is refused (NODE-RUNNING); after
#     kill -9 status says it does not run, and a new daemon takes over the
#     stale socket: a post by another process is pushed again; without a
#     socket (NODE-WAKE) the daemon reads its store every second instead.
# Usage: test_idle.sh SIMPUL
SIMPUL=$1
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"
IDLE_S=${IDLE_S:-20}
PUSH_S=${PUSH_S:-3}

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
make_node a 36.04.12.2001 kec
make_node b 36.04.12.2002 kec
http_on b
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
parent a kec
parent b kec
start a
start b
http_wait b

caught_up() { # NODE LINKS: every link of NODE caught up
  [ "$(grep -c SYNC-CAUGHT-UP "$WORK/$1.log" || true)" -ge "$2" ]
}
wait_until 30 "the kecamatan caught up on its three links" caught_up kec 3
wait_until 30 "desa a caught up" caught_up a 1
wait_until 30 "desa b caught up" caught_up b 1
mtime() { stat -c %y "$WORK/$1/store/data.mdb"; }
# Settled: the links' last status (conn_status, at most 2 s after their
# last entry) is written, and no store changed for 3 s.
quiet() {
  local before after
  before=$(mtime kab; mtime kec; mtime a; mtime b)
  sleep 3
  after=$(mtime kab; mtime kec; mtime a; mtime b)
  [ "$before" = "$after" ]
}
# A daemon that writes every few seconds never settles: the checks below
# then say what it wrote.
for _ in $(seq 1 10); do quiet && break; done

# ---- status: the daemon runs --------------------------------------------------
"$SIMPUL" status --data "$WORK/a" --json >"$WORK/st"
expect_eq "status: daemon a running" true "$(jq .daemon.running "$WORK/st")"
expect_eq "status: daemon a's pid" "${PID[a]}" "$(jq .daemon.pid "$WORK/st")"

# ---- idle: nothing written, no fsync ----------------------------------------
write_bytes() { awk '/^write_bytes:/ {print $2}' "/proc/$1/io"; }
tracing=""
declare -A TRACER
if command -v strace >/dev/null && strace -o /dev/null true 2>/dev/null; then
  tracing=1
  for n in kec a; do
    strace -f -qq -e trace=fsync,fdatasync,msync -o "$WORK/$n.strace" \
      -p "${PID[$n]}" 2>"$WORK/$n.strace.err" &
    TRACER[$n]=$!
  done
  sleep 1 # attached
else
  echo "# no strace: fsync calls not counted (write_bytes and mtime are)" >&2
fi
declare -A WB0 MT0
# Every dirty page written now: a page of the store dirtied in the window
# (even lock.mdb's reader table, by a read transaction) counts in
# write_bytes again.
sync
for n in kec a; do
  WB0[$n]=$(write_bytes "${PID[$n]}")
  MT0[$n]=$(mtime $n)
done
t0=$(date +%s)
sleep "$IDLE_S"
for n in kec a; do
  expect_eq "$n: bytes written to storage while idle" 0 \
    $(($(write_bytes "${PID[$n]}") - ${WB0[$n]}))
  expect_eq "$n: data.mdb untouched while idle" "${MT0[$n]}" "$(mtime $n)"
done
if [ -n "$tracing" ]; then
  for n in kec a; do
    kill -INT "${TRACER[$n]}"
    wait "${TRACER[$n]}" 2>/dev/null || true
    expect_eq "$n: fsync/fdatasync/msync calls while idle" 0 \
      "$(grep -cE '(fsync|fdatasync|msync)\(' "$WORK/$n.strace" || true)"
  done
fi
echo "# idle $(($(date +%s) - t0)) s: 0 bytes written, 0 syncs (kec, a)" >&2
# The links stayed up through it, on keepalives alone.
for n in kec a b; do
  expect_eq "$n: no link closed while idle" 0 \
    "$(grep -cE 'LINK-CLOSED|LINK-TIMEOUT' "$WORK/$n.log" || true)"
done

# ---- a post outside the loop wakes it ----------------------------------------
has_title() { # NODE TITLE
  [ "$("$SIMPUL" list --data "$WORK/$1" --json 2>/dev/null |
    jq --arg t "$2" '[.[] | select(.body.title == $t)] | length')" = 1 ]
}
within() { # SECONDS WHAT CMD...: like wait_until, with a bound in tenths
  local secs=$1 tenths=$(($1 * 10)) what=$2 i; shift 2
  for ((i = 0; i < tenths; i++)); do
    "$@" && { ok; echo "# $what: $((i / 10)).$((i % 10)) s" >&2; return 0; }
    sleep 0.1
  done
  fail "not within $secs s: $what"
}
"$SIMPUL" post --data "$WORK/a" --kind informasi --to tree:36.04.12 \
  --title "Lewat proses lain" --body "isi" >/dev/null || fail "post at a"
within "$PUSH_S" "a's post by simpul post reaches b" has_title b "Lewat proses lain"
api b POST /api/items \
  '{"kind":"informasi","to":"tree:36.04.12","title":"Lewat HTTP","text":"isi"}'
expect_api "post through b's HTTP API" 201
within "$PUSH_S" "b's post through HTTP reaches a" has_title a "Lewat HTTP"

# ---- one daemon a directory; kill -9: status knows, a new one takes over -----
expect_status "a second daemon on a's data is refused" 1 \
  timeout 20 "$SIMPUL" run --data "$WORK/a"
expect_grep "NODE-RUNNING logged" "NODE-RUNNING.*pid ${PID[a]}" "$WORK/err"
kill9 a
"$SIMPUL" status --data "$WORK/a" --json >"$WORK/st"
expect_eq "status after kill -9: not running" false "$(jq .daemon.running "$WORK/st")"
expect_eq "status after kill -9: no pid" 0 "$(jq .daemon.pid "$WORK/st")"
# Posted while no daemon runs: the new one pushes it at its start.
"$SIMPUL" post --data "$WORK/a" --kind informasi --to tree:36.04.12 \
  --title "Saat mati" --body "isi" >/dev/null || fail "post at a, stopped"
start a
wait_until 20 "the post made while a was down reaches b" has_title b "Saat mati"
"$SIMPUL" status --data "$WORK/a" --json >"$WORK/st"
expect_eq "status after the restart: running" "${PID[a]}" "$(jq .daemon.pid "$WORK/st")"
wait_until 20 "a caught up again" caught_up a 2
"$SIMPUL" post --data "$WORK/a" --kind informasi --to tree:36.04.12 \
  --title "Setelah mulai lagi" --body "isi" >/dev/null || fail "post at a again"
within "$PUSH_S" "a post after the restart reaches b" has_title b "Setelah mulai lagi"

# ---- no socket (a directory in its way): the daemon reads its store instead --
stop a
rm -f "$WORK/a/daemon.sock"
mkdir "$WORK/a/daemon.sock"
start a
wait_until 20 "a caught up once more" caught_up a 3
expect_grep "NODE-WAKE logged" "NODE-WAKE.*reading the store every second" "$WORK/a.log"
"$SIMPUL" post --data "$WORK/a" --kind informasi --to tree:36.04.12 \
  --title "Tanpa soket" --body "isi" >/dev/null || fail "post at a without socket"
within "$PUSH_S" "a post without the socket reaches b" has_title b "Tanpa soket"

for n in kab kec a b; do stop $n; done
expect_grep "a stopped cleanly" "stopped cleanly" "$WORK/a.log"
sanitizers_clean
echo "idle: $checks checks passed"
