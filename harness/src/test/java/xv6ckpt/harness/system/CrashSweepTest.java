package xv6ckpt.harness.system;

import static com.google.common.truth.Truth.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.system.CrashSweep.Outcome;
import xv6ckpt.harness.system.CrashSweep.Point;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;

/**
 * The crash sweep's parts that need no C kernel (CI has none; the sweep itself runs against the
 * xv6-kit, see harness/README.md): its programs, run on the Java kernel (the reference), say what
 * the sweep reads; the judge finds each kind of inconsistency in scripted cut sequences and none in
 * a consistent one; the cut points cover both ends.
 */
class CrashSweepTest {
  private static MemoryBlockDevice disk() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), List.of());
    CrashSweep.addPrograms(d);
    return d;
  }

  private static String run(Machine m, String program) {
    m.takeOutput();
    Machines.spawn(m, program);
    Machines.finish(m, Machines.LONG_RUN);
    return m.takeOutput();
  }

  @Test
  void theProgramsOnTheReferenceKernelSayWhatTheSweepReads() throws Exception {
    MemoryBlockDevice d = disk();
    Machine m = Machines.runner(d, Machines.LARGE);
    assertThat(CrashSweep.outcome(run(m, "ra"))).isEqualTo(new Outcome.NoFile());
    assertThat(run(m, "cw")).contains(SweepPrograms.DONE + "\n");
    assertThat(CrashSweep.outcome(run(m, "ra"))).isEqualTo(new Outcome.Restored(2));
    assertThat(CrashSweep.outcome(run(m, "rb"))).isEqualTo(new Outcome.Restored(3));
    FileSystem fs = FileSystem.mount(new MemoryBlockDevice(d.blockSize(), d.contents()));
    for (String p : new String[] {"/a", "/b"}) {
      assertThat(ImageCodec.decode(fs.readFile(p))).isInstanceOf(Verdict.Valid.class);
    }
  }

  @Test
  void aDamagedImageIsRefusedWithItsRuleCode() throws Exception {
    MemoryBlockDevice d = disk();
    Machine m = Machines.runner(d, Machines.LARGE);
    run(m, "cw");
    FileSystem fs = FileSystem.mount(m.disk());
    byte[] img = fs.readFile("/b");
    img[0] ^= 1;
    fs.writeFile("/b", img);
    Machine again = Machines.runner(m.disk(), Machines.LARGE);
    assertThat(CrashSweep.outcome(run(again, "rb")))
        .isEqualTo(new Outcome.Refused(Rule.HDR_MAGIC.code()));
  }

  private static Point at(long k, Outcome a, Outcome b, String... disk) {
    return new Point(k, List.of(a, b), List.of(disk));
  }

  private static final Outcome NONE = new Outcome.NoFile();

  private static Outcome step(int s) {
    return new Outcome.Restored(s);
  }

  /** A consistent sweep of 10 writes: /a appears at step 1, moves to 2; /b at step 3. */
  private static List<Point> consistent() {
    return List.of(
        at(0, NONE, NONE),
        at(3, step(1), NONE),
        at(6, step(2), NONE),
        at(8, step(2), NONE),
        at(10, step(2), step(3)));
  }

  @Test
  void aConsistentSweepHasNoViolation() {
    assertThat(CrashSweep.judge(consistent(), 10)).isEmpty();
  }

  @Test
  void eachInconsistencyIsNamedAtItsCut() {
    List<Point> back = new ArrayList<>(consistent());
    back.set(3, at(8, step(1), NONE));
    assertThat(CrashSweep.judge(back, 10))
        .containsExactly("cut after write 8: restore(/a) went back to step 1 after step 2");

    List<Point> lost = new ArrayList<>(consistent());
    lost.set(2, at(6, NONE, NONE));
    assertThat(CrashSweep.judge(lost, 10))
        .containsExactly("cut after write 6: restore(/a) finds no file, after step 1's image");

    List<Point> torn = new ArrayList<>(consistent());
    torn.set(1, at(3, new Outcome.Refused(-15), NONE));
    assertThat(CrashSweep.judge(torn, 10))
        .containsExactly("cut after write 3: restore(/a) was refused with -15 (CRC_MISMATCH)");

    List<Point> wrongPath = new ArrayList<>(consistent());
    wrongPath.set(3, at(8, step(2), step(1)));
    assertThat(CrashSweep.judge(wrongPath, 10))
        .containsExactly("cut after write 8: restore(/b) resumed step 1, which did not write /b");

    List<Point> stale = new ArrayList<>(consistent());
    stale.set(4, at(10, step(2), NONE));
    assertThat(CrashSweep.judge(stale, 10))
        .containsExactly("no cut: restore(/b) must resume step 3, got " + NONE);

    List<Point> disk = new ArrayList<>(consistent());
    disk.set(2, at(6, step(2), NONE, "fsck: block 70 used twice"));
    assertThat(CrashSweep.judge(disk, 10))
        .containsExactly("cut after write 6: fsck: block 70 used twice");

    List<Point> odd = new ArrayList<>(consistent());
    odd.set(2, at(6, new Outcome.Unclear("gave no answer"), NONE));
    assertThat(CrashSweep.judge(odd, 10))
        .containsExactly("cut after write 6: restore(/a) gave no answer");
  }

  @Test
  void theConsoleReadsAsOutcomes() {
    assertThat(CrashSweep.outcome("ra\ncw: restored 2\n$ ")).isEqualTo(step(2));
    assertThat(CrashSweep.outcome("ra\nrestore refused -40\n$ ")).isEqualTo(NONE);
    assertThat(CrashSweep.outcome("ra\nrestore refused -12\n$ "))
        .isEqualTo(new Outcome.Refused(-12));
    assertThat(CrashSweep.outcome("ra\ncw: corrupt 1\n$ ")).isInstanceOf(Outcome.Unclear.class);
    assertThat(CrashSweep.outcome("ra\n$ ")).isInstanceOf(Outcome.Unclear.class);
  }

  @Test
  void cutsCoverBothEndsAndEveryWriteWhenFew() {
    assertThat(CrashSweep.cuts(3, 10)).containsExactly(0L, 1L, 2L, 3L).inOrder();
    List<Long> ks = CrashSweep.cuts(600, 7);
    assertThat(ks).containsExactly(0L, 100L, 200L, 300L, 400L, 500L, 600L).inOrder();
    assertThat(CrashSweep.cuts(4, 4)).containsExactly(0L, 1L, 3L, 4L).inOrder();
  }
}
