package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.isa.Rig.BASE;
import static xv6ckpt.emulator.isa.Rig.DATA;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.asm.Assembler;

/**
 * RV64C on the hart (the ground of riscv-tests rv64uc): each compressed instruction does what its
 * base expansion does and advances pc by 2; forms that share an opcode are told apart (C.LUI /
 * C.ADDI16SP, C.JR / C.MV / C.EBREAK / C.JALR / C.ADD, C.ADDIW, which is C.JAL on RV32); HINT
 * encodings execute as no-ops. Reserved encodings are in {@link IllegalEncodingTest}.
 */
class RV64CTest {

  private static final long SP0 = DATA + 0x800;

  /** Runs {@code a} (which must end with an ebreak at {@code end}) from a rig with sp = SP0. */
  private static Rig run(Assembler a, long end, long... regPairs) {
    Rig r = Rig.of(a).set(SP, SP0);
    for (int k = 0; k < regPairs.length; k += 2) {
      r.set((int) regPairs[k], regPairs[k + 1]);
    }
    r.runTo(end);
    return r;
  }

  @Test
  void stackPointerForms() {
    Rig r = run(Rig.asm().cAddi4spn(A0, 1020).cAddi4spn(S1, 4).cAddi16sp(-512).ebreak(), BASE + 6);
    assertThat(r.x(A0)).isEqualTo(SP0 + 1020);
    assertThat(r.x(S1)).isEqualTo(SP0 + 4);
    assertThat(r.x(SP)).isEqualTo(SP0 - 512);
    r = run(Rig.asm().cAddi16sp(496).cAddi16sp(16).ebreak(), BASE + 4);
    assertThat(r.x(SP)).isEqualTo(SP0 + 512);
  }

  @Test
  void luiAndAddi16spShareAnOpcodeButNotAMeaning() {
    // Both are quadrant 1, funct3 011: rd = sp selects c.addi16sp, any other rd c.lui.
    Rig r =
        run(
            Rig.asm().cLui(A0, 1).cLui(A1, -1).cLui(A2, 31).cLui(A3, -32).cAddi16sp(32).ebreak(),
            BASE + 10);
    assertThat(r.x(A0)).isEqualTo(0x1000);
    assertThat(r.x(A1)).isEqualTo(0xffff_ffff_ffff_f000L);
    assertThat(r.x(A2)).isEqualTo(0x1f000);
    assertThat(r.x(A3)).isEqualTo(0xffff_ffff_fffe_0000L);
    assertThat(r.x(SP)).isEqualTo(SP0 + 32);
  }

  @Test
  void immediateForms() {
    Rig r =
        run(
            Rig.asm()
                .cLi(A0, -32)
                .cLi(A1, 31)
                .cAddi(A2, -1)
                .cAddi(A3, 31)
                .cAddiw(A4, 1) // 0x7fffffff + 1 = 0x80000000, sign-extended
                .cAddiw(A5, 0) // sext.w
                .cAndi(S0, -16)
                .cAndi(S1, 0)
                .ebreak(),
            BASE + 16,
            A2,
            0,
            A3,
            0x7fff_ffff_ffff_ffe0L,
            A4,
            0x7fff_ffffL,
            A5,
            0x1_8000_0000L,
            S0,
            0x1234_5677L,
            S1,
            -1);
    assertThat(r.x(A0)).isEqualTo(-32);
    assertThat(r.x(A1)).isEqualTo(31);
    assertThat(r.x(A2)).isEqualTo(-1);
    assertThat(r.x(A3)).isEqualTo(0x7fff_ffff_ffff_ffffL);
    assertThat(r.x(A4)).isEqualTo(0xffff_ffff_8000_0000L);
    assertThat(r.x(A5)).isEqualTo(0xffff_ffff_8000_0000L);
    assertThat(r.x(S0)).isEqualTo(0x1234_5670L);
    assertThat(r.x(S1)).isEqualTo(0);
  }

  @Test
  void addiwIsNotJalOnRv64() {
    // On RV32 this encoding (quadrant 1, funct3 001) is c.jal; on RV64 it must not link or jump.
    Rig r = run(Rig.asm().cAddiw(A0, 1).ebreak(), BASE + 2, A0, 41, RA, 0x77);
    assertThat(r.x(A0)).isEqualTo(42);
    assertThat(r.x(RA)).isEqualTo(0x77);
  }

