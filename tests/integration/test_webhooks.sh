#!/usr/bin/env bash
# simpul webhooks (docs/WEBHOOKS.md) on real daemons and a real receiver
# (tests/tools/webhook_receiver.py, which checks every signature with
# Python's hmac module). A desa's two reports reach the kabupaten by sync;
# the kabupaten verifies one, answers it, and posts a peringatan and an
# informasi (not subscribed). The receiver answers 500, then hangs past
# the sender's timeout, the deliverer is killed with -9 in the middle of
# its retries and restarted, then the receiver recovers: it has every
# event exactly once by webhook-id, every signature verified, nothing
# personal; the sender's delivery log lists each event once, in outbox
# order. A second endpoint with the wrong secret is refused (401) and
# holds nothing back; a third with personal = true gets the reports
# with their reporters. A later event goes out live; --once with nothing
# left delivers nothing.
# Usage: test_webhooks.sh SIMPUL RECEIVER
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
RECEIVER=$2
. "$(dirname "$0")/netlib.sh"

KAB=36.04
DESA=36.04.12.2002
TO=path:$DESA:$KAB
s() { "$SIMPUL" "$@"; }

make_root kab $KAB
make_node desa $DESA kab

# The receiver, failing to begin with.
expect_status "a new secret" 0 s webhooks --new-secret "$WORK/kab/hub.secret"
expect_eq "secret file mode" 600 "$(stat -c %a "$WORK/kab/hub.secret")"
expect_status "a second secret refuses to overwrite" 1 \
  s webhooks --new-secret "$WORK/kab/hub.secret"
s webhooks --new-secret "$WORK/other.secret" >/dev/null
echo fail >"$WORK/mode"
python3 "$RECEIVER" "$WORK/kab/hub.secret" "$WORK/mode" "$WORK/recv.jsonl" \
  "$WORK/recv.port" 2>"$WORK/recv.err" &
PIDS+=($!)
wait_until 10 "the receiver listens" test -s "$WORK/recv.port"
RPORT=$(cat "$WORK/recv.port")

hook() { set_key kab "webhook $1" "$2" "$3"; }
hook hub url "http://127.0.0.1:$RPORT/hub"
hook hub secret_file hub.secret
hook hub events "report, step, tanggapan, peringatan"
hook hub timeout_ms 1000
hook hub backoff_min_ms 100
hook hub backoff_max_ms 400
# The same receiver, signed with another secret: refused (401) forever.
hook bad url "http://127.0.0.1:$RPORT/bad"
hook bad secret_file "$WORK/other.secret"
hook bad events "peringatan"
hook bad backoff_min_ms 100
hook bad backoff_max_ms 200
# Reports with their personal data, to the same receiver.
hook full url "http://127.0.0.1:$RPORT/full"
hook full secret_file hub.secret
hook full events report
hook full personal true
hook full backoff_min_ms 100
hook full backoff_max_ms 400

start kab 127.0.0.1:0
parent desa kab; start desa
wait_until 30 "the desa links up" grep -q 'LINK-OPEN .* to parent' "$WORK/desa.log"

start_hook() { # [LOG]
  "$SIMPUL" webhooks --data "$WORK/kab" --poll-ms 50 >>"$WORK/${1:-hook}.log" 2>&1 &
  PID[hook]=$!
  PIDS+=($!)
}
start_hook

post_report() { # FILE args...: on success the new id goes to FILE
  local file=$1; shift
  s post --data "$WORK/desa" "$@" --json >"$WORK/post.json" 2>"$WORK/post.err" &&
    jq -r .id "$WORK/post.json" >"$file"
}
wait_until 30 "the desa can seal to the kabupaten" post_report "$WORK/r1" \
  --kind aspirasi --to $TO --title "Jalan rusak di RT 03" --body "Lubang besar." \
  --reporter "Budi Santoso" --contact "0812-1111-2222"
R1=$(cat "$WORK/r1")
post_report "$WORK/r2" --kind pengaduan --to $TO --title "Pungli" \
  --body "Rp50.000." --reporter "Ani" || fail "post the pengaduan"
R2=$(cat "$WORK/r2")
nreports() { s reports --data "$WORK/kab" --json | jq '.reports | length'; }
wait_until 30 "the kabupaten holds both reports (by sync)" eq 2 nreports
expect_status "verify" 0 s report verify --data "$WORK/kab" $R1 \
  --method telepon --result valid --verifier "Pak Camat" --json
STEP=$(jq -r '[.timeline[] | select(.kind == "status")][-1].id' "$WORK/out")
expect_status "respond" 0 s report respond --data "$WORK/kab" $R1 \
  --text "Dijadwalkan minggu depan." --json
TANGGAPAN=$(jq -r '[.timeline[] | select(.kind == "tanggapan")][-1].id' "$WORK/out")
expect_status "peringatan" 0 s post --data "$WORK/kab" --kind peringatan \
  --to tree:$KAB --title "Banjir" --body "Waspada." --level siaga --json
PER=$(jq -r .id "$WORK/out")
expect_status "informasi" 0 s post --data "$WORK/kab" --kind informasi \
  --to tree:$KAB --title "Posyandu" --body "Jadwal." --json
INFO=$(jq -r .id "$WORK/out")

# 500s, then a hang past the timeout, and a kill -9 in between.
lines() { jq -c "select(.path == \"/hub\" and $1)" "$WORK/recv.jsonl" 2>/dev/null | wc -l; }
at_least() { [ "$("${@:2}")" -ge "$1" ]; }
wait_until 30 "three 500s" at_least 3 lines '.mode == "fail"'
echo "hang 3" >"$WORK/mode"
wait_until 30 "a hung request" at_least 1 lines '.mode == "hang"'
wait_until 30 "the sender times out and retries" grep -q \
  'WEBHOOK-RETRY.*\[webhook hub\].*timed out' "$WORK/hook.log"
