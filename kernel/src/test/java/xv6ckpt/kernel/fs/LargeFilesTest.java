package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

/** Free-block counting, a file's block count, and truncation within a transaction budget. */
class LargeFilesTest {

  private static FileSystem bigFs(MemoryBlockDevice d) throws MkfsException {
    Mkfs.make(d, new Mkfs.Options(d.blockCount(), 200, 30, true), List.of());
    return FileSystem.mount(d);
  }

  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 7 + (i >>> 11));
    }
    return b;
  }

  @Test
  void blocksForIsWhatWritingAFileTakes() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, 20_000);
    FileSystem fs = bigFs(d);
    // sizes around each index-block boundary: direct, indirect, doubly indirect
    int[] sizes = {
      0,
      1,
      1024,
      12 * 1024,
      12 * 1024 + 1,
      268 * 1024,
      268 * 1024 + 1,
      (268 + 256) * 1024 + 1,
      3 << 20
    };
    for (int i = 0; i < sizes.length; i++) {
      long before = LargeFiles.freeBlocks(fs.fs());
      fs.writeFile("/f" + i, pattern(sizes[i]));
      assertThat(before - LargeFiles.freeBlocks(fs.fs())).isEqualTo(LargeFiles.blocksFor(sizes[i]));
    }
  }

  /** Truncates /big step by step with the given budget; returns each step's logged blocks. */
  private static List<Integer> truncate(FileSystem fs, int budget) throws FsException {
    Inode ip = fs.open("/big");
    List<Integer> steps = new ArrayList<>();
    long size = Long.MAX_VALUE;
    for (boolean empty = false; !empty; ) {
      fs.log().beginOpNow(budget);
      fs.fs().ilock(ip);
      empty = LargeFiles.truncateStep(fs.fs(), ip, budget);
      assertThat(ip.size()).isAtMost(size);
      size = ip.size();
      steps.add(fs.log().blocksInTransaction());
      fs.fs().iunlock(ip);
      fs.log().endOp(budget);
    }
    assertThat(size).isEqualTo(0);
    fs.close(ip);
    return steps;
  }

  @Test
  void truncationStepsStayWithinTheirBudgetAndFreeEverything() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, 40_000);
    FileSystem fs = bigFs(d);
    long free = LargeFiles.freeBlocks(fs.fs());
    fs.writeFile("/big", pattern(12 << 20)); // spans two bitmap blocks
    for (int budget : new int[] {6, 10}) {
      if (budget == 10) {
        fs.writeFile("/big", pattern(12 << 20));
      }
      List<Integer> steps = truncate(fs, budget);
      assertThat(steps.stream().mapToInt(i -> i).max().orElseThrow()).isAtMost(budget);
      assertThat(fs.readFile("/big")).isEmpty();
      assertThat(Fsck.check(d).violations()).isEmpty();
      // the file's inode remains (empty): everything else is free again
      assertThat(LargeFiles.freeBlocks(fs.fs())).isEqualTo(free);
    }
  }

  @Test
  void aTruncationCutShortLeavesAConsistentShorterFile() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, 20_000);
    FileSystem fs = bigFs(d);
    byte[] data = pattern(2 << 20);
    fs.writeFile("/big", data);
    Inode ip = fs.open("/big");
    for (int i = 0; i < 5; i++) {
      fs.log().beginOpNow(10);
      fs.fs().ilock(ip);
      assertThat(LargeFiles.truncateStep(fs.fs(), ip, 10)).isFalse();
      fs.fs().iunlock(ip);
      fs.log().endOp(10);
    }
    fs.close(ip);
    byte[] left = fs.readFile("/big");
    assertThat(left.length).isLessThan(data.length);
    assertThat(left).isEqualTo(java.util.Arrays.copyOf(data, left.length));
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  @Test
  void aBudgetTooSmallForOneStepIsRefused() throws Exception {
    FileSystem fs = bigFs(new MemoryBlockDevice(FsFormat.BSIZE, 5_000));
    fs.writeFile("/big", pattern(4096));
    Inode ip = fs.open("/big");
    fs.log().beginOpNow(10);
    fs.fs().ilock(ip);
    try {
      LargeFiles.truncateStep(fs.fs(), ip, LargeFiles.TRUNCATE_OVERHEAD);
      throw new AssertionError("accepted a budget of " + LargeFiles.TRUNCATE_OVERHEAD);
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessageThat().contains("budget");
    } finally {
      fs.fs().iunlock(ip);
      fs.log().endOp(10);
    }
  }
}
