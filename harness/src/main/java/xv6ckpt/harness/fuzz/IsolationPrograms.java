package xv6ckpt.harness.fuzz;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.GP;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.S3;
import static xv6ckpt.emulator.asm.Reg.S4;
import static xv6ckpt.emulator.asm.Reg.S5;
import static xv6ckpt.emulator.asm.Reg.S6;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.emulator.asm.Reg.T2;
import static xv6ckpt.emulator.asm.Reg.T3;
import static xv6ckpt.emulator.asm.Reg.T4;
import static xv6ckpt.emulator.asm.Reg.T5;
import static xv6ckpt.emulator.asm.Reg.T6;
import static xv6ckpt.emulator.asm.Reg.ZERO;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.testkit.UserProgram;

/**
 * The two user programs of the isolation target ({@link IsolationTarget}), the same on every
 * kernel, built with the test kit's assembler. Their fixed addresses are where the harness writes
 * and looks, and part of the meaning of every committed corpus input: do not move them.
 *
 * <p>The victim, /iv, judges itself, because a C kernel's trapframe layout is not the ABI: it
 * checksums its code and data pages, sets every register x1..x31 to a known value, blocks in
 * read(0, GO, 2), and when the read returns stores every register, compares each with the value it
 * must have (a0 = 1: the harness types one newline) and checksums its pages again; it prints {@code
 * iv: MMMMMMMM} (a hex mask: bit i set when xi differs, bit 0 when the checksum differs) and exits
 * 0.
 *
 * <pre>
 *   0x0000 code, then the expected registers (x0..x31) and 8 KiB of pattern: checksummed
 *   0x3000 SAVE: the registers as read returned them; GO; SUM; MSG (not checksummed)
 * </pre>
 *
 * <p>The intruder, /ii, opens /out (fd in s0), then sleeps a tick at a time until the harness sets
 * {@link #GO} (it stops at a return of that sleep: the snapshot); then it runs the call table at
 * {@link #TABLE}, each entry (op, a, b), results ignored; then it calls uptime once (the harness
 * stops there: the calls are done) and sleeps a tick at a time until the harness sets {@link
 * #DONE}, then exits 0. Its own code and control page are never the destination of its reads
 * (addresses from {@link #SCRATCH} on) and sbrk never shrinks it below exec's size.
 *
 * <pre>
 *   0x0000 code and path strings
 *   0x1000 control: GO, DONE, the victim's pid, the count, ARGV, the table
 *   0x2000 SCRATCH (8 pages), then exec's guard page (0xa000) and stack page (0xb000)
 * </pre>
 */
final class IsolationPrograms {
  private IsolationPrograms() {}

  static final String VICTIM = "iv", INTRUDER = "ii";

  // ------------------------------------------------------------ the victim

  /** The checksummed pages: code, the expected registers, pattern. */
  static final long V_DATA = 0x1000, V_CHECKED_END = 0x3000;

  /** The victim's unchecked page: saved registers, the go buffer, the checksum, the message. */
  static final long V_SAVE = 0x3000, V_GO = 0x3100, V_SUM = 0x3108, V_MSG = 0x3200;

  static final long V_END = 0x4000;

  /** What the victim prints before its mask. */
  static final String VERDICT = "iv: ";

  /** The value x{@code i} holds while the victim is blocked in its read, and when it returns. */
  static long expected(int i) {
    return switch (i) {
      case 0 -> 0;
      case GP -> V_SAVE;
      case A0 -> 1; // read's result: the harness types one newline
      case A1 -> V_GO;
      case A2 -> 2;
      case A7 -> SYS_read;
      default -> 0x5a17_0000_0000_0000L ^ (0x0101_0203_0405_0607L * i);
    };
  }

  /** The value x{@code i} holds as the victim makes its read call. */
  private static long before(int i) {
    return i == A0 ? 0 : expected(i);
  }

