# Toolchain: Debian's armhf cross compiler (32-bit Raspberry Pi OS, ARMv7
# with hard float). deploy/cross.sh armhf uses it; see debian-cross.cmake.
set(SIMPUL_TRIPLET arm-linux-gnueabihf)
set(SIMPUL_CPU arm)
set(SIMPUL_QEMU qemu-arm-static)
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
