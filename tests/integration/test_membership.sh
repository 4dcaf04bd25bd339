#!/usr/bin/env bash
# Network membership driven end to end as operators would
# (proto/MEMBERSHIP.md): the kabupaten creates the network, a kecamatan is
# enrolled as a delegated issuer, which enrols a desa; certificates travel
# in the system feeds of bundles; entries of unenrolled nodes, of revoked
# nodes past their cutoff and of another network are refused with their
# stable error ids. Usage: test_membership.sh SIMPUL
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
s() { "$SIMPUL" "$@"; }
j() { jq -r "$1" "$WORK/out"; }
# new_node DIR REGION NAME
new_node() { s init --data "$1" --region "$2" --name "$3" >/dev/null; }
# request DIR: prints the node's enrolment request line
request() { s enroll request --data "$1"; }
# post DIR AUDIENCE TITLE [KIND]
post() {
  s post --data "$1" --kind "${4:-informasi}" --to "$2" --title "$3" >/dev/null
}
# bundle DIR FILE
bundle() { s export --data "$1" -o "$2" 2>/dev/null; }

# ---- help and usage ----------------------------------------------------------
for cmd in network enroll revoke; do
  expect_status "$cmd --help" 0 s "$cmd" --help
  expect_grep "$cmd --help" "usage: simpul $cmd" "$WORK/out"
done
expect_status "enroll sign --help" 0 s enroll sign --help
expect_grep "help explains the steps" 'simpul enroll accept' "$WORK/out"
expect_status "network without subcommand" 2 s network
expect_status "enroll unknown subcommand" 2 s enroll frob
expect_status "revoke bad key" 2 s revoke 1234
expect_status "sign without --valid-days" 2 s enroll sign simpul-req1:AAAA
expect_status "--valid-days out of range" 2 s enroll sign x --valid-days 0

# ---- the kabupaten creates the network ------------------------------------------
K=$WORK/kab
new_node "$K" 36.04 "Diskominfo Serang"
expect_status "show before create" 1 s network show --data "$K"
expect_grep "not enrolled id" 'NODE-NOT-ENROLLED' "$WORK/err"
expect_status "create for another region" 1 s network create --data "$K" \
  --region 36.03 --name "KIM Lebak"
expect_grep "says which region" 'serves 36.04' "$WORK/err"
expect_status "network create" 0 s network create --data "$K" --region 36.04 \
  --name "KIM Kabupaten Serang" --json
net_id=$(j .network_id)
root_key=$(j .root_key)
expect_eq "network region" 36.04 "$(j .region)"
expect_eq "own cert is an issuer" issuer "$(j '.certificate.flags[0]')"
expect_eq "own cert by the root" true "$(j .certificate.issued_by_root)"
expect_eq "root key mode" 600 "$(stat -c %a "$K/network.key")"
expect_grep "network file" '^simpul-network1:' "$K/network"
expect_grep "node.cert file" '^simpul-cert1:' "$K/node.cert"
expect_status "create twice" 1 s network create --data "$K" --region 36.04 \
  --name "Again"
expect_status "show" 0 s network show --data "$K" --json
expect_eq "show id" "$net_id" "$(j .network_id)"
expect_eq "show holds root key" true "$(j .holds_root_key)"
expect_status "show text" 0 s network show --data "$K"
expect_grep "show text names the network" '^network: +KIM Kabupaten Serang' "$WORK/out"
expect_status "root's sertifikat entry" 0 s list --data "$K" --kind sertifikat --json
expect_eq "one sertifikat" 1 "$(jq length "$WORK/out")"
expect_eq "posted by the root key" "$root_key" "$(jq -r '.[0].author' "$WORK/out")"
expect_eq "on the system channel" 0 "$(jq -r '.[0].channel' "$WORK/out")"
expect_status "the kabupaten posts as itself" 0 s post --data "$K" \
  --kind informasi --to tree:36.04 --title "Rapat KIM"

# ---- a kecamatan enrolled as a delegated issuer -----------------------------------
C=$WORK/kec
new_node "$C" 36.04.12 "KIM Pontang"
expect_status "request" 0 s enroll request --data "$C" --json
req_c=$(j .request)
kec_key=$(j .node_key)
expect_grep "request line" '^simpul-req1:' <(echo "$req_c")
expect_status "sign --issuer" 0 s enroll sign --data "$K" "$req_c" \
  --valid-days 365 --issuer -o "$WORK/kec.cert"
