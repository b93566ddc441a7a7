package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.Enc.*;
import static xv6ckpt.emulator.Machine.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.Trap.Access;

/** Instructions and data accesses that straddle a page boundary, under Sv39. */
class CrossPageTest {
  static final long P1 = BASE + 0x10000, P2 = BASE + 0x30000; // not physically adjacent

  /** va 0x1000 -> P1, va 0x2000 -> P2 (if mapped). */
  static Machine twoPages(boolean mapSecond) {
    Machine m = new Machine().sv39();
    m.map(0x1000, P1, URWX);
    if (mapSecond) m.map(0x2000, P2, URWX);
    return m;
  }

  /** Puts the 32-bit instruction w at va 0x1FFE, its halves on the two pages. */
  static void straddle(Machine m, int w) {
    m.mem.write16(P1 + 0xFFE, (short) w);
    m.mem.write16(P2, (short) (w >>> 16));
  }

  @Test
  void instructionCrossingPagesExecutes() {
    Machine m = twoPages(true);
    m.code(P1 + 0xFFA, addi(5, 0, 1)); // 0x1FFA
    straddle(m, addi(6, 5, 41)); // 0x1FFE..0x2001
    m.code(P2 + 2, ECALL); // 0x2002
    m.hart.setPc(0x1FFA);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.Ecall(0x2002));
    assertThat(m.hart.x(6)).isEqualTo(42);
    assertThat(m.hart.instret()).isEqualTo(2);
  }

  /**
   * A loop whose body runs across the page end (through a straddler) and branches back: the
   * interpreter goes from page to page without leaving to the run loop once both are decoded, also
   * from the scratch page that holds the straddler, and then calls into the first page.
   */
  @Test
  void loopAcrossThePageEndThroughAStraddler() {
    Machine m = twoPages(true);
    m.code(P1 + 0xFFA, addi(5, 5, 1)); // 0x1FFA: loop head
    straddle(m, addi(7, 7, 2)); // 0x1FFE..0x2001
    m.code(P2 + 2, b(4, 5, 6, -8)); // 0x2002: blt x5, x6, 0x1FFA
    m.code(P2 + 6, jal(1, 0x1800 - 0x2006)); // 0x2006: call 0x1800, on the first page
    m.code(P1 + 0x800, ECALL); // 0x1800
    m.hart.setPc(0x1FFA);
    m.hart.setX(6, 10);
    assertThat(m.hart.run(1000)).isEqualTo(new Trap.Ecall(0x1800));
    assertThat(m.hart.x(5)).isEqualTo(10);
    assertThat(m.hart.x(7)).isEqualTo(20);
    assertThat(m.hart.x(1)).isEqualTo(0x200A); // the link is the second page's
    assertThat(m.hart.instret()).isEqualTo(31);
  }

  @Test
  void budgetCanStopJustBeforeAndAfterTheStraddler() {
    Machine m = twoPages(true);
    m.code(P1 + 0xFFA, addi(5, 0, 1));
    straddle(m, addi(6, 5, 41));
    m.code(P2 + 2, ECALL);
    m.hart.setPc(0x1FFA);
    assertThat(m.hart.run(1)).isEqualTo(new Trap.Timer(0x1FFE));
    assertThat(m.hart.run(1)).isEqualTo(new Trap.Timer(0x2002));
    assertThat(m.hart.x(6)).isEqualTo(42);
  }

  @Test
  void budgetEndingBeforeTheStraddlerDoesNotFetchItsSecondHalf() {
    Machine m = twoPages(false); // the second half would fault
    m.code(P1 + 0xFFA, addi(5, 0, 1));
    m.mem.write16(P1 + 0xFFE, (short) addi(6, 5, 41));
    m.hart.setPc(0x1FFA);
    assertThat(m.hart.run(1)).isEqualTo(new Trap.Timer(0x1FFE));
    assertThat(m.hart.run(1)).isEqualTo(new Trap.PageFault(0x1FFE, Access.FETCH, 0x2000));
    assertThat(m.hart.instret()).isEqualTo(1);
  }

  @Test
  void faultOnSecondPageOfInstructionReportsThatPage() {
    Machine m = twoPages(false);
    m.code(P1 + 0xFFA, addi(5, 0, 1));
    m.mem.write16(P1 + 0xFFE, (short) addi(6, 5, 41));
    m.hart.setPc(0x1FFA);
    Trap t = m.hart.run(10);
    assertThat(t).isEqualTo(new Trap.PageFault(0x1FFE, Access.FETCH, 0x2000));
    assertThat(m.hart.pc()).isEqualTo(0x1FFE);
    assertThat(m.hart.instret()).isEqualTo(1);
    assertThat(m.hart.x(6)).isEqualTo(0);
  }

  @Test
  void compressedInstructionAtPageEndNeedsNoSecondPage() {
    Machine m = twoPages(false);
    m.code16(P1 + 0xFFC, 0x4529, 0x9002); // c.li a0, 10; c.ebreak at 0x1FFE
    m.hart.setPc(0x1FFC);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.Breakpoint(0x1FFE));
    assertThat(m.hart.x(10)).isEqualTo(10);
    m.code16(P1 + 0xFFE, 0x0505); // c.addi a0, 1: falls off into the unmapped page
    m.hart.setPc(0x1FFE);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.PageFault(0x2000, Access.FETCH, 0x2000));
    assertThat(m.hart.x(10)).isEqualTo(11);
  }

  @Test
  void loadAndStoreAcrossPagesUseBothTranslations() {
    Machine m = twoPages(true);
    m.map(0x5000, P1 + 0x1000, URWX);
    m.map(0x6000, P2 + 0x1000, URWX); // physically far apart
    m.code(P1, sd(6, 5, 0), ld(7, 5, 0), ECALL);
    m.hart.setPc(0x1000);
    m.hart.setX(5, 0x5FFD);
    m.hart.setX(6, 0x0102_0304_0506_0708L);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.Ecall(0x1008));
    assertThat(m.hart.x(7)).isEqualTo(0x0102_0304_0506_0708L);
    assertThat(m.mem.read8(P1 + 0x1FFD)).isEqualTo((byte) 0x08);
    assertThat(m.mem.read8(P1 + 0x1FFF)).isEqualTo((byte) 0x06);
    assertThat(m.mem.read8(P2 + 0x1000)).isEqualTo((byte) 0x05);
    assertThat(m.mem.read8(P2 + 0x1004)).isEqualTo((byte) 0x01);
    assertThat(m.readPte(0x6000, 0) & (A | D)).isEqualTo(A | D);
  }

  @Test
  void storeAcrossPagesFaultingOnSecondWritesNothing() {
    Machine m = twoPages(true);
    m.map(0x5000, P1 + 0x1000, V | R | W | U);
    m.map(0x6000, P2 + 0x1000, V | R | U); // read-only
    m.code(P1, sd(6, 5, 0), ECALL);
    m.hart.setPc(0x1000);
    m.hart.setX(5, 0x5FFD);
    m.hart.setX(6, -1);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.PageFault(0x1000, Access.STORE, 0x6000));
    assertThat(m.mem.read64(P1 + 0x1FF8)).isEqualTo(0);
    assertThat(m.readPte(0x5000, 0)).isEqualTo(pte(P1 + 0x1000, V | R | W | U)); // no A/D
    assertThat(m.readPte(0x6000, 0)).isEqualTo(pte(P2 + 0x1000, V | R | U));
  }

  @Test
  void loadAcrossPagesFaultingOnFirstReportsItsAddress() {
    Machine m = twoPages(true);
    m.map(0x6000, P2 + 0x1000, URWX);
    m.code(P1, ld(7, 5, 0), ECALL);
    m.hart.setPc(0x1000);
    m.hart.setX(5, 0x5FFE);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.PageFault(0x1000, Access.LOAD, 0x5FFE));
  }
}
