package xv6ckpt.emulator.asm;

import java.util.ArrayList;
import java.util.List;

/**
 * The instruction sequence behind {@code li rd, value} on RV64: a pure function from a 64-bit
 * constant to 1..8 steps, each of which the {@link Assembler} encodes with rd as destination.
 *
 * <p>The first step reads x0 (ADDI) or nothing (LUI); every later step reads rd. Strategy:
 *
 * <ul>
 *   <li>A value that fits 32 signed bits is {@code lui} of its rounded upper 20 bits plus {@code
 *       addiw} of its signed low 12 bits (addiw, not addi, because lui's result for
 *       0x7ffff800..0x7fffffff is the negative 0xffffffff80000000 and only a 32-bit add wraps it
 *       back to the positive value), dropping either half when it is zero.
 *   <li>Otherwise: peel the signed low 12 bits, build the rest shifted right by its trailing zero
 *       count (recursively), then {@code slli} and {@code addi}.
 *   <li>For a positive value, also try building it shifted left by its leading zero count (with
 *       ones or zeros shifted in) followed by {@code srli}, and keep the shorter sequence
 *       (0xffffffff becomes {@code addi -1; srli 32}).
 * </ul>
 */
final class LoadImmediate {
  private LoadImmediate() {}

  enum Kind {
    LUI,
    ADDI,
    ADDIW,
    SLLI,
    SRLI
  }

  /** One instruction of the sequence: {@code kind rd, rs1, imm}. */
  record Step(Kind kind, long imm) {
    int encode(int rd, int rs1) {
      switch (kind) {
        case LUI:
          return Encode.u(Encode.LUI, rd, imm);
        case ADDI:
          return Encode.i(Encode.OP_IMM, rd, 0b000, rs1, imm);
        case ADDIW:
          return Encode.i(Encode.OP_IMM_32, rd, 0b000, rs1, imm);
        case SLLI:
          return Encode.i(Encode.OP_IMM, rd, 0b001, rs1, imm);
        case SRLI:
          return Encode.i(Encode.OP_IMM, rd, 0b101, rs1, imm);
        default:
          throw new IllegalStateException("unknown step " + kind);
      }
    }
  }

  /** The shortest sequence this strategy finds for {@code value}. */
  static List<Step> steps(long value) {
    List<Step> best = build(value);
    if (value > 0 && best.size() > 2) {
      int lz = Long.numberOfLeadingZeros(value);
      best = shorter(best, withSrli(value << lz | ((1L << lz) - 1), lz));
      best = shorter(best, withSrli(value << lz, lz));
    }
    return best;
  }

  private static List<Step> withSrli(long shifted, int lz) {
    List<Step> s = build(shifted);
    s.add(new Step(Kind.SRLI, lz));
    return s;
  }

  private static List<Step> shorter(List<Step> a, List<Step> b) {
    return b.size() < a.size() ? b : a;
  }

  private static List<Step> build(long v) {
    if (v == (int) v) {
      return build32((int) v);
    }
    long lo12 = v << 52 >> 52;
    long upper = v - lo12; // low 12 bits are zero; wraps mod 2^64 consistently with slli
    int shift = Long.numberOfTrailingZeros(upper);
    List<Step> s = build(upper >> shift);
    s.add(new Step(Kind.SLLI, shift));
    if (lo12 != 0) {
      s.add(new Step(Kind.ADDI, lo12));
    }
    return s;
  }

  private static List<Step> build32(int v) {
    List<Step> s = new ArrayList<>();
    long lo12 = (long) v << 52 >> 52;
    long hi20 = (((long) v + 0x800) >> 12) & 0xFFFFF;
    if (hi20 == 0) {
      s.add(new Step(Kind.ADDI, lo12));
      return s;
    }
    s.add(new Step(Kind.LUI, hi20));
    if (lo12 != 0) {
      s.add(new Step(Kind.ADDIW, lo12));
    }
    return s;
  }
}
