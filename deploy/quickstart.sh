#!/usr/bin/env bash
# From a fresh Debian 12 machine (as root, or a user with sudo): installs the
# dependencies, builds simpul, and shows it at work on an embedded default:
# a desa node (KIM Sukanegara, 36.04.12.2002) posts news for its kecamatan
# and an aspirasi for the kabupaten; the entries travel to the kabupaten
# node (36.04) in a bundle file, as on a USB stick, and are verified there.
# Data goes to $SIMPUL_DEMO_DIR (default /tmp/simpul-quickstart), made anew.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSIMPUL_TESTS=OFF >/dev/null
cmake --build build-release --target simpul
simpul=$PWD/build-release/simpul
demo=${SIMPUL_DEMO_DIR:-/tmp/simpul-quickstart}
rm -rf "$demo"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() {
  printf '$ simpul'
  for a in "$@"; do case $a in *' '*) printf ' "%s"' "$a" ;; *) printf ' %s' "$a" ;; esac; done
  printf '\n'
  "$simpul" "$@"
}

step "A village node: KIM Sukanegara, desa 36.04.12.2002"
run init --data "$demo/desa" --region 36.04.12.2002 --name "KIM Sukanegara"

step "It posts news for its kecamatan and an aspirasi for the kabupaten"
run post --data "$demo/desa" --kind informasi --to tree:36.04.12 \
  --title "Posyandu Sabtu" --body "Posyandu balita hari Sabtu pukul 08.00 di balai desa."
run post --data "$demo/desa" --kind aspirasi --to path:36.04.12.2002:36.04 \
  --title "Jalan desa rusak" --body "Jalan sepanjang 300 m di RT 03 rusak berat, mohon perbaikan."
run list --data "$demo/desa"

step "The kabupaten node: Diskominfo Kabupaten Serang, 36.04"
run init --data "$demo/kabupaten" --region 36.04 --name "Diskominfo Kabupaten Serang"

step "No signal: the entries go by USB stick, as a bundle file"
run export --data "$demo/desa" -o "$demo/usb-stick.bundle"
run import --data "$demo/kabupaten" "$demo/usb-stick.bundle"
run import --data "$demo/kabupaten" "$demo/usb-stick.bundle"

step "The kabupaten holds them, signatures and chains verified"
run list --data "$demo/kabupaten"
run feeds --data "$demo/kabupaten"
run verify --data "$demo/kabupaten"
id=$("$simpul" list --data "$demo/kabupaten" --kind aspirasi | cut -c1-12)
run show --data "$demo/kabupaten" "$id"

printf '\nDone. The nodes are in %s; try: %s list --data %s/kabupaten --json\n' \
  "$demo" "$simpul" "$demo"
