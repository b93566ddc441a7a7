package xv6ckpt.kernel.fs;

import static xv6ckpt.kernel.fs.FsFormat.BPB;
import static xv6ckpt.kernel.fs.FsFormat.BSIZE;
import static xv6ckpt.kernel.fs.FsFormat.MAXFILE;
import static xv6ckpt.kernel.fs.FsFormat.NDIRECT;
import static xv6ckpt.kernel.fs.FsFormat.NINDIRECT;

import xv6ckpt.kernel.KernelPanic;

/**
 * What a caller needs to handle files larger than one transaction (checkpoint images) with every
 * transaction within a fixed budget of log blocks: the disk's free blocks, the blocks a file of n
 * bytes takes, and truncation in steps. xv6 has none of these: its itrunc frees a whole file in one
 * transaction, which for a large file touches more bitmap blocks than MAXOPBLOCKS.
 *
 * <p>Like {@link Fs}, this class changes blocks only through the log and never opens a transaction;
 * the caller does ({@link ImageFile}, in transactions Checkpoint brackets).
 */
public final class LargeFiles {
  private LargeFiles() {}

  /** Blocks a truncation step logs besides the data blocks' bitmap blocks, at most. */
  public static final int TRUNCATE_OVERHEAD = 5;

  /** Free data blocks on the disk now (a scan of the bitmap). Inside or outside a transaction. */
  public static long freeBlocks(Fs fs) {
    Superblock sb = fs.superblock();
    long free = 0;
    long b = sb.dataStart();
    while (b < sb.size()) {
      Buf bp = fs.bio().bread(sb.bblock(b));
      long end = Math.min(sb.size(), (b / BPB + 1) * BPB);
      for (; b < end; b++) {
        int bi = (int) (b % BPB);
        if (bi % 8 == 0 && b + 8 <= end) { // a whole byte of the bitmap at once
          free += 8 - Integer.bitCount(bp.data[bi / 8] & 0xff);
          b += 7;
        } else if ((bp.data[bi / 8] & (1 << (bi % 8))) == 0) {
          free++;
        }
      }
      fs.bio().brelse(bp);
    }
    return free;
  }

  /** Blocks (data and index) a file of {@code bytes} bytes written from empty occupies. */
  public static long blocksFor(long bytes) {
    long nb = (bytes + BSIZE - 1) / BSIZE;
    long index = 0;
    if (nb > NDIRECT) {
      index++; // the indirect block
    }
    if (nb > MAXFILE) {
      long rest = nb - MAXFILE;
      index += 1 + (rest + NINDIRECT - 1) / NINDIRECT; // the doubly-indirect block and its children
    }
    return nb + index;
  }

  /**
   * One step of truncating ip from its end: frees the last blocks of the file, as many as fit in
   * {@code budget} newly logged blocks, clearing the index entries that named them so that the
   * inode is consistent after every step. Each step frees blocks of one index block (or of the
   * direct block list) only, and the file's size shrinks to end before the first freed block.
   * Caller holds ip locked, inside a transaction with {@code budget} blocks still unused.
   *
   * @param budget at least TRUNCATE_OVERHEAD + 1
   * @return true when the file has no blocks left (its size is then 0)
   */
  public static boolean truncateStep(Fs fs, Inode ip, int budget) {
    if (budget <= TRUNCATE_OVERHEAD) {
      throw new IllegalArgumentException(
          "truncation step needs a budget above " + TRUNCATE_OVERHEAD + " blocks, got " + budget);
    }
    int bitmaps = budget - TRUNCATE_OVERHEAD;
    if (ip.dindirect != 0) {
      stepDoublyIndirect(fs, ip, bitmaps);
    } else if (ip.addrs[NDIRECT] != 0) {
      long first = stepIndex(fs, ip, ip.addrs[NDIRECT], bitmaps);
      if (first < 0) {
        fs.bfree(ip.addrs[NDIRECT]);
        ip.addrs[NDIRECT] = 0;
        first = 0;
      }
      shrinkTo(ip, NDIRECT + first);
    } else {
      stepDirect(fs, ip, bitmaps);
    }
    boolean empty = ip.dindirect == 0;
    for (long b : ip.addrs) {
      empty &= b == 0;
    }
    if (empty) {
      ip.size = 0;
    }
    fs.iupdate(ip);
    return empty;
  }

