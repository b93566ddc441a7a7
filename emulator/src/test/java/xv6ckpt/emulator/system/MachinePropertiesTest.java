package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Assembler;

/**
 * The machine is a function of its state, the seed and the number of steps: however {@link
 * SystemMachine#run} calls split a run, whether the translation tier or the CSR fast path is on,
 * and after a reset to a snapshot, the same steps give the same machine. The workload: every hart
 * goes to S with its own Sstc timer period, then loops on a shared counter (AMO and LR/SC),
 * sleeping in wfi every 64 rounds, and counts ticks; hart 0 also sends hart 1 CLINT software
 * interrupts on its ticks. Each round clears and sets sstatus.SIE, with csrrci/csrrsi and the way
 * xv6's intr_off and intr_on do it (read sstatus, change SIE, write it all back), so the CSR fast
 * path runs and meets due interrupts.
 */
class MachinePropertiesTest {

  static final int MRET = 0x30200073, SRET = 0x10200073, WFI = 0x10500073;
  static final long SHARED = Rig.DATA + 0x800;

  static Assembler workload() {
    Assembler a = new Assembler(Rig.CODE);
    a.mv(TP, A0).li(S0, Rig.DATA).slli(T0, TP, 8).add(S0, S0, T0).li(S5, SHARED);
    a.li(S6, 3000).li(T0, 1700).mul(T0, T0, TP).add(S6, S6, T0); // timer period per hart
    a.la(T0, "mtrap").csrw(MTVEC, T0).la(T0, "strap").csrw(STVEC, T0);
    a.li(T0, 1).slli(T0, T0, 63).csrs(MENVCFG, T0).li(T0, 2).csrs(MCOUNTEREN, T0);
    a.li(T0, STIP).csrw(MIDELEG, T0).li(T0, STIP | MSIP).csrw(MIE, T0);
    a.li(T0, 1 << MSTATUS_MPP_SHIFT | MSTATUS_MPIE).csrs(MSTATUS, T0);
    a.la(T0, "smain").csrw(MEPC, T0).raw32(MRET);
    a.label("smain").rdtime(S2).add(S2, S2, S6).csrw(STIMECMP, S2);
    a.li(T0, MSTATUS_SIE).csrs(SSTATUS, T0);
    // Interrupts off around the AMO, as xv6's scheduler does (intr_off/intr_on), with sscratch
    // accesses between: CSR accesses the fast path performs, and a SIE set that finds the timer
    // due.
    // (A6, not T1: the M handler below clobbers t0 and t1 of whatever its interrupt stopped.)
    a.label("loop").csrrci(ZERO, SSTATUS, 2).li(A6, 1).amoaddD(T2, A6, S5).addi(S3, S3, 1);
    a.csrw(SSCRATCH, S3).csrr(T4, SSCRATCH).csrrsi(ZERO, SSTATUS, 2);
    a.csrr(A7, SSTATUS).andi(A7, A7, ~2).csrw(SSTATUS, A7); // intr_off
    a.csrw(SSCRATCH, A7).csrr(A7, SSTATUS).ori(A7, A7, 2).csrw(SSTATUS, A7); // intr_on
    a.addi(A5, S5, 8).label("retry").lrD(T2, A5).addi(T2, T2, 1).scD(T3, T2, A5).bnez(T3, "retry");
    a.andi(T0, S3, 63).bnez(T0, "loop").raw32(WFI).j("loop");
    a.align(4).label("strap").addi(S4, S4, 1).sd(S4, 0, S0).rdtime(T0).sd(T0, 8, S0);
    a.add(S2, S2, S6).csrw(STIMECMP, S2).bnez(TP, "sret").ecall(); // hart 0: IPI hart 1 via M
    a.label("sret").raw32(SRET);
    a.align(4).label("mtrap").csrr(T0, MCAUSE).bltz(T0, "msoft"); // the ecall from hart 0's S
    a.li(T0, SystemMachine.CLINT + 4).li(T1, 1).sw(T1, 0, T0); // msip of hart 1
    a.csrr(T0, MEPC).addi(T0, T0, 4).csrw(MEPC, T0).raw32(MRET);
    a.label("msoft").csrr(T0, MHARTID).slli(T0, T0, 2).li(T1, SystemMachine.CLINT).add(T0, T0, T1);
    a.sw(ZERO, 0, T0).addi(S7, S7, 1).raw32(MRET); // counts IPIs in s7
    return a;
  }

