package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Stat;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * A checkpoint changes no name but its path's (issue 12, bugs 1 and 2): generated workloads of
 * self-checkpoints, hard links to the images, unlinks of those links and descriptors held open on
 * the images, in directories that also hold a user's own {@code .ckpt.tmp} (a file with a second
 * link, and a directory), with the power cut after a sampled disk write. After recovery, fsck is
 * clean; the user's file and its link hold their bytes; every link holds, as the spec decodes it,
 * the image of a checkpoint step its source had when a prefix of the workload linked it (with no
 * cut: exactly the model's); and after one more checkpoint in each directory (which drops whatever
 * temporary a cut left) the same holds, the links' bytes have not changed, and no temporary is
 * left.
 *
 * <p>Each checkpoint step j runs with s2 = j, so an image names its step in its registers.
 */
@AddLifecycleHook(ScaledTries.class)
class ImageReplacementPropertyTest {
  private static final String[] PATHS = {"/a", "/d/a", "/.ckpt.tmp"};
  private static final String[] LINKS = {"/k0", "/k1", "/d/k2"};
  private static final byte[] MINE = "a user's own file\n".getBytes(StandardCharsets.ISO_8859_1);

  /** What a link names in the model: the user's file (the path's first content) or nothing. */
  private static final int USERS = -2;

  private static final int NONE = -1;
  private static final int CUTS = 24;

  sealed interface Step permits Ckpt, Link, Unlink, Hold {}

  /** sbrk(growKiB KiB), s2 = step, checkpoint(0, PATHS[path]). */
  record Ckpt(int path, int growKiB) implements Step {}

  /** link(PATHS[path], LINKS[link]); its result is not checked (the model knows it). */
  record Link(int path, int link) implements Step {}

  /** unlink(LINKS[link]). */
  record Unlink(int link) implements Step {}

  /** open(PATHS[path], O_RDONLY), the descriptor kept open to the end. */
  record Hold(int path) implements Step {}

  @Provide
  Arbitrary<List<Step>> workloads() {
    Arbitrary<Integer> path = Arbitraries.integers().between(0, PATHS.length - 1);
    Arbitrary<Integer> link = Arbitraries.integers().between(0, LINKS.length - 1);
    Arbitrary<Step> ckpt =
        path.flatMap(p -> Arbitraries.integers().between(0, 12).map(g -> (Step) new Ckpt(p, g)));
    Arbitrary<Step> ln = path.flatMap(p -> link.map(l -> (Step) new Link(p, l)));
    Arbitrary<Step> rm = link.map(Unlink::new);
    Arbitrary<Step> hold = path.map(Hold::new);
    return Arbitraries.frequencyOf(
            Tuple.of(4, ckpt), Tuple.of(3, ln), Tuple.of(1, rm), Tuple.of(1, hold))
        .list()
        .ofMinSize(2)
        .ofMaxSize(7)
        .filter(s -> s.stream().anyMatch(x -> x instanceof Ckpt));
  }

  /** What each link names after each prefix of the workload: model[i][l], i steps done. */
  private static int[][] model(List<Step> steps) {
    int[] path = {NONE, NONE, USERS}; // what each path names
    int[] link = {NONE, NONE, NONE};
    int[][] out = new int[steps.size() + 1][];
    out[0] = link.clone();
    for (int j = 0; j < steps.size(); j++) {
      Step s = steps.get(j);
      if (s instanceof Ckpt c) {
        path[c.path()] = j;
      } else if (s instanceof Link l && path[l.path()] != NONE && link[l.link()] == NONE) {
        link[l.link()] = path[l.path()];
      } else if (s instanceof Unlink u) {
        link[u.link()] = NONE;
      }
      out[j + 1] = link.clone();
    }
    return out;
  }

  @Property(tries = 25)
  void aCheckpointChangesNoNameButItsPaths(
      @ForAll("workloads") List<Step> steps,
      @ForAll @IntRange(min = 0, max = 1000) int sampleOffset)
      throws Exception {
    byte[] disk0 = disk(steps);
    int[][] model = model(steps);
    FaultInjectingBlockDevice ref = new FaultInjectingBlockDevice(copy(disk0));
    Machine m = Machines.runner(ref, Machines.LAWS);
    Machines.spawn(m, "prog");
    assertWithMessage("reference run; console: %s", m.output())
        .that(Machines.finish(m))
        .isEqualTo(new Machine.Outcome.Exited(2, 0));
    long total = ref.writes();
    List<Long> cuts = new ArrayList<>();
    for (int i = 0; i < CUTS; i++) {
      cuts.add((sampleOffset + i * total / CUTS) % total);
    }
    cuts.add(total);
    for (long k : cuts) {
      afterCut(steps, model, disk0, k, k == total);
    }
    boolean overwriteLinked = false;
    for (int j = 0; j < steps.size(); j++) {
      if (steps.get(j) instanceof Ckpt c) {
        int before = c.path() == 2 ? USERS : NONE;
        for (int i = 0; i < j; i++) {
          if (steps.get(i) instanceof Ckpt d && d.path() == c.path()) {
            before = i;
          }
        }
        for (int l : model[j]) {
          overwriteLinked |= l != NONE && l == before;
        }
      }
    }
    Statistics.label("overwrite of a linked file").collect(overwriteLinked);
    Statistics.label("overwrite of a linked file").coverage(c -> c.check(true).count(n -> n >= 1));
  }

