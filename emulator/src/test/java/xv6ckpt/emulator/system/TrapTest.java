package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.asm.Assembler;

/** Trap entry and return in M and S, delegation, and ecall causes, with small test kernels. */
class TrapTest {

  /** Ends a test kernel: no interrupt enabled, so wfi never wakes and the machine goes idle. */
  static Assembler halt(Assembler a) {
    return a.label("halt").csrw(MIE, ZERO).raw32(0x10500073).j("halt");
  }

  @Test
  void ecallFromMachineTrapsToMtvecAndMretReturnsToMepc() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).la(T0, "mtrap").csrw(MTVEC, T0);
    a.label("call").ecall();
    a.li(T1, 1).sd(T1, 0, S0);
    halt(a);
    a.align(4).label("mtrap");
    a.csrr(T2, MCAUSE).sd(T2, 8, S0).csrr(T2, MEPC).sd(T2, 16, S0).csrr(T2, MSTATUS).sd(T2, 24, S0);
    a.csrr(T2, MEPC).addi(T2, T2, 4).csrw(MEPC, T2).raw32(0x30200073);
    Rig r = new Rig(1).load(a);

    assertThat(r.m.run(10_000)).isEqualTo(SystemMachine.Stop.IDLE);

    assertThat(r.data(1)).isEqualTo(CAUSE_ECALL_M);
    assertThat(r.data(2)).isEqualTo(a.address("call"));
    assertThat((r.data(3) & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT).isEqualTo(Hart.PRIV_M);
    assertThat(r.data(0)).isEqualTo(1); // resumed after the ecall
    assertThat(r.h0().hart().privilege()).isEqualTo(Hart.PRIV_M);
  }

  /**
   * M delegates U ecalls to S and mrets into S; S srets into U; U's ecall goes to S (cause 8, SPP
   * U), S's own ecall goes to M (cause 9, MPP S), and U's ecall after medeleg is cleared goes to M.
   */
  @Test
  void delegationSendsUserEcallsToSupervisorAndTheRestToMachine() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).la(T0, "mtrap").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, 1 << CAUSE_ECALL_U).csrw(MEDELEG, T0);
    a.li(T0, 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0); // MPP = S
    a.la(T0, "smode").csrw(MEPC, T0).raw32(0x30200073);
    a.label("smode"); // S: into U with SPP = U
    a.li(T0, MSTATUS_SPP).csrc(SSTATUS, T0).la(T0, "umode").csrw(SEPC, T0).raw32(0x10200073);
    a.label("umode").label("uecall").ecall(); // to S
    a.li(S1, 7).j("umode2"); // resumed in U
    a.label("umode2").li(S2, 1).label("uecall2").ecall(); // to S again, which then ecalls to M
    a.j("umode2");
    a.align(4).label("strap");
    a.csrr(T2, SCAUSE).sd(T2, 0, S0).csrr(T2, SEPC).sd(T2, 8, S0).csrr(T2, SSTATUS).sd(T2, 16, S0);
    a.bnez(S2, "secall");
    a.csrr(T2, SEPC).addi(T2, T2, 4).csrw(SEPC, T2).raw32(0x10200073);
    a.label("secall").ecall(); // from S: not delegable below M
    a.align(4).label("mtrap");
    a.csrr(T2, MCAUSE)
        .sd(T2, 24, S0)
        .csrr(T2, MSTATUS)
        .sd(T2, 32, S0)
        .csrr(T2, MEPC)
        .sd(T2, 40, S0);
    halt(a);
    Rig r = new Rig(1).load(a);

    assertThat(r.m.run(10_000)).isEqualTo(SystemMachine.Stop.IDLE);

    assertThat(r.x(S1)).isEqualTo(7);
    assertThat(r.data(0)).isEqualTo(CAUSE_ECALL_U); // the second U ecall, seen by S
    assertThat(r.data(1)).isEqualTo(a.address("uecall2"));
    assertThat(r.data(2) & MSTATUS_SPP).isEqualTo(0); // came from U
    assertThat(r.data(3)).isEqualTo(CAUSE_ECALL_S);
    assertThat((r.data(4) & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT).isEqualTo(Hart.PRIV_S);
    assertThat(r.data(5)).isEqualTo(a.address("secall"));
  }

  @Test
  void trapEntrySavesAndClearsInterruptEnableAndReturnRestoresIt() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).la(T0, "mtrap").csrw(MTVEC, T0);
    a.li(T0, MSTATUS_MIE).csrs(MSTATUS, T0).ecall();
    a.csrr(T2, MSTATUS).sd(T2, 8, S0);
    halt(a);
    a.align(4).label("mtrap").csrr(T2, MSTATUS).sd(T2, 0, S0);
    a.csrr(T2, MEPC).addi(T2, T2, 4).csrw(MEPC, T2).raw32(0x30200073);
    Rig r = new Rig(1).load(a);

    r.m.run(10_000);

    assertThat(r.data(0) & (MSTATUS_MIE | MSTATUS_MPIE)).isEqualTo(MSTATUS_MPIE); // in handler
    assertThat(r.data(1) & (MSTATUS_MIE | MSTATUS_MPIE)).isEqualTo(MSTATUS_MIE | MSTATUS_MPIE);
  }
}
