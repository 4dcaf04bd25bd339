#!/usr/bin/env bash
# simpul sink into PostgreSQL 15 (docs/SINK.md), on a private server:
#   1. backfill: entries/s from a store of N entries (default 100k, from
#      gen_entries: 16 authors, announcements and reports, ~300-byte
#      bodies) into an empty database, with the CPU time of the sink and
#      of PostgreSQL;
#   2. catch-up: the sink stopped while 20% more entries come in (an
#      outage), then restarted: time until PostgreSQL holds them all;
#   3. lag at a steady 200 entries/s posted through app_post (one durable
#      commit each) for 30 s, with the sink following: PostgreSQL's clock
#      at each row minus the entry's timestamp (taken just before its
#      commit), median, p99 and max.
# The machine is shared: each figure comes with the load average and CPU
# times. Not a test: run it by hand.
#   tests/bench/bench_sink.sh [ENTRIES]      (BUILD=build to reuse a build)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
B=${BUILD:-build-bench}
if [ -z "${BUILD:-}" ]; then
  deploy/deps.sh --test
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$B" --target simpul gen_entries bench_sink_post >/dev/null
fi
SIMPUL=$PWD/$B/simpul
. tests/integration/lib.sh
SINK=
cleanup_daemons() {
  [ -z "$SINK" ] || kill "$SINK" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"
}
. tests/integration/pglib.sh
. tests/bench/benchlib.sh

load() { cut -d' ' -f1-3 /proc/loadavg; }
# cpu PID: user+system seconds of a process and its reaped children.
cpu() {
  awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"
}
# pgcpu: PostgreSQL's CPU seconds: the postmaster with its reaped
# backends, and its live children (checkpointer, WAL writer, ...).
pgcpu() {
  local t=0 c
  for c in $PM $(cat /proc/"$PM"/task/"$PM"/children 2>/dev/null); do
    t=$(awk -v t="$t" '{ printf "%.2f", t + $1 }' <<<"$(cpu "$c" 2>/dev/null || echo 0)")
  done
  echo "$t"
}
items() { sql "SELECT count(*) FROM simpul.items"; }

node=$WORK/node
"$SIMPUL" init --data "$node" --region 36.04 --name bench >/dev/null
"$B/tests/gen_entries" --out "$WORK/a.bundle" --count "$n" --authors 16 \
  --body-bytes 262 --seed 1 2>/dev/null
"$SIMPUL" import --data "$node" "$WORK/a.bundle" >/dev/null
# A root node, so that it may post (parts 2 and 3).
"$SIMPUL" network create --data "$node" --region 36.04 --name bench >/dev/null
"$B/tests/gen_entries" --out "$WORK/b.bundle" --count $((n / 5)) \
  --key "$node/node.key" --region 36.04 --audience tree:36.04.12 \
  --body-bytes 262 --seed 2 2>/dev/null
total=$("$SIMPUL" status --data "$node" --json | jq .store.entries)
pg_start
PM=$(head -n 1 "$PGROOT/data/postmaster.pid")
echo "store_entries $total"

# ---- 1. backfill ------------------------------------------------------------
pg0=$(pgcpu); t0=$(now_ms)
/usr/bin/time -f "%U %S" -o "$WORK/time" \
  "$SIMPUL" sink --data "$node" --postgres "$PG_DSN" --once 2>"$WORK/sink1.log"
t1=$(now_ms)
sleep 1 # its backend exits and is reaped: its CPU time joins the postmaster's
pg1=$(pgcpu)
got=$(items)
[ "$got" = "$total" ] || { cat "$WORK/sink1.log" >&2; fail "backfill: $got of $total"; }
read -r u s <"$WORK/time"
ms=$((t1 - t0))
echo "backfill_entries $got"
echo "backfill_report_rows $(sql "SELECT count(*) FROM simpul.reports")"
echo "backfill_ms $ms"
echo "backfill_entries_per_s $((got * 1000 / (ms > 0 ? ms : 1)))"
echo "backfill_sink_cpu_s $(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')"
echo "backfill_postgres_cpu_s $(awk -v a="$pg0" -v b="$pg1" 'BEGIN { print b - a }')"
echo "backfill_sink_cpu_us_per_entry $(awk -v u="$u" -v s="$s" -v n="$got" 'BEGIN { printf "%.1f", (u + s) * 1e6 / n }')"
echo "load_average $(load)"
echo "database_bytes_per_entry $(( $(sql "SELECT pg_database_size('simpul')") / got ))"

# ---- 2. catch-up after an outage ---------------------------------------------
"$SIMPUL" import --data "$node" "$WORK/b.bundle" >/dev/null
total=$("$SIMPUL" status --data "$node" --json | jq .store.entries)
behind=$((total - $(items)))
t0=$(now_ms)
"$SIMPUL" sink --data "$node" --postgres "$PG_DSN" 2>"$WORK/sink2.log" &
SINK=$!
while [ "$(items)" -lt "$total" ]; do sleep 0.05; done
t1=$(now_ms)
echo "catchup_entries $behind"
echo "catchup_ms $((t1 - t0))"
echo "catchup_entries_per_s $((behind * 1000 / (t1 - t0 > 0 ? t1 - t0 : 1)))"
echo "load_average $(load)"

# ---- 3. lag at a steady 200 entries/s ------------------------------------------
s0=$(cpu "$SINK")
"$B/tests/bench_sink_post" "$node" 200 30 >"$WORK/post.txt"
total=$("$SIMPUL" status --data "$node" --json | jq .store.entries)
while [ "$(items)" -lt "$total" ]; do sleep 0.05; done
s1=$(cpu "$SINK")
echo "steady_posted $(cat "$WORK/post.txt") (asked: 200/s for 30 s)"
sql "SELECT 'lag_ms_median ' || round(percentile_cont(0.5) WITHIN GROUP (ORDER BY l))
      || E'\nlag_ms_p99 ' || round(percentile_cont(0.99) WITHIN GROUP (ORDER BY l))
      || E'\nlag_ms_max ' || round(max(l)) || ' (goal < 1000)'
     FROM (SELECT extract(epoch FROM streamed_at - ts) * 1000 AS l
           FROM simpul.items WHERE title LIKE 'lag %') x"
echo "steady_sink_cpu_s $(awk -v a="$s0" -v b="$s1" 'BEGIN { print b - a }') (of 30 s)"
echo "load_average $(load)"
kill "$SINK"; wait "$SINK" 2>/dev/null || true; SINK=
