#!/usr/bin/env bash
# Revocation on real daemons (issue 9, item 4; proto/MEMBERSHIP.md §7.2).
# A kabupaten (kab), a kecamatan issuer (kec) linked to it, four desa
# linked to kec (d1..d4) and one desa of kec linked to kab (d5).
#
# Must hold: storing a revocation closes every link of the revoked key
# (one NODE-REVOKED line a link) and the re-dial is refused, whichever way
# the revocation was stored:
#   d1  revoked at kab (simpul revoke, another process): kab's daemon
#       pushes it to kec, which closes d1's link;
#   d3  revoked at kec itself (simpul revoke beside the running daemon);
#   kec revoked at kab: kab closes kec's link, and keeps d5's, whose
#       certificate kec issued before its cutoff (§7.2: it stays valid);
#   d2  revoked at kab while kab is down, carried to kec in a bundle
#       (simpul import beside the running daemon).
# And at kab, with evil_peer (tests/tools/evil_peer.c): ev_live, revoked
# while its link is up, gets ERROR NODE-REVOKED; a relay (ev_relay, an
# honest member) forwards another entry ev_live's stolen key wrote at the
# cutoff: refused NODE-REVOKED, not a fork. One warn line each at kab.
# d4's link to kec is never touched; nothing committed is lost; every
# store verifies.
#
# Then a parent that withholds its own revocation (SYNC.md §8): desa dd
# dials its kecamatan k, with the kabupaten r as fallback. k never links
# to r, so it never gets the revocation r stores of it. dd learns it anyway
# through its check of the fallback every check_fallback_s, closes its link
# to k, and carries on with r.
# Usage: test_revocation.sh SIMPUL EVIL_PEER
. "$(dirname "$0")/lib.sh"
SIMPUL=$1
EVIL=$2
. "$(dirname "$0")/netlib.sh"
s() { "$SIMPUL" "$@"; }
key_of() { s network show --data "$WORK/$1" --json | jq -r .certificate.node_key; }
state() { # NODE PEER: the PEER's link state at NODE
  s peers --data "$WORK/$1" --json |
    jq -r --arg k "$(key_of "$2")" '.[] | select(.key == $k) | .state'
}
# revoked_lines NODE PEER [closed|failed]: NODE-REVOKED lines at NODE naming
# PEER's link: "closed" an open link closed, "failed" a re-dial refused.
revoked_lines() {
  local k
  k=$(key_of "$2")
  case ${3:-closed} in
    closed) grep -cE "warn NODE-REVOKED link \S+ peer ${k:0:16}: " "$WORK/$1.log" || true ;;
    failed) grep -cE "warn NODE-REVOKED link \S+ peer ${k:0:16} failed: " "$WORK/$1.log" || true ;;
  esac
}
opens() { # NODE PEER: how often NODE opened a link with PEER
  grep -c "LINK-OPEN .* peer $(key_of "$2" | cut -c1-16) " "$WORK/$1.log" || true
}
at_least() { [ "$("${@:2}")" -ge "$1" ]; }
log_time() { # NODE PATTERN: the time of NODE's first line matching, in s
  grep -m1 -E "$2" "$WORK/$1.log" | cut -d' ' -f1 |
    python3 -c 'import sys, datetime as d; t = sys.stdin.read().strip(); print(d.datetime.strptime(t, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=d.timezone.utc).timestamp())'
}
# closes NODE PEER T0: NODE closes PEER's link (one line), then refuses
# its re-dial; prints how long after T0 (the revoke or import command
# started) the close came: for information, nothing depends on it.
closes() {
  local node=$1 peer=$2 t0=$3 k
  wait_until 30 "$node closes $peer's link" eq 1 revoked_lines "$node" "$peer"
  k=$(key_of "$peer")
  echo "revocation: $node closed $peer's link $(python3 -c "print(round($(log_time "$node" "NODE-REVOKED link \S+ peer ${k:0:16}: ") - $t0, 2))") s after the command started"
  wait_until 30 "$node refuses $peer's re-dial" at_least 1 revoked_lines "$node" "$peer" failed
  expect_eq "$node: $peer's link closed once" 1 "$(revoked_lines "$node" "$peer")"
  expect_eq "$node: $peer's state" disconnected "$(state "$node" "$peer")"
  s peers --data "$WORK/$node" --json >"$WORK/out"
  expect_eq "$node: $peer's last error" NODE-REVOKED \
    "$(jq -r --arg k "$k" '.[] | select(.key == $k) | .last_error' "$WORK/out")"
}
now() { date +%s.%N; }

