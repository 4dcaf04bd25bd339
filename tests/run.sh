#!/usr/bin/env bash
# Every test, twice: a normal build (gcc, -Werror) and a build under
# AddressSanitizer + UndefinedBehaviorSanitizer (clang), which also runs the
# libFuzzer targets for a short while. In between, the Raspberry Pi builds
# (deploy/cross.sh): arm64 with the unit tests and the cli, sync,
# membership, kim and http integration tests under qemu-aarch64, and its
# .deb (deploy/package.sh, lintian clean); armhf (32-bit) with the unit
# tests under qemu-arm. Installs what it needs first.
# Exits non-zero on any failure; the last lines are ctest's summary.
set -uo pipefail
cd "$(dirname "$0")/.."
deploy/deps.sh --test || exit 1

jobs=$(nproc)
status=0

build() { # dir, cmake args...
  local dir=$1; shift
  cmake -S . -B "$dir" -G Ninja -DSIMPUL_WERROR=ON "$@" >/dev/null &&
    cmake --build "$dir" -j "$jobs"
}

echo "== normal build (gcc) =="
if build build; then
  (cd build && ctest --output-on-failure -j "$jobs") || status=1
else
  status=1
fi

echo "== Raspberry Pi: arm64 under qemu-aarch64, its package; armhf =="
start=$SECONDS
deploy/cross.sh arm64 --test || status=1
deploy/package.sh arm64 || status=1
deploy/cross.sh armhf --test || status=1
echo "== Raspberry Pi builds and tests took $((SECONDS - start)) s =="

echo "== sanitizer build (clang, ASan + UBSan, fuzzers) =="
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
if build build-asan -DCMAKE_C_COMPILER=clang -DSIMPUL_SANITIZE=ON \
     -DSIMPUL_FUZZ=ON; then
  (cd build-asan && ctest --output-on-failure -j "$jobs") || status=1
else
  status=1
fi
exit $status
