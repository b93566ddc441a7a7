package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.isa.Rig.BASE;
import static xv6ckpt.emulator.isa.Rig.DATA;

import java.util.function.LongBinaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Ordering;

/**
 * RV64A on the hart (the ground of riscv-tests rv64ua): LR/SC success and every failure path, every
 * AMO in its .W and .D forms with all orderings, sign extension of .W results, signed versus
 * unsigned min/max, aliasing, and misaligned atomics trapping precisely.
 *
 * <p>SC failure writes 1 to rd: the spec reserves every other nonzero code.
 */
class RV64ATest {

  // ---------------------------------------------------------------------------------------
  // LR / SC
  // ---------------------------------------------------------------------------------------

  @Test
  void lrThenScSucceeds() {
    Rig r = Rig.of(Rig.asm().lrW(A0, A1).scW(A2, A3, A1).lrD(A4, A5).scD(A6, A3, A5).ebreak());
    r.poke64(DATA, 0x1111_1111_8000_0002L);
    r.poke64(DATA + 8, 0x7777_6666_5555_4444L);
    r.set(A1, DATA).set(A5, DATA + 8).set(A3, 0xaaaa_bbbb_cccc_ddddL);
    r.runTo(BASE + 16);
    assertThat(r.x(A0)).isEqualTo(0xffff_ffff_8000_0002L); // lr.w sign-extends
    assertThat(r.x(A2)).isEqualTo(0);
    assertThat(r.peek64(DATA)).isEqualTo(0x1111_1111_cccc_ddddL); // sc.w writes 4 bytes
    assertThat(r.x(A4)).isEqualTo(0x7777_6666_5555_4444L);
    assertThat(r.x(A6)).isEqualTo(0);
    assertThat(r.peek64(DATA + 8)).isEqualTo(0xaaaa_bbbb_cccc_ddddL);
  }

  @Test
  void scWithoutLrFails() {
    Rig r = Rig.of(Rig.asm().scW(A2, A3, A1).scD(A4, A3, A1).ebreak());
    r.poke64(DATA, 5);
    r.set(A1, DATA).set(A3, 9);
    r.runTo(BASE + 8);
    assertThat(r.x(A2)).isEqualTo(1);
    assertThat(r.x(A4)).isEqualTo(1);
    assertThat(r.peek64(DATA)).isEqualTo(5);
  }

  @Test
  void scToAnotherAddressFailsAndDropsTheReservation() {
    // Spec: an SC, successful or not, invalidates the hart's reservation.
    Rig r = Rig.of(Rig.asm().lrD(A0, A1).scD(A2, A3, A4).scD(A5, A3, A1).ebreak());
    r.poke64(DATA, 5);
    r.poke64(DATA + 0x1000, 6);
    r.set(A1, DATA).set(A4, DATA + 0x1000).set(A3, 9);
    r.runTo(BASE + 12);
    assertThat(r.x(A2)).isEqualTo(1);
    assertThat(r.peek64(DATA + 0x1000)).isEqualTo(6);
    assertThat(r.x(A5)).isEqualTo(1);
    assertThat(r.peek64(DATA)).isEqualTo(5);
  }

  @Test
  void storeBetweenLrAndScMakesScFail() {
    Rig r = Rig.of(Rig.asm().lrW(A0, A1).sw(A4, 0, A1).scW(A2, A3, A1).ebreak());
    r.poke64(DATA, 5);
    r.set(A1, DATA).set(A3, 9).set(A4, 7);
    r.runTo(BASE + 12);
    assertThat(r.x(A2)).isEqualTo(1);
    assertThat(r.peek64(DATA)).isEqualTo(7);
  }

  @Test
  void storeToTheReservationAfterAnAmoOnItsPageMakesScFail() {
    // The AMO may leave a store-TLB entry for its page; the reserved page must not get one, or
    // the store would skip the reservation check.
    Rig r =
        Rig.of(
            Rig.asm()
                .lrD(A0, A1)
                .amoaddD(A2, A3, A4)
                .amoaddD(A2, A3, A4)
                .sd(A5, 0, A1)
                .scD(A6, A3, A1)
                .ebreak());
    r.set(A1, DATA).set(A3, 1).set(A4, DATA + 64).set(A5, 7);
    r.runTo(BASE + 20);
    assertThat(r.x(A6)).isEqualTo(1);
    assertThat(r.peek64(DATA)).isEqualTo(7);
    assertThat(r.peek64(DATA + 64)).isEqualTo(2);
  }

