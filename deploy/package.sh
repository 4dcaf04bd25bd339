#!/usr/bin/env bash
# Makes the Debian packages simpul_<version>_<arch>.deb (default: amd64 and
# arm64; armhf too when named) with dpkg-buildpackage from deploy/debian/,
# cross building foreign architectures (deploy/cross.sh installs their
# tools), and checks each with lintian (errors and warnings fail, apart
# from the overrides in deploy/debian/simpul.lintian-overrides).
#
#   deploy/package.sh [--out DIR] [--no-lintian] [ARCH...]
#
# The packages land in DIR (default build-deb/); each architecture builds in
# build-deb/ARCH/ from a copy of the working tree, log in build-deb/ARCH/log.
# Installs what it needs first (deploy/deps.sh, debhelper, lintian), and
# skips apt when all is there. What a package holds: README, "Installing on
# a Raspberry Pi".
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD

out=$src/build-deb
lint=true
archs=()
while [ $# -gt 0 ]; do
  case $1 in
  --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift ;;
  --no-lintian) lint=false ;;
  amd64 | arm64 | armhf) archs+=("$1") ;;
  *)
    echo "usage: deploy/package.sh [--out DIR] [--no-lintian] [amd64|arm64|armhf...]" >&2
    exit 2
    ;;
  esac
  shift
done
[ ${#archs[@]} -gt 0 ] || archs=(amd64 arm64)

# ---- what it needs --------------------------------------------------------
deploy/deps.sh
missing=()
for p in debhelper dpkg-dev lintian; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "package: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    --no-install-recommends "${missing[@]}" >/dev/null
fi
build_arch=$(dpkg --print-architecture)
for a in "${archs[@]}"; do
  [ "$a" = "$build_arch" ] || deploy/cross.sh "$a" --deps-only
done

version=$(sed -n 's/^project(simpul VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
[ -n "$version" ] || { echo "package: no version in CMakeLists.txt" >&2; exit 1; }
# The changelog's one entry: this commit, dated as it (reproducible).
if commit=$(git rev-parse --short HEAD 2>/dev/null); then
  when=$(git log -1 --format=%cD HEAD)
  git diff --quiet HEAD 2>/dev/null || commit="$commit with local changes"
else
  commit="a tree outside git" when=$(date -R)
fi
maintainer=$(sed -n 's/^Maintainer: //p' deploy/debian/control)
# A package without the whole of Indonesia would set up no desa outside
# the tests' Serang list: refuse to build one.
wilayah=${SIMPUL_WILAYAH_CSV:-$src/../shared/data/wilayah.csv}
[ -f "$wilayah" ] || { echo "package: no region list at $wilayah (set SIMPUL_WILAYAH_CSV)" >&2; exit 1; }

# ---- build ----------------------------------------------------------------
for a in "${archs[@]}"; do
  work=$src/build-deb/$a
  tree=$work/simpul-$version
  rm -rf "$work"
  mkdir -p "$tree"
  cp -a CMakeLists.txt LICENSE README.md cmake src "$tree"/
  # The whole region list, for the setup page's search (compacted into
  # the binary by the build: CMakeLists.txt, SIMPUL_WILAYAH_CSV).
  mkdir -p "$tree"/data
  cp "$wilayah" "$tree"/data/wilayah.csv
  cp -a deploy/debian "$tree"/debian
  cp -a deploy/manpage.sh "$tree"/debian/manpage.sh
  cat >"$tree"/debian/changelog <<EOF
simpul ($version) bookworm; urgency=medium

  * Built from $commit by deploy/package.sh.

 -- $maintainer  $when
EOF
  cross=()
  [ "$a" = "$build_arch" ] || cross=(-a "$a")
  echo "package: building simpul_${version}_$a.deb (log: build-deb/$a/log)" >&2
  if ! (cd "$tree" && DEB_BUILD_OPTIONS="nocheck noddebs" \
        dpkg-buildpackage -b -us -uc "${cross[@]}") >"$work"/log 2>&1; then
    tail -30 "$work"/log >&2
    echo "package: $a: dpkg-buildpackage failed (build-deb/$a/log)" >&2
    exit 1
  fi
  deb=simpul_${version}_$a.deb
  mkdir -p "$out"
  [ "$out/$deb" -ef "$work/$deb" ] || cp "$work/$deb" "$out/$deb"
  if $lint; then
    # Root may run lintian; it only reads the package.
    if ! lintian --fail-on error,warning --tag-display-limit 0 \
         "$out/$deb" >"$work"/lintian 2>&1; then
      cat "$work"/lintian >&2
      echo "package: $a: lintian found problems (build-deb/$a/lintian)" >&2
      exit 1
    fi
  fi
  echo "package: $out/$deb, $(stat -c %s "$out/$deb") bytes" >&2
done
