package xv6ckpt.kernel.fs;

import static xv6ckpt.kernel.fs.FsFormat.BPB;
import static xv6ckpt.kernel.fs.FsFormat.FEATURE_DINDIRECT;
import static xv6ckpt.kernel.fs.FsFormat.FSMAGIC;
import static xv6ckpt.kernel.fs.FsFormat.IPB;
import static xv6ckpt.kernel.fs.FsFormat.LOGHEADER_MAX;
import static xv6ckpt.kernel.fs.FsFormat.SUPERBLOCK_SIZE;
import static xv6ckpt.kernel.fs.FsFormat.XMAGIC;

import java.util.ArrayList;
import java.util.List;
import xv6ckpt.kernel.Param;

/**
 * {@code struct superblock} (block 1), its u32 fields as longs, plus the feature mask of our
 * extension (0 on a stock file system; see {@link FsFormat}).
 */
public record Superblock(
    long magic,
    long size,
    long nblocks,
    long ninodes,
    long nlog,
    long logstart,
    long inodestart,
    long bmapstart,
    int features) {

  /** Decodes block 1. Never fails: {@link #problems} says whether the values make sense. */
  public static Superblock decode(byte[] block) {
    int features = 0;
    if (FsFormat.u32(block, SUPERBLOCK_SIZE) == (XMAGIC & 0xffffffffL)) {
      features = (int) FsFormat.u32(block, SUPERBLOCK_SIZE + 4);
    }
    return new Superblock(
        FsFormat.u32(block, 0),
        FsFormat.u32(block, 4),
        FsFormat.u32(block, 8),
        FsFormat.u32(block, 12),
        FsFormat.u32(block, 16),
        FsFormat.u32(block, 20),
        FsFormat.u32(block, 24),
        FsFormat.u32(block, 28),
        features);
  }

  /** Writes this superblock into a zeroed block 1 image. */
  public void encode(byte[] block) {
    FsFormat.put32(block, 0, magic);
    FsFormat.put32(block, 4, size);
    FsFormat.put32(block, 8, nblocks);
    FsFormat.put32(block, 12, ninodes);
    FsFormat.put32(block, 16, nlog);
    FsFormat.put32(block, 20, logstart);
    FsFormat.put32(block, 24, inodestart);
    FsFormat.put32(block, 28, bmapstart);
    if (features != 0) {
      FsFormat.put32(block, SUPERBLOCK_SIZE, XMAGIC);
      FsFormat.put32(block, SUPERBLOCK_SIZE + 4, features);
    }
  }

  /**
   * The layout stock mkfs computes for a disk of {@code size} blocks: boot, super, a log of {@code
   * logBlocks} blocks after its header, {@code ninodes / IPB + 1} inode blocks, {@code size / BPB +
   * 1} bitmap blocks, then data.
   */
  public static Superblock layout(long size, long ninodes, int logBlocks, int features) {
    long nlog = logBlocks + 1L;
    long ninodeblocks = ninodes / IPB + 1;
    long nbitmap = size / BPB + 1;
    long nmeta = 2 + nlog + ninodeblocks + nbitmap;
    return new Superblock(
        FSMAGIC, size, size - nmeta, ninodes, nlog, 2, 2 + nlog, 2 + nlog + ninodeblocks, features);
  }

  /** Whether inodes may have a doubly-indirect block. */
  public boolean hasDindirect() {
    return (features & FEATURE_DINDIRECT) != 0;
  }

  /** First block of the data area. */
  public long dataStart() {
    return size - nblocks;
  }

  /** Blocks the log can hold in one transaction: the log area less its header block. */
  public int logCapacity() {
    return (int) Math.min(Integer.MAX_VALUE, nlog - 1);
  }

  /** Largest file, in blocks. */
  public int maxFileBlocks() {
    return hasDindirect() ? FsFormat.MAXFILE_DINDIRECT : FsFormat.MAXFILE;
  }

  /** Block holding inode {@code inum} (IBLOCK). */
  public long iblock(long inum) {
    return inum / IPB + inodestart;
  }

  /** Bitmap block holding the bit of block {@code b} (BBLOCK). */
  public long bblock(long b) {
    return b / BPB + bmapstart;
  }

  /**
   * Everything wrong with this superblock for a disk of {@code deviceBlocks} blocks, one sentence
   * each; empty if the regions are in order, inside the disk, and big enough.
   */
  public List<String> problems(long deviceBlocks) {
    List<String> p = new ArrayList<>();
    if (magic != FSMAGIC) {
      p.add(String.format("bad magic 0x%08x (an xv6 file system has 0x%08x)", magic, FSMAGIC));
      return p; // nothing else means anything
    }
    if (size > deviceBlocks) {
      p.add("size " + size + " blocks exceeds the disk's " + deviceBlocks + " blocks");
    }
    if (nblocks > size) {
      p.add("nblocks " + nblocks + " exceeds size " + size);
    }
    if (logstart < 2) {
      p.add("logstart " + logstart + " overlaps the boot block or the superblock");
    }
    if (nlog - 1 < Param.MAXOPBLOCKS || nlog - 1 > LOGHEADER_MAX) {
      p.add(
          "nlog "
              + nlog
              + " must hold a header and "
              + Param.MAXOPBLOCKS
              + " to "
              + LOGHEADER_MAX
              + " log blocks");
    }
    if (logstart + nlog > inodestart) {
      p.add(
          "log (blocks "
              + logstart
              + ".."
              + (logstart + nlog - 1)
              + ") runs into the inode blocks at "
              + inodestart);
    }
    if (ninodes < 2) {
      p.add("ninodes " + ninodes + " leaves no room for the root inode " + FsFormat.ROOTINO);
    }
    long inodeBlocks = (ninodes + IPB - 1) / IPB;
    if (inodestart + inodeBlocks > bmapstart) {
      p.add(ninodes + " inodes from block " + inodestart + " run into the bitmap at " + bmapstart);
    }
    long bitmapBlocks = (size + BPB - 1) / BPB;
    if (bmapstart + bitmapBlocks > dataStart()) {
      p.add(
          "bitmap of "
              + bitmapBlocks
              + " blocks from "
              + bmapstart
              + " runs into the data area at "
              + dataStart());
    }
    if (features != 0 && features != FEATURE_DINDIRECT) {
      p.add(String.format("unknown feature bits 0x%x", features & ~FEATURE_DINDIRECT));
    }
    return p;
  }
}