  private void afterCut(List<Step> steps, int[][] model, byte[] disk0, long k, boolean whole)
      throws Exception {
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(copy(disk0));
    d.cutPowerAfterWrite(k);
    Machine c = Machines.runner(d, Machines.LAWS);
    Machines.spawn(c, "prog");
    Machines.finish(c);
    MemoryBlockDevice medium = (MemoryBlockDevice) d.medium();
    Machine after = Machines.runner(medium, Machines.LAWS); // recovery
    String where = "cut after write " + k;
    byte[][] links = check(after, medium, steps, model, where, whole);
    // One more checkpoint in each directory drops a stale temporary by the same rule.
    int pid = Machines.spawn(after, "again");
    assertWithMessage("%s: again; console %s", where, after.output())
        .that(Machines.finish(after))
        .isEqualTo(new Machine.Outcome.Exited(pid, 0));
    byte[][] linksAfter = check(after, medium, steps, model, where + ", then again", whole);
    for (int l = 0; l < LINKS.length; l++) {
      assertWithMessage("%s: %s unchanged by the next checkpoints", where, LINKS[l])
          .that(Arrays.equals(links[l], linksAfter[l]))
          .isTrue();
    }
    FileSystem fs = FileSystem.of(after.fs());
    for (String dir : List.of("/", "/d")) {
      for (FileSystem.Entry e : fs.list(dir)) {
        assertWithMessage("%s: %s holds only names a path can spell", where, dir)
            .that(e.name())
            .doesNotContain("/");
      }
    }
  }

  /** The per-state laws; the links' bytes (null if absent). */
  private static byte[][] check(
      Machine m,
      MemoryBlockDevice medium,
      List<Step> steps,
      int[][] model,
      String where,
      boolean whole)
      throws Exception {
    assertWithMessage("%s: fsck", where).that(Fsck.check(medium).violations()).isEmpty();
    assertWithMessage("%s: the user's link keeps its bytes", where)
        .that(Arrays.equals(Disks.readFile(m, "/mine").orElse(null), MINE))
        .isTrue();
    assertWithMessage("%s: the directory /d/.ckpt.tmp", where)
        .that(FileSystem.of(m.fs()).stat("/d/.ckpt.tmp").type())
        .isEqualTo(Stat.T_DIR);
    byte[][] out = new byte[LINKS.length][];
    for (int l = 0; l < LINKS.length; l++) {
      Optional<byte[]> b = Disks.readFile(m, LINKS[l]);
      int got = b.isEmpty() ? NONE : stepOf(b.get(), where + ", " + LINKS[l]);
      Set<Integer> allowed = new HashSet<>();
      if (whole) {
        allowed.add(model[steps.size()][l]);
      } else {
        for (int[] state : model) {
          allowed.add(state[l]);
        }
      }
      assertWithMessage("%s: %s names the image of step (or user's file, -2)", where, LINKS[l])
          .that(allowed)
          .contains(got);
      out[l] = b.orElse(null);
    }
    return out;
  }

  /** The checkpoint step an image was written by (its s2), USERS for the user's file. */
  private static int stepOf(byte[] file, String where) {
    if (Arrays.equals(file, MINE)) {
      return USERS;
    }
    Verdict v = ImageCodec.decode(file);
    assertWithMessage("%s: a valid image", where).that(v).isInstanceOf(Verdict.Valid.class);
    Image im = ((Verdict.Valid) v).image();
    return (int) im.regs().x(18); // s2
  }

  // ---------------------------------------------------------------- programs and the disk

  private static byte[] disk(List<Step> steps) throws Exception {
    MemoryBlockDevice d =
        Disks.withFiles(
            Map.of(
                "prog",
                workload(steps),
                "again",
                checkpointEach(PATHS[0], PATHS[1]),
                ".ckpt.tmp",
                MINE));
    FileSystem fs = FileSystem.mount(d);
    fs.link("/.ckpt.tmp", "/mine");
    fs.mkdir("/d");
    fs.mkdir("/d/.ckpt.tmp");
    return d.contents();
  }

  private static MemoryBlockDevice copy(byte[] image) {
    return new MemoryBlockDevice(FsFormat.BSIZE, image);
  }

  /** The steps in order; a failed checkpoint exits 50 + its step, else exit 0. */
  private static byte[] workload(List<Step> steps) {
    UserProgram p = new UserProgram(PAGED_BSS);
    for (int i = 0; i < PATHS.length; i++) {
      p.str("p" + i, PATHS[i]);
    }
    for (int i = 0; i < LINKS.length; i++) {
      p.str("l" + i, LINKS[i]);
    }
    for (int j = 0; j < steps.size(); j++) {
      Step s = steps.get(j);
      if (s instanceof Ckpt c) {
        p.a.li(A0, c.growKiB() << 10);
        p.sys(Xv6Abi.SYS_sbrk);
        p.a.li(S2, j).li(A0, 0);
        p.checkpoint("p" + c.path());
        p.check(0, 50 + j);
      } else if (s instanceof Link l) {
        p.a.la(A0, "p" + l.path()).la(A1, "l" + l.link());
        p.sys(Xv6Abi.SYS_link);
      } else if (s instanceof Unlink u) {
        p.a.la(A0, "l" + u.link());
        p.sys(Xv6Abi.SYS_unlink);
      } else if (s instanceof Hold h) {
        p.a.la(A0, "p" + h.path()).li(A1, Xv6Abi.O_RDONLY);
        p.sys(Xv6Abi.SYS_open);
      }
    }
    return p.exit(0).elf();
  }

  /** checkpoint(0, path) for each path, exit 60 + i if one fails; exit 0. */
  private static byte[] checkpointEach(String... paths) {
    UserProgram p = new UserProgram(PAGED_BSS);
    for (int i = 0; i < paths.length; i++) {
      p.str("p" + i, paths[i]);
      p.a.li(S2, 1000 + i).li(A0, 0);
      p.checkpoint("p" + i);
      p.check(0, 60 + i);
    }
    return p.exit(0).elf();
  }
}
