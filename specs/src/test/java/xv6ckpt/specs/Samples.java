package xv6ckpt.specs;

import static xv6ckpt.specs.Xv6.PTE_R;
import static xv6ckpt.specs.Xv6.PTE_U;
import static xv6ckpt.specs.Xv6.PTE_W;
import static xv6ckpt.specs.Xv6.PTE_X;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.List;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;

/**
 * Hand-made images whose every byte position is worked out from FORMAT.md in the comments below,
 * not from the codec: the tests compare the decoder's offsets with these numbers.
 *
 * <p>Both samples: pid 7, name "counter", sz 0x507b, four open files (consoles 0, 1, 2 and
 * "/data.txt" at 3), five pages: text 0x0 (R X U, ecall at 0x10), data 0x1000 (R W U), a hole at
 * 0x2000, guard 0x3000 (R W), stack 0x4000 and 0x5000 (R W U).
 *
 * <pre>
 *   header 0..63, registers 64..319 (pc at 312), restart 320..383,
 *   files 384, 536, 688, 840 (152 each), page map 992..1071 (16 each),
 *   padding 1072..4095, data 4096 + 4096k, commit 24576..24607, length 24608
 * </pre>
 */
final class Samples {
  private Samples() {}

  static final long ID = 0x1234_5678_9abc_def0L;
  static final long SZ = 0x507b;
  static final long ECALL_AT = 0x10;
  static final int LENGTH = 24608;
  static final int COMMIT = 24576;
  static final int PC = 312;
  static final int FILES = 384;
  static final int FILE = 152;
  static final int MAP = 992;
  static final int DATA = 4096;

  /** A page of va whose bytes are a simple function of va and offset. */
  static Page page(long va, int perm) {
    byte[] d = new byte[Xv6.PGSIZE];
    for (int i = 0; i < d.length; i++) {
      d[i] = (byte) (i * 13 + (va >>> 12) * 7 + 1);
    }
    return new Page(va, perm, d);
  }

  /** The text page, with an ecall (73 00 00 00) at ECALL_AT. */
  static Page text() {
    byte[] d = page(0, 0).data();
    d[(int) ECALL_AT] = 0x73;
    d[(int) ECALL_AT + 1] = 0;
    d[(int) ECALL_AT + 2] = 0;
    d[(int) ECALL_AT + 3] = 0;
    return new Page(0, PTE_R | PTE_X | PTE_U, d);
  }

  static List<Page> pages() {
    return List.of(
        text(),
        page(0x1000, PTE_R | PTE_W | PTE_U),
        page(0x3000, PTE_R | PTE_W),
        page(0x4000, PTE_R | PTE_W | PTE_U),
        page(0x5000, PTE_R | PTE_W | PTE_U));
  }

  static List<OpenFile> files() {
    return List.of(
        OpenFile.console(0, true, false),
        OpenFile.console(1, false, true),
        OpenFile.console(2, false, true),
        OpenFile.file(3, true, true, "/data.txt", 5, 12));
  }

  static Registers regs(long pc) {
    long[] x = new long[31];
    for (int n = 1; n <= 31; n++) {
      x[n - 1] = 0x1111_0000L * n + n;
    }
    return Registers.of(x, pc);
  }

  /** Running at user level: pc somewhere in the text, no restart. */
  static Image plain() {
    return new Image(
        new Image.Header(ID, 7, "counter", SZ), regs(0x40), SyscallRestart.NONE, files(), pages());
  }

  /** Blocked in read(0, 0x1000, 64) having read 3 bytes; pc at the ecall. */
  static Image blocked() {
    Registers r = regs(ECALL_AT).with(17, Xv6.SYS_read).with(10, 0).with(11, 0x1000).with(12, 64);
    List<Long> args = List.of(0L, 0x1000L, 64L, r.x(13), r.x(14), r.x(15));
    return new Image(
        new Image.Header(ID, 7, "counter", SZ),
        r,
        new SyscallRestart(Xv6.SYS_read, args, 3),
        files(),
        pages());
  }

  static Image withRestart(Image img, SyscallRestart s, Registers r) {
    return new Image(img.header(), r, s, img.files(), img.pages());
  }

  static Image withPages(Image img, List<Page> pages) {
    return new Image(img.header(), img.regs(), img.restart(), img.files(), pages);
  }

  static Image withFiles(Image img, List<OpenFile> files) {
    return new Image(img.header(), img.regs(), img.restart(), files, img.pages());
  }

  static SyscallRestart restart(int num, Registers r, long progress) {
    return new SyscallRestart(
        num, List.of(r.x(10), r.x(11), r.x(12), r.x(13), r.x(14), r.x(15)), progress);
  }

  static List<Long> zeros() {
    return Collections.nCopies(6, 0L);
  }

  // Byte surgery, with the JDK's own little-endian buffer rather than the codec's helpers.

  static byte[] put32(byte[] b, int off, long v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(off, (int) v);
    return c;
  }

  static byte[] put64(byte[] b, int off, long v) {
    byte[] c = b.clone();
    ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putLong(off, v);
    return c;
  }

  static byte[] put8(byte[] b, int off, int v) {
    byte[] c = b.clone();
    c[off] = (byte) v;
    return c;
  }
}
