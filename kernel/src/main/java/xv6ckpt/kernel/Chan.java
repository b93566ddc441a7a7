package xv6ckpt.kernel;

/**
 * Sleep channels. xv6 sleeps on addresses; this kernel on numbers that name the same things: a
 * process (a parent waiting for its children), the tick counter, the log, the console's input, and
 * each end of each pipe.
 */
final class Chan {
  private Chan() {}

  static final long TICKS = 1L << 40;
  static final long LOG = 2L << 40;
  static final long CONSOLE = 3L << 40;

  /** Nothing ever wakes this channel (the init of a runner machine sleeps on it). */
  static final long NEVER = 6L << 40;

  private static final long PROC = 4L << 40;
  private static final long PIPE = 5L << 40;

  /** A process, by slot: where its parent's wait sleeps. */
  static long proc(int slot) {
    return PROC | slot;
  }

  /** Readers of pipe {@code id} sleep here (xv6: &pi->nread). */
  static long pipeRead(long id) {
    return PIPE | (id << 1);
  }

  /** Writers of pipe {@code id} sleep here (xv6: &pi->nwrite). */
  static long pipeWrite(long id) {
    return PIPE | (id << 1) | 1;
  }
}
