package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.isa.Rig.BASE;

import java.math.BigInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import xv6ckpt.emulator.asm.Assembler;

/**
 * RV64M on the hart (the ground of riscv-tests rv64um). References: products through BigInteger
 * (obviously right, if slow); quotients through Java's truncating division, with the two cases
 * where RISC-V defines what Java does not (or differently) spelled out as the spec's table
 * "Semantics for division by zero and division overflow" says.
 */
class RV64MTest {

  private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

  private static BigInteger unsigned(long v) {
    BigInteger b = BigInteger.valueOf(v);
    return v < 0 ? b.add(TWO_64) : b;
  }

  /** Bits 127..64 of a 128-bit product. */
  private static long high(BigInteger product) {
    return product.shiftRight(64).longValue();
  }

  // Division by zero: quotient all ones, remainder the dividend. Overflow (most negative / -1):
  // quotient the dividend, remainder 0. Java's long and int division agree on overflow.
  static long div(long a, long b) {
    return b == 0 ? -1 : a / b;
  }

  static long divu(long a, long b) {
    return b == 0 ? -1 : Long.divideUnsigned(a, b);
  }

  static long rem(long a, long b) {
    return b == 0 ? a : a % b;
  }

  static long remu(long a, long b) {
    return b == 0 ? a : Long.remainderUnsigned(a, b);
  }

  // W forms: 32-bit operands (the low halves), 32-bit result sign-extended to 64 bits, also for
  // the unsigned divu/remu (so divuw by zero is 0xffffffff sign-extended: -1).
  static long divw(long a, long b) {
    int x = (int) a, y = (int) b;
    return y == 0 ? -1 : (long) (x / y);
  }

  static long divuw(long a, long b) {
    int x = (int) a, y = (int) b;
    return y == 0 ? -1 : (long) Integer.divideUnsigned(x, y);
  }

  static long remw(long a, long b) {
    int x = (int) a, y = (int) b;
    return y == 0 ? (long) x : (long) (x % y);
  }

  static long remuw(long a, long b) {
    int x = (int) a, y = (int) b;
    return y == 0 ? (long) x : (long) Integer.remainderUnsigned(x, y);
  }

