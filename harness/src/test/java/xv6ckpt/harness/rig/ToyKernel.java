package xv6ckpt.harness.rig;

import static xv6ckpt.emulator.asm.Reg.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;

/**
 * A tiny S/M-mode kernel for the boundary observer, assembled here (CI has no xv6): M delegates U
 * ecalls to S and enters S; S runs one U-mode program at va 0 under an Sv39 page table and answers
 * its calls with the page table switched off, as xv6's trampoline switches to the kernel's: a7 = 1
 * returns a0 + 100, a7 = 3 pops a page off a free list kept as xv6's {@code kmem} (32 bytes, the
 * head last) and returns it (or -1), a7 = 4 prints a panic line and spins. Its ELF has a symbol
 * table naming {@code kmem} with a chosen size.
 */
final class ToyKernel {
  static final long BASE = 0x8000_0000L;
  static final long ROOT = BASE + 0x1_0000; // then the tables for va 0 and for the code page
  static final long USER = BASE + 0x2_0000; // the program's one page, at va 0
  static final long KMEM = BASE + 0x3_0000;
  static final long FREE = BASE + 0x4_0000; // three free pages
  static final int FREE_PAGES = 3;
  static final long UART = 0x1000_0000L;
  static final long SATP = 8L << 60 | ROOT >>> 12;

  /** Where the program reads its argument and stores its results (in its page). */
  static final long ARG = 0x700, RESULT1 = 0x708, RESULT3 = 0x710;

  // CSR numbers (privileged spec, table 2.2-2.5).
  static final int SSTATUS = 0x100, STVEC = 0x105, SSCRATCH = 0x140, SEPC = 0x141;
  static final int SATP_CSR = 0x180, MSTATUS = 0x300, MEDELEG = 0x302, MEPC = 0x341;
  static final int MRET = 0x30200073, SRET = 0x10200073, SFENCE = 0x12000073;

  /**
   * The boot both toy kernels share: M delegates U ecalls to S and enters S at "smain" with the
   * trap vector at "strap", where S-mode goes on (clearing SPP, so that its sret enters U at va 0).
   */
  static Assembler boot() {
    Assembler a = new Assembler(BASE);
    a.la(T0, "strap").csrw(STVEC, T0).li(T0, 1 << 8).csrw(MEDELEG, T0);
    a.li(T0, 1L << 11).csrs(MSTATUS, T0).la(T0, "smain").csrw(MEPC, T0).raw32(MRET);
    return a.label("smain").li(T0, 1L << 8).csrc(SSTATUS, T0).csrw(SEPC, ZERO);
  }

  static Assembler kernel() {
    Assembler a = boot();
    a.li(T0, SATP).csrw(SATP_CSR, T0).raw32(SFENCE).raw32(SRET);
    a.align(4).label("strap").csrw(SATP_CSR, ZERO).raw32(SFENCE);
    a.li(T0, 1).beq(A7, T0, "add").li(T0, 3).beq(A7, T0, "alloc").li(T0, 4).beq(A7, T0, "panic");
    a.j("back");
    a.label("add").addi(A0, A0, 100).j("back");
    a.label("alloc").li(T1, KMEM).ld(T2, 24, T1).li(A0, -1).beqz(T2, "back");
    a.ld(T0, 0, T2).sd(T0, 24, T1).mv(A0, T2).j("back");
    a.label("panic").li(T2, UART);
    for (char c : "panic: boom\n".toCharArray()) a.li(T0, c).sb(T0, 0, T2);
    a.label("spin").j("spin");
    a.label("back").li(T0, SATP).csrw(SATP_CSR, T0).raw32(SFENCE);
    a.csrr(T0, SEPC).addi(T0, T0, 4).csrw(SEPC, T0).raw32(SRET);
    return a;
  }

  static byte[] user() {
    Assembler u = new Assembler(0);
    u.ld(A0, ARG, ZERO).li(A7, 1).ecall().sd(A0, RESULT1, ZERO);
    u.li(A7, 3).ecall().sd(A0, RESULT3, ZERO);
    u.li(A7, 3).ecall();
    u.li(A7, 4).ecall();
    return u.assemble();
  }

  /** Root, then L1 and L0 for va 0 (the user page) and for the code page (identity, no U). */
  static byte[] tables() {
    ByteBuffer t = ByteBuffer.allocate(5 * 4096).order(ByteOrder.LITTLE_ENDIAN);
    long v = 1, r = 2, w = 4, x = 8, u = 16;
    t.putLong(0, table(ROOT + 0x1000));
    t.putLong(8 * 2, table(ROOT + 0x3000)); // va 0x8000_0000
    t.putLong(0x1000, table(ROOT + 0x2000));
    t.putLong(0x2000, leaf(USER, v | r | w | x | u));
    t.putLong(0x3000, table(ROOT + 0x4000));
    t.putLong(0x4000, leaf(BASE, v | r | x));
    return t.array();
  }

  private static long table(long pa) {
    return pa >>> 12 << 10 | 1;
  }

  private static long leaf(long pa, long bits) {
    return pa >>> 12 << 10 | bits | 0xC0; // A and D set
  }

  /** kmem's 32 bytes and the free pages, linked. */
  static byte[] freeList() {
    ByteBuffer b = ByteBuffer.allocate(0x1_0000 + FREE_PAGES * 4096).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(24, FREE);
    for (int i = 0; i < FREE_PAGES; i++) {
      b.putLong(0x1_0000 + i * 4096, i + 1 < FREE_PAGES ? FREE + (i + 1) * 4096L : 0);
    }
    return b.array();
  }

  /** The kernel's ELF, with a symbol table naming kmem as {@code kmemSize} bytes (0: no table). */
  static byte[] elf(long kmemSize) {
    int rwx = Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X;
    Elf64Writer w =
        new Elf64Writer()
            .segment(BASE, kernel().assemble(), rwx)
            .segment(ROOT, tables(), rwx)
            .segment(USER, user(), 4096, rwx)
            .segment(KMEM, freeList(), rwx)
            .entry(BASE);
    if (kmemSize != 0) {
      w.symbol("kmem", KMEM, kmemSize, Elf64Writer.STT_OBJECT);
    }
    return w.write();
  }
}
