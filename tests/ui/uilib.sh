# The browser tests' tools, sourced after tests/integration/lib.sh:
# playwright-core and axe-core from tests/ui's lock file (npm ci once,
# with the machine's Node.js and npm), and Debian's chromium.
ui_deps() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  if ! (cd "$here" && node -e 'require("playwright-core"); require("axe-core")' 2>/dev/null); then
    echo "# npm ci in $here" >&2
    (cd "$here" && npm ci --no-audit --no-fund >&2) || fail "npm ci in tests/ui"
  fi
  [ -x /usr/bin/chromium ] || fail "no /usr/bin/chromium (deploy/deps.sh --test)"
}
