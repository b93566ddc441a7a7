package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.Enc.*;

import org.junit.jupiter.api.Test;

/** The decoded-instruction cache never runs stale code: stores, fence.i, kernel writes, resets. */
class SelfModifyingCodeTest {
  static final long BASE = PhysicalMemory.BASE;

  @Test
  void storeThenFenceIRunsTheNewInstruction() {
    Machine m = new Machine();
    int replacement = addi(6, 0, 2);
    m.code(
        BASE,
        lw(5, 10, 0), // t0 = replacement word (from data)
        sw(5, 11, 0), // overwrite the instruction at `target`
        FENCE_I,
        addi(6, 0, 1), // target: t1 = 1, becomes t1 = 2
        ECALL);
    m.mem.write32(BASE + 0x800, replacement);
    m.hart.setX(10, BASE + 0x800);
    m.hart.setX(11, BASE + 12);
    m.hart.setPc(BASE);
    assertThat(m.hart.run(100)).isEqualTo(new Trap.Ecall(BASE + 16));
    assertThat(m.hart.x(6)).isEqualTo(2);
  }

  @Test
  void loopRewritingItsOwnBodyAlwaysSeesTheLatestBytes() {
    // Each iteration runs `addi t1, t1, k`, then adds 1 to k in that instruction's bits 31:20.
    Machine m = new Machine();
    m.code(
        BASE,
        addi(6, 6, 0), // body: t1 += k, patched each time round
        addi(7, 7, 1), // t2 = iteration count
        lw(5, 11, 0), // t0 = body word
        add(5, 5, 13), // a3 = 1 << 20: k + 1
        sw(5, 11, 0),
        bne(7, 12, -20),
        ECALL);
    m.hart.setX(13, 1 << 20);
    m.hart.setX(11, BASE);
    m.hart.setX(12, 5);
    m.hart.setPc(BASE);
    assertThat(m.hart.run(1000)).isEqualTo(new Trap.Ecall(BASE + 24));
    assertThat(m.hart.x(6)).isEqualTo(0 + 1 + 2 + 3 + 4);
  }

