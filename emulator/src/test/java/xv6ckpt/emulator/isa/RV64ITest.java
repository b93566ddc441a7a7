package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.isa.Rig.BASE;
import static xv6ckpt.emulator.isa.Rig.DATA;
import static xv6ckpt.emulator.isa.Rig.PAGE_END;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.asm.Assembler;

/**
 * RV64I on the hart: every instruction of the base ISA with its edge cases (the ground of
 * riscv-tests rv64ui). Expected values come from the reference lambdas below, each the ISA manual's
 * one-line definition written in plain Java, or from constants derived by hand.
 */
class RV64ITest {

  // ---------------------------------------------------------------------------------------
  // Register-register and register-immediate arithmetic
  // ---------------------------------------------------------------------------------------

  static Stream<Alu.Binary> registerOps() {
    return Stream.of(
        new Alu.Binary("add", Assembler::add, (a, b) -> a + b),
        new Alu.Binary("sub", Assembler::sub, (a, b) -> a - b),
        new Alu.Binary("sll", Assembler::sll, (a, b) -> a << (b & 63)),
        new Alu.Binary("slt", Assembler::slt, (a, b) -> a < b ? 1 : 0),
        new Alu.Binary("sltu", Assembler::sltu, (a, b) -> Long.compareUnsigned(a, b) < 0 ? 1 : 0),
        new Alu.Binary("xor", Assembler::xor, (a, b) -> a ^ b),
        new Alu.Binary("srl", Assembler::srl, (a, b) -> a >>> (b & 63)),
        new Alu.Binary("sra", Assembler::sra, (a, b) -> a >> (b & 63)),
        new Alu.Binary("or", Assembler::or, (a, b) -> a | b),
        new Alu.Binary("and", Assembler::and, (a, b) -> a & b),
        // W forms: operate on the low 32 bits, sign-extend the 32-bit result; shift by 5 bits.
        new Alu.Binary("addw", Assembler::addw, (a, b) -> (long) (int) (a + b)),
        new Alu.Binary("subw", Assembler::subw, (a, b) -> (long) (int) (a - b)),
        new Alu.Binary("sllw", Assembler::sllw, (a, b) -> (long) ((int) a << (b & 31))),
        new Alu.Binary("srlw", Assembler::srlw, (a, b) -> (long) ((int) a >>> (b & 31))),
        new Alu.Binary("sraw", Assembler::sraw, (a, b) -> (long) ((int) a >> (b & 31))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("registerOps")
  void registerRegister(Alu.Binary op) {
    Alu.checkBinary(op);
  }

  private static final long[] IMM12 = {0, 1, -1, 2, 0x7ff, -0x800, 0x555, -0x556};
  private static final long[] SHAMT6 = {0, 1, 2, 31, 32, 33, 62, 63};
  private static final long[] SHAMT5 = {0, 1, 15, 30, 31};

  static Stream<Alu.Immediate> immediateOps() {
    return Stream.of(
        new Alu.Immediate("addi", Assembler::addi, (a, i) -> a + i, IMM12),
        new Alu.Immediate("slti", Assembler::slti, (a, i) -> a < i ? 1 : 0, IMM12),
        // sltiu compares with the sign-extended immediate as an unsigned number.
        new Alu.Immediate(
            "sltiu", Assembler::sltiu, (a, i) -> Long.compareUnsigned(a, i) < 0 ? 1 : 0, IMM12),
        new Alu.Immediate("xori", Assembler::xori, (a, i) -> a ^ i, IMM12),
        new Alu.Immediate("ori", Assembler::ori, (a, i) -> a | i, IMM12),
        new Alu.Immediate("andi", Assembler::andi, (a, i) -> a & i, IMM12),
        new Alu.Immediate("addiw", Assembler::addiw, (a, i) -> (long) (int) (a + i), IMM12),
        new Alu.Immediate(
            "slli", (as, rd, rs, i) -> as.slli(rd, rs, (int) i), (a, i) -> a << i, SHAMT6),
        new Alu.Immediate(
            "srli", (as, rd, rs, i) -> as.srli(rd, rs, (int) i), (a, i) -> a >>> i, SHAMT6),
        new Alu.Immediate(
            "srai", (as, rd, rs, i) -> as.srai(rd, rs, (int) i), (a, i) -> a >> i, SHAMT6),
        new Alu.Immediate(
            "slliw",
            (as, rd, rs, i) -> as.slliw(rd, rs, (int) i),
            (a, i) -> (long) ((int) a << i),
            SHAMT5),
        new Alu.Immediate(
            "srliw",
            (as, rd, rs, i) -> as.srliw(rd, rs, (int) i),
            (a, i) -> (long) ((int) a >>> i),
            SHAMT5),
        new Alu.Immediate(
            "sraiw",
            (as, rd, rs, i) -> as.sraiw(rd, rs, (int) i),
            (a, i) -> (long) ((int) a >> i),
            SHAMT5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("immediateOps")
  void registerImmediate(Alu.Immediate op) {
    Alu.checkImmediate(op);
  }

  @Test
  void handPickedResults() {
    // A few results worked out by hand, as a check on the reference lambdas themselves.
    Rig r =
        Rig.of(
            Rig.asm()
                .addiw(A0, A1, 1) // 0x7fffffff + 1 wraps to 0x80000000, sign-extended
                .srliw(A2, A3, 0) // srliw by 0 still sign-extends bit 31
                .sraw(A4, A3, A5) // shift amount 33: only the low 5 bits (1) count
                .sltiu(A6, A7, -1) // every value but all-ones is below 0xffff_ffff_ffff_ffff
                .srai(S2, A3, 63)
                .ebreak());
    r.set(A1, 0x7fffffffL).set(A3, 0x1_8000_0000L).set(A5, 33).set(A7, 0x8000_0000_0000_0000L);
    r.runTo(BASE + 20);
    assertThat(r.x(A0)).isEqualTo(0xffff_ffff_8000_0000L);
    assertThat(r.x(A2)).isEqualTo(0xffff_ffff_8000_0000L);
    assertThat(r.x(A4)).isEqualTo(0xffff_ffff_c000_0000L);
    assertThat(r.x(A6)).isEqualTo(1);
    assertThat(r.x(S2)).isEqualTo(0);
  }

  // ---------------------------------------------------------------------------------------
  // lui, auipc
  // ---------------------------------------------------------------------------------------

  @Test
  void luiSignExtendsBit31() {
    Rig r =
        Rig.of(
            Rig.asm()
                .lui(A0, 0x80000)
                .lui(A1, 0x7ffff)
                .lui(A2, 0xfffff)
                .lui(A3, 0x12345)
                .lui(ZERO, 0x12345)
                .ebreak());
    r.runTo(BASE + 20);
    assertThat(r.x(A0)).isEqualTo(0xffff_ffff_8000_0000L);
    assertThat(r.x(A1)).isEqualTo(0x7fff_f000L);
    assertThat(r.x(A2)).isEqualTo(0xffff_ffff_ffff_f000L);
    assertThat(r.x(A3)).isEqualTo(0x1234_5000L);
    assertThat(r.x(ZERO)).isEqualTo(0);
  }

  @Test
  void auipcAddsItsOwnPc() {
    Rig r =
        Rig.of(
            Rig.asm()
                .auipc(A0, 0) // at BASE
                .auipc(A1, 1) // at BASE + 4
                .auipc(A2, 0xfffff) // at BASE + 8: -0x1000
                .auipc(A3, 0x80000) // at BASE + 12: -0x8000_0000
                .ebreak());
    r.runTo(BASE + 16);
    assertThat(r.x(A0)).isEqualTo(BASE);
    assertThat(r.x(A1)).isEqualTo(BASE + 4 + 0x1000);
    assertThat(r.x(A2)).isEqualTo(BASE + 8 - 0x1000);
    assertThat(r.x(A3)).isEqualTo(BASE + 12 - 0x8000_0000L);
  }

  // ---------------------------------------------------------------------------------------
  // jal, jalr
  // ---------------------------------------------------------------------------------------

  @Test
  void jalForwardAndBackwardLinksPcPlus4() {
    Assembler a = Rig.asm();
    a.jal(RA, "fwd") // BASE
        .label("back")
        .jal(ZERO, "end") // BASE + 4
        .ebreak() // BASE + 8: skipped
        .label("fwd")
        .jal(A0, "back") // BASE + 12
        .ebreak() // BASE + 16: skipped
        .label("end")
        .ebreak(); // BASE + 20
    Rig r = Rig.of(a);
    r.runTo(BASE + 20);
    assertThat(r.x(RA)).isEqualTo(BASE + 4);
    assertThat(r.x(A0)).isEqualTo(BASE + 16);
    assertThat(r.x(ZERO)).isEqualTo(0);
  }

  @Test
  void jalrClearsBitZeroOfTheTarget() {
    Assembler a = Rig.asm();
    a.jalr(RA, 0, A1).ebreak().label("t").ebreak();
    Rig r = Rig.of(a);
    r.set(A1, a.address("t") + 1);
    r.runTo(a.address("t"));
    assertThat(r.x(RA)).isEqualTo(BASE + 4);
  }

  @Test
  void jalrAddsTheSignedOffset() {
    Assembler a = Rig.asm();
    a.jalr(T0, -16, A1).ebreak().label("t").ebreak();
    Rig r = Rig.of(a);
    r.set(A1, a.address("t") + 16);
    r.runTo(a.address("t"));
    assertThat(r.x(T0)).isEqualTo(BASE + 4);
    assertThat(r.x(A1)).isEqualTo(a.address("t") + 16);
  }

  @Test
  void jalrWithRdEqualRs1UsesTheOldValue() {
    Assembler a = Rig.asm();
    a.jalr(A1, 0, A1).ebreak().label("t").ebreak();
    Rig r = Rig.of(a);
    r.set(A1, a.address("t"));
    r.runTo(a.address("t"));
    assertThat(r.x(A1)).isEqualTo(BASE + 4);
  }

  @Test
  void jalrToAHalfwordAlignedTargetIsAllowedWithRvc() {
    Assembler a = Rig.asm();
    a.jalr(ZERO, 0, A1).cNop().label("t").ebreak(); // t = BASE + 6
    Rig r = Rig.of(a);
    r.set(A1, a.address("t"));
    r.runTo(BASE + 6);
  }

  @Test
  void retReturnsThroughRa() {
    Assembler a = Rig.asm();
    a.call("f").ebreak().label("f").addi(A0, ZERO, 7).ret();
    Rig r = Rig.of(a);
    r.runTo(BASE + 8);
    assertThat(r.x(A0)).isEqualTo(7);
    assertThat(r.x(RA)).isEqualTo(BASE + 8);
  }

  // ---------------------------------------------------------------------------------------
  // Branches
  // ---------------------------------------------------------------------------------------

  interface Branch {
    void emit(Assembler a, int rs1, int rs2, String label);
  }

  interface Condition {
    boolean taken(long a, long b);
  }

  static Stream<Arguments> branches() {
    return Stream.of(
        Arguments.of("beq", (Branch) Assembler::beq, (Condition) (a, b) -> a == b),
        Arguments.of("bne", (Branch) Assembler::bne, (Condition) (a, b) -> a != b),
        Arguments.of("blt", (Branch) Assembler::blt, (Condition) (a, b) -> a < b),
        Arguments.of("bge", (Branch) Assembler::bge, (Condition) (a, b) -> a >= b),
        Arguments.of(
            "bltu", (Branch) Assembler::bltu, (Condition) (a, b) -> Long.compareUnsigned(a, b) < 0),
        Arguments.of(
            "bgeu",
            (Branch) Assembler::bgeu,
            (Condition) (a, b) -> Long.compareUnsigned(a, b) >= 0));
  }

  private static final long[][] BRANCH_PAIRS = {
    {0, 0},
    {1, 2},
    {2, 1},
    {-1, 1},
    {1, -1},
    {-1, -1},
    {Long.MIN_VALUE, Long.MAX_VALUE},
    {Long.MAX_VALUE, Long.MIN_VALUE},
    {0xffffffffL, 0xffffffff_ffffffffL},
    {0x1_0000_0000L, 0}
  };

  @ParameterizedTest(name = "{0}")
  @MethodSource("branches")
  void branchForwardTakenAndNotTaken(String name, Branch br, Condition cond) {
    Assembler a = Rig.asm();
    br.emit(a, A1, A2, "taken");
    a.ebreak().label("taken").ebreak();
    Rig r = Rig.of(a);
    for (long[] p : BRANCH_PAIRS) {
      r.set(A1, p[0]).set(A2, p[1]);
      Trap t = r.run();
      long expected = cond.taken(p[0], p[1]) ? BASE + 8 : BASE + 4;
      assertWithMessage(name + " " + Rig.hex(p[0]) + ", " + Rig.hex(p[1]))
          .that(t)
          .isEqualTo(new Trap.Breakpoint(expected));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("branches")
  void branchBackwardTakenAndNotTaken(String name, Branch br, Condition cond) {
    Assembler a = Rig.asm();
    a.j("start").label("back").ebreak();
    a.label("start");
    br.emit(a, A1, A2, "back");
    a.ebreak();
    Rig r = Rig.of(a);
    for (long[] p : BRANCH_PAIRS) {
      r.set(A1, p[0]).set(A2, p[1]);
      Trap t = r.run();
      long expected = cond.taken(p[0], p[1]) ? BASE + 4 : BASE + 12;
      assertWithMessage(name + " " + Rig.hex(p[0]) + ", " + Rig.hex(p[1]))
          .that(t)
          .isEqualTo(new Trap.Breakpoint(expected));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("branches")
  void branchWithTheSameRegisterTwice(String name, Branch br, Condition cond) {
    Assembler a = Rig.asm();
    br.emit(a, A1, A1, "taken");
    a.ebreak().label("taken").ebreak();
    Rig r = Rig.of(a);
    r.set(A1, -5);
    long expected = cond.taken(-5, -5) ? BASE + 8 : BASE + 4;
    assertThat(r.run()).isEqualTo(new Trap.Breakpoint(expected));
  }

  @Test
  void countedLoopRunsExactlyNTimes() {
    Assembler a = Rig.asm();
    a.addi(A0, ZERO, 0)
        .addi(A1, ZERO, 10)
        .label("loop")
        .addi(A0, A0, 3)
        .addi(A1, A1, -1)
        .bnez(A1, "loop")
        .ebreak();
    Rig r = Rig.of(a);
    r.runTo(BASE + 20);
    assertThat(r.x(A0)).isEqualTo(30);
    assertThat(r.hart.instret()).isEqualTo(2 + 3 * 10);
  }

  // ---------------------------------------------------------------------------------------
  // Loads and stores, aligned, misaligned and across a page boundary
  // ---------------------------------------------------------------------------------------

  private static final byte[] PATTERN = {
    (byte) 0x81,
    (byte) 0xf2,
    0x73,
    (byte) 0xe4,
    0x05,
    (byte) 0x96,
    0x27,
    (byte) 0xb8,
    0x49,
    (byte) 0xda,
    0x6b,
    (byte) 0xfc,
    0x1d,
    (byte) 0x8e,
    0x3f,
    (byte) 0xa0
  };

  interface Load {
    void emit(Assembler a, int rd, long imm, int rs1);
  }

  /** name, emitter, size in bytes, sign-extending? */
  static Stream<Arguments> loads() {
    return Stream.of(
        Arguments.of("lb", (Load) Assembler::lb, 1, true),
        Arguments.of("lh", (Load) Assembler::lh, 2, true),
        Arguments.of("lw", (Load) Assembler::lw, 4, true),
        Arguments.of("ld", (Load) Assembler::ld, 8, true),
        Arguments.of("lbu", (Load) Assembler::lbu, 1, false),
        Arguments.of("lhu", (Load) Assembler::lhu, 2, false),
        Arguments.of("lwu", (Load) Assembler::lwu, 4, false));
  }

  /** The little-endian value of {@code size} bytes of {@code mem} at {@code at}, extended. */
  static long expectedLoad(byte[] mem, int at, int size, boolean signed) {
    long v = 0;
    for (int k = size - 1; k >= 0; k--) {
      v = v << 8 | (mem[at + k] & 0xFF);
    }
    int unused = 64 - 8 * size;
    return signed ? v << unused >> unused : v;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("loads")
  void loadAtEveryAlignment(String name, Load load, int size, boolean signed) {
    Assembler a = Rig.asm();
    load.emit(a, A0, 0, A1);
    load.emit(a, A2, -8, A3);
    load.emit(a, A4, 2047, A5);
    load.emit(a, A6, 0, A6); // rd == rs1
    load.emit(a, ZERO, 0, A1);
    a.ebreak();
    Rig r = Rig.of(a);
    long region = DATA + 0x100;
    r.poke(region, PATTERN);
    for (int off = 0; off < 8; off++) {
      long addr = region + off;
      r.set(A1, addr).set(A3, addr + 8).set(A5, addr - 2047).set(A6, addr);
      r.runTo(BASE + 20);
      long expected = expectedLoad(PATTERN, off, size, signed);
      String what = name + " at offset " + off;
      assertWithMessage(what).that(r.x(A0)).isEqualTo(expected);
      assertWithMessage(what + " (imm -8)").that(r.x(A2)).isEqualTo(expected);
      assertWithMessage(what + " (imm 2047)").that(r.x(A4)).isEqualTo(expected);
      assertWithMessage(what + " (rd == rs1)").that(r.x(A6)).isEqualTo(expected);
      assertWithMessage(what + " into x0").that(r.x(ZERO)).isEqualTo(0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("loads")
  void loadAcrossAPageBoundary(String name, Load load, int size, boolean signed) {
    Assembler a = Rig.asm();
    load.emit(a, A0, 0, A1);
    a.ebreak();
    Rig r = Rig.of(a);
    r.poke(PAGE_END - 8, PATTERN);
    for (int before = 1; before < size; before++) {
      r.set(A1, PAGE_END - before);
      r.runTo(BASE + 4);
      assertWithMessage(name + " with " + before + " bytes before the page end")
          .that(r.x(A0))
          .isEqualTo(expectedLoad(PATTERN, 8 - before, size, signed));
    }
  }

  interface Store {
    void emit(Assembler a, int rs2, long imm, int rs1);
  }

  static Stream<Arguments> stores() {
    return Stream.of(
        Arguments.of("sb", (Store) Assembler::sb, 1),
        Arguments.of("sh", (Store) Assembler::sh, 2),
        Arguments.of("sw", (Store) Assembler::sw, 4),
        Arguments.of("sd", (Store) Assembler::sd, 8));
  }

  private static final long STORED = 0x1122_3344_5566_7788L;

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void storeWritesExactlyItsWidthAtEveryAlignment(String name, Store store, int size) {
    Assembler a = Rig.asm();
    store.emit(a, A2, 0, A1);
    a.ebreak();
    Rig r = Rig.of(a);
    long region = DATA + 0x200;
    for (int off = 0; off < 8; off++) {
      r.poke(region, PATTERN);
      r.set(A1, region + off).set(A2, STORED);
      r.runTo(BASE + 4);
      assertWithMessage(name + " at offset " + off)
          .that(r.peek(region, 16))
          .isEqualTo(patched(PATTERN, off, size));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void storeAcrossAPageBoundary(String name, Store store, int size) {
    Assembler a = Rig.asm();
    store.emit(a, A2, -4, A1);
    a.ebreak();
    Rig r = Rig.of(a);
    for (int before = 1; before < size; before++) {
      r.poke(PAGE_END - 8, PATTERN);
      r.set(A1, PAGE_END - before + 4).set(A2, STORED);
      r.runTo(BASE + 4);
      assertWithMessage(name + " with " + before + " bytes before the page end")
          .that(r.peek(PAGE_END - 8, 16))
          .isEqualTo(patched(PATTERN, 8 - before, size));
    }
  }

  /** {@code base} with the low {@code size} bytes of STORED written at {@code off}. */
  private static byte[] patched(byte[] base, int off, int size) {
    byte[] b = Arrays.copyOf(base, base.length);
    System.arraycopy(Rig.le(STORED, size), 0, b, off, size);
    return b;
  }

  @Test
  void storeThenLoadOfEveryWidthRoundTrips() {
    Rig r =
        Rig.of(
            Rig.asm()
                .sd(A2, 0, A1)
                .ld(A3, 0, A1)
                .sw(A2, 8, A1)
                .lwu(A4, 8, A1)
                .lw(A5, 8, A1)
                .sh(A2, 16, A1)
                .lhu(A6, 16, A1)
                .lh(A7, 16, A1)
                .sb(A2, 24, A1)
                .lbu(S2, 24, A1)
                .lb(S3, 24, A1)
                .ebreak());
    r.set(A1, DATA).set(A2, 0x8899_aabb_ccdd_eeffL);
    r.runTo(BASE + 44);
    assertThat(r.x(A3)).isEqualTo(0x8899_aabb_ccdd_eeffL);
    assertThat(r.x(A4)).isEqualTo(0xccdd_eeffL);
    assertThat(r.x(A5)).isEqualTo(0xffff_ffff_ccdd_eeffL);
    assertThat(r.x(A6)).isEqualTo(0xeeffL);
    assertThat(r.x(A7)).isEqualTo(0xffff_ffff_ffff_eeffL);
    assertThat(r.x(S2)).isEqualTo(0xffL);
    assertThat(r.x(S3)).isEqualTo(-1L);
  }

  @Test
  void storeOfX0WritesZero() {
    Rig r = Rig.of(Rig.asm().sd(ZERO, 0, A1).ebreak());
    r.poke64(DATA, -1);
    r.set(A1, DATA);
    r.runTo(BASE + 4);
    assertThat(r.peek64(DATA)).isEqualTo(0);
  }

  @Test
  void loadOutsideRamIsAnAccessFaultWithNothingChanged() {
    Rig r = Rig.of(Rig.asm().addi(A0, ZERO, 1).ld(A2, 0, A1).ebreak());
    long outside = BASE + Rig.RAM;
    r.set(A1, outside).set(A2, 42);
    Trap t = r.run();
    assertThat(t).isEqualTo(new Trap.AccessFault(BASE + 4, Trap.Access.LOAD, outside));
    assertThat(r.x(A2)).isEqualTo(42);
    assertThat(r.x(A0)).isEqualTo(1);
    assertThat(r.hart.pc()).isEqualTo(BASE + 4);
  }

  @Test
  void storeOutsideRamIsAnAccessFault() {
    Rig r = Rig.of(Rig.asm().sw(A2, 0, A1).ebreak());
    long below = BASE - 4;
    r.set(A1, below).set(A2, 42);
    assertThat(r.run()).isEqualTo(new Trap.AccessFault(BASE, Trap.Access.STORE, below));
  }

  // ---------------------------------------------------------------------------------------
  // Misaligned accesses across two Sv39 pages that are not adjacent in physical memory
  // ---------------------------------------------------------------------------------------

  /** Sv39 PTE bits (privileged spec 4.4.1). */
  private static final long V = 1, R = 2, W = 4, X = 8, U = 16, A = 64, D = 128;

  /**
   * User va 0x0000 -> pa BASE (code), va 0x2000 -> pa BASE+0xc000, va 0x3000 -> pa BASE+0x8000 (so
   * va 0x2000..0x3fff is contiguous but its halves are swapped in RAM); va 0x4000 unmapped. Tables:
   * root at BASE+0xa000, level 1 at BASE+0xb000, level 0 at BASE+0xd000.
   */
  private static Rig sv39Rig(Assembler code) {
    Rig r = new Rig();
    r.poke(BASE, code.assemble());
    long root = BASE + 0xa000, mid = BASE + 0xb000, leaf = BASE + 0xd000;
    r.poke64(root, pte(mid, V));
    r.poke64(mid, pte(leaf, V));
    r.poke64(leaf, pte(BASE, V | R | X | U | A));
    r.poke64(leaf + 2 * 8, pte(BASE + 0xc000, V | R | W | U | A | D));
    r.poke64(leaf + 3 * 8, pte(BASE + 0x8000, V | R | W | U | A | D));
    r.hart.setSatp(8L << 60 | root >>> 12);
    return r;
  }

  private static long pte(long pa, long flags) {
    return (pa >>> 12) << 10 | flags;
  }

  @Test
  void misalignedLoadAndStoreAcrossTranslatedPages() {
    Rig r = sv39Rig(new Assembler(0).ld(A0, 0, A1).sd(A2, 4, A1).ebreak());
    r.poke(BASE + 0xcff8, Arrays.copyOfRange(PATTERN, 0, 8));
    r.poke(BASE + 0x8000, Arrays.copyOfRange(PATTERN, 8, 16));
    r.set(A1, 0x2ffb).set(A2, STORED);
    assertThat(r.runFrom(0)).isEqualTo(new Trap.Breakpoint(8));
    assertThat(r.x(A0)).isEqualTo(expectedLoad(PATTERN, 3, 8, true));
    // sd at va 0x2fff: one byte at the end of pa page 0xc000, seven at the start of 0x8000.
    assertThat(r.peek(BASE + 0xcfff, 1)).isEqualTo(Rig.le(STORED, 1));
    assertThat(r.peek(BASE + 0x8000, 7)).isEqualTo(Arrays.copyOfRange(Rig.le(STORED, 8), 1, 8));
  }

  @Test
  void misalignedStoreFaultingOnItsSecondPageWritesNothing() {
    Rig r = sv39Rig(new Assembler(0).addi(A0, ZERO, 1).sd(A2, 0, A1).ebreak());
    r.poke(BASE + 0x8ff8, PATTERN);
    r.set(A1, 0x3ffc).set(A2, STORED);
    Trap t = r.runFrom(0);
    assertThat(t).isInstanceOf(Trap.PageFault.class);
    Trap.PageFault pf = (Trap.PageFault) t;
    assertThat(pf.pc()).isEqualTo(4);
    assertThat(pf.access()).isEqualTo(Trap.Access.STORE);
    assertThat(pf.address()).isAnyOf(0x3ffcL, 0x4000L);
    assertThat(r.peek(BASE + 0x8ff8, 16)).isEqualTo(PATTERN);
    assertThat(r.hart.pc()).isEqualTo(4);
    assertThat(r.x(A0)).isEqualTo(1);
  }

  @Test
  void misalignedLoadFaultingOnItsSecondPageLeavesRdAlone() {
    Rig r = sv39Rig(new Assembler(0).lw(A0, 0, A1).ebreak());
    r.set(A1, 0x3ffe).set(A0, 77);
    Trap t = r.runFrom(0);
    assertThat(t).isInstanceOf(Trap.PageFault.class);
    assertThat(((Trap.PageFault) t).access()).isEqualTo(Trap.Access.LOAD);
    assertThat(((Trap.PageFault) t).address()).isAnyOf(0x3ffeL, 0x4000L);
    assertThat(r.x(A0)).isEqualTo(77);
  }

  // ---------------------------------------------------------------------------------------
  // x0, fence, fence.i, ecall, ebreak
  // ---------------------------------------------------------------------------------------

  @Test
  void writesToX0AreIgnored() {
    Rig r =
        Rig.of(
            Rig.asm()
                .addi(ZERO, ZERO, 5)
                .lui(ZERO, 1)
                .auipc(ZERO, 1)
                .ld(ZERO, 0, A1)
                .add(A0, ZERO, ZERO)
                .ebreak());
    r.set(A1, DATA);
    r.poke64(DATA, -1);
    r.runTo(BASE + 20);
    assertThat(r.x(ZERO)).isEqualTo(0);
    assertThat(r.x(A0)).isEqualTo(0);
  }

  @Test
  void fencesAreNoOps() {
    Rig r =
        Rig.of(
            Rig.asm()
                .addi(A0, ZERO, 1)
                .fence()
                .fence(Assembler.FENCE_R, Assembler.FENCE_W)
                .fenceTso()
                .fenceI()
                .addi(A0, A0, 1)
                .nop()
                .ebreak());
    r.runTo(BASE + 28);
    assertThat(r.x(A0)).isEqualTo(2);
  }

  @Test
  void fenceIMakesAStoreToCodeVisible() {
    // First pass runs "patch" (a2 = 1), then overwrites it with "addi a2, zero, 42", fence.i,
    // and runs it again: a2 must be 42.
    int replacement = Rig.word(new Assembler(0).addi(A2, ZERO, 42).assemble(), 0);
    Assembler a = Rig.asm();
    a.addi(S0, ZERO, 0)
        .la(A0, "patch")
        .label("loop")
        .label("patch")
        .addi(A2, ZERO, 1)
        .bnez(S0, "done")
        .addi(S0, ZERO, 1)
        .sw(A1, 0, A0)
        .fenceI()
        .j("loop")
        .label("done")
        .ebreak();
    Rig r = Rig.of(a);
    r.set(A1, replacement);
    r.runTo(a.address("done"));
    assertThat(r.x(A2)).isEqualTo(42);
  }

  @Test
  void codeRewrittenThroughMemoryBetweenRunsIsSeen() {
    // The kernel's exec writes new code with plain memory writes and no fence.i (xv6 has none).
    Rig r = Rig.of(Rig.asm().addi(A0, ZERO, 1).ebreak());
    r.runTo(BASE + 4);
    assertThat(r.x(A0)).isEqualTo(1);
    r.poke(BASE, Rig.asm().addi(A0, ZERO, 2).ebreak().assemble());
    r.runTo(BASE + 4);
    assertThat(r.x(A0)).isEqualTo(2);
  }

  @Test
  void ecallTrapsAtItsOwnPcAndResumesAfterIt() {
    Rig r = Rig.of(Rig.asm().addi(A7, ZERO, 64).ecall().addi(A0, ZERO, 9).ebreak());
    Trap t = r.run();
    assertThat(t).isEqualTo(new Trap.Ecall(BASE + 4));
    assertThat(t.cause()).isEqualTo(8);
    assertThat(r.hart.pc()).isEqualTo(BASE + 4);
    assertThat(r.x(A7)).isEqualTo(64);
    assertThat(r.x(A0)).isEqualTo(0);
    assertThat(r.runFrom(BASE + 8)).isEqualTo(new Trap.Breakpoint(BASE + 12));
    assertThat(r.x(A0)).isEqualTo(9);
  }

  @Test
  void ebreakTrapsWithItsPcInTval() {
    Rig r = Rig.of(Rig.asm().nop().ebreak());
    Trap t = r.run();
    assertThat(t).isEqualTo(new Trap.Breakpoint(BASE + 4));
    assertThat(t.cause()).isEqualTo(3);
    assertThat(t.tval()).isEqualTo(BASE + 4);
    assertThat(r.hart.pc()).isEqualTo(BASE + 4);
  }

  @Test
  void fetchOutsideRamIsAnAccessFault() {
    Rig r = Rig.of(Rig.asm().jr(A1));
    long outside = BASE + Rig.RAM;
    r.set(A1, outside);
    assertThat(r.run()).isEqualTo(new Trap.AccessFault(outside, Trap.Access.FETCH, outside));
  }
}
