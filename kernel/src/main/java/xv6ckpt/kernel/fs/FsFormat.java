package xv6ckpt.kernel.fs;

/**
 * xv6's {@code fs.h}: the on-disk format, byte for byte as xv6-riscv has it, plus one extension.
 *
 * <pre>
 * Disk layout (block numbers; one block is BSIZE bytes):
 *   [ boot | super | log header, log blocks | inode blocks | free bitmap | data blocks ]
 *     0      1       sb.logstart (= 2)        sb.inodestart  sb.bmapstart  sb.size - sb.nblocks
 *
 * All integers are little-endian. superblock (block 1, bytes 0..31): eight u32s
 *   magic size nblocks ninodes nlog logstart inodestart bmapstart
 * dinode (64 bytes, IPB = 16 per block, inode i in block i / IPB + inodestart):
 *   0 type s16 | 2 major s16 | 4 minor s16 | 6 nlink s16 | 8 size u32 | 12 addrs[NDIRECT+1] u32
 * dirent (16 bytes): 0 inum u16 | 2 name[DIRSIZ], NUL-padded, not NUL-terminated at DIRSIZ
 * bitmap: bit (b % 8) of byte (b % BPB) / 8 of block b / BPB + bmapstart is set iff block b is
 *   in use; the blocks before the data area are always marked in use.
 * </pre>
 *
 * <p>The extension, for files of up to 64 MiB (checkpoint images of large processes): a file system
 * made with {@link #FEATURE_DINDIRECT} has, in block 1 after the stock superblock, the u32 {@link
 * #XMAGIC} at byte 32 and a u32 feature mask at byte 36; stock xv6 reads only the first 32 bytes
 * and ignores them. In such a file system an inode that is not a device may have a doubly-indirect
 * block, whose number is kept in the 32 bits of {@code major} (low half) and {@code minor} (high
 * half), which xv6 uses only for devices. The direct and indirect blocks keep their stock meaning,
 * so every file of at most {@link #MAXFILE} blocks is a stock file.
 */
public final class FsFormat {
  private FsFormat() {}

  public static final int ROOTINO = 1; // root i-number
  public static final int BSIZE = 1024; // block size
  public static final int FSMAGIC = 0x10203040;

  public static final int NDIRECT = 12;
  public static final int NINDIRECT = BSIZE / 4;

  /** Largest file, in blocks, of a stock file system. */
  public static final int MAXFILE = NDIRECT + NINDIRECT;

  /** Blocks reachable through the doubly-indirect block. */
  public static final int NDINDIRECT = NINDIRECT * NINDIRECT;

  /** Largest file, in blocks, of a file system with {@link #FEATURE_DINDIRECT}. */
  public static final int MAXFILE_DINDIRECT = MAXFILE + NDINDIRECT;

  public static final int DINODE_SIZE = 64;
  public static final int IPB = BSIZE / DINODE_SIZE; // inodes per block
  public static final int BPB = BSIZE * 8; // bitmap bits per block
  public static final int DIRSIZ = 14;
  public static final int DIRENT_SIZE = 16;

  /** Superblock bytes that stock xv6 reads. */
  public static final int SUPERBLOCK_SIZE = 32;

  /** "xv6c" in ASCII, little-endian, at byte 32 of block 1: the feature word below is valid. */
  public static final int XMAGIC = 0x63367678;

  /** Feature bit: inodes may have a doubly-indirect block. */
  public static final int FEATURE_DINDIRECT = 1;

  /** The log header is one block: a u32 count and then one u32 block number per log block. */
  public static final int LOGHEADER_MAX = BSIZE / 4 - 1;

  static int u16(byte[] b, int off) {
    return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
  }

  static short s16(byte[] b, int off) {
    return (short) u16(b, off);
  }

  static long u32(byte[] b, int off) {
    return (b[off] & 0xffL)
        | (b[off + 1] & 0xffL) << 8
        | (b[off + 2] & 0xffL) << 16
        | (b[off + 3] & 0xffL) << 24;
  }

  static void put16(byte[] b, int off, int v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
  }

  static void put32(byte[] b, int off, long v) {
    b[off] = (byte) v;
    b[off + 1] = (byte) (v >>> 8);
    b[off + 2] = (byte) (v >>> 16);
    b[off + 3] = (byte) (v >>> 24);
  }

  /** Whether bit for block b is set in its bitmap block's contents. */
  static boolean bitSet(byte[] bitmapBlock, long b) {
    int bi = (int) (b % BPB);
    return (bitmapBlock[bi / 8] & (1 << (bi % 8))) != 0;
  }
}