  @Test
  void secondScAfterASuccessFails() {
    Rig r = Rig.of(Rig.asm().lrW(A0, A1).scW(A2, A3, A1).scW(A4, A5, A1).ebreak());
    r.set(A1, DATA).set(A3, 9).set(A5, 11);
    r.runTo(BASE + 12);
    assertThat(r.x(A2)).isEqualTo(0);
    assertThat(r.x(A4)).isEqualTo(1);
    assertThat(r.peek64(DATA)).isEqualTo(9);
  }

  @Test
  void lrScLoopIncrements() {
    // The usual retry loop (as in a spinlock's test-and-set) must converge on one hart.
    Assembler a = Rig.asm();
    a.label("retry")
        .lrD(A0, A1, Ordering.AQ)
        .addi(A0, A0, 1)
        .scD(A2, A0, A1, Ordering.RL)
        .bnez(A2, "retry")
        .ebreak();
    Rig r = Rig.of(a);
    r.poke64(DATA, 41);
    r.set(A1, DATA);
    r.runTo(BASE + 16);
    assertThat(r.peek64(DATA)).isEqualTo(42);
  }

  @Test
  void lrAndScIntoX0() {
    Rig r = Rig.of(Rig.asm().lrW(ZERO, A1).scW(ZERO, A3, A1).lwu(A0, 0, A1).ebreak());
    r.set(A1, DATA).set(A3, 9);
    r.runTo(BASE + 12);
    assertThat(r.x(ZERO)).isEqualTo(0);
    assertThat(r.x(A0)).isEqualTo(9); // the sc still succeeded and stored
  }

  @Test
  void scWithRdEqualRs2StoresTheOldValue() {
    Rig r = Rig.of(Rig.asm().lrD(A0, A1).scD(A3, A3, A1).ebreak());
    r.set(A1, DATA).set(A3, 0x1234);
    r.runTo(BASE + 8);
    assertThat(r.peek64(DATA)).isEqualTo(0x1234);
    assertThat(r.x(A3)).isEqualTo(0);
  }

  // ---------------------------------------------------------------------------------------
  // AMOs
  // ---------------------------------------------------------------------------------------

  interface Amo {
    void emit(Assembler a, int rd, int rs2, int rs1, Ordering ord);
  }

  /** name, .W emitter, .D emitter, reference f(memory, rs2) on 64 bits, on 32 bits. */
  static Stream<Arguments> amos() {
    return Stream.of(
        amo("amoswap", Assembler::amoswapW, Assembler::amoswapD, (m, v) -> v, (m, v) -> v),
        amo(
            "amoadd",
            Assembler::amoaddW,
            Assembler::amoaddD,
            Long::sum,
            (m, v) -> (int) m + (int) v),
        amo("amoxor", Assembler::amoxorW, Assembler::amoxorD, (m, v) -> m ^ v, (m, v) -> m ^ v),
        amo("amoand", Assembler::amoandW, Assembler::amoandD, (m, v) -> m & v, (m, v) -> m & v),
        amo("amoor", Assembler::amoorW, Assembler::amoorD, (m, v) -> m | v, (m, v) -> m | v),
        amo(
            "amomin",
            Assembler::amominW,
            Assembler::amominD,
            Math::min,
            (m, v) -> Math.min((int) m, (int) v)),
        amo(
            "amomax",
            Assembler::amomaxW,
            Assembler::amomaxD,
            Math::max,
            (m, v) -> Math.max((int) m, (int) v)),
        amo(
            "amominu",
            Assembler::amominuW,
            Assembler::amominuD,
            (m, v) -> Long.compareUnsigned(m, v) <= 0 ? m : v,
            (m, v) -> Integer.compareUnsigned((int) m, (int) v) <= 0 ? m : v),
        amo(
            "amomaxu",
            Assembler::amomaxuW,
            Assembler::amomaxuD,
            (m, v) -> Long.compareUnsigned(m, v) >= 0 ? m : v,
            (m, v) -> Integer.compareUnsigned((int) m, (int) v) >= 0 ? m : v));
  }

