package xv6ckpt.specs;

import static xv6ckpt.specs.Xv6.PGSIZE;

import java.util.List;

/**
 * Where everything is in a version 1 image: the fixed records, field by field, and the offsets of
 * the variable parts as functions of the two counts. FORMAT.md's layout tables are checked against
 * the lists here, so the document and the codec cannot drift apart.
 *
 * <pre>
 *   0                          header        64 bytes
 *   64                         registers     256 bytes: x1..x31, pc
 *   320                        restart       64 bytes
 *   384                        file records  nfiles x 152
 *   filesEnd                   page map      npages x 16 (va, perm)
 *   ...                        padding       zeros up to the next multiple of PGSIZE
 *   dataOffset                 page data     npages x 4096, in page-map order
 *   dataOffset + npages*4096   commit record 32 bytes, written last
 * </pre>
 *
 * Page data starts on a page boundary of the file so that a kernel writing through xv6's 1 KiB
 * blocks writes whole blocks (no read-modify-write) and can copy a page with one call.
 */
public final class Layout {
  private Layout() {}

  public static final int VERSION = 1;

  /** The header's first 8 bytes (ASCII, the last one NUL). */
  public static final String MAGIC = "XV6CKPT\0";

  /** The commit record's first 8 bytes. */
  public static final String COMMIT_MAGIC = "XV6DONE\0";

  // Header, at offset 0.
  public static final Field H_MAGIC = new Field("magic", 0, 8);
  public static final Field H_VERSION = new Field("version", 8, 4);
  public static final Field H_HDRLEN = new Field("hdrlen", 12, 4);
  public static final Field H_IMAGE_ID = new Field("image_id", 16, 8);
  public static final Field H_PID = new Field("pid", 24, 4);
  public static final Field H_RESERVED = new Field("reserved", 28, 4);
  public static final Field H_NAME = new Field("name", 32, Xv6.PROC_NAME);
  public static final Field H_SZ = new Field("sz", 48, 8);
  public static final Field H_NFILES = new Field("nfiles", 56, 4);
  public static final Field H_NPAGES = new Field("npages", 60, 4);
  public static final List<Field> HEADER =
      List.of(
          H_MAGIC,
          H_VERSION,
          H_HDRLEN,
          H_IMAGE_ID,
          H_PID,
          H_RESERVED,
          H_NAME,
          H_SZ,
          H_NFILES,
          H_NPAGES);
  public static final int HEADER_SIZE = 64;

  // Registers, at offset 64: x1..x31 in order (x0 is always zero and not stored), then pc.
  public static final int REGS_OFFSET = HEADER_SIZE;
  public static final Field R_X = new Field("x1..x31", 0, 31 * 8);
  public static final Field R_PC = new Field("pc", 248, 8);
  public static final List<Field> REGISTERS = List.of(R_X, R_PC);
  public static final int REGS_SIZE = 256;

  // Syscall-restart state, at offset 320.
  public static final int RESTART_OFFSET = REGS_OFFSET + REGS_SIZE;
  public static final Field S_SYSNUM = new Field("sysnum", 0, 4);
  public static final Field S_RESERVED = new Field("reserved", 4, 4);
  public static final Field S_ARGS = new Field("args", 8, 6 * 8);
  public static final Field S_PROGRESS = new Field("progress", 56, 8);
  public static final List<Field> RESTART = List.of(S_SYSNUM, S_RESERVED, S_ARGS, S_PROGRESS);
  public static final int RESTART_SIZE = 64;

  // Open-file records, from offset 384, one per open descriptor, in increasing fd order.
  public static final int FILES_OFFSET = RESTART_OFFSET + RESTART_SIZE;
  public static final Field F_FD = new Field("fd", 0, 4);
  public static final Field F_KIND = new Field("kind", 4, 4);
  public static final Field F_MODE = new Field("mode", 8, 4);
  public static final Field F_INUM = new Field("inum", 12, 4);
  public static final Field F_OFFSET = new Field("offset", 16, 4);
  public static final Field F_RESERVED = new Field("reserved", 20, 4);
  public static final Field F_PATH = new Field("path", 24, Xv6.MAXPATH);
  public static final List<Field> FILE =
      List.of(F_FD, F_KIND, F_MODE, F_INUM, F_OFFSET, F_RESERVED, F_PATH);
  public static final int FILE_SIZE = 152;

  public static final int KIND_CONSOLE = 1;
  public static final int KIND_FILE = 2;
  public static final int MODE_READ = 1;
  public static final int MODE_WRITE = 2;

  // Page map entries, right after the file records, in increasing va order.
  public static final Field P_VA = new Field("va", 0, 8);
  public static final Field P_PERM = new Field("perm", 8, 4);
  public static final Field P_RESERVED = new Field("reserved", 12, 4);
  public static final List<Field> PAGE = List.of(P_VA, P_PERM, P_RESERVED);
  public static final int PAGE_ENTRY_SIZE = 16;

  // Commit record: the last 32 bytes of the file, written last.
  public static final Field C_MAGIC = new Field("magic", 0, 8);
  public static final Field C_LENGTH = new Field("length", 8, 8);
  public static final Field C_IMAGE_ID = new Field("image_id", 16, 8);
  public static final Field C_CRC = new Field("crc", 24, 4);
  public static final Field C_RESERVED = new Field("reserved", 28, 4);
  public static final List<Field> COMMIT =
      List.of(C_MAGIC, C_LENGTH, C_IMAGE_ID, C_CRC, C_RESERVED);
  public static final int COMMIT_SIZE = 32;

  /** Most pages an image may hold: every user page below TRAPFRAME. */
  public static final long MAX_PAGES = Xv6.TRAPFRAME / PGSIZE;

  /** The permission bits a page may carry (xv6's PTE bit values). */
  public static final int PERM_BITS = Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_X | Xv6.PTE_U;

  /** Where the page map starts. */
  public static long pageMapOffset(long nfiles) {
    return FILES_OFFSET + nfiles * FILE_SIZE;
  }

  /** Where the page data starts: past the page map, rounded up to a page boundary. */
  public static long dataOffset(long nfiles, long npages) {
    return Xv6.PGROUNDUP(pageMapOffset(nfiles) + npages * PAGE_ENTRY_SIZE);
  }

  /** The whole file's length; the commit record is its last COMMIT_SIZE bytes. */
  public static long imageSize(long nfiles, long npages) {
    return dataOffset(nfiles, npages) + npages * PGSIZE + COMMIT_SIZE;
  }

  /** The smallest complete image: no files, no pages. */
  public static final long MIN_IMAGE_SIZE = imageSize(0, 0);
}
