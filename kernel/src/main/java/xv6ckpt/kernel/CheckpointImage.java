package xv6ckpt.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The checkpoint image format, version 1, as the kernel writes and reads it: the layout, the rule
 * codes, an encoder for everything but the page data, and the validator restore runs before it
 * touches the caller. The specification is {@code specs/FORMAT.md}; this is the kernel's own
 * reading of it, sharing no code with the spec's decoder (the harness holds the two side by side
 * and checks that they name the same rule, at the same offset, for the same bytes).
 *
 * <pre>
 * image     = header registers restart file{nfiles} pagemap{npages} padding data{npages} commit
 * header    = "XV6CKPT\0" version:u32 hdrlen:u32 image_id:u64 pid:u32 reserved:u32
 *             name:byte[16] sz:u64 nfiles:u32 npages:u32                      (offset 0, 64)
 * registers = x1..x31:u64[31] pc:u64                                          (offset 64, 256)
 * restart   = sysnum:u32 reserved:u32 args:u64[6] progress:u64                (offset 320, 64)
 * file      = fd:u32 kind:u32 mode:u32 inum:u32 offset:u32 reserved:u32 path:byte[128]  (152)
 * pagemap   = va:u64 perm:u32 reserved:u32                                    (16)
 * padding   = zeros up to the next multiple of 4096 (D, where page data starts)
 * data      = byte[4096] per page-map entry, in order
 * commit    = "XV6DONE\0" length:u64 image_id:u64 crc:u32 reserved:u32       (last 32)
 * </pre>
 *
 * Integers little-endian. The validator checks in FORMAT.md's order (identity, integrity, framing,
 * fields in file order, across records) and reports the first rule broken.
 */
public final class CheckpointImage {
  private CheckpointImage() {}

  // ---------------------------------------------------------------- rule codes (FORMAT.md §4)
  // Copied from the specification's rules table; SpecConstantsTest in the harness checks that
  // every name here has the spec's code.

  // checkpoint(pid, path): refused before anything is written.
  public static final int CKPT_NO_PROCESS = -2;
  public static final int CKPT_ZOMBIE = -3;
  public static final int CKPT_BUSY = -4;
  public static final int CKPT_PIPE = -5;
  public static final int CKPT_DEVICE = -6;
  public static final int CKPT_PATH = -7;
  public static final int CKPT_NOSPACE = -8;
  // The image.
  public static final int HDR_MAGIC = -10;
  public static final int HDR_VERSION = -11;
  public static final int COMMIT_MISSING = -12;
  public static final int COMMIT_LENGTH = -13;
  public static final int COMMIT_ID = -14;
  public static final int CRC_MISMATCH = -15;
  public static final int HDR_LENGTH = -16;
  public static final int HDR_NFILES = -17;
  public static final int HDR_NPAGES = -18;
  public static final int IMAGE_LENGTH = -19;
  public static final int RESERVED_NONZERO = -20;
  public static final int HDR_PID = -21;
  public static final int HDR_NAME = -22;
  public static final int HDR_SZ = -23;
  public static final int REGS_PC = -24;
  public static final int RESTART_SYSCALL = -25;
  public static final int RESTART_ARGS = -26;
  public static final int RESTART_PROGRESS = -27;
  public static final int FILE_FD = -28;
  public static final int FILE_KIND = -29;
  public static final int FILE_MODE = -30;
  public static final int FILE_CONSOLE = -31;
  public static final int FILE_INUM = -32;
  public static final int FILE_PATH = -33;
  public static final int PAGE_VA_ALIGNED = -34;
  public static final int PAGE_VA_RANGE = -35;
  public static final int PAGE_ORDER = -36;
  public static final int PAGE_PERM = -37;
  public static final int RESTART_PC = -38;
  // restore(path): a valid image that cannot become this process now.
  public static final int RESTORE_NO_FILE = -40;
  public static final int RESTORE_FILE_MISSING = -41;
  public static final int RESTORE_FILE_INODE = -42;
  public static final int RESTORE_FILE_OFFSET = -43;
  public static final int RESTORE_NOMEM = -44;