expect_grep "certificate line printed" '^simpul-cert1:' "$WORK/out"
expect_grep "certificate line in -o FILE" '^simpul-cert1:' "$WORK/kec.cert"
expect_status "accept from a file" 0 s enroll accept --data "$C" "$WORK/kec.cert" --json
expect_eq "same network" "$net_id" "$(j .network_id)"
expect_eq "kecamatan may issue" issuer "$(j '.certificate.flags[0]')"
expect_status "accept again" 0 s enroll accept --data "$C" "$WORK/kec.cert"
expect_status "kecamatan show" 0 s network show --data "$C" --json
expect_eq "kecamatan holds no root key" false "$(j .holds_root_key)"

# ---- the kecamatan enrols a desa --------------------------------------------------
D=$WORK/desa
new_node "$D" 36.04.12.2002 "KIM Sukanegara"
req_d=$(request "$D")
expect_status "--issuer for a desa" 1 s enroll sign --data "$K" "$req_d" \
  --valid-days 30 --issuer
expect_grep "--issuer is for kecamatan" 'is for kecamatan' "$WORK/err"
# Change character 40 for certain (it may already be an 'x').
c40=${req_d:40:1}; [ "$c40" = x ] && rep=y || rep=x
bad_req="${req_d:0:40}$rep${req_d:41}"
expect_status "damaged request" 1 s enroll sign --data "$C" "$bad_req" --valid-days 30
expect_grep "damaged request says so" 'not a valid enrolment request' "$WORK/err"
expect_status "unenrolled node cannot sign" 1 s enroll sign --data "$D" "$req_d" \
  --valid-days 30
expect_grep "says it belongs to no network" 'belongs to no network' "$WORK/err"
expect_status "kecamatan signs the desa" 0 s enroll sign --data "$C" "$req_d" \
  --valid-days 365 --json
line_d=$(j .certificate)
expect_eq "delegated cert has no flags" 0 "$(j '.cert.flags | length')"
expect_status "another node's certificate" 1 s enroll accept --data "$C" "$line_d"
expect_grep "for another node" 'is for node' "$WORK/err"
expect_status "desa accepts" 0 s enroll accept --data "$D" "$line_d" --json
expect_eq "issued by the kecamatan" "$kec_key" "$(j .certificate.issuer)"
expect_eq "not by the root" false "$(j .certificate.issued_by_root)"
desa_key=$(jq -r .certificate.node_key "$WORK/out")
O=$WORK/other
new_node "$O" 36.04.05.2001 "KIM Kramatwatu"
req_o=$(request "$O")
expect_status "kecamatan signs outside its subtree" 1 s enroll sign --data "$C" \
  "$req_o" --valid-days 30
expect_grep "outside says where" 'of 36.04.12 only' "$WORK/err"
expect_status "desa cannot sign" 1 s enroll sign --data "$D" "$req_o" --valid-days 30
expect_grep "desa is no issuer" 'may not issue certificates' "$WORK/err"

