package xv6ckpt.kernel;

/**
 * xv6's {@code panic(msg)}: a broken kernel invariant, or a disk so corrupted that the kernel
 * cannot go on (a wild block number, an inode of unknown type, a transaction too big for the log).
 *
 * <p>It is thrown where xv6 would stop the machine and caught at the kernel's top level, which
 * turns it into the machine's distinct "panicked" outcome carrying {@link #panicMessage()}; tests
 * and fuzzers detect it by type. After a panic the machine's in-memory state is not to be used
 * again; what is on the disk stays as a real crash would leave it.
 */
public final class KernelPanic extends RuntimeException {
  private final String panicMessage;

  public KernelPanic(String panicMessage) {
    super("panic: " + panicMessage);
    this.panicMessage = panicMessage;
  }

  public KernelPanic(String panicMessage, Throwable cause) {
    super("panic: " + panicMessage, cause);
    this.panicMessage = panicMessage;
  }

  /** The message as xv6 would print it after {@code panic: }. */
  public String panicMessage() {
    return panicMessage;
  }
}
