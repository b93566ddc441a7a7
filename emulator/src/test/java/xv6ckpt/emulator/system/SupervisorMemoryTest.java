package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Assembler;

/**
 * Sv39 from S-mode (SUM, MXR, no fetch from U pages, sfence.vma, A/D), and device accesses from M
 * (bare) and S (mapped): a handler delegated to S (or M) records each fault's cause and address at
 * DATA[2k], DATA[2k+1] and skips the faulting instruction (a fetch fault returns to ra).
 */
class SupervisorMemoryTest {

  static final int MRET = 0x30200073, SRET = 0x10200073, SFENCE_VMA = 0x12000073;
  static final long UPAGE = 0x4000_0000L, XPAGE = 0x4000_1000L, UXPAGE = 0x4000_2000L;
  static final long DEVVA = 0x4000_3000L, BADVA = 0x4000_4000L;
  static final long PA_U = Rig.CODE + 0x3_0000, PA_X = PA_U + 0x1000, PA_UX = PA_U + 0x2000;
  static final long PA2 = PA_U + 0x3000;

  static void recordAndSkip(Assembler a, String label, boolean supervisor) {
    int cause = supervisor ? SCAUSE : MCAUSE, tval = supervisor ? STVAL : MTVAL;
    int epc = supervisor ? SEPC : MEPC;
    a.align(4).label(label);
    a.csrr(T2, cause).slli(T3, S1, 4).add(T3, T3, S0).sd(T2, 0, T3).csrr(T4, tval).sd(T4, 8, T3);
    a.addi(S1, S1, 1).li(T3, 12).beq(T2, T3, label + "-fetch");
    a.csrr(T2, epc).addi(T2, T2, 4).csrw(epc, T2).raw32(supervisor ? SRET : MRET);
    a.label(label + "-fetch").csrw(epc, RA).raw32(supervisor ? SRET : MRET);
  }

  @Test
  void supervisorAccessFollowsSumMxrAndSfenceVma() {
    Rig r = new Rig(1);
    FakeDevice dev = new FakeDevice(r.m);
    long root = r.newTable();
    for (long p = Rig.CODE; p < Rig.CODE + 0x3_0000; p += 4096) {
      r.map(root, p, p, Rig.R | Rig.W | Rig.X);
    }
    long leafU = r.map(root, UPAGE, PA_U, Rig.R | Rig.W | Rig.U);
    r.map(root, XPAGE, PA_X, Rig.X);
    r.map(root, UXPAGE, PA_UX, Rig.R | Rig.X | Rig.U);
    long leafDev = r.map(root, DEVVA, FakeDevice.BASE, Rig.R | Rig.W);
    r.map(root, BADVA, 0x3000_0000L, Rig.R | Rig.W);
    r.m.memory().write64(PA_U, 0x1111);
    r.m.memory().write64(PA_X, 0x2222);
    r.m.memory().write64(PA2, 0x3333);
    r.m.memory().write32(PA_UX, 0x00008067); // ret, if it were ever fetched

    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).li(S1, 0).la(T0, "strap").csrw(STVEC, T0).la(T0, "mtrap").csrw(MTVEC, T0);
    a.li(T0, 1 << 12 | 1 << 13 | 1 << 15 | 1 << 5 | 1 << 7).csrw(MEDELEG, T0);
    a.li(T0, 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0).la(T0, "smain").csrw(MEPC, T0).raw32(MRET);
    a.label("smain").li(T0, Rig.satp(root)).csrw(SATP, T0).raw32(SFENCE_VMA);
    a.li(A5, UPAGE).ld(A0, 0, A5); // SUM = 0: fault 0
    a.li(T0, MSTATUS_SUM).csrs(SSTATUS, T0).ld(A1, 0, A5); // SUM = 1: reads 0x1111
    a.li(T0, UXPAGE).jalr(RA, 0, T0); // fetch from a U page: fault 1, back here
    a.li(A6, XPAGE).ld(A2, 0, A6); // execute-only, MXR = 0: fault 2
    a.li(T0, MSTATUS_MXR).csrs(SSTATUS, T0).ld(A2, 0, A6); // MXR = 1: reads 0x2222
    a.li(T0, leafU).li(T1, Rig.pte(PA2, Rig.R | Rig.W | Rig.U)).sd(T1, 0, T0).raw32(SFENCE_VMA);
    a.ld(A3, 0, A5); // the new mapping: 0x3333
    a.li(T0, DEVVA).li(T1, 0x77).sd(T1, 8, T0).ld(A4, 8, T0); // a device through Sv39
    a.li(T0, BADVA).ld(A7, 0, T0); // nothing there: access fault 3
    a.ecall();
    recordAndSkip(a, "strap", true);
    a.align(4).label("mtrap");
    TrapTest.halt(a);
    r.load(a);

