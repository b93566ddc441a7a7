package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.kernel.CheckpointImage.*;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;

/**
 * The kernel's image validator at the bounds FORMAT.md names, in the kernel module itself (issue 15
 * item 5: some validator mistakes were caught only by the harness's corpus replay). Each case edits
 * one field of a valid image to a bound, one past it, or breaks the CRC over a changed body, and
 * expects the rule FORMAT.md gives that value (0 for valid). The offsets and bounds are FORMAT.md's
 * numbers written out here, not the validator's constants, so a wrong constant there shows.
 */
class ValidatorBoundsTest {
  private static final long TRAPFRAME = 0x3fffffe000L;
  private static final long MAXVA = 1L << 38;
  private static final int PGSIZE = 4096;
  private static final int FILE0 = 384; // first file record
  private static final int FILE1 = FILE0 + 152;
  private static final int PAGEMAP = FILE0 + 2 * 152;
  private static final int PAGE1 = PAGEMAP + 16;

  /** Self-captured: two file records (console fd 0, /f at fd 3), pages at 0 (R-X) and 4096. */
  private static byte[] running() {
    return image(0, new long[6], 0);
  }

  /** Blocked in read(0, 0x1000, 100) with 99 bytes read; the ecall at pc 0. */
  private static byte[] reading() {
    return image(5, new long[] {0, 0x1000, 100, 0, 0, 0}, 99);
  }

  private static byte[] image(int sysnum, long[] args, long progress) {
    long[] x = new long[31];
    for (int i = 0; i < 31; i++) {
      x[i] = 0x100 + i;
    }
    if (sysnum != 0) {
      System.arraycopy(args, 0, x, 9, 6); // a0..a5 are x10..x15
      x[16] = sysnum; // a7
    }
    Image im =
        new Image(
            0x1234,
            7,
            "p".getBytes(StandardCharsets.ISO_8859_1),
            2L * PGSIZE,
            x,
            0,
            sysnum,
            args,
            progress,
            List.of(
                new FileRecord(0, KIND_CONSOLE, MODE_READ, 0, 0, new byte[0]),
                new FileRecord(
                    3, KIND_FILE, MODE_READ, 2, 0, "/f".getBytes(StandardCharsets.ISO_8859_1))),
            new long[] {0, PGSIZE},
            new int[] {
              (int) (Riscv.PTE_R | Riscv.PTE_X | Riscv.PTE_U),
              (int) (Riscv.PTE_R | Riscv.PTE_W | Riscv.PTE_U)
            });
    byte[] front = encodeFront(im);
    byte[] b = Arrays.copyOf(front, (int) im.size());
    b[front.length] = 0x73; // page 0 starts with an ecall
    seal(b);
    return b;
  }

  /** Rewrites the commit record for the bytes before it. */
  private static void seal(byte[] b) {
    int c = b.length - 32;
    CRC32C crc = new CRC32C();
    crc.update(b, 0, c);
    System.arraycopy(commitRecord(b.length, u64(b, 16), crc.getValue()), 0, b, c, 32);
  }