  /** The rule names by -code (index 0, 1 and 9, 39 unused), for the console lines. */
  private static final List<String> NAMES =
      List.of(
          "",
          "",
          "CKPT_NO_PROCESS",
          "CKPT_ZOMBIE",
          "CKPT_BUSY",
          "CKPT_PIPE",
          "CKPT_DEVICE",
          "CKPT_PATH",
          "CKPT_NOSPACE",
          "",
          "HDR_MAGIC",
          "HDR_VERSION",
          "COMMIT_MISSING",
          "COMMIT_LENGTH",
          "COMMIT_ID",
          "CRC_MISMATCH",
          "HDR_LENGTH",
          "HDR_NFILES",
          "HDR_NPAGES",
          "IMAGE_LENGTH",
          "RESERVED_NONZERO",
          "HDR_PID",
          "HDR_NAME",
          "HDR_SZ",
          "REGS_PC",
          "RESTART_SYSCALL",
          "RESTART_ARGS",
          "RESTART_PROGRESS",
          "FILE_FD",
          "FILE_KIND",
          "FILE_MODE",
          "FILE_CONSOLE",
          "FILE_INUM",
          "FILE_PATH",
          "PAGE_VA_ALIGNED",
          "PAGE_VA_RANGE",
          "PAGE_ORDER",
          "PAGE_PERM",
          "RESTART_PC",
          "",
          "RESTORE_NO_FILE",
          "RESTORE_FILE_MISSING",
          "RESTORE_FILE_INODE",
          "RESTORE_FILE_OFFSET",
          "RESTORE_NOMEM");

  /** The rule's name for a code, or "?" for a number that is no rule's. */
  public static String ruleName(int code) {
    int i = -code;
    return i > 0 && i < NAMES.size() && !NAMES.get(i).isEmpty() ? NAMES.get(i) : "?";
  }

  // ---------------------------------------------------------------- layout (FORMAT.md §1-2)

  static final int PGSIZE = (int) Riscv.PGSIZE;
  static final byte[] MAGIC = {'X', 'V', '6', 'C', 'K', 'P', 'T', 0};
  static final byte[] COMMIT_MAGIC = {'X', 'V', '6', 'D', 'O', 'N', 'E', 0};
  static final int VERSION = 1;
  static final int HEADER_SIZE = 64;
  static final int REGS_OFFSET = 64;
  static final int PC_OFFSET = REGS_OFFSET + 31 * 8; // 312
  static final int RESTART_OFFSET = 320;
  static final int FILES_OFFSET = 384;
  static final int FILE_SIZE = 152;
  static final int PAGE_ENTRY_SIZE = 16;
  static final int COMMIT_SIZE = 32;
  static final int NAME_SIZE = 16;
  static final int PATH_SIZE = Param.MAXPATH;
  static final long MAX_PAGES = Riscv.TRAPFRAME / Riscv.PGSIZE;
  static final long MIN_IMAGE = imageSize(0, 0);

  static final int KIND_CONSOLE = 1;
  static final int KIND_FILE = 2;
  static final int MODE_READ = 1;
  static final int MODE_WRITE = 2;
  static final int PERM_BITS = (int) (Riscv.PTE_R | Riscv.PTE_W | Riscv.PTE_X | Riscv.PTE_U);

  static long pageMapOffset(long nfiles) {
    return FILES_OFFSET + nfiles * FILE_SIZE;
  }

  /** D: where page data starts, the page map's end rounded up to a page. */
  static long dataOffset(long nfiles, long npages) {
    return Riscv.pgroundup(pageMapOffset(nfiles) + npages * PAGE_ENTRY_SIZE);
  }

  static long imageSize(long nfiles, long npages) {
    return dataOffset(nfiles, npages) + npages * PGSIZE + COMMIT_SIZE;
  }

  // ---------------------------------------------------------------- the image as values

  /** An open-file record: kind KIND_CONSOLE or KIND_FILE, mode MODE_READ | MODE_WRITE. */
  record FileRecord(int fd, int kind, int mode, long inum, long offset, byte[] path) {}

