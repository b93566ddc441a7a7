package xv6ckpt.specs;

/** Little-endian integers of 1 to 8 bytes in a byte array: the image's only byte order. */
final class Le {
  private Le() {}

  /** The unsigned value of the size bytes at off (size 8 gives all 64 bits). */
  static long get(byte[] b, long off, int size) {
    long v = 0;
    for (int i = size - 1; i >= 0; i--) {
      v = (v << 8) | (b[(int) off + i] & 0xff);
    }
    return v;
  }

  /** Stores the low size bytes of v at off. */
  static void put(byte[] b, long off, int size, long v) {
    for (int i = 0; i < size; i++) {
      b[(int) off + i] = (byte) (v >>> (8 * i));
    }
  }
}
