package xv6ckpt.harness.fuzz;

/**
 * When the reaper of syscall-args on a C kernel sweeps, and up to which pid ({@link
 * SyscallArgsElfTarget}'s cleanup): xv6's pids only grow, and the harness sees every fork result
 * that returns to user mode, so a sweep covers [server, highest seen + NPROC] (a child whose parent
 * died in fork is seen by no one), or only the server when no fork can have made a child.
 *
 * <p>A sweep is made again only after a fork result above the highest the last sweep was armed with
 * (or a fork issued after a sweep of the server alone): each kill scans xv6's process table (about
 * 14,000 steps; a wide sweep costs most of a tick), and sweeping every tick took the CPU the killed
 * processes needed to exit (session 5: 14 inputs were "unkillable", 11 leaked pages, until sweeps
 * waited for an uncovered fork). The range stays wide once a child may exist: a sweep kills pids in
 * rising order as a fork bomb takes them, so NPROC pids ahead end bombs that a range of only the
 * pids seen lets grow to NPROC (tried: one corpus input then leaked 831 pages).
 */
final class ReaperSweeps {
  private final int serverPid;
  private final int nproc;
  private int highest;
  private int armed = Integer.MIN_VALUE;

  /** Whether the last sweep was the server's pid alone (no child could exist when it was armed). */
  private boolean alone;

  /**
   * Sweeps for the server {@code serverPid} whose forks so far returned at most {@code highest}.
   */
  ReaperSweeps(int serverPid, int highest, int nproc) {
    this.serverPid = serverPid;
    this.highest = highest;
    this.nproc = nproc;
  }

  /** A fork returned {@code pid} in some process of the input. */
  void forked(long pid) {
    if (pid > highest) highest = (int) pid;
  }

  /**
   * Whether a sweep is due (once the reaper is idle): a fork result above the last sweep's, or a
   * fork issued ({@code unreturnedForks}, {@code ElfKernel.unreturned}) since a sweep of the server
   * alone: the server may run on after that sweep is armed, and if the reaper kills it inside the
   * fork, the child's pid is never seen (found on the kit's kernel, session 13: a child sleeping
   * 4,096 ticks outlived the cleanup).
   */
  boolean due(long unreturnedForks) {
    return highest > armed || (alone && unreturnedForks > 0);
  }

  /**
   * The last pid of the sweep armed now. {@code unreturnedForks}: forks whose return was not seen
   * ({@code ElfKernel.unreturned}); any makes the range wide.
   */
  long arm(long unreturnedForks) {
    armed = highest;
    alone = highest == serverPid && unreturnedForks == 0;
    return alone ? serverPid : highest + (long) nproc;
  }
}
