package xv6ckpt.harness.system;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.S3;
import static xv6ckpt.emulator.asm.Reg.S4;
import static xv6ckpt.emulator.asm.Reg.S5;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.emulator.asm.Reg.T2;
import static xv6ckpt.emulator.asm.Reg.T3;
import static xv6ckpt.emulator.asm.Reg.T4;
import static xv6ckpt.emulator.asm.Reg.T5;
import static xv6ckpt.testkit.Xv6Abi.O_CREATE;
import static xv6ckpt.testkit.Xv6Abi.O_RDWR;
import static xv6ckpt.testkit.Xv6Abi.SYS_close;
import static xv6ckpt.testkit.Xv6Abi.SYS_exec;
import static xv6ckpt.testkit.Xv6Abi.SYS_fork;
import static xv6ckpt.testkit.Xv6Abi.SYS_kill;
import static xv6ckpt.testkit.Xv6Abi.SYS_open;
import static xv6ckpt.testkit.Xv6Abi.SYS_read;
import static xv6ckpt.testkit.Xv6Abi.SYS_sleep;
import static xv6ckpt.testkit.Xv6Abi.SYS_wait;
import static xv6ckpt.testkit.Xv6Abi.SYS_write;

import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.testkit.UserProgram;

/**
 * The user programs of the crash sweep, built with the test kit's {@link UserProgram} (no C
 * toolchain): the workload {@code cw} and the restorers {@code ra} and {@code rb}. Everything they
 * report goes to the console as whole lines, because a C kernel's shell reports no exit status.
 */
