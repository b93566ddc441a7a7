package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.Enc.*;

import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.Trap.Access;

/** LR/SC reservation rules, AMO semantics, misaligned atomics. */
class AtomicTest {
  static final long BASE = PhysicalMemory.BASE;
  static final long DATA = BASE + 0x8000;
  static final int LR = 2, SC = 3, SWAP = 1, ADD = 0, MIN = 0x10, MAXU = 0x1C;
  static final int A0 = 10, A1 = 11, A2 = 12, A3 = 13, T0 = 5;

  static Machine run(int... program) {
    Machine m = new Machine();
    int[] words = new int[program.length + 1];
    System.arraycopy(program, 0, words, 0, program.length);
    words[program.length] = ECALL;
    m.code(BASE, words);
    m.hart.setPc(BASE);
    m.hart.setX(A0, DATA);
    m.hart.setX(A1, 0x77);
    m.mem.write64(DATA, 0x10);
    m.mem.write64(DATA + 8, 0x20);
    assertThat(m.hart.run(100)).isEqualTo(new Trap.Ecall(BASE + 4L * program.length));
    return m;
  }

  @Test
  void lrThenScSucceeds() {
    Machine m = run(amo(LR, 3, A2, A0, 0), amo(SC, 3, A3, A0, A1));
    assertThat(m.hart.x(A2)).isEqualTo(0x10);
    assertThat(m.hart.x(A3)).isEqualTo(0);
    assertThat(m.mem.read64(DATA)).isEqualTo(0x77);
  }

  @Test
  void scWithoutReservationFails() {
    Machine m = run(amo(SC, 3, A3, A0, A1));
    assertThat(m.hart.x(A3)).isEqualTo(1);
    assertThat(m.mem.read64(DATA)).isEqualTo(0x10);
  }

  @Test
  void anyScClearsTheReservation() {
    Machine m = run(amo(LR, 3, A2, A0, 0), amo(SC, 3, A3, A0, A1), amo(SC, 3, T0, A0, A1));
    assertThat(m.hart.x(A3)).isEqualTo(0);
    assertThat(m.hart.x(T0)).isEqualTo(1);
  }

  @Test
  void scToAnotherAddressFailsAndClears() {
    Machine m =
        run(amo(LR, 3, A2, A0, 0), addi(T0, A0, 8), amo(SC, 3, A3, T0, A1), amo(SC, 3, A3, A0, A1));
    assertThat(m.hart.x(A3)).isEqualTo(1);
    assertThat(m.mem.read64(DATA + 8)).isEqualTo(0x20);
    assertThat(m.mem.read64(DATA)).isEqualTo(0x10);
  }

  @Test
  void scOfOtherWidthFails() {
    Machine m = run(amo(LR, 3, A2, A0, 0), amo(SC, 2, A3, A0, A1));
    assertThat(m.hart.x(A3)).isEqualTo(1);
  }

  @Test
  void overlappingStoreClearsTheReservation() {
    // A plain store to the reserved bytes, repeated so that a store-TLB entry could exist.
    Machine m = run(sb(0, A0, 0x10), amo(LR, 3, A2, A0, 0), sb(0, A0, 7), amo(SC, 3, A3, A0, A1));
    assertThat(m.hart.x(A3)).isEqualTo(1);
    assertThat(m.mem.read64(DATA)).isEqualTo(0x10);
  }

  @Test
  void storeElsewhereKeepsTheReservation() {
    Machine m = run(amo(LR, 3, A2, A0, 0), sd(0, A0, 8), amo(SC, 3, A3, A0, A1));
    assertThat(m.hart.x(A3)).isEqualTo(0);
  }

  @Test
  void kernelClearReservationMakesScFail() {
    Machine m = new Machine();
    m.code(BASE, amo(LR, 3, A2, A0, 0), amo(SC, 3, A3, A0, A1), ECALL);
    m.hart.setPc(BASE);
    m.hart.setX(A0, DATA);
    assertThat(m.hart.run(1)).isInstanceOf(Trap.Timer.class);
    m.hart.clearReservation();
    m.hart.run(10);
    assertThat(m.hart.x(A3)).isEqualTo(1);
  }

  @Test
  void amoWordSemantics() {
    Machine m = new Machine();
    m.code(BASE, amo(ADD, 2, A2, A0, A1), amo(MIN, 2, A3, A0, T0), amo(MAXU, 2, 6, A0, T0), ECALL);
    m.hart.setPc(BASE);
    m.hart.setX(A0, DATA);
    m.hart.setX(A1, 0xFFFF_FFFFL); // -1 as a word
    m.hart.setX(T0, 0x8000_0000L); // MIN_INT as a word
    m.mem.write64(DATA, 0x1_0000_0005L);
    m.hart.run(10);
    assertThat(m.hart.x(A2)).isEqualTo(5);
    assertThat(m.hart.x(A3)).isEqualTo(4); // 5 + -1
    assertThat(m.hart.x(6)).isEqualTo(0xFFFF_FFFF_8000_0000L); // old min, sign-extended
    assertThat(m.mem.read32(DATA)).isEqualTo(0x8000_0000); // maxu(0x80000000, 0x80000000)
    assertThat(m.mem.read32(DATA + 4)).isEqualTo(1); // upper word untouched
  }

  @Test
  void amoSwapDoubleWithRdEqualRs2() {
    Machine m = run(amo(SWAP, 3, A1, A0, A1));
    assertThat(m.hart.x(A1)).isEqualTo(0x10);
    assertThat(m.mem.read64(DATA)).isEqualTo(0x77);
  }

  @Test
  void misalignedAtomicsTrapWithoutEffect() {
    int[][] cases = {{LR, 0}, {SC, 1}, {SWAP, 1}};
    for (int[] c : cases) {
      Machine m = new Machine();
      m.code(BASE, amo(c[0], 3, A2, A0, c[0] == LR ? 0 : A1));
      m.hart.setPc(BASE);
      m.hart.setX(A0, DATA + 4);
      m.hart.setX(A2, 99);
      Access access = c[1] == 0 ? Access.LOAD : Access.STORE;
      Trap t = m.hart.run(10);
      assertThat(t).isEqualTo(new Trap.Misaligned(BASE, access, DATA + 4));
      assertThat(t.cause()).isEqualTo(c[1] == 0 ? 4 : 6);
      assertThat(m.hart.x(A2)).isEqualTo(99);
      assertThat(m.mem.read64(DATA + 4)).isEqualTo(0);
      assertThat(m.hart.instret()).isEqualTo(0);
    }
  }

  @Test
  void lrWithNonZeroRs2IsIllegal() {
    Machine m = new Machine();
    int bits = amo(LR, 3, A2, A0, A1);
    m.code(BASE, bits);
    m.hart.setPc(BASE);
    assertThat(m.hart.run(1)).isEqualTo(new Trap.IllegalInstruction(BASE, bits & 0xFFFF_FFFFL));
  }
}
