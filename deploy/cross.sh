#!/usr/bin/env bash
# Cross builds simpul for a Raspberry Pi into build-ARCH with Debian's cross
# compiler and the target's libraries from Debian multiarch, and runs the
# target's tests under qemu-user.
#
#   deploy/cross.sh ARCH [--test] [--deps-only] [CMAKE-ARGS...]
#
# ARCH: arm64 (64-bit Raspberry Pi OS or Debian, Pi 3/4/5) or armhf (32-bit,
# ARMv7). Installs what it needs first (dpkg --add-architecture ARCH,
# crossbuild-essential-ARCH, pkgconf:ARCH and the -dev:ARCH libraries,
# qemu-user-static and binfmt-support) and skips apt when all is there, so
# it works offline once installed, like deploy/deps.sh.
# --test runs, under qemu (ctest's CMAKE_CROSSCOMPILING_EMULATOR), the unit
# tests and, on arm64, the cli, sync, membership, kim and http integration
# tests; those exec the binary from bash, so they need binfmt_misc, which
# this script enables. The other integration tests pass under qemu too,
# but for hostile (its timeouts are too short for an emulated daemon) and
# clock (its LD_PRELOAD library goes into the host's date); the lab, ui
# and http_fuzz are left to the native builds for time.
# Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

arch=${1:-}
shift || true
case $arch in
arm64) triplet=aarch64-linux-gnu qemu=aarch64 ;;
armhf) triplet=arm-linux-gnueabihf qemu=arm ;;
*)
  echo "usage: deploy/cross.sh arm64|armhf [--test] [--deps-only] [CMAKE-ARGS...]" >&2
  exit 2
  ;;
esac
test=false deps_only=false
while [ $# -gt 0 ]; do
  case $1 in
  --test) test=true ;;
  --deps-only) deps_only=true ;;
  *) break ;;
  esac
  shift
done

# ---- what it needs --------------------------------------------------------
# The native toolchain and cmake/ninja come from deploy/deps.sh.
deploy/deps.sh
libs=(libuv1-dev libmsgpack-dev liblmdb-dev libsodium-dev libinih-dev
      libjansson-dev libmicrohttpd-dev libcmocka-dev pkgconf
      libqrencode-dev zlib1g-dev)
pkgs=(crossbuild-essential-"$arch" qemu-user-static binfmt-support)
for l in "${libs[@]}"; do pkgs+=("$l:$arch"); done

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
    missing+=("$p")
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "cross: installing ${missing[*]}" >&2
  dpkg --print-foreign-architectures | grep -qx "$arch" ||
    $sudo dpkg --add-architecture "$arch"
  $sudo apt-get update -qq
  # --no-remove: a -dev:ARCH package must never replace the native one
  # (all of these are Multi-Arch: same, so apt may only add them).
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-remove \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

# binfmt_misc runs ARCH programs exec'd by the tests' scripts through
# qemu-ARCH-static. A container may need its mount first.
binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/register" ]; then
  $sudo mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null || true
fi
if [ -e "$binfmt/register" ] &&
   ! grep -qx enabled "$binfmt/qemu-$qemu" 2>/dev/null; then
  $sudo update-binfmts --enable "qemu-$qemu" >/dev/null 2>&1 || true
fi
$deps_only && exit 0

# ---- build ----------------------------------------------------------------
dir=build-$arch
cmake -S . -B "$dir" -G Ninja -DCMAKE_TOOLCHAIN_FILE="cmake/$arch.cmake" \
  -DSIMPUL_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
machine=$([ "$arch" = arm64 ] && echo AArch64 || echo ARM)
readelf -h "$dir/simpul" | grep -Eq "Machine: +$machine\$" || {
  echo "cross: $dir/simpul is not an $arch program" >&2
  exit 1
}
$test || exit 0

# ---- tests under qemu -----------------------------------------------------
tests='^test_.*$'
if [ "$arch" = arm64 ]; then
  if ! grep -qx enabled "$binfmt/qemu-$qemu" 2>/dev/null; then
    echo "cross: binfmt_misc for qemu-$qemu is not enabled: the integration" \
      "tests cannot exec $arch programs (mount binfmt_misc, then" \
      "update-binfmts --enable qemu-$qemu)" >&2
    exit 1
  fi
  tests='^(test_.*|cli|sync|membership|kim|http)$'
fi
cd "$dir"
ctest --output-on-failure -j "$(nproc)" -R "$tests"
