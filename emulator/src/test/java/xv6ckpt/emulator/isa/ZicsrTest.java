package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.isa.Rig.BASE;

import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Csr;

/**
 * The user-mode CSRs (Zicsr with the Zicntr counters): cycle, time and instret can be read, with
 * any of the six CSR instructions as long as it writes nothing; every write attempt to them, and
 * every access to any other CSR, is an illegal instruction.
 *
 * <p>Which forms write (privileged spec, "CSR Instructions"): csrrw/csrrwi always; csrrs/csrrc
 * unless rs1 is x0; csrrsi/csrrci unless uimm is 0. On this machine cycle, time and instret all
 * count retired instructions, and a CSR read sees the count before the reading instruction.
 */
class ZicsrTest {

  @Test
  void instretCountsRetiredInstructionsBeforeTheRead() {
    Rig r = Rig.of(Rig.asm().nop().nop().rdinstret(A0).rdinstret(A1).nop().rdinstret(A2).ebreak());
    long start = r.hart.instret();
    r.runTo(BASE + 24);
    assertThat(r.x(A0)).isEqualTo(start + 2);
    assertThat(r.x(A1)).isEqualTo(start + 3);
    assertThat(r.x(A2)).isEqualTo(start + 5);
    assertThat(r.hart.instret()).isEqualTo(start + 6);
  }

  @Test
  void cycleAndTimeAdvanceWithTheProgram() {
    Rig r = Rig.of(Rig.asm().rdcycle(A0).rdtime(A1).nop().nop().rdcycle(A2).rdtime(A3).ebreak());
    r.runTo(BASE + 24);
    assertThat(r.x(A2)).isGreaterThan(r.x(A0));
    assertThat(r.x(A3)).isAtLeast(r.x(A1));
  }

  @Test
  void countersAreDeterministic() {
    Assembler a = Rig.asm().rdcycle(A0).rdtime(A1).rdinstret(A2).ebreak();
    Rig first = Rig.of(a);
    Rig second = Rig.of(a);
    first.runTo(BASE + 12);
    second.runTo(BASE + 12);
    for (int reg : new int[] {A0, A1, A2}) {
      assertThat(second.x(reg)).isEqualTo(first.x(reg));
    }
  }

  @Test
  void readOnlyFormsOfEveryCsrInstructionAreLegal() {
    Rig r =
        Rig.of(
            Rig.asm()
                .nop()
                .csrrs(A0, Csr.INSTRET, ZERO) // reads 1
                .csrrc(A1, Csr.INSTRET, ZERO) // reads 2
                .csrrsi(A2, Csr.INSTRET, 0) // reads 3
                .csrrci(A3, Csr.INSTRET, 0) // reads 4
                .csrrs(A4, Csr.CYCLE, ZERO)
                .csrrc(A5, Csr.TIME, ZERO)
                .csrrs(ZERO, Csr.INSTRET, ZERO) // rd x0: read and discard
                .ebreak());
    long start = r.hart.instret();
    r.runTo(BASE + 32);
    assertThat(r.x(A0)).isEqualTo(start + 1);
    assertThat(r.x(A1)).isEqualTo(start + 2);
    assertThat(r.x(A2)).isEqualTo(start + 3);
    assertThat(r.x(A3)).isEqualTo(start + 4);
    assertThat(r.x(ZERO)).isEqualTo(0);
  }

  static Stream<Arguments> illegal() {
    return Stream.of(
        writes("csrrw a0, cycle, a1", a -> a.csrrw(A0, Csr.CYCLE, A1)),
        writes(
            "csrrw x0, instret, x0 (csrrw always writes)", a -> a.csrrw(ZERO, Csr.INSTRET, ZERO)),
        writes("csrrs a0, cycle, a1", a -> a.csrrs(A0, Csr.CYCLE, A1)),
        writes("csrrc a0, time, a1", a -> a.csrrc(A0, Csr.TIME, A1)),
        writes("csrrwi a0, time, 0 (csrrwi always writes)", a -> a.csrrwi(A0, Csr.TIME, 0)),
        writes("csrrsi a0, instret, 1", a -> a.csrrsi(A0, Csr.INSTRET, 1)),
        writes("csrrci a0, cycle, 31", a -> a.csrrci(A0, Csr.CYCLE, 31)),
        writes("csrr a0, hpmcounter3", a -> a.csrr(A0, 0xc03)),
        writes("csrr a0, cycleh (RV32 only)", a -> a.csrr(A0, 0xc80)),
        writes("csrr a0, instreth (RV32 only)", a -> a.csrr(A0, 0xc82)),
        writes("csrr a0, fflags (no F)", a -> a.csrr(A0, 0x001)),
        writes("csrr a0, frm (no F)", a -> a.csrr(A0, 0x002)),
        writes("csrr a0, fcsr (no F)", a -> a.csrr(A0, 0x003)),
        writes("csrr a0, sstatus (supervisor)", a -> a.csrr(A0, 0x100)),
        writes("csrr a0, satp (supervisor)", a -> a.csrr(A0, 0x180)),
        writes("csrr a0, mstatus (machine)", a -> a.csrr(A0, 0x300)),
        writes("csrr a0, mhartid (machine)", a -> a.csrr(A0, 0xf14)),
        writes("csrr a0, vl (no V)", a -> a.csrr(A0, 0xc20)),
        writes("csrw fflags, a1", a -> a.csrw(0x001, A1)));
  }

  static Arguments writes(String name, Consumer<Assembler> emit) {
    return Arguments.of(name, emit);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("illegal")
  void writesAndOtherCsrsAreIllegal(String name, Consumer<Assembler> emit) {
    Assembler one = new Assembler(0);
    emit.accept(one);
    long bits = Rig.word(one.assemble(), 0) & 0xffff_ffffL;
    IllegalEncodingTest.checkIllegal(name, emit, bits);
  }
}
