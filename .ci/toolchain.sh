#!/usr/bin/env bash
# The RISC-V toolchain that builds the committed binaries (the ELF files emulator/programs
# makes, kernel/user/bin/*): Debian 12's packages at these exact versions. Another
# GCC or binutils may emit other bytes, so `make check` would fail on a byte mismatch that
# says nothing about the sources; checking the versions first turns that into a clear message.
#
#   source .ci/toolchain.sh            the pinned versions (.ci/run installs exactly these)
#   bash .ci/toolchain.sh [GCC]        exit 1, naming expected and found, unless GCC (default
#                                      riscv64-unknown-elf-gcc) and the ld beside it are the
#                                      pinned ones; the Makefiles' check targets run this first
#
# To move to a new toolchain: install it, rebuild both folders (make in emulator/programs and
# kernel/user), commit the binaries together with the new versions here.

GCC_RISCV_DEB='12.2.0-14+deb12u1+11+b2'      # gcc-riscv64-unknown-elf
BINUTILS_RISCV_DEB='2.40-2+4+b1'             # binutils-riscv64-unknown-elf
QEMU_USER_DEB='1:7.2+dfsg-7+deb12u18+b3'     # qemu-user (second opinion only; no bytes depend on it)

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  gcc="${1:-riscv64-unknown-elf-gcc}"
  ld="${gcc%gcc}ld"
  bad=0
  # Debian's builds print the package version in parentheses on the first line.
  found="$("$gcc" --version 2>/dev/null | head -n 1)" || true
  case "$found" in
    *"($GCC_RISCV_DEB)"*) ;;
    *)
      echo "toolchain: expected $gcc from Debian's gcc-riscv64-unknown-elf $GCC_RISCV_DEB," >&2
      echo "toolchain: found: ${found:-no $gcc on PATH}" >&2
      bad=1 ;;
  esac
  found="$("$ld" --version 2>/dev/null | head -n 1)" || true
  case "$found" in
    *"($BINUTILS_RISCV_DEB)"*) ;;
    *)
      echo "toolchain: expected $ld from Debian's binutils-riscv64-unknown-elf $BINUTILS_RISCV_DEB," >&2
      echo "toolchain: found: ${found:-no $ld on PATH}" >&2
      bad=1 ;;
  esac
  if [ "$bad" = 1 ]; then
    echo "toolchain: the committed binaries reproduce only with the pinned toolchain; install it" >&2
    echo "toolchain: (.ci/run does) or, moving on deliberately, see the top of .ci/toolchain.sh" >&2
    exit 1
  fi
fi
