package xv6ckpt.testkit;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.T6;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * A small xv6 user program built with the emulator's assembler, for kernel tests, harness
 * properties and fuzz targets. One RWX PT_LOAD segment at address 0, entry 0, laid out as {@link
 * Layout} says:
 *
 * <pre>
 *   0                code ({@link #a}), as written
 *   next dataAlign   each data item ({@link #str}, {@link #data}) at its label, in the order added
 *   next bssAlign    label "bss": bssBytes zeroed bytes (memory only, not in the file)
 *   segmentEnd       (if not 0) the segment's end; the program addresses what lies above the
 *                    image by fixed addresses, and bssBytes is the room it needs there
 * </pre>
 *
 * A program's layout is part of what it means (a property's generated stores, a fuzz corpus input's
 * addresses), so every user names its layout: one of the presets below, or its own. Checks end the
 * program with a distinct exit status, so a test that expects status 0 names the failed check by
 * the status it got.
 *
 * <p>Open for extension only so that a test package can give its preset a short name.
 */
public class UserProgram {
  /**
   * Where the parts go (see the class comment). Alignments are powers of two; {@code segmentEnd} 0
   * means the segment ends with the bss.
   */
  public record Layout(int dataAlign, int bssAlign, long bssBytes, long segmentEnd) {
    public Layout {
      if (Integer.bitCount(dataAlign) != 1 || Integer.bitCount(bssAlign) != 1) {
        throw new IllegalArgumentException(
            "alignments must be powers of two: " + dataAlign + ", " + bssAlign);
      }
      if (bssBytes < 0 || segmentEnd < 0) {
        throw new IllegalArgumentException("negative size: " + bssBytes + ", " + segmentEnd);
      }
    }

    /** Data, then the bss, in a segment that ends with the bss. */
    public static Layout withBss(int dataAlign, int bssAlign, long bssBytes) {
      return new Layout(dataAlign, bssAlign, bssBytes, 0);
    }

    /**
     * Code and data packed from 0 (data at {@code dataAlign}), in a segment of exactly {@code
     * segmentEnd} bytes whose top {@code roomBytes} the program uses by fixed addresses: the image
     * must end at or below {@code segmentEnd - roomBytes}.
     */
    public static Layout fixed(int dataAlign, long roomBytes, long segmentEnd) {
      return new Layout(dataAlign, 1, roomBytes, segmentEnd);
    }
  }

  /** Data 8-aligned, bss 8-aligned, 16 KiB: the kernel's tests. */
  public static final Layout KERNEL_TESTS = Layout.withBss(8, 8, 16384);

  /**
   * Data 8-aligned, bss on its own four pages: the harness's laws (a generated store into bss never
   * touches a code or data page).
   */
  public static final Layout PAGED_BSS = Layout.withBss(8, 4096, 4 * 4096);

  /** Strings packed after the code, bss 8-aligned, 8 KiB: the image-agreement laws. */
  public static final Layout PACKED = Layout.withBss(1, 8, 8192);

  /** The assembler the program's code is written with (origin 0). */
  public final Assembler a = new Assembler(0);

  private final Layout layout;
  private final Map<String, byte[]> data = new LinkedHashMap<>();
  private int labels;

  public UserProgram(Layout layout) {
    this.layout = layout;
  }

  public Layout layout() {
    return layout;
  }

  /**
   * A NUL-terminated string at label {@code name}, one byte per character (ISO-8859-1, as C's
   * {@code char} holds it; the tests' strings are ASCII, where UTF-8 is the same).
   */
  public UserProgram str(String name, String s) {
    return data(name, (s + "\0").getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Raw bytes at label {@code name}. */
  public UserProgram data(String name, byte[] b) {
    if (data.putIfAbsent(name, b.clone()) != null) {
      throw new IllegalArgumentException("data label '" + name + "' added twice");
    }
    return this;
  }

  /** a7 = num; ecall (arguments already in a0..a5). */
  public UserProgram sys(long num) {
    a.li(A7, num).ecall();
    return this;
  }

  /** exit(code). */
  public UserProgram exit(int code) {
    a.li(A0, code);
    return sys(Xv6Abi.SYS_exit);
  }

  /** write(1, label, strlen): the string at {@code label} to the console. */
  public UserProgram print(String label) {
    return print(1, label);
  }

  /** write(fd, label, strlen). */
  public UserProgram print(int fd, String label) {
    a.li(A0, fd).la(A1, label).li(A2, data.get(label).length - 1);
    return sys(Xv6Abi.SYS_write);
  }

  /**
   * checkpoint(a0, path at {@code pathLabel}), a0 (the pid) already set; the result is in a0.
   * Returns the address of the call's ecall (where a restored self-image resumes past).
   */
  public long checkpoint(String pathLabel) {
    a.la(A1, pathLabel).li(A7, Xv6Abi.SYS_checkpoint);
    long at = a.pc();
    a.ecall();
    return at;
  }

  /** restore(path at {@code pathLabel}): returns only on failure, with the code in a0. */
  public UserProgram restore(String pathLabel) {
    a.la(A0, pathLabel);
    return sys(Xv6Abi.SYS_restore);
  }

  /** Exits with status {@code code} unless a0 == expected. */
  public UserProgram check(long expected, int code) {
    String ok = fresh();
    a.li(T6, expected).beq(A0, T6, ok);
    exit(code);
    a.label(ok);
    return this;
  }

  /** Exits with status {@code code} if a0 is negative. */
  public UserProgram checkNonNegative(int code) {
    String ok = fresh();
    a.bgez(A0, ok);
    exit(code);
    a.label(ok);
    return this;
  }

  /** A label name not used before in this program. */
  public String fresh() {
    return "L" + labels++;
  }

  /** The ELF file: code, data and bss laid out as the class comment says. */
  public byte[] elf() {
    for (Map.Entry<String, byte[]> e : data.entrySet()) {
      a.align(layout.dataAlign()).label(e.getKey()).bytes(e.getValue());
    }
    a.align(layout.bssAlign()).label("bss");
    byte[] image = a.assemble();
    long memSize = image.length + layout.bssBytes();
    if (layout.segmentEnd() != 0) {
      if (memSize > layout.segmentEnd()) {
        throw new IllegalStateException(
            "program image of "
                + image.length
                + " bytes overlaps"
                + " the "
                + layout.bssBytes()
                + " bytes it uses below 0x"
                + Long.toHexString(layout.segmentEnd()));
      }
      memSize = layout.segmentEnd();
    }
    int rwx = Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X;
    return new Elf64Writer().segment(0, image, memSize, rwx).entry(0).write();
  }
}
