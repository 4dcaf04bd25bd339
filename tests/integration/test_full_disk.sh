#!/usr/bin/env bash
# A full disk: a kecamatan whose store (a 2 MiB LMDB map) fills while it
# syncs a bulk feed from its kabupaten. It says so once with the remedy,
# keeps running and serving its desa everything it stored, retries its
# parent with a growing hold-off (no reconnect storm, no refusal flood) and
# loses nothing; after the map is enlarged and it is restarted it carries
# on and everyone converges. Then the local path: import and post into a
# full store fail with the remedy and keep what was committed.
# Usage: test_full_disk.sh SIMPUL GEN_ENTRIES
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
GEN=$2
. "$(dirname "$0")/netlib.sh"

KAB=36.04
KC=36.04.12          # kecamatan Pontang: the small store
DS=36.04.12.2002     # desa Sukanegara, a child of Pontang
OTHER=36.04.05       # kecamatan Kramatwatu: neither C nor D may hold its news
BULK=5000            # ~5 MiB in a store: more than twice the small map
MIB=1048576

make_root k $KAB
make_node c $KC k --issuer
make_node d $DS k
set_key c store map_size_mib 2
# A cap long enough for the full hold-off's doubling to show in this test
# (fast_net's 800 ms would retry about once a second).
set_key c net backoff_max_ms 4000

start k 127.0.0.1:0
parent c k; start c 127.0.0.1:0
parent d c; start d

post() { # NODE KIND AUDIENCE TITLE
  "$SIMPUL" post --data "$WORK/$1" --kind "$2" --to "$3" --title "$4" \
    --body "isi: $4" >/dev/null || fail "post $4 at $1"
}
n_id() { # NODE ID [FROM_LINE]: the node's log lines with that event id
  awk -v id="$2" -v from="${3:-1}" 'NR >= from && $3 == id' "$WORK/$1.log" | wc -l
}
n_grep() { # NODE PATTERN: the node's log lines matching
  grep -cE -- "$2" "$WORK/$1.log" || true
}
heads() { # NODE: every feed's id and head, sorted, except OTHER's
  "$SIMPUL" feeds --data "$WORK/$1" --json |
    jq -c --arg o "tree:$OTHER" '[.[] | select(.audience != $o) | {id, head_seq}] | sort_by(.id)'
}
same_heads() { [ "$(heads "$1")" = "$(heads "$2")" ]; }
aud() { # NODE AUDIENCE: entries of that audience at the node
  "$SIMPUL" list --data "$WORK/$1" --json | jq --arg a "$2" '[.[] | select(.audience == $a)] | length'
}
status_c() { "$SIMPUL" status --data "$WORK/c" --json; }
kab_link() { # the state of C's link to its parent, as `simpul status` tells it
  status_c | jq -r --arg r $KAB '.peers[] | select(.region == $r) | .state'
}
links_up() {
  for n in c d; do grep -q 'LINK-OPEN .* to parent' "$WORK/$n.log" && echo "$n"; done | wc -l
}
wait_until 30 "both links up" eq 2 links_up

# ---- before the fill: items a user will look for afterwards ----------------
post c informasi tree:$KC "Sebelum penuh"
post d aspirasi path:$DS:$KAB "Aspirasi sebelum penuh"
post k informasi tree:$KAB "Info kabupaten"
post k informasi tree:$OTHER "Info Kramatwatu"
for t in "Sebelum penuh" "Aspirasi sebelum penuh" "Info kabupaten"; do
  for n in k c d; do wait_until 30 "$t at $n" eq 1 has "$t" $n; done
done

# ---- the fill: a bulk feed for the desa (so for C too) at the kabupaten -----
"$GEN" --out "$WORK/bulk.bundle" --count $BULK --key "$WORK/k/node.key" \
  --region $KAB --audience tree:$DS --seed 7 2>"$WORK/gen.log" ||
  { cat "$WORK/gen.log" >&2; fail "gen_entries"; }
expect_status "bulk import at the kabupaten" 0 "$SIMPUL" import --data "$WORK/k" "$WORK/bulk.bundle"
wait_until 120 "the kecamatan reports its full store" eq 1 n_id c STORE-FULL
full_at=$SECONDS
expect_grep "STORE-FULL names the map and the remedy" \
  ' error STORE-FULL store is full \(map 2 MiB\): .*map_size_mib in \[store\] of simpul.conf, then restart' \
  "$WORK/c.log"
wait_until 30 "the kabupaten is told why" grep -q 'LINK-PEER-ERROR .*STORE-FULL' "$WORK/k.log"

# C keeps serving what it has: the desa gets every entry C committed (a
# retry may still fit a few more: each time, the desa gets them too).
wait_until 90 "the desa holds exactly what the kecamatan holds" same_heads c d
held=$(aud c tree:$DS)
[ "$held" -gt 0 ] && [ "$held" -lt $BULK ] || fail "kecamatan holds $held of $BULK"
ok
for t in "Sebelum penuh" "Aspirasi sebelum penuh" "Info kabupaten"; do
  expect_eq "$t still at the kecamatan" 1 "$(has "$t" c)"