make_root kab 36.04
make_node kec 36.04.12 kab --issuer
for i in 1 2 3 4 5; do make_node "d$i" "36.04.12.200$i" kec; done
make_node ev_live 36.04.05.2001 kab
make_node ev_relay 36.04.05.2002 kab
start kab 127.0.0.1:0
parent kec kab
start kec 127.0.0.1:0
for i in 1 2 3 4; do parent "d$i" kec; start "d$i"; done
parent d5 kab
start d5
for i in 1 2 3 4; do wait_until 30 "d$i's link to kec is up" eq connected state kec "d$i"; done
wait_until 30 "kec's link to kab is up" eq connected state kab kec
wait_until 30 "d5's link to kab is up" eq connected state kab d5
# Everyone writes; everything reaches kab before the revocations.
for n in d1 d2 d3 d4; do
  s post --data "$WORK/$n" --kind informasi --to tree:36.04.12 --title "Kabar $n" >/dev/null
done
s post --data "$WORK/d5" --kind informasi --to tree:36.04.12 --title "Kabar d5" >/dev/null
for n in d1 d2 d3 d4; do
  wait_until 30 "$n's entry reaches kab" eq 1 has "Kabar $n" kab
done
wait_until 30 "d5's entry reaches kab" eq 1 has "Kabar d5" kab

# ---- d1: revoked at kab, reaches kec over its link ---------------------------
t0=$(now)
s revoke --data "$WORK/kab" "$(key_of d1)" --reason "perangkat hilang" >/dev/null
closes kec d1 "$t0"
expect_grep "d1 is told why" "LINK-PEER-ERROR .*NODE-REVOKED" "$WORK/d1.log"

# ---- d3: revoked by kec itself, beside its running daemon ----------------------
t0=$(now)
s revoke --data "$WORK/kec" "$(key_of d3)" --reason "pensiun" >/dev/null
closes kec d3 "$t0"

# ---- a member revoked while its link is up; a relay of its stolen key --------
kab_ids() { # warn and error ids in kab's log from line $1 on
  tail -n +"$1" "$WORK/kab.log" | awk '$2 == "warn" || $2 == "error" { print $3 }' |
    paste -sd' ' -
}
by_author() { # NODE KEY: entries by KEY at NODE
  s list --data "$WORK/$1" --json | jq --arg a "$2" '[.[] | select(.author == $a)] | length'
}
evil() { # SCENARIO NODE [ARGS]: evil_peer as NODE against kab
  "$EVIL" --connect "127.0.0.1:${PORT[kab]}" --data "$WORK/$2" --scenario "$1" \
    --timeout-ms 30000 "${@:3}" >"$WORK/evil-$1.out" 2>&1 ||
    { cat "$WORK/evil-$1.out" >&2; fail "evil_peer $1"; }
  ok
}
live_key=$(key_of ev_live)
links_before="$(opens kab kec) $(opens kab d5)"
mark=$(($(wc -l <"$WORK/kab.log") + 1))
evil revoked-live ev_live &
evil_pid=$!
wait_until 30 "ev_live's entries reach kab" eq 2 by_author kab "$live_key"
s revoke --data "$WORK/kab" "$live_key" --reason "dicuri" >/dev/null
wait "$evil_pid" || fail "evil_peer revoked-live: $(tail -n 2 "$WORK/evil-revoked-live.out")"
wait_until 10 "kab logs NODE-REVOKED" eq NODE-REVOKED kab_ids "$mark"
sleep 0.5 # a second line, if any
expect_eq "kab: one warn line for ev_live's link" NODE-REVOKED "$(kab_ids "$mark")"
mark=$(($(wc -l <"$WORK/kab.log") + 1))
evil revoked-fork ev_relay --author "$WORK/ev_live" --store "$WORK/kab"
sleep 0.5
expect_eq "kab: one warn line for the relay" NODE-REVOKED "$(kab_ids "$mark")"
expect_eq "ev_live's entries stay at kab" 2 "$(by_author kab "$live_key")"
expect_eq "no fork proof at kab" 0 "$(s status --data "$WORK/kab" --json | jq .store.forks)"
expect_eq "ev_live's feed is not frozen" false \
  "$(s feeds --data "$WORK/kab" --json | jq --arg a "$live_key" '[.[] | select(.author == $a) | .frozen] | any')"
