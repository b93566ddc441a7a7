package xv6ckpt.emulator.disk;

import java.util.HashMap;
import java.util.Map;

/**
 * A copy-on-write view of another device: reads see the base device until a block is written,
 * writes stay in memory and never reach the base. For looking at an image without changing it
 * (mounting replays and clears the log, which writes), at the cost of the blocks written only.
 */
public final class OverlayBlockDevice implements BlockDevice {
  private final BlockDevice base;
  private final Map<Long, byte[]> written = new HashMap<>();

  /**
   * @param base the device to view (closed when this one is)
   */
  public OverlayBlockDevice(BlockDevice base) {
    this.base = base;
  }

  @Override
  public int blockSize() {
    return base.blockSize();
  }

  @Override
  public long blockCount() {
    return base.blockCount();
  }

  @Override
  public void read(long blockno, byte[] dst) {
    byte[] w = written.get(blockno);
    if (w == null) {
      base.read(blockno, dst);
      return;
    }
    if (dst.length != w.length) {
      throw new IllegalArgumentException(
          "buffer of " + dst.length + " bytes, block size is " + w.length);
    }
    System.arraycopy(w, 0, dst, 0, w.length);
  }

  @Override
  public void write(long blockno, byte[] src) {
    if (blockno < 0 || blockno >= base.blockCount()) {
      throw new IllegalArgumentException(
          "block " + blockno + " out of range 0.." + (base.blockCount() - 1));
    }
    if (src.length != base.blockSize()) {
      throw new IllegalArgumentException(
          "buffer of " + src.length + " bytes, block size is " + base.blockSize());
    }
    written.put(blockno, src.clone());
  }

  /** Blocks written to the overlay so far. */
  public int writtenBlocks() {
    return written.size();
  }

  @Override
  public void close() {
    base.close();
  }
}