  @Test
  void kernelWriteOfCodeThroughPhysicalMemoryIsSeen() {
    Machine m = new Machine();
    m.code(BASE, addi(10, 0, 1), ECALL);
    m.hart.setPc(BASE);
    m.hart.run(10);
    assertThat(m.hart.x(10)).isEqualTo(1);
    m.mem.write32(BASE, addi(10, 0, 7)); // e.g. exec reusing the physical page
    m.hart.setPc(BASE);
    m.hart.run(10);
    assertThat(m.hart.x(10)).isEqualTo(7);
    m.mem.write(BASE, new byte[] {0x13, 0x05, 0x30, 0x00}, 0, 4); // addi a0, x0, 3
    m.hart.setPc(BASE);
    m.hart.run(10);
    assertThat(m.hart.x(10)).isEqualTo(3);
    m.mem.fill(BASE, 4, (byte) 0);
    m.hart.setPc(BASE);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.IllegalInstruction(BASE, 0));
  }

  @Test
  void resetRestoresOldCodeAndTheHartRunsIt() {
    Machine m = new Machine();
    m.code(BASE, addi(10, 0, 1), ECALL);
    PhysicalMemory.Snapshot s = m.mem.snapshot();
    m.hart.setPc(BASE);
    m.hart.run(10);
    assertThat(m.hart.x(10)).isEqualTo(1);
    // The program rewrites itself (hart store), then the machine is reset.
    m.code(BASE + 8, sw(5, 6, 0), ECALL);
    m.hart.setX(5, addi(10, 0, 9));
    m.hart.setX(6, BASE);
    m.hart.setPc(BASE + 8);
    m.hart.run(10);
    m.hart.setPc(BASE);
    m.hart.run(10);
    assertThat(m.hart.x(10)).isEqualTo(9);
    m.mem.reset(s);
    m.hart.setPc(BASE);
    m.hart.run(10);
    assertThat(m.hart.x(10)).isEqualTo(1);
  }

  @Test
  void storesToCodePageDoNotUseStaleStoreTlbEntries() {
    // A data store makes the page dirty and may fill the store TLB; then the page becomes code
    // (fetched); a later store to it must still be seen by fetch.
    Machine m = new Machine();
    long page = BASE + 0x4000;
    m.code(BASE, sw(5, 6, 0), sw(5, 6, 4), jalr(1, 6, 0), sw(7, 6, 0), jalr(0, 6, 0));
    m.hart.setX(5, ECALL);
    m.hart.setX(6, page);
    m.hart.setX(7, EBREAK);
    m.hart.setPc(BASE);
    assertThat(m.hart.run(100)).isEqualTo(new Trap.Ecall(page));
    m.hart.setPc(BASE + 12);
    assertThat(m.hart.run(100)).isEqualTo(new Trap.Breakpoint(page));
  }

  @Test
  void twoHartsOnOneMemorySeeEachOthersCode() {
    // Hart a stores to a data page (its store TLB may keep the page); hart b then runs code
    // from that page; a's next store there must still reach b's decoded copy.
    PhysicalMemory mem = new PhysicalMemory(Machine.RAM);
    Machine a = new Machine(mem);
    Hart b = new Hart(mem);
    long page = BASE + 0x6000;
    a.code(BASE, sw(5, 6, 0), ECALL, sw(7, 6, 0), ECALL);
    a.hart.setX(5, addi(10, 0, 1));
    a.hart.setX(6, page);
    a.hart.setX(7, addi(10, 0, 2));
    mem.write32(page + 4, ECALL);
    a.hart.setPc(BASE);
    assertThat(a.hart.run(10)).isEqualTo(new Trap.Ecall(BASE + 4));
    b.setPc(page);
    assertThat(b.run(10)).isEqualTo(new Trap.Ecall(page + 4));
    assertThat(b.x(10)).isEqualTo(1);
    a.hart.setPc(BASE + 8);
    assertThat(a.hart.run(10)).isEqualTo(new Trap.Ecall(BASE + 12));
    b.setPc(page);
    b.run(10);
    assertThat(b.x(10)).isEqualTo(2);
  }

  /**
   * A page of code overwritten wholesale by a hart running elsewhere (a freed user page that the
   * kernel fills): past {@link PhysicalMemory#PATCHES_BEFORE_DROP} patches its decoding is dropped,
   * and the next call into it runs the new bytes, with the translation tier off and on.
   */
  @Test
  void codePageOverwrittenFromAnotherPageRunsItsNewCode() {
    for (boolean translate : new boolean[] {false, true}) {
      Machine m = new Machine();
      long page = BASE + 0x4000;
      int n = 3 * PhysicalMemory.PATCHES_BEFORE_DROP;
      m.code(page, addi(10, 0, 1), jalr(0, 1, 0)); // a0 = 1; ret
      m.code(
          BASE,
          jalr(1, 6, 0), // call page: decodes it, a0 = 1
          addi(10, 0, 0), // a0 = 0
          sw(5, 7, 0), // loop: page[i] = addi a0, a0, 1
          addi(7, 7, 4),
          addi(28, 28, 1),
          bne(28, 29, -12),
          sw(30, 7, 0), // then ret
          jalr(1, 6, 0), // call page: a0 = n
          ECALL);
      m.hart.setTranslation(translate);
      m.hart.setTranslationThreshold(1);
      m.hart.setX(5, addi(10, 10, 1));
      m.hart.setX(6, page);
      m.hart.setX(7, page);
      m.hart.setX(29, n);
      m.hart.setX(30, jalr(0, 1, 0));
      m.hart.setPc(BASE);
      assertThat(m.hart.run(1000)).isEqualTo(new Trap.Ecall(BASE + 32));
      assertThat(m.hart.x(10)).isEqualTo(n);
    }
  }

  /**
   * A loop rewriting an instruction of the page it runs from more often than {@link
   * PhysicalMemory#PATCHES_BEFORE_DROP}: the page it runs from is patched every time, never dropped
   * under the run.
   */
  @Test
  void loopRewritingItsOwnPageManyTimesKeepsSeeingTheLatestBytes() {
    for (boolean translate : new boolean[] {false, true}) {
      Machine m = new Machine();
      int n = 3 * PhysicalMemory.PATCHES_BEFORE_DROP;
      m.code(
          BASE,
          addi(6, 6, 0), // body: t1 += k, patched each time round
          addi(7, 7, 1),
          lw(5, 11, 0),
          add(5, 5, 13), // k + 1
          sw(5, 11, 0),
          bne(7, 12, -20),
          ECALL);
      m.hart.setTranslation(translate);
      m.hart.setTranslationThreshold(1);
      m.hart.setX(13, 1 << 20);
      m.hart.setX(11, BASE);
      m.hart.setX(12, n);
      m.hart.setPc(BASE);
      assertThat(m.hart.run(10_000)).isEqualTo(new Trap.Ecall(BASE + 24));
      assertThat(m.hart.x(6)).isEqualTo((long) n * (n - 1) / 2);
    }
  }
}
