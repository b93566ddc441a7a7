package xv6ckpt.kernel.fs;

import java.util.HashMap;
import java.util.Map;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.DiskIoException;
import xv6ckpt.kernel.KernelPanic;

/**
 * xv6's {@code bio.c}: the buffer cache, the only code that touches the disk.
 *
 * <p>The buffer cache holds cached copies of disk blocks. Caching reduces disk reads and gives one
 * synchronization point for blocks used by several parts of the kernel.
 *
 * <p>Interface:
 *
 * <ul>
 *   <li>To get a buffer for a block, call {@link #bread}.
 *   <li>After changing its data, call {@link #bwrite} to write it to disk (only the log does;
 *       everything else goes through {@link Log#logWrite}).
 *   <li>When done with the buffer, call {@link #brelse}.
 *   <li>Do not use the buffer after calling brelse.
 *   <li>Only one caller at a time can use a buffer, so do not keep buffers longer than needed.
 * </ul>
 *
 * <p>Replacement is xv6's LRU: a buffer to recycle is the least recently released one with no
 * references. {@link #bpin} holds a buffer in the cache for the log until its transaction is
 * installed. Two speed-ups that keep the policy: a map from block number to buffer replaces xv6's
 * linear search, and the list holds only the unreferenced buffers (xv6 keeps them all and skips the
 * referenced ones when recycling, which costs a walk past every pinned buffer of a big
 * transaction). A buffer whose last pin is dropped counts as just released.
 *
 * <p>Single-threaded: a buffer's sleep-lock is a flag, and trying to lock a locked buffer is a
 * panic, since the only holder can be the caller itself (xv6 would deadlock).
 */
public final class Bio {
  private final BlockDevice dev;

  /** Sentinel of the list of unreferenced buffers; head.next is the most recently released. */
  private final Buf head = new Buf();

  private final Map<Long, Buf> byBlock = new HashMap<>();
  private final int nbuf;

  /** Every buffer, referenced or not (for {@link #forgetAll}). */
  private final Buf[] all;

  private long diskReads;
  private long diskWrites;

  /** Buffers with a reference (in use by a caller, or pinned by the log). */
  private int held;

  /**
   * @param dev the disk; its block size must be BSIZE
   * @param nbuf number of buffers (xv6: NBUF)
   */
  public Bio(BlockDevice dev, int nbuf) {
    if (dev.blockSize() != FsFormat.BSIZE) {
      throw new IllegalArgumentException(
          "disk block size " + dev.blockSize() + ", the file system needs " + FsFormat.BSIZE);
    }
    if (nbuf < 1) {
      throw new IllegalArgumentException("buffer cache needs at least one buffer, got " + nbuf);
    }
    this.dev = dev;
    this.nbuf = nbuf;
    this.all = new Buf[nbuf];
    for (int i = 0; i < nbuf; i++) {
      all[i] = new Buf();
    }
    forgetAll();
  }

  /**
   * Makes this cache what a new one over the same disk would be: every buffer unreferenced,
   * unlocked and holding no block, in the list in the order a new cache has them, the counters at
   * zero. Buffers still referenced (a reset after a panic in the middle of a call) are taken back
   * too. For a machine reset, where the disk went back to a snapshot under the cache.
   */
  public void forgetAll() {
    byBlock.clear();
    head.prev = head;
    head.next = head;
    for (Buf b : all) {
      b.blockno = -1;
      b.refcnt = 0;
      b.locked = false;
      b.valid = false;
      b.next = head.next;
      b.prev = head;
      head.next.prev = b;
      head.next = b;
    }
    diskReads = 0;
    diskWrites = 0;
    held = 0;
  }

  /** The disk this cache reads and writes. */
  public BlockDevice device() {
    return dev;
  }

  /** Number of buffers. */
  public int nbuf() {
    return nbuf;
  }

  /** Blocks on the disk. */
  public long diskBlocks() {
    return dev.blockCount();
  }

