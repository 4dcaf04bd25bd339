#!/usr/bin/env bash
# Bodies pruned on the way (proto/SYNC.md §5.2, KIM.md §7). A desa posts a
# report to the kabupaten; an enrolled kecamatan (evil_peer) relays it to
# the kabupaten daemon with its body stripped. Then:
#   - the kabupaten stores it and shows "isi belum diterima" (list, show,
#     report show, the HTTP API) and makes no step on it;
#   - it asks the relay for the body (BODY_WANT), which lacks it (BODY nil:
#     no log line, the link stays), and asks again on the next session,
#     where a forged body (wrong hash) is refused: one ENTRY-BODY-HASH
#     line, the link closed, nothing committed lost;
#   - once the desa links to it, it gets the body from the desa, reads the
#     report and handles it to completion (verified, followed up, done, the
#     desa confirms: ditutup);
#   - it sends the body on from then on (never the pruned form) and wants
#     nothing more; simpul verify passes on every store.
# Usage: test_bodies.sh SIMPUL EVIL_PEER
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
EVIL=$2
. "$(dirname "$0")/netlib.sh"
. "$(dirname "$0")/httplib.sh"

KAB=36.04
KEC=36.04.12
DESA=36.04.12.2002
TO=path:$DESA:$KAB
TITLE="Jembatan gantung putus"
MISSING="isi belum diterima"

s() { "$SIMPUL" "$@"; }
# jqr NODE FILTER ID: a field of `simpul report show ID --json` at NODE.
jqr() { s report show --data "$WORK/$1" "$3" --json 2>/dev/null | jq -r "$2"; }
# The event ids of the kabupaten's warn and error lines from line $1 on.
log_ids() {
  tail -n +"$1" "$WORK/kab.log" | awk '$2 == "warn" || $2 == "error" { print $3 }' |
    paste -sd' ' -
}
log_has() { tail -n +"$1" "$WORK/kab.log" | awk -v id="$2" '$3 == id' | grep -q .; }
count_kab() { s list --data "$WORK/kab" --json | jq length; }

# evil SCENARIO ID: evil_peer as the kecamatan, relaying the desa's feed
# (the bundle); ID is the one warn/error line the kabupaten must log (-:
# none). Sets $mark, the scenario's first log line.
evil() {
  local name=$1 id=$2 want
  mark=$(($(wc -l <"$WORK/kab.log") + 1))
  if ! "$EVIL" --connect "127.0.0.1:${PORT[kab]}" --data "$WORK/kec" \
    --scenario "$name" --bundle "$WORK/report.bundle" --timeout-ms 15000 \
    --verbose >"$WORK/evil-$name.out" 2>&1; then
    cat "$WORK/evil-$name.out" >&2
    fail "evil_peer $name: $(grep -v '^result:' "$WORK/evil-$name.out" | tail -n 1)"
  fi
  ok
  want=$id
  [ "$id" = - ] && want=""
  [ -z "$want" ] || wait_until 10 "a $want line at the kabupaten" log_has "$mark" "$want"
  sleep 0.5 # a second line, if any, arrives
  local got
  got=$(log_ids "$mark")
  [ "$got" = "$want" ] || { tail -n +"$mark" "$WORK/kab.log" >&2; fail "$name: warn/error lines '$got', expected '$want'"; }
  ok
}

# still_pruned: the kabupaten holds the report without its body, shows it
# as "isi belum diterima" everywhere, and makes no step on it.
still_pruned() {
  expect_eq "list --json: body_missing" true \
    "$(s list --data "$WORK/kab" --json | jq -r --arg id "$R" '.[] | select(.id == $id) | .body_missing')"
  s list --data "$WORK/kab" >"$WORK/list.txt"
  expect_grep "list: the report's line" "^${R:0:12} .*aspirasi .*$MISSING" "$WORK/list.txt"
  expect_status "show" 0 s show --data "$WORK/kab" "$R"
  expect_grep "show: the body line" "^body: +$MISSING" "$WORK/out"
  expect_eq "report show: title" "$MISSING" "$(jqr kab .title "$R")"
  expect_eq "report show: text" "$MISSING" "$(jqr kab .text "$R")"
  expect_eq "report show: body_missing" true "$(jqr kab .body_missing "$R")"
  expect_eq "report show: no step" "[]" "$(jqr kab '.allowed_steps | tojson' "$R")"
  expect_eq "report show: state" diajukan "$(jqr kab .state "$R")"
  expect_status "no verification of what was not read" 1 \
    s report verify --data "$WORK/kab" "$R" --method telepon --result valid
  expect_grep "refused with KIM-STEP" "KIM-STEP" "$WORK/err"
  api kab GET "/api/items/$R"
  expect_api "GET /api/items/ID" 200
  expect_eq "API: body_missing" true "$(body_jq .body_missing)"
  expect_eq "API: title" "$MISSING" "$(body_jq .title)"
  api kab GET "/api/items?kind=aspirasi"
  expect_api "GET /api/items" 200
  expect_eq "API list: the report, body missing" "true $MISSING" \
    "$(jq -r --arg id "$R" '.items[] | select(.id == $id) | "\(.body_missing) \(.title)"' "$WORK/body")"
  expect_status "verify kab" 0 s verify --data "$WORK/kab"
}