  static Arguments amo(
      String name, Amo w, Amo d, LongBinaryOperator ref64, LongBinaryOperator ref32) {
    return Arguments.of(name, w, d, ref64, ref32);
  }

  /** Memory values and rs2 values: signs, 32-bit halves that disagree in sign, extremes. */
  private static final long[] AMO_VALUES = {
    0,
    1,
    -1,
    5,
    0x7fff_ffffL,
    0x8000_0000L,
    0xffff_ffffL,
    0x1_0000_0000L,
    0x8000_0000_0000_0000L,
    0x7fff_ffff_ffff_ffffL,
    0xdead_beef_0000_0005L,
    0x0000_0001_ffff_fffbL
  };

  private static final Ordering[] ORDERINGS = Ordering.values();

  @ParameterizedTest(name = "{0}.d")
  @MethodSource("amos")
  void amoDouble(String name, Amo w, Amo d, LongBinaryOperator ref64, LongBinaryOperator ref32) {
    for (Ordering ord : ORDERINGS) {
      Assembler a = Rig.asm();
      d.emit(a, A0, A2, A1, ord);
      a.ebreak();
      Rig r = Rig.of(a);
      for (long m : AMO_VALUES) {
        for (long v : AMO_VALUES) {
          r.poke64(DATA, m);
          r.poke64(DATA + 8, 0x0123_4567_89ab_cdefL);
          r.set(A1, DATA).set(A2, v);
          r.runTo(BASE + 4);
          String what = name + ".d" + ord.suffix() + " mem " + Rig.hex(m) + " rs2 " + Rig.hex(v);
          assertWithMessage(what + ": rd").that(r.x(A0)).isEqualTo(m);
          assertWithMessage(what + ": memory")
              .that(r.peek64(DATA))
              .isEqualTo(ref64.applyAsLong(m, v));
          assertWithMessage(what + ": next dword")
              .that(r.peek64(DATA + 8))
              .isEqualTo(0x0123_4567_89ab_cdefL);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}.w")
  @MethodSource("amos")
  void amoWord(String name, Amo w, Amo d, LongBinaryOperator ref64, LongBinaryOperator ref32) {
    for (Ordering ord : ORDERINGS) {
      Assembler a = Rig.asm();
      w.emit(a, A0, A2, A1, ord);
      a.ebreak();
      Rig r = Rig.of(a);
      for (long m : AMO_VALUES) {
        for (long v : AMO_VALUES) {
          // The word under test is the upper half of a dword whose lower half must survive.
          long before = (m << 32) | 0x89ab_cdefL;
          r.poke64(DATA, before);
          r.set(A1, DATA + 4).set(A2, v);
          r.runTo(BASE + 4);
          String what =
              name
                  + ".w"
                  + ord.suffix()
                  + " mem "
                  + Rig.hex(m & 0xffff_ffffL)
                  + " rs2 "
                  + Rig.hex(v);
          assertWithMessage(what + ": rd is the old word, sign-extended")
              .that(r.x(A0))
              .isEqualTo((long) (int) m);
          long stored = ref32.applyAsLong(m, v) & 0xffff_ffffL;
          assertWithMessage(what + ": memory")
              .that(r.peek64(DATA))
              .isEqualTo(stored << 32 | 0x89ab_cdefL);
        }
      }
    }
  }

  /**
   * An AMO after a store to its page in the same run: the store fills the store TLB, and the AMO is
   * then performed by the interpreter's fast path, not the slow path (as xv6's spinlocks run).
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("amos")
  void amoAfterAStoreToItsPage(
      String name, Amo w, Amo d, LongBinaryOperator ref64, LongBinaryOperator ref32) {
    Assembler a = Rig.asm().sd(ZERO, 0, A5);
    d.emit(a, A0, A2, A1, Ordering.NONE);
    w.emit(a, A3, A2, A4, Ordering.NONE);
    d.emit(a, A2, A2, A1, Ordering.NONE); // rd == rs2: rd gets the old value
    a.ebreak();
    Rig r = Rig.of(a);
    for (long m : AMO_VALUES) {
      for (long v : AMO_VALUES) {
        r.poke64(DATA, m);
        r.poke64(DATA + 8, (m << 32) | 0x89ab_cdefL); // .W on the upper half
        r.set(A1, DATA).set(A2, v).set(A4, DATA + 12).set(A5, DATA + 24);
        r.runTo(BASE + 16);
        String what = name + " mem " + Rig.hex(m) + " rs2 " + Rig.hex(v);
        long once = ref64.applyAsLong(m, v);
        assertWithMessage(what + ": .d rd").that(r.x(A0)).isEqualTo(m);
        assertWithMessage(what + ": .w rd").that(r.x(A3)).isEqualTo((long) (int) m);
        assertWithMessage(what + ": second .d rd").that(r.x(A2)).isEqualTo(once);
        assertWithMessage(what + ": .d memory")
            .that(r.peek64(DATA))
            .isEqualTo(ref64.applyAsLong(once, v));
        long word = ref32.applyAsLong(m, v) & 0xffff_ffffL;
        assertWithMessage(what + ": .w memory")
            .that(r.peek64(DATA + 8))
            .isEqualTo(word << 32 | 0x89ab_cdefL);
      }
    }
  }

  @ParameterizedTest(name = "{0}.d")
  @MethodSource("amos")
  void amoAliasing(String name, Amo w, Amo d, LongBinaryOperator ref64, LongBinaryOperator ref32) {
    // rd == rs2: the old value lands in the register that supplied the operand.
    // rd == rs1: the address is read before rd is written.
    // rd == x0: memory is still updated.
    Assembler a = Rig.asm();
    d.emit(a, A2, A2, A1, Ordering.NONE);
    d.emit(a, A3, A4, A3, Ordering.NONE);
    d.emit(a, ZERO, A4, A5, Ordering.NONE);
    a.ebreak();
    Rig r = Rig.of(a);
    long m = 0x8000_0000_0000_0003L, v = 7;
    r.poke64(DATA, m);
    r.poke64(DATA + 8, m);
    r.poke64(DATA + 16, m);
    r.set(A1, DATA).set(A2, v).set(A3, DATA + 8).set(A4, v).set(A5, DATA + 16);
    r.runTo(BASE + 12);
    long expected = ref64.applyAsLong(m, v);
    assertThat(r.x(A2)).isEqualTo(m);
    assertThat(r.peek64(DATA)).isEqualTo(expected);
    assertThat(r.x(A3)).isEqualTo(m);
    assertThat(r.peek64(DATA + 8)).isEqualTo(expected);
    assertThat(r.x(ZERO)).isEqualTo(0);
    assertThat(r.peek64(DATA + 16)).isEqualTo(expected);
  }

  @Test
  void minAndMaxCompareSignedOrUnsignedAsNamed() {
    // mem = -1, rs2 = 1: signed min keeps -1, unsigned min takes 1 (and the reverse for max).
    Rig r =
        Rig.of(
            Rig.asm()
                .amominD(ZERO, A2, A1)
                .ld(A3, 0, A1)
                .sd(A4, 0, A1)
                .amominuD(ZERO, A2, A1)
                .ld(A5, 0, A1)
                .sd(A4, 0, A1)
                .amomaxD(ZERO, A2, A1)
                .ld(A6, 0, A1)
                .sd(A4, 0, A1)
                .amomaxuD(ZERO, A2, A1)
                .ld(A7, 0, A1)
                .ebreak());
    r.set(A1, DATA).set(A2, 1).set(A4, -1);
    r.poke64(DATA, -1);
    r.runTo(BASE + 44);
    assertThat(r.x(A3)).isEqualTo(-1);
    assertThat(r.x(A5)).isEqualTo(1);
    assertThat(r.x(A6)).isEqualTo(1);
    assertThat(r.x(A7)).isEqualTo(-1);
  }

  // ---------------------------------------------------------------------------------------
  // Misaligned atomics trap, precisely
  // ---------------------------------------------------------------------------------------

  interface Atomic {
    void emit(Assembler a);
  }

  /** name, emitter using rd a0, rs2 a2, rs1 a1; access kind; alignment offset to try. */
  static Stream<Arguments> misaligned() {
    return Stream.of(
        Arguments.of("lr.w", (Atomic) a -> a.lrW(A0, A1), Trap.Access.LOAD, 2),
        Arguments.of("lr.d", (Atomic) a -> a.lrD(A0, A1), Trap.Access.LOAD, 4),
        Arguments.of("sc.w", (Atomic) a -> a.scW(A0, A2, A1), Trap.Access.STORE, 1),
        Arguments.of("sc.d", (Atomic) a -> a.scD(A0, A2, A1), Trap.Access.STORE, 4),
        Arguments.of("amoswap.w", (Atomic) a -> a.amoswapW(A0, A2, A1), Trap.Access.STORE, 2),
        Arguments.of("amoadd.w", (Atomic) a -> a.amoaddW(A0, A2, A1), Trap.Access.STORE, 3),
        Arguments.of("amoadd.d", (Atomic) a -> a.amoaddD(A0, A2, A1), Trap.Access.STORE, 4),
        Arguments.of("amoxor.d", (Atomic) a -> a.amoxorD(A0, A2, A1), Trap.Access.STORE, 2),
        Arguments.of("amoand.d", (Atomic) a -> a.amoandD(A0, A2, A1), Trap.Access.STORE, 1),
        Arguments.of("amoor.w", (Atomic) a -> a.amoorW(A0, A2, A1), Trap.Access.STORE, 1),
        Arguments.of("amomin.w", (Atomic) a -> a.amominW(A0, A2, A1), Trap.Access.STORE, 2),
        Arguments.of("amomax.d", (Atomic) a -> a.amomaxD(A0, A2, A1), Trap.Access.STORE, 6),
        Arguments.of("amominu.d", (Atomic) a -> a.amominuD(A0, A2, A1), Trap.Access.STORE, 7),
        Arguments.of("amomaxu.w", (Atomic) a -> a.amomaxuW(A0, A2, A1), Trap.Access.STORE, 2));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("misaligned")
  void misalignedAtomicTrapsAndChangesNothing(
      String name, Atomic atomic, Trap.Access access, int offset) {
    Assembler a = Rig.asm().addi(A3, ZERO, 1);
    atomic.emit(a);
    a.ebreak();
    Rig r = Rig.of(a);
    r.poke64(DATA, 0x1122_3344_5566_7788L);
    r.poke64(DATA + 8, 0x99aa_bbcc_ddee_ff00L);
    long addr = DATA + offset;
    r.set(A0, 0xabc).set(A1, addr).set(A2, 0x5555);
    Trap t = r.run();
    assertThat(t).isEqualTo(new Trap.Misaligned(BASE + 4, access, addr));
    assertThat(t.cause()).isEqualTo(access == Trap.Access.LOAD ? 4 : 6);
    assertThat(t.tval()).isEqualTo(addr);
    assertThat(r.hart.pc()).isEqualTo(BASE + 4);
    assertThat(r.x(A0)).isEqualTo(0xabc);
    assertThat(r.x(A3)).isEqualTo(1);
    assertThat(r.peek64(DATA)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(r.peek64(DATA + 8)).isEqualTo(0x99aa_bbcc_ddee_ff00L);
  }

  @Test
  void alignedWordAtomicAtAnOddWordIsFine() {
    Rig r = Rig.of(Rig.asm().amoaddW(A0, A2, A1).ebreak());
    r.poke64(DATA, 0);
    r.set(A1, DATA + 4).set(A2, 3);
    r.runTo(BASE + 4);
    assertThat(r.peek64(DATA)).isEqualTo(3L << 32);
  }
}
