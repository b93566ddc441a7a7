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
import static xv6ckpt.emulator.asm.Reg.ZERO;
import static xv6ckpt.testkit.Xv6Abi.*;

import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.testkit.UserProgram;

/**
 * The user programs the fuzz targets run, built with the test kit's {@link UserProgram} (no C
 * toolchain needed at test time). Each is one RWX segment at address 0 with a fixed layout ({@link
 * UserProgram.Layout#fixed}); exec puts a guard page and one stack page after the segment's last
 * page, so the layout constants below are exact. They are part of the meaning of every committed
 * corpus input of the syscall-args target: do not move them.
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
   * The syscall server: blocks reading one byte from the console (the harness's "go"), then issues
   * each call of its table (a7, a0..a5 per entry) in order and exits 0. A forked child continues
   * with the rest of the table, as a forked copy of any loop would.
   */
  static byte[] server() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, SERVER_END - TABLE, SERVER_END));
    Assembler a = p.a;
    a.li(A0, 0).li(A1, BUF).li(A2, 1).li(A7, SYS_read).ecall();
    a.li(S0, TABLE).ld(S1, 0, S0).addi(S0, S0, 8);
    a.label("loop").beqz(S1, "done");
    a.ld(A7, 0, S0)
        .ld(A0, 8, S0)
        .ld(A1, 16, S0)
        .ld(A2, 24, S0)
        .ld(A3, 32, S0)
        .ld(A4, 40, S0)
        .ld(A5, 48, S0)
        .ecall();
    a.addi(S0, S0, ENTRY_BYTES).addi(S1, S1, -1).j("loop");
    a.label("done").li(A0, 0).li(A7, SYS_exit).ecall();
    return p.elf();
  }

  // ------------------------------------------------------------ the bystander

  /** The bystander's patterned data page, whose bytes the isolation oracle watches. */
  static final long BYSTANDER_DATA = 0x1000;

  /**
   * The bystander: makes a pipe and reads from it for ever (it holds the write end itself, so it
   * never wakes), keeping a page of patterned data that no other process may change.
   */
  static byte[] bystander() {
    // The data page is the segment's second page: page-aligned data right after the code.
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(4096, 0, BYSTANDER_DATA + 4096));
    Assembler a = p.a;
    a.li(A0, BYSTANDER_DATA + 4096 - 8).li(A7, SYS_pipe).ecall();
    a.label("again").li(S0, BYSTANDER_DATA + 4096 - 8).lw(A0, 0, S0);
    a.li(A1, BYSTANDER_DATA + 4096 - 16).li(A2, 1).li(A7, SYS_read).ecall();
    a.j("again");
    byte[] page = new byte[4096]; // the last 16 bytes: the pipe's fds and the read's byte
    for (int i = 0; i < 4096 - 16; i++) {
      page[i] = (byte) (i * 7 + 3);
    }
    byte[] elf = p.data("data", page).elf();
    if (a.address("data") != BYSTANDER_DATA) {
      throw new IllegalStateException("bystander code reaches its data page");
    }
    return elf;
  }

  // ------------------------------------------------------------ the reaper (C kernels)

  /** Where the reaper reads the pids to kill: [lo, hi), two words; hi = 0 when none. */
  static final long REAPER_RANGE = 0x1000;

  /**
   * The reaper, for kernels the harness cannot reach into: every tick (sleep(1)) it kills the pids
   * in [lo, hi) that the harness wrote at {@link #REAPER_RANGE} through its page table, then clears
   * the range. It is how leftovers of an input end on a C kernel: with a user program's kill(), as
   * xv6's user land allows, even while the shell waits in the foreground.
   */
  static byte[] reaper() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, 4096, REAPER_RANGE + 4096));
    Assembler a = p.a;
    a.label("loop").li(A0, 1).li(A7, SYS_sleep).ecall();
    a.li(S0, REAPER_RANGE).ld(S1, 0, S0).ld(A2, 8, S0).bge(S1, A2, "loop");
    a.label("kill").mv(A0, S1).li(A7, SYS_kill).ecall();
    a.ld(A2, 8, S0).addi(S1, S1, 1).blt(S1, A2, "kill");
    a.sd(ZERO, 8, S0).sd(ZERO, 0, S0).j("loop");
    return p.elf();
  }

  // ------------------------------------------------------------ the fs-image workload

  /**
   * The fixed workload of the fs-image target: reads a multi-block file (direct and indirect
   * blocks), lists two directories, creates and writes a file, makes a directory, links, unlinks,
   * and exits 0. Return values are ignored: on a corrupted disk any call may fail.
   */
  static byte[] fsWorkload() {
    long bss = 0x4000; // the workload's buffer page, the segment's last
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, 4096, bss + 4096));
    Assembler a = p.a;
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
    for (String[] s :
        new String[][] {
          {"data", "/data"},
          {"root", "/"},
          {"dir", "/dir"},
          {"dirf", "/dir/f"},
          {"new", "/new"},
          {"m", "/m"},
          {"ml", "/m/l"}
        }) {
      p.str(s[0], s[1]);
    }
    return p.elf(); // fails if code and strings reach the buffer page
  }

  /** s0 = open(label, mode). */
  private static void open(Assembler a, String label, int mode) {
    a.la(A0, label).li(A1, mode).li(A7, SYS_open).ecall().mv(S0, A0);
  }

  private static void close(Assembler a) {
    a.mv(A0, S0).li(A7, SYS_close).ecall();
  }
}
