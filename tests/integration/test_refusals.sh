#!/usr/bin/env bash
# Refused with the right error, the daemon still serving its other links.
# A kabupaten daemon and one honest kecamatan child linked to it; evil_peer
# dials the kabupaten as other members (and as strangers) and breaks one
# rule per scenario. After each scenario:
#   - the kabupaten logged exactly one warn/error line, with the refusal's
#     stable id as its event id (none for a scenario that is not refused);
#   - it is still running, its link to the child was never dropped, and a
#     new entry posted at the kabupaten still reaches the child;
#   - the valid entries sent before the bad one are stored (and flow on to
#     the child when it is entitled), nothing of the bad ones is;
#   - simpul verify passes on the kabupaten.
# Every check runs even after one failed; the failures are listed at the
# end and make the test fail.
# Usage: test_refusals.sh SIMPUL EVIL_PEER
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
EVIL=$2
. "$(dirname "$0")/netlib.sh"

KAB=36.04
KA=36.04.12        # the honest kecamatan (Pontang)
KB=36.04.05        # the evil members' kecamatan (Kramatwatu)
B1=36.04.05.2001   # a desa in it, for the authoring rule

FAILED=()
scenario=setup
bad() {
  echo "FAIL [$scenario]: $*" >&2
  FAILED+=("$scenario: $*")
}
# Soft checks: a failure is recorded and the test goes on (status 0).
check_eq() { # WHAT EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}
check_wait() { # SECONDS WHAT CMD...
  local secs=$1 what=$2; shift 2
  local end=$((SECONDS + secs))
  while [ $SECONDS -lt $end ]; do
    "$@" && { ok; return 0; }
    sleep 0.2
  done
  bad "timed out after ${secs}s: $what"
}

key_of() { # NODE: its node key (64 hex digits)
  "$SIMPUL" network show --data "$WORK/$1" --json | jq -r .certificate.node_key
}
titles() { # NODE KEY: titles of the entries by KEY at NODE, sorted, |-joined
  "$SIMPUL" list --data "$WORK/$1" --json 2>/dev/null |
    jq -r --arg a "$2" '[.[] | select(.author == $a) | .body.title] | sort | join("|")'
}
frozen() { # NODE KEY: the frozen flags of KEY's feeds at NODE
  "$SIMPUL" feeds --data "$WORK/$1" --json |
    jq -r --arg a "$2" '[.[] | select(.author == $a) | .frozen] | map(tostring) | join(",")'
}
forks() { "$SIMPUL" status --data "$WORK/$1" --json | jq .store.forks; }
# The event ids of the kabupaten's warn and error lines from line $1 on.
log_ids() {
  tail -n +"$1" "$WORK/kab.log" | awk '$2 == "warn" || $2 == "error" { print $3 }' |
    paste -sd' ' -
}
log_has() { tail -n +"$1" "$WORK/kab.log" | awk -v id="$2" '$3 == id' | grep -q .; }
ka_link_opens() { grep -c "LINK-OPEN .* peer $KA_SHORT " "$WORK/kab.log" || true; }
ka_state() {
  "$SIMPUL" peers --data "$WORK/kab" --json |
    jq -r --arg k "$KA_KEY" '.[] | select(.key == $k) | .state'
}

# ---- the network ---------------------------------------------------------------
make_root kab $KAB
make_node ka $KA kab --issuer
for n in honest forged chain fork big junk stranger rv; do
  make_node "ev_$n" $KB kab
done
make_node desa $B1 kab
KA_KEY=$(key_of ka)
KA_SHORT=${KA_KEY:0:16}

start kab 127.0.0.1:0
parent ka kab
start ka
links_up() { [ "$(ka_state)" = connected ]; }
wait_until 30 "the honest child's link is up" links_up
probes=0

# Lines since $1 that are not "<UTC time> <level> <ID> <message>".
log_malformed() {
  tail -n +"$1" "$WORK/kab.log" |
    grep -cvE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z (error|warn|info|debug) [A-Z0-9-]+ ' || true
}

# run_scenario NAME NODE ID [evil_peer args]: runs evil_peer as NODE and
# checks the log and the kabupaten's service. ID is the one stable id the
# kabupaten must log as its only warn/error line, - for none, or +ID for
# "at least this one" (where SYNC.md does not say more). Sets $mark (the
# scenario's first log line), $key (NODE's key) and $total (entries at the
# kabupaten before).
run_scenario() {
  local name=$1 node=$2 id=$3; shift 3
  scenario=$name
  key=$(key_of "$node")
  total=$(count kab)
  mark=$(($(wc -l <"$WORK/kab.log") + 1))
  if "$EVIL" --connect "127.0.0.1:${PORT[kab]}" --data "$WORK/$node" \
    --scenario "$name" --timeout-ms 8000 --verbose "$@" >"$WORK/evil-$name.out" 2>&1; then
    ok
  else
    cat "$WORK/evil-$name.out" >&2
    bad "$(grep -v '^result:' "$WORK/evil-$name.out" | tail -n 1)"
  fi
  local want=${id#+}
  [ "$id" = - ] && want=""
  [ -z "$want" ] || check_wait 5 "a $want line in the kabupaten's log" log_has "$mark" "$want"
  sleep 0.5 # let a second line, if any, arrive
  local got
  got=$(log_ids "$mark")
  if [ "${id:0:1}" = + ]; then
    case " $got " in *" $want "*) ok ;; *) bad "no $want among the warn/error lines '$got'" ;; esac
  else
    check_eq "warn/error lines logged" "$want" "$got"
  fi
  check_eq "log lines not in the log format" 0 "$(log_malformed "$mark")"
  if [ "$got" != "$want" ] || [ "$(log_malformed "$mark")" != 0 ]; then
    tail -n +"$mark" "$WORK/kab.log" >&2
  fi
}

