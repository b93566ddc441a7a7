#!/bin/sh
# Rebuilds the benchmark images: flat binaries loaded at virtual address 0x10000, entry there
# (start.S comes first; -fno-reorder-functions keeps main out of .text.startup, before it).
# Needs Debian's gcc-riscv64-unknown-elf. Run from this directory: sh build.sh
set -e
for p in alu sort crc; do
  riscv64-unknown-elf-gcc -O2 -march=rv64imac -mabi=lp64 -mcmodel=medany -nostdlib \
    -ffreestanding -fno-builtin -fno-reorder-functions -static -Wl,-Ttext=0x10000 -Wl,--build-id=none \
    -o "$p.elf" start.S "$p.c"
  riscv64-unknown-elf-objcopy -O binary "$p.elf" "$p.bin"
  rm "$p.elf"
done
