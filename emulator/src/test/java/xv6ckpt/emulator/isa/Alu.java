package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.*;

import java.util.function.LongBinaryOperator;
import xv6ckpt.emulator.asm.Assembler;

/**
 * Table-driven checks shared by the register-register and register-immediate tests of RV64I and
 * RV64M: an operation is run on the hart for every pair of operands and compared with a reference
 * written in plain Java in the test class; each run also checks the aliasing forms and that x0 as
 * destination stays 0 and as source reads 0.
 */
final class Alu {
  private Alu() {}

  /** Emits {@code op rd, rs1, rs2}. */
  interface RegOp {
    void emit(Assembler a, int rd, int rs1, int rs2);
  }

  /** Emits {@code op rd, rs1, imm}. */
  interface ImmOp {
    void emit(Assembler a, int rd, int rs1, long imm);
  }

  /** An R-type instruction, its reference semantics, and the operands to try it on. */
  record Binary(String name, RegOp op, LongBinaryOperator ref) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** An I-type instruction, its reference semantics, and the immediates to try. */
  record Immediate(String name, ImmOp op, LongBinaryOperator ref, long[] imms) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Interesting 64-bit operands: signs, 32-bit boundaries, shift amounts past 31 and 63. */
  static final long[] VALUES = {
    0,
    1,
    2,
    -1,
    -2,
    31,
    32,
    33,
    63,
    64,
    65,
    0x7fffffffL,
    0x80000000L,
    0xffffffffL,
    0xffffffff80000000L,
    0x100000000L,
    0x80000001L,
    Long.MAX_VALUE,
    Long.MIN_VALUE,
    0x123456789abcdef0L,
    0xfedcba9876543210L
  };

  /**
   * Runs {@code op} on every pair of VALUES, in the forms: rd distinct (a0 = a1 op a2), rd == rs1
   * (a3), rd == rs2 (a4), all three the same register (a5 = a5 op a5), x0 as source (a6 = x0 op
   * a2), and x0 as destination.
   */
  static void checkBinary(Binary b) {
    Assembler a = Rig.asm();
    b.op().emit(a, A0, A1, A2);
    b.op().emit(a, A3, A3, A2);
    b.op().emit(a, A4, A1, A4);
    b.op().emit(a, A5, A5, A5);
    b.op().emit(a, A6, ZERO, A2);
    b.op().emit(a, ZERO, A1, A2);
    a.ebreak();
    Rig r = Rig.of(a);
    for (long x : VALUES) {
      for (long y : VALUES) {
        r.set(A1, x).set(A2, y).set(A3, x).set(A4, y).set(A5, x);
        r.runTo(Rig.BASE + 24);
        String what = b.name() + "(" + Rig.hex(x) + ", " + Rig.hex(y) + ")";
        long expected = b.ref().applyAsLong(x, y);
        assertWithMessage(what).that(r.x(A0)).isEqualTo(expected);
        assertWithMessage(what + " with rd == rs1").that(r.x(A3)).isEqualTo(expected);
        assertWithMessage(what + " with rd == rs2").that(r.x(A4)).isEqualTo(expected);
        assertWithMessage(b.name() + " with rd == rs1 == rs2 = " + Rig.hex(x))
            .that(r.x(A5))
            .isEqualTo(b.ref().applyAsLong(x, x));
        assertWithMessage(b.name() + "(x0, " + Rig.hex(y) + ")")
            .that(r.x(A6))
            .isEqualTo(b.ref().applyAsLong(0, y));
        assertWithMessage(what + " into x0").that(r.x(ZERO)).isEqualTo(0);
        assertWithMessage("rs1 after " + what).that(r.x(A1)).isEqualTo(x);
        assertWithMessage("rs2 after " + what).that(r.x(A2)).isEqualTo(y);
      }
    }
  }

  /** Runs {@code op} for every immediate and every VALUE: rd distinct, rd == rs1, rd == x0. */
  static void checkImmediate(Immediate im) {
    for (long imm : im.imms()) {
      Assembler a = Rig.asm();
      im.op().emit(a, A0, A1, imm);
      im.op().emit(a, A3, A3, imm);
      im.op().emit(a, ZERO, A1, imm);
      a.ebreak();
      Rig r = Rig.of(a);
      for (long x : VALUES) {
        r.set(A1, x).set(A3, x);
        r.runTo(Rig.BASE + 12);
        String what = im.name() + "(" + Rig.hex(x) + ", " + imm + ")";
        long expected = im.ref().applyAsLong(x, imm);
        assertWithMessage(what).that(r.x(A0)).isEqualTo(expected);
        assertWithMessage(what + " with rd == rs1").that(r.x(A3)).isEqualTo(expected);
        assertWithMessage(what + " into x0").that(r.x(ZERO)).isEqualTo(0);
      }
    }
  }
}
