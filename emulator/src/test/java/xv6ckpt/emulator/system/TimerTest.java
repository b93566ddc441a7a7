package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Assembler;

/**
 * Both timer styles xv6-riscv has used, as small kernels of the same shape: an S-mode loop that
 * counts ticks, sleeping in wfi (or spinning) between them, and stops after {@link #TICKS}.
 */
class TimerTest {

  static final int MRET = 0x30200073, SRET = 0x10200073, WFI = 0x10500073;
  static final long INTERVAL = 1_000_000;
  static final int TICKS = 5;

  /**
   * Before 2024: M-mode arms the CLINT's mtimecmp and takes MTI in its own vector, which re-arms it
   * and raises SSIP for S; S counts software interrupts. The S handler records how late each tick
   * is: time at its first instruction minus the mtimecmp that fired (held in s2).
   */
  static Assembler clintKernel(boolean sleep) {
    Assembler a = new Assembler(Rig.CODE);
    long cmp = SystemMachine.CLINT + 0x4000, mtime = SystemMachine.CLINT + 0xBFF8;
    a.li(S0, Rig.DATA).li(S1, 0);
    a.li(A1, mtime).ld(S2, 0, A1).li(A3, INTERVAL).add(S2, S2, A3).li(A1, cmp).sd(S2, 0, A1);
    a.la(T0, "timervec").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, SSIP).csrw(MIDELEG, T0).li(T0, MTIP | SSIP).csrw(MIE, T0);
    a.li(T0, MSTATUS_MIE | 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0);
    a.li(T0, 1).slli(T0, T0, 1).csrs(MCOUNTEREN, T0); // S may read time
    a.la(T0, "smain").csrw(MEPC, T0).raw32(MRET);
    a.label("smain").li(T0, MSTATUS_SIE).csrs(SSTATUS, T0);
    a.label("loop");
    if (sleep) a.raw32(WFI);
    else a.addi(S4, S4, 1);
    a.li(T1, TICKS).blt(S1, T1, "loop").ecall();
    a.align(4).label("strap");
    a.csrr(T0, SCAUSE).bgez(T0, "done"); // not an interrupt: the final ecall went to M instead
    a.slli(T3, S1, 3).add(T3, T3, S0).sd(T2, 0, T3).addi(S1, S1, 1); // t2: lateness, from M
    a.li(T0, SSIP).csrc(SIP, T0).raw32(SRET);
    a.align(4).label("timervec"); // M: lateness into t2, re-arm, pass the tick to S
    a.csrr(T2, MCAUSE).bgez(T2, "done");
    a.rdtime(T2).sub(T2, T2, S2);
    a.li(A1, cmp).li(A3, INTERVAL).add(S2, S2, A3).sd(S2, 0, A1);
    a.li(A1, SSIP).csrs(MIP, A1).raw32(MRET);
    a.label("done");
    TrapTest.halt(a);
    return a;
  }

  /** From 2024: S arms Sstc's stimecmp itself and takes STI directly. */
  static Assembler sstcKernel(boolean sleep) {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).li(S1, 0).la(T0, "mtrap").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, 1).slli(T0, T0, 63).csrs(MENVCFG, T0).li(T0, 2).csrs(MCOUNTEREN, T0);
    a.li(T0, STIP).csrw(MIDELEG, T0).li(T0, STIP).csrw(MIE, T0);
    a.li(T0, 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0).la(T0, "smain").csrw(MEPC, T0).raw32(MRET);
    a.label("smain").rdtime(S2).li(T1, INTERVAL).add(S2, S2, T1).csrw(STIMECMP, S2);
    a.li(T0, MSTATUS_SIE).csrs(SSTATUS, T0);
    a.label("loop");
    if (sleep) a.raw32(WFI);
    else a.addi(S4, S4, 1);
    a.li(T1, TICKS).blt(S1, T1, "loop").ecall();
    a.align(4).label("strap");
    a.rdtime(T2).sub(T2, T2, S2); // lateness
    a.slli(T3, S1, 3).add(T3, T3, S0).sd(T2, 0, T3).addi(S1, S1, 1);
    a.li(T1, INTERVAL).add(S2, S2, T1).csrw(STIMECMP, S2).raw32(SRET);
    a.align(4).label("mtrap");
    TrapTest.halt(a);
    return a;
  }

  static Rig run(Assembler kernel) {
    Rig r = new Rig(1);
    new FakeClint(r.m);
    r.load(kernel);
    SystemMachine.Stop stop = r.m.run(TICKS * INTERVAL * 2);
    assertThat(stop).isEqualTo(SystemMachine.Stop.IDLE);
    assertThat(r.x(S1)).isEqualTo(TICKS);
    return r;
  }

  /**
   * Every tick reaches its handler exactly on time: the trap costs one step, so the handler's first
   * instruction reads time = deadline + 1 (+ the M hop in the CLINT style).
   */
  static void assertOnTime(Rig r, long lateness) {
    for (int i = 0; i < TICKS; i++) {
      assertThat(r.data(i)).isEqualTo(lateness);
    }
  }

  @Test
  void clintTimerThroughMachineModeWakesSupervisorFromWfi() {
    Rig r = run(clintKernel(true));
    assertOnTime(r, 3); // time is read in M, after csrr mcause and a branch
    assertThat(r.m.time()).isAtLeast(TICKS * INTERVAL);
    assertThat(r.h0().steps()).isLessThan(TICKS * 200L); // slept through the rest
  }

  @Test
  void clintTimerInterruptsASpinningSupervisorOnTime() {
    Rig r = run(clintKernel(false));
    assertOnTime(r, 3);
    assertThat(r.x(S4)).isGreaterThan(TICKS * INTERVAL / 10);
  }

  @Test
  void sstcTimerWakesSupervisorFromWfi() {
    Rig r = run(sstcKernel(true));
    assertOnTime(r, 1);
    assertThat(r.m.time()).isAtLeast(TICKS * INTERVAL);
    assertThat(r.h0().steps()).isLessThan(TICKS * 200L);
  }

  @Test
  void sstcTimerInterruptsASpinningSupervisorOnTime() {
    Rig r = run(sstcKernel(false));
    assertOnTime(r, 1);
  }
}
