#!/usr/bin/env bash
# The web UI in a real browser: a desa node and its kabupaten as real
# daemons, the desa's UI driven by headless chromium through chromedriver
# (tests/ui/ui_test.py). Needs Debian's chromium and chromium-driver
# (deploy/deps.sh --test).
# Usage: test_ui.sh SIMPUL
SIMPUL=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../integration/lib.sh"
. "$here/../integration/netlib.sh"
. "$here/../integration/httplib.sh"

make_root kab 36.04
make_node desa 36.04.12.2002 kab
http_on desa
start kab 127.0.0.1:0
parent desa kab
start desa
http_wait desa
# Something to list, and the kabupaten's certificate at the desa (the
# reporter in the form is sealed to it).
"$SIMPUL" post --data "$WORK/desa" --kind informasi --to tree:36.04.12.2002 \
  --title "Posyandu Sabtu" --body "Pukul 08.00 di balai desa." >/dev/null
caught_up() { grep -q SYNC-CAUGHT-UP "$WORK/desa.log"; }
wait_until 60 "the desa caught up with the kabupaten" caught_up

# An account of the web app (the UI's login form).
echo 'kata-sandi-operator' | "$SIMPUL" user add operator --role anggota \
  --password-stdin --data "$WORK/desa" >/dev/null
# The browser's profile and crash reports stay in $WORK.
export HOME=$WORK
python3 "$here/ui_test.py" --url "http://127.0.0.1:${HP[desa]}" \
  --token "${TOK[desa]}" --expect-title "Posyandu Sabtu" \
  --node-name "Node desa" --work "$WORK" \
  --user operator --password kata-sandi-operator || {
  cp "$WORK/ui-failure.png" /tmp/simpul-ui-failure.png 2>/dev/null &&
    echo "screenshot: /tmp/simpul-ui-failure.png" >&2
  fail "the UI test failed"
}
ok
expect_status "verify desa" 0 "$SIMPUL" verify --data "$WORK/desa"
stop desa
stop kab
sanitizers_clean
echo "ui: $checks checks passed"
