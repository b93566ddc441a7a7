package xv6ckpt.specs;

import static xv6ckpt.specs.Layout.*;
import static xv6ckpt.specs.Rule.*;
import static xv6ckpt.specs.Xv6.PGSIZE;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;
import xv6ckpt.specs.Image.Header;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;

/**
 * The judge of image files: checks every rule of format v1 in one fixed order and stops at the
 * first violation.
 *
 * <p>The file's grammar (little-endian integers; names and sizes as in FORMAT.md):
 *
 * <pre>
 * image     = header registers restart file{nfiles} pagemap{npages} padding data{npages} commit
 * header    = "XV6CKPT\0" version:u32 hdrlen:u32 image_id:u64 pid:u32 reserved:u32
 *             name:byte[16] sz:u64 nfiles:u32 npages:u32
 * registers = x1..x31:u64[31] pc:u64
 * restart   = sysnum:u32 reserved:u32 args:u64[6] progress:u64
 * file      = fd:u32 kind:u32 mode:u32 inum:u32 offset:u32 reserved:u32 path:byte[128]
 * pagemap   = va:u64 perm:u32 reserved:u32
 * padding   = 0x00* up to the next multiple of 4096 of the file offset
 * data      = byte[4096]
 * commit    = "XV6DONE\0" length:u64 image_id:u64 crc:u32 reserved:u32
 * </pre>
 *
 * <p>The order, stage by stage, and why it makes "the first violated rule" useful:
 *
 * <ol>
 *   <li>Identity: magic, then version. Until both hold nothing else can be interpreted; a file that
 *       ends inside them is torn (COMMIT_MISSING).
 *   <li>Integrity: the commit record, found from the end of the file so that it depends on no count
 *       (COMMIT_MISSING, COMMIT_LENGTH, COMMIT_ID, its reserved word), then the CRC. Every torn or
 *       truncated image stops here, named as such; random damage stops at CRC_MISMATCH. What passes
 *       is exactly what the writer wrote, so every later rule names a writer's bug.
 *   <li>Framing: hdrlen, nfiles, npages, and the length they give against the file's length. After
 *       this every read is inside the file and every allocation is bounded by its size.
 *   <li>Fields in file order (header, registers, restart, file records, page map, padding), within
 *       a record field by field; a field's later checks may use earlier fields.
 *   <li>Across records: RESTART_PC, which needs the pages.
 * </ol>
 */
final class ImageDecoder {
  private final byte[] b;
  private final long len;
  private long nfiles; // set by checkFraming
  private long npages;

  private ImageDecoder(byte[] b) {
    this.b = b;
    this.len = b.length;
  }

  static Verdict decode(byte[] file) {
    try {
      return new Verdict.Valid(new ImageDecoder(file).image());
    } catch (Violation v) {
      return new Verdict.Invalid(v.rule, v.offset, v.getMessage());
    }
  }

  private Image image() {
    checkIdentity();
    checkCommit();
    checkFraming();
    Header h = header();
    Registers r = registers();
    SyscallRestart s = restart(r);
    List<OpenFile> f = files();
    List<Page> p = pages(h.sz());
    checkRestartPc(s, r, p);
    return new Image(h, r, s, f, p);
  }

  // ---------------------------------------------------------------------------------------
  // Stage 1: identity.

