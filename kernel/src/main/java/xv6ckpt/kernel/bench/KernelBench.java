package xv6ckpt.kernel.bench;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/**
 * The kernel benchmarks (issue 4): fork+exec+exit+wait per second, snapshot and reset cost of a
 * machine idle at a console read, and, given an xv6 image with init, sh and usertests (stock or the
 * project's), boot to the first "$ " and the wall time of {@code usertests -q}.
 *
 * <p>The programs of the first two are built here with the project's assembler, so those figures
 * need no image. Time is the host's monotonic clock, read only here, never inside the kernel; each
 * figure is the median of several runs after a warm-up run.
 */
public final class KernelBench {
  private KernelBench() {}

  /** What one run measured; NaN where an image was needed and not given. */
  public record Figures(
      double forkExecPerSecond,
      double snapshotMicros,
      double resetMicros,
      int resetDirtyPages,
      double bootMillis,
      double usertestsQuickSeconds) {

    /** One line per figure, "name value", for the bench command. */
    public List<String> lines() {
      return List.of(
          String.format("kernel.fork_exec_exit_wait_per_s %.0f", forkExecPerSecond),
          String.format("kernel.snapshot_us %.1f", snapshotMicros),
          String.format("kernel.reset_us %.1f (%d dirty pages)", resetMicros, resetDirtyPages),
          String.format("kernel.boot_to_prompt_ms %.1f", bootMillis),
          String.format("kernel.usertests_quick_s %.2f", usertestsQuickSeconds));
    }
  }

  static final Machine.Config CONFIG = Machine.Config.defaults();

  /** Runs every benchmark; the last two only with an image holding init, sh and usertests. */
  public static Figures measure(int forkExecLoops, Optional<byte[]> xv6Image) {
    double forks = forkExecPerSecond(forkExecLoops);
    double[] snap = snapshotAndReset(2000);
    double boot = xv6Image.map(KernelBench::bootMillis).orElse(Double.NaN);
    double ut = xv6Image.map(KernelBench::usertestsQuickSeconds).orElse(Double.NaN);
    return new Figures(forks, snap[0], snap[1], (int) snap[2], boot, ut);
  }

  // ---------------------------------------------------------------- programs

  private static byte[] elf(Assembler a, int bss) {
    byte[] code = a.assemble();
    return new Elf64Writer()
        .segment(0, code, code.length + bss, Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X)
        .entry(0)
        .write();
  }

  /** exit(0) */
  private static byte[] nop() {
    Assembler a = new Assembler(0);
    a.li(A0, 0).li(A7, 2).ecall();
    return elf(a, 0);
  }

  /** n times: fork; the child execs /nop; the parent waits. Then exit(0). */
  private static byte[] forkExecLoop(int n) {
    Assembler a = new Assembler(0);
    a.li(S1, n).label("loop").li(A7, 1).ecall().beqz(A0, "child");
    a.li(A0, 0).li(A7, 3).ecall().addi(S1, S1, -1).bnez(S1, "loop");
    a.li(A0, 0).li(A7, 2).ecall();
    a.label("child").la(T0, "argv").la(T1, "path").sd(T1, 0, T0).sd(0, 8, T0);
    a.la(A0, "path").mv(A1, T0).li(A7, 7).ecall();
    a.li(A0, 1).li(A7, 2).ecall();
    a.label("path").bytes("/nop\0".getBytes(StandardCharsets.US_ASCII));
    while (a.size() % 8 != 0) {
      a.bytes(0);
    }
    a.label("argv").bytes(new byte[16]);
    return elf(a, 0);
  }

  /** Reads a line from the console, writes it back, exits. */
  private static byte[] readLine() {
    Assembler a = new Assembler(0);
    a.li(A0, 0).la(A1, "buf").li(A2, 64).li(A7, 5).ecall();
    a.mv(A2, A0).li(A0, 1).la(A1, "buf").li(A7, 16).ecall();
    a.li(A0, 0).li(A7, 2).ecall();
    while (a.size() % 8 != 0) {
      a.bytes(0);
    }
    a.label("buf");
    return elf(a, 4096);
  }

  private static MemoryBlockDevice image(List<Mkfs.Node> nodes) {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    try {
      Mkfs.make(d, Mkfs.Options.stock(), nodes);
    } catch (MkfsException e) {
      throw new IllegalStateException("benchmark image: " + e.getMessage(), e);
    }
    return d;
  }

  private static Machine runner(MemoryBlockDevice disk) {
    try {
      return Machine.runner(disk, CONFIG);
    } catch (Machine.BootException e) {
      throw new IllegalStateException("benchmark machine: " + e.getMessage(), e);
    }
  }

