package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.emulator.Enc.*;

import org.junit.jupiter.api.Test;

/** Raw-encoded sanity programs: registers, budget exactness, precise traps, counters. */
class HartTest {
  static final long BASE = PhysicalMemory.BASE;

  /** sum = 1 + 2 + ... + n in a5, n in a0; ends with ecall. 6 instructions, loop of 3. */
  static Machine sumLoop(long n) {
    Machine m = new Machine();
    m.code(
        BASE,
        addi(15, 0, 0), // a5 = 0
        add(15, 15, 10), // loop: a5 += a0
        addi(10, 10, -1), // a0--
        bne(10, 0, -8), // if a0 != 0 goto loop
        ECALL);
    m.hart.setPc(BASE);
    m.hart.setX(10, n);
    return m;
  }

  @Test
  void loopComputesSumAndStopsAtEcallPrecisely() {
    Machine m = sumLoop(100);
    Trap t = m.hart.run(1_000_000);
    assertThat(t).isEqualTo(new Trap.Ecall(BASE + 16));
    assertThat(m.hart.x(15)).isEqualTo(5050);
    assertThat(m.hart.pc()).isEqualTo(BASE + 16);
    assertThat(m.hart.instret()).isEqualTo(1 + 3 * 100); // ecall does not retire
  }

  @Test
  void budgetStopsAfterExactlyKInstructions() {
    for (int k = 0; k <= 12; k++) {
      Machine m = sumLoop(100);
      Trap t = m.hart.run(k);
      long expectPc = k == 0 ? BASE : BASE + 4 + 4 * ((k - 1) % 3);
      assertThat(t).isEqualTo(new Trap.Timer(expectPc));
      assertThat(m.hart.instret()).isEqualTo(k);
      assertThat(m.hart.pc()).isEqualTo(expectPc);
    }
  }

  @Test
  void runSplitAtAnyPointEqualsOneRun() {
    Machine whole = sumLoop(37);
    Trap end = whole.hart.run(10_000);
    for (int k = 1; k < 60; k += 7) {
      Machine m = sumLoop(37);
      Trap first = m.hart.run(k);
      assertThat(first).isInstanceOf(Trap.Timer.class);
      Trap second = m.hart.run(10_000);
      assertThat(second).isEqualTo(end);
      assertThat(m.hart.instret()).isEqualTo(whole.hart.instret());
      assertThat(m.hart.x(15)).isEqualTo(whole.hart.x(15));
    }
  }

  @Test
  void negativeBudgetIsRejected() {
    Machine m = sumLoop(1);
    assertThrows(IllegalArgumentException.class, () -> m.hart.run(-1));
  }

  @Test
  void x0IsHardwiredToZero() {
    Machine m = new Machine();
    m.code(BASE, addi(0, 0, 5), add(1, 0, 0), lui(0, 0x12345000), ECALL);
    m.hart.setPc(BASE);
    m.hart.setX(0, 99);
    m.hart.run(10);
    assertThat(m.hart.x(0)).isEqualTo(0);
    assertThat(m.hart.x(1)).isEqualTo(0);
  }

  @Test
  void illegalInstructionTrapsWithItsBitsAndChangesNothing() {
    Machine m = new Machine();
    int bad = 0xFFFF_FFFF;
    m.code(BASE, addi(5, 0, 7), bad);
    m.hart.setPc(BASE);
    Trap t = m.hart.run(10);
    assertThat(t).isEqualTo(new Trap.IllegalInstruction(BASE + 4, 0xFFFF_FFFFL));
    assertThat(t.cause()).isEqualTo(2);
    assertThat(m.hart.pc()).isEqualTo(BASE + 4);
    assertThat(m.hart.instret()).isEqualTo(1);
  }

  @Test
  void illegalCompressedReportsSixteenBits() {
    Machine m = new Machine();
    m.code16(BASE, 0x0000); // the all-zero halfword is illegal
    m.hart.setPc(BASE);
    assertThat(m.hart.run(1)).isEqualTo(new Trap.IllegalInstruction(BASE, 0));
    m.code16(BASE, 0x6001); // C.LUI x0? no: c.lui with rd=0 imm=0 -> reserved
    assertThat(m.hart.run(1)).isEqualTo(new Trap.IllegalInstruction(BASE, 0x6001));
  }

  @Test
  void ebreakAndCompressedEbreak() {
    Machine m = new Machine();
    m.code(BASE, EBREAK);
    m.code16(BASE + 4, 0x9002); // c.ebreak
    m.hart.setPc(BASE);
    assertThat(m.hart.run(5)).isEqualTo(new Trap.Breakpoint(BASE));
    m.hart.setPc(BASE + 4);
    Trap t = m.hart.run(5);
    assertThat(t).isEqualTo(new Trap.Breakpoint(BASE + 4));
    assertThat(t.tval()).isEqualTo(BASE + 4);
  }

