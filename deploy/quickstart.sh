#!/usr/bin/env bash
# From a fresh Debian 12 machine (as root, or a user with sudo): installs the
# dependencies, builds simpul, and runs `simpul demo`: seven real nodes of
# Kabupaten Serang on 127.0.0.1 (the kabupaten, kecamatan Pontang and
# Kramatwatu, four desa) post items in Bahasa Indonesia and show them
# propagating, each to exactly its audience.
#
# Arguments go to simpul demo: --keep leaves the network running (it prints
# how to stop it), --dir DIR puts it in DIR, --json prints the final matrix,
# --ui keeps it running too and serves every node's web app on 127.0.0.1,
# ports 7781 (the kabupaten) to 7787, printing each address with an admin
# account and its password (--ui-port PORT to start elsewhere).
# Data goes to $SIMPUL_DEMO_DIR if set (it must be empty or absent), else to
# a new /tmp/simpul-demo.XXXXXX. Look at a node while it runs with
#   build-release/simpul status --data DIR/kec-pontang
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DSIMPUL_TESTS=OFF >/dev/null
cmake --build build-release --target simpul
exec build-release/simpul demo "$@"
