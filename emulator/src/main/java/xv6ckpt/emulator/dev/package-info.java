/**
 * The devices of the full-system machine, at the QEMU {@code virt} board's addresses that xv6-riscv
 * uses: CLINT, PLIC, a 16550 UART and a virtio-mmio block device. They know nothing of harts or of
 * xv6: the bus calls them through {@link xv6ckpt.emulator.dev.Mmio}, they signal through {@link
 * xv6ckpt.emulator.dev.IrqLine}, and their time is the machine's instruction-count time, handed to
 * them; never the wall clock.
 */
package xv6ckpt.emulator.dev;