  /**
   * What an image says, page data apart: {@code x} holds x1..x31 ({@code x[0]} is x1), {@code va}
   * and {@code perm} the page map.
   */
  record Image(
      long imageId,
      int pid,
      byte[] name,
      long sz,
      long[] x,
      long pc,
      int sysnum,
      long[] args,
      long progress,
      List<FileRecord> files,
      long[] va,
      int[] perm) {

    int npages() {
      return va.length;
    }

    /** The same image with another id. */
    Image withId(long id) {
      return new Image(id, pid, name, sz, x, pc, sysnum, args, progress, files, va, perm);
    }

    long size() {
      return imageSize(files.size(), va.length);
    }

    long dataOffset() {
      return CheckpointImage.dataOffset(files.size(), va.length);
    }

    /** Register xn, n in 1..31. */
    long reg(int n) {
      return x[n - 1];
    }
  }

  // ---------------------------------------------------------------- writing

  /** Every byte of the image before the page data: header to padding, D bytes. */
  static byte[] encodeFront(Image im) {
    byte[] b = new byte[(int) im.dataOffset()];
    System.arraycopy(MAGIC, 0, b, 0, MAGIC.length);
    put(b, 8, 4, VERSION);
    put(b, 12, 4, HEADER_SIZE);
    put(b, 16, 8, im.imageId());
    put(b, 24, 4, im.pid());
    System.arraycopy(im.name(), 0, b, 32, Math.min(im.name().length, NAME_SIZE - 1));
    put(b, 48, 8, im.sz());
    put(b, 56, 4, im.files().size());
    put(b, 60, 4, im.npages());
    for (int n = 1; n <= 31; n++) {
      put(b, REGS_OFFSET + 8 * (n - 1), 8, im.reg(n));
    }
    put(b, PC_OFFSET, 8, im.pc());
    put(b, RESTART_OFFSET, 4, im.sysnum());
    for (int i = 0; i < 6; i++) {
      put(b, RESTART_OFFSET + 8 + 8 * i, 8, im.args()[i]);
    }
    put(b, RESTART_OFFSET + 56, 8, im.progress());
    for (int k = 0; k < im.files().size(); k++) {
      FileRecord f = im.files().get(k);
      int base = FILES_OFFSET + k * FILE_SIZE;
      put(b, base, 4, f.fd());
      put(b, base + 4, 4, f.kind());
      put(b, base + 8, 4, f.mode());
      put(b, base + 12, 4, f.inum());
      put(b, base + 16, 4, f.offset());
      System.arraycopy(f.path(), 0, b, base + 24, Math.min(f.path().length, PATH_SIZE - 1));
    }
    int map = (int) pageMapOffset(im.files().size());
    for (int k = 0; k < im.npages(); k++) {
      put(b, map + k * PAGE_ENTRY_SIZE, 8, im.va()[k]);
      put(b, map + k * PAGE_ENTRY_SIZE + 8, 4, im.perm()[k]);
    }
    return b; // reserved fields and padding stay zero
  }

  /** The commit record of an image of {@code length} bytes whose earlier bytes have this CRC. */
  static byte[] commitRecord(long length, long imageId, long crc) {
    byte[] b = new byte[COMMIT_SIZE];
    System.arraycopy(COMMIT_MAGIC, 0, b, 0, COMMIT_MAGIC.length);
    put(b, 8, 8, length);
    put(b, 16, 8, imageId);
    put(b, 24, 4, crc);
    return b;
  }

  // ---------------------------------------------------------------- reading

  /** The validator's answer: the image ({@code Valid}), or the first rule broken and where. */
  public sealed interface Verdict {}

  /** A valid image; its values are the kernel's business (restore). */
  record Valid(Image image) implements Verdict {}

  /** The first rule broken: its code, the byte offset FORMAT.md §3 assigns, a sentence. */
  public record Invalid(int code, long offset, String detail) implements Verdict {
    public String rule() {
      return ruleName(code);
    }
  }

  /** The first rule broken, thrown inside the validator and caught once in {@link #check}. */
  private static final class Broken extends RuntimeException {
    final int code;
    final long offset;

    Broken(int code, long offset, String detail) {
      super(detail, null, false, false);
      this.code = code;
      this.offset = offset;
    }
  }

  /** Judges a whole file. Never throws: every input gets a verdict. */
  public static Verdict check(byte[] file) {
    try {
      return new Valid(new Reader(file).read());
    } catch (Broken e) {
      return new Invalid(e.code, e.offset, e.getMessage());
    }
  }

