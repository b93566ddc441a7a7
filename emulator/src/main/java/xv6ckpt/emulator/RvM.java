package xv6ckpt.emulator;

import static xv6ckpt.emulator.Insn.funct3;
import static xv6ckpt.emulator.Insn.opcode;
import static xv6ckpt.emulator.Insn.pack;
import static xv6ckpt.emulator.Insn.rd;
import static xv6ckpt.emulator.Insn.rs1;
import static xv6ckpt.emulator.Insn.rs2;

/**
 * The M extension (unprivileged spec, chapter 13): operation numbers, decoder (funct7 = 1 under OP
 * and OP-32, called from {@link RvI}) and the semantics the hart's switch calls. The corner cases
 * are the spec's table "Semantics for division by zero and division overflow": nothing traps; x / 0
 * = -1 (all ones), x % 0 = x, MIN / -1 = MIN, MIN % -1 = 0.
 */
final class RvM {
  private RvM() {}

  static final int MUL = 54, MULH = 55, MULHSU = 56, MULHU = 57;
  static final int DIV = 58, DIVU = 59, REM = 60, REMU = 61;
  static final int MULW = 62, DIVW = 63, DIVUW = 64, REMW = 65, REMUW = 66;

  static final String[] NAMES = {
    "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw", "divuw", "remw",
    "remuw"
  };

  private static final int[] OP_32 = {MULW, 0, 0, 0, DIVW, DIVUW, REMW, REMUW};

  static long decode(int i) {
    if (opcode(i) == RvI.OPC_OP) {
      return pack(MUL + funct3(i), rd(i), rs1(i), rs2(i), 0);
    }
    int op = OP_32[funct3(i)];
    return op == 0 ? Decoder.illegal(i) : pack(op, rd(i), rs1(i), rs2(i), 0);
  }

  /** High 64 bits of the signed x unsigned product: correct the signed product for b's sign. */
  static long mulhsu(long a, long b) {
    return Math.multiplyHigh(a, b) + ((b >> 63) & a);
  }

  /** High 64 bits of the unsigned product (Java 17 has no unsignedMultiplyHigh). */
  static long mulhu(long a, long b) {
    return Math.multiplyHigh(a, b) + ((b >> 63) & a) + ((a >> 63) & b);
  }

  /** Java's long division already gives MIN / -1 = MIN; only the zero divisor needs a case. */
  static long div(long a, long b) {
    return b == 0 ? -1 : a / b;
  }

  static long divu(long a, long b) {
    return b == 0 ? -1 : Long.divideUnsigned(a, b);
  }

  /** MIN % -1 is 0 in Java as in RISC-V. */
  static long rem(long a, long b) {
    return b == 0 ? a : a % b;
  }

  static long remu(long a, long b) {
    return b == 0 ? a : Long.remainderUnsigned(a, b);
  }

  static long divw(long a, long b) {
    return (int) b == 0 ? -1 : (long) ((int) a / (int) b);
  }

  /** The 32-bit all-ones quotient sign-extends to -1. */
  static long divuw(long a, long b) {
    return (int) b == 0 ? -1 : (long) Integer.divideUnsigned((int) a, (int) b);
  }

  static long remw(long a, long b) {
    return (int) b == 0 ? (long) (int) a : (long) ((int) a % (int) b);
  }

  static long remuw(long a, long b) {
    return (int) b == 0 ? (long) (int) a : (long) Integer.remainderUnsigned((int) a, (int) b);
  }
}
