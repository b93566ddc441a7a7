package xv6ckpt.kernel.bench;

import java.util.List;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.ByteSource;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * The file-system benchmark (issue 3): sequential write, then read, of one large file through the
 * log on an in-memory disk, the way a checkpoint image is written.
 *
 * <p>The file system is made by mkfs with the doubly-indirect feature and the largest log (255
 * blocks), and the file is written by {@link FileSystem#writeChunked} with the whole log as each
 * transaction's reservation; it is read back with readi in 64 KiB pieces. A smaller run first warms
 * the JIT. Time is the host's monotonic clock, read only here, never inside the kernel.
 *
 * <p>Write amplification counts every disk write during the write phase (log blocks, headers,
 * installs) per data block of the file; xv6's design needs 2 (log and home) plus the headers and
 * metadata of each transaction.
 */
public final class FsBench {
  private FsBench() {}

  /** What one run measured. */
  public record Figures(
      long fileBytes,
      double writeMBps,
      double readMBps,
      double diskWritesPerDataBlock,
      long transactions,
      int maxBlocksPerTransaction,
      int logCapacity) {

    /** One line per figure, "name value", for the bench command. */
    public List<String> lines() {
      return List.of(
          String.format("fs.file_bytes %d", fileBytes),
          String.format("fs.seq_write_MBps %.1f", writeMBps),
          String.format("fs.seq_read_MBps %.1f", readMBps),
          String.format("fs.disk_writes_per_data_block %.3f", diskWritesPerDataBlock),
          String.format("fs.transactions %d", transactions),
          String.format(
              "fs.max_blocks_per_transaction %d (log holds %d)",
              maxBlocksPerTransaction, logCapacity));
    }
  }

  /**
   * The benchmark: a 64 MiB file, after a 16 MiB warm-up run; three measured runs, each
   * speed the median of the three (the counts are the same in every run).
   */
  public static Figures run() {
    measure(16 << 20);
    Figures[] f = {measure(64 << 20), measure(64 << 20), measure(64 << 20)};
    double[] w = {f[0].writeMBps(), f[1].writeMBps(), f[2].writeMBps()};
    double[] r = {f[0].readMBps(), f[1].readMBps(), f[2].readMBps()};
    java.util.Arrays.sort(w);
    java.util.Arrays.sort(r);
    return new Figures(
        f[0].fileBytes(),
        w[1],
        r[1],
        f[0].diskWritesPerDataBlock(),
        f[0].transactions(),
        f[0].maxBlocksPerTransaction(),
        f[0].logCapacity());
  }

  /** Writes and reads a file of {@code fileBytes} on a fresh in-memory file system. */
  public static Figures measure(int fileBytes) {
    return measure(fileBytes, false);
  }

  /**
   * As {@link #measure(int)}; with {@code xv6Chunks} each transaction reserves only MAXOPBLOCKS, as
   * xv6's filewrite does (3 KiB of data per transaction), instead of the log.
   */
  public static Figures measure(int fileBytes, boolean xv6Chunks) {
    int dataBlocks = (fileBytes + FsFormat.BSIZE - 1) / FsFormat.BSIZE;
    long size = dataBlocks + dataBlocks / FsFormat.NINDIRECT + 1000;
    MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, size);
    try {
      Mkfs.make(disk, new Mkfs.Options(size, 200, FsFormat.LOGHEADER_MAX, true), List.of());
      FileSystem fs = FileSystem.mount(disk);
      fs.createFile("/bench", false);
      byte[] data = pattern(fileBytes);
      Inode ip = fs.open("/bench");

      long writesBefore = fs.fs().bio().diskWrites();
      long t0 = System.nanoTime();
      int opBlocks = xv6Chunks ? xv6ckpt.kernel.Param.MAXOPBLOCKS : fs.largeOpBlocks();
      long n = fs.writeChunked(ip, 0, ByteSource.of(data), 0, data.length, opBlocks);
      long t1 = System.nanoTime();
      long diskWrites = fs.fs().bio().diskWrites() - writesBefore;
      if (n != data.length) {
        throw new IllegalStateException("benchmark wrote " + n + " of " + data.length);
      }

      byte[] back = new byte[fileBytes];
      int piece = 64 << 10;
      long t2 = System.nanoTime();
      fs.fs().ilock(ip);
      for (int off = 0; off < fileBytes; off += piece) {
        fs.fs().readi(ip, ByteSink.of(back), off, off, Math.min(piece, fileBytes - off));
      }
      fs.fs().iunlock(ip);
      long t3 = System.nanoTime();
      fs.close(ip);
      if (!java.util.Arrays.equals(data, back)) {
        throw new IllegalStateException("benchmark read back different data");
      }
      return new Figures(
          fileBytes,
          mbps(fileBytes, t1 - t0),
          mbps(fileBytes, t3 - t2),
          (double) diskWrites / dataBlocks,
          fs.log().commits(),
          fs.log().maxCommitBlocks(),
          fs.log().capacity());
    } catch (FsException | xv6ckpt.kernel.fs.MkfsException | KernelPanic e) {
      throw new IllegalStateException("file-system benchmark failed: " + e.getMessage(), e);
    }
  }

  private static double mbps(long bytes, long nanos) {
    return bytes / (1024.0 * 1024.0) / (nanos / 1e9);
  }

  private static byte[] pattern(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (i * 31 + (i >>> 10));
    }
    return b;
  }

  /** Prints the figures of {@link #run()}. */
  public static void main(String[] args) {
    run().lines().forEach(System.out::println);
  }
}
