package xv6ckpt.harness.props;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.specs.Xv6.PTE_R;
import static xv6ckpt.specs.Xv6.PTE_U;
import static xv6ckpt.specs.Xv6.PTE_W;
import static xv6ckpt.specs.Xv6.PTE_X;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.Stat;
import xv6ckpt.specs.FileView;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ModelFile;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Images made by the spec (not by the kernel) for restore to read: a process captured inside a
 * console read of up to 64 bytes into 0x1000, having read {@code progress} bytes already. Resumed,
 * it issues the read again; when the read returns n it writes the n bytes at 0x1000 to fd 1 and
 * exits 42.
 *
 * <pre>
 *   0x0000 text  R X U   ecall (the read) at 0; then write(1, 0x1000, n); exit(42)
 *   0x1000 data  R W U   "abc..." (the buffer)
 *   0x2000 guard R W
 *   0x3000 stack R W U   (sp = 0x4000)
 *   0x4000 hole
 *   0x5000 heap  R W U   sz = 0x6000
 *   fds 0, 1, 2 consoles; 3 "/data" read-only at offset 2 (inum given)
 * </pre>
 */
final class SpecImages {
  private SpecImages() {}

  static final long BUF = 0x1000;
  static final long SZ = 0x6000;

  static Image image(long imageId, long dataInum, long progress) {
    return new Image(
        new Image.Header(imageId, 7, "restored", SZ),
        regs(),
        new SyscallRestart(5, List.of(0L, BUF, 64L, 0x44L, 0x55L, 0x66L), progress),
        List.of(
            OpenFile.console(0, true, false),
            OpenFile.console(1, false, true),
            OpenFile.console(2, false, true),
            OpenFile.file(3, true, false, "/data", dataInum, 2)),
        pages());
  }

  static Registers regs() {
    long[] x = new long[31];
    for (int n = 1; n <= 31; n++) {
      x[n - 1] = 0x0101_0101_0000_0000L * n + n;
    }
    x[2 - 1] = 0x4000; // sp
    x[10 - 1] = 0; // a0: fd
    x[11 - 1] = BUF; // a1: buf
    x[12 - 1] = 64; // a2: n
    x[13 - 1] = 0x44;
    x[14 - 1] = 0x55;
    x[15 - 1] = 0x66;
    x[17 - 1] = 5; // a7: read
    return Registers.of(x, 0);
  }

  static List<Page> pages() {
    return pages(text());
  }

  /** The layout above with another text page (the data pages filled as {@link #filled} does). */
  static List<Page> pages(byte[] text) {
    List<Page> out = new ArrayList<>();
    out.add(new Page(0, PTE_R | PTE_X | PTE_U, text));
    out.add(new Page(BUF, PTE_R | PTE_W | PTE_U, filled(BUF)));
    out.add(new Page(0x2000, PTE_R | PTE_W, filled(0x2000)));
    out.add(new Page(0x3000, PTE_R | PTE_W | PTE_U, filled(0x3000)));
    out.add(new Page(0x5000, PTE_R | PTE_W | PTE_U, filled(0x5000)));
    return out;
  }

  private static byte[] text() {
    Assembler a = new Assembler(0);
    a.ecall(); // read(a0, a1, a2): already set up
    a.mv(A2, A0).li(A0, 1).li(A1, BUF).li(A7, 16).ecall();
    a.li(A0, 42).li(A7, 2).ecall();
    byte[] code = a.assemble();
    byte[] page = new byte[4096];
    System.arraycopy(code, 0, page, 0, code.length);
    return page;
  }

  /** A page's worth of letters that differ from page to page. */
  static byte[] filled(long va) {
    byte[] d = new byte[4096];
    for (int i = 0; i < d.length; i++) {
      d[i] = (byte) ('a' + (i + va / 4096) % 26);
    }
    return d;
  }

  /** What restore may ask the disk: the named root files, as stat shows them. */
  static FileView view(MemoryBlockDevice d, Iterable<String> names) throws Exception {
    FileSystem fs = FileSystem.mount(d);
    Map<String, FileView.Inode> paths = new TreeMap<>();
    for (String n : names) {
      Stat s = fs.stat("/" + n);
      paths.put("/" + n, new FileView.Inode(s.ino(), s.type(), s.size()));
    }
    return FileView.of(paths);
  }

  /** The restoring caller as spawn makes it: consoles at 0, 1, 2; the rest does not matter. */
  static ModelProcess caller(int pid) {
    Map<Integer, ModelFile> files =
        Map.of(
            0, new ModelFile.Console(true, true),
            1, new ModelFile.Console(true, true),
            2, new ModelFile.Console(true, true));
    return ModelProcess.of(
        pid,
        "restore",
        ModelProcess.State.RUNNING,
        0x3000,
        List.of(),
        Registers.zero(0x10),
        files,
        SyscallRestart.NONE);
  }

  /** The program that restores the spec's images: restore(argv[1]); exit with its code. */
  static byte[] restorer() {
    UserProgram p = new UserProgram(UserProgram.PACKED);
    p.a.ld(A0, 8, A1);
    p.sys(Xv6Abi.SYS_restore);
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }
}