  static Rig machine(int harts, long seed, boolean translate) {
    SystemMachine.Config c =
        SystemMachine.Config.defaults().withHarts(harts).withSeed(seed).withQuantum(500);
    Rig r = new Rig(c, Rig.RAM);
    new FakeClint(r.m);
    r.load(workload());
    for (int i = 0; i < harts; i++) r.m.hart(i).hart().setTranslation(translate);
    return r;
  }

  /** Everything architectural: harts (registers, pc, counters, CSRs, wfi), time, the data area. */
  static List<Object> fingerprint(Rig r) {
    List<Object> f = new ArrayList<>();
    for (int i = 0; i < r.m.hartCount(); i++) {
      SystemHart.State s = r.m.hart(i).save();
      f.add(Arrays.toString(s.x()));
      f.add(List.of(s.pc(), s.instret(), s.satp(), s.priv(), s.waiting(), s.traps()));
      f.add(s.reservation());
      f.add(Arrays.toString(s.csrs()));
    }
    f.add(r.m.time());
    byte[] data = new byte[0x1000];
    r.m.memory().read(Rig.DATA, data, 0, data.length);
    f.add(Arrays.hashCode(data)); // short, for readable failures
    return f;
  }

  @Provide
  Arbitrary<List<Integer>> splits() {
    return Arbitraries.integers().between(1, 20_000).list().ofMinSize(1).ofMaxSize(12);
  }

  @Property(tries = 40)
  void splittingARunNeverChangesIt(
      @ForAll @IntRange(min = 1, max = 3) int harts,
      @ForAll long seed,
      @ForAll("splits") List<Integer> splits) {
    long total = splits.stream().mapToLong(Integer::longValue).sum();
    Rig whole = machine(harts, seed, true);
    whole.m.run(total);
    Rig split = machine(harts, seed, true);
    for (int s : splits) split.m.run(s);

    assertThat(fingerprint(split)).isEqualTo(fingerprint(whole));
  }

  @Property(tries = 20)
  void translationTierChangesNothing(
      @ForAll @IntRange(min = 1, max = 3) int harts,
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 200_000) int steps) {
    Rig on = machine(harts, seed, true);
    for (int i = 0; i < harts; i++) on.m.hart(i).hart().setTranslationThreshold(1);
    on.m.run(steps);
    Rig off = machine(harts, seed, false);
    off.m.run(steps);

    assertThat(fingerprint(on)).isEqualTo(fingerprint(off));
  }

  @Property(tries = 20)
  void csrFastPathChangesNothing(
      @ForAll @IntRange(min = 1, max = 3) int harts,
      @ForAll long seed,
      @ForAll("splits") List<Integer> splits) {
    Rig on = machine(harts, seed, true);
    Rig off = machine(harts, seed, true);
    for (int i = 0; i < harts; i++) {
      on.m.hart(i).setCsrFastPath(true);
      off.m.hart(i).setCsrFastPath(false);
    }
    for (int s : splits) {
      on.m.run(s);
      off.m.run(s);
      assertThat(fingerprint(on)).isEqualTo(fingerprint(off));
    }
  }

  @Property(tries = 30)
  void resetToASnapshotReplaysTheSameRun(
      @ForAll @IntRange(min = 1, max = 3) int harts,
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 50_000) int before,
      @ForAll @IntRange(min = 1, max = 50_000) int after) {
    Rig r = machine(harts, seed, true);
    r.m.run(before);
    SystemMachine.Snapshot snap = r.m.snapshot();
    r.m.run(after);
    List<Object> first = fingerprint(r);
    r.m.reset(snap);
    r.m.run(after);

    assertThat(fingerprint(r)).isEqualTo(first);
  }

  @Test
  void theWorkloadExercisesWhatThePropertiesClaim() {
    Rig r = machine(3, 7, true);
    r.m.run(300_000);
    long sharedAmo = r.m.memory().read64(SHARED), sharedLrSc = r.m.memory().read64(SHARED + 8);
    long rounds = 0;
    for (int i = 0; i < 3; i++) {
      rounds += r.m.hart(i).hart().x(S3);
      assertThat(r.m.hart(i).hart().x(S4)).isGreaterThan(3L); // ticks on every hart
    }
    assertThat(sharedAmo).isEqualTo(rounds); // no lost updates across interleaved harts
    assertThat(sharedLrSc).isAtLeast(rounds - 3); // a round may sit between its AMO and its SC
    assertThat(sharedLrSc).isAtMost(rounds);
    assertThat(r.m.hart(1).hart().x(S7)).isGreaterThan(0L); // IPIs from hart 0 arrived
    assertThat(r.m.time()).isGreaterThan(300_000L - 1); // wfi skips only when all sleep
  }
}
