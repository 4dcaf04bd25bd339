#!/usr/bin/env bash
# Repair after hostile or broken histories (issue 9, item 5): a fork proof
# held by a kecamatan reaches its kabupaten on the link as FORK_PROOF, which
# checks it and freezes the feed too (proto/SYNC.md §5.1); the kabupaten's
# HTTP API lists the frozen feed (GET /api/feeds?frozen=true).
# Usage: test_hostile_repair.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/httplib.sh"
s() { "$SIMPUL" "$@"; }

make_root R 36.04
make_node K 36.04.12 R
make_node D 36.04.12.2001 R
s post --data "$WORK/D" --kind informasi --to tree:36.04.12 --title "Pertama" >/dev/null
cp -a "$WORK/D" "$WORK/backup"
s post --data "$WORK/D" --kind informasi --to tree:36.04.12 --title "Versi asli" >/dev/null
s post --data "$WORK/backup" --kind informasi --to tree:36.04.12 --title "Versi cadangan" >/dev/null
s export --data "$WORK/R" -o "$WORK/sys.bundle" 2>/dev/null
s import --data "$WORK/K" "$WORK/sys.bundle" >/dev/null
s export --data "$WORK/D" -o "$WORK/a.bundle" 2>/dev/null
s export --data "$WORK/backup" -o "$WORK/b.bundle" 2>/dev/null
s import --data "$WORK/R" "$WORK/a.bundle" >/dev/null
s import --data "$WORK/K" "$WORK/a.bundle" >/dev/null
s import --data "$WORK/K" "$WORK/b.bundle" >/dev/null 2>&1 || true
frozen() { s feeds --data "$WORK/$1" --json | jq '[.[] | select(.frozen)] | length'; }
expect_eq "K frozen by the import" 1 "$(frozen K)"
expect_eq "R not frozen yet" 0 "$(frozen R)"

# ---- the proof travels K -> R and freezes the feed at R ---------------------
http_on R
start R 127.0.0.1:0
http_wait R
api R GET '/api/feeds?frozen=true' "" -
expect_api "frozen feeds before the proof" 200
expect_eq "none frozen at R yet" 0 "$(body_jq length)"
parent K R
start K
wait_until 20 "R freezes the forked feed" eq 1 frozen R
# ---- and R's API shows it ----------------------------------------------------
forked=$(s feeds --data "$WORK/R" --json | jq -c '.[] | select(.frozen)')
api R GET '/api/feeds?frozen=true' "" -
expect_api "frozen feeds, without the token" 200
expect_eq "one frozen feed listed" 1 "$(body_jq length)"
expect_eq "its id" "$(jq -r .id <<<"$forked")" "$(body_jq '.[0].id')"
expect_eq "its author" "$(jq -r .author <<<"$forked")" "$(body_jq '.[0].author')"
expect_eq "its region" 36.04.12.2001 "$(body_jq '.[0].author_region')"
expect_eq "its audience" tree:36.04.12 "$(body_jq '.[0].audience')"
expect_eq "frozen" true "$(body_jq '.[0].frozen')"
expect_eq "the fork at seq 2" 2 "$(body_jq '.[0].fork_seq')"
api R GET /api/feeds "" -
expect_api "every feed" 200
expect_eq "every feed listed" "$(s feeds --data "$WORK/R" --json | jq length)" "$(body_jq length)"
expect_eq "the frozen one among them" 1 "$(body_jq '[.[] | select(.frozen and .fork_seq == 2)] | length')"
expect_eq "the others without fork_seq" 0 "$(body_jq '[.[] | select((.frozen | not) and .fork_seq != null)] | length')"
api R GET /api/node "" -
expect_eq "/api/node counts it" 1 "$(body_jq .store.forks)"
api R GET '/api/feeds?frozen=maybe' "" -
expect_api "a bad frozen value" 400 HTTP-BAD-VALUE
api R GET '/api/feeds?colour=red' "" -
expect_api "an unknown parameter" 400 HTTP-UNKNOWN-FIELD
stop K
stop R
expect_grep "R logs the fork once" 'FEED-FORK' "$WORK/R.log"
[ "$(grep -c 'ENTRY-BAD-SIG\|PROTO-VIOLATION' "$WORK/R.log" || true)" = 0 ] ||
  fail "R refused something"
s feeds --data "$WORK/R" >"$WORK/out"
expect_grep "feeds shows the fork at R" 'FROZEN \(fork\)' "$WORK/out"
s status --data "$WORK/R" --json >"$WORK/out"
expect_eq "status counts the fork at R" 1 "$(jq .store.forks "$WORK/out")"
expect_status "verify R" 0 s verify --data "$WORK/R"
echo "hostile_repair: $checks checks passed"
