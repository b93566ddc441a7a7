package xv6ckpt.emulator.dev;

/**
 * A device's registers as the bus sees them, at offsets from the device's base address.
 *
 * <p>The bus hands a device only accesses inside its window ({@code 0 <= offset < size()}) that are
 * 1, 2, 4 or 8 bytes wide and naturally aligned; it turns every other access into an access fault
 * itself. Inside its window a device answers everything: a register it does not have reads as 0 and
 * ignores writes, as QEMU's {@code virt} devices do. Guest behaviour never makes a device throw; a
 * device throws only for a caller bug (an access the bus should have refused).
 */
public interface Mmio {

  /** Bytes of address space the device occupies. */
  long size();

  /** Reads {@code width} bytes at {@code offset}, zero-extended to 64 bits. */
  long read(long offset, int width);

  /** Writes the low {@code width} bytes of {@code value} at {@code offset}. */
  void write(long offset, int width, long value);
}
