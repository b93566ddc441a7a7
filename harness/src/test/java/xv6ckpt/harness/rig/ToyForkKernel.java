package xv6ckpt.harness.rig;

import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.harness.rig.ToyKernel.SATP_CSR;
import static xv6ckpt.harness.rig.ToyKernel.SEPC;
import static xv6ckpt.harness.rig.ToyKernel.SFENCE;
import static xv6ckpt.harness.rig.ToyKernel.SRET;
import static xv6ckpt.harness.rig.ToyKernel.SSCRATCH;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * A tiny kernel with a fork, for {@link ElfKernel#reportForkChildren}: the boot of {@link
 * ToyKernel}, then a trap handler that saves all 31 user registers and restores them on return, as
 * xv6's trampoline does. Call 1 is fork (as xv6 numbers it): it copies the user page to the
 * child's, keeps the parent's registers and pc, and returns 2 to the parent. Call 5 yields: the
 * child, if one was made and has not run, resumes past the fork's ecall under its own page table
 * with a0 = 0 and every other register as the parent's were at the fork; call 6 does the same but
 * clears the child's s1, which no xv6 fork does. Call 4 panics.
 */
final class ToyForkKernel {
  static final long BASE = ToyKernel.BASE;
  static final long ROOT = ToyKernel.ROOT; // the parent's tables, ToyKernel's
  static final long ROOT2 = BASE + 0x5_0000; // the child's root, then its L1 and L0 for va 0
  static final long USER = ToyKernel.USER, USER2 = BASE + 0x6_0000;
  static final long SAVE = BASE + 0x7_0000; // the user registers of the trap being handled
  static final long FORKED = SAVE + 0x100; // the parent's registers at the fork
  static final long CHILD = SAVE + 0x200; // its pc at the fork's ecall, or 0: no child to run
  static final long CUR = SAVE + 0x208; // satp of the process running
  static final long SATP = ToyKernel.SATP, SATP2 = 8L << 60 | ROOT2 >>> 12;
  static final long CHILD_PID = 2;

  static Assembler kernel() {
    Assembler a = ToyKernel.boot();
    a.li(T0, CUR).li(T1, SATP).sd(T1, 0, T0);
    a.li(T0, SATP).csrw(SATP_CSR, T0).raw32(SFENCE).raw32(SRET);
    // Trap: paging off, every user register to SAVE (t0 by way of sscratch).
    a.align(4).label("strap").csrw(SSCRATCH, T0).csrw(SATP_CSR, ZERO).raw32(SFENCE);
    a.li(T0, SAVE);
    for (int r = 1; r < 32; r++) if (r != T0) a.sd(r, 8L * r, T0);
    a.csrr(T1, SSCRATCH).sd(T1, 8L * T0, T0);
    a.li(T1, 1).beq(A7, T1, "fork").li(T1, 5).beq(A7, T1, "yield").li(T1, 4).beq(A7, T1, "panic");
    a.li(T1, 6).beq(A7, T1, "yield");
    a.j("next");
    // fork: the parent's registers and pc kept, its page copied, 2 returned to it
    a.label("fork");
    copy(a, SAVE, FORKED, 32 * 8);
    copy(a, USER, USER2, 4096);
    a.li(T0, CHILD).csrr(T1, SEPC).sd(T1, 0, T0);
    a.li(T0, SAVE).li(T1, CHILD_PID).sd(T1, 8L * A0, T0).j("next");
    // yield: into the child once, as if its fork returned 0
    a.label("yield").li(T0, CHILD).ld(T1, 0, T0).beqz(T1, "next").sd(ZERO, 0, T0);
    a.addi(T1, T1, 4).csrw(SEPC, T1);
    copy(a, FORKED, SAVE, 32 * 8);
    a.li(T0, CUR).li(T1, SATP2).sd(T1, 0, T0);
    a.li(T0, SAVE).sd(ZERO, 8L * A0, T0);
    a.li(T1, 6).bne(A7, T1, "back").sd(ZERO, 8L * S1, T0).j("back"); // 6: s1 not the parent's
    a.label("panic").li(T2, ToyKernel.UART);
    for (char c : "panic: boom\n".toCharArray()) a.li(T0, c).sb(T0, 0, T2);
    a.label("spin").j("spin");
    // the next instruction of the same process; then its registers back and to U-mode
    a.label("next").csrr(T0, SEPC).addi(T0, T0, 4).csrw(SEPC, T0);
    // (SAVE is not mapped once satp is set: the registers first, satp by way of sscratch)
    a.label("back").li(T0, CUR).ld(T1, 0, T0).csrw(SSCRATCH, T1).li(T0, SAVE);
    for (int r = 1; r < 32; r++) if (r != T0) a.ld(r, 8L * r, T0);
    a.ld(T0, 8L * T0, T0).csrrw(T0, SSCRATCH, T0).csrw(SATP_CSR, T0).raw32(SFENCE);
    a.csrrw(T0, SSCRATCH, T0).raw32(SRET);
    return a;
  }

  /** Copies n bytes (a multiple of 8) from src to dst; t0, t1, t2 and t3 are lost. */
  private static void copy(Assembler a, long src, long dst, int n) {
    String loop = "copy" + a.pc();
    a.li(T0, src).li(T1, dst).li(T3, src + n);
    a.label(loop).ld(T2, 0, T0).sd(T2, 0, T1).addi(T0, T0, 8).addi(T1, T1, 8).bne(T0, T3, loop);
  }

  /**
   * Sets s1 and s2 (kept through the fork), forks, yields, then panics; the child runs from the
   * fork's return on, so it yields (returning to itself) and panics.
   */
  static Assembler user(int yield) {
    Assembler u = new Assembler(0);
    u.li(S1, 0x5151).li(S2, -7).li(A7, 1).label("fork").ecall();
    u.li(A7, yield).label("yield").ecall();
    u.li(A7, 4).ecall();
    return u;
  }

  /**
   * The child's root, L1 and L0 for va 0 (its page), and the kernel's code page as the parent's.
   */
  static byte[] childTables() {
    ByteBuffer t = ByteBuffer.allocate(3 * 4096).order(ByteOrder.LITTLE_ENDIAN);
    t.putLong(0, table(ROOT2 + 0x1000));
    t.putLong(8 * 2, table(ROOT + 0x3000)); // va 0x8000_0000: the parent's L1 for the code
    t.putLong(0x1000, table(ROOT2 + 0x2000));
    t.putLong(0x2000, USER2 >>> 12 << 10 | 0xDF); // V R W X U A D
    return t.array();
  }

  private static long table(long pa) {
    return pa >>> 12 << 10 | 1;
  }

  /** The kernel with a user program that yields by call {@code yield} (5 or 6). */
  static byte[] elf(int yield) {
    int rwx = Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X;
    return new Elf64Writer()
        .segment(BASE, kernel().assemble(), rwx)
        .segment(ROOT, ToyKernel.tables(), rwx)
        .segment(ROOT2, childTables(), rwx)
        .segment(USER, user(yield).assemble(), 4096, rwx)
        .segment(SAVE, new byte[0x300], rwx)
        .entry(BASE)
        .write();
  }
}
