# Shared helpers for the shell integration tests. Source it; it sets -eu,
# makes $WORK (removed on exit) and counts checks.
set -euo pipefail
WORK=$(mktemp -d /tmp/simpul-test.XXXXXX)
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"' EXIT
checks=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { checks=$((checks + 1)); }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  ok
}
# expect_status WHAT CODE cmd...: runs cmd, checks its exit status; output in
# $WORK/out and $WORK/err.
expect_status() {
  local what=$1 want=$2; shift 2
  local got=0
  "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
  [ "$got" = "$want" ] || {
    cat "$WORK/out" "$WORK/err" >&2
    fail "$what: exit status $got, expected $want"
  }
  ok
}
# expect_grep WHAT PATTERN FILE
expect_grep() {
  grep -qE -- "$2" "$3" || { cat "$3" >&2; fail "$1: no '$2' in $3"; }
  ok
}

# flip_byte FILE OFFSET: inverts the byte at OFFSET, so the file surely
# changes (writing a fixed byte leaves it as it was one time in 256).
flip_byte() {
  python3 - "$1" "$2" <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, 'r+b') as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0xff]))
PY
}
