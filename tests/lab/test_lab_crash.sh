#!/usr/bin/env bash
# The lab, scaled (a kabupaten, 3 kecamatan, 9 desa) under the chaos profile,
# with 100 SIGKILLs of random daemons during the workload, each restarted
# after a short random delay. After each kill, what the victim's neighbours
# recorded it acknowledged must be in its store, and its store verifies;
# afterwards the network converges and every check of lab.py passes.
# First a self-test of that check: a desa's store put back to an old copy
# after a kill must be reported as acknowledged entries lost.
# Usage: test_lab_crash.sh SIMPUL FLAKY CSV   (LAB_SEED=N draws other kills)
set -euo pipefail
SIMPUL=$1 FLAKY=$2 CSV=$3
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/simpul-lab.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# want REPORT WHAT JQ-FILTER: the filter must print true.
want() {
  [ "$(jq "$3" "$1")" = true ] ||
    fail "$2: not true in the report: $3 ($(jq -c '{checks, workload, problems}' "$1"))"
}

echo "== self-test: a store restored from an old copy is caught"
rc=0
python3 "$HERE/lab.py" --simpul "$SIMPUL" --flaky "$FLAKY" --csv "$CSV" \
  --work "$WORK/sabotage" --kecamatan 1 --desa-per 2 --profile clean \
  --workload-s 10 --sabotage --report "$WORK/sabotage.json" || rc=$?
[ "$rc" = 1 ] || fail "the sabotaged run exited with $rc, not 1"
want "$WORK/sabotage.json" "the loss reported" \
  '[.problems[] | select(startswith("acknowledged entries lost"))] | length > 0'

echo "== 100 kills under chaos"
REPORT=$WORK/report.json
python3 "$HERE/lab.py" --simpul "$SIMPUL" --flaky "$FLAKY" --csv "$CSV" \
  --work "$WORK/run" --kecamatan 3 --desa-per 3 --profile chaos \
  --seed "${LAB_SEED:-1}" --posts 4 --workload-s 90 --kill 100 \
  --timeout 700 --report "$REPORT"
want "$REPORT" "every check passed" '.ok == true'
want "$REPORT" "100 kills" '.workload.kills == 100 and (.kills | length) == 100'
want "$REPORT" "every level killed" '[.kills[].node | split(".") | length] | unique == [2, 3, 4]'
want "$REPORT" "acknowledged heads compared after kills" '.workload.kill_known_compared > 0'
want "$REPORT" "no loss after a kill" '[.kills[].problems] | add == 0'
want "$REPORT" "converged" '.converged == true'
want "$REPORT" "no feed short or missing" '.checks.feeds_short_or_missing == 0'
want "$REPORT" "no feed held without entitlement" '.checks.feeds_not_entitled == 0'
want "$REPORT" "every store verifies" '.checks.verify_failed == 0'
want "$REPORT" "none missing" '.checks.acked_but_missing == 0 and .checks.peer_feed_records_compared > 0'
want "$REPORT" "every post made" '.workload.posts == .workload.planned'
echo "lab_crash: ok"
