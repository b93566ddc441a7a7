package xv6ckpt.kernel.fs;

/**
 * Where writei takes its bytes from: xv6's {@code either_copyin}, a user virtual address or a
 * kernel buffer. Returning false (a bad user address) stops the write short, as in xv6.
 */
@FunctionalInterface
public interface ByteSource {

  /** Copies {@code n} bytes starting at source address {@code addr} into dst[dstOff..]. */
  boolean copyIn(long addr, byte[] dst, int dstOff, int n);

  /** A kernel buffer: address a is a[a]; anything outside the array is a bad address. */
  static ByteSource of(byte[] a) {
    return (addr, dst, dstOff, n) -> {
      if (addr < 0 || n < 0 || addr + n > a.length) {
        return false;
      }
      System.arraycopy(a, (int) addr, dst, dstOff, n);
      return true;
    };
  }
}
