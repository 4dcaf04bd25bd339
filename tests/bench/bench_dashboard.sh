#!/usr/bin/env bash
# GET /api/dashboard and simpul dashboard over a kabupaten store of N
# reports (default 100k, from tests/tools/gen_reports: 326 desa in 29
# kecamatan, a year of reports with the kabupaten's verifications, follow-
# ups and answers, ~2.3 entries per report, and N/5 informasi of the desa
# to their kecamatan), on this machine:
#   - the import that builds the store and its views (once);
#   - the API: a running daemon answering GET /api/dashboard (the whole
#     kabupaten, then one kecamatan), R requests each: median, min, max
#     wall ms per request (curl's time_total), and the daemon's CPU time
#     per request (user+sys over the R requests, from /proc);
#   - the CLI: simpul dashboard --json, R runs: median wall ms and the CPU
#     time of each run (user+sys), which the machine's load moves less.
# The machine is shared: the load average is printed with the figures.
# Not a test: run it by hand.
#   tests/bench/bench_dashboard.sh [REPORTS] [RUNS]   (BUILD=build to reuse)
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100000}
runs=${2:-7}
B=${BUILD:-build-bench}
if [ -z "${BUILD:-}" ]; then
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$B" --target simpul gen_reports >/dev/null
fi
SIMPUL=$PWD/$B/simpul
. tests/integration/lib.sh
. tests/integration/netlib.sh
. tests/integration/httplib.sh

load() { cut -d' ' -f1-3 /proc/loadavg; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
now_ms() { date +%s%3N; }
# cpu_ms PID: user+system ms of a process so far.
cpu_ms() { awk '{ printf "%d", ($14 + $15) * 1000 / '"$(getconf CLK_TCK)"' }' "/proc/$1/stat"; }

"$SIMPUL" init --data "$WORK/kab" --region 36.04 --name bench >/dev/null
"$B/tests/gen_reports" --out "$WORK/r.bundle" --count "$n" \
  --announcements $((n / 5)) --seed 1 2>"$WORK/gen.log"
t0=$(now_ms)
"$SIMPUL" import --data "$WORK/kab" "$WORK/r.bundle" >/dev/null
t1=$(now_ms)
entries=$("$SIMPUL" status --data "$WORK/kab" --json | jq .store.entries)
reports=$("$SIMPUL" dashboard --data "$WORK/kab" --json | jq .totals.reports)
[ "$reports" = "$n" ] || fail "the dashboard counts $reports reports of $n"
items=$("$SIMPUL" dashboard --data "$WORK/kab" --json | jq '[.kim_activity.kim[].items] | add')
[ "$items" = $((n + n / 5)) ] || fail "the dashboard counts $items items of $((n + n / 5))"
echo "reports $reports"
echo "items $items (reports and informasi)"
echo "store_entries $entries"
echo "import_ms $((t1 - t0))   (load $(load))"

# ---- the API ----------------------------------------------------------------
http_on kab
start kab
http_wait kab
api_runs() { # QUERY: prints each request's wall ms
  local i
  for i in $(seq 1 "$runs"); do
    curl -s -o "$WORK/body" -w '%{time_total}\n' \
      -H "Authorization: Bearer ${TOK[kab]}" \
      "http://127.0.0.1:${HP[kab]}/api/dashboard$1" |
      awk '{ printf "%.1f\n", $1 * 1000 }'
    jq -e .totals.reports "$WORK/body" >/dev/null || fail "no dashboard in the reply"
  done
}
api_runs "" >/dev/null # warm: the store's pages in the page cache
for q in "" "?region=36.04.12"; do
  c0=$(cpu_ms "${PID[kab]}")
  api_runs "$q" >"$WORK/api.ms"
  c1=$(cpu_ms "${PID[kab]}")
  echo "api${q:-?region=36.04} ms: median $(median <"$WORK/api.ms")" \
    "min $(sort -n "$WORK/api.ms" | head -n 1) max $(sort -n "$WORK/api.ms" | tail -n 1)," \
    "daemon cpu $(((c1 - c0) / runs)) ms per request" \
    "(${runs} requests, $(stat -c %s "$WORK/body") bytes, load $(load))"
done
stop kab

# ---- the CLI ------------------------------------------------------------------
: >"$WORK/cli.ms"; : >"$WORK/cli.cpu"
for i in $(seq 1 "$runs"); do
  t0=$(now_ms)
  /usr/bin/time -f "%U %S" -o "$WORK/time" \
    "$SIMPUL" dashboard --data "$WORK/kab" --json >/dev/null
  t1=$(now_ms)
  echo $((t1 - t0)) >>"$WORK/cli.ms"
  awk '{ printf "%.0f\n", ($1 + $2) * 1000 }' "$WORK/time" >>"$WORK/cli.cpu"
done
echo "cli ms: median $(median <"$WORK/cli.ms"), cpu ms: median $(median <"$WORK/cli.cpu")" \
  "(${runs} runs, load $(load))"
