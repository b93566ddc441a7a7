package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Assembler;

/** Interrupt priority, masking and delegation, with wires driven by a stand-in device. */
class InterruptTest {

  static final int MRET = 0x30200073, SRET = 0x10200073;

  /** Records cause codes at DATA[s1++] and clears the bit in mip and on the device's wires. */
  static void recordingHandler(Assembler a, String label, int causeCsr, int ret) {
    a.align(4).label(label);
    a.csrr(T2, causeCsr).slli(T3, S1, 3).add(T3, T3, S0).sd(T2, 0, T3).addi(S1, S1, 1);
    a.li(T3, 1).sll(T3, T3, T2); // sll takes the low 6 bits: the cause code
    a.li(T4, FakeDevice.BASE).sd(T3, 0x48, T4);
    a.csrc(causeCsr == MCAUSE ? MIP : SIP, T3);
    a.raw32(ret);
  }

  @Test
  void simultaneousMachineInterruptsAreTakenInPriorityOrder() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).li(S1, 0).la(T0, "mtrap").csrw(MTVEC, T0);
    a.li(T0, ALL_INTERRUPTS).csrw(MIE, T0);
    a.li(T0, MEIP | MSIP | MTIP).li(T4, FakeDevice.BASE).sd(T0, 0x40, T4); // the wires
    a.li(T0, SSIP | STIP | SEIP).csrs(MIP, T0); // the software-writable bits, not delegated
    a.li(T0, MSTATUS_MIE).csrs(MSTATUS, T0);
    a.label("wait").li(T0, 6).blt(S1, T0, "wait");
    TrapTest.halt(a);
    recordingHandler(a, "mtrap", MCAUSE, MRET);
    Rig r = new Rig(1);
    new FakeDevice(r.m);
    r.load(a);

    assertThat(r.m.run(100_000)).isEqualTo(SystemMachine.Stop.IDLE);

    long[] got = new long[6];
    for (int i = 0; i < 6; i++) got[i] = r.data(i) & ~INTERRUPT;
    assertThat(got).asList().containsExactly(11L, 3L, 7L, 9L, 1L, 5L).inOrder();
    assertThat(r.data(0) & INTERRUPT).isEqualTo(INTERRUPT);
  }

  /**
   * In M with MIE clear nothing is taken, and a delegated interrupt never is; once in S, the
   * machine-level one is taken first (to M, whatever MIE says), then the delegated one (to S).
   */
  @Test
  void enablesDependOnTheModeAndMachineLevelComesFirst() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).li(S1, 0).la(T0, "mtrap").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, SSIP).csrw(MIDELEG, T0).li(T0, SSIP | MSIP).csrw(MIE, T0);
    a.li(T0, MSTATUS_SIE).csrs(MSTATUS, T0); // SIE on, MIE off
    a.li(T0, SSIP).csrs(MIP, T0).li(T0, MSIP).li(T4, FakeDevice.BASE).sd(T0, 0x40, T4);
    a.li(S2, 0).li(T0, 100).label("spin").addi(S2, S2, 1).blt(S2, T0, "spin"); // in M: nothing
    a.li(T0, 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0).la(T0, "smode").csrw(MEPC, T0).raw32(MRET);
    a.label("smode").li(T0, 2).blt(S1, T0, "smode").ecall();
    recordingHandler(a, "strap", SCAUSE, SRET);
    a.align(4).label("mtrap").csrr(T2, MCAUSE).bgez(T2, "halt"); // the final ecall
    a.j("mrecord");
    recordingHandler(a, "mrecord", MCAUSE, MRET);
    TrapTest.halt(a);
    Rig r = new Rig(1);
    new FakeDevice(r.m);
    r.load(a);

    r.m.run(100_000);

    assertThat(r.x(S2)).isEqualTo(100); // the M-mode spin ran to its end
    assertThat(r.data(0)).isEqualTo(INTERRUPT | IRQ_MSI); // recorded by M
    assertThat(r.data(1)).isEqualTo(INTERRUPT | IRQ_SSI); // recorded by S
  }

  @Test
  void vectoredModeJumpsToBasePlusFourTimesTheCause() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).la(T0, "vec").ori(T0, T0, 1).csrw(MTVEC, T0);
    a.li(T0, MSIP).csrw(MIE, T0).li(T4, FakeDevice.BASE).sd(T0, 0x40, T4);
    a.li(T0, MSTATUS_MIE).csrs(MSTATUS, T0);
    a.label("wait").j("wait");
    a.align(256).label("vec");
    for (int i = 0; i < 16; i++) a.j("entry" + i); // one 4-byte slot per cause
    for (int i = 0; i < 16; i++) a.label("entry" + i).li(S3, i).j("seen");
    a.label("seen");
    TrapTest.halt(a);
    Rig r = new Rig(1);
    new FakeDevice(r.m);
    r.load(a);

    r.m.run(10_000);

    assertThat(r.x(S3)).isEqualTo(IRQ_MSI);
  }

  @Test
  void waitingWithNothingArmedStopsTheMachineIdleWithoutMovingTime() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(T0, 5);
    TrapTest.halt(a);
    Rig r = new Rig(1).load(a);

    assertThat(r.m.run(1_000_000)).isEqualTo(SystemMachine.Stop.IDLE);

    assertThat(r.m.time()).isLessThan(10L);
    assertThat(r.h0().waiting()).isTrue();
  }
}
