#!/usr/bin/env bash
# Certificate take-over (issue 9, item 1; proto/MEMBERSHIP.md §4.3), with the
# CLI alone and real daemons: a delegated issuer (kecamatan A) certifies the
# key of another kecamatan (B, certified by the root) and the key of B's desa
# (V) for regions of its own subtree, with the longest validity there is
# (100 years). The enrolment requests come from those keys' own machines (a
# copied SD card image, a leaked request line): the issuer needs no secret.
#
# Must hold: B keeps its key and its link, its entries still reach the
# kabupaten; V is refused with CERT-CONFLICT (no delegated issuer can take a
# key from another) until the root certifies it, and then writes again,
# also after A is revoked. Nothing committed is lost; every store verifies.
# Usage: test_hostile_certs.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
. "$(dirname "$0")/netlib.sh"
s() { "$SIMPUL" "$@"; }
key_of() { s network show --data "$WORK/$1" --json | jq -r .certificate.node_key; }
# request_as NODE REGION: an enrolment request by NODE's key for REGION.
request_as() {
  rm -rf "$WORK/clone"
  mkdir "$WORK/clone"
  cp "$WORK/$1/node.key" "$WORK/$1/simpul.conf" "$WORK/clone/"
  set_key clone node region "$2"
  s enroll request --data "$WORK/clone"
}
titles_by() { # NODE KEY: titles of KEY's entries at NODE
  s list --data "$WORK/$1" --json 2>/dev/null |
    jq -r --arg k "$2" '[.[] | select(.author == $k and .kind != "sertifikat") | .body.title] | sort | join("|")'
}
log_ids() { awk '$2 == "warn" || $2 == "error" { print $3 }' "$WORK/$1.log" | sort -u | paste -sd' ' -; }

make_root R 36.04
make_node A 36.04.12 R --issuer
make_node B 36.04.13 R --issuer
make_node V 36.04.13.2001 B
B_KEY=$(key_of B)
V_KEY=$(key_of V)

# ---- the attack: A signs requests by B's and V's keys for its own desa -----
req_b=$(request_as B 36.04.12.2099)
req_v=$(request_as V 36.04.12.2098)
v_honest_req=$(s enroll request --data "$WORK/V")
s enroll sign --data "$WORK/A" "$req_b" --valid-days 36500 >/dev/null
s enroll sign --data "$WORK/A" "$req_v" --valid-days 36500 >/dev/null
expect_eq "A posted both certificates" 2 \
  "$(s list --data "$WORK/A" --kind sertifikat --json | jq 'length')"

start R 127.0.0.1:0
parent A R
parent B R
start A
start B 127.0.0.1:0
parent V B
start V

# B is untouched (on the code before issue 9, R re-bound B's key to A's
# desa and refused this): it posts, the kabupaten takes it.
s post --data "$WORK/B" --kind informasi --to tree:36.04 --title "Kabar kecamatan B" >/dev/null
wait_until 30 "B's entry reaches R" eq "Kabar kecamatan B" titles_by R "$B_KEY"
b_state() { s peers --data "$WORK/R" --json | jq -r --arg k "$B_KEY" '.[] | select(.key == $k) | .state'; }
expect_eq "B's link is up" connected "$(b_state)"

# A's system feed reaches R and B: the take-over of B is refused at once,
# V's key is held by nobody.
conflicts() { s status --data "$WORK/$1" --json | jq .store.cert_conflicts; }
wait_until 30 "R holds V's key in conflict" eq 1 conflicts R
wait_until 30 "B holds V's key in conflict" eq 1 conflicts B
expect_grep "R logs CERT-CONFLICT naming B's key" \
  "CERT-CONFLICT node ${B_KEY:0:16}: .*the root's certificate stays held" "$WORK/R.log"
expect_grep "R logs CERT-CONFLICT naming V's key" \
  "CERT-CONFLICT node ${V_KEY:0:16}: .*no certificate is held" "$WORK/R.log"
s status --data "$WORK/R" >"$WORK/out"
expect_grep "status tells the operator" "certs: +1 node keys certified by two issuers" "$WORK/out"
expect_eq "A's certificates are kept at R as evidence" 2 \
  "$(s list --data "$WORK/R" --kind sertifikat --json |
     jq --arg a "$(key_of A)" '[.[] | select(.author == $a)] | length')"

# V is refused at B's handshake with the stable id.
wait_until 30 "B refuses V with CERT-CONFLICT" grep -q "CERT-CONFLICT" "$WORK/B.log"
# V does not know (its link is refused): what it writes meanwhile waits.
s post --data "$WORK/V" --kind informasi --to tree:36.04.13 \
  --title "Ditulis saat konflik" >/dev/null
sleep 2
expect_eq "V's entry does not reach B while V's key is in conflict" "" \
  "$(titles_by B "$V_KEY")"
s peers --data "$WORK/V" --json >"$WORK/out"
expect_eq "V's operator sees why" CERT-CONFLICT \
  "$(jq -r '.[0].last_error' "$WORK/out")"

# ---- the repair: the root certifies V, and revokes A ----------------------
s enroll sign --data "$WORK/R" "$v_honest_req" --valid-days 365 >/dev/null
s revoke --data "$WORK/R" "$(key_of A)" --reason "sertifikat palsu" >/dev/null
wait_until 30 "V's key is held again at B" eq 0 conflicts B
v_post() {
  s post --data "$WORK/V" --kind informasi --to tree:36.04.13 --title "Kabar desa V" \
    >/dev/null 2>&1
}
wait_until 30 "V may post again" v_post
wait_until 30 "V's entries reach B" eq "Ditulis saat konflik|Kabar desa V" \
  titles_by B "$V_KEY"
expect_eq "R holds no conflict any more" 0 "$(conflicts R)"

stop V
stop B
stop A
stop R
for n in R A B V; do
  expect_status "verify $n" 0 s verify --data "$WORK/$n"
done
for n in R B; do
  case " $(log_ids $n) " in
    *" ENTRY-UNKNOWN-AUTHOR "* | *" PROTO-VIOLATION "*)
      fail "$n refused an honest entry: $(log_ids $n)" ;;
  esac
  ok
done
echo "hostile_certs: $checks checks passed"
