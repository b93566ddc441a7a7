package xv6ckpt.harness.rig;

import java.util.List;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Machines: the configurations the harness uses, booting a runner (pid 1 sleeps, the kernel reaps),
 * starting programs, and running to the end or to a process's exit call. A machine is a value:
 * {@link Machine#snapshot} and {@link Machine#reset} take it back to any point.
 */
public final class Machines {
  private Machines() {}

  /** The laws: 16 MiB of RAM and a short quantum, so interleavings happen in small programs. */
  public static final Machine.Config LAWS =
      Machine.Config.defaults().withRam(16L << 20).withQuantum(5_000);

  /** The image-agreement laws: 32 MiB of RAM (room for large images), the default quantum. */
  public static final Machine.Config LARGE = Machine.Config.defaults().withRam(32L << 20);

  /** The fuzz targets: 32 MiB of RAM, a 20,000-instruction quantum, no jitter. */
  public static final Machine.Config FUZZ =
      Machine.Config.defaults().withRam(32L << 20).withQuantum(20_000);

  /** How far {@link #finish(Machine)} runs a machine that does not stop by itself. */
  public static final long SHORT_RUN = 20_000_000;

  /** A limit for runs that write or restore large images. */
  public static final long LONG_RUN = 100_000_000;

  /** A runner machine booted over disk. */
  public static Machine runner(BlockDevice disk, Machine.Config config) {
    try {
      return Machine.runner(disk, config);
    } catch (Machine.BootException e) {
      throw new IllegalStateException("the rig's machine does not boot: " + e.getMessage(), e);
    }
  }

  /** Starts /argv[0] with argv as a child of init; its pid. */
  public static int spawn(Machine m, List<String> argv) {
    try {
      return m.spawn("/" + argv.get(0), argv);
    } catch (Machine.BootException e) {
      throw new IllegalStateException("spawn " + argv + " failed: " + e.getMessage(), e);
    }
  }

  /** Starts /argv[0] with argv as a child of init; its pid. */
  public static int spawn(Machine m, String... argv) {
    return spawn(m, List.of(argv));
  }

  /**
   * Runs until a watched process exits, the machine idles or panics, or {@link #SHORT_RUN}
   * instructions have run.
   */
  public static Machine.Outcome finish(Machine m) {
    return finish(m, SHORT_RUN);
  }

  /** As {@link #finish(Machine)}, for at most {@code maxInstructions}. */
  public static Machine.Outcome finish(Machine m, long maxInstructions) {
    return m.runUntilStopped(maxInstructions);
  }

  /** A process at its exit call: its state, and the console output up to that point. */
  public record AtExit(UserState state, String output) {}

  /**
   * Runs m until process pid stands at its exit call (pc at an ecall with a7 = SYS_exit, the call
   * not yet made; nothing else in the machine may wait for input or time) and returns its state
   * there, leaving m at that point with its console output taken (it is in the result: a reset does
   * not take back what the undone run printed). A run is deterministic, so the point is the largest
   * instruction budget after which pid has not exited: m runs on in chunks, each from a snapshot,
   * and the chunk that sees the exit is halved from its snapshot down to one instruction. This is
   * how the harness sees the final registers and memory of a program that exits, which the process
   * table forgets at its exit.
   */
  public static AtExit runToExitCall(Machine m, int pid) {
    StringBuilder out = new StringBuilder(m.takeOutput());
    long chunk = 1 << 14;
    Machine.Snapshot s = m.snapshot();
    for (int i = 0; !exitsWithin(m, pid, chunk); i++) {
      if (i == 2_000) {
        throw new AssertionError("pid " + pid + " runs on past 2000 chunks");
      }
      out.append(m.takeOutput());
      s = m.snapshot();
    }
    m.reset(s);
    m.takeOutput();
    for (long n = chunk; n > 1; ) { // from s, pid exits within n instructions, not within 0
      long half = n / 2;
      if (exitsWithin(m, pid, half)) {
        m.reset(s);
        m.takeOutput();
        n = half;
      } else {
        out.append(m.takeOutput());
        s = m.snapshot();
        n -= half;
      }
    }
    UserState u = UserState.of(m, pid);
    long root = UserState.process(m, pid).pagetable();
    assertAt(
        UserPages.fetch32(m.memory(), root, u.pc()) == ECALL && u.reg(17) == Xv6Abi.SYS_exit,
        "pid "
            + pid
            + " is not at an exit call: pc 0x"
            + Long.toHexString(u.pc())
            + " a7 "
            + u.reg(17));
    return new AtExit(u, out.toString());
  }

  private static final int ECALL = 0x00000073;

  private static boolean exitsWithin(Machine m, int pid, long budget) {
    Machine.Outcome o = m.run(budget);
    if (o instanceof Machine.Outcome.BudgetSpent) {
      return false;
    }
    assertAt(
        o instanceof Machine.Outcome.Exited && ((Machine.Outcome.Exited) o).pid() == pid,
        "pid " + pid + " stopped before its exit: " + o);
    return true;
  }

  private static void assertAt(boolean ok, String why) {
    if (!ok) {
      throw new AssertionError(why);
    }
  }
}
