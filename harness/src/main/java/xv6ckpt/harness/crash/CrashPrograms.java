package xv6ckpt.harness.crash;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.emulator.asm.Reg.T2;
import static xv6ckpt.testkit.Xv6Abi.O_CREATE;
import static xv6ckpt.testkit.Xv6Abi.O_RDWR;
import static xv6ckpt.testkit.Xv6Abi.SYS_close;
import static xv6ckpt.testkit.Xv6Abi.SYS_open;
import static xv6ckpt.testkit.Xv6Abi.SYS_write;

import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.testkit.UserProgram;

/**
 * The user programs of the crash sweep, built with the test kit's {@link UserProgram} (no C
 * toolchain): the workload {@code cw} and the restorers {@code ra} and {@code rb}. Everything they
 * report goes to the console as whole lines, because a C kernel's shell reports no exit status.
 */
final class CrashPrograms {
  private CrashPrograms() {}

  /** The workload's checkpoints in order: step s (1-based) writes PATHS[s - 1]. */
  static final String[] STEPS = {"/a", "/a", "/b"};

  /** The paths the sweep restores after each cut, and the program that restores each. */
  static final String[][] RESTORERS = {{"/a", "ra"}, {"/b", "rb"}};

  /** Data pages the workload marks with its step before each checkpoint (image content). */
  static final int DATA_PAGES = 4;

  static final long DATA = 0x2000;
  static final long END = DATA + DATA_PAGES * 4096L;

  /** Console lines: a restored image of step s says {@code RESTORED + s}. */
  static final String RESTORED = "cw: restored ", CORRUPT = "cw: corrupt ", DONE = "cw: done";

  static final String REFUSED = "cw: checkpoint refused", RESTORE_REFUSED = "restore refused ";

  /**
   * The workload: for each step s, writes s into the first word of each data page, checkpoints
   * itself to that step's path, and (not restored) appends 2 KiB to /f, a file write between
   * images. A process restored from step s's image sees checkpoint return 1: it checks the marks
   * hold s, prints "cw: restored s" (or "cw: corrupt s") and exits. The uninterrupted run prints
   * "cw: done".
   */
  static byte[] workload() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, END - DATA, END));
    Assembler a = p.a;
    p.str("f", "/f").str("done", DONE + "\n").str("refusedmsg", REFUSED + "\n");
    for (int s = 1; s <= STEPS.length; s++) {
      p.str("ok" + s, RESTORED + s + "\n").str("bad" + s, CORRUPT + s + "\n");
      p.str("path" + s, STEPS[s - 1]);
    }
    for (int s = 1; s <= STEPS.length; s++) {
      a.li(T0, DATA).li(T1, s).li(T2, END);
      a.label("mark" + s).sd(T1, 0, T0).li(A0, 4096).add(T0, T0, A0).bltu(T0, T2, "mark" + s);
      a.li(A0, 0);
      p.checkpoint("path" + s);
      a.li(T0, 1).beq(A0, T0, "restored" + s);
      a.bltz(A0, "refused");
      a.la(A0, "f").li(A1, O_CREATE | O_RDWR).li(A7, SYS_open).ecall().mv(S0, A0);
      a.mv(A0, S0).li(A1, DATA).li(A2, 2048).li(A7, SYS_write).ecall();
      a.mv(A0, S0).li(A7, SYS_close).ecall();
    }
    p.print("done").exit(0);
    a.label("refused");
    p.print("refusedmsg").exit(1);
    for (int s = 1; s <= STEPS.length; s++) {
      a.label("restored" + s).li(T0, DATA).li(T1, s).li(T2, END);
      a.label("check" + s).ld(A0, 0, T0).bne(A0, T1, "corrupt" + s);
      a.li(A0, 4096).add(T0, T0, A0).bltu(T0, T2, "check" + s);
      p.print("ok" + s).exit(0);
      a.label("corrupt" + s);
      p.print("bad" + s).exit(1);
    }
    return p.elf();
  }

  /**
   * A restorer: restore(path); on a refusal prints "restore refused -NN" (the code's two digits;
   * xv6's codes are -1 and -10 to -99) and exits 1.
   */
  static byte[] restorer(String path) {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, 0x1000, 0x3000));
    Assembler a = p.a;
    p.str("path", path).str("msg", RESTORE_REFUSED + "-??\n");
    p.restore("path");
    int digits = RESTORE_REFUSED.length() + 1;
    a.neg(A0, A0).li(T1, 10).la(T2, "msg");
    a.divu(T0, A0, T1).addi(T0, T0, '0').sb(T0, digits, T2);
    a.remu(T0, A0, T1).addi(T0, T0, '0').sb(T0, digits + 1, T2);
    p.print("msg").exit(1);
    return p.elf();
  }
}
