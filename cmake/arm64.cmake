# Toolchain: Debian's arm64 cross compiler (Raspberry Pi 3/4/5 with a
# 64-bit OS). deploy/cross.sh arm64 uses it; see debian-cross.cmake.
set(SIMPUL_TRIPLET aarch64-linux-gnu)
set(SIMPUL_CPU aarch64)
set(SIMPUL_QEMU qemu-aarch64-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