# still_serving: the kabupaten runs, kept its link to the child, pushes a
# new entry to it, and its store verifies.
still_serving() {
  if kill -0 "${PID[kab]}" 2>/dev/null; then ok; else bad "the kabupaten died"; fi
  check_eq "the kabupaten's daemon is running" true \
    "$("$SIMPUL" status --data "$WORK/kab" --json | jq .daemon.running)"
  check_eq "link to the child opened once, never dropped" 1 "$(ka_link_opens)"
  check_eq "the child's link state at the kabupaten" connected "$(ka_state)"
  probes=$((probes + 1))
  "$SIMPUL" post --data "$WORK/kab" --kind informasi --to tree:$KAB \
    --title "probe $probes" --body "after $scenario" >/dev/null || bad "post probe $probes"
  check_wait 15 "probe $probes reaches the child" eq 1 has "probe $probes" ka
  if "$SIMPUL" verify --data "$WORK/kab" >"$WORK/verify.out" 2>&1; then
    ok
  else
    cat "$WORK/verify.out" >&2
    bad "simpul verify fails on the kabupaten"
  fi
}

# stored TITLES AT_CHILD [ADDED]: the scenario's author's entries at the
# kabupaten are exactly TITLES and the total grew by ADDED (default: as
# many); at the child, exactly AT_CHILD once it caught up.
stored() {
  local want=$1 child=$2 n=0
  [ -n "$want" ] && n=$(echo "$want" | tr '|' '\n' | wc -l)
  n=${3:-$n}
  check_eq "entries stored at the kabupaten" "$want" "$(titles kab "$key")"
  check_eq "entries added at the kabupaten" "$n" "$(($(count kab) - total))"
  check_wait 15 "the child holds exactly: '$child'" eq "$child" titles ka "$key"
}

# ---- the tool itself: an honest session --------------------------------------
run_scenario honest ev_honest -
stored "honest: valid 1|honest: valid 2" "honest: valid 1|honest: valid 2"
still_serving

# ---- a bad signature after valid entries -------------------------------------
run_scenario forged ev_forged ENTRY-BAD-SIG
stored "forged: valid 1|forged: valid 2|forged: valid 3" \
  "forged: valid 1|forged: valid 2|forged: valid 3"
check_eq "feed not frozen" false "$(frozen kab "$key")"
still_serving