expect_eq "kab's links to kec and d5 untouched" "$links_before" \
  "$(opens kab kec) $(opens kab d5)"

# ---- d2: revoked at kab while it is down, carried to kec in a bundle ----------
stop kab
s revoke --data "$WORK/kab" "$(key_of d2)" --reason "perangkat hilang" >/dev/null
s export --data "$WORK/kab" -o "$WORK/revocations.bundle" 2>/dev/null
t0=$(now)
s import --data "$WORK/kec" "$WORK/revocations.bundle" >/dev/null 2>&1 || true
closes kec d2 "$t0"
start kab "127.0.0.1:${PORT[kab]}"
wait_until 30 "kec's link to kab is up again" eq connected state kab kec

# ---- d4 was never touched ----------------------------------------------------------
expect_eq "kec: d4's link opened once" 1 "$(opens kec d4)"
expect_eq "kec: d4's link is up" connected "$(state kec d4)"
expect_eq "kec closed no other link" 3 \
  "$(grep -cE 'warn NODE-REVOKED link \S+ peer [0-9a-f]{16}: ' "$WORK/kec.log")"
s post --data "$WORK/kec" --kind informasi --to tree:36.04.12 --title "Untuk desa" >/dev/null
wait_until 30 "kec's new entry reaches d4" eq 1 has "Untuk desa" d4
s post --data "$WORK/d4" --kind informasi --to tree:36.04.12 --title "Dari d4" >/dev/null
wait_until 30 "d4's new entry reaches kec" eq 1 has "Dari d4" kec

# ---- kec: revoked at kab; d5, whose certificate kec issued, stays -------------
wait_until 30 "d5's link to kab is up again" eq connected state kab d5
d5_opens=$(opens kab d5)
t0=$(now)
s revoke --data "$WORK/kab" "$(key_of kec)" --reason "dicuri" >/dev/null
closes kab kec "$t0"
expect_eq "kab: d5's link not opened again" "$d5_opens" "$(opens kab d5)"
expect_eq "kab: d5's link is up" connected "$(state kab d5)"
expect_eq "kab closed no other link (ev_live's before)" 2 \
  "$(grep -cE 'warn NODE-REVOKED link \S+ peer [0-9a-f]{16}: ' "$WORK/kab.log")"
s post --data "$WORK/d5" --kind informasi --to tree:36.04.12 --title "Masih d5" >/dev/null
wait_until 30 "d5's new entry reaches kab" eq 1 has "Masih d5" kab

for n in kab kec d1 d2 d3 d4 d5; do stop "$n"; done
for n in kab kec d1 d2 d3 d4 d5; do
  expect_status "verify $n" 0 s verify --data "$WORK/$n"
done
for n in d1 d2 d3; do
  expect_eq "kec kept $n's entry" 1 "$(has "Kabar $n" kec)"
done

