# Cross compiling with Debian's cross compilers and the target's libraries
# from Debian multiarch (deploy/cross.sh installs both). Included by the
# per-architecture toolchain files (arm64.cmake, armhf.cmake), which set
# SIMPUL_TRIPLET, SIMPUL_CPU and SIMPUL_QEMU first.
#
# The target's libraries and headers live in the host's own tree
# (/usr/lib/<triplet>, /usr/include/<triplet>), so there is no sysroot: the
# cross compiler searches them, and pkg-config for the target
# (<triplet>-pkg-config, from pkgconf:<arch>) reports them.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${SIMPUL_CPU})
set(CMAKE_C_COMPILER ${SIMPUL_TRIPLET}-gcc)
set(CMAKE_LIBRARY_ARCHITECTURE ${SIMPUL_TRIPLET})
set(PKG_CONFIG_EXECUTABLE ${SIMPUL_TRIPLET}-pkg-config CACHE FILEPATH
    "pkg-config for the target")

# Programs are the host's; libraries and headers only the target's.
set(CMAKE_FIND_ROOT_PATH /usr/${SIMPUL_TRIPLET})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)

# ctest runs the target's test programs under qemu-user. Never with -L: the
# multiarch libraries are found at their usual paths, and -L with the cross
# compiler's own C library pairs two glibc builds (pthread_create then spins
# for ever). Tests that exec the binary from a script need binfmt_misc
# (qemu-user-static + binfmt-support; deploy/cross.sh enables it).
find_program(SIMPUL_QEMU_PATH ${SIMPUL_QEMU})
if(SIMPUL_QEMU_PATH)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SIMPUL_QEMU_PATH})
endif()
