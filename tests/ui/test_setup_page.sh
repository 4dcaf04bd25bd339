#!/usr/bin/env bash
# The setup page in a real browser on real daemons: a kabupaten and its
# kecamatan run; a new desa node on an empty data directory is set up
# through its page (tests/ui/setup.js: headless chromium at 390 px driven
# by playwright-core, axe-core on every step), enrolled with the
# certificate its kecamatan's admin approves in the kecamatan's
# Pendaftaran page, and then syncs with it. Screenshots go
# to SHOTS (the build tree).
# Usage: test_setup_page.sh SIMPUL SHOTS
SIMPUL=$1
SHOTS=$2
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/../integration/netlib.sh"
. "$here/../integration/httplib.sh"
. "$here/uilib.sh"
ui_deps
mkdir -p "$SHOTS"

make_root K 36.04
make_node C 36.04.12 K --issuer
http_on C
echo kata-sandi-camat | "$SIMPUL" user add camat --role admin --password-stdin \
  --data "$WORK/C" >/dev/null
start K 127.0.0.1:0
parent C K
start C 127.0.0.1:0
http_wait C

mkdir -m 700 "$WORK/D"
pD=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SIMPUL_SETUP_LISTEN=127.0.0.1:$pD "$SIMPUL" run --data "$WORK/D" >>"$WORK/D.log" 2>&1 &
PID[D]=$!
PIDS+=($!)
wait_until 30 "the setup page serves" grep -q "HTTP setup API on" "$WORK/D.log"
code=$(sed -n 's/.* SETUP-CODE setup code: \([0-9A-Z-]*\) .*/\1/p' "$WORK/D.log" | tail -n 1)
# Once made, the node dials its kecamatan (read when it starts linking).
# Edited in a copy renamed over it: the daemon may be reading it now.
configured() {
  [ -e "$WORK/D/simpul.conf" ] || return 1
  local k
  mkdir -p "$WORK/Dconf"
  cp "$WORK/D/simpul.conf" "$WORK/Dconf/simpul.conf"
  set_key Dconf net parent "127.0.0.1:${PORT[C]}"
  for k in "keepalive_s 1" "timeout_s 4" "backoff_min_ms 100" "backoff_max_ms 800"; do
    set_key Dconf net $k
  done
  mv -f "$WORK/Dconf/simpul.conf" "$WORK/D/simpul.conf"
}
( for _ in $(seq 1 600); do configured && exit 0; sleep 0.1; done ) &
PIDS+=($!)

node "$here/setup.js" --url "http://127.0.0.1:$pD" --code "$code" \
  --simpul "$SIMPUL" --issuer-data "$WORK/C" --data "$WORK/D" --shots "$SHOTS" \
  --issuer-url "http://127.0.0.1:${HP[C]}" --issuer-user camat \
  --issuer-password kata-sandi-camat ||
  fail "the setup page test failed (screenshots in $SHOTS)"
ok
wait_until 30 "the node starts once enrolled" grep -q "NODE-START" "$WORK/D.log"
"$SIMPUL" post --data "$WORK/C" --kind informasi --to tree:36.04.12 \
  --title "Rapat KIM Pontang" >/dev/null
wait_until 60 "the kecamatan's informasi at the new desa" eq 1 has "Rapat KIM Pontang" D
stop D
stop C
stop K
sanitizers_clean
echo "setup_page: $checks checks passed"
