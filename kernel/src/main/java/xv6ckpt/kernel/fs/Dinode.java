package xv6ckpt.kernel.fs;

import static xv6ckpt.kernel.fs.FsFormat.NDIRECT;

/**
 * {@code struct dinode}: one 64-byte on-disk inode, decoded. {@code addrs} has NDIRECT + 1 entries,
 * the last the indirect block; {@link #dindirect()} is the doubly-indirect block of our extension,
 * read from the major/minor bits (see {@link FsFormat}).
 */
public record Dinode(short type, short major, short minor, short nlink, long size, long[] addrs) {

  /** Decodes the inode at byte {@code off} of an inode block. */
  public static Dinode decode(byte[] block, int off) {
    long[] addrs = new long[NDIRECT + 1];
    for (int i = 0; i < addrs.length; i++) {
      addrs[i] = FsFormat.u32(block, off + 12 + 4 * i);
    }
    return new Dinode(
        FsFormat.s16(block, off),
        FsFormat.s16(block, off + 2),
        FsFormat.s16(block, off + 4),
        FsFormat.s16(block, off + 6),
        FsFormat.u32(block, off + 8),
        addrs);
  }

  /** Writes this inode at byte {@code off} of an inode block. */
  public void encode(byte[] block, int off) {
    FsFormat.put16(block, off, type);
    FsFormat.put16(block, off + 2, major);
    FsFormat.put16(block, off + 4, minor);
    FsFormat.put16(block, off + 6, nlink);
    FsFormat.put32(block, off + 8, size);
    for (int i = 0; i < NDIRECT + 1; i++) {
      FsFormat.put32(block, off + 12 + 4 * i, addrs[i]);
    }
  }

  /** The doubly-indirect block number kept in major (low 16 bits) and minor (high 16 bits). */
  public long dindirect() {
    return packDindirect(major, minor);
  }

  static long packDindirect(short major, short minor) {
    return (major & 0xffffL) | (minor & 0xffffL) << 16;
  }
}
