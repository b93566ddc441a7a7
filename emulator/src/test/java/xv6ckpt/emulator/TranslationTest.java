package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Assembler;

/**
 * The translation tier on hand-picked cases, each run translated (threshold 1) and checked against
 * values computed here, and against the same run with translation off.
 */
class TranslationTest {
  static final long BASE = PhysicalMemory.BASE;
  static final long CODE = 0x10000, DATA = 0x40000;
  static final long URX = Machine.V | Machine.R | Machine.X | Machine.U;
  static final long URW = Machine.V | Machine.R | Machine.W | Machine.U;

  /** Sv39 machine with the program at CODE (pa BASE + 0x10000) and translation as asked. */
  static Machine machine(Assembler a, boolean translate) {
    Machine m = new Machine();
    m.sv39();
    m.map(CODE, BASE + 0x10000, URX);
    byte[] code = a.assemble();
    m.mem.write(BASE + 0x10000, code, 0, code.length);
    m.hart.setTranslation(translate);
    m.hart.setTranslationThreshold(1);
    m.hart.setPc(CODE);
    return m;
  }

  static boolean translated(Machine m, long pa) {
    DecodedPage d = m.mem.decoded[(int) ((pa - BASE) >>> 12)];
    if (d == null || d.translations == null) {
      return false;
    }
    for (Translation t : d.translations) {
      if (t != null && t != Translation.NONE) {
        return true;
      }
    }
    return false;
  }

  /** a0 += 8-byte load at a2 (a page end: 4090), a3 times; then ecall. */
  static Assembler crossingLoadLoop() {
    return new Assembler(CODE)
        .label("loop")
        .lbu(5, 0, 12) // in the page: fills the TLB entry the ld below then hits
        .ld(11, 0, 12) // a1 = ld 0(a2)
        .add(10, 10, 11)
        .addi(13, 13, -1)
        .bnez(13, "loop")
        .ecall();
  }

  @Test
  void loadInThePagesLastBytesReadsBothPagesInsideTranslatedCode() {
    for (boolean on : new boolean[] {false, true}) {
      Machine m = machine(crossingLoadLoop(), on);
      // va DATA -> pa +0x3000, DATA + 4096 -> pa +0x1000: not contiguous in RAM.
      m.map(DATA, BASE + 0x43000, URW | Machine.A | Machine.D);
      m.map(DATA + 4096, BASE + 0x41000, URW | Machine.A | Machine.D);
      for (int i = 0; i < 8; i++) {
        m.mem.write8(BASE + 0x44000 + i, (byte) 0xEE); // what follows pa +0x3FFF in RAM
        m.mem.write8(BASE + 0x41000 + i, (byte) (0x60 + i));
      }
      for (int i = 0; i < 6; i++) {
        m.mem.write8(BASE + 0x43000 + 4090 + i, (byte) (0x10 + i));
      }
      m.hart.setX(12, DATA + 4090);
      m.hart.setX(13, 10);
      assertThat(m.hart.run(1000)).isEqualTo(new Trap.Ecall(CODE + 20));
      long v = 0x6160_1514_1312_1110L; // six bytes from the first page, two from the second
      assertThat(m.hart.x(10)).isEqualTo(10 * v);
      assertThat(m.hart.instret()).isEqualTo(50);
      assertThat(translated(m, BASE + 0x10000)).isEqualTo(on);
    }
  }