# ---- a parent withholds its own revocation: the fallback check brings it ------
make_root r 36.04
make_node k 36.04.13 r --issuer
make_node dd 36.04.13.2001 k
set_key dd net check_fallback_s 3
# r learns k's certificates (dd's among them) from a bundle: k has no link
# to r, and never will in this test.
s export --data "$WORK/k" -o "$WORK/k.bundle" 2>/dev/null
expect_status "r imports k's system feed" 0 s import --data "$WORK/r" "$WORK/k.bundle"
start r 127.0.0.1:0
start k 127.0.0.1:0
parent dd k r
start dd
wait_until 30 "dd's link to k is up" eq connected state k dd
checked() { # dd checked r at least $1 times, and closed each check
  [ "$(grep -c 'LINK-OPEN .* to a fallback, to check' "$WORK/dd.log")" -ge "$1" ] &&
    [ "$(state r dd)" = disconnected ]
}
wait_until 30 "dd checks its fallback, twice" checked 2
# What a check that finds nothing costs, on the socket (SYNC.md §8, §7):
# dd's record of r (bytes, state) read while no check is up, then the
# checks closed so far; twice, a few checks apart.
r_key=$(key_of r)
snap() { # sets snap_b (bytes with r) and snap_n (checks closed); fails while one is up
  s peers --data "$WORK/dd" --json >"$WORK/peers.json"
  [ "$(jq -r --arg k "$r_key" '.[] | select(.key == $k) | .state' "$WORK/peers.json")" = disconnected ] ||
    return 1
  snap_b=$(jq --arg k "$r_key" '.[] | select(.key == $k) | .bytes_in + .bytes_out' "$WORK/peers.json")
  snap_n=$(grep -c "LINK-CLOSED link \S* peer ${r_key:0:16} closed" "$WORK/dd.log" || true)
}
wait_until 30 "no check is up" snap
b0=$snap_b n0=$snap_n
later() { snap && [ "$snap_n" -ge $((n0 + 2)) ]; }
wait_until 30 "dd checks its fallback twice more" later
cost=$(((snap_b - b0) / (snap_n - n0)))
echo "revocation: a check that finds nothing: $cost bytes ($((snap_n - n0)) checks)"
expect_eq "a check that finds nothing costs under 600 bytes" true \
  "$([ "$cost" -gt 0 ] && [ "$cost" -lt 600 ] && echo true || echo false)"
expect_eq "dd's link to k untouched by the checks" 1 "$(opens dd k)"
s post --data "$WORK/r" --kind informasi --to tree:36.04.13 --title "Dari kabupaten" >/dev/null
wait_until 30 "a check brings r's entry to dd" eq 1 has "Dari kabupaten" dd

t0=$(now)
s revoke --data "$WORK/r" "$(key_of k)" --reason "kecamatan dibobol" >/dev/null
wait_until 30 "dd closes its link to k" eq 1 revoked_lines dd k
k=$(key_of k)
echo "revocation: dd closed its link to k $(python3 -c "print(round($(log_time dd "NODE-REVOKED link \S+ peer ${k:0:16}: ") - $t0, 2))") s after simpul revoke at r started (check_fallback_s 3)"
expect_grep "k is told why" "LINK-PEER-ERROR .*NODE-REVOKED" "$WORK/k.log"
wait_until 30 "dd stays linked to r" eq connected state r dd
s post --data "$WORK/dd" --kind informasi --to tree:36.04.13 --title "Lewat kabupaten" >/dev/null
wait_until 30 "dd's entry reaches r" eq 1 has "Lewat kabupaten" r
expect_eq "k never got it" 0 "$(has "Lewat kabupaten" k)"
s peers --data "$WORK/dd" --json >"$WORK/out"
expect_eq "dd's operator sees why k is gone" NODE-REVOKED \
  "$(jq -r --arg k "$k" '.[] | select(.key == $k) | .last_error' "$WORK/out")"
# k's address is tried again only every check_fallback_s (3 s), not every
# retry_primary_s (1 s): a handshake with a revoked parent costs bytes.
probes=$(revoked_lines dd k failed)
sleep 7
expect_eq "dd retries revoked k at most every 3 s" true \
  "$([ $(( $(revoked_lines dd k failed) - probes )) -le 3 ] && echo true || echo false)"
for n in dd k r; do stop "$n"; done
for n in r k dd; do
  expect_status "verify $n" 0 s verify --data "$WORK/$n"
done
echo "revocation: $checks checks passed"
