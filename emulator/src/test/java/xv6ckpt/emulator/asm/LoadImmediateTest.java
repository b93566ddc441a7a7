package xv6ckpt.emulator.asm;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;

import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code li} checked by running its output on a tiny model of the five instructions it may use
 * (lui, addi, addiw, slli, srli), written here from the ISA manual, independent of the assembler's
 * encoder. Lengths are compared with what GNU as 2.40 emits for the same constant (counted from
 * {@code objdump -d} of {@code li a0, VALUE}): never longer.
 */
class LoadImmediateTest {

  /** Interprets a li sequence for destination a0 and returns a0's final value. */
  static long run(byte[] code) {
    long[] x = new long[32];
    for (int at = 0; at < code.length; at += 4) {
      int w = AssemblerEncodingTest.le32(code, at);
      int opcode = w & 0x7f;
      int rd = (w >>> 7) & 31;
      int funct3 = (w >>> 12) & 7;
      int rs1 = (w >>> 15) & 31;
      long immI = w >> 20;
      long result;
      if (opcode == 0x37) {
        result = (long) (w & 0xfffff000); // lui: sign-extended upper immediate
      } else if (opcode == 0x13 && funct3 == 0) {
        result = x[rs1] + immI;
      } else if (opcode == 0x1b && funct3 == 0) {
        result = (int) (x[rs1] + immI); // addiw: 32-bit sum, sign-extended
      } else if (opcode == 0x13 && funct3 == 1 && (w >>> 26) == 0) {
        result = x[rs1] << (immI & 63);
      } else if (opcode == 0x13 && funct3 == 5 && (w >>> 26) == 0) {
        result = x[rs1] >>> (immI & 63);
      } else {
        throw new AssertionError(
            "li emitted an unexpected instruction 0x" + Integer.toHexString(w));
      }
      if (rd != 0) {
        x[rd] = result;
      }
    }
    return x[A0];
  }

  static byte[] li(long value) {
    return new Assembler(0).li(A0, value).assemble();
  }

  static LongStream edgeValues() {
    LongStream.Builder b = LongStream.builder();
    for (int bit = 0; bit < 64; bit++) {
      long p = 1L << bit;
      b.add(p).add(p - 1).add(p + 1).add(-p).add(-p - 1).add(~p);
    }
    long[] special = {
      0,
      0x7ff,
      0x800,
      -0x800,
      -0x801,
      0x7ffff7ff,
      0x7ffff800,
      0x7fffffffL,
      0x80000000L,
      0xffffffffL,
      0xffffffff80000000L,
      Long.MAX_VALUE,
      Long.MIN_VALUE,
      0x123456789abcdef0L,
      0xdeadbeefcafebabeL,
      0x00ff00ff00ff00ffL,
      0x5555555555555555L,
      0x8000000080000000L,
      0x0000ffff00000000L,
      0x1000000000000001L
    };
    for (long v : special) {
      b.add(v);
    }
    return b.build();
  }

  @ParameterizedTest
  @MethodSource("edgeValues")
  void edgeValueLoadsExactly(long value) {
    assertThat(run(li(value))).isEqualTo(value);
  }

  @Test
  void randomValuesOfEveryWidthLoadExactly() {
    SplittableRandom rnd = new SplittableRandom(20240601L);
    for (int k = 0; k < 20_000; k++) {
      int width = 1 + rnd.nextInt(64);
      long v = rnd.nextLong() >> (64 - width); // sign-extended width-bit value
      if (rnd.nextBoolean()) {
        v = v << rnd.nextInt(64 - width + 1); // and some with trailing zeros
      }
      byte[] code = li(v);
      assertThat(run(code)).isEqualTo(v);
      assertThat(code.length).isAtMost(8 * 4);
    }
  }

  @Test
  void smallConstantsTakeOneOrTwoInstructions() {
    assertThat(li(0)).hasLength(4);
    assertThat(li(-2048)).hasLength(4);
    assertThat(li(2047)).hasLength(4);
    assertThat(li(0x12345000)).hasLength(4);
    assertThat(li(Integer.MIN_VALUE)).hasLength(4);
    assertThat(li(0x7ffff800)).hasLength(8);
    assertThat(li(Integer.MAX_VALUE)).hasLength(8);
    assertThat(li(1L << 32)).hasLength(8);
  }

  @Test
  void neverLongerThanGnuAs() {
    // value, instructions GNU as 2.40 emits for "li a0, value" (rv64ima, norvc)
    long[][] gnu = {
      {0xffffffffL, 3}, {0x7fffffffffffffffL, 3}, {0xfffffffeL, 3},
      {0x123456789abcdef0L, 8}, {0x8000000000000000L, 2}, {0xdeadbeefcafebabeL, 8},
      {0x0000ffff00000000L, 3}, {0x1000000000000001L, 3}, {0x00ff00ff00ff00ffL, 6},
      {0xffff0000ffff0000L, 5}, {0x8000000080000000L, 4}, {0x5555555555555555L, 8},
      {0x100000000L, 2}, {0x80000000L, 2}, {0x800, 2}
    };
    for (long[] row : gnu) {
      assertThat(li(row[0]).length / 4).isAtMost((int) row[1]);
    }
  }

  @Test
  void writesOnlyTheDestination() {
    byte[] code = new Assembler(0).li(T3, 0xdeadbeefcafebabeL).assemble();
    for (int at = 0; at < code.length; at += 4) {
      int w = AssemblerEncodingTest.le32(code, at);
      assertThat((w >>> 7) & 31).isEqualTo(T3);
      int rs1 = (w >>> 15) & 31;
      if ((w & 0x7f) != 0x37) {
        assertThat(rs1).isEqualTo(at == 0 ? ZERO : T3);
      }
    }
  }
}