done
expect_status "show an item stored before the fill" 0 "$SIMPUL" show --data "$WORK/c" \
  "$("$SIMPUL" list --data "$WORK/c" --json | jq -r '.[] | select(.body.title == "Sebelum penuh") | .id')"
expect_grep "its body is readable" 'isi: Sebelum penuh' "$WORK/out"

# The daemon runs and answers; `simpul status` says why the link suffers.
kill -0 "${PID[c]}" 2>/dev/null || fail "the kecamatan's daemon died"
ok
expect_status "status at the full kecamatan" 0 status_c
expect_eq "status: daemon running" true "$(jq .daemon.running "$WORK/out")"
expect_eq "status: the daemon's pid" "${PID[c]}" "$(jq .daemon.pid "$WORK/out")"
expect_eq "status: map size" $((2 * MIB)) "$(jq .store.map_bytes "$WORK/out")"
status_entries() { [ "$(status_c | jq .store.entries)" = "$(count c)" ]; }
wait_until 30 "status: entries" status_entries
last_error() { status_c | jq -r --arg r $KAB '.peers[] | select(.region == $r) | .last_error'; }
wait_until 30 "status: the parent link's last error" eq STORE-FULL last_error

# A post at the full kecamatan either fits (the map has pages to spare for
# one small entry) and then goes down and up as usual, or fails with the
# remedy; it never half-works.
rc=0
"$SIMPUL" post --data "$WORK/c" --kind peringatan --to tree:$KC \
  --title "Sesudah penuh" --body "isi: Sesudah penuh" >"$WORK/out" 2>"$WORK/err" || rc=$?
if [ $rc = 0 ]; then
  echo "a small post at the full kecamatan fitted"
  wait_until 30 "a post at the full kecamatan reaches the desa" eq 1 has "Sesudah penuh" d
  wait_until 30 "and the kabupaten" eq 1 has "Sesudah penuh" k
else
  echo "a small post at the full kecamatan did not fit"
  expect_eq "post at the full kecamatan: exit status" 1 $rc
  expect_grep "post names the remedy" 'error: post: store is full.*map_size_mib' "$WORK/err"
  expect_eq "nothing half-stored" 0 "$(has "Sesudah penuh" c)"
fi

# Watch it for a while: the parent is retried with a growing hold-off, not
# in a loop; no refusal per entry; the full store is said once a minute.
while [ $((SECONDS - full_at)) -lt 20 ]; do sleep 1; done
wait_until 30 "the link to the kabupaten is up again" eq connected kab_link
elapsed=$((SECONDS - full_at + 2))
opens=$(n_grep c 'LINK-OPEN .* to parent')
# Hold-offs of 0.1 0.2 0.4 0.8 1.6 3.2 s, then 4 s each: at most about
# 7 + T/4 sessions in T s (the loop this replaced made 5 a second).
bound=$((8 + elapsed / 4))
[ "$opens" -ge 3 ] || fail "no retry of the parent after STORE-FULL ($opens sessions)"
ok
[ "$opens" -le "$bound" ] || fail "$opens sessions to the parent in ${elapsed}s (bound $bound)"
ok
peer_errors=$(n_id k LINK-PEER-ERROR)
[ "$peer_errors" -le "$bound" ] || fail "the kabupaten saw $peer_errors errors in ${elapsed}s"
ok
full_lines=$(n_id c STORE-FULL)
[ "$full_lines" -le $((1 + elapsed / 60)) ] || fail "$full_lines STORE-FULL lines in ${elapsed}s"
ok
expect_eq "no entry refused at the kecamatan" 0 "$(n_grep c ' warn ENTRY-')"
# One pause per full session, each closed for its retry (but the last).
pauses=$(n_id c SYNC-PAUSED)
closes=$(n_grep c 'closing after STORE-FULL')
[ "$pauses" -ge "$closes" ] && [ "$pauses" -le $((closes + 1)) ] ||
  fail "$pauses full sessions, $closes closed for a retry"
ok
lines=$(wc -l <"$WORK/c.log")
[ "$lines" -le $((20 + 6 * opens)) ] || fail "$lines log lines at the kecamatan"
ok
kill -0 "${PID[c]}" 2>/dev/null || fail "the kecamatan's daemon died"
ok
echo "full for ${elapsed}s: $held of $BULK bulk entries held, $opens sessions" \
  "to the parent (bound $bound), $full_lines STORE-FULL line(s), $lines log lines"
expect_status "verify the full kecamatan" 0 "$SIMPUL" verify --data "$WORK/c"
verified=$(sed -n 's/^ok: .* \([0-9]*\) entries verified$/\1/p' "$WORK/out")
[ -n "$verified" ] && [ "$verified" -ge $((held + 6)) ] || fail "verify checked '$verified' entries"
ok

