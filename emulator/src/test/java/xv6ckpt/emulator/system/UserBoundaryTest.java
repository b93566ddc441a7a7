package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.asm.Assembler;

/**
 * The user-boundary stops: with the watch on, {@link SystemMachine#run} ends right after an ecall
 * from U-mode is taken and right after an xRET enters U-mode, and nowhere else (an ecall from S, an
 * mret into S); with it off it never does; and either way the machine makes the same steps.
 */
class UserBoundaryTest {
  static final int MRET = 0x30200073, SRET = 0x10200073;

  /**
   * M delegates U ecalls to S and enters S; S enters U. U makes three calls (a7 = 1, 2, 3 with a0 =
   * 10, 20, 30), then spins. S answers a7 * 100 + a0 and, for a7 = 2, first makes its own ecall to
   * M (which mrets back into S).
   */
  static Assembler kernel() {
    Assembler a = new Assembler(Rig.CODE);
    a.la(T0, "mtrap").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, 1 << CAUSE_ECALL_U).csrw(MEDELEG, T0);
    a.li(T0, 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0);
    a.la(T0, "smode").csrw(MEPC, T0).raw32(MRET);
    a.label("smode").li(T0, MSTATUS_SPP).csrc(SSTATUS, T0);
    a.la(T0, "umode").csrw(SEPC, T0).raw32(SRET);
    a.label("umode");
    for (int i = 1; i <= 3; i++) {
      a.li(A7, i).li(A0, 10L * i).label("call" + i).ecall();
    }
    a.label("spin").j("spin");
    a.align(4).label("strap").li(T1, 2).bne(A7, T1, "answer").ecall(); // S's own call to M
    a.label("answer").li(T1, 100).mul(T1, T1, A7).add(A0, A0, T1);
    a.csrr(T1, SEPC).addi(T1, T1, 4).csrw(SEPC, T1).raw32(SRET);
    a.align(4).label("mtrap").csrr(T1, MEPC).addi(T1, T1, 4).csrw(MEPC, T1).raw32(MRET);
    return a;
  }

  /** One stop as the harness sees it: why, pc, a7 and a0, the mode. */
  record Seen(SystemMachine.Stop stop, long pc, long a7, long a0, int priv) {}

  @Test
  void stopsAtEveryUserEcallAndEveryReturnToUserOnly() {
    Assembler a = kernel();
    Rig r = new Rig(1).load(a);
    r.m.watchUserBoundary(true);
    List<Seen> seen = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      SystemMachine.Stop s = r.m.run(10_000);
      Hart h = r.h0().hart();
      seen.add(new Seen(s, h.pc(), h.x(A7), h.x(A0), h.privilege()));
      long where = s == SystemMachine.Stop.USER_ECALL ? a.address("call" + h.x(A7)) : h.pc();
      assertThat(r.h0().boundaryPc()).isEqualTo(where);
    }
    long strap = a.address("strap");
    SystemMachine.Stop ec = SystemMachine.Stop.USER_ECALL, ret = SystemMachine.Stop.USER_RETURN;
    assertThat(seen)
        .containsExactly(
            new Seen(ret, a.address("umode"), 0, 0, Hart.PRIV_U),
            new Seen(ec, strap, 1, 10, Hart.PRIV_S),
            new Seen(ret, a.address("call1") + 4, 1, 110, Hart.PRIV_U),
            new Seen(ec, strap, 2, 20, Hart.PRIV_S),
            new Seen(ret, a.address("call2") + 4, 2, 220, Hart.PRIV_U),
            new Seen(ec, strap, 3, 30, Hart.PRIV_S),
            new Seen(ret, a.address("call3") + 4, 3, 330, Hart.PRIV_U))
        .inOrder();
    assertThat(r.m.boundaryHart()).isEqualTo(0);
    assertThat(r.h0().csrs.scause).isEqualTo(CAUSE_ECALL_U);
    assertThat(r.m.run(10_000)).isEqualTo(SystemMachine.Stop.BUDGET); // spinning in U
  }

  @Test
  void unwatchedRunsNeverStopAtTheBoundary() {
    Rig r = new Rig(1).load(kernel());
    assertThat(r.m.run(10_000)).isEqualTo(SystemMachine.Stop.BUDGET);
    assertThat(r.h0().hart().x(A0)).isEqualTo(330);
  }

  /** Watched or not, on 1 or 3 harts, the machine after N steps is the same. */
  @Test
  void watchingDoesNotChangeTheRun() {
    for (int harts : new int[] {1, 3}) {
      for (long n : new long[] {5, 17, 40, 333}) {
        SystemMachine.Config c =
            SystemMachine.Config.defaults().withHarts(harts).withSeed(n).withQuantum(7);
        Rig plain = new Rig(c, Rig.RAM).load(kernel());
        plain.m.run(n);
        Rig watched = new Rig(c, Rig.RAM).load(kernel());
        watched.m.watchUserBoundary(true);
        int stops = 0;
        while (watched.m.time() < n) {
          if (watched.m.run(n - watched.m.time()) != SystemMachine.Stop.BUDGET) stops++;
        }
        assertThat(MachinePropertiesTest.fingerprint(watched))
            .isEqualTo(MachinePropertiesTest.fingerprint(plain));
        if (n >= 333) assertThat(stops).isEqualTo(7 * harts);
      }
    }
  }
}
