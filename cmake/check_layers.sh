#!/bin/sh
# check_layers.sh NM NAME ARCHIVE STAMP OTHER...: fails, naming each call,
# when an object of ARCHIVE calls a function that one of the OTHER
# archives defines; else touches STAMP. See cmake/layers.cmake.
set -eu
nm=$1 name=$2 lib=$3 stamp=$4
shift 4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$nm" -u "$lib" | awk '$1 == "U" { print $2 }' | sort -u >"$tmp/calls"
for other in "$@"; do
  "$nm" -g --defined-only "$other" | awk 'NF == 3 { print $3 }' | sort -u |
    comm -12 "$tmp/calls" - | sed "s|^|$name calls |; s|\$| ($(basename "$other"))|"
done >"$tmp/bad"
if [ -s "$tmp/bad" ]; then
  cat "$tmp/bad" >&2
  echo "$name may call app, base and region only (cmake/layers.cmake)" >&2
  exit 1
fi
mkdir -p "$(dirname "$stamp")"
touch "$stamp"