# ---- certificates travel in the system feeds, first --------------------------------
post "$D" tree:36.04.12 "Posyandu Sabtu"
post "$D" path:36.04.12.2002:36.04 "Jalan rusak" aspirasi
bundle "$D" "$WORK/d1.bundle"
# The kabupaten has not seen the kecamatan's system feed (the desa's cert).
expect_status "desa entries before its cert" 1 s import --data "$K" "$WORK/d1.bundle" --json
expect_eq "none stored" 0 "$(j .stored)"
expect_eq "unknown author" ENTRY-UNKNOWN-AUTHOR "$(j .first_error)"
expect_grep "refusal logged with its id" 'warn ENTRY-UNKNOWN-AUTHOR refused entry from' "$WORK/err"
bundle "$C" "$WORK/c1.bundle"
expect_status "kecamatan's feed at the kabupaten" 0 s import --data "$K" "$WORK/c1.bundle"
expect_status "desa entries after its cert" 0 s import --data "$K" "$WORK/d1.bundle" --json
expect_eq "both stored at the kabupaten" 2 "$(j .stored)"
# The kecamatan learns the root's feed, then gets the desa's entries.
bundle "$K" "$WORK/k1.bundle"
expect_status "root feed at the kecamatan" 0 s import --data "$C" "$WORK/k1.bundle"
expect_status "desa entries at the kecamatan" 0 s import --data "$C" "$WORK/d1.bundle" --json
expect_eq "already came through the kabupaten" 2 "$(j .already_held)"
# A fresh kabupaten replica gets everything in one bundle, certificates of
# the batch before the entries that need them, whatever the feed order.
K2=$WORK/kab2
new_node "$K2" 36.04 "Diskominfo Serang cadangan"
req_k2=$(request "$K2")
s enroll sign --data "$K" "$req_k2" --valid-days 30 -o "$WORK/k2.cert" >/dev/null
expect_status "second kabupaten node accepts" 0 s enroll accept --data "$K2" "$WORK/k2.cert"
bundle "$C" "$WORK/c2.bundle"
expect_status "one bundle with certs and entries" 0 s import --data "$K2" "$WORK/c2.bundle" --json
expect_eq "nothing refused" 0 "$(j .refused)"
expect_status "second node lists the desa's aspirasi" 0 s list --data "$K2" --kind aspirasi --json
expect_eq "aspirasi present" 1 "$(jq length "$WORK/out")"
expect_status "system feeds are exported first" 0 s feeds --data "$C" --json
expect_eq "first feed is system" system "$(jq -r '.[0].channel' "$WORK/out")"

# ---- an unenrolled node ---------------------------------------------------------------
U=$WORK/unenrolled
new_node "$U" 36.04.12.2003 "KIM Linduk"
expect_status "a node without a network posts as before" 0 s post --data "$U" \
  --kind informasi --to tree:36.04.12 --title "Kerja bakti"
bundle "$U" "$WORK/u.bundle"
expect_status "unenrolled entries refused" 1 s import --data "$C" "$WORK/u.bundle" --json
expect_eq "unenrolled: unknown author" ENTRY-UNKNOWN-AUTHOR "$(j .first_error)"
expect_grep "unenrolled: logged" 'warn ENTRY-UNKNOWN-AUTHOR refused entry from' "$WORK/err"
expect_status "a network node without a certificate cannot post" 0 \
  cp "$K/network" "$U/network"
expect_status "post refused" 1 s post --data "$U" --kind informasi \
  --to tree:36.04.12 --title "Lagi"
expect_grep "post says enrol" 'run simpul enroll' "$WORK/err"
rm "$U/network"

# ---- revocation ---------------------------------------------------------------------------
# A copy of the desa's key and store, taken now, is the thief's.
T=$WORK/thief
cp -a "$D" "$T"
post "$D" tree:36.04.12 "Sebelum dicabut"
bundle "$D" "$WORK/d2.bundle"
expect_status "kecamatan has the desa's feed" 0 s import --data "$C" "$WORK/d2.bundle"
expect_status "kabupaten has it too" 0 s import --data "$K" "$WORK/d2.bundle"
expect_status "revoke by a non-issuer" 1 s revoke --data "$D" "$kec_key"
expect_status "revoke the root" 1 s revoke --data "$K" "$root_key"
expect_status "revoke" 0 s revoke --data "$K" "$desa_key" --reason "perangkat hilang" --json
expect_eq "revocation names the desa" "$desa_key" "$(j .node_key)"
expect_eq "both of its feeds held" 2 "$(j '.feeds | length')"
expect_eq "cutoff of its lateral feed" 2 "$(j '[.feeds[].last_seq] | max')"
cut_id=$(j '.feeds[] | select(.last_seq == 2) | .last_id')
expect_eq "the cutoff names the entry held there" "$cut_id" \
  "$(s list --data "$D" --json | jq -r '.[] | select(.body.title == "Sebelum dicabut") | .id')"
