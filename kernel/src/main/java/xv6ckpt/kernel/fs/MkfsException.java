package xv6ckpt.kernel.fs;

/** mkfs cannot build the requested image: bad parameters, a bad name, or it does not fit. */
public final class MkfsException extends Exception {
  public MkfsException(String message) {
    super(message);
  }
}