  /** One pass over one file, in FORMAT.md's checking order. */
  private static final class Reader {
    private final byte[] b;
    private final long len;
    private int nfiles;
    private long npages;

    Reader(byte[] b) {
      this.b = b;
      this.len = b.length;
    }

    Image read() {
      identity();
      integrity();
      framing();
      long imageId = u(16, 8);
      int pid = pid();
      byte[] name = cstring(32, NAME_SIZE, HDR_NAME, "name");
      long sz = sz();
      long[] x = new long[31];
      for (int n = 1; n <= 31; n++) {
        x[n - 1] = u(REGS_OFFSET + 8 * (n - 1), 8);
      }
      long pc = pc();
      int sysnum = sysnum(x);
      long[] args = args(sysnum, x);
      long progress = progress(sysnum, args);
      List<FileRecord> files = files();
      long[] va = new long[(int) npages];
      int[] perm = new int[(int) npages];
      pageMap(Riscv.pgroundup(sz), va, perm);
      padding();
      Image im = new Image(imageId, pid, name, sz, x, pc, sysnum, args, progress, files, va, perm);
      restartPc(im);
      return im;
    }

    // Stage 1: identity.
    private void identity() {
      for (int i = 0; i < Math.min(len, MAGIC.length); i++) {
        if (b[i] != MAGIC[i]) {
          throw new Broken(HDR_MAGIC, i, "not a checkpoint image (byte " + i + ")");
        }
      }
      if (len < 12) {
        throw new Broken(COMMIT_MISSING, len, "the file ends inside the header");
      }
      if (u(8, 4) != VERSION) {
        throw new Broken(HDR_VERSION, 8, "version " + u(8, 4) + ", not 1");
      }
    }

    // Stage 2: integrity, from the end of the file.
    private void integrity() {
      if (len < MIN_IMAGE) {
        throw new Broken(COMMIT_MISSING, len, len + " bytes: shorter than any image");
      }
      int c = (int) (len - COMMIT_SIZE);
      if (!Arrays.equals(b, c, c + COMMIT_MAGIC.length, COMMIT_MAGIC, 0, COMMIT_MAGIC.length)) {
        throw new Broken(COMMIT_MISSING, c, "no commit record: torn or truncated");
      }
      if (u(c + 8, 8) != len) {
        throw new Broken(
            COMMIT_LENGTH,
            c + 8,
            "commit record says "
                + Long.toUnsignedString(u(c + 8, 8))
                + " bytes, the file has "
                + len);
      }
      if (u(c + 16, 8) != u(16, 8)) {
        throw new Broken(COMMIT_ID, c + 16, "commit record of another image (torn overwrite)");
      }
      reserved(c + 28, 4);
      CRC32C crc = new CRC32C();
      crc.update(b, 0, c);
      if (crc.getValue() != u(c + 24, 4)) {
        throw new Broken(CRC_MISMATCH, c + 24, "the image is damaged");
      }
    }

    // Stage 3: framing.
    private void framing() {
      if (u(12, 4) != HEADER_SIZE) {
        throw new Broken(HDR_LENGTH, 12, "hdrlen " + u(12, 4));
      }
      if (u(56, 4) > Param.NOFILE) {
        throw new Broken(HDR_NFILES, 56, u(56, 4) + " file records");
      }
      nfiles = (int) u(56, 4);
      npages = u(60, 4);
      if (npages > MAX_PAGES) {
        throw new Broken(HDR_NPAGES, 60, npages + " pages");
      }
      if (imageSize(nfiles, npages) != len) {
        throw new Broken(
            IMAGE_LENGTH,
            56,
            "the counts make " + imageSize(nfiles, npages) + " bytes, the file has " + len);
      }
    }

    // Stage 4: fields in file order.
    private int pid() {
      long pid = u(24, 4);
      if (pid < 1 || pid > Integer.MAX_VALUE) {
        throw new Broken(HDR_PID, 24, "pid " + pid);
      }
      reserved(28, 4);
      return (int) pid;
    }

    private long sz() {
      long sz = u(48, 8);
      if (Long.compareUnsigned(sz, Riscv.TRAPFRAME) > 0) {
        throw new Broken(HDR_SZ, 48, "sz 0x" + Long.toHexString(sz) + " above TRAPFRAME");
      }
      return sz;
    }

