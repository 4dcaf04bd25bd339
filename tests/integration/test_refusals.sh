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

. "$(dirname "$0")/evillib.sh"

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

evil_summary refusals
