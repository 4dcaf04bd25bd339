# Shared by the tests that run tests/tools/evil_peer.c against a real
# kabupaten daemon "kab" with one honest kecamatan child "ka" (linked before
# the scenarios run: set KA_KEY and KA_SHORT). Source after lib.sh and
# netlib.sh, with $SIMPUL and $EVIL set. Soft checks: every check runs even
# after one failed; call evil_summary NAME at the end.
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

evil_summary() { # NAME
  if [ ${#FAILED[@]} -gt 0 ]; then
    echo "$1: ${#FAILED[@]} checks failed, $checks passed:" >&2
    printf '  %s\n' "${FAILED[@]}" >&2
    exit 1
  fi
  echo "$1: $checks checks passed"
}
