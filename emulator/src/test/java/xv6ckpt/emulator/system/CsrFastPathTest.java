package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import xv6ckpt.emulator.asm.Assembler;

/**
 * The CSR fast path ({@link SystemHart#setCsrFastPath}) performs CSR accesses inside the hart's
 * run; an access that makes an interrupt deliverable must still have it taken before the next
 * instruction, as the ordinary path does. {@code MachinePropertiesTest} compares whole runs.
 */
class CsrFastPathTest {

  static final int MRET = 0x30200073;

  /**
   * In S with SIE clear and a delegated SSIP pending, {@code csrsi sstatus, SIE} (between fast
   * sscratch accesses) is followed at once by the interrupt: sepc is the next instruction, which
   * has not run.
   */
  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void settingSieWithAnInterruptPendingTakesItBeforeTheNextInstruction(boolean fast) {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).la(T0, "mtrap").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, SSIP).csrw(MIDELEG, T0).csrw(MIE, T0);
    a.li(T0, 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0).la(T0, "smode").csrw(MEPC, T0).raw32(MRET);
    a.label("smode").li(S2, 0).li(T0, SSIP).csrs(SIP, T0); // pending, SIE still clear
    a.li(T1, 7).csrw(SSCRATCH, T1).csrr(S3, SSCRATCH).csrrsi(ZERO, SSTATUS, 2);
    a.label("after").addi(S2, S2, 1).j("after");
    a.align(4).label("strap").csrr(T2, SEPC).sd(T2, 0, S0).csrr(T2, SCAUSE).sd(T2, 8, S0).ecall();
    a.align(4).label("mtrap");
    TrapTest.halt(a);
    Rig r = new Rig(1);
    r.load(a);
    r.m.hart(0).setCsrFastPath(fast);

    r.m.run(10_000);

    assertThat(r.data(0)).isEqualTo(a.address("after"));
    assertThat(r.data(1)).isEqualTo(INTERRUPT | IRQ_SSI);
    assertThat(r.x(S2)).isEqualTo(0);
    assertThat(r.x(S3)).isEqualTo(7);
  }
}