  @Test
  void shifts() {
    Rig r =
        run(
            Rig.asm()
                .cSlli(A0, 63)
                .cSlli(T6, 32)
                .cSrli(A1, 63)
                .cSrli(A2, 1)
                .cSrai(A3, 63)
                .cSrai(A4, 32)
                .ebreak(),
            BASE + 12,
            A0,
            1,
            T6,
            0xffff_ffffL,
            A1,
            -1,
            A2,
            -2,
            A3,
            Long.MIN_VALUE,
            A4,
            0x8000_0000_0000_0000L);
    assertThat(r.x(A0)).isEqualTo(Long.MIN_VALUE);
    assertThat(r.x(T6)).isEqualTo(0xffff_ffff_0000_0000L);
    assertThat(r.x(A1)).isEqualTo(1);
    assertThat(r.x(A2)).isEqualTo(0x7fff_ffff_ffff_ffffL);
    assertThat(r.x(A3)).isEqualTo(-1);
    assertThat(r.x(A4)).isEqualTo(0xffff_ffff_8000_0000L);
  }

  @Test
  void registerArithmetic() {
    long a = 0x0000_0001_8000_0000L, b = 0x0000_0000_8000_0001L;
    Rig r =
        run(
            Rig.asm()
                .cSub(A0, A1)
                .cXor(A2, A1)
                .cOr(A3, A1)
                .cAnd(A4, A1)
                .cSubw(A5, A1)
                .cAddw(S0, A1)
                .cMv(T0, A1)
                .cAdd(T1, A1)
                .ebreak(),
            BASE + 16,
            A0,
            a,
            A1,
            b,
            A2,
            a,
            A3,
            a,
            A4,
            a,
            A5,
            a,
            S0,
            a,
            T1,
            a);
    assertThat(r.x(A0)).isEqualTo(a - b);
    assertThat(r.x(A2)).isEqualTo(a ^ b);
    assertThat(r.x(A3)).isEqualTo(a | b);
    assertThat(r.x(A4)).isEqualTo(a & b);
    assertThat(r.x(A5)).isEqualTo((long) (int) (a - b));
    assertThat(r.x(S0)).isEqualTo((long) (int) (a + b));
    assertThat(r.x(T0)).isEqualTo(b);
    assertThat(r.x(T1)).isEqualTo(a + b);
  }

