package xv6ckpt.emulator.disk;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A disk held in host memory: the device the fuzzers, properties and benchmarks run on.
 *
 * <p>Blocks are stored one array per block and allocated on first write (an unwritten block reads
 * as zeros), so a large, mostly empty disk costs little to create.
 *
 * <p>Snapshot and reset, for machines reused across many runs: {@link #snapshot()} remembers the
 * current contents; from then on the first write to each block saves that block's old contents, and
 * {@link #reset()} puts back just those blocks. A reset therefore costs time proportional to the
 * number of blocks written since the snapshot, not to the size of the disk. Only the latest
 * snapshot is kept; a reset keeps it, so run-reset-run-reset works.
 */
public final class MemoryBlockDevice implements BlockDevice {
  private final int blockSize;
  private final long blockCount;

  /** blocks[b] is null while block b has never been written (all zeros). */
  private final byte[][] blocks;

  /** Old contents of each block written since the snapshot (null value: it was all zeros). */
  private Map<Long, byte[]> saved;

  private boolean closed;

  /** A zero-filled disk of {@code blockCount} blocks of {@code blockSize} bytes. */
  public MemoryBlockDevice(int blockSize, long blockCount) {
    if (blockSize <= 0) {
      throw new IllegalArgumentException("block size must be positive, got " + blockSize);
    }
    if (blockCount < 0 || blockCount > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "block count must be between 0 and " + Integer.MAX_VALUE + ", got " + blockCount);
    }
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.blocks = new byte[(int) blockCount][];
  }

  /** A disk whose contents are a copy of {@code image}, whose length must be whole blocks. */
  public MemoryBlockDevice(int blockSize, byte[] image) {
    this(blockSize, wholeBlocks(blockSize, image.length));
    for (int b = 0; b < blocks.length; b++) {
      int from = b * blockSize;
      if (!allZero(image, from, blockSize)) {
        blocks[b] = Arrays.copyOfRange(image, from, from + blockSize);
      }
    }
  }

  private static long wholeBlocks(int blockSize, int length) {
    if (blockSize <= 0 || length % blockSize != 0) {
      throw new IllegalArgumentException(
          "image of " + length + " bytes is not a whole number of " + blockSize + "-byte blocks");
    }
    return length / blockSize;
  }

  private static boolean allZero(byte[] a, int from, int n) {
    for (int i = from; i < from + n; i++) {
      if (a[i] != 0) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int blockSize() {
    return blockSize;
  }

  @Override
  public long blockCount() {
    return blockCount;
  }

  @Override
  public void read(long blockno, byte[] dst) {
    int b = check(blockno, dst);
    byte[] block = blocks[b];
    if (block == null) {
      Arrays.fill(dst, (byte) 0);
    } else {
      System.arraycopy(block, 0, dst, 0, blockSize);
    }
  }

  @Override
  public void write(long blockno, byte[] src) {
    int b = check(blockno, src);
    writes++;
    if (saved != null && !saved.containsKey(blockno)) {
      saved.put(blockno, blocks[b]); // kept as it is: the block gets a fresh array
      blocks[b] = src.clone();
    } else if (blocks[b] == null) {
      blocks[b] = src.clone();
    } else {
      System.arraycopy(src, 0, blocks[b], 0, blockSize); // no snapshot holds this array
    }
  }

  private int check(long blockno, byte[] buf) {
    if (closed) {
      throw new IllegalStateException("memory block device is closed");
    }
    if (blockno < 0 || blockno >= blockCount) {
      throw new IllegalArgumentException(
          "block " + blockno + " out of range 0.." + (blockCount - 1));
    }
    if (buf.length != blockSize) {
      throw new IllegalArgumentException(
          "buffer of " + buf.length + " bytes, block size is " + blockSize);
    }
    return (int) blockno;
  }

  /**
   * Blocks written since the device was made, snapshots and resets included: how a watcher sees
   * that a kernel is still at work on its disk (a count, not contents).
   */
  public long writes() {
    return writes;
  }

  private long writes;

  /** Remembers the current contents; a later {@link #reset()} returns to them. */
  public void snapshot() {
    saved = new HashMap<>();
  }

  /**
   * Returns the disk to the contents at the last {@link #snapshot()}, touching only the blocks
   * written since; the snapshot stays in place for the next reset.
   *
   * @throws IllegalStateException if no snapshot was taken
   */
  public void reset() {
    if (saved == null) {
      throw new IllegalStateException("reset without a snapshot");
    }
    for (Map.Entry<Long, byte[]> e : saved.entrySet()) {
      blocks[(int) (long) e.getKey()] = e.getValue();
    }
    saved.clear();
  }

  /** Number of distinct blocks written since the last snapshot or reset (what a reset costs). */
  public int dirtyBlocks() {
    return saved == null ? 0 : saved.size();
  }

  /**
   * The blocks written since the last snapshot or reset, ascending: every other block holds what it
   * held at the snapshot. Empty without a snapshot.
   */
  public long[] writtenBlocks() {
    if (saved == null) {
      return new long[0];
    }
    long[] out = new long[saved.size()];
    int i = 0;
    for (long b : saved.keySet()) {
      out[i++] = b;
    }
    Arrays.sort(out);
    return out;
  }

  /**
   * A copy of the whole disk as one array (for writing an image file or comparing disks).
   *
   * @throws IllegalStateException if the disk is 2 GiB or larger and cannot be one array
   */
  public byte[] contents() {
    long total = blockCount * blockSize;
    if (total > Integer.MAX_VALUE - 8) {
      throw new IllegalStateException("disk of " + total + " bytes is too large for one array");
    }
    byte[] out = new byte[(int) total];
    for (int b = 0; b < blocks.length; b++) {
      if (blocks[b] != null) {
        System.arraycopy(blocks[b], 0, out, b * blockSize, blockSize);
      }
    }
    return out;
  }

  @Override
  public void close() {
    closed = true;
  }
}