wait_until 30 "the circuit opens after 5 failures" grep -q \
  'WEBHOOK-CIRCUIT-OPEN.*\[webhook hub\]' "$WORK/hook.log"
kill9 hook
echo ok >"$WORK/mode"
start_hook

delivered() { grep -vc '^#' "$WORK/kab/webhooks/hub.log" || true; }
wait_until 60 "five events delivered" eq 5 delivered

# The receiver: every event once by id, signed, nothing personal.
expect_eq "bad signatures at /hub" 0 "$(lines '.sig_ok == false')"
uniq_ids() { jq -r "select(.path == \"/hub\" and .status == 200) | .id" "$WORK/recv.jsonl" | sort -u; }
expect_eq "events the receiver took" 5 "$(uniq_ids | wc -l)"
expect_eq "duplicates the receiver told by id (the hung one)" 1 \
  "$(at_least 1 lines '.first == false' && echo 1)"
got() { jq -r "select(.path == \"/hub\" and .first == true) | \"\(.type) \(.entry)\"" "$WORK/recv.jsonl" | sort; }
want=$(printf '%s\n' "report.created $R1" "report.created $R2" \
  "report.step $STEP" "report.tanggapan $TANGGAPAN" "peringatan $PER" | sort)
expect_eq "the events, each once" "$want" "$(got)"
expect_eq "the informasi is not subscribed" 0 "$(grep -c "$INFO" "$WORK/recv.jsonl" || true)"
expect_eq "redacted: no reporter" 0 \
  "$(jq -c 'select(.path == "/hub")' "$WORK/recv.jsonl" | grep -c 'Budi\|0812' || true)"
expect_eq "reports say redacted" 4 "$(lines '.first == true and .redacted == true')"
expect_eq "a step carries its report" "$R1" \
  "$(jq -r "select(.first == true and .type == \"report.step\") | .data_id" "$WORK/recv.jsonl")"

# The sender's log: each delivery id once, the receiver's ids, in order.
log_ids() { grep -v '^#' "$WORK/kab/webhooks/hub.log" | cut -d' ' -f2 | sort; }
expect_eq "delivery ids logged once each" 5 "$(log_ids | uniq | wc -l)"
expect_eq "the receiver's ids are the logged ones" "$(uniq_ids)" "$(log_ids)"
expect_eq "every id on the wire is one of them" "" \
  "$(jq -r 'select(.path == "/hub") | .id' "$WORK/recv.jsonl" | sort -u | comm -23 - <(log_ids))"
seqs=$(grep -v '^#' "$WORK/kab/webhooks/hub.log" | cut -d' ' -f1 | tr '\n' ' ')
expect_eq "delivered in outbox order" "$(echo "$seqs" | tr ' ' '\n' | grep . | sort -n | tr '\n' ' ')" "$seqs"

# The wrong secret: refused by the receiver, never logged delivered,
# and it held nothing back at /hub.
wait_until 10 "the bad endpoint is refused" at_least 1 \
  sh -c "jq -c 'select(.path == \"/bad\" and .status == 401)' $WORK/recv.jsonl | wc -l"
expect_eq "bad endpoint delivered nothing" 0 \
  "$(grep -vc '^#' "$WORK/kab/webhooks/bad.log" || true)"

# personal = true: the reports with their reporters (the kabupaten
# opens them), nothing else.
full() { jq -r "select(.path == \"/full\" and .first == true) | $1" "$WORK/recv.jsonl" | sort; }
wait_until 20 "the full endpoint's reports" eq 2 sh -c "grep -vc '^#' $WORK/kab/webhooks/full.log"
expect_eq "full: the two reports" "$(printf '%s\n' "report.created $R1" "report.created $R2" | sort)" \
  "$(full '"\(.type) \(.entry)"')"
expect_eq "full: the reporters" "$(printf '%s\n' Ani "Budi Santoso" | sort)" "$(full '.reporter.name')"
expect_eq "full: not redacted" "false" "$(full '.redacted' | sort -u)"

# --status: hub has nothing waiting, bad its one peringatan.
expect_status "--status" 0 s webhooks --data "$WORK/kab" --status
expect_grep "hub's status" 'delivered through outbox seq [0-9]+ of [0-9]+; 0 waiting; last delivery 20' "$WORK/out"
expect_eq "bad waits for its peringatan" 1 \
  "$(grep -A2 '^bad ' "$WORK/out" | grep -c '; 1 waiting; last delivery none')"
expect_grep "the deliverer runs" 'deliverer running' "$WORK/out"

# Live: a new step goes out while the deliverer runs.
expect_status "forward" 0 s report forward --data "$WORK/kab" $R1 --agency "Dinas PUPR"
wait_until 20 "the live event" eq 6 delivered
stop hook
expect_grep "the run's summary" 'events delivered' "$WORK/hook.log"

# --once with nothing left for hub: nothing delivered, exit 0.
expect_status "--once with nothing left" 0 s webhooks --data "$WORK/kab" --only hub --once
expect_grep "--once delivered nothing" ' 0 events delivered' "$WORK/err"
expect_eq "still six" 6 "$(delivered)"
# A second deliverer while one runs is refused (the logs are locked).
start_hook hook2
wait_until 10 "the deliverer runs" grep -q WEBHOOK-START "$WORK/hook2.log"
expect_status "a second deliverer" 1 s webhooks --data "$WORK/kab" --once
expect_grep "locked" 'WEBHOOK-LOG' "$WORK/err"
stop hook

echo "webhooks: $checks checks passed"
