#!/usr/bin/env bash
# The HTTP API under a few thousand generated bad requests
# (tests/fuzz/fuzz_http.py: broken JSON, wrong types, unknown fields, huge
# and lying bodies, missing and wrong tokens, bad paths and methods,
# malformed HTTP, slowloris-style partial requests) against a real
# kabupaten daemon linked to a desa. Afterwards:
#   - every reply was a well-formed refusal (no 5xx, no hang) and reads
#     were answered throughout, also while partial requests were open;
#   - the daemon is still up and still syncing both ways;
#   - nothing committed was lost and nothing else was stored: the entries
#     are those from before plus exactly the items the fuzz created, and
#     every one of them is held;
#   - one log line per refused request.
# Usage: test_http_fuzz.sh SIMPUL [REQUESTS]
SIMPUL=$1
REQUESTS=${2:-3000}
here=$(dirname "$0")
. "$here/lib.sh"
. "$here/netlib.sh"
. "$here/httplib.sh"

make_root kab 36.04
make_node desa 36.04.12.2002 kab
http_on kab
start kab 127.0.0.1:0
parent desa kab
start desa
http_wait kab

entries() { "$SIMPUL" status --data "$WORK/$1" --json | jq .store.entries; }
holds() { "$SIMPUL" show --data "$WORK/$2" "$1" >/dev/null 2>&1; }

# Items committed before the fuzz, from both sides.
ids=()
for i in 1 2 3; do
  api kab POST /api/items "{\"kind\":\"informasi\",\"to\":\"tree:36.04\",\"title\":\"Sebelum $i\",\"text\":\"x\"}"
  expect_api "post before the fuzz" 201
  ids+=("$(body_jq .id)")
  "$SIMPUL" post --data "$WORK/desa" --kind informasi --to tree:36.04.12.2002 \
    --title "Dari desa $i" --body x --json >"$WORK/post.json"
  ids+=("$(jq -r .id "$WORK/post.json")")
done
for id in "${ids[@]}"; do
  wait_until 60 "$id at the kabupaten" holds "$id" kab
  wait_until 60 "$id at the desa" holds "$id" desa
done
# Quiet: the desa posts nothing more until the fuzz is over.
before=$(entries kab)
refused_before=$(refusals kab)

python3 "$here/../fuzz/fuzz_http.py" --port "${HP[kab]}" --token "${TOK[kab]}" \
  --requests "$REQUESTS" --seed 7 --report "$WORK/fuzz.json" ||
  fail "the fuzz found problems (above)"
ok

kill -0 "${PID[kab]}" 2>/dev/null || fail "the kabupaten daemon died"
api kab GET /api/node
expect_api "the API still answers" 200
created=$(jq '.created | length' "$WORK/fuzz.json")
expect_eq "entries: before plus what the fuzz created" $((before + created)) "$(entries kab)"
for id in "${ids[@]}" $(jq -r '.created[]' "$WORK/fuzz.json"); do
  holds "$id" kab || fail "entry $id lost at the kabupaten"
done
ok
expect_eq "one log line per JSON refusal" "$(jq .json_refusals "$WORK/fuzz.json")" \
  $(($(refusals kab) - refused_before))
# Fields and paths with newlines in them did not split or forge lines.
expect_eq "malformed log lines" 0 "$(grep -cvE \
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z (error|warn|info|debug) [A-Z0-9-]+ ' \
  "$WORK/kab.log" || true)"
expect_eq "forged log lines (id FAKE)" 0 "$(awk '$3 == "FAKE"' "$WORK/kab.log" | wc -l)"

# Still syncing, both ways.
"$SIMPUL" post --data "$WORK/desa" --kind informasi --to tree:36.04.12.2002 \
  --title "Sesudah" --body x --json >"$WORK/post.json"
id=$(jq -r .id "$WORK/post.json")
wait_until 60 "a post at the desa reaches the kabupaten after the fuzz" holds "$id" kab
api kab POST /api/items '{"kind":"informasi","to":"tree:36.04","title":"Sesudah fuzz","text":"x"}'
expect_api "post after the fuzz" 201
id=$(body_jq .id)
wait_until 60 "a post through the API reaches the desa after the fuzz" holds "$id" desa

for n in kab desa; do
  expect_status "verify $n" 0 "$SIMPUL" verify --data "$WORK/$n"
done
stop desa
stop kab
sanitizers_clean
jq -c '{requests, seconds, status, json_refusals, slowloris_worst_read_s}' "$WORK/fuzz.json"
echo "http_fuzz: $checks checks passed"