  static byte[] victim() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(4096, V_END - V_SAVE, V_END));
    Assembler a = p.a;
    checksum(a, "sum1");
    a.li(T0, V_SUM).sd(T2, 0, T0);
    for (int i = 1; i < 32; i++) {
      a.li(i, before(i));
    }
    a.ecall();
    for (int i = 1; i < 32; i++) {
      a.sd(i, 8 * i, GP); // gp holds SAVE, as it must
    }
    // t4 = mask of the registers that differ from the table at V_DATA
    a.li(T0, 1).li(T4, 0).li(T5, V_SAVE + 8).li(T6, V_DATA + 8);
    a.label("reg").ld(T1, 0, T5).ld(T2, 0, T6).beq(T1, T2, "regok");
    a.li(T3, 1).sll(T3, T3, T0).or(T4, T4, T3);
    a.label("regok").addi(T0, T0, 1).addi(T5, T5, 8).addi(T6, T6, 8);
    a.li(T3, 32).blt(T0, T3, "reg");
    a.mv(S1, T4);
    checksum(a, "sum2");
    a.li(T0, V_SUM).ld(T1, 0, T0).beq(T1, T2, "sumok").ori(S1, S1, 1);
    a.label("sumok");
    message(a);
    a.li(A0, 1).li(A1, V_MSG).li(A2, VERDICT.length() + 9).li(A7, SYS_write).ecall();
    a.li(A0, 0).li(A7, SYS_exit).ecall();
    byte[] elf = p.data("data", victimData()).elf();
    if (a.address("data") != V_DATA) {
      throw new IllegalStateException("the victim's code reaches its data page");
    }
    return elf;
  }

  /** t2 = a checksum of the 8-byte words of [0, V_CHECKED_END); uses t0, t1, t3. */
  private static void checksum(Assembler a, String label) {
    a.li(T0, 0).li(T2, 0).li(T3, 0x100_0000_01b3L);
    a.label(label).ld(T1, 0, T0).mul(T2, T2, T3).xor(T2, T2, T1);
    a.addi(T0, T0, 8).li(T1, V_CHECKED_END).bltu(T0, T1, label);
  }

  /** MSG = "iv: " + 8 hex digits of s1 + "\n". */
  private static void message(Assembler a) {
    a.li(S0, V_MSG);
    byte[] head = VERDICT.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < head.length; i++) {
      a.li(T0, head[i]).sb(T0, i, S0);
    }
    for (int k = 0; k < 8; k++) {
      String digit = "hex" + k;
      a.srli(T0, S1, 28 - 4 * k).andi(T0, T0, 15).addi(T1, T0, '0');
      a.li(T2, 10).blt(T0, T2, digit).addi(T1, T0, 'a' - 10);
      a.label(digit).sb(T1, head.length + k, S0);
    }
    a.li(T0, '\n').sb(T0, head.length + 8, S0);
  }

  /** The expected registers x0..x31, then pattern to the end of the checked pages. */
  private static byte[] victimData() {
    ByteBuffer b =
        ByteBuffer.allocate((int) (V_CHECKED_END - V_DATA)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 32; i++) {
      b.putLong(expected(i));
    }
    for (int i = b.position(); i < b.capacity(); i++) {
      b.put(i, (byte) (i * 13 + 5));
    }
    return b.array();
  }

  // ------------------------------------------------------------ the intruder

  static final long CTRL = 0x1000;
  static final long GO = CTRL, DONE = CTRL + 8, VPID = CTRL + 16, COUNT = CTRL + 24;
  static final long ARGV = CTRL + 0x100, TABLE = CTRL + 0x200;
  static final int MAX_CALLS = 16, ENTRY_BYTES = 24;
  static final long SCRATCH = 0x2000, I_END = 0xa000;

  /** exec's size of the intruder: the segment, the guard page and the stack page. */
  static final long I_SIZE = I_END + 2 * 4096;

  /** The intruder's ops, in the order of {@link IsolationTarget.Call}'s kinds. */
  static final int OP_WRITE = 0,
      OP_READ = 1,
      OP_SBRK = 2,
      OP_FORK = 3,
      OP_CKPT = 4,
      OP_RESTORE = 5,
      OP_EXEC = 6;

  /** The files a failing restore names (op b: index), and a failing exec (b % 2). */
  static final String[] RESTORE_PATHS = {"/none", "/junk", "/torn"};

  static final String[] EXEC_PATHS = {"/none", "/junk"};

  /** The program and the addresses of the ecalls where the harness stops. */
  record Intruder(byte[] elf, long pollPc, long donePc) {}

  static Intruder intruder() {
    UserProgram p = new UserProgram(UserProgram.Layout.fixed(1, I_END - CTRL, I_END));
    Assembler a = p.a;
    a.la(A0, "out").li(A1, O_CREATE | O_RDWR).li(A7, SYS_open).ecall().mv(S0, A0);
    a.label("poll").li(A0, 1).li(A7, SYS_sleep);
    a.label("pollecall").ecall();
    a.li(T0, GO).ld(T0, 0, T0).beqz(T0, "poll");
    a.li(S1, TABLE).li(T0, COUNT).ld(S2, 0, T0).li(S3, 0); // s3: bytes grown by sbrk
    a.label("loop").beqz(S2, "done");
    a.ld(T0, 0, S1).ld(S4, 8, S1).ld(S5, 16, S1);
    String[] ops = {"write", "read", "sbrk", "fork", "ckpt", "restore", "exec"};
    for (int op = 0; op < ops.length; op++) {
      a.li(T1, op).beq(T0, T1, ops[op]);
    }
    a.j("next");
    a.label("write").mv(A0, S0).mv(A1, S4).mv(A2, S5).li(A7, SYS_write).ecall().j("next");
    a.label("read").la(A0, "src").li(A1, O_RDONLY).li(A7, SYS_open).ecall().mv(S6, A0);
    a.mv(A1, S4).mv(A2, S5).li(A7, SYS_read).ecall();
    a.mv(A0, S6).li(A7, SYS_close).ecall().j("next");
    a.label("sbrk").neg(T1, S3).bge(S4, T1, "sbrkn").mv(S4, T1); // never below exec's size
    a.label("sbrkn").mv(A0, S4).li(A7, SYS_sbrk).ecall();
    a.li(T1, -1).beq(A0, T1, "next").add(S3, S3, S4).j("next");
    a.label("fork").li(A7, SYS_fork).ecall().bltz(A0, "next").bnez(A0, "parent");
    a.li(A0, 0).li(A7, SYS_exit).ecall();
    a.label("parent").li(A0, 0).li(A7, SYS_wait).ecall().j("next");
    a.label("ckpt").li(T1, VPID).ld(A0, 0, T1).la(A1, "vimg").li(A7, SYS_checkpoint).ecall();
    a.j("next");
    a.label("restore").li(T1, 1).beq(S5, T1, "rjunk").li(T1, 2).beq(S5, T1, "rtorn");
    a.la(A0, "none").j("rcall");
    a.label("rjunk").la(A0, "junk").j("rcall");
    a.label("rtorn").la(A0, "torn");
    a.label("rcall").li(A7, SYS_restore).ecall().j("next");
    a.label("exec").la(A0, "none").beqz(S5, "ecall").la(A0, "junk");
    a.label("ecall").li(T1, ARGV).sd(A0, 0, T1).sd(ZERO, 8, T1).mv(A1, T1);
    a.li(A7, SYS_exec).ecall();
    a.label("next").addi(S1, S1, ENTRY_BYTES).addi(S2, S2, -1).j("loop");
    a.label("done").li(A7, SYS_uptime);
    a.label("doneecall").ecall();
    a.label("wait").li(T0, DONE).ld(T0, 0, T0).bnez(T0, "exit");
    a.li(A0, 1).li(A7, SYS_sleep).ecall().j("wait");
    a.label("exit").li(A0, 0).li(A7, SYS_exit).ecall();
    p.str("out", "/out").str("src", "/src").str("vimg", "/vimg");
    p.str("none", "/none").str("junk", "/junk").str("torn", "/torn");
    byte[] elf = p.elf();
    if (a.address("torn") + 8 > CTRL) {
      throw new IllegalStateException("the intruder's code reaches its control page");
    }
    return new Intruder(elf, a.address("pollecall"), a.address("doneecall"));
  }
}