    private long pc() {
      long pc = u(PC_OFFSET, 8);
      if ((pc & 1) != 0 || Long.compareUnsigned(pc, Riscv.TRAPFRAME) >= 0) {
        throw new Broken(REGS_PC, PC_OFFSET, "pc 0x" + Long.toHexString(pc));
      }
      return pc;
    }

    private int sysnum(long[] x) {
      long num = u(RESTART_OFFSET, 4);
      boolean restartable =
          num == Syscall.SYS_wait || num == Syscall.SYS_read || num == Syscall.SYS_sleep;
      // the call is a7's low 32 bits, as xv6's syscall() reads it (Syscall.number)
      if (num != 0 && (!restartable || (x[17 - 1] & 0xffff_ffffL) != num)) {
        throw new Broken(
            RESTART_SYSCALL, RESTART_OFFSET, "sysnum " + num + " with a7 = " + x[17 - 1]);
      }
      reserved(RESTART_OFFSET + 4, 4);
      return (int) num;
    }

    private long[] args(int sysnum, long[] x) {
      long[] args = new long[6];
      for (int i = 0; i < 6; i++) {
        int off = RESTART_OFFSET + 8 + 8 * i;
        args[i] = u(off, 8);
        long want = sysnum == 0 ? 0 : x[10 + i - 1];
        if (args[i] != want) {
          throw new Broken(RESTART_ARGS, off, "args[" + i + "] is not a" + i);
        }
      }
      return args;
    }

    private long progress(int sysnum, long[] args) {
      int off = RESTART_OFFSET + 56;
      long progress = u(off, 8);
      if (sysnum == Syscall.SYS_read || sysnum == Syscall.SYS_sleep) {
        int n = (int) args[sysnum == Syscall.SYS_read ? 2 : 0];
        if (progress < 0 || progress >= n) {
          throw new Broken(RESTART_PROGRESS, off, "progress " + progress + " not below " + n);
        }
      } else if (progress != 0) {
        throw new Broken(RESTART_PROGRESS, off, "progress " + progress + " must be 0");
      }
      return progress;
    }

    private List<FileRecord> files() {
      List<FileRecord> files = new ArrayList<>();
      long prev = -1;
      for (int k = 0; k < nfiles; k++) {
        int base = FILES_OFFSET + k * FILE_SIZE;
        long fd = u(base, 4);
        if (fd >= Param.NOFILE || fd <= prev) {
          throw new Broken(FILE_FD, base, "fd " + fd + " after fd " + prev);
        }
        prev = fd;
        long kind = u(base + 4, 4);
        if (kind != KIND_CONSOLE && kind != KIND_FILE) {
          throw new Broken(FILE_KIND, base + 4, "fd " + fd + ": kind " + kind);
        }
        long mode = u(base + 8, 4);
        if (mode < 1 || mode > (MODE_READ | MODE_WRITE)) {
          throw new Broken(FILE_MODE, base + 8, "fd " + fd + ": mode " + mode);
        }
        files.add(
            kind == KIND_CONSOLE
                ? console(base, (int) fd, (int) mode)
                : file(base, (int) fd, (int) mode));
      }
      return files;
    }

    private FileRecord console(int base, int fd, int mode) {
      for (int off : new int[] {base + 12, base + 16}) {
        if (u(off, 4) != 0) {
          throw new Broken(FILE_CONSOLE, off, "fd " + fd + ": console record with inum/offset");
        }
      }
      reserved(base + 20, 4);
      int nz = firstNonzero(base + 24, PATH_SIZE);
      if (nz >= 0) {
        throw new Broken(FILE_CONSOLE, nz, "fd " + fd + ": console record with a path");
      }
      return new FileRecord(fd, KIND_CONSOLE, mode, 0, 0, new byte[0]);
    }

    private FileRecord file(int base, int fd, int mode) {
      long inum = u(base + 12, 4);
      if (inum < 1) {
        throw new Broken(FILE_INUM, base + 12, "fd " + fd + ": inum 0");
      }
      long offset = u(base + 16, 4);
      reserved(base + 20, 4);
      if (b[base + 24] != '/') {
        throw new Broken(FILE_PATH, base + 24, "fd " + fd + ": path not absolute");
      }
      byte[] path = cstring(base + 24, PATH_SIZE, FILE_PATH, "fd " + fd + ": path");
      return new FileRecord(fd, KIND_FILE, mode, inum, offset, path);
    }