# ---- a run past the head (HEAD), then a continuation of another history -------
# On the link, prev is derived from what the receiver holds (SYNC.md §5),
# so a seq 2 signed on another seq 1 fails its signature check first.
run_scenario broken-chain ev_chain ENTRY-BAD-SIG --bundle "$WORK/chain.bundle"
stored "broken-chain: valid 1" "broken-chain: valid 1"
check_eq "feed not frozen by the link" false "$(frozen kab "$key")"
still_serving
# The same seq 2 as a full envelope, prev explicit (SPEC.md §5.1 rule 5).
scenario=broken-chain-bundle
forks_before=$(forks kab)
st=0
"$SIMPUL" import --data "$WORK/kab" --json "$WORK/chain.bundle" >"$WORK/import.json" 2>"$WORK/import.err" || st=$?
check_eq "import exit status" 1 "$st"
check_eq "import refusal" FEED-FORK "$(jq -r .first_error "$WORK/import.json" 2>/dev/null)"
check_eq "feed frozen by the proof" true "$(frozen kab "$key")"
check_eq "fork proofs" $((forks_before + 1)) "$(forks kab)"
check_eq "entries at the kabupaten" "broken-chain: valid 1" "$(titles kab "$key")"
still_serving

# ---- two entries for one seq: proof stored, feed frozen, link kept -------------
forks_before=$(forks kab)
run_scenario fork ev_fork FEED-FORK
stored "fork: valid 1" "fork: valid 1"
check_eq "feed frozen" true "$(frozen kab "$key")"
check_eq "fork proofs" $((forks_before + 1)) "$(forks kab)"
still_serving

# ---- a desa writing to the whole kabupaten ------------------------------------
run_scenario wrong-audience desa ENTRY-AUTHOR-RULE
stored "wrong-audience: valid 1" "" # tree:36.04.05: not the child's
still_serving

# ---- transport: frames too big, frames that do not decrypt ---------------------
run_scenario oversized ev_big FRAME-TOO-BIG
stored "" ""
still_serving
run_scenario garbage ev_junk FRAME-DECRYPT
stored "" ""
still_serving

# ---- handshake: random bytes, another network ---------------------------------
run_scenario garbage-hs ev_stranger HANDSHAKE-FAILED
check_eq "entries added at the kabupaten" 0 "$(($(count kab) - total))"
still_serving
run_scenario other-network ev_stranger HANDSHAKE-FAILED
check_eq "entries added at the kabupaten" 0 "$(($(count kab) - total))"
still_serving

# ---- membership: no certificate, a revoked node --------------------------------
run_scenario unenrolled ev_stranger CERT-INVALID
check_eq "entries added at the kabupaten" 0 "$(($(count kab) - total))"
still_serving
run_scenario unenrolled-garbage ev_stranger CERT-INVALID
check_eq "entries added at the kabupaten" 0 "$(($(count kab) - total))"
still_serving

# ---- an ERROR whose id is not a stable id: refused, the log stays clean -------
run_scenario error-inject ev_stranger PROTO-VIOLATION
check_eq "forged log lines (id FAKE)" 0 "$(awk '$3 == "FAKE"' "$WORK/kab.log" | wc -l)"
grep -B1 ' FAKE ' "$WORK/kab.log" >&2 || true
still_serving

scenario=revoked-setup
"$EVIL" --connect "127.0.0.1:${PORT[kab]}" --data "$WORK/ev_rv" --scenario honest \
  >"$WORK/evil-rv.out" 2>&1 || true
check_wait 10 "the node to revoke has its entries at the kabupaten" \
  eq "honest: valid 1|honest: valid 2" titles kab "$(key_of ev_rv)"
"$SIMPUL" revoke --data "$WORK/kab" "$(key_of ev_rv)" --reason "perangkat hilang" \
  >/dev/null || bad "simpul revoke"
run_scenario revoked ev_rv NODE-REVOKED
stored "honest: valid 1|honest: valid 2" "honest: valid 1|honest: valid 2" 0
still_serving

# Last, as a daemon built with UBSan would stop on it: an empty ERROR id.
run_scenario error-empty ev_stranger PROTO-VIOLATION
still_serving

if [ ${#FAILED[@]} -gt 0 ]; then
  echo "refusals: ${#FAILED[@]} checks failed, $checks passed:" >&2
  printf '  %s\n' "${FAILED[@]}" >&2
  exit 1
fi
echo "refusals: $checks checks passed"