  @Test
  void loadsAndStores() {
    Rig r =
        Rig.of(
            Rig.asm()
                .cLw(A0, 124, A1)
                .cLd(A2, 248, A1)
                .cSw(A3, 0, A1)
                .cSd(A3, 8, A1)
                .cLwsp(A4, 252)
                .cLdsp(A5, 504)
                .cSwsp(A3, 16)
                .cSdsp(A3, 24)
                .ebreak());
    r.set(SP, SP0).set(A1, DATA).set(A3, 0x0102_0304_8506_0708L);
    r.poke64(DATA + 120, 0x8000_0001_0000_0000L); // word at +124 is 0x80000001
    r.poke64(DATA + 248, 0x1122_3344_5566_7788L);
    r.poke64(SP0 + 248, 0xfedc_ba98_0000_0000L); // word at +252 is 0xfedcba98
    r.poke64(SP0 + 504, -7);
    r.runTo(BASE + 16);
    assertThat(r.x(A0)).isEqualTo(0xffff_ffff_8000_0001L);
    assertThat(r.x(A2)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(r.peek64(DATA)).isEqualTo(0x8506_0708L);
    assertThat(r.peek64(DATA + 8)).isEqualTo(0x0102_0304_8506_0708L);
    assertThat(r.x(A4)).isEqualTo(0xffff_ffff_fedc_ba98L);
    assertThat(r.x(A5)).isEqualTo(-7);
    assertThat(r.peek64(SP0 + 16)).isEqualTo(0x8506_0708L);
    assertThat(r.peek64(SP0 + 24)).isEqualTo(0x0102_0304_8506_0708L);
  }

  @Test
  void compressedLoadStoreMisalignedIsPerformed() {
    Rig r = Rig.of(Rig.asm().cLd(A0, 0, A1).cSw(A2, 4, A1).ebreak());
    r.poke64(DATA + 3, 0x1122_3344_5566_7788L);
    r.set(A1, DATA + 3).set(A2, 0xaabb_ccddL);
    r.runTo(BASE + 4);
    assertThat(r.x(A0)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(r.mem.read32(DATA + 7)).isEqualTo(0xaabb_ccdd);
  }

  @Test
  void jumps() {
    Assembler a = Rig.asm();
    a.cJ("fwd") // BASE
        .label("back")
        .cJ("end") // BASE + 2
        .ebreak() // BASE + 4: skipped
        .label("fwd")
        .cJ("back") // BASE + 8
        .ebreak() // BASE + 10: skipped
        .label("end")
        .ebreak(); // BASE + 14
    Rig r = run(a, BASE + 14, RA, 0x55);
    assertThat(r.x(RA)).isEqualTo(0x55); // c.j does not link
  }

  @Test
  void jrMvEbreakJalrAndAddShareAnOpcode() {
    // Quadrant 2, funct3 100: bit 12 and whether rs2 / rd are zero pick the instruction.
    Assembler a = Rig.asm();
    a.cMv(A0, A1) // BASE:      a0 = a1
        .cAdd(A0, A1) // BASE + 2:  a0 += a1
        .cJalr(A2) // BASE + 4:  ra = BASE + 6, to "f"
        .cEbreak() // BASE + 6:  where f returns to
        .label("f")
        .cJr(RA); // back to BASE + 6
    Rig r = Rig.of(a).set(A1, 21);
    r.set(A2, a.address("f"));
    Trap t = r.run();
    assertThat(t).isEqualTo(new Trap.Breakpoint(BASE + 6));
    assertThat(t.tval()).isEqualTo(BASE + 6);
    assertThat(r.x(A0)).isEqualTo(42);
    assertThat(r.x(RA)).isEqualTo(BASE + 6);
  }

  @Test
  void jalrThroughRaUsesTheOldRa() {
    Assembler a = Rig.asm();
    a.cJalr(RA).ebreak().label("t").ebreak();
    Rig r = Rig.of(a);
    r.set(RA, a.address("t"));
    r.runTo(a.address("t"));
    assertThat(r.x(RA)).isEqualTo(BASE + 2);
  }

  @Test
  void jrClearsBitZero() {
    Assembler a = Rig.asm();
    a.cJr(A0).ebreak().label("t").ebreak();
    Rig r = Rig.of(a);
    r.set(A0, a.address("t") + 1);
    r.runTo(a.address("t"));
  }

  static Stream<Arguments> conditional() {
    return Stream.of(
        Arguments.of("c.beqz", 0L, true), Arguments.of("c.beqz", 1L, false),
        Arguments.of("c.beqz", Long.MIN_VALUE, false), Arguments.of("c.bnez", 0L, false),
        Arguments.of("c.bnez", -1L, true), Arguments.of("c.bnez", 1L << 32, true));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("conditional")
  void branchesForwardAndBackward(String name, long value, boolean taken) {
    boolean beqz = name.equals("c.beqz");
    Assembler fwd = Rig.asm();
    if (beqz) {
      fwd.cBeqz(S0, "t");
    } else {
      fwd.cBnez(S0, "t");
    }
    fwd.cEbreak().label("t").cEbreak();
    Rig r = Rig.of(fwd).set(S0, value);
    assertWithMessage("forward")
        .that(r.run())
        .isEqualTo(new Trap.Breakpoint(taken ? BASE + 4 : BASE + 2));

    Assembler back = Rig.asm();
    back.cJ("start").label("t").cEbreak().label("start");
    if (beqz) {
      back.cBeqz(S0, "t");
    } else {
      back.cBnez(S0, "t");
    }
    back.cEbreak();
    r = Rig.of(back).set(S0, value);
    assertWithMessage("backward")
        .that(r.run())
        .isEqualTo(new Trap.Breakpoint(taken ? BASE + 2 : BASE + 6));
  }

  @Test
  void compressedAndFullInstructionsMixAtHalfwordAlignment() {
    Rig r =
        run(Rig.asm().cLi(A0, 1).addi(A0, A0, 2).cAddi(A0, 4).slli(A0, A0, 1).ebreak(), BASE + 12);
    assertThat(r.x(A0)).isEqualTo(14);
  }

  @Test
  void nopAndEbreak() {
    Rig r = Rig.of(Rig.asm().cNop().cEbreak());
    Trap t = r.run();
    assertThat(t).isEqualTo(new Trap.Breakpoint(BASE + 2));
    assertThat(r.hart.pc()).isEqualTo(BASE + 2);
  }

  /** HINT encodings (spec: "HINT Instructions", RVC table): legal, and change nothing. */
  static Stream<Arguments> hints() {
    return Stream.of(
        Arguments.of("c.addi x0, 1", 0x0005),
        Arguments.of("c.addi a0, 0", 0x0501),
        Arguments.of("c.li x0, 5", 0x4015),
        Arguments.of("c.lui x0, 1", 0x6005),
        Arguments.of("c.mv x0, a0", 0x802a),
        Arguments.of("c.add x0, a0", 0x902a),
        Arguments.of("c.slli x0, 1", 0x0006),
        Arguments.of("c.slli a0, 0 (c.slli64)", 0x0502),
        Arguments.of("c.srli a0, 0 (c.srli64)", 0x8101),
        Arguments.of("c.srai a0, 0 (c.srai64)", 0x8501));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hints")
  void hintsAreNoOps(String name, int bits) {
    Rig r = Rig.of(Rig.asm().raw16(bits).ebreak()).set(A0, 0x8000_0000_0000_0123L);
    r.runTo(BASE + 2);
    assertThat(r.x(A0)).isEqualTo(0x8000_0000_0000_0123L);
    assertThat(r.x(ZERO)).isEqualTo(0);
  }
}