  /** The last level-1 block under the doubly-indirect block loses its tail (or goes). */
  private static void stepDoublyIndirect(Fs fs, Inode ip, int bitmaps) {
    long[] top = entries(fs, ip, ip.dindirect);
    int j = lastNonzero(top);
    if (j >= 0) {
      long first = stepIndex(fs, ip, top[j], bitmaps);
      if (first >= 0) {
        shrinkTo(ip, MAXFILE + (long) j * NINDIRECT + first);
        return;
      }
      fs.bfree(top[j]); // the level-1 block is empty now
      top[j] = 0;
      setEntry(fs, ip.dindirect, j, 0);
      shrinkTo(ip, MAXFILE + (long) j * NINDIRECT);
    }
    if (lastNonzero(top) < 0) {
      fs.bfree(ip.dindirect);
      ip.dindirect = 0;
      shrinkTo(ip, MAXFILE);
    }
  }

  /**
   * Frees a tail of the blocks index block {@code index} names, as long as their bitmap blocks
   * number at most {@code bitmaps}, and clears their entries.
   *
   * @return the entry number of the first block still named, -1 if none is left
   */
  private static long stepIndex(Fs fs, Inode ip, long index, int bitmaps) {
    long[] a = entries(fs, ip, index);
    int last = lastNonzero(a);
    if (last < 0) {
      return -1;
    }
    int s = tailStart(fs, a, last, bitmaps);
    Buf bp = fs.bio().bread(index);
    for (int i = s; i < a.length; i++) {
      if (a[i] != 0) {
        fs.bfree(a[i]);
        a[i] = 0;
        FsFormat.put32(bp.data, 4 * i, 0);
      }
    }
    fs.log().logWrite(bp);
    fs.bio().brelse(bp);
    return lastNonzero(a) < 0 ? -1 : s;
  }

  private static void stepDirect(Fs fs, Inode ip, int bitmaps) {
    long[] a = new long[NDIRECT];
    for (int i = 0; i < NDIRECT; i++) {
      a[i] = checked(fs, ip, ip.addrs[i]);
    }
    int s = tailStart(fs, a, lastNonzero(a), bitmaps);
    for (int i = s; i < NDIRECT; i++) {
      if (a[i] != 0) {
        fs.bfree(a[i]);
        ip.addrs[i] = 0;
      }
    }
    shrinkTo(ip, Math.max(0, s));
  }

  /**
   * The first entry of the longest tail ending at {@code last} whose nonzero entries lie in at most
   * {@code bitmaps} bitmap blocks (at least the entry {@code last} itself); 0 if last is -1.
   */
  private static int tailStart(Fs fs, long[] a, int last, int bitmaps) {
    if (last < 0) {
      return 0;
    }
    long[] seen = new long[bitmaps];
    int nseen = 0;
    int s = last;
    for (int i = last; i >= 0; i--) {
      if (a[i] == 0) {
        s = i;
        continue;
      }
      long bb = fs.superblock().bblock(a[i]);
      if (!contains(seen, nseen, bb)) {
        if (nseen == bitmaps) {
          break;
        }
        seen[nseen++] = bb;
      }
      s = i;
    }
    return s;
  }

  private static boolean contains(long[] a, int n, long v) {
    for (int i = 0; i < n; i++) {
      if (a[i] == v) {
        return true;
      }
    }
    return false;
  }

  private static void shrinkTo(Inode ip, long blocks) {
    ip.size = Math.min(ip.size, blocks * BSIZE);
  }

  private static int lastNonzero(long[] a) {
    for (int i = a.length - 1; i >= 0; i--) {
      if (a[i] != 0) {
        return i;
      }
    }
    return -1;
  }

  /** The NINDIRECT block numbers in index block {@code index}, each checked. */
  private static long[] entries(Fs fs, Inode ip, long index) {
    checked(fs, ip, index);
    Buf bp = fs.bio().bread(index);
    long[] a = new long[NINDIRECT];
    for (int j = 0; j < NINDIRECT; j++) {
      a[j] = FsFormat.u32(bp.data, 4 * j);
    }
    fs.bio().brelse(bp);
    for (long b : a) {
      checked(fs, ip, b);
    }
    return a;
  }

  private static void setEntry(Fs fs, long index, int slot, long value) {
    Buf bp = fs.bio().bread(index);
    FsFormat.put32(bp.data, 4 * slot, value);
    fs.log().logWrite(bp);
    fs.bio().brelse(bp);
  }

  /** A block number read from ip's index must be 0 or a data block (as Fs checks in bmap). */
  private static long checked(Fs fs, Inode ip, long b) {
    Superblock sb = fs.superblock();
    if (b != 0 && (b < sb.dataStart() || b >= sb.size())) {
      throw new KernelPanic(
          "truncate: inode "
              + ip.inum
              + " names block "
              + b
              + ", outside the data area "
              + sb.dataStart()
              + ".."
              + (sb.size() - 1));
    }
    return b;
  }
}
