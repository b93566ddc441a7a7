package xv6ckpt.harness.fuzz;


import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A3;
import static xv6ckpt.emulator.asm.Reg.A4;
import static xv6ckpt.emulator.asm.Reg.A5;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.nio.charset.StandardCharsets;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * The user programs the fuzz targets run, built with the project's assembler (no C toolchain
 * needed at test time). Each is one RWX segment at address 0; exec puts a guard page and one
 * stack page after the segment's last page, so the layout constants below are exact.
 */
final class UserPrograms {
  private UserPrograms() {}

  // ------------------------------------------------------------ the syscall server

  /** Where the server reads its call table: a count, then {@link #MAX_CALLS} 7-word entries. */
  static final long TABLE = 0x1000;

  static final int MAX_CALLS = 48;
  static final int ENTRY_BYTES = 7 * 8;

  /** Path strings the harness writes: {@link #PATH_SLOTS} NUL-terminated slots. */
  static final long PATHS = 0x2000;

  static final int PATH_SLOT = 256;
  static final int PATH_SLOTS = 16;

  /** Fuzzed bytes for read/write/fstat/pipe buffers. */
  static final long BUF = 0x3000;

  static final int BUF_BYTES = 0x2000;

  /** The end of the server's segment; the guard page follows, then the stack page. */
  static final long SERVER_END = 0x5000;

  static final long SERVER_GUARD = SERVER_END;
  static final long SERVER_SIZE = SERVER_END + 2 * 4096;

  /**
   * The syscall server: blocks reading one byte from the console (the harness's "go"), then
   * issues each call of its table (a7, a0..a5 per entry) in order and exits 0. A forked child
   * continues with the rest of the table, as a forked copy of any loop would.
   */
  static byte[] server() {
    Assembler a = new Assembler(0);
    a.li(A0, 0).li(A1, BUF).li(A2, 1).li(A7, SYS_read).ecall();
    a.li(S0, TABLE).ld(S1, 0, S0).addi(S0, S0, 8);
    a.label("loop").beqz(S1, "done");
    a.ld(A7, 0, S0).ld(A0, 8, S0).ld(A1, 16, S0).ld(A2, 24, S0).ld(A3, 32, S0).ld(A4, 40, S0)
        .ld(A5, 48, S0).ecall();
    a.addi(S0, S0, ENTRY_BYTES).addi(S1, S1, -1).j("loop");
    a.label("done").li(A0, 0).li(A7, SYS_exit).ecall();
    return elf(a.assemble(), SERVER_END);
  }

  // ------------------------------------------------------------ the bystander

  /** The bystander's patterned data page, whose bytes the isolation oracle watches. */
  static final long BYSTANDER_DATA = 0x1000;

  /**
   * The bystander: makes a pipe and reads from it for ever (it holds the write end itself, so
   * it never wakes), keeping a page of patterned data that no other process may change.
   */
  static byte[] bystander() {
    Assembler a = new Assembler(0);
    a.li(A0, BYSTANDER_DATA + 4096 - 8).li(A7, SYS_pipe).ecall();
    a.label("again").li(S0, BYSTANDER_DATA + 4096 - 8).lw(A0, 0, S0);
    a.li(A1, BYSTANDER_DATA + 4096 - 16).li(A2, 1).li(A7, SYS_read).ecall();
    a.j("again");
    byte[] code = a.assemble();
    byte[] seg = new byte[(int) BYSTANDER_DATA + 4096];
    System.arraycopy(code, 0, seg, 0, code.length);
    for (int i = 0; i < 4096 - 16; i++) {
      seg[(int) BYSTANDER_DATA + i] = (byte) (i * 7 + 3);
    }
    return new Elf64Writer().segment(0, seg, seg.length, rwx()).entry(0).write();
  }

  // ------------------------------------------------------------ the fs-image workload

  /**
   * The fixed workload of the fs-image target: reads a multi-block file (direct and indirect
   * blocks), lists two directories, creates and writes a file, makes a directory, links,
   * unlinks, and exits 0. Return values are ignored: on a corrupted disk any call may fail.
   */
  static byte[] fsWorkload() {
    Assembler a = new Assembler(0);
    long bss = 0x4000;
    open(a, "data", O_RDONLY);
    for (int i = 0; i < 6; i++) {
      a.mv(A0, S0).li(A1, bss).li(A2, 4096).li(A7, SYS_read).ecall();
    }
    close(a);
    for (String dir : new String[] {"root", "dir"}) {
      open(a, dir, O_RDONLY);
      a.mv(A0, S0).li(A1, bss).li(A2, 4096).li(A7, SYS_read).ecall();
      a.mv(A0, S0).li(A1, bss).li(A2, 0).li(A7, SYS_fstat).ecall();
      close(a);
    }
    open(a, "dirf", O_RDONLY);
    a.mv(A0, S0).li(A1, bss).li(A2, 4096).li(A7, SYS_read).ecall();
    close(a);
    open(a, "new", O_CREATE | O_RDWR);
    a.mv(A0, S0).li(A1, bss).li(A2, 3000).li(A7, SYS_write).ecall();
    close(a);
    a.la(A0, "m").li(A7, SYS_mkdir).ecall();
    a.la(A0, "data").la(A1, "ml").li(A7, SYS_link).ecall();
    a.la(A0, "data").li(A7, SYS_unlink).ecall();
    a.la(A0, "dirf").li(A7, SYS_unlink).ecall();
    a.li(A0, 0).li(A7, SYS_exit).ecall();
    for (String[] s : new String[][] {{"data", "/data"}, {"root", "/"}, {"dir", "/dir"},
        {"dirf", "/dir/f"}, {"new", "/new"}, {"m", "/m"}, {"ml", "/m/l"}}) {
      a.label(s[0]).bytes((s[1] + "\0").getBytes(StandardCharsets.UTF_8));
    }
    byte[] code = a.assemble();
    if (code.length > bss) {
      throw new IllegalStateException("workload code overlaps its buffer");
    }
    return elf(code, bss + 4096);
  }

  /** s0 = open(label, mode). */
  private static void open(Assembler a, String label, int mode) {
    a.la(A0, label).li(A1, mode).li(A7, SYS_open).ecall().mv(S0, A0);
  }

  private static void close(Assembler a) {
    a.mv(A0, S0).li(A7, SYS_close).ecall();
  }

  private static byte[] elf(byte[] code, long memSize) {
    return new Elf64Writer().segment(0, code, memSize, rwx()).entry(0).write();
  }

  private static int rwx() {
    return Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X;
  }
}
