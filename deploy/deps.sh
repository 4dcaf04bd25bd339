#!/usr/bin/env bash
# Installs what simpul needs from Debian 12's archive: the build toolchain and
# libraries (default), plus what the tests need (--test). Skips apt when
# everything is already installed, so it also works offline after one run.
set -euo pipefail

pkgs=(build-essential cmake ninja-build pkg-config
      libuv1-dev libmsgpack-dev liblmdb-dev libsodium-dev libinih-dev
      libjansson-dev libmicrohttpd-dev libpq-dev
      libxlsxwriter-dev libcurl4-openssl-dev libqrencode-dev zlib1g-dev)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(libcmocka-dev clang libclang-rt-14-dev llvm lmdb-utils jq
        python3 python3-cryptography python3-openpyxl)
  # The HTTP API's tests: curl; the web UI's: Debian's chromium, driven
  # by playwright-core (tests/ui: npm ci there with the machine's Node.js
  # and npm).
  pkgs+=(curl chromium)
  # simpul sink's tests run a private PostgreSQL 15 server (initdb,
  # pg_ctl) and query it with psql (tests/integration/pglib.sh).
  pkgs+=(postgresql-15 postgresql-client-15)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "deps: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" >/dev/null
