#!/usr/bin/env bash
# The HTTP API on real daemons (docs/API.md): desa -> kecamatan ->
# kabupaten, each with its API on an ephemeral loopback port, driven with
# curl as an operator's program would.
#   - the desa submits an aspirasi through POST /api/items; the kabupaten
#     sees it through GET, is refused a follow-up before verification
#     (409 KIM-STEP), verifies, forwards and answers through POST; the desa
#     sees the state and the answer through GET; the relay cannot read the
#     sealed reporter;
#   - writes need the node's token (401 HTTP-TOKEN without it, with a wrong
#     one, with another node's, with a rotated one), reads on loopback not;
#   - bad requests get their status and stable id, one log line each;
#   - /metrics parses as Prometheus text and agrees with simpul status.
# Usage: test_http.sh SIMPUL
SIMPUL=$1
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
make_node desa 36.04.12.2002 kec
for n in kab kec desa; do http_on $n; done
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
parent desa kec
start desa
for n in kab kec desa; do http_wait $n; done

# ---- reads are open on loopback, writes need the token --------------------
api desa GET /api/node "" -
expect_api "node without a token" 200
expect_eq "node region" 36.04.12.2002 "$(body_jq .region)"
expect_eq "node level" desa "$(body_jq .level)"

informasi='{"kind":"informasi","to":"tree:36.04.12.2002","title":"Kerja bakti","text":"Minggu pagi."}'
api desa POST /api/items "$informasi" -
expect_api "post without a token" 401 HTTP-TOKEN
api desa POST /api/items "$informasi" "$(printf '%064d' 7)"
expect_api "post with a wrong token" 401 HTTP-TOKEN
api desa POST /api/items "$informasi" "${TOK[kab]}"
expect_api "post with another node's token" 401 HTTP-TOKEN
old=${TOK[desa]}
TOK[desa]=$("$SIMPUL" token rotate --data "$WORK/desa")
[ "$old" != "${TOK[desa]}" ] || fail "token rotate kept the token"
api desa POST /api/items "$informasi" "$old"
expect_api "post with the token before rotation" 401 HTTP-TOKEN
api desa POST /api/items "$informasi"
expect_api "post with the rotated token" 201
expect_eq "informasi id" 64 "$(body_jq .id | tr -d '\n' | wc -c)"

# ---- the aspirasi, up and back ----------------------------------------------
aspirasi='{"kind":"aspirasi","handler":"36.04","title":"Jalan rusak di RT 02",
  "text":"Jalan desa berlubang sejak banjir.","category":"infrastruktur",
  "tags":["jalan","banjir"],"location":{"place":"RT 02 RW 01"},
  "reporter":{"name":"Siti Aminah","contact":"0812-0000-0000"}}'
# The reporter is sealed to the kabupaten's key: the desa needs the
# kabupaten's certificate, which arrives with the first sync.
posted() {
  api desa POST /api/items "$aspirasi"
  [ "$CODE" = 201 ] && return 0
  [ "$CODE" = 500 ] && { cat "$WORK/body" >&2; fail "aspirasi: HTTP 500"; }
  return 1
}
wait_until 60 "the desa posts its aspirasi" posted
id=$(body_jq .id)

