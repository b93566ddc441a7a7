package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;
import xv6ckpt.testkit.UserProgram;

/**
 * Image ids (issue 12, bug 4): over several boots of one disk, each running the same program that
 * writes images to several paths, no two images carry the same id, as the spec decodes them
 * (FORMAT.md: the kernel draws the id from its seeded generator mixed with the disk's checkpoint
 * epoch); and the same disk booted the same way with the same seed gives the same ids
 * (determinism). The base kernel restarted its generator each boot, so the same program repeated
 * the ids of the boot before.
 */
@AddLifecycleHook(ScaledTries.class)
class ImageIdsPropertyTest {

  @Property(tries = 12)
  void idsDifferAcrossBootsAndRepeatForTheSameDiskAndSeed(
      @ForAll @IntRange(min = 2, max = 4) int boots,
      @ForAll @IntRange(min = 1, max = 3) int images,
      @ForAll @IntRange(min = 0, max = 5) int seed)
      throws Exception {
    byte[] disk0 = Disks.withFiles(Map.of("prog", writer(images))).contents();
    List<Long> ids = idsOf(disk0, boots, images, seed);
    assertWithMessage("ids of %s boots x %s images, seed %s: %s", boots, images, seed, ids)
        .that(ids)
        .containsNoDuplicates();
    assertWithMessage("the same disk and seed again")
        .that(idsOf(disk0, boots, images, seed))
        .isEqualTo(ids);
  }

  /** Boots a copy of disk0 {@code boots} times, runs prog each time, collects every id. */
  private static List<Long> idsOf(byte[] disk0, int boots, int images, int seed) throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, disk0);
    List<Long> ids = new ArrayList<>();
    for (int b = 0; b < boots; b++) {
      Machine m = Machines.runner(d, Machines.LAWS.withSeed(seed));
      int pid = Machines.spawn(m, "prog");
      assertWithMessage("boot %s: %s", b, m.output())
          .that(Machines.finish(m))
          .isEqualTo(new Machine.Outcome.Exited(pid, 0));
      for (int i = 0; i < images; i++) {
        Verdict v = ImageCodec.decode(Disks.readFile(m, "/i" + i).orElseThrow());
        assertWithMessage("boot %s, /i%s", b, i).that(v).isInstanceOf(Verdict.Valid.class);
        ids.add(((Verdict.Valid) v).image().header().imageId());
      }
    }
    assertWithMessage("fsck").that(Fsck.check(d).violations()).isEmpty();
    return ids;
  }

  /** checkpoint(0, "/i0"), ..., each expected to return 0; exit 0. */
  private static byte[] writer(int images) {
    UserProgram p = new UserProgram(PAGED_BSS);
    for (int i = 0; i < images; i++) {
      p.str("p" + i, "/i" + i);
      p.a.li(A0, 0);
      p.checkpoint("p" + i);
      p.check(0, 10 + i);
    }
    return p.exit(0).elf();
  }
}