final class SweepPrograms {
  private SweepPrograms() {}

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
    a.mv(S2, A0);
    printCode(p, S2, "msg", RESTORE_REFUSED);
    p.exit(1);
    return p.elf();
  }

  // ---------------------------------------------------------------- transparency

  /** Iterations of the subject; one console line and one 8-byte file write each. */
  static final int ITERATIONS = 16;

  /**
   * Instructions of busy work per iteration, so that most instants find the subject at user level:
   * a console line costs xv6 about 2 M steps (it waits for the UART), where checkpoint says
   * CKPT_BUSY.
   */
  static final int BUSY = 4_000_000;

  /** Ticks the subject sleeps every fourth iteration: about a quarter of its run is asleep. */
  static final int SLEEP = 8;

  static final String SUBJECT_DONE = "tp: done", TP = "tp ", CHECKPOINTED = "tc: checkpoint ";

  /** The line typed to make tc checkpoint: a byte the subject never prints. */
  static final String GO = "~";

  /** Where the subject's image goes, and the file it writes. */
  static final String SUBJECT_IMAGE = "/t.img", SUBJECT_FILE = "/tpf";

  /**
   * The transparency subject {@code tp}: opens /tpf, then for each iteration i steps its value x (x
   * = x * 6364136223846793005 + i), stores x in one of four data pages, prints "tp I X" (16 hex
   * digits each), writes x to /tpf, sleeps a tick every fifth iteration (adding sleep's result, 0,
   * to x) and busy-loops; at the end prints "tp S" for the sum of every word of its data pages,
   * then "tp: done". Everything it prints and writes depends on its registers, memory and file
   * offset, so a process restored from any instant prints the rest of the uninterrupted run's
   * lines, and /tpf ends the same.
   */
  static byte[] subject() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, END - DATA, END));
    Assembler a = p.a;
    p.str("file", SUBJECT_FILE).str("line", TP + "0123456789abcdef 0123456789abcdef\n");
    p.str("sum", TP + "0123456789abcdef\n").str("done", SUBJECT_DONE + "\n");
    a.la(A0, "file").li(A1, O_CREATE | O_RDWR).li(A7, SYS_open).ecall().mv(S1, A0);
    a.li(S2, 1).li(S3, 0).li(S4, 6364136223846793005L);
    a.label("iter").mul(S2, S2, S4).add(S2, S2, S3);
    a.andi(T0, S3, 3).slli(T0, T0, 12).srli(T1, S3, 2).slli(T1, T1, 3).add(T0, T0, T1);
    a.li(T1, DATA).add(T0, T0, T1).sd(S2, 0, T0);
    a.la(S5, "line").addi(S5, S5, TP.length());
    hex(p, S3, S5);
    a.addi(S5, S5, 1);
    hex(p, S2, S5);
    a.li(A0, 1).la(A1, "line").li(A2, TP.length() + 34).li(A7, SYS_write).ecall();
    a.li(T0, DATA + 8 * ITERATIONS).sd(S2, 0, T0); // x in memory for the file write
    a.mv(A0, S1).li(A1, DATA + 8 * ITERATIONS).li(A2, 8).li(A7, SYS_write).ecall();
    a.andi(T0, S3, 3).li(T1, 3).bne(T0, T1, "busy");
    a.li(A0, SLEEP).li(A7, SYS_sleep).ecall().add(S2, S2, A0); // 0, unless a restore lost the call
    a.label("busy").li(T0, BUSY / 2).label("spin").addi(T0, T0, -1).bnez(T0, "spin");
    a.addi(S3, S3, 1).li(T0, ITERATIONS).blt(S3, T0, "iter");
    a.li(T0, DATA).li(T1, END).li(S2, 0);
    a.label("sumloop").ld(T2, 0, T0).add(S2, S2, T2).addi(T0, T0, 8).bltu(T0, T1, "sumloop");
    a.la(S5, "sum").addi(S5, S5, TP.length());
    hex(p, S2, S5);
    p.print("sum").print("done");
    a.mv(A0, S1).li(A7, SYS_close).ecall();
    p.exit(0);
    return p.elf();
  }

  /**
   * Prints the line at {@code label}, {@code prefix} + "-??", with ?? replaced by the two decimal
   * digits of the negated result in register {@code code} (xv6's codes are 0, -1 and -10 to -99).
   */
  private static void printCode(UserProgram p, int code, String label, String prefix) {
    Assembler a = p.a;
    int digits = prefix.length() + 1;
    a.neg(T3, code).li(T4, 10).la(T5, label);
    a.divu(T0, T3, T4).addi(T0, T0, '0').sb(T0, digits, T5);
    a.remu(T0, T3, T4).addi(T0, T0, '0').sb(T0, digits + 1, T5);
    p.print(label);
  }

  /** Writes the 16 hex digits of register v at the address in register at, which advances. */
  private static void hex(UserProgram p, int v, int at) {
    Assembler a = p.a;
    String loop = p.fresh(), digit = p.fresh();
    a.li(T0, 60);
    a.label(loop).srl(T1, v, T0).andi(T1, T1, 15).li(T2, 10).blt(T1, T2, digit);
    a.addi(T1, T1, 'a' - 10 - '0');
    a.label(digit).addi(T1, T1, '0').sb(T1, 0, at).addi(at, at, 1);
    a.addi(T0, T0, -4).bgez(T0, loop);
  }

  /**
   * The checkpointer {@code tc}: forks {@code tp}, waits for a line on the console (the sweep types
   * it at the instant to capture), checkpoints the child to /t.img, kills it, reaps it, and prints
   * "tc: checkpoint -NN" (the result's two digits; 00 is success).
   */
  static byte[] checkpointer() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, 0x1000, 0x4000));
    Assembler a = p.a;
    p.str("tp", "/tp").str("image", SUBJECT_IMAGE).str("msg", CHECKPOINTED + "-??\n");
    p.data("argv", new byte[16]).data("buf", new byte[64]);
    a.li(A7, SYS_fork).ecall().mv(S1, A0).bnez(S1, "parent");
    a.la(A0, "tp").la(A1, "argv").la(T0, "tp").sd(T0, 0, A1).li(A7, SYS_exec).ecall();
    p.exit(1);
    a.label("parent").li(A0, 0).la(A1, "buf").li(A2, 64).li(A7, SYS_read).ecall();
    a.mv(A0, S1);
    p.checkpoint("image");
    a.mv(S2, A0);
    a.mv(A0, S1).li(A7, SYS_kill).ecall();
    a.li(A0, 0).li(A7, SYS_wait).ecall();
    printCode(p, S2, "msg", CHECKPOINTED);
    p.exit(0);
    return p.elf();
  }
}