held() { api "$1" GET "/api/items/$id"; [ "$CODE" = 200 ]; }
wait_until 60 "the aspirasi at the kabupaten" held kab
expect_eq "state at the kabupaten" diajukan "$(body_jq .state)"
expect_eq "kind at the kabupaten" aspirasi "$(body_jq .kind)"
expect_eq "reporter read by the handler" "Siti Aminah" "$(body_jq .reporter.name)"
api kab GET "/api/items?kind=aspirasi&status=diajukan"
expect_api "list at the kabupaten" 200
expect_eq "listed as diajukan" 1 "$(body_jq "[.items[] | select(.id == \"$id\")] | length")"

wait_until 30 "the aspirasi at the kecamatan" held kec
expect_eq "the relay sees the reporter sealed" "[disegel]" "$(body_jq .reporter)"

api kab POST "/api/reports/$id/steps" '{"step":"ditindaklanjuti"}'
expect_api "follow-up before verification" 409 KIM-STEP
api kab POST "/api/reports/$id/steps" \
  '{"step":"diverifikasi","method":"survei lapangan","result":"valid","verifier":"Budi"}'
expect_api "verify" 201
api kab POST "/api/reports/$id/steps" '{"step":"diteruskan","agency":"Dinas PUPR"}'
expect_api "forward" 201
api kab POST "/api/reports/$id/responses" '{"text":"Perbaikan dijadwalkan pekan depan."}'
expect_api "answer" 201
api kab GET "/api/items/$id"
expect_eq "state at the kabupaten after the steps" diteruskan "$(body_jq .state)"

answered() {
  api desa GET "/api/items/$id"
  [ "$CODE" = 200 ] && [ "$(body_jq .state)" = diteruskan ] &&
    [ "$(body_jq '[.timeline[] | select(.kind == "tanggapan")][0].text')" = \
      "Perbaikan dijadwalkan pekan depan." ]
}
wait_until 60 "the desa sees the state and the answer" answered
expect_eq "the desa sees the verification result" valid "$(body_jq .result)"
api desa GET "/api/items?kind=aspirasi&status=diteruskan"
expect_eq "the desa lists it as diteruskan" 1 \
  "$(body_jq "[.items[] | select(.id == \"$id\")] | length")"

# ---- announcements down -----------------------------------------------------
api kab POST /api/items \
  '{"kind":"peringatan","to":"tree:36.04","title":"Siaga banjir","text":"Sungai Ciujung naik.","level":"siaga"}'
expect_api "warning from the kabupaten" 201
warn_id=$(body_jq .id)
warned() { api desa GET "/api/items/$warn_id"; [ "$CODE" = 200 ]; }
wait_until 60 "the desa holds the warning" warned
expect_eq "warning level at the desa" siaga "$(body_jq .level)"
# A kind filter applies before the page limit: newer informasi do not
# leave a page of peringatan short.
api desa POST /api/items \
  '{"kind":"informasi","to":"tree:36.04.12.2002","title":"Rapat RT","text":"Jumat malam."}'
expect_api "an informasi newer than the warning" 201
api desa GET "/api/items?kind=peringatan&limit=1"
expect_api "one peringatan" 200
expect_eq "the page holds the warning" "$warn_id" "$(body_jq '.items[0].id')"
expect_eq "and nothing follows" null "$(body_jq .next)"

# ---- bad requests: status, stable id, one log line each ---------------------
before=$(refusals desa)
api desa POST /api/items '{"kind":'
expect_api "broken JSON" 400 HTTP-BAD-JSON
api desa POST /api/items '{"kind":"aspirasi","handler":"36.04","title":"x","text":"y","colour":"red"}'
expect_api "unknown field" 400 HTTP-UNKNOWN-FIELD
api desa POST /api/items '{"kind":"aspirasi","handler":"36.04","title":7,"text":"y"}'
expect_api "wrong type" 400 HTTP-BAD-TYPE
api desa POST /api/items '{"kind":"aspirasi","handler":"36.04","title":"","text":"y"}'
expect_api "empty title" 400 KIM-BODY
api desa POST /api/items '{"title":"x"}'
expect_api "no kind" 400 HTTP-MISSING-FIELD
api desa GET "/api/items/$(printf '%064d' 0)"
expect_api "no such item" 404 KIM-NOT-FOUND
api desa GET /api/nothing
expect_api "no such path" 404 HTTP-NOT-FOUND
api desa DELETE /api/items
expect_api "method" 405 HTTP-METHOD
api desa GET "/api/items?colour=red"
expect_api "unknown query parameter" 400 HTTP-UNKNOWN-FIELD
api desa GET "/api/items?limit=many"
expect_api "bad limit" 400 HTTP-BAD-VALUE
head -c 70000 /dev/zero | tr '\0' ' ' >"$WORK/big"
CODE=$(curl -s -m 30 -o "$WORK/body" -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' -H "Authorization: Bearer ${TOK[desa]}" \
  --data-binary @"$WORK/big" "http://127.0.0.1:${HP[desa]}/api/items")
expect_api "body over 64 KiB" 413 HTTP-TOO-BIG
CODE=$(curl -s -m 30 -o "$WORK/body" -w '%{http_code}' -X POST \
  -H 'Content-Type: text/plain' -H "Authorization: Bearer ${TOK[desa]}" \
  --data-binary '{}' "http://127.0.0.1:${HP[desa]}/api/items")
expect_api "not JSON" 415 HTTP-MEDIA-TYPE
CODE=$(curl -s -m 30 -o "$WORK/body" -w '%{http_code}' -X POST \
  -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' \
  -H "Authorization: Bearer ${TOK[desa]}" --data-binary '{}' \
  "http://127.0.0.1:${HP[desa]}/api/items")
expect_api "no Content-Length" 411 HTTP-LENGTH-REQUIRED
CODE=$(curl -s -m 30 -o "$WORK/body" -w '%{http_code}' -H 'Host: evil.example' \
  "http://127.0.0.1:${HP[desa]}/api/node")
expect_api "a foreign Host" 421 HTTP-HOST
expect_eq "one log line per refused request" 14 $(($(refusals desa) - before))
grep -q "HTTP-TOO-BIG http 127.0.0.1:[0-9]* POST /api/items: 413" "$WORK/desa.log" ||
  fail "no HTTP-TOO-BIG line"
ok

# ---- /metrics -----------------------------------------------------------------
# metrics_match NAME: /metrics and simpul status --json read at the same
# moment agree (retried: the daemon records its peers every 2 s).
metrics_match() {
  local name=$1
  curl -s -m 30 "http://127.0.0.1:${HP[$name]}/metrics" >"$WORK/metrics" || return 1
  "$SIMPUL" status --data "$WORK/$name" --json >"$WORK/status" || return 1
  python3 "$here/check_metrics.py" "$WORK/metrics" "$WORK/status" >"$WORK/why" 2>&1
}
for n in kab kec desa; do
  wait_until 30 "$n: /metrics agrees with simpul status" metrics_match $n
done
val() { awk -v k="$1" '$1 == k { print $2 }' "$WORK/metrics"; }
metrics_match kab || true
expect_eq "kabupaten: reports diteruskan" 1 "$(val 'simpul_reports{status="diteruskan"}')"
expect_eq "kabupaten: reports diajukan" 0 "$(val 'simpul_reports{status="diajukan"}')"
metrics_match kec || true
expect_eq "kecamatan: open links" 2 "$(val 'simpul_links{state="open"}')"
expect_eq "kecamatan: daemon up" 1 "$(val simpul_daemon_up)"

# ---- revisions of the warning (KIM.md §2.5, §6 rule 5) ----------------------
api kab GET "/api/items/$warn_id"
expect_eq "no revision yet" "0 null" "$(body_jq '"\(.revisions | length) \(.revision)"')"
api desa POST "/api/items/$warn_id/revisions" '{"title":"Siaga","text":"x","reason":"y"}'
expect_api "a desa proposes no revision" 403 KIM-ROLE
api kab POST "/api/items/$warn_id/revisions" '{"title":"Siaga banjir Ciujung","text":"Sungai Ciujung naik 2 m.","reason":"tinggi air"}'
expect_api "the kabupaten proposes a revision" 201
rev1=$(body_jq .id)
api kab POST "/api/items/$warn_id/revisions" '{"title":"Awas banjir","text":"Sungai naik.","reason":"salah"}'
expect_api "and a second one" 201
rev2=$(body_jq .id)
api kab GET "/api/items/$warn_id"
expect_eq "both proposed, none counts" "diusulkan diusulkan false false null" \
  "$(body_jq '"\([.revisions[].state] | join(" ")) \([.revisions[].counts] | map(tostring) | join(" ")) \(.revision)"')"
expect_eq "oldest first, with who and what" "$rev1 36.04 Siaga banjir Ciujung tinggi air" \
  "$(body_jq '.revisions[0] | "\(.id) \(.editor_region) \(.title) \(.reason)"')"
api kab POST "/api/revisions/$rev2/decision" '{"decision":"ditolak","reason":"tidak tepat"}'
expect_api "the author declines the second" 201
api kab POST "/api/revisions/$rev1/decision" '{"decision":"diterima"}'
expect_api "and accepts the first" 201
revised() {
  api "$1" GET "/api/items/$warn_id"
  [ "$(body_jq '"\([.revisions[].state] | join(" ")) \(.revision.title)"')" = "diterima ditolak Siaga banjir Ciujung" ]
}
for n in kab desa; do
  wait_until 60 "$n: the revision accepted, the other declined" revised $n
  expect_eq "$n: the accepted one counts, with its decision" "true false tidak tepat" \
    "$(body_jq '"\(.revisions[0].counts) \(.revisions[1].counts) \(.revisions[1].decision_reason)"')"
  expect_eq "$n: the original stays" "Siaga banjir" "$(body_jq .title)"
done

for n in kab kec desa; do
  expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"
done
for n in desa kec kab; do stop $n; done
for n in kab kec desa; do
  expect_grep "$n: the API stopped with the node" "HTTP-STOP" "$WORK/$n.log"
done
sanitizers_clean
echo "http: $checks checks passed"
