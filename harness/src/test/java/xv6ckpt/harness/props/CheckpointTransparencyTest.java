package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.testkit.UserProgram.PACKED;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.props.GenProgram.Op;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.UserState;
import xv6ckpt.kernel.Machine;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Invariant 2, checkpoint transparency: a generated program run without interruption ends exactly
 * like the same program checkpointed (by itself before operation k, or by another process after k
 * instructions), the machine thrown away, a new machine booted on the same disk, the image restored
 * and run to the end: the same console output (before the capture on the first machine, after it on
 * the second), the same registers, sz and pages when it blocks in its last read, the same exit
 * status. The program is pid 2 in every run (the restorer on the second machine is pid 2 and
 * restore keeps the caller's pid).
 *
 * <p>The same law for the project's C test programs ({@link CProgram}: counter, longcomp, wc,
 * grep), which exit rather than block: their registers, sz and pages are compared at their exit
 * call ({@link Machines#runToExitCall}); and for a long-running worker caught computing, printing,
 * growing its heap or asleep, whose output and exit are compared.
 */
@AddLifecycleHook(ScaledTries.class)
class CheckpointTransparencyTest {

  /** The end of a run: output, the state blocked in the final read, the exit status. */
  record End(String output, UserState state, Machine.Outcome exit) {}

  @Provide
  Arbitrary<List<Op>> programs() {
    return GenProgram.ops().list().ofMaxSize(30);
  }

  @Property(tries = 60)
  void selfCheckpointAtOperationKIsInvisible(
      @ForAll("programs") List<Op> ops, @ForAll @IntRange(min = 0, max = 30) int k) {
    int at = Math.min(k, ops.size());
    GenProgram.Built stand = GenProgram.build(ops, new GenProgram.Checkpoint(at, false));
    End plain = uninterrupted(stand.elf());
    MemoryBlockDevice disk =
        Disks.withFiles(
            Map.of(
                "prog", GenProgram.build(ops, new GenProgram.Checkpoint(at, true)).elf(),
                "rs", restorer()));
    Machine first = Machines.runner(disk, Machines.LAWS);
    Machines.spawn(first, "prog");
    assertThat(Machines.finish(first)).isEqualTo(new Machine.Outcome.Exited(2, 0));
    String before = beforeMark(first.output());
    Statistics.label("capture").collect("self");
    collectMix(ops);
    compare(plain, before, restoredRun(disk), stand.ckptCall());
  }

  @Property(tries = 60)
  void externalCheckpointAfterKInstructionsIsInvisible(
      @ForAll("programs") List<Op> ops, @ForAll @IntRange(min = 1, max = 4000) int k) {
    byte[] prog = GenProgram.build(ops, null).elf();
    End plain = uninterrupted(prog);
    MemoryBlockDevice disk =
        Disks.withFiles(Map.of("prog", prog, "ck", checkpointer(2), "rs", restorer()));
    Machine first = Machines.runner(disk, Machines.LAWS);
    Machines.spawn(first, "prog");
    Machine.Outcome o = first.run(k);
    Statistics.label("capture")
        .collect(
            o instanceof Machine.Outcome.Idle ? "external, blocked in read" : "external, running");
    collectMix(ops);
    int ck = Machines.spawn(first, "ck");
    assertThat(Machines.finish(first)).isEqualTo(new Machine.Outcome.Exited(ck, 0));
    compare(plain, beforeMark(first.output()), restoredRun(disk), -1);
    Statistics.label("capture")
        .coverage(
            c -> {
              c.check("external, running").count(n -> n >= 1);
              c.check("external, blocked in read").count(n -> n >= 1);
            });
  }

  // ------------------------------------------------------------ a worker that sleeps

  /**
   * The same law for a process caught at any point of a long run of computing, printing, growing
   * its heap and sleeping: {@link Worker} checkpointed from outside after k instructions, the
   * machine thrown away, a new one booted on the same disk and the image restored, prints the rest
   * of what the uninterrupted run prints and exits with its status.
   */
  @Property(tries = 30)
  void aWorkerCheckpointedAfterKInstructionsFinishesAsTheUninterruptedOne(
      @ForAll @LongRange(min = 1, max = 34_000) long k) {
    assertThat(Worker.END).isInstanceOf(Machine.Outcome.Exited.class);
    assertThat(Worker.WHOLE).hasLength(150);
    MemoryBlockDevice d = Worker.disk();
    Machine m = Machines.runner(d, Worker.CONFIG);
    Machines.spawn(m, "worker");
    Machine.Outcome first = m.run(k);
    Assume.that(first instanceof Machine.Outcome.BudgetSpent);
    int before = m.output().length(); // printed before the checkpointer exists
    int ckpt = Machines.spawn(m, "ckpt");
    Machine.Outcome c = Machines.finish(m, Machines.LONG_RUN);
    // The worker may finish before the checkpointer runs (CKPT_NO_PROCESS): nothing to test.
    Assume.that(!c.equals(new Machine.Outcome.Exited(ckpt, -2)));
    assertThat(c).isEqualTo(new Machine.Outcome.Exited(ckpt, 0));
    String upToCheckpoint = m.output(); // may hold a few letters printed after it

    Machine rebooted = Machines.runner(d, Worker.CONFIG); // the first machine is thrown away
    Machines.spawn(rebooted, "restore");
    assertThat(Machines.finish(rebooted, Machines.LONG_RUN)).isEqualTo(Worker.END);
    String rest = rebooted.output();
    String whole = Worker.WHOLE;
    assertWithMessage("k = %s: the rest is the end of the whole", k).that(whole).endsWith(rest);
    int cut = whole.length() - rest.length();
    assertWithMessage("k = %s: checkpointed between the first machine's outputs", k)
        .that(cut)
        .isAtLeast(before);
    assertWithMessage("k = %s", k).that(cut).isAtMost(upToCheckpoint.length());
    assertThat(whole).startsWith(upToCheckpoint);
  }

  /**
   * The worker, its checkpointer and restorer on a 3000-block disk, machines with a quantum of
   * 3000, and the uninterrupted run (made once, when first used).
   */
  private static final class Worker {
    static final Machine.Config CONFIG = Machines.LAWS.withQuantum(3000);

    /**
     * 150 rounds of: a hash step, a busy loop, one letter printed from the hash; every 8th round
     * sleep(1), every 16th round sbrk a page and store the hash in it. Exits with the hash's low
     * bits.
     */
    private static byte[] worker() {
      UserProgram p = new UserProgram(PACKED);
      p.a.li(S1, 0).li(S2, 12345);
      p.a.label("round");
      p.a.li(T0, 6364136223846793005L).mul(S2, S2, T0).add(S2, S2, S1);
      p.a.li(T0, 100).label("busy").addi(T0, T0, -1).bnez(T0, "busy");
      p.a.srli(T1, S2, 59).addi(T1, T1, 'A').la(T0, "bss").sb(T1, 0, T0);
      p.a.li(A0, 1).la(A1, "bss").li(A2, 1);
      p.sys(Xv6Abi.SYS_write);
      p.a.andi(T0, S1, 7).bnez(T0, "nosleep").li(A0, 1);
      p.sys(Xv6Abi.SYS_sleep);
      p.a.label("nosleep").andi(T0, S1, 15).bnez(T0, "nogrow").li(A0, 4096).li(A1, 1);
      p.sys(Xv6Abi.SYS_sbrk);
      p.a.sd(S2, 0, A0);
      p.a.label("nogrow").addi(S1, S1, 1).li(T0, 150).blt(S1, T0, "round");
      p.a.andi(A0, S2, 0x7f);
      p.sys(Xv6Abi.SYS_exit);
      return p.elf();
    }

    /** checkpoint(2, "img"); exit with the result. */
    private static byte[] checkpointer() {
      UserProgram p = new UserProgram(PACKED).str("path", "img");
      p.a.li(A0, 2);
      p.checkpoint("path");
      p.sys(Xv6Abi.SYS_exit);
      return p.elf();
    }

    /** restore("img"); exit with the code if it fails. */
    private static byte[] restorer() {
      UserProgram p = new UserProgram(PACKED).str("path", "img");
      p.restore("path");
      p.sys(Xv6Abi.SYS_exit);
      return p.elf();
    }

    private static final Map<String, byte[]> FILES =
        Map.of("worker", worker(), "ckpt", checkpointer(), "restore", restorer());

    static MemoryBlockDevice disk() {
      return Disks.withFiles(3000, FILES);
    }

    static final String WHOLE;
    static final Machine.Outcome END;

    static {
      Machine m = Machines.runner(disk(), CONFIG);
      Machines.spawn(m, "worker");
      END = Machines.finish(m, Machines.LONG_RUN);
      WHOLE = m.output();
    }
  }

  // ------------------------------------------------------------ the project's C programs

  /** Who checkpoints a C program: itself (its own checkpoint call) or another process. */
  enum Mode {
    SELF,
    EXTERNAL
  }

  /**
   * The same law for the project's C programs ({@link CProgram}), which end by exiting: their state
   * is compared at their exit call. Self (counter only; the others have no checkpoint call, so they
   * get the external mode whatever was drawn): counter k /img s, with k &le; s &lt; 2k, checkpoints
   * itself once, at step k; the uninterrupted run is counter with that call standing in as {@code
   * li a0, 1} (see {@link CProgram#standin}). External: another process checkpoints it after k
   * instructions (k wrapped into the program's run), running or blocked in a console read.
   */
  @Property(tries = 40)
  void aCProgramCheckpointedAtKIsInvisible(
      @ForAll CProgram prog, @ForAll Mode mode, @ForAll @IntRange(min = 1, max = 100_000) int k) {
    Mode actual = prog.checkpointsItself ? mode : Mode.EXTERNAL;
    String capture =
        actual == Mode.SELF ? selfCheckpointed(prog, k) : externallyCheckpointed(prog, k);
    Statistics.label("C program").collect(prog);
    Statistics.label("C capture").collect(capture);
    Statistics.label("C program")
        .coverage(
            c -> {
              for (CProgram p : CProgram.values()) {
                c.check(p).count(n -> n >= 1);
              }
            });
    Statistics.label("C capture")
        .coverage(
            c -> {
              c.check("self").count(n -> n >= 1);
              c.check("external, running").count(n -> n >= 1);
              c.check("external, blocked in read").count(n -> n >= 1);
            });
  }

  /**
   * The C programs' machines: a quantum short against their runs (a few thousand to 80,000
   * instructions), because another process can checkpoint a running one only once its quantum is
   * over; with the suite's 5,000 counter would finish inside the quantum in which the checkpointer
   * was started. Any capture lies within C_QUANTUM instructions after k.
   */
  private static final int C_QUANTUM = 97;

  private static final Machine.Config C_CONFIG = Machines.LAWS.withQuantum(C_QUANTUM);

  /** A C program's run to its exit call: its output, its state there and its exit. */
  private record CEnd(String output, UserState state, Machine.Outcome exit, long length) {}

  private String selfCheckpointed(CProgram prog, int k) {
    int step = 1 + (k - 1) % 12;
    int steps = step + ((k - 1) / 12) % step;
    List<String> argv =
        List.of(prog.file(), Integer.toString(step), "/img", Integer.toString(steps));
    CProgram.Standin stand = CProgram.standin(prog.elf());
    CEnd plain = plainC(stand.elf(), prog, argv);
    MemoryBlockDevice disk = Disks.withFiles(Map.of(prog.file(), prog.elf(), "rs", restorer()));
    Machine first = Machines.runner(disk, C_CONFIG);
    Machines.spawn(first, argv);
    assertWithMessage("console: %s", first.output())
        .that(Machines.finish(first))
        .isEqualTo(new Machine.Outcome.Exited(2, 0));
    CEnd restored = restoredC(disk, prog, List.of());
    assertWithMessage("the restored run ends the whole run")
        .that(plain.output())
        .endsWith(restored.output());
    String before =
        plain.output().substring(0, plain.output().length() - restored.output().length());
    assertWithMessage("the first machine printed what comes before the capture")
        .that(first.output())
        .startsWith(before);
    compareC(plain, restored, stand.callVa());
    return "self";
  }

  private String externallyCheckpointed(CProgram prog, int k) {
    CEnd plain = plainC(prog.elf(), prog, prog.argv);
    long at = 1 + (k - 1) % (plain.length() - 1 - C_QUANTUM); // it still runs at the capture
    MemoryBlockDevice disk =
        Disks.withFiles(Map.of(prog.file(), prog.elf(), "ck", checkpointer(2), "rs", restorer()));
    Machine first = Machines.runner(disk, C_CONFIG);
    Machines.spawn(first, prog.argv);
    Feeder in = new Feeder(prog, prog.input);
    in.run(first, at);
    assertThat(first.hasPendingInput()).isFalse(); // every line fed is the program's
    int ck = Machines.spawn(first, "ck");
    assertWithMessage("console: %s", first.output())
        .that(Machines.finish(first))
        .isEqualTo(new Machine.Outcome.Exited(ck, 0));
    String before = beforeMark(first.output());
    Verdict v = ImageCodec.decode(Disks.readFile(first, "/img").orElseThrow());
    assertWithMessage("the image the checkpointer wrote").that(v).isInstanceOf(Verdict.Valid.class);
    Image img = ((Verdict.Valid) v).image();
    CEnd restored = restoredC(disk, prog, prog.input.subList(in.fed(), prog.input.size()));
    assertThat(before + restored.output()).isEqualTo(plain.output());
    compareC(plain, restored, -1);
    return img.restart().sysnum() == Xv6Abi.SYS_read
        ? "external, blocked in read"
        : "external, running";
  }

  /** The program run without interruption (as pid 2) to its exit call, and then its exit. */
  private static CEnd plainC(byte[] elf, CProgram prog, List<String> argv) {
    Machine m = Machines.runner(Disks.withFiles(Map.of(prog.file(), elf)), C_CONFIG);
    int pid = Machines.spawn(m, argv);
    assertThat(pid).isEqualTo(2);
    long start = m.cycles();
    new Feeder(prog, prog.input).feedAll(m);
    Machines.AtExit e = Machines.runToExitCall(m, pid);
    long length = m.cycles() - start;
    return new CEnd(e.output(), e.state(), Machines.finish(m), length);
  }

  /** The image at /img restored (as pid 2) on a new machine over disk, fed the rest. */
  private static CEnd restoredC(MemoryBlockDevice disk, CProgram prog, List<String> rest) {
    Machine m = Machines.runner(disk, C_CONFIG);
    int pid = Machines.spawn(m, "rs");
    new Feeder(prog, rest).feedAll(m);
    Machines.AtExit e = Machines.runToExitCall(m, pid);
    return new CEnd(e.output(), e.state(), Machines.finish(m), 0);
  }

  private static void compareC(CEnd plain, CEnd restored, long standinCall) {
    assertThat(restored.state().pc()).isEqualTo(plain.state().pc());
    assertThat(restored.state().x()).isEqualTo(plain.state().x());
    assertThat(restored.state().sz()).isEqualTo(plain.state().sz());
    assertThat(restored.state().pages())
        .containsExactlyElementsIn(
            standinCall >= 0
                ? asCheckpointed(plain.state().pages(), standinCall)
                : plain.state().pages())
        .inOrder();
    assertThat(restored.exit()).isEqualTo(plain.exit());
  }

  /**
   * Console input, one line each time the program waits for it: {@link #run} for a budget of
   * instructions, {@link #feedAll} to the end of the input.
   */
  private static final class Feeder {
    private final boolean reads;
    private final List<String> lines;
    private int next;

    /** The lines still to come for prog. */
    Feeder(CProgram prog, List<String> lines) {
      this.reads = !prog.input.isEmpty();
      this.lines = lines;
    }

    int fed() {
      return next;
    }

    /** Runs m for budget instructions (or until it idles with nothing left to feed). */
    void run(Machine m, long budget) {
      long used = 0;
      while (used < budget) {
        long c = m.cycles();
        Machine.Outcome o = m.run(budget - used);
        used += m.cycles() - c;
        if (!o.equals(new Machine.Outcome.Idle(true)) || next == lines.size()) {
          assertWithMessage("console: %s", m.output())
              .that(o)
              .isAnyOf(new Machine.Outcome.BudgetSpent(), new Machine.Outcome.Idle(true));
          return;
        }
        m.consoleInput(lines.get(next++));
      }
    }

    /** Feeds every remaining line as the program asks, then ends the input. */
    void feedAll(Machine m) {
      if (!reads) {
        return; // a program that reads no input runs on from here
      }
      while (next < lines.size()) {
        assertWithMessage("console: %s", m.output())
            .that(Machines.finish(m))
            .isEqualTo(new Machine.Outcome.Idle(true));
        m.consoleInput(lines.get(next++));
      }
      assertWithMessage("console: %s", m.output())
          .that(Machines.finish(m))
          .isEqualTo(new Machine.Outcome.Idle(true));
      m.endConsoleInput();
    }
  }

  /** Shows (and insists) that the programs reach the heap, loops and console writes. */
  private static void collectMix(List<Op> ops) {
    Statistics.label("sbrk").collect(ops.stream().anyMatch(o -> o instanceof GenProgram.Sbrk));
    Statistics.label("loop").collect(ops.stream().anyMatch(o -> o instanceof GenProgram.Loop));
    Statistics.label("print").collect(ops.stream().anyMatch(o -> o instanceof GenProgram.Print));
    for (String l : List.of("sbrk", "loop", "print")) {
      Statistics.label(l).coverage(c -> c.check(true).percentage(p -> p >= 10));
    }
  }

  private static void compare(End plain, String before, End restored, long ckptCall) {
    assertThat(before + restored.output()).isEqualTo(plain.output());
    assertThat(restored.state().pc()).isEqualTo(plain.state().pc());
    assertThat(restored.state().x()).isEqualTo(plain.state().x());
    assertThat(restored.state().sz()).isEqualTo(plain.state().sz());
    assertThat(restored.state().pages())
        .containsExactlyElementsIn(
            ckptCall >= 0 ? asCheckpointed(plain.state().pages(), ckptCall) : plain.state().pages())
        .inOrder();
    assertThat(restored.exit()).isEqualTo(plain.exit());
  }

  /**
   * The uninterrupted self-checkpoint program holds {@code li a0, 1} where the checkpointed one
   * holds its ecall (same layout, same effect on the restored path); put the ecall back so that the
   * pages compare.
   */
  static List<Page> asCheckpointed(List<Page> pages, long at) {
    List<Page> out = new ArrayList<>();
    for (Page p : pages) {
      if (at >= p.va() && at < p.va() + 4096) {
        byte[] d = p.data();
        int off = (int) (at - p.va());
        d[off] = 0x73;
        d[off + 1] = 0;
        d[off + 2] = 0;
        d[off + 3] = 0;
        p = new Page(p.va(), p.perm(), d);
      }
      out.add(p);
    }
    return out;
  }

  private static End uninterrupted(byte[] prog) {
    Machine m = Machines.runner(Disks.withFiles(Map.of("prog", prog)), Machines.LAWS);
    Machines.spawn(m, "prog");
    return toEnd(m, 2);
  }

  private static End restoredRun(MemoryBlockDevice disk) {
    Machine second = Machines.runner(disk, Machines.LAWS);
    Machines.spawn(second, "rs");
    return toEnd(second, 2);
  }

  /** Runs to the final read, reads the state, ends the input and runs to the exit. */
  private static End toEnd(Machine m, int pid) {
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(true));
    UserState s = UserState.of(m, pid);
    m.endConsoleInput();
    Machine.Outcome exit = Machines.finish(m);
    return new End(m.output(), s, exit);
  }

  private static String beforeMark(String out) {
    int i = out.indexOf('@');
    assertThat(i).isAtLeast(0);
    assertThat(out.indexOf('@', i + 1)).isEqualTo(-1);
    return out.substring(0, i);
  }

  /** checkpoint(pid, "/img"); exit with its result unless 0; print "@"; exit 0. */
  private static byte[] checkpointer(int pid) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", "/img").str("mark", "@");
    p.a.li(A0, pid).la(A1, "path");
    p.sys(Xv6Abi.SYS_checkpoint);
    p.check(0, 100);
    p.print("mark");
    return p.exit(0).elf();
  }

  /** restore("/img"); on failure exit with the code. */
  private static byte[] restorer() {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", "/img");
    p.restore("path");
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }
}
