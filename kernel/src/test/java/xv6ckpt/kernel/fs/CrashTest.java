package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

/**
 * Crash consistency: run a workload with the power cut after write k, for every k; mount the medium
 * (recovery), and require fsck clean and the tree equal to the tree after some prefix of the
 * workload's committed transactions, never going back as k grows.
 */
class CrashTest {

  @FunctionalInterface
  interface Workload {
    void run(FileSystem fs) throws FsException;
  }

  /** Every path with "dir" or the file's bytes: what an operation's atomicity is judged on. */
  static TreeMap<String, String> tree(FileSystem fs) throws FsException {
    TreeMap<String, String> t = new TreeMap<>();
    walk(fs, "/", t, new java.util.HashSet<>(java.util.Set.of((long) FsFormat.ROOTINO)));
    return t;
  }

  /** Depth first; a directory seen before (a corrupted image's cycle) is not entered again. */
  private static void walk(
      FileSystem fs, String dir, TreeMap<String, String> t, java.util.Set<Long> seen)
      throws FsException {
    for (FileSystem.Entry e : fs.list(dir)) {
      if (e.name().equals(".") || e.name().equals("..")) {
        continue;
      }
      String p = dir + e.name();
      if (e.stat().type() == Stat.T_DIR) {
        t.put(p, "dir");
        if (seen.add(e.stat().ino())) {
          walk(fs, p + "/", t, seen);
        }
      } else {
        t.put(p, new String(fs.readFile(p), StandardCharsets.ISO_8859_1));
      }
    }
  }

  private static TreeMap<String, String> treeOfImage(byte[] image) {
    try {
      return tree(FileSystem.mount(new MemoryBlockDevice(FsFormat.BSIZE, image)));
    } catch (FsException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs w crash-free, recording the tree after every commit; then crashes at every write. */
  static int crashEverywhere(MemoryBlockDevice base, Workload w) throws FsException {
    base.snapshot();
    List<TreeMap<String, String>> states = new ArrayList<>();
    states.add(treeOfImage(base.contents()));
    FaultInjectingBlockDevice counting = new FaultInjectingBlockDevice(base);
    FileSystem ref = FileSystem.mount(counting);
    ref.log()
        .setCommitListener(
            c -> {
              TreeMap<String, String> t = treeOfImage(base.contents());
              if (!t.equals(states.get(states.size() - 1))) {
                states.add(t);
              }
            });
    w.run(ref);
    long writes = counting.writes();
    assertThat(Fsck.check(base).violations()).isEmpty();

    int last = 0;
    for (long k = 0; k <= writes; k++) {
      base.reset();
      FaultInjectingBlockDevice dev = new FaultInjectingBlockDevice(base);
      dev.cutPowerAfterWrite(k);
      try {
        w.run(FileSystem.mount(dev));
      } catch (KernelPanic e) {
        // After the cut the medium lags the cache; a re-read may find it inconsistent. A real
        // machine would be dead by then, so only a panic before the cut is a failure.
        assertWithMessage("panic before the power cut at write %s", k)
            .that(dev.powerWasCut())
            .isTrue();
      }
      Fsck.Report before = Fsck.check(base); // as mounting would leave it
      assertWithMessage("fsck before recovery, cut after write %s", k)
          .that(before.violations())
          .isEmpty();
      FileSystem after = FileSystem.mount(base);
      assertWithMessage("fsck after recovery, cut after write %s", k)
          .that(Fsck.check(base).violations())
          .isEmpty();
      int j = states.indexOf(tree(after));
      assertWithMessage("tree after a cut at write %s is no prefix of the workload", k)
          .that(j)
          .isAtLeast(0);
      assertWithMessage("cut at write %s went back from state %s to %s", k, last, j)
          .that(j)
          .isAtLeast(last);
      last = j;
    }
    assertThat(last).isEqualTo(states.size() - 1);
    return states.size();
  }

  @Test
  void everyOperationIsWhollyThereOrWhollyAbsent() throws FsException {
    MemoryBlockDevice base = Images.stock(Images.file("old", "keep me"));
    int states =
        crashEverywhere(
            base,
            fs -> {
              fs.mkdir("/a");
              fs.createFile("/a/f", false);
              Inode ip = fs.open("/a/f");
              byte[] first = Images.pattern(7000, 1);
              fs.writeChunked(ip, 0, ByteSource.of(first), 0, first.length, Param.MAXOPBLOCKS);
              byte[] more = Images.pattern(9000, 2); // append: 16000 bytes reach the indirect block
              fs.writeChunked(ip, 7000, ByteSource.of(more), 0, more.length, Param.MAXOPBLOCKS);
              fs.close(ip);
              fs.link("/a/f", "/g");
              fs.truncate("/g");
              fs.unlink("/a/f");
              fs.mkdir("/a/b");
              fs.unlink("/old");
              fs.unlink("/a/b");
            });
    assertThat(states).isAtLeast(12);
  }

  @Test
  void growthIntoTheDoublyIndirectBlockAndItsRemoval() throws FsException {
    int bs = FsFormat.BSIZE;
    int nearIndirectEnd = (FsFormat.MAXFILE - 3) * bs; // 3 blocks before the doubly-indirect
    int nearLevel1End = (FsFormat.MAXFILE + FsFormat.NINDIRECT - 3) * bs; // 3 before child 1
    MemoryBlockDevice base =
        Images.big(
            1500,
            40,
            new Mkfs.FileNode("a", Images.pattern(nearIndirectEnd, 3)),
            new Mkfs.FileNode("b", Images.pattern(nearLevel1End, 4)));
    int states =
        crashEverywhere(
            base,
            fs -> {
              byte[] more = Images.pattern(8 * bs, 5);
              Inode a = fs.open("/a");
              long n =
                  fs.writeChunked(
                      a,
                      nearIndirectEnd,
                      ByteSource.of(more),
                      0,
                      more.length,
                      Param.MAXOPBLOCKS); // 2 blocks a transaction on this layout: 4 transactions
              assertThat(n).isEqualTo(more.length);
              fs.close(a);
              Inode b = fs.open("/b");
              n =
                  fs.writeChunked(
                      b,
                      nearLevel1End,
                      ByteSource.of(more),
                      0,
                      more.length,
                      fs.largeOpBlocks()); // one transaction allocating the second child index
              // block
              assertThat(n).isEqualTo(more.length);
              fs.close(b);
              fs.unlink("/a");
              fs.truncate("/b");
            });
    assertThat(states).isEqualTo(1 + 4 + 1 + 1 + 1);
  }
}