    private void pageMap(long top, long[] va, int[] perm) {
      int map = (int) pageMapOffset(nfiles);
      for (int k = 0; k < npages; k++) {
        int base = map + k * PAGE_ENTRY_SIZE;
        long v = u(base, 8);
        if ((v & (PGSIZE - 1)) != 0) {
          throw new Broken(PAGE_VA_ALIGNED, base, "page " + k + ": va not page-aligned");
        }
        if (Long.compareUnsigned(v, top) >= 0) {
          throw new Broken(PAGE_VA_RANGE, base, "page " + k + ": va beyond PGROUNDUP(sz)");
        }
        if (k > 0 && v <= va[k - 1]) {
          throw new Broken(PAGE_ORDER, base, "page " + k + ": va not above the previous");
        }
        va[k] = v;
        long p = u(base + 8, 4);
        boolean rOrX = (p & (Riscv.PTE_R | Riscv.PTE_X)) != 0;
        boolean wNeedsR = (p & Riscv.PTE_W) == 0 || (p & Riscv.PTE_R) != 0;
        if ((p & ~PERM_BITS) != 0 || !rOrX || !wNeedsR) {
          throw new Broken(PAGE_PERM, base + 8, "page " + k + ": perm 0x" + Long.toHexString(p));
        }
        perm[k] = (int) p;
        reserved(base + 12, 4);
      }
    }

    private void padding() {
      long from = pageMapOffset(nfiles) + npages * PAGE_ENTRY_SIZE;
      long to = dataOffset(nfiles, npages);
      int nz = firstNonzero((int) from, (int) (to - from));
      if (nz >= 0) {
        throw new Broken(RESERVED_NONZERO, nz, "padding byte " + nz + " is not zero");
      }
    }

    // Stage 5: across records.
    private void restartPc(Image im) {
      if (im.sysnum() == 0) {
        return;
      }
      long insn = 0;
      for (int i = 0; i < 4; i++) {
        long a = im.pc() + i;
        int k = Arrays.binarySearch(im.va(), a & ~(long) (PGSIZE - 1));
        long xu = Riscv.PTE_X | Riscv.PTE_U;
        if (k < 0 || (im.perm()[k] & xu) != xu) {
          throw new Broken(RESTART_PC, PC_OFFSET, "pc not in a page with X and U");
        }
        long at = im.dataOffset() + (long) k * PGSIZE + (a & (PGSIZE - 1));
        insn |= (long) (b[(int) at] & 0xff) << (8 * i);
      }
      if (insn != 0x73) {
        throw new Broken(RESTART_PC, PC_OFFSET, "pc does not address an ecall");
      }
    }

    // Reading.
    private long u(long off, int n) {
      long v = 0;
      for (int i = n - 1; i >= 0; i--) {
        v = (v << 8) | (b[(int) off + i] & 0xff);
      }
      return v;
    }

    private void reserved(int off, int n) {
      if (u(off, n) != 0) {
        throw new Broken(RESERVED_NONZERO, off, "reserved field at " + off + " is not zero");
      }
    }

    private int firstNonzero(int off, int n) {
      for (int i = off; i < off + n; i++) {
        if (b[i] != 0) {
          return i;
        }
      }
      return -1;
    }

    /** A NUL-terminated, NUL-padded string field; its bytes before the NUL. */
    private byte[] cstring(int off, int size, int rule, String what) {
      int nul = 0;
      while (nul < size && b[off + nul] != 0) {
        nul++;
      }
      if (nul == size) {
        throw new Broken(rule, off + size - 1, what + " has no NUL");
      }
      int nz = firstNonzero(off + nul, size - nul);
      if (nz >= 0) {
        throw new Broken(rule, nz, what + " has bytes after its NUL");
      }
      return Arrays.copyOfRange(b, off, off + nul);
    }
  }

  static void put(byte[] b, int off, int n, long v) {
    for (int i = 0; i < n; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }
}