post "$D" tree:36.04.12 "Sesudah dicabut"
bundle "$D" "$WORK/d3.bundle"
bundle "$K" "$WORK/k3.bundle"
expect_status "revocation reaches the kecamatan" 0 s import --data "$C" "$WORK/k3.bundle"
expect_status "later entry refused" 1 s import --data "$C" "$WORK/d3.bundle" --json
expect_eq "revoked id" NODE-REVOKED "$(j .first_error)"
expect_eq "earlier entries kept" 3 "$(j .already_held)"
expect_eq "one refused" 1 "$(j .refused)"
expect_grep "revocation logged" 'warn NODE-REVOKED refused entry from' "$WORK/err"
# A node that learns everything at once keeps the entries up to the cutoff.
C2=$WORK/kec2
new_node "$C2" 36.04.12 "KIM Pontang cadangan"
s enroll sign --data "$K" "$(request "$C2")" --valid-days 30 -o "$WORK/c2.cert" >/dev/null
s enroll accept --data "$C2" "$WORK/c2.cert" >/dev/null
bundle "$C" "$WORK/c3.bundle"
expect_status "all but the revoked tail" 0 s import --data "$C2" "$WORK/c3.bundle"
expect_status "revoked tail refused" 1 s import --data "$C2" "$WORK/d3.bundle" --json
expect_eq "fresh node: revoked" NODE-REVOKED "$(j .first_error)"
expect_eq "fresh node: earlier held" 3 "$(j .already_held)"
expect_status "sign for a revoked key" 1 s enroll sign --data "$K" "$req_d" --valid-days 30
expect_grep "revoked key refused" 'revoked' "$WORK/err"
# The thief writes another entry at the cutoff seq, and one on top of it:
# refused NODE-REVOKED everywhere, also where the real entry at that seq is
# held (no fork proof of the thief's making, the feed stays open).
post "$T" tree:36.04.12 "Palsu"
post "$T" tree:36.04.12 "Palsu lagi"
bundle "$T" "$WORK/t.bundle"
for n in "$K" "$C" "$C2"; do
  expect_status "alternative at the cutoff at $(basename "$n")" 1 \
    s import --data "$n" "$WORK/t.bundle" --json
  expect_eq "alternative at $(basename "$n"): revoked" NODE-REVOKED "$(j .first_error)"
  expect_eq "alternative at $(basename "$n"): nothing stored" 0 "$(j .stored)"
  expect_status "status at $(basename "$n")" 0 s status --data "$n" --json
  expect_eq "no fork proof at $(basename "$n")" 0 "$(j .store.forks)"
done

# ---- another network ----------------------------------------------------------------------
X=$WORK/lebak-desa
new_node "$X" 36.02.01.2001 "KIM Malingping"
expect_status "a request from outside the network" 1 s enroll sign --data "$K" \
  "$(request "$X")" --valid-days 30
expect_grep "outside says so" 'outside this network' "$WORK/err"
R=$WORK/rogue
new_node "$R" 36.04 "Kabupaten tiruan"
s network create --data "$R" --region 36.04 --name "Jaringan lain" >/dev/null
RD=$WORK/rogue-desa
new_node "$RD" 36.04.12.2004 "KIM tiruan"
s enroll sign --data "$R" "$(request "$RD")" --valid-days 30 -o "$WORK/rd.cert" >/dev/null
expect_status "an enrolled node refuses another network" 1 \
  s enroll accept --data "$C" "$WORK/rd.cert"
expect_grep "refuses to switch" 'refusing to move' "$WORK/err"
expect_status "rogue desa accepts its own" 0 s enroll accept --data "$RD" "$WORK/rd.cert"
post "$RD" tree:36.04.12 "Dari jaringan lain"
bundle "$R" "$WORK/r.bundle"
expect_status "another network's root feed" 1 s import --data "$K" "$WORK/r.bundle" --json
expect_eq "other root: unknown author" ENTRY-UNKNOWN-AUTHOR "$(j .first_error)"
expect_eq "other root: none stored" 0 "$(j .stored)"
bundle "$RD" "$WORK/rd.bundle"
expect_status "another network's node" 1 s import --data "$C" "$WORK/rd.bundle" --json
expect_eq "other node: unknown author" ENTRY-UNKNOWN-AUTHOR "$(j .first_error)"
expect_grep "other node: logged" 'warn ENTRY-UNKNOWN-AUTHOR refused entry from' "$WORK/err"

# ---- the stores still verify -------------------------------------------------------------
for n in "$K" "$C" "$D" "$K2" "$C2"; do
  expect_status "verify $(basename "$n")" 0 s verify --data "$n"
done

echo "membership: $checks checks passed"