  private static long u64(byte[] b, int off) {
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = v << 8 | (b[off + i] & 0xff);
    }
    return v;
  }

  /** The seed with edit applied, resealed: the validator's code (0 when valid). */
  private static int verdict(byte[] seed, Consumer<byte[]> edit, boolean reseal) {
    byte[] b = seed.clone();
    edit.accept(b);
    if (reseal) {
      seal(b);
    }
    Verdict v = check(b);
    return v instanceof Invalid bad ? bad.code() : 0;
  }

  private static void expect(String what, byte[] seed, int off, int n, long value, int code) {
    assertWithMessage(what).that(verdict(seed, b -> put(b, off, n, value), true)).isEqualTo(code);
  }

  @Test
  void headerFieldsAtTheirBounds() {
    byte[] s = running();
    expect("the seed", s, 8, 4, 1, 0);
    expect("sz = TRAPFRAME", s, 48, 8, TRAPFRAME, 0);
    expect("sz = TRAPFRAME + 1", s, 48, 8, TRAPFRAME + 1, HDR_SZ);
    expect("sz = MAXVA", s, 48, 8, MAXVA, HDR_SZ);
    expect("sz = 4097, page 1 still inside", s, 48, 8, PGSIZE + 1, 0);
    expect("sz = 4096, page 1 outside", s, 48, 8, PGSIZE, PAGE_VA_RANGE);
    expect("pid = 2^31 - 1", s, 24, 4, Integer.MAX_VALUE, 0);
    expect("pid = 2^31", s, 24, 4, 1L << 31, HDR_PID);
    expect("pid = 0", s, 24, 4, 0, HDR_PID);
    expect("nfiles = 17", s, 56, 4, 17, HDR_NFILES);
    expect("npages = TRAPFRAME / PGSIZE", s, 60, 4, TRAPFRAME / PGSIZE, IMAGE_LENGTH);
    expect("npages = TRAPFRAME / PGSIZE + 1", s, 60, 4, TRAPFRAME / PGSIZE + 1, HDR_NPAGES);
    expect("version 2", s, 8, 4, 2, HDR_VERSION);
    expect("hdrlen 65", s, 12, 4, 65, HDR_LENGTH);
    expect("name of 15 bytes", s, 32, 8, 0x6161616161616161L, 0);
    assertWithMessage("name of 16 bytes, no NUL")
        .that(verdict(s, b -> Arrays.fill(b, 32, 48, (byte) 'a'), true))
        .isEqualTo(HDR_NAME);
    assertWithMessage("name of 15 bytes")
        .that(verdict(s, b -> Arrays.fill(b, 32, 47, (byte) 'a'), true))
        .isEqualTo(0);
  }

  @Test
  void pcAndRestartAtTheirBounds() {
    byte[] s = running();
    expect("pc = TRAPFRAME - 2", s, 312, 8, TRAPFRAME - 2, 0);
    expect("pc = TRAPFRAME", s, 312, 8, TRAPFRAME, REGS_PC);
    expect("pc odd", s, 312, 8, 1, REGS_PC);
    byte[] r = reading();
    expect("the reading seed", r, 8, 4, 1, 0);
    expect("progress = n - 1", r, 376, 8, 99, 0);
    expect("progress = n", r, 376, 8, 100, RESTART_PROGRESS);
    expect("pc past the ecall", r, 312, 8, 4, RESTART_PC);
    expect("pc on page 1 (no X)", r, 312, 8, PGSIZE, RESTART_PC);
    expect("sysnum 4", r, 320, 4, 4, RESTART_SYSCALL);
    // xv6's syscall() reads a7 into an int: the call is a7's low 32 bits
    expect("a7 = 2^32 + read", r, 64 + 16 * 8, 8, (1L << 32) | Syscall.SYS_read, 0);
    expect("a7 = 2^32 + wait", r, 64 + 16 * 8, 8, (1L << 32) | Syscall.SYS_wait, RESTART_SYSCALL);
  }

  @Test
  void fileAndPageRecordsAtTheirBounds() {
    byte[] s = running();
    expect("fd 15", s, FILE1, 4, 15, 0);
    expect("fd 16", s, FILE1, 4, 16, FILE_FD);
    expect("fd equal to the previous", s, FILE1, 4, 0, FILE_FD);
    expect("kind 3", s, FILE1 + 4, 4, 3, FILE_KIND);
    expect("mode 0", s, FILE1 + 8, 4, 0, FILE_MODE);
    expect("mode 3", s, FILE1 + 8, 4, 3, 0);
    expect("mode 4", s, FILE1 + 8, 4, 4, FILE_MODE);
    expect("inum 0", s, FILE1 + 12, 4, 0, FILE_INUM);
    assertWithMessage("path of 127 bytes")
        .that(verdict(s, b -> Arrays.fill(b, FILE1 + 25, FILE1 + 24 + 127, (byte) 'a'), true))
        .isEqualTo(0);
    assertWithMessage("path of 128 bytes, no NUL")
        .that(verdict(s, b -> Arrays.fill(b, FILE1 + 25, FILE1 + 24 + 128, (byte) 'a'), true))
        .isEqualTo(FILE_PATH);
    expect("page 1 va = PGROUNDUP(sz) - PGSIZE", s, PAGE1, 8, PGSIZE, 0);
    expect("page 1 va = PGROUNDUP(sz)", s, PAGE1, 8, 2L * PGSIZE, PAGE_VA_RANGE);
    expect("page 1 va = MAXVA", s, PAGE1, 8, MAXVA, PAGE_VA_RANGE);
    expect("page 1 va = page 0's", s, PAGE1, 8, 0, PAGE_ORDER);
    expect("page 1 va + 1", s, PAGE1, 8, PGSIZE + 1, PAGE_VA_ALIGNED);
    expect("perm R W X U", s, PAGE1 + 8, 4, 0x1e, 0);
    expect("perm with V", s, PAGE1 + 8, 4, 0x1f, PAGE_PERM);
    expect("perm with bit 5", s, PAGE1 + 8, 4, 0x32, PAGE_PERM);
    expect("perm W U", s, PAGE1 + 8, 4, 0x14, PAGE_PERM);
    expect("perm U", s, PAGE1 + 8, 4, 0x10, PAGE_PERM);
  }

  /** A changed body under a stored CRC of 0, of all ones, or off by one bit: CRC_MISMATCH. */
  @Test
  void aBrokenCrcOverAChangedBodyIsRefused() {
    byte[] s = running();
    int crc = s.length - 32 + 24;
    for (long stored : new long[] {0, 0xffffffffL, u64(s, crc) & 0xffffffffL ^ 1L << 31}) {
      assertWithMessage("stored crc 0x%s", Long.toHexString(stored))
          .that(
              verdict(
                  s,
                  b -> {
                    b[100] ^= 1; // x5's low byte
                    put(b, crc, 4, stored);
                  },
                  false))
          .isEqualTo(CRC_MISMATCH);
    }
  }
}
