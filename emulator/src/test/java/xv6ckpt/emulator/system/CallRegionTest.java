package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.asm.Assembler;

/**
 * Regions that follow calls into another page and back (the lock path of a C kernel: a loop on one
 * page calling short functions on the next, with AMOs and sstatus accesses in them) run exactly as
 * the interpreter runs them. Each kernel here is run with translation off and on (threshold 1, so
 * every loop is translated at once), whole and in slices, and must leave the same registers, memory
 * words, pc and step count.
 */
class CallRegionTest {

  static final int MRET = 0x30200073, SRET = 0x10200073;

  /** The machine's state the comparisons look at. */
  record State(long steps, long pc, List<Long> registers, List<Long> data) {}

  static State run(Assembler kernel, boolean translate, long steps, long slice) {
    Rig r = new Rig(1);
    new FakeClint(r.m);
    r.load(kernel);
    Hart h = r.h0().hart();
    h.setTranslation(translate);
    h.setTranslationThreshold(1);
    for (long done = 0; done < steps; done += slice) {
      r.m.run(Math.min(slice, steps - done));
    }
    List<Long> regs = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      regs.add(h.x(i));
    }
    List<Long> data = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      data.add(r.data(i));
    }
    return new State(r.h0().steps(), h.pc(), regs, data);
  }

  /**
   * S-mode: a loop on the first page calls {@code lockpath} on the next page (auipc + jalr, as
   * xv6-riscv's kernel does), which turns interrupts off, does an AMO, and turns them back on,
   * while Sstc's timer fires every 23 to 30 steps. Whenever the timer is pending with SIE clear,
   * the {@code csrs sstatus} that sets SIE must be followed at once by the interrupt: the handler
   * sums the sepc values it sees, so an interrupt taken one instruction late (or early) changes s5.
   */
  static Assembler timerKernel() {
    Assembler a = new Assembler(Rig.CODE);
    a.la(T0, "mtrap").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, 1).slli(T0, T0, 63).csrs(MENVCFG, T0).li(T0, 2).csrs(MCOUNTEREN, T0);
    a.li(T0, STIP).csrw(MIDELEG, T0).li(T0, STIP).csrw(MIE, T0);
    a.li(T0, 1 << MSTATUS_MPP_SHIFT).csrs(MSTATUS, T0).la(T0, "smain").csrw(MEPC, T0).raw32(MRET);
    a.label("smain").li(S0, Rig.DATA).li(S1, 0).li(S4, 0).li(S5, 0).li(S6, 1);
    a.rdtime(S2).addi(S2, S2, 40).csrw(STIMECMP, S2);
    a.li(T0, MSTATUS_SIE).csrs(SSTATUS, T0);
    a.label("loop").call("lockpath").addi(S4, S4, 1);
    a.li(T1, 4000).blt(S4, T1, "loop").ecall();
    a.align(4).label("strap");
    a.csrr(T2, SEPC).add(S5, S5, T2).addi(S1, S1, 1);
    a.andi(T3, S1, 7).addi(T3, T3, 23).rdtime(T4).add(T4, T4, T3).csrw(STIMECMP, T4).raw32(SRET);
    a.align(4).label("mtrap");
    TrapTest.halt(a);
    a.align(4096).label("lockpath"); // the next page
    a.csrr(T5, SSTATUS).li(T0, MSTATUS_SIE).csrc(SSTATUS, T0); // push_off
    a.amoaddW(T6, S6, S0).addi(A0, A0, 3);
    a.andi(T5, T5, MSTATUS_SIE).csrs(SSTATUS, T5); // pop_off
    a.ret();
    return a;
  }

  @ParameterizedTest
  @ValueSource(longs = {400_000, 997, 61})
  void aLoopCallingAnotherPageTakesEachTimerInterruptWhereTheInterpreterDoes(long slice) {
    Assembler kernel = timerKernel();
    State off = run(kernel, false, 400_000, 400_000);
    State on = run(kernel, true, 400_000, slice);

    assertThat(on).isEqualTo(off);
    assertThat(off.registers().get(S1)).isGreaterThan(1000L); // many interrupts were taken
    assertThat(off.data().get(0)).isEqualTo(off.registers().get(S4) & 0xFFFF_FFFFL); // AMOs
  }

  /**
   * M-mode: a loop calls {@code bump} on the next page, which adds to a0 and does an AMO on a new
   * page every 8 calls (its first AMO there misses the store TLB: the translated code must leave
   * for the interpreter's slow path). At call 300 the loop rewrites bump's add (the next page's
   * decoding becomes a private copy) and a word of its own page (so its region is translated again,
   * now over that copy); at call 600 it rewrites the add again, which patches the copy in place. A
   * region that still ran an old add would be wrong.
   */
  static Assembler rewritingKernel() {
    Assembler a = new Assembler(Rig.CODE);
    a.li(S0, Rig.DATA + 0x1000).li(S4, 0).li(S6, 1).li(A0, 0).li(S7, Rig.DATA);
    a.la(S3, "add5").lw(S2, 0, S3).la(S3, "add7").lw(S8, 0, S3); // words to write over bump's add
    a.label("loop").call("bump").addi(S4, S4, 1);
    a.li(T1, 300).bne(S4, T1, "keep").la(T3, "bumped").sw(S2, 0, T3).la(T3, "add5").sw(S2, 0, T3);
    a.label("keep").li(T1, 600).bne(S4, T1, "kept").la(T3, "bumped").sw(S8, 0, T3);
    a.label("kept").andi(T1, S4, 7).bnez(T1, "same").li(T1, 4096).add(S0, S0, T1);
    a.label("same").li(T1, 1000).blt(S4, T1, "loop");
    a.sd(A0, 0, S7).sd(S4, 8, S7);
    TrapTest.halt(a);
    a.align(4).label("add5").addi(A0, A0, 5).label("add7").addi(A0, A0, 7);
    a.align(4096).label("bump"); // the next page
    a.amoaddW(T6, S6, S0).label("bumped").addi(A0, A0, 1).add(A1, A1, T6).ret();
    return a;
  }

  @ParameterizedTest
  @ValueSource(longs = {200_000, 1_009, 37})
  void aRegionDropsTheOtherPagesCodeWhenItIsRewrittenAndLeavesOnAnAmoMiss(long slice) {
    Assembler kernel = rewritingKernel();
    State off = run(kernel, false, 200_000, 200_000);
    State on = run(kernel, true, 200_000, slice);

    assertThat(on).isEqualTo(off);
    assertThat(off.data().get(1)).isEqualTo(1000L); // the loop finished
    assertThat(off.data().get(0)).isEqualTo(300L * 1 + 300L * 5 + 400L * 7); // each add in turn
  }
}