  private void checkIdentity() {
    int n = (int) Math.min(len, MAGIC.length());
    for (int i = 0; i < n; i++) {
      if (b[i] != (byte) MAGIC.charAt(i)) {
        throw new Violation(
            HDR_MAGIC,
            i,
            "byte "
                + i
                + " is "
                + hexByte(b[i])
                + " where the magic XV6CKPT\\0 has "
                + hexByte((byte) MAGIC.charAt(i))
                + ": not a checkpoint image");
      }
    }
    if (len < H_VERSION.end()) {
      throw new Violation(
          COMMIT_MISSING,
          len,
          "the file ends after " + len + " bytes, inside the header: torn or truncated");
    }
    long version = get(0, H_VERSION);
    if (version != VERSION) {
      throw new Violation(
          HDR_VERSION,
          H_VERSION.offset(),
          "version " + version + "; this specification reads version " + VERSION);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Stage 2: integrity.

  private void checkCommit() {
    if (len < MIN_IMAGE_SIZE) {
      throw new Violation(
          COMMIT_MISSING,
          len,
          "the file has "
              + len
              + " bytes, fewer than the "
              + "smallest complete image ("
              + MIN_IMAGE_SIZE
              + "): torn or truncated");
    }
    long c = len - COMMIT_SIZE;
    for (int i = 0; i < COMMIT_MAGIC.length(); i++) {
      if (b[(int) c + i] != (byte) COMMIT_MAGIC.charAt(i)) {
        throw new Violation(
            COMMIT_MISSING,
            c,
            "no commit record in the last "
                + COMMIT_SIZE
                + " bytes (from offset "
                + c
                + "): the image was never finished, or was cut short");
      }
    }
    long length = get(c, C_LENGTH);
    if (length != len) {
      throw new Violation(
          COMMIT_LENGTH,
          c + C_LENGTH.offset(),
          "the commit record says "
              + Long.toUnsignedString(length)
              + " bytes, the file has "
              + len);
    }
    long id = get(c, C_IMAGE_ID);
    long headerId = get(0, H_IMAGE_ID);
    if (id != headerId) {
      throw new Violation(
          COMMIT_ID,
          c + C_IMAGE_ID.offset(),
          "the commit record is for image "
              + hex(id)
              + ", the header is image "
              + hex(headerId)
              + ": the end of another image (a torn overwrite)");
    }
    requireReserved(c, C_RESERVED);
    CRC32C crc = new CRC32C();
    crc.update(b, 0, (int) c);
    long want = get(c, C_CRC);
    if (crc.getValue() != want) {
      throw new Violation(
          CRC_MISMATCH,
          c + C_CRC.offset(),
          "CRC-32C of bytes 0.."
              + (c - 1)
              + " is "
              + hex(crc.getValue())
              + ", the commit record says "
              + hex(want)
              + ": the image is damaged");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Stage 3: framing.

  private void checkFraming() {
    long hdrlen = get(0, H_HDRLEN);
    if (hdrlen != HEADER_SIZE) {
      throw new Violation(
          HDR_LENGTH,
          H_HDRLEN.offset(),
          "hdrlen " + hdrlen + "; version 1 headers are " + HEADER_SIZE + " bytes");
    }
    nfiles = get(0, H_NFILES);
    if (nfiles > Xv6.NOFILE) {
      throw new Violation(
          HDR_NFILES,
          H_NFILES.offset(),
          nfiles + " open-file records; a process " + "has at most NOFILE = " + Xv6.NOFILE);
    }
    npages = get(0, H_NPAGES);
    if (npages > MAX_PAGES) {
      throw new Violation(
          HDR_NPAGES,
          H_NPAGES.offset(),
          npages + " pages; at most " + MAX_PAGES + " fit below TRAPFRAME");
    }
    long want = imageSize(nfiles, npages);
    if (want != len) {
      throw new Violation(
          IMAGE_LENGTH,
          H_NFILES.offset(),
          "nfiles "
              + nfiles
              + " and npages "
              + npages
              + " make a file of "
              + want
              + " bytes, this one has "
              + len);
    }
  }

  // ---------------------------------------------------------------------------------------
  // Stage 4: fields, in file order.

  private Header header() {
    long pid = get(0, H_PID);
    if (pid < 1 || pid > Integer.MAX_VALUE) {
      throw new Violation(
          HDR_PID, H_PID.offset(), "pid " + pid + " is not in 1.." + Integer.MAX_VALUE);
    }
    requireReserved(0, H_RESERVED);
    String name = cString(H_NAME.offset(), H_NAME.size(), HDR_NAME, "name");
    long sz = get(0, H_SZ);
    if (Long.compareUnsigned(sz, Xv6.TRAPFRAME) > 0) {
      throw new Violation(
          HDR_SZ, H_SZ.offset(), "sz " + hex(sz) + " is above TRAPFRAME " + hex(Xv6.TRAPFRAME));
    }
    return new Header(get(0, H_IMAGE_ID), (int) pid, name, sz);
  }

  private Registers registers() {
    long[] x = new long[31];
    for (int n = 1; n <= 31; n++) {
      x[n - 1] = Le.get(b, REGS_OFFSET + R_X.offset() + 8L * (n - 1), 8);
    }
    long pc = get(REGS_OFFSET, R_PC);
    if ((pc & 1) != 0 || Long.compareUnsigned(pc, Xv6.TRAPFRAME) >= 0) {
      throw new Violation(
          REGS_PC,
          REGS_OFFSET + R_PC.offset(),
          "pc " + hex(pc) + " is odd or not below TRAPFRAME " + hex(Xv6.TRAPFRAME));
    }
    return Registers.of(x, pc);
  }

  private SyscallRestart restart(Registers r) {
    long base = RESTART_OFFSET;
    long num = get(base, S_SYSNUM);
    if (num != 0 && !SyscallRestart.RESTARTABLE.contains((int) num)) {
      throw new Violation(
          RESTART_SYSCALL,
          base + S_SYSNUM.offset(),
          "sysnum "
              + num
              + " is not a call a process can be restarted in (wait 3, read 5, sleep 13)");
    }
    // xv6's syscall() reads a7 into an int: the call a process is in is a7's low 32 bits
    if (num != 0 && (r.x(Registers.A7) & 0xffff_ffffL) != num) {
      throw new Violation(
          RESTART_SYSCALL,
          base + S_SYSNUM.offset(),
          "sysnum " + num + " but a7 holds " + r.x(Registers.A7));
    }
    requireReserved(base, S_RESERVED);
    List<Long> args = new ArrayList<>(6);
    for (int i = 0; i < 6; i++) {
      long off = base + S_ARGS.offset() + 8L * i;
      long arg = Le.get(b, off, 8);
      long want = num == 0 ? 0 : r.x(Registers.A0 + i);
      if (arg != want) {
        throw new Violation(
            RESTART_ARGS,
            off,
            "args["
                + i
                + "] is "
                + hex(arg)
                + (num == 0
                    ? " with no sysnum (must be 0)"
                    : " but a" + i + " holds " + hex(want)));
      }
      args.add(arg);
    }
    long progress = get(base, S_PROGRESS);
    checkProgress(num, args, progress, base + S_PROGRESS.offset());
    return new SyscallRestart((int) num, args, progress);
  }

  /**
   * A call blocks only while it has work left: a read of n bytes has read fewer than n, a sleep of
   * n ticks has slept fewer than n (both n as the call sees them, signed 32-bit); wait has no
   * progress to keep.
   */
  private static void checkProgress(long num, List<Long> args, long progress, long off) {
    if (num == Xv6.SYS_read || num == Xv6.SYS_sleep) {
      int n = (int) (long) args.get(num == Xv6.SYS_read ? 2 : 0);
      if (progress < 0 || progress >= n) {
        throw new Violation(
            RESTART_PROGRESS,
            off,
            "progress "
                + Long.toUnsignedString(progress)
                + " is not below "
                + (num == Xv6.SYS_read ? "read's n " : "sleep's ticks ")
                + n
                + ": the call would not have blocked");
      }
    } else if (progress != 0) {
      throw new Violation(
          RESTART_PROGRESS,
          off,
          "progress "
              + Long.toUnsignedString(progress)
              + (num == 0 ? " with no sysnum" : " for wait")
              + " (must be 0)");
    }
  }

  private List<OpenFile> files() {
    List<OpenFile> files = new ArrayList<>();
    long prevFd = -1;
    for (long k = 0; k < nfiles; k++) {
      long base = FILES_OFFSET + k * FILE_SIZE;
      long fd = get(base, F_FD);
      if (fd >= Xv6.NOFILE || fd <= prevFd) {
        throw new Violation(
            FILE_FD,
            base + F_FD.offset(),
            "fd " + fd + " after fd " + prevFd + ": fds are below NOFILE and strictly increasing");
      }
      prevFd = fd;
      long kind = get(base, F_KIND);
      if (kind != KIND_CONSOLE && kind != KIND_FILE) {
        throw new Violation(
            FILE_KIND,
            base + F_KIND.offset(),
            "fd " + fd + ": kind " + kind + " is neither console (1) nor file (2)");
      }
      long mode = get(base, F_MODE);
      if (mode < 1 || mode > (MODE_READ | MODE_WRITE)) {
        throw new Violation(
            FILE_MODE, base + F_MODE.offset(), "fd " + fd + ": mode " + mode + " is not 1, 2 or 3");
      }
      boolean r = (mode & MODE_READ) != 0;
      boolean w = (mode & MODE_WRITE) != 0;
      files.add(kind == KIND_CONSOLE ? console(base, (int) fd, r, w) : file(base, (int) fd, r, w));
    }
    return files;
  }

  private OpenFile console(long base, int fd, boolean r, boolean w) {
    if (get(base, F_INUM) != 0) {
      throw new Violation(
          FILE_CONSOLE,
          base + F_INUM.offset(),
          "fd " + fd + ": a console record has inum " + get(base, F_INUM));
    }
    if (get(base, F_OFFSET) != 0) {
      throw new Violation(
          FILE_CONSOLE,
          base + F_OFFSET.offset(),
          "fd " + fd + ": a console record has offset " + get(base, F_OFFSET));
    }
    requireReserved(base, F_RESERVED);
    long nonzero = firstNonzero(base + F_PATH.offset(), F_PATH.size());
    if (nonzero >= 0) {
      throw new Violation(FILE_CONSOLE, nonzero, "fd " + fd + ": a console record has a path");
    }
    return OpenFile.console(fd, r, w);
  }

  private OpenFile file(long base, int fd, boolean r, boolean w) {
    long inum = get(base, F_INUM);
    if (inum < 1) {
      throw new Violation(FILE_INUM, base + F_INUM.offset(), "fd " + fd + ": inum 0");
    }
    long offset = get(base, F_OFFSET);
    requireReserved(base, F_RESERVED);
    long p = base + F_PATH.offset();
    if (b[(int) p] != '/') {
      throw new Violation(FILE_PATH, p, "fd " + fd + ": the path does not start with '/'");
    }
    String path = cString(p, F_PATH.size(), FILE_PATH, "fd " + fd + ": path");
    return OpenFile.file(fd, r, w, path, inum, offset);
  }

  private List<Page> pages(long sz) {
    long map = pageMapOffset(nfiles);
    long top = Xv6.PGROUNDUP(sz);
    long[] va = new long[(int) npages];
    int[] perm = new int[(int) npages];
    for (int k = 0; k < npages; k++) {
      long base = map + (long) k * PAGE_ENTRY_SIZE;
      va[k] = get(base, P_VA);
      checkVa(k, va, top, base + P_VA.offset());
      perm[k] = (int) get(base, P_PERM);
      checkPerm(va[k], get(base, P_PERM), base + P_PERM.offset());
      requireReserved(base, P_RESERVED);
    }
    long padding = map + npages * PAGE_ENTRY_SIZE;
    long data = dataOffset(nfiles, npages);
    long nonzero = firstNonzero(padding, (int) (data - padding));
    if (nonzero >= 0) {
      throw new Violation(
          RESERVED_NONZERO,
          nonzero,
          "padding byte at offset " + nonzero + " is " + hexByte(b[(int) nonzero]));
    }
    List<Page> pages = new ArrayList<>((int) npages);
    for (int k = 0; k < npages; k++) {
      int from = (int) (data + (long) k * PGSIZE);
      pages.add(new Page(va[k], perm[k], Arrays.copyOfRange(b, from, from + PGSIZE)));
    }
    return pages;
  }

  private static void checkVa(int k, long[] va, long top, long off) {
    long v = va[k];
    if ((v & (PGSIZE - 1)) != 0) {
      throw new Violation(
          PAGE_VA_ALIGNED, off, "page " + k + ": va " + hex(v) + " is not a multiple of PGSIZE");
    }
    if (Long.compareUnsigned(v, top) >= 0) {
      throw new Violation(
          PAGE_VA_RANGE,
          off,
          "page " + k + ": va " + hex(v) + " is not below PGROUNDUP(sz) = " + hex(top));
    }
    if (k > 0 && v <= va[k - 1]) {
      throw new Violation(
          PAGE_ORDER,
          off,
          "page " + k + ": va " + hex(v) + " is not above the previous page's " + hex(va[k - 1]));
    }
  }

  /** A leaf PTE the MMU accepts: readable or executable, never writable without readable. */
  private static void checkPerm(long va, long perm, long off) {
    boolean onlyKnown = (perm & ~(long) PERM_BITS) == 0;
    boolean rOrX = (perm & (Xv6.PTE_R | Xv6.PTE_X)) != 0;
    boolean wNeedsR = (perm & Xv6.PTE_W) == 0 || (perm & Xv6.PTE_R) != 0;
    if (!onlyKnown || !rOrX || !wNeedsR) {
      throw new Violation(
          PAGE_PERM,
          off,
          "page "
              + hex(va)
              + ": perm "
              + hex(perm)
              + " is not R, W, X, U bits with R or X and W only with R");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Stage 5: across records.

  /** A restarted call is re-issued by executing its ecall again: pc must address one. */
  private static void checkRestartPc(SyscallRestart s, Registers r, List<Page> pages) {
    if (s.none()) {
      return;
    }
    long off = REGS_OFFSET + R_PC.offset();
    long insn = 0;
    for (int i = 0; i < 4; i++) {
      long a = r.pc() + i;
      Page p = pageAt(pages, a & ~(long) (PGSIZE - 1));
      int xu = Xv6.PTE_X | Xv6.PTE_U;
      if (p == null || (p.perm() & xu) != xu) {
        throw new Violation(
            RESTART_PC,
            off,
            "pc " + hex(r.pc()) + ": byte " + hex(a) + " is not in a page with X and U");
      }
      insn |= (long) (p.at((int) (a & (PGSIZE - 1))) & 0xff) << (8 * i);
    }
    if (insn != Xv6.ECALL) {
      throw new Violation(
          RESTART_PC,
          off,
          "pc " + hex(r.pc()) + " holds " + hex(insn) + ", not ecall " + hex(Xv6.ECALL));
    }
  }

  private static Page pageAt(List<Page> pages, long va) {
    for (Page p : pages) {
      if (p.va() == va) {
        return p;
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------
  // Reading.

  private long get(long base, Field f) {
    return Le.get(b, base + f.offset(), f.size());
  }

  private void requireReserved(long base, Field f) {
    long v = get(base, f);
    if (v != 0) {
      throw new Violation(
          RESERVED_NONZERO,
          base + f.offset(),
          "reserved field at offset " + (base + f.offset()) + " is " + hex(v));
    }
  }

  /** The offset of the first nonzero byte of [off, off+n), or -1. */
  private long firstNonzero(long off, int n) {
    for (int i = 0; i < n; i++) {
      if (b[(int) off + i] != 0) {
        return off + i;
      }
    }
    return -1;
  }

  /**
   * A NUL-terminated, NUL-padded byte string of a field of size bytes, as ISO-8859-1 text; its
   * first NUL must be within the field and all bytes after it NUL.
   */
  private String cString(long off, int size, Rule rule, String what) {
    int nul = 0;
    while (nul < size && b[(int) off + nul] != 0) {
      nul++;
    }
    if (nul == size) {
      throw new Violation(rule, off + size - 1, what + " has no NUL in its " + size + " bytes");
    }
    long nonzero = firstNonzero(off + nul, size - nul);
    if (nonzero >= 0) {
      throw new Violation(
          rule, nonzero, what + " has byte " + hexByte(b[(int) nonzero]) + " after its NUL");
    }
    return new String(b, (int) off, nul, StandardCharsets.ISO_8859_1);
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  private static String hexByte(byte v) {
    return String.format("0x%02x", v & 0xff);
  }

  /** The first violation found; caught once, in {@link #decode}. */
  private static final class Violation extends RuntimeException {
    final Rule rule;
    final long offset;

    Violation(Rule rule, long offset, String detail) {
      super(detail, null, false, false);
      this.rule = rule;
      this.offset = offset;
    }
  }
}
