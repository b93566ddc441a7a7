package xv6ckpt.harness.fuzz;

/**
 * How long the cleanup of syscall-args on a C kernel runs ({@link SyscallArgsElfTarget}): its
 * budget, then on while the leftovers still make progress, up to a limit. A killed process leaves
 * its call straight into exit, so no return shows its progress; what the caller sees instead (the
 * console's length, blocks written, free pages, the process table) is handed to {@link #saw} after
 * each slice, from the time it can matter ({@link #watching}: looking costs a walk of the free
 * list).
 *
 * <p>Why not a fixed budget: 60 killed processes that were all in link end about one per 1.2M steps
 * on stock xv6, 84M in all (session 14: the kit judge's eighth clean run called such a fork bomb
 * "unkillable" after a 50M budget). Why not an unbounded one: a process still allocating (f5b93ef's
 * eager sbrk of MiBs) or writing the console keeps moving for seconds of guest time.
 */
final class CleanupClock {
  private final long budget, limit, stall;
  private long spent, movedAt;
  private Object last;

  /**
   * A clock that runs at least {@code budget} steps and at most {@code limit}, and past the budget
   * only while something moved in the last {@code stall} steps.
   */
  CleanupClock(long budget, long limit, long stall) {
    this.budget = budget;
    this.limit = limit;
    this.stall = stall;
  }

  /** {@code steps} more were run. */
  void ran(long steps) {
    spent += steps;
  }

  /** Something of the leftovers moved now (a call of theirs returned). */
  void moved() {
    movedAt = spent;
  }

  /**
   * Whether what the caller sees can still change a decision: from {@code stall} before the budget.
   */
  boolean watching() {
    return spent >= budget - stall;
  }

  /** What the caller sees now; the first look is the baseline, any later difference progress. */
  void saw(Object activity) {
    if (last != null && !activity.equals(last)) moved();
    last = activity;
  }

  /** Whether to run another slice. */
  boolean goOn() {
    return spent < budget || (spent < limit && !stalled());
  }

  /** Whether nothing moved in the last {@code stall} steps. */
  boolean stalled() {
    return spent - movedAt >= stall;
  }

  /** Steps run so far. */
  long spent() {
    return spent;
  }
}
