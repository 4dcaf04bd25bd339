#!/usr/bin/env bash
# The lab, scaled: a kabupaten, 3 kecamatan and 9 desa as real daemons, every
# link through one flaky proxy under the chaos profile (slow, laggy links,
# down half the time, cut, some black-holed). lab.py must see the network
# converge and pass every check: each node holds exactly its entitled
# feeds, complete; every store verifies; no acknowledged entry is missing.
# The report must also show that the faults really happened.
# Usage: test_lab_chaos.sh SIMPUL FLAKY CSV   (LAB_SEED=N draws other links)
set -euo pipefail
SIMPUL=$1 FLAKY=$2 CSV=$3
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d /tmp/simpul-lab.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
REPORT=$WORK/report.json

python3 "$HERE/lab.py" --simpul "$SIMPUL" --flaky "$FLAKY" --csv "$CSV" \
  --work "$WORK/run" --kecamatan 3 --desa-per 3 --profile chaos \
  --seed "${LAB_SEED:-1}" --posts 3 --workload-s 40 --timeout 600 \
  --report "$REPORT"

fail() { echo "FAIL: $*" >&2; exit 1; }
# want WHAT JQ-FILTER: the filter must print true.
want() {
  [ "$(jq "$2" "$REPORT")" = true ] ||
    fail "$1: not true in the report: $2 ($(jq -c '{checks, workload, links}' "$REPORT"))"
}
want "every check passed" '.ok == true'
want "13 nodes" '.nodes == {"kabupaten": 1, "kecamatan": 3, "desa": 9}'
want "converged" '.converged == true'
want "no feed short or missing" '.checks.feeds_short_or_missing == 0'
want "no feed held without entitlement" '.checks.feeds_not_entitled == 0'
want "every store verifies" '.checks.verify_failed == 0'
want "acknowledged heads compared" '.checks.peer_feed_records_compared > 0'
want "none missing" '.checks.acked_but_missing == 0'
want "every post made" '.workload.posts == .workload.planned'
want "desa links went down" '.links.desa_kecamatan.down_periods > 0'
want "desa connections refused while down" '.links.desa_kecamatan.refused > 0'
want "desa connections cut" '.links.desa_kecamatan.cuts > 0'
want "desa links reconnected" '.links.desa_kecamatan.reconnects > 0'
want "bytes counted both ways" '.links.desa_kecamatan.bytes_c2t.total > 0 and .links.desa_kecamatan.bytes_t2c.total > 0'
echo "lab_chaos: ok"
