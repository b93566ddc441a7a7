package xv6ckpt.specs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

/**
 * A checkpoint image as values: what a version 1 file holds, minus what the layout derives (magic,
 * version, header length, counts, padding, commit record).
 *
 * <p>The records check only what encoding needs (a name fits its 16 bytes, a page holds 4096 bytes,
 * there are 31 registers). Whether the values make a valid image is the decoder's judgement, so
 * that tests and fuzzers can build images that break exactly one rule.
 *
 * <p>Byte strings (the name, paths) are held as Strings of ISO-8859-1 characters, one per byte, so
 * every byte value survives a round trip.
 */
public record Image(
    Header header, Registers regs, SyscallRestart restart, List<OpenFile> files, List<Page> pages) {

  public Image {
    files = List.copyOf(files);
    pages = List.copyOf(pages);
  }

  /** The header's own facts about the process. */
  public record Header(long imageId, int pid, String name, long sz) {
    public Header {
      requireBytes("name", name, Xv6.PROC_NAME);
    }
  }

  /**
   * The user registers: {@code x.get(n)} is xn for n in 0..31 ({@code x.get(0)} is always 0 and is
   * not stored), and pc.
   */
  public record Registers(List<Long> x, long pc) {
    public static final int A0 = 10;
    public static final int A7 = 17;

    public Registers {
      if (x.size() != 32 || x.get(0) != 0L) {
        throw new IllegalArgumentException("registers: need x0..x31 with x0 = 0, got " + x);
      }
      x = List.copyOf(x);
    }

    /** Registers from x1..x31 (31 values) and pc. */
    public static Registers of(long[] x1to31, long pc) {
      if (x1to31.length != 31) {
        throw new IllegalArgumentException("registers: need 31 values, got " + x1to31.length);
      }
      List<Long> x = new ArrayList<>(32);
      x.add(0L);
      for (long v : x1to31) {
        x.add(v);
      }
      return new Registers(x, pc);
    }

    /** All zero but pc. */
    public static Registers zero(long pc) {
      return of(new long[31], pc);
    }

    public long x(int n) {
      return x.get(n);
    }

    /** The same registers with xn set to v (n in 1..31). */
    public Registers with(int n, long v) {
      if (n < 1 || n > 31) {
        throw new IllegalArgumentException("register x" + n + " cannot be set");
      }
      List<Long> y = new ArrayList<>(x);
      y.set(n, v);
      return new Registers(y, pc);
    }

    public Registers withPc(long newPc) {
      return new Registers(x, newPc);
    }
  }

  /**
   * The system call a process was blocked in, to be issued again when it resumes: its number, the
   * six argument registers a0..a5 as they were, and how far it had got (bytes already read, ticks
   * already slept). {@link #NONE} (all zero) when the process was not inside a call.
   */
  public record SyscallRestart(int sysnum, List<Long> args, long progress) {
    public static final SyscallRestart NONE = new SyscallRestart(0, Collections.nCopies(6, 0L), 0);

    /**
     * The calls a process can be captured in and restarted from: the ones that block waiting for
     * something outside the process (a child, console input, time).
     */
    public static final Set<Integer> RESTARTABLE =
        Set.of(Xv6.SYS_wait, Xv6.SYS_read, Xv6.SYS_sleep);

    public SyscallRestart {
      if (args.size() != 6) {
        throw new IllegalArgumentException("restart: need 6 arguments, got " + args.size());
      }
      args = List.copyOf(args);
    }

    public boolean none() {
      return sysnum == 0;
    }
  }

  /** What an open-file record says: a console, or a regular file (or directory) by path. */
  public enum Kind {
    CONSOLE(Layout.KIND_CONSOLE),
    FILE(Layout.KIND_FILE);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }
  }

  /**
   * An open descriptor. For {@link Kind#CONSOLE} path is empty and inum and offset are 0; for
   * {@link Kind#FILE} path is the absolute path it was opened by, inum its inode number and offset
   * the file offset.
   */
  public record OpenFile(
      int fd, Kind kind, boolean readable, boolean writable, String path, long inum, long offset) {
    public OpenFile {
      requireBytes("path", path, Xv6.MAXPATH);
      requireU32("inum", inum);
      requireU32("offset", offset);
    }

    public static OpenFile console(int fd, boolean readable, boolean writable) {
      return new OpenFile(fd, Kind.CONSOLE, readable, writable, "", 0, 0);
    }

    public static OpenFile file(
        int fd, boolean readable, boolean writable, String path, long inum, long offset) {
      return new OpenFile(fd, Kind.FILE, readable, writable, path, inum, offset);
    }

    /** The mode field: MODE_READ and MODE_WRITE bits. */
    public int mode() {
      return (readable ? Layout.MODE_READ : 0) | (writable ? Layout.MODE_WRITE : 0);
    }
  }

  /**
   * A mapped user page: its virtual address, its permission bits (xv6's PTE_R, PTE_W, PTE_X, PTE_U
   * values) and its 4096 bytes. Compared by content.
   */
  public record Page(long va, int perm, byte[] data) {
    public Page {
      if (data.length != Xv6.PGSIZE) {
        throw new IllegalArgumentException(
            "page at 0x" + Long.toHexString(va) + ": " + data.length + " bytes, not " + Xv6.PGSIZE);
      }
      data = data.clone();
    }

    /** A copy: the page stays immutable. */
    @Override
    public byte[] data() {
      return data.clone();
    }

    /** The byte at offset i of the page, without copying the page. */
    public byte at(int i) {
      return data[i];
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Page p && p.va == va && p.perm == perm && Arrays.equals(p.data, data);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(va) * 31 * 31 + perm * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Page[va=0x"
          + Long.toHexString(va)
          + ", perm=0x"
          + Integer.toHexString(perm)
          + ", data="
          + HexFormat.of().formatHex(data, 0, 8)
          + "...]";
    }
  }

  private static void requireBytes(String what, String s, int max) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) > 0xff) {
        throw new IllegalArgumentException(what + " " + s + ": not one byte per character");
      }
    }
    if (s.getBytes(StandardCharsets.ISO_8859_1).length > max) {
      throw new IllegalArgumentException(what + " " + s + ": longer than " + max + " bytes");
    }
  }

  private static void requireU32(String what, long v) {
    if (v < 0 || v > 0xffff_ffffL) {
      throw new IllegalArgumentException(what + " " + v + " does not fit 32 bits");
    }
  }
}