  /**
   * Loads and stores of 2, 4 and 8 bytes that end at the page's last byte (run inside translated
   * code) or cross it by one byte (which translated code must leave to the interpreter): the second
   * virtual page lies elsewhere in RAM, and the bytes that follow the first page in RAM are a
   * canary that neither a load nor a store may touch.
   */
  @Test
  void accessesEndingAtThePageEndStayInsideAndThoseCrossingItLeave() {
    for (int size : new int[] {2, 4, 8}) {
      for (int cross = 0; cross <= 1; cross++) {
        int off = PhysicalMemory.PGSIZE - size + cross;
        for (boolean on : new boolean[] {false, true}) {
          String what = size + "-byte access at " + off + ", translation " + on;
          Machine m = pageEndMachine(pageEndLoop(size, false), on, off);
          assertThat(m.hart.run(1000)).isEqualTo(new Trap.Ecall(CODE + 24));
          long v = 0;
          for (int k = size - 1; k >= 0; k--) {
            int a = off + k;
            v = v << 8 | (a < PhysicalMemory.PGSIZE ? 0x10 + a - 4088 : 0x60 + a - 4096);
          }
          assertWithMessage(what).that(m.hart.x(10)).isEqualTo(10 * v);
          assertWithMessage(what).that(translated(m, BASE + 0x10000)).isEqualTo(on);

          m = pageEndMachine(pageEndLoop(size, true), on, off);
          m.hart.setX(14, 0x0807_0605_0403_0201L);
          assertThat(m.hart.run(1000)).isEqualTo(new Trap.Ecall(CODE + 24));
          for (int k = 0; k < size; k++) {
            int a = off + k;
            long pa = a < PhysicalMemory.PGSIZE ? BASE + 0x43000 + a : BASE + 0x41000 + a - 4096;
            assertWithMessage(what + ", byte " + k).that(m.mem.read8(pa)).isEqualTo((byte) (k + 1));
          }
          for (int i = 0; i < 8; i++) {
            assertWithMessage(what).that(m.mem.read8(BASE + 0x44000 + i)).isEqualTo((byte) 0xEE);
          }
          assertWithMessage(what).that(translated(m, BASE + 0x10000)).isEqualTo(on);
        }
      }
    }
  }

  /**
   * Ten times: a byte access at a2 (in the first page: fills the TLB entry the access after it then
   * hits), then a {@code size}-byte load into a1 added to a0, or a store of a4; then ecall.
   */
  private static Assembler pageEndLoop(int size, boolean store) {
    Assembler a = new Assembler(CODE).label("loop").lbu(5, 0, 12).sb(5, 0, 12);
    if (store) {
      a = size == 2 ? a.sh(14, 0, 12) : size == 4 ? a.sw(14, 0, 12) : a.sd(14, 0, 12);
      a = a.addi(0, 0, 0);
    } else {
      a = size == 2 ? a.lh(11, 0, 12) : size == 4 ? a.lw(11, 0, 12) : a.ld(11, 0, 12);
      a = a.add(10, 10, 11);
    }
    return a.addi(13, 13, -1).bnez(13, "loop").ecall();
  }

  /** DATA at pa +0x43000 and DATA + 4096 at pa +0x41000, bytes set around the end of DATA. */
  private static Machine pageEndMachine(Assembler a, boolean on, int off) {
    Machine m = machine(a, on);
    m.map(DATA, BASE + 0x43000, URW | Machine.A | Machine.D);
    m.map(DATA + 4096, BASE + 0x41000, URW | Machine.A | Machine.D);
    for (int i = 0; i < 8; i++) {
      m.mem.write8(BASE + 0x43000 + 4088 + i, (byte) (0x10 + i));
      m.mem.write8(BASE + 0x41000 + i, (byte) (0x60 + i));
      m.mem.write8(BASE + 0x44000 + i, (byte) 0xEE); // what follows pa +0x43FFF in RAM
    }
    m.hart.setX(12, DATA + off);
    m.hart.setX(13, 10);
    return m;
  }

  @Test
  void faultInsideTranslatedLoopIsPrecise() {
    // Stores 8 bytes per iteration, walking up into an unmapped page.
    Assembler a =
        new Assembler(CODE)
            .label("loop")
            .addi(5, 5, 1) // t0 counts iterations started
            .sd(5, 0, 10)
            .addi(10, 10, 8)
            .j("loop");
    for (boolean on : new boolean[] {false, true}) {
      Machine m = machine(a, on);
      m.map(DATA, BASE + 0x40000, URW); // A and D clear: the hart sets them
      m.hart.setX(10, DATA + 4096 - 64);
      Trap t = m.hart.run(1_000_000);
      assertThat(t).isEqualTo(new Trap.PageFault(CODE + 4, Trap.Access.STORE, DATA + 4096));
      assertThat(m.hart.x(5)).isEqualTo(9); // the 9th iteration's addi ran, its store did not
      assertThat(m.hart.x(10)).isEqualTo(DATA + 4096);
      assertThat(m.hart.instret()).isEqualTo(8 * 4 + 1);
      assertThat(m.mem.read64(BASE + 0x40000 + 4096 - 8)).isEqualTo(8);
      long pte = m.readPte(DATA, 0);
      assertThat(pte & (Machine.A | Machine.D)).isEqualTo(Machine.A | Machine.D);
      assertThat(translated(m, BASE + 0x10000)).isEqualTo(on);
    }
  }