# ---- enlarge the map: it carries on ---------------------------------------
stop c
kill -0 "${PID[c]}" 2>/dev/null && fail "the kecamatan did not stop on SIGTERM"
ok
expect_grep "stopped cleanly while full" 'NODE-STOP stopped cleanly' "$WORK/c.log"
set_key c store map_size_mib 64
mark=$(($(wc -l <"$WORK/c.log") + 1))
start c 127.0.0.1:"${PORT[c]}"
restart_at=$SECONDS
wait_until 180 "the kecamatan converges with the kabupaten" same_heads k c
wait_until 120 "the desa converges" same_heads c d
echo "enlarged: converged in $((SECONDS - restart_at))s"
expect_eq "every bulk entry at the kecamatan" $BULK "$(aud c tree:$DS)"
expect_eq "every bulk entry at the desa" $BULK "$(aud d tree:$DS)"
for n in c d; do expect_eq "Kramatwatu's news not at $n" 0 "$(has "Info Kramatwatu" $n)"; done
expect_eq "no STORE-FULL after the restart" 0 "$(n_id c STORE-FULL "$mark")"
expect_status "status after the restart" 0 status_c
expect_eq "status: the larger map" $((64 * MIB)) "$(jq .store.map_bytes "$WORK/out")"
post d aspirasi path:$DS:$KAB "Aspirasi setelah diperbesar"
wait_until 30 "a desa's aspiration reaches the kabupaten again" eq 1 has "Aspirasi setelah diperbesar" k
for n in k c d; do
  expect_status "final verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"
done
for n in k c d; do stop $n; done
# (Under -DSIMPUL_SANITIZE=ON a daemon's report would land in its log.)
for n in k c d; do
  expect_eq "no sanitizer report from $n" 0 "$(n_grep $n 'Sanitizer|runtime error')"
done

# ---- the local path: import and post into a full store ----------------------
"$SIMPUL" init --data "$WORK/f" --region $DS --name "Node f" --map-size-mib 2 >/dev/null
"$GEN" --out "$WORK/local.bundle" --count $BULK --reader $DS --seed 11 2>"$WORK/gen.log" ||
  { cat "$WORK/gen.log" >&2; fail "gen_entries"; }
total=$(sed -n 's/^gen_entries: \([0-9]*\) entries.*/\1/p' "$WORK/gen.log")
expect_status "import into a small store" 1 "$SIMPUL" import --data "$WORK/f" "$WORK/local.bundle"
expect_grep "import: the remedy" '^simpul: error: import: store is full.*map_size_mib' "$WORK/err"
expect_grep "import: one STORE-FULL line" ' error STORE-FULL store is full \(map 2 MiB\)' "$WORK/err"
stored=$(sed -n 's/^imported \([0-9]*\) new entries.*/\1/p' "$WORK/out")
[ -n "$stored" ] && [ "$stored" -gt 0 ] && [ "$stored" -lt "$total" ] ||
  fail "import into a full store reported '$stored' stored"
ok
expect_eq "import kept what it committed" "$stored" "$(count f)"
expect_status "verify after the full import" 0 "$SIMPUL" verify --data "$WORK/f"

# Posts of a large text (under post's limit) until one does not fit.
head -c 15000 /dev/zero | tr '\0' a >"$WORK/big.txt"
posted=0 rc=0
for i in $(seq 1 300); do
  "$SIMPUL" post --data "$WORK/f" --kind informasi --to tree:$DS --title "Besar $i" \
    --body-file "$WORK/big.txt" >"$WORK/out" 2>"$WORK/err" || { rc=$?; break; }
  posted=$((posted + 1))
done
expect_eq "post into the full store: exit status" 1 $rc
expect_grep "post: the remedy" '^simpul: error: post: store is full.*map_size_mib' "$WORK/err"
expect_grep "post: the STORE-FULL line" ' error STORE-FULL store is full \(map 2 MiB\)' "$WORK/err"
echo "local: import stored $stored of $total, then $posted posts of 15 kB fitted"
expect_eq "posts before it are kept" $((stored + posted)) "$(count f)"
expect_eq "the failed post is not there" 0 "$(has "Besar $((posted + 1))" f)"
expect_status "verify the full store" 0 "$SIMPUL" verify --data "$WORK/f"

set_key f store map_size_mib 64
expect_status "import after enlarging" 0 "$SIMPUL" import --data "$WORK/f" "$WORK/local.bundle"
expect_grep "import carries on" "^imported $((total - stored)) new entries, $stored already held, 0 refused" "$WORK/out"
expect_status "post after enlarging" 0 "$SIMPUL" post --data "$WORK/f" --kind informasi \
  --to tree:$DS --title "Besar lagi" --body-file "$WORK/big.txt"
expect_eq "everything at the enlarged node" $((total + posted + 1)) "$(count f)"
expect_status "verify the enlarged store" 0 "$SIMPUL" verify --data "$WORK/f"
echo "full_disk: $checks checks passed"
