#!/usr/bin/env bash
# The whole of Kabupaten Serang in the lab: 1 kabupaten, 29 kecamatan and
# 326 desa = 356 simpul daemons on this machine, every link through flaky,
# a KIM workload, then every check of lab.py and the figures (time to
# converge, bytes per link, reconnects, peak memory per level).
# Heavy: run it on a quiet machine.
#
# Usage: tests/lab/serang.sh clean|chaos [lab.py options...]
#   BUILD=DIR    the build directory holding simpul and tests/flaky
#                (default: build)
#   WORK=DIR     the lab's work directory (default: a new /tmp/simpul-serang.*;
#                removed afterwards unless --keep is given)
#   REPORT=FILE  the JSON report (default: serang-PROFILE.json here)
# Later options override the ones below, e.g. --seed 7 --posts 3 --keep;
# --kecamatan N [--desa-per M] runs part of it (a smoke test of the script).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PROFILE=${1:-}
case "$PROFILE" in
clean | chaos) shift ;;
*)
  echo "usage: $0 clean|chaos [lab.py options...]" >&2
  exit 2
  ;;
esac
BUILD=${BUILD:-$ROOT/build}
WORK=${WORK:-$(mktemp -u /tmp/simpul-serang.XXXXXX)}
REPORT=${REPORT:-$PWD/serang-$PROFILE.json}
for f in "$BUILD/simpul" "$BUILD/tests/flaky"; do
  [ -x "$f" ] || { echo "$0: no $f (build first, or set BUILD)" >&2; exit 2; }
done

# Timers: black holes found within timeout_s; the workload takes a few
# minutes; chaos periods last tens of seconds to minutes, as on a real
# cellular link, so convergence takes as long.
if [ "$PROFILE" = clean ]; then
  opts=(--keepalive-s 5 --timeout-s 20 --workload-s 120 --timeout 1800)
else
  opts=(--keepalive-s 5 --timeout-s 20 --workload-s 300 --timeout 3600
    --down-s 20-90 --cut-s 60-240 --cut-bytes 20000-200000
    --blackhole-s 10-60 --kec-cut-s 120-600)
fi

topo=(--all)
for a in "$@"; do [ "$a" = --kecamatan ] && topo=(); done

echo "serang: $PROFILE, work $WORK, report $REPORT"
echo "serang: machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)," \
  "$(awk '/MemAvailable/ {printf "%.1f GiB available", $2 / 1048576}' /proc/meminfo)"
start=$SECONDS
rc=0
python3 "$ROOT/tests/lab/lab.py" --simpul "$BUILD/simpul" \
  --flaky "$BUILD/tests/flaky" --csv "$ROOT/tests/data/serang-36.04.csv" \
  --work "$WORK" "${topo[@]}" --profile "$PROFILE" --posts 2 --backoff-ms 500-5000 \
  "${opts[@]}" --report "$REPORT" "$@" || rc=$?
echo "serang: $PROFILE run took $((SECONDS - start))s, exit $rc; report $REPORT"
exit $rc