  @Test
  void budgetStopsExactlyInsideTranslatedLoop() {
    Assembler a = new Assembler(CODE).label("loop").addi(5, 5, 1).addi(6, 6, 2).j("loop");
    for (long k : new long[] {1, 2, 3, 7, 100, 1001}) {
      Machine m = machine(a, true);
      m.hart.run(30); // translated by now
      assertThat(translated(m, BASE + 0x10000)).isTrue();
      assertThat(m.hart.run(k)).isInstanceOf(Trap.Timer.class);
      long n = 30 + k;
      assertThat(m.hart.instret()).isEqualTo(n);
      assertThat(m.hart.x(5)).isEqualTo((n + 2) / 3);
      assertThat(m.hart.x(6)).isEqualTo(2 * ((n + 1) / 3));
      assertThat(m.hart.pc()).isEqualTo(CODE + 4 * (n % 3));
    }
  }

  @Test
  void storeIntoTranslatedCodeRunsTheNewCode() {
    // The loop rewrites its own `addi t1, t1, k` with k + 1 each time round (data = code page).
    Assembler a =
        new Assembler(CODE)
            .label("loop")
            .label("body")
            .addi(6, 6, 0)
            .lw(5, 0, 11)
            .add(5, 5, 13)
            .sw(5, 0, 11)
            .addi(7, 7, 1)
            .bne(7, 12, "loop")
            .ecall();
    Machine m = machine(a, true);
    m.map(CODE, BASE + 0x10000, URX | Machine.W);
    m.hart.setX(11, CODE);
    m.hart.setX(12, 50);
    m.hart.setX(13, 1 << 20);
    assertThat(m.hart.run(10_000)).isEqualTo(new Trap.Ecall(CODE + 24));
    assertThat(m.hart.x(6)).isEqualTo(49 * 50 / 2);
  }

  @Test
  void onePhysicalPageAtTwoAddressesComputesEachPcRelativeValue() {
    Assembler a =
        new Assembler(CODE)
            .label("loop")
            .auipc(10, 0)
            .addi(13, 13, -1)
            .bnez(13, "loop")
            .jal(1, "out")
            .label("out")
            .ecall();
    Machine m = machine(a, true);
    long alias = 0x7000_0000L;
    m.map(alias, BASE + 0x10000, URX);
    for (long va : new long[] {CODE, alias, CODE}) {
      m.hart.setX(13, 20);
      m.hart.setPc(va);
      assertThat(m.hart.run(1000)).isEqualTo(new Trap.Ecall(va + 16));
      assertThat(m.hart.x(10)).isEqualTo(va);
      assertThat(m.hart.x(1)).isEqualTo(va + 16);
    }
    assertThat(translated(m, BASE + 0x10000)).isTrue();
  }

  @Test
  void remappedCodeAfterSfenceRunsTheNewPage() {
    Assembler one =
        new Assembler(CODE).label("l").addi(10, 10, 1).addi(13, 13, -1).bnez(13, "l").ecall();
    Assembler two =
        new Assembler(CODE).label("l").addi(10, 10, 3).addi(13, 13, -1).bnez(13, "l").ecall();
    Machine m = machine(one, true);
    byte[] other = two.assemble();
    m.mem.write(BASE + 0x20000, other, 0, other.length);
    m.hart.setX(13, 10);
    m.hart.run(1000);
    assertThat(m.hart.x(10)).isEqualTo(10);
    m.mem.write64(m.pteAddr(CODE, 0), Machine.pte(BASE + 0x20000, URX | Machine.A));
    m.hart.sfenceVma();
    m.hart.setPc(CODE);
    m.hart.setX(13, 10);
    m.hart.run(1000);
    assertThat(m.hart.x(10)).isEqualTo(10 + 30);
  }

