package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.KernelPanic;

/**
 * Corrupted images: mounting and using one ends in success, a refusal (FsException) or the kernel's
 * panic outcome, never another exception; and when fsck calls an image clean, using it does not
 * panic.
 */
class BadImageTest {

  private static MemoryBlockDevice image() {
    return Images.stock(
        Images.file("README", "r".repeat(3000)),
        Images.dir("d", Images.file("f", "f".repeat(20 * 1024)), Images.dir("e")));
  }

  /** Mounts, walks and reads everything, writes and removes a file. */
  private static void use(MemoryBlockDevice d) throws FsException {
    FileSystem fs = FileSystem.mount(d);
    CrashTest.tree(fs);
    fs.writeFile("/d/new", Images.pattern(15_000, 1));
    fs.unlink("/d/f");
    fs.mkdir("/d/e/x");
    CrashTest.tree(fs);
  }

  @Test
  void corruptedMetadataGivesAPanicOrARefusalNeverAnotherException() {
    MemoryBlockDevice d = image();
    d.snapshot();
    Map<String, Integer> outcomes = new TreeMap<>();
    for (int seed = 0; seed < 400; seed++) {
      d.reset();
      byte[] noise = Images.pattern(32, seed);
      // superblock, log header, inode blocks, bitmap, the first data blocks (directories)
      long blk = 1 + Math.floorMod(noise[0] * 7 + noise[1], 60);
      byte[] b = new byte[FsFormat.BSIZE];
      d.read(blk, b);
      for (int i = 2; i + 2 < noise.length; i += 3) {
        int at = Math.floorMod(noise[i] * 131 + noise[i + 1], blk == 1 ? 40 : FsFormat.BSIZE);
        b[at] = noise[i + 2];
      }
      d.write(blk, b);
      boolean fsckClean = Fsck.check(d).clean();
      String outcome;
      try {
        use(d);
        outcome = "ok";
      } catch (KernelPanic e) {
        outcome = "panic";
        assertWithMessage("seed %s: fsck said clean, yet: %s", seed, e.getMessage())
            .that(fsckClean)
            .isFalse();
      } catch (FsException e) {
        outcome = "refused";
      }
      outcomes.merge(outcome, 1, Integer::sum);
    }
    assertThat(outcomes).containsKey("panic");
    assertThat(outcomes).containsKey("ok");
  }

  @Test
  void namedPanicsForTheClassicCorruptions() throws FsException {
    MemoryBlockDevice d = image();
    FileSystem fs = FileSystem.mount(d);
    Superblock sb = fs.superblock();
    byte[] ib = new byte[FsFormat.BSIZE];
    d.read(sb.iblock(2), ib);
    Dinode readme = Dinode.decode(ib, 128);
    // a wild block number
    long[] addrs = readme.addrs().clone();
    addrs[0] = 77_777;
    new Dinode(readme.type(), (short) 0, (short) 0, readme.nlink(), readme.size(), addrs)
        .encode(ib, 128);
    d.write(sb.iblock(2), ib);
    KernelPanic p =
        org.junit.jupiter.api.Assertions.assertThrows(
            KernelPanic.class, () -> FileSystem.mount(d).readFile("/README"));
    assertThat(p.panicMessage()).contains("inode 2 addrs[0] holds block 77777");
    // an unknown type
    new Dinode((short) 9, (short) 0, (short) 0, readme.nlink(), readme.size(), readme.addrs())
        .encode(ib, 128);
    d.write(sb.iblock(2), ib);
    p =
        org.junit.jupiter.api.Assertions.assertThrows(
            KernelPanic.class, () -> FileSystem.mount(d).readFile("/README"));
    assertThat(p.panicMessage()).isEqualTo("ilock: inode 2 has unknown type 9");
  }
}
