package xv6ckpt.emulator;

import static xv6ckpt.emulator.Insn.funct3;
import static xv6ckpt.emulator.Insn.pack;
import static xv6ckpt.emulator.Insn.rd;
import static xv6ckpt.emulator.Insn.rs1;
import static xv6ckpt.emulator.Insn.rs2;

/**
 * The A extension (unprivileged spec, chapter "A": Zalrsc and Zaamo), .W and .D forms. All atomics
 * decode to the one operation {@link #ATOMIC}, the immediate holding funct5 and the width, and run
 * off the hot path in {@link #execute}. aq/rl are accepted and ignored (one hart, no reordering to
 * prevent).
 *
 * <p>Rules chosen where the spec leaves room, kept deterministic:
 *
 * <ul>
 *   <li>A misaligned address traps with {@link Trap.Misaligned} before translation: LOAD for LR,
 *       STORE for SC and AMOs.
 *   <li>LR reserves the physical bytes it read. The reservation is dropped by any SC (success or
 *       not), by a store, SC or AMO of this hart that overlaps it, and by {@link
 *       Hart#clearReservation()} (the kernel's context switch).
 *   <li>SC succeeds (rd = 0) only if a reservation exists with the same physical address and size.
 *       It is translated for a store first, so a page fault wins over failure; a failing SC writes
 *       nothing and sets neither A nor D.
 *   <li>AMOs need write permission (W implies R in Sv39) and set A and D.
 * </ul>
 */
final class RvA {
  private RvA() {}

  static final int OPC_AMO = 0x2F;

  static final int ATOMIC = 67;

  // funct5 values (bits 31..27).
  static final int AMOADD = 0x00, AMOSWAP = 0x01, LR = 0x02, SC = 0x03, AMOXOR = 0x04;
  static final int AMOOR = 0x08, AMOAND = 0x0C, AMOMIN = 0x10, AMOMAX = 0x14;
  static final int AMOMINU = 0x18, AMOMAXU = 0x1C;

  /** Immediate flag: the .D form. */
  static final int DOUBLE = 0x20;

  static long decode(int i) {
    int f3 = funct3(i);
    int f5 = i >>> 27;
    boolean known =
        f5 == AMOADD
            || f5 == AMOSWAP
            || f5 == LR
            || f5 == SC
            || f5 == AMOXOR
            || f5 == AMOOR
            || f5 == AMOAND
            || f5 == AMOMIN
            || f5 == AMOMAX
            || f5 == AMOMINU
            || f5 == AMOMAXU;
    if ((f3 != 2 && f3 != 3) || !known || (f5 == LR && rs2(i) != 0)) {
      return Decoder.illegal(i);
    }
    return pack(ATOMIC, rd(i), rs1(i), rs2(i), f5 | (f3 == 3 ? DOUBLE : 0));
  }

  static String name(int imm) {
    String w = (imm & DOUBLE) != 0 ? ".d" : ".w";
    switch (imm & 0x1F) {
      case LR:
        return "lr" + w;
      case SC:
        return "sc" + w;
      case AMOSWAP:
        return "amoswap" + w;
      case AMOADD:
        return "amoadd" + w;
      case AMOXOR:
        return "amoxor" + w;
      case AMOAND:
        return "amoand" + w;
      case AMOOR:
        return "amoor" + w;
      case AMOMIN:
        return "amomin" + w;
      case AMOMAX:
        return "amomax" + w;
      case AMOMINU:
        return "amominu" + w;
      default:
        return "amomaxu" + w;
    }
  }

  /**
   * Executes the decoded atomic {@code d} on registers {@code x} (the run loop's register file).
   * Returns false when it trapped (the hart holds the fault; nothing was changed).
   */
  static boolean execute(Hart hart, long[] x, long d) {
    int f5 = Insn.imm(d) & 0x1F;
    int size = (Insn.imm(d) & DOUBLE) != 0 ? 8 : 4;
    long va = x[Insn.rs1(d)];
    long src = x[Insn.rs2(d)];
    Trap.Access access = f5 == LR ? Trap.Access.LOAD : Trap.Access.STORE;
    if ((va & (size - 1)) != 0) {
      return hart.misaligned(access, va);
    }
    switch (f5) {
      case LR:
        return loadReserved(hart, x, d, va, size);
      case SC:
        return storeConditional(hart, x, d, va, size, src);
      default:
        return amo(hart, x, d, f5, va, size, src);
    }
  }

  private static boolean loadReserved(Hart hart, long[] x, long d, long va, int size) {
    int o = hart.translate(va, Trap.Access.LOAD, true);
    if (o < 0) return false;
    long v = hart.readRam(o, size);
    hart.reserve(o, size);
    x[Insn.rd(d)] = size == 4 ? (long) (int) v : v;
    return true;
  }

  private static boolean storeConditional(
      Hart hart, long[] x, long d, long va, int size, long src) {
    int o = hart.translate(va, Trap.Access.STORE, false);
    if (o < 0) return false;
    boolean ok = hart.holdsReservation(o, size);
    hart.clearReservation();
    if (ok) {
      hart.commitWalk();
      hart.writeRam(o, size, src);
    }
    x[Insn.rd(d)] = ok ? 0 : 1;
    return true;
  }

  private static boolean amo(Hart hart, long[] x, long d, int f5, long va, int size, long src) {
    int o = hart.translate(va, Trap.Access.STORE, true);
    if (o < 0) return false;
    long raw = hart.readRam(o, size);
    long old = size == 4 ? (int) raw : raw; // .W: both operands sign-extended from 32 bits
    long operand = size == 4 ? (int) src : src;
    hart.writeRam(o, size, operate(f5, old, operand, size));
    hart.maybeFillStoreTlb(va >>> 12, o & ~0xFFF); // the next AMO on this page (a lock) is fast
    x[Insn.rd(d)] = old;
    return true;
  }

  /**
   * The AMO's new memory value; for .W both operands arrive sign-extended from 32 bits. Also used
   * by the hart's fast path for AMOs that hit the store TLB.
   */
  static long operate(int f5, long old, long src, int size) {
    switch (f5) {
      case AMOSWAP:
        return src;
      case AMOADD:
        return old + src;
      case AMOXOR:
        return old ^ src;
      case AMOAND:
        return old & src;
      case AMOOR:
        return old | src;
      case AMOMIN:
        return Math.min(old, src);
      case AMOMAX:
        return Math.max(old, src);
      case AMOMINU:
        return unsignedLess(old, src, size) ? old : src;
      default: // AMOMAXU
        return unsignedLess(old, src, size) ? src : old;
    }
  }

  private static boolean unsignedLess(long a, long b, int size) {
    if (size == 4) {
      return Integer.compareUnsigned((int) a, (int) b) < 0;
    }
    return Long.compareUnsigned(a, b) < 0;
  }
}