  @Test
  void resetDropsTranslationsWithTheDecodedPages() {
    Assembler a =
        new Assembler(CODE).label("l").addi(10, 10, 1).addi(13, 13, -1).bnez(13, "l").ecall();
    Machine m = machine(a, true);
    PhysicalMemory.Snapshot s = m.mem.snapshot();
    m.hart.setX(13, 10);
    m.hart.run(1000);
    assertThat(translated(m, BASE + 0x10000)).isTrue();
    m.mem.write32(BASE + 0x10000, Enc.addi(10, 10, 5)); // a kernel-side write
    assertThat(translated(m, BASE + 0x10000)).isFalse();
    m.hart.setPc(CODE);
    m.hart.setX(13, 10);
    m.hart.run(1000);
    assertThat(m.hart.x(10)).isEqualTo(10 + 50);
    m.mem.reset(s);
    assertThat(translated(m, BASE + 0x10000)).isFalse();
    m.hart.setPc(CODE);
    m.hart.setX(13, 10);
    m.hart.run(1000);
    assertThat(m.hart.x(10)).isEqualTo(60 + 10);
  }

  /**
   * A loop inside one page that calls a function on the next page (xv6's wakeup calling acquire and
   * release): its translation follows the call, so the callee runs translated too, instead of the
   * loop's translation leaving at every call for the interpreter.
   */
  @Test
  void aLoopThatCallsAnotherPageIsTranslatedWithItsCallee() {
    Assembler a =
        new Assembler(CODE)
            .li(5, 50)
            .label("loop")
            .jal(1, "f")
            .addi(5, 5, -1)
            .bnez(5, "loop")
            .ecall()
            .align(4096)
            .label("f")
            .addi(10, 10, 3)
            .ret();
    long[] a0 = new long[2];
    for (boolean translate : new boolean[] {false, true}) {
      Machine m = machine(a, translate);
      m.hart.setTranslationThreshold(2); // at 1 a hot slot's heat reads as never reached
      m.map(CODE + 0x1000, BASE + 0x11000, URX);
      assertThat(m.hart.run(10_000)).isInstanceOf(Trap.Ecall.class);
      a0[translate ? 1 : 0] = m.hart.x(10);
      if (translate) {
        DecodedPage loop = m.mem.decoded[0x10];
        Translation t = loop.translation((int) (a.address("loop") - CODE) >>> 1, false);
        assertWithMessage("the loop's translation").that(t).isNotNull();
        assertWithMessage("pages it runs besides its own").that(t.pages).hasLength(1);
      }
    }
    assertThat(a0[1]).isEqualTo(a0[0]);
    assertThat(a0[0]).isEqualTo(150);
  }