  @Test
  void accessOutsideRamIsAccessFault() {
    Machine m = new Machine();
    m.code(BASE, lui(5, 0x10000000), ld(6, 5, 0));
    m.hart.setPc(BASE);
    Trap t = m.hart.run(10);
    assertThat(t).isEqualTo(new Trap.AccessFault(BASE + 4, Trap.Access.LOAD, 0x1000_0000L));
    assertThat(t.cause()).isEqualTo(5);
    m.hart.setPc(0x1000);
    assertThat(m.hart.run(10)).isEqualTo(new Trap.AccessFault(0x1000, Trap.Access.FETCH, 0x1000));
  }

  @Test
  void rdinstretRdcycleRdtimeCountRetiredInstructions() {
    Machine m = new Machine();
    m.code(
        BASE,
        NOP,
        NOP,
        csr(2, 5, 0xC02, 0), // rdinstret t0
        csr(2, 6, 0xC00, 0), // rdcycle t1
        csr(6, 7, 0xC01, 0), // csrrsi t2, time, 0
        csr(3, 28, 0xC02, 0), // csrrc t3, instret, x0
        ECALL);
    m.hart.setPc(BASE);
    m.hart.setInstret(1000);
    m.hart.run(100);
    assertThat(m.hart.x(5)).isEqualTo(1002);
    assertThat(m.hart.x(6)).isEqualTo(1003);
    assertThat(m.hart.x(7)).isEqualTo(1004);
    assertThat(m.hart.x(28)).isEqualTo(1005);
  }

  @Test
  void counterWritesAndOtherCsrsAreIllegal() {
    int[] illegal = {
      csr(1, 5, 0xC00, 0), // csrrw: always writes
      csr(5, 5, 0xC02, 0), // csrrwi
      csr(2, 5, 0xC00, 6), // csrrs with rs1 != x0 writes
      csr(7, 5, 0xC01, 1), // csrrci with uimm != 0 writes
      csr(2, 5, 0xC03, 0), // hpmcounter3
      csr(2, 5, 0x100, 0), // sstatus
      csr(2, 5, 0x180, 0), // satp
      csr(4, 5, 0xC00, 0), // funct3 = 4 is not a CSR instruction
      0x1020_0073, // sret
      0x1050_0073, // wfi
    };
    for (int bits : illegal) {
      Machine m = new Machine();
      m.code(BASE, bits);
      m.hart.setPc(BASE);
      m.hart.setX(5, 77);
      assertThat(m.hart.run(1)).isEqualTo(new Trap.IllegalInstruction(BASE, bits & 0xFFFF_FFFFL));
      assertThat(m.hart.x(5)).isEqualTo(77);
    }
  }

  @Test
  void apiRejectsBadArguments() {
    Machine m = new Machine();
    assertThrows(IllegalArgumentException.class, () -> m.hart.x(32));
    assertThrows(IllegalArgumentException.class, () -> m.hart.setX(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> m.hart.setPc(BASE + 1));
    assertThrows(IllegalArgumentException.class, () -> m.hart.setSatp(9L << 60));
  }

  @Test
  void misalignedLoadsAndStoresArePerformed() {
    Machine m = new Machine();
    m.code(BASE, sd(6, 5, 3), ld(7, 5, 3), lw(28, 5, 1), ECALL);
    m.hart.setPc(BASE);
    m.hart.setX(5, BASE + 0x1000);
    m.hart.setX(6, 0x1122_3344_5566_7788L);
    m.hart.run(10);
    assertThat(m.hart.x(7)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(m.mem.read64(BASE + 0x1003)).isEqualTo(0x1122_3344_5566_7788L);
    assertThat(m.hart.x(28)).isEqualTo(0x7788_0000L); // bytes 1..4: 00 00 88 77
  }

  @Test
  void registerArraysCopyX1ToX31AndNeverX0() {
    Hart h = new Hart(new PhysicalMemory(1 << 20));
    long[] in = new long[32];
    for (int i = 0; i < 32; i++) {
      in[i] = 1000 + i;
    }
    h.setRegisters(in);
    assertThat(h.x(0)).isEqualTo(0);
    assertThat(h.x(1)).isEqualTo(1001);
    assertThat(h.x(31)).isEqualTo(1031);
    h.setX(5, -3);
    long[] out = new long[32];
    out[0] = 99;
    h.registers(out);
    assertThat(out[0]).isEqualTo(0);
    assertThat(out[5]).isEqualTo(-3);
    assertThat(out[31]).isEqualTo(1031);
    assertThrows(IllegalArgumentException.class, () -> h.registers(new long[31]));
    assertThrows(IllegalArgumentException.class, () -> h.setRegisters(new long[3]));
  }
}