# ---- the network, and the desa's report ---------------------------------------
make_root kab $KAB
make_node kec $KEC kab
make_node desa $DESA kab
http_on kab
start kab 127.0.0.1:0
http_wait kab

s post --data "$WORK/desa" --kind aspirasi --to $TO --title "$TITLE" \
  --body "Warga Kampung Baru tidak bisa ke pasar sejak Senin." \
  --category infrastruktur --json >"$WORK/post.json" 2>"$WORK/post.err" ||
  { cat "$WORK/post.err" >&2; fail "post the report"; }
R=$(jq -r .id "$WORK/post.json")
FEED=$(s list --data "$WORK/desa" --json | jq -r --arg id "$R" '.[] | select(.id == $id) | .feed')
expect_status "export the desa's report feed" 0 \
  s export --data "$WORK/desa" --feed "$FEED" -o "$WORK/report.bundle"
before=$(count_kab)

# ---- relayed pruned: stored, asked for, shown as not yet received --------------
evil pruned-relay -
expect_grep "the kabupaten asked the relay for the body" "<- BODY_WANT \[${FEED:0:16} 1\]" \
  "$WORK/evil-pruned-relay.out"
expect_eq "entries added at the kabupaten" $((before + 1)) "$(count_kab)"
still_pruned

# ---- asked again on the next session; a forged body is refused -----------------
evil forged-body ENTRY-BODY-HASH
expect_eq "nothing lost or added" $((before + 1)) "$(count_kab)"
still_pruned

# ---- the desa links to the kabupaten and gives the body -------------------------
parent desa kab
start desa
wait_until 60 "the kabupaten reads the report" eq "$TITLE" jqr kab .title "$R"
expect_eq "body_missing" false "$(jqr kab .body_missing "$R")"
expect_eq "category" infrastruktur "$(jqr kab .category "$R")"
expect_eq "list --json: body_missing" false \
  "$(s list --data "$WORK/kab" --json | jq -r --arg id "$R" '.[] | select(.id == $id) | .body_missing')"
api kab GET "/api/items/$R"
expect_api "GET /api/items/ID" 200
expect_eq "API: title" "$TITLE" "$(body_jq .title)"
expect_eq "API: body_missing" false "$(body_jq .body_missing)"
# The stored bytes are the desa's, exactly as signed.
expect_eq "the envelope at the kabupaten is the desa's" \
  "$(s show --data "$WORK/desa" "$R" --json | jq -c .body)" \
  "$(s show --data "$WORK/kab" "$R" --json | jq -c .body)"
expect_eq "warn/error lines since the forged body" ENTRY-BODY-HASH "$(log_ids "$mark")"

# ---- handled to completion -----------------------------------------------------
expect_status "verify" 0 s report verify --data "$WORK/kab" "$R" \
  --method "kunjungan lapangan" --result valid --verifier "Siti Aminah"
expect_status "follow-up" 0 s report follow-up --data "$WORK/kab" "$R"
expect_status "done" 0 s report done --data "$WORK/kab" "$R"
wait_until 30 "the desa sees selesai" eq selesai jqr desa .state "$R"
expect_status "the desa confirms" 0 s report confirm --data "$WORK/desa" "$R"
wait_until 30 "the kabupaten sees ditutup" eq ditutup jqr kab .state "$R"
expect_eq "marks" "valid valid valid valid valid" \
  "$(jqr kab '[.timeline[].mark] | join(" ")' "$R")"

# ---- the body goes on whole; nothing is wanted any more --------------------------
evil sends-bodies -

for n in kab desa kec; do
  expect_status "verify $n" 0 s verify --data "$WORK/$n"
done
for n in desa kab; do stop $n; done
echo "test_bodies: $checks checks passed"