  /**
   * A function on no loop, called from a loop no region can hold (it has an LR, which only the
   * interpreter runs): once hot, the function's entry gets a straight-line region (with the
   * function it calls), and the run is the interpreter's, register for register.
   */
  @Test
  void aHotFunctionOnNoLoopRunsInAStraightLineRegion() {
    Assembler a =
        new Assembler(CODE)
            .li(9, DATA)
            .li(11, 3000)
            .label("loop")
            .jal(1, "f")
            .lrW(5, 9) // no region holds this, so the loop has none
            .addi(11, 11, -1)
            .bne(11, 0, "loop")
            .ecall()
            .label("f") // a0 = a0 * 3 + (a0 >> 3) ^ counter, kept in memory
            .addi(2, 2, -16)
            .sd(1, 8, 2)
            .slli(12, 10, 1)
            .add(10, 10, 12)
            .srli(12, 10, 3)
            .add(10, 10, 12)
            .jal(1, "g")
            .ld(13, 8, 9)
            .addi(13, 13, 1)
            .sd(13, 8, 9)
            .xor(10, 10, 13)
            .ld(1, 8, 2)
            .addi(2, 2, 16)
            .jalr(0, 0, 1)
            .label("g")
            .andi(14, 10, 255)
            .sw(14, 16, 9)
            .addi(10, 10, 7)
            .jalr(0, 0, 1);
    long[][] regs = new long[2][32];
    for (boolean translate : new boolean[] {false, true}) {
      Machine m = machine(a, translate);
      m.hart.setTranslationThreshold(2); // at 1 a hot slot's heat reads as never reached
      m.map(DATA, BASE + 0x40000, URW | Machine.A | Machine.D);
      m.map(0x70000, BASE + 0x70000, URW | Machine.A | Machine.D); // the stack
      m.hart.setX(2, 0x71000);
      m.hart.setX(10, 1);
      assertThat(m.hart.run(1_000_000)).isInstanceOf(Trap.Ecall.class);
      m.hart.registers(regs[translate ? 1 : 0]);
      if (translate) {
        int f = (int) (a.address("f") - CODE) >>> 1;
        Translation t = m.mem.decoded[0x10].translation(f, false);
        assertWithMessage("the straight-line region at f").that(t).isNotNull();
        assertWithMessage("a real translation").that(t).isNotSameInstanceAs(Translation.NONE);
      }
    }
    assertThat(regs[1]).isEqualTo(regs[0]);
    assertThat(regs[0][13]).isEqualTo(3000);
  }

  /**
   * A loop of branches, run translated first with no recorder (its translation records nothing, so
   * that its code is smaller) and then with one: the recording hart runs a translation that
   * records, and its map is the interpreter's, transfer for transfer.
   */
  @Test
  void aRecordingHartNeverRunsATranslationMadeWithoutRecords() {
    Assembler a =
        new Assembler(CODE)
            .li(10, 0)
            .li(11, 300)
            .li(13, 0)
            .label("loop")
            .andi(12, 10, 3)
            .beq(12, 0, "skip")
            .addi(13, 13, 1)
            .label("skip")
            .addi(10, 10, 1)
            .blt(10, 11, "loop")
            .ecall();
    byte[][] maps = new byte[2][];
    for (boolean translate : new boolean[] {false, true}) {
      Machine m = machine(a, translate);
      if (translate) { // a first run with nothing recorded leaves a translation without records
        assertThat(m.hart.run(100_000)).isInstanceOf(Trap.Ecall.class);
        DecodedPage code = m.mem.decoded[0x10];
        int loop = (int) (a.address("loop") - CODE) >>> 1;
        assertWithMessage("the loop's translation").that(code.translation(loop, false)).isNotNull();
        assertWithMessage("one that records").that(code.translation(loop, true)).isNull();
        m.hart.setPc(CODE);
      }
      xv6ckpt.emulator.cov.EdgeMap map = new xv6ckpt.emulator.cov.EdgeMap(CODE, CODE + 0x1000);
      m.hart.setCoverage(map.recorder());
      assertThat(m.hart.run(100_000)).isInstanceOf(Trap.Ecall.class);
      assertThat(m.hart.x(13)).isEqualTo(225);
      maps[translate ? 1 : 0] = map.counters();
      if (translate) {
        int loop = (int) (a.address("loop") - CODE) >>> 1;
        assertWithMessage("the recording translation")
            .that(m.mem.decoded[0x10].translation(loop, true))
            .isNotNull();
      }
    }
    assertThat(java.util.Arrays.equals(maps[0], new byte[maps[0].length])).isFalse();
    assertThat(maps[1]).isEqualTo(maps[0]);
  }

  @Test
  void thresholdBelowOneIsRejectedAndTranslationCanBeTurnedOff() {
    Machine m = new Machine();
    m.hart.setTranslation(false);
    assertThat(m.hart.translation()).isFalse();
    IllegalArgumentException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            IllegalArgumentException.class, () -> m.hart.setTranslationThreshold(0));
    assertThat(e).hasMessageThat().contains("at least 1");
  }
}
