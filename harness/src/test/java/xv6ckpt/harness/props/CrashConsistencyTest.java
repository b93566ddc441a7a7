package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;
import static xv6ckpt.testkit.Xv6Abi.O_CREATE;
import static xv6ckpt.testkit.Xv6Abi.O_RDWR;
import static xv6ckpt.testkit.Xv6Abi.SYS_close;
import static xv6ckpt.testkit.Xv6Abi.SYS_open;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.specs.Rule;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Invariant 4, crash consistency: a generated workload (self-checkpoints to two paths, new images
 * and overwrites of existing ones, between file writes), on a big-files disk or one in stock xv6's
 * layout (images written in its 3 KiB chunks), with the power cut after its k-th disk write, for
 * every k when the workload writes at most {@value #ALL_POINTS} blocks and at that many evenly
 * spread points otherwise. After recovery (a new machine on the same disk) fsck is clean, and
 * restoring each path either resumes a complete image that checkpoint step wrote there (the
 * restored process exits with 100 + its step, and every cut that shows step j shows the same
 * bytes), or, while no image has reached the path yet, is refused with RESTORE_NO_FILE. A path
 * never goes back to an older image as k grows, and with no cut it holds the last image written to
 * it. Anything else (a torn image refused by an image rule, a panic, another status) fails the
 * property: the kernel promises the complete old image or the complete new one.
 */
@AddLifecycleHook(ScaledTries.class)
class CrashConsistencyTest {
  static final int ALL_POINTS = 300;
  private static final String[] PATHS = {"/a", "/b"};

  /** One step of the workload. */
  sealed interface Step permits Ckpt, Write {}

  /** sbrk(growKiB KiB), bss[0] = step number, checkpoint(0, PATHS[path]). */
  record Ckpt(int path, int growKiB) implements Step {}

  /** open("/data", O_CREATE|O_RDWR), write len bytes of bss, close. */
  record Write(int len) implements Step {}

  @Provide
  Arbitrary<List<Step>> workloads() {
    Arbitrary<Step> ckpt =
        Arbitraries.integers()
            .between(0, 1)
            .flatMap(p -> Arbitraries.integers().between(0, 24).map(g -> (Step) new Ckpt(p, g)));
    Arbitrary<Step> write = Arbitraries.integers().between(1, 6000).map(Write::new);
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, ckpt), net.jqwik.api.Tuple.of(1, write))
        .list()
        .ofMinSize(1)
        .ofMaxSize(4)
        .filter(s -> s.stream().anyMatch(x -> x instanceof Ckpt));
  }

  /** What restoring one path gave after one cut: the step whose image it was, or -1. */
  record Seen(int step, Optional<byte[]> bytes) {}

  @Property(tries = 10)
  void everyPowerCutLeavesAWholeImageOrNone(
      @ForAll("workloads") List<Step> steps,
      @ForAll @IntRange(min = 0, max = 1000) int sampleOffset,
      @ForAll boolean stockLayout) {
    Map<String, byte[]> files =
        Map.of("prog", workload(steps), "r0", restorer(PATHS[0]), "r1", restorer(PATHS[1]));
    byte[] disk0 =
        (stockLayout ? Disks.stockWithFiles(Disks.LAW_BLOCKS, files) : Disks.withFiles(files))
            .contents();
    Statistics.label("layout").collect(stockLayout ? "stock" : "big files");
    Statistics.label("layout").coverage(c -> c.check("stock").count(n -> n >= 2));
    Statistics.label("layout").coverage(c -> c.check("big files").count(n -> n >= 2));
    // The reference run: its number of writes, and the write count at the end of each commit.
    FaultInjectingBlockDevice ref = new FaultInjectingBlockDevice(copy(disk0));
    Machine m = Machines.runner(ref, Machines.LAWS);
    List<Long> commitEnds = new ArrayList<>();
    commitEnds.add(ref.writes());
    m.log().setCommitListener(c -> commitEnds.add(ref.writes()));
    Machines.spawn(m, "prog");
    assertWithMessage("reference run; console: %s", m.output())
        .that(Machines.finish(m))
        .isEqualTo(new Machine.Outcome.Exited(2, 0));
    long total = ref.writes();

    List<Long> cuts = cutPoints(total, sampleOffset);
    Map<Long, Seen[]> seenAt = new HashMap<>();
    Map<Integer, byte[]> imageOfStep = new HashMap<>();
    int[] latest = {-1, -1};
    for (long k : cuts) {
      Seen[] seen = afterCut(disk0, k);
      for (int p = 0; p < PATHS.length; p++) {
        String where = "cut after write " + k + " of " + total + ", " + PATHS[p];
        Seen s = seen[p];
        assertWithMessage("%s: never an older image", where).that(s.step()).isAtLeast(latest[p]);
        latest[p] = s.step();
        if (s.step() >= 0) {
          assertWithMessage("%s: a checkpoint step to this path", where)
              .that(steps.get(s.step()))
              .isInstanceOf(Ckpt.class);
          assertWithMessage("%s: the step's path", where)
              .that(((Ckpt) steps.get(s.step())).path())
              .isEqualTo(p);
          byte[] first = imageOfStep.putIfAbsent(s.step(), s.bytes().orElseThrow());
          assertWithMessage("%s: the same bytes as other cuts showing step %s", where, s.step())
              .that(first == null || Arrays.equals(first, s.bytes().get()))
              .isTrue();
        }
      }
      seenAt.put(k, seen);
    }
    for (int p = 0; p < PATHS.length; p++) {
      assertWithMessage("no cut, %s", PATHS[p])
          .that(seenAt.get(total)[p].step())
          .isEqualTo(lastStepTo(steps, p));
    }
    collect(steps, total, cuts, commitEnds, seenAt);
  }

  /** Every point when there are few, else ALL_POINTS spread evenly from an offset; and total. */
  private static List<Long> cutPoints(long total, int offset) {
    List<Long> cuts = new ArrayList<>();
    if (total <= ALL_POINTS) {
      for (long k = 0; k <= total; k++) {
        cuts.add(k);
      }
    } else {
      for (int i = 0; i < ALL_POINTS; i++) {
        cuts.add((offset + i * total / ALL_POINTS) % total);
      }
      cuts.add(total);
      cuts.sort(null);
    }
    return cuts;
  }

  /** Runs the workload with the power cut after write k, recovers, and restores each path. */
  private static Seen[] afterCut(byte[] disk0, long k) {
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(copy(disk0));
    d.cutPowerAfterWrite(k);
    Machine c = Machines.runner(d, Machines.LAWS);
    Machines.spawn(c, "prog");
    Machines.finish(c); // after the cut nothing reaches the medium, whatever the machine does
    MemoryBlockDevice medium = (MemoryBlockDevice) d.medium();
    // recovery installs a committed transaction
    Machine after = Machines.runner(medium, Machines.LAWS);
    assertWithMessage("cut after write %s: fsck", k)
        .that(Fsck.check(medium).violations())
        .isEmpty();
    Seen[] seen = new Seen[PATHS.length];
    for (int p = 0; p < PATHS.length; p++) {
      Optional<byte[]> bytes = Disks.readFile(after, PATHS[p]);
      int pid = Machines.spawn(after, "r" + p);
      Machine.Outcome o = Machines.finish(after);
      String where =
          "cut after write " + k + ", restore " + PATHS[p] + "; console: " + after.output();
      if (bytes.isEmpty()) {
        assertWithMessage(where)
            .that(o)
            .isEqualTo(new Machine.Outcome.Exited(pid, Rule.RESTORE_NO_FILE.code()));
        seen[p] = new Seen(-1, bytes);
      } else {
        assertWithMessage(where).that(o).isInstanceOf(Machine.Outcome.Exited.class);
        int status = ((Machine.Outcome.Exited) o).status();
        assertWithMessage(where).that(status).isAtLeast(100);
        seen[p] = new Seen(status - 100, bytes);
      }
    }
    return seen;
  }

  private static int lastStepTo(List<Step> steps, int path) {
    int last = -1;
    for (int j = 0; j < steps.size(); j++) {
      if (steps.get(j) instanceof Ckpt && ((Ckpt) steps.get(j)).path() == path) {
        last = j;
      }
    }
    return last;
  }

  /**
   * A cut is inside an image swap when it falls strictly within a transaction (between the ends of
   * two commits of the reference run) whose end shows a different image at some path than its
   * start: the one transaction that renames the new image into place.
   */
  private static void collect(
      List<Step> steps,
      long total,
      List<Long> cuts,
      List<Long> commitEnds,
      Map<Long, Seen[]> seenAt) {
    int inSwap = 0;
    for (int i = 1; i < commitEnds.size(); i++) {
      Seen[] before = seenAt.get(commitEnds.get(i - 1));
      Seen[] after = seenAt.get(commitEnds.get(i));
      if (before == null || after == null || !changed(before, after)) {
        continue;
      }
      for (long k : cuts) {
        if (k > commitEnds.get(i - 1) && k < commitEnds.get(i)) {
          inSwap++;
        }
      }
    }
    boolean overwrite = false;
    for (int p = 0; p < PATHS.length; p++) {
      int path = p;
      overwrite |=
          steps.stream().filter(s -> s instanceof Ckpt && ((Ckpt) s).path() == path).count() > 1;
    }
    Statistics.label("cut points").collect(total <= ALL_POINTS ? "all" : "sampled");
    Statistics.label("overwrite").collect(overwrite);
    Statistics.label("cuts inside a swap").collect(inSwap > 0);
    Statistics.label("overwrite").coverage(c -> c.check(true).count(n -> n >= 1));
    Statistics.label("cut points").coverage(c -> c.check("all").count(n -> n >= 1));
    Statistics.label("cuts inside a swap").coverage(c -> c.check(true).count(n -> n >= 1));
  }

  private static boolean changed(Seen[] a, Seen[] b) {
    for (int p = 0; p < a.length; p++) {
      if (a[p].step() != b[p].step()) {
        return true;
      }
    }
    return false;
  }

  private static MemoryBlockDevice copy(byte[] image) {
    return new MemoryBlockDevice(FsFormat.BSIZE, image);
  }

  /**
   * The steps in order; a checkpoint that returns 1 (the restored process) exits with 100 + its
   * step, one that fails exits with 50 + its step; a failed write exits 40; else exit 0.
   */
  private static byte[] workload(List<Step> steps) {
    UserProgram p =
        new UserProgram(PAGED_BSS).str("a", PATHS[0]).str("b", PATHS[1]).str("data", "/data");
    for (int j = 0; j < steps.size(); j++) {
      Step s = steps.get(j);
      if (s instanceof Ckpt) {
        Ckpt ck = (Ckpt) s;
        p.a.li(A0, ck.growKiB() << 10);
        p.sys(Xv6Abi.SYS_sbrk);
        p.a.la(T0, "bss").li(T1, j).sd(T1, 0, T0);
        p.a.li(A0, 0).la(A1, ck.path() == 0 ? "a" : "b");
        p.sys(Xv6Abi.SYS_checkpoint);
        String captured = p.fresh();
        p.a.beqz(A0, captured).li(T1, 1);
        String failed = p.fresh();
        p.a.bne(A0, T1, failed);
        p.exit(100 + j);
        p.a.label(failed);
        p.exit(50 + j);
        p.a.label(captured);
      } else {
        int len = ((Write) s).len();
        p.a.la(A0, "data").li(A1, O_CREATE | O_RDWR);
        p.sys(SYS_open);
        String opened = p.fresh();
        p.a.bgez(A0, opened);
        p.exit(40);
        p.a.label(opened).mv(S0, A0).la(A1, "bss").li(A2, len);
        p.sys(Xv6Abi.SYS_write);
        p.check(len, 41);
        p.a.mv(A0, S0);
        p.sys(SYS_close);
      }
    }
    return p.exit(0).elf();
  }

  /** restore(path); on failure exit with the code. */
  private static byte[] restorer(String path) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", path);
    p.restore("path");
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }
}