    assertThat(r.m.run(100_000)).isEqualTo(SystemMachine.Stop.IDLE);

    assertThat(r.x(S1)).isEqualTo(4);
    assertThat(new long[] {r.data(0), r.data(1)}).asList().containsExactly(13L, UPAGE).inOrder();
    assertThat(new long[] {r.data(2), r.data(3)}).asList().containsExactly(12L, UXPAGE).inOrder();
    assertThat(new long[] {r.data(4), r.data(5)}).asList().containsExactly(13L, XPAGE).inOrder();
    assertThat(new long[] {r.data(6), r.data(7)}).asList().containsExactly(5L, BADVA).inOrder();
    assertThat(r.x(A1)).isEqualTo(0x1111);
    assertThat(r.x(A2)).isEqualTo(0x2222);
    assertThat(r.x(A3)).isEqualTo(0x3333);
    assertThat(r.x(A4)).isEqualTo(0x77);
    assertThat(dev.regs[1]).isEqualTo(0x77);
    long devPte = r.m.memory().read64(leafDev);
    assertThat(devPte & 0xC0).isEqualTo(0xC0); // A and D, set by the device store
  }

  @Test
  void machineModeReachesDevicesDirectlyAndFaultsOutsideThem() {
    Rig r = new Rig(1);
    FakeDevice dev = new FakeDevice(r.m);
    long base = FakeDevice.BASE;
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA).li(S1, 0).la(T0, "mtrap").csrw(MTVEC, T0);
    a.li(A5, base).li(T1, 0x1_2345_6789L).sd(T1, 0, A5).lw(A0, 0, A5).lbu(A1, 1, A5);
    a.ld(A2, 4, A5); // misaligned for the bus: fault 0
    a.li(T0, 0x3000_0000L).sd(T1, 0, T0); // no device: fault 1
    a.amoaddD(A3, T1, A5); // atomics do not reach devices: fault 2
    a.li(T0, base + 0x100).ld(A4, 0, T0); // just past the window: fault 3
    a.li(T0, 1);
    TrapTest.halt(a);
    recordAndSkip(a, "mtrap", false);
    r.load(a);

    r.m.run(10_000);

    assertThat(r.x(A0)).isEqualTo(0x2345_6789);
    assertThat(r.x(A1)).isEqualTo(0x67);
    assertThat(dev.regs[0]).isEqualTo(0x1_2345_6789L);
    assertThat(r.x(S1)).isEqualTo(4);
    assertThat(new long[] {r.data(0), r.data(1)}).asList().containsExactly(5L, base + 4).inOrder();
    assertThat(new long[] {r.data(2), r.data(3)}).asList().containsExactly(7L, 0x3000_0000L);
    assertThat(r.data(4)).isEqualTo(7L);
    assertThat(new long[] {r.data(6), r.data(7)}).asList().containsExactly(5L, base + 0x100);
    assertThat(r.x(T0)).isEqualTo(1); // ran to the end
  }
}