  /**
   * Looks through the cache for the block; if not found, recycles the least recently used
   * unreferenced buffer. Either way returns it locked, with one more reference.
   */
  private Buf bget(long blockno) {
    Buf b = byBlock.get(blockno);
    if (b != null) {
      if (b.locked) {
        throw new KernelPanic("bget: block " + blockno + " is already locked by the caller");
      }
      reference(b);
      b.locked = true;
      return b;
    }
    b = head.prev; // Not cached: recycle the least recently used unreferenced buffer.
    if (b == head) {
      throw new KernelPanic("bget: no buffers");
    }
    byBlock.remove(b.blockno);
    b.blockno = blockno;
    b.valid = false;
    reference(b);
    b.locked = true;
    byBlock.put(blockno, b);
    return b;
  }

  /** One more reference; an unreferenced buffer leaves the list. */
  private void reference(Buf b) {
    if (b.refcnt++ == 0) {
      held++;
      b.next.prev = b.prev;
      b.prev.next = b.next;
      b.next = null;
      b.prev = null;
    }
  }

  /** One reference fewer; a buffer left unreferenced goes to the front of the list. */
  private void unreference(Buf b) {
    if (--b.refcnt == 0) {
      held--;
      b.next = head.next;
      b.prev = head;
      head.next.prev = b;
      head.next = b;
    }
  }

  /** Returns a locked buffer with the contents of the indicated block. */
  public Buf bread(long blockno) {
    if (blockno < 0 || blockno >= dev.blockCount()) {
      throw new KernelPanic(
          "bread: block " + blockno + " outside the disk of " + dev.blockCount() + " blocks");
    }
    Buf b = bget(blockno);
    if (!b.valid) {
      try {
        dev.read(blockno, b.data);
      } catch (DiskIoException e) {
        brelse(b);
        throw new KernelPanic("disk: " + e.getMessage(), e);
      }
      diskReads++;
      b.valid = true;
    }
    return b;
  }

  /**
   * Like {@link #bread} for a block whose old contents do not matter because the caller is about to
   * overwrite all of it: returns it locked and zero-filled, without reading the disk. (xv6 reads
   * the block anyway; skipping the read changes nothing but the cost.)
   */
  public Buf bgetZeroed(long blockno) {
    if (blockno < 0 || blockno >= dev.blockCount()) {
      throw new KernelPanic(
          "bread: block " + blockno + " outside the disk of " + dev.blockCount() + " blocks");
    }
    Buf b = bget(blockno);
    java.util.Arrays.fill(b.data, (byte) 0);
    b.valid = true;
    return b;
  }

  /** Writes b's contents to disk. Must be locked. */
  public void bwrite(Buf b) {
    if (!b.locked) {
      throw new KernelPanic("bwrite");
    }
    try {
      dev.write(b.blockno, b.data);
    } catch (DiskIoException e) {
      throw new KernelPanic("disk: " + e.getMessage(), e);
    }
    diskWrites++;
  }

  /** Releases a locked buffer and moves it to the head of the most-recently-used list. */
  public void brelse(Buf b) {
    if (!b.locked) {
      throw new KernelPanic("brelse");
    }
    b.locked = false;
    unreference(b);
  }

  /** Holds b in the cache (the log's uncommitted blocks must not be recycled). */
  public void bpin(Buf b) {
    reference(b);
  }

  /** Undoes one {@link #bpin}. */
  public void bunpin(Buf b) {
    if (b.refcnt < 1) {
      throw new KernelPanic("bunpin: block " + b.blockno + " is not pinned");
    }
    unreference(b);
  }

  /**
   * Buffers referenced now: by a caller between bread and brelse, or pinned by the log until its
   * transaction is installed. 0 between system calls (the cache's rest state).
   */
  public int heldBuffers() {
    return held;
  }

  /** Blocks read from the disk so far (cache misses). */
  public long diskReads() {
    return diskReads;
  }

  /** Blocks written to the disk so far. */
  public long diskWrites() {
    return diskWrites;
  }
}
