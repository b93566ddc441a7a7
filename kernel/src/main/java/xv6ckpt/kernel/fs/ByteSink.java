package xv6ckpt.kernel.fs;

/**
 * Where readi puts its bytes: xv6's {@code either_copyout}, a user virtual address or a kernel
 * buffer. Returning false (a bad user address) makes readi fail with -1, as in xv6.
 */
@FunctionalInterface
public interface ByteSink {

  /** Copies src[srcOff..srcOff+n) to destination address {@code addr}. */
  boolean copyOut(long addr, byte[] src, int srcOff, int n);

  /** A kernel buffer: address a is a[a]; anything outside the array is a bad address. */
  static ByteSink of(byte[] a) {
    return (addr, src, srcOff, n) -> {
      if (addr < 0 || n < 0 || addr + n > a.length) {
        return false;
      }
      System.arraycopy(src, srcOff, a, (int) addr, n);
      return true;
    };
  }
}