  private static void spawn(Machine m, String path) {
    try {
      m.spawn(path, List.of(path));
    } catch (Machine.BootException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Runs until the spawned program exits; fails loudly on anything else. */
  private static void finish(Machine m) {
    for (; ; ) {
      Machine.Outcome o = m.run(100_000_000);
      if (o instanceof Machine.Outcome.Exited) {
        return;
      }
      if (!(o instanceof Machine.Outcome.BudgetSpent)) {
        throw new IllegalStateException("benchmark program did not finish: " + o);
      }
    }
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  // ---------------------------------------------------------------- the benchmarks

  /** Rounds of fork, exec of a one-instruction program, exit, wait, per second. */
  public static double forkExecPerSecond(int loops) {
    double[] runs = new double[5];
    for (int r = -1; r < runs.length; r++) {
      Machine m =
          runner(
              image(
                  List.of(
                      new Mkfs.FileNode("nop", nop()),
                      new Mkfs.FileNode("loop", forkExecLoop(loops)))));
      spawn(m, "/loop");
      long t0 = System.nanoTime();
      finish(m);
      long ns = System.nanoTime() - t0;
      if (r >= 0) {
        runs[r] = loops / (ns / 1e9);
      }
    }
    return median(runs);
  }

  /**
   * Snapshot and reset of a machine whose program waits at a console read: each round feeds a line,
   * runs the program to its exit, and resets. Returns {snapshot us, reset us, pages a reset copies
   * back}.
   */
  public static double[] snapshotAndReset(int rounds) {
    Machine m = runner(image(List.of(new Mkfs.FileNode("readline", readLine()))));
    spawn(m, "/readline");
    m.run(1_000_000); // now blocked in read
    double[] snaps = new double[50];
    Machine.Snapshot s = null;
    for (int i = 0; i < snaps.length; i++) {
      long t0 = System.nanoTime();
      s = m.snapshot();
      snaps[i] = (System.nanoTime() - t0) / 1e3;
    }
    double[] resets = new double[rounds];
    int dirty = 0;
    for (int i = 0; i < rounds; i++) {
      m.consoleInput("hello\n");
      finish(m);
      dirty = m.memory().dirtyPageCount();
      long t0 = System.nanoTime();
      m.reset(s);
      resets[i] = (System.nanoTime() - t0) / 1e3;
      m.takeOutput();
    }
    return new double[] {
      median(snaps), median(Arrays.copyOfRange(resets, rounds / 2, rounds)), dirty
    };
  }

  /** Boot of an image with /init and sh to the shell's first "$ ", in milliseconds. */
  public static double bootMillis(byte[] xv6Image) {
    double[] runs = new double[7];
    for (int r = -3; r < runs.length; r++) {
      long t0 = System.nanoTime();
      Machine m;
      try {
        m = Machine.boot(new MemoryBlockDevice(FsFormat.BSIZE, xv6Image), CONFIG);
      } catch (Machine.BootException e) {
        throw new IllegalStateException("boot: " + e.getMessage(), e);
      }
      while (!m.output().contains("$ ")) {
        Machine.Outcome o = m.run(10_000);
        if (o instanceof Machine.Outcome.Panicked
            || (o instanceof Machine.Outcome.Idle && !m.output().contains("$ "))) {
          throw new IllegalStateException("boot did not reach a prompt: " + o);
        }
      }
      long ns = System.nanoTime() - t0;
      if (r >= 0) {
        runs[r] = ns / 1e6;
      }
    }
    return median(runs);
  }

  /**
   * Reset of a booted machine idle at the shell's prompt, after the shell ran {@code echo hi | wc}
   * (init, sh, a pipe, two children): {median us, pages the reset copied back}.
   */
  public static double[] shellResetMicros(byte[] xv6Image, int rounds) {
    Machine m;
    try {
      m = Machine.boot(new MemoryBlockDevice(FsFormat.BSIZE, xv6Image), CONFIG);
    } catch (Machine.BootException e) {
      throw new IllegalStateException("boot: " + e.getMessage(), e);
    }
    idleAtPrompt(m);
    Machine.Snapshot s = m.snapshot();
    double[] resets = new double[rounds];
    int dirty = 0;
    for (int i = 0; i < rounds; i++) {
      m.consoleInput("echo hi | wc\n");
      idleAtPrompt(m);
      dirty = m.memory().dirtyPageCount();
      long t0 = System.nanoTime();
      m.reset(s);
      resets[i] = (System.nanoTime() - t0) / 1e3;
      m.takeOutput();
    }
    return new double[] {median(Arrays.copyOfRange(resets, rounds / 2, rounds)), dirty};
  }

  private static void idleAtPrompt(Machine m) {
    Machine.Outcome o = m.run(100_000_000);
    if (!(o instanceof Machine.Outcome.Idle) || !m.output().endsWith("$ ")) {
      throw new IllegalStateException("the shell did not come back to its prompt: " + o);
    }
  }

  /** Wall time of {@code usertests -q} run as pid 2; fails unless ALL TESTS PASSED. */
  public static double usertestsQuickSeconds(byte[] xv6Image) {
    Machine m = runner(new MemoryBlockDevice(FsFormat.BSIZE, xv6Image));
    long t0 = System.nanoTime();
    try {
      m.spawn("/usertests", List.of("usertests", "-q"));
    } catch (Machine.BootException e) {
      throw new IllegalStateException("usertests: " + e.getMessage(), e);
    }
    finish(m);
    long ns = System.nanoTime() - t0;
    if (!m.output().contains("ALL TESTS PASSED")) {
      throw new IllegalStateException("usertests -q did not pass");
    }
    return ns / 1e9;
  }
}