  static Stream<Alu.Binary> ops() {
    return Stream.of(
        new Alu.Binary("mul", Assembler::mul, (a, b) -> a * b),
        new Alu.Binary(
            "mulh",
            Assembler::mulh,
            (a, b) -> high(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)))),
        new Alu.Binary(
            "mulhsu",
            Assembler::mulhsu,
            (a, b) -> high(BigInteger.valueOf(a).multiply(unsigned(b)))),
        new Alu.Binary(
            "mulhu", Assembler::mulhu, (a, b) -> high(unsigned(a).multiply(unsigned(b)))),
        new Alu.Binary("div", Assembler::div, RV64MTest::div),
        new Alu.Binary("divu", Assembler::divu, RV64MTest::divu),
        new Alu.Binary("rem", Assembler::rem, RV64MTest::rem),
        new Alu.Binary("remu", Assembler::remu, RV64MTest::remu),
        new Alu.Binary("mulw", Assembler::mulw, (a, b) -> (long) ((int) a * (int) b)),
        new Alu.Binary("divw", Assembler::divw, RV64MTest::divw),
        new Alu.Binary("divuw", Assembler::divuw, RV64MTest::divuw),
        new Alu.Binary("remw", Assembler::remw, RV64MTest::remw),
        new Alu.Binary("remuw", Assembler::remuw, RV64MTest::remuw));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ops")
  void everyOperandPair(Alu.Binary op) {
    Alu.checkBinary(op);
  }

  interface Op {
    void emit(Assembler a, int rd, int rs1, int rs2);
  }

  /**
   * Corner values worked out by hand from the spec (not from the references above): name, op, rs1,
   * rs2, expected rd.
   */
  static Stream<Arguments> corners() {
    long min = Long.MIN_VALUE, max = Long.MAX_VALUE;
    return Stream.of(
        // (-2^63)^2 = 2^126: high half 2^62.
        corner("mulh", Assembler::mulh, min, min, 0x4000_0000_0000_0000L),
        // (2^63-1)^2 = 2^126 - 2^64 + 1: high half 2^62 - 1.
        corner("mulh", Assembler::mulh, max, max, 0x3fff_ffff_ffff_ffffL),
        // -2^63 * -1 = 2^63 fits the low half: high half 0.
        corner("mulh", Assembler::mulh, min, -1, 0),
        // -1 * -1 = 1.
        corner("mulh", Assembler::mulh, -1, -1, 0),
        // (2^64-1)^2 = 2^128 - 2^65 + 1: high half 2^64 - 2.
        corner("mulhu", Assembler::mulhu, -1, -1, 0xffff_ffff_ffff_fffeL),
        // -1 (signed) * (2^64-1) (unsigned) = -2^64 + 1: high half -1.
        corner("mulhsu", Assembler::mulhsu, -1, -1, -1),
        // -2^63 * (2^64-1) = -2^127 + 2^63: high half -2^63.
        corner("mulhsu", Assembler::mulhsu, min, -1, min),
        // 1 * (2^64-1): high half 0.
        corner("mulhsu", Assembler::mulhsu, 1, -1, 0),
        corner("mul", Assembler::mul, min, -1, min),
        corner("mulw", Assembler::mulw, 0x7fff_ffffL, 2, -2),
        // Only the low 32 bits of each operand count: 3 * 5.
        corner("mulw", Assembler::mulw, 0x1_0000_0003L, 0x2_0000_0005L, 15),
        corner("div", Assembler::div, 7, 0, -1),
        corner("div", Assembler::div, min, -1, min),
        corner("div", Assembler::div, -7, 2, -3),
        corner("divu", Assembler::divu, 7, 0, 0xffff_ffff_ffff_ffffL),
        corner("divu", Assembler::divu, -1, 2, max),
        corner("rem", Assembler::rem, 7, 0, 7),
        corner("rem", Assembler::rem, min, -1, 0),
        corner("rem", Assembler::rem, -7, 2, -1),
        corner("remu", Assembler::remu, -7, 0, -7),
        corner("remu", Assembler::remu, -1, 10, 5), // 2^64 - 1 = 18446744073709551615
        corner("divw", Assembler::divw, 0x1234_0000_0007L, 0, -1),
        corner("divw", Assembler::divw, 0x8000_0000L, -1, 0xffff_ffff_8000_0000L),
        corner("divuw", Assembler::divuw, 7, 0x5_0000_0000L, -1), // divisor's low half is 0
        corner("divuw", Assembler::divuw, 0xffff_ffffL, 1, -1),
        corner("divuw", Assembler::divuw, 0xffff_fffeL, 2, 0x7fff_ffffL),
        corner("remw", Assembler::remw, 0x1_8000_0001L, 0, 0xffff_ffff_8000_0001L),
        corner("remw", Assembler::remw, 0x8000_0000L, -1, 0),
        corner("remuw", Assembler::remuw, 0x1_8000_0001L, 0, 0xffff_ffff_8000_0001L),
        corner("remuw", Assembler::remuw, 0xffff_ffffL, 0x10, 0xf));
  }

  static Arguments corner(String name, Op op, long a, long b, long expected) {
    return Arguments.of(name + "(" + Rig.hex(a) + ", " + Rig.hex(b) + ")", op, a, b, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corners")
  void cornerValuesFromTheSpec(String what, Op op, long a, long b, long expected) {
    Assembler as = Rig.asm();
    op.emit(as, A0, A1, A2);
    as.ebreak();
    Rig r = Rig.of(as).set(A1, a).set(A2, b);
    r.runTo(BASE + 4);
    assertWithMessage(what).that(r.x(A0)).isEqualTo(expected);
  }

  @Test
  void divisionByZeroDoesNotTrap() {
    Rig r =
        Rig.of(
            Rig.asm()
                .div(A0, A1, ZERO)
                .divu(A2, A1, ZERO)
                .rem(A3, A1, ZERO)
                .remu(A4, A1, ZERO)
                .divw(A5, A1, ZERO)
                .divuw(A6, A1, ZERO)
                .remw(A7, A1, ZERO)
                .remuw(S2, A1, ZERO)
                .ebreak());
    r.set(A1, 0x1_2345_6789L);
    r.runTo(BASE + 32);
    assertWithMessage("div").that(r.x(A0)).isEqualTo(-1);
    assertWithMessage("divu").that(r.x(A2)).isEqualTo(-1);
    assertWithMessage("rem").that(r.x(A3)).isEqualTo(0x1_2345_6789L);
    assertWithMessage("remu").that(r.x(A4)).isEqualTo(0x1_2345_6789L);
    assertWithMessage("divw").that(r.x(A5)).isEqualTo(-1);
    assertWithMessage("divuw").that(r.x(A6)).isEqualTo(-1);
    assertWithMessage("remw").that(r.x(A7)).isEqualTo(0x2345_6789L);
    assertWithMessage("remuw").that(r.x(S2)).isEqualTo(0x2345_6789L);
  }
}
