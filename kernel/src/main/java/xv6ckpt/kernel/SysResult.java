package xv6ckpt.kernel;

/**
 * What a system call handler did: returned a value, blocked, ended the process, or replaced its
 * registers and memory (restore).
 */
sealed interface SysResult {

  /** The call completed; {@code value} goes to a0. */
  record Ret(long value) implements SysResult {}

  /**
   * The call must wait: the process sleeps on {@code chan} with pc back at its ecall and re-issues
   * the call when woken (see {@link Restart}).
   */
  record Block(long chan) implements SysResult {}

  /** The process no longer runs (exit): nothing is written back to it. */
  record Gone() implements SysResult {}

  /**
   * The handler gave the process new registers, pc, memory and restart state (restore): nothing is
   * written back, and the restart state it set is kept.
   */
  record Replaced() implements SysResult {}

  Ret MINUS_ONE = new Ret(-1);
  Ret ZERO = new Ret(0);
  Gone GONE = new Gone();

  static Ret ret(long v) {
    return v == -1 ? MINUS_ONE : v == 0 ? ZERO : new Ret(v);
  }
}
