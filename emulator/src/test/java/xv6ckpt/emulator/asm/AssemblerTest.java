package xv6ckpt.emulator.asm;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.emulator.asm.Reg.*;

import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Labels, fix-ups, pseudo-instructions, data directives and every refusal of the assembler. */
class AssemblerTest {

  /**
   * The same program given to GNU as 2.40 ({@code -march=rv64imac -mno-relax}, linked by {@code ld
   * --no-relax -Ttext=0x80000000}, dumped with {@code objcopy -O binary}); its text:
   *
   * <pre>
   * .option norvc
   * _start: li a0, 0
   * loop:   addi a0, a0, 1
   *         blt a0, a1, loop
   *         beq a0, a1, fwd
   *         bne a0, zero, loop
   *         bge a0, a1, fwd
   *         bltu a0, a1, loop
   *         bgeu a0, a1, fwd
   *         jal ra, fwd
   *         j loop
   *         lla a2, data
   *         call func
   *         tail func
   * fwd:    jal zero, _start
   * .option rvc
   *         c.j loop
   *         c.beqz a0, fwd
   *         c.bnez s1, cfwd
   *         c.nop
   * cfwd:   c.j cfwd
   * .option norvc
   * func:   ret
   * data:   .dword func
   *         .dword cfwd
   *         .word 0x12345678
   *         .half 0xbeef
   *         .byte 1, 2, 255
   * </pre>
   */
  private static final int[] GNU_PROGRAM = {
    0x13, 0x05, 0x00, 0x00, 0x13, 0x05, 0x15, 0x00, 0xe3, 0x4e, 0xb5, 0xfe, 0x63, 0x0a, 0xb5,
    0x02, 0xe3, 0x1a, 0x05, 0xfe, 0x63, 0x56, 0xb5, 0x02, 0xe3, 0x66, 0xb5, 0xfe, 0x63, 0x72,
    0xb5, 0x02, 0xef, 0x00, 0x00, 0x02, 0x6f, 0xf0, 0x1f, 0xfe, 0x17, 0x06, 0x00, 0x00, 0x13,
    0x06, 0xa6, 0x02, 0x97, 0x00, 0x00, 0x00, 0xe7, 0x80, 0xe0, 0x01, 0x17, 0x03, 0x00, 0x00,
    0x67, 0x00, 0x63, 0x01, 0x6f, 0xf0, 0x1f, 0xfc, 0xc1, 0xb7, 0x6d, 0xdd, 0x91, 0xe0, 0x01,
    0x00, 0x01, 0xa0, 0x67, 0x80, 0x00, 0x00, 0x4e, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00,
    0x4c, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x78, 0x56, 0x34, 0x12, 0xef, 0xbe, 0x01,
    0x02, 0xff
  };

  @Test
  void programWithLabelsMatchesGnuAsAndLd() {
    Assembler a = new Assembler(0x8000_0000L);
    a.label("_start")
        .li(A0, 0)
        .label("loop")
        .addi(A0, A0, 1)
        .blt(A0, A1, "loop")
        .beq(A0, A1, "fwd")
        .bne(A0, ZERO, "loop")
        .bge(A0, A1, "fwd")
        .bltu(A0, A1, "loop")
        .bgeu(A0, A1, "fwd")
        .jal(RA, "fwd")
        .j("loop")
        .la(A2, "data")
        .call("func")
        .tail("func")
        .label("fwd")
        .jal(ZERO, "_start")
        .cJ("loop")
        .cBeqz(A0, "fwd")
        .cBnez(S1, "cfwd")
        .cNop()
        .label("cfwd")
        .cJ("cfwd")
        .label("func")
        .ret()
        .label("data")
        .dword("func")
        .dword("cfwd")
        .word(0x12345678)
        .half(0xbeef)
        .bytes(1, 2, 255);
    byte[] expected = new byte[GNU_PROGRAM.length];
    for (int k = 0; k < expected.length; k++) {
      expected[k] = (byte) GNU_PROGRAM[k];
    }
    assertThat(a.assemble()).isEqualTo(expected);
    assertThat(a.address("func")).isEqualTo(0x8000_004eL);
    assertThat(a.address("data")).isEqualTo(0x8000_0052L);
  }

  @Test
  void labelsAtOriginZeroAndPcTracksSize() {
    Assembler a = new Assembler(0);
    a.label("start").nop().cNop().label("after");
    assertThat(a.address("start")).isEqualTo(0);
    assertThat(a.address("after")).isEqualTo(6);
    assertThat(a.pc()).isEqualTo(6);
    assertThat(a.size()).isEqualTo(6);
    assertThat(a.hasLabel("after")).isTrue();
    assertThat(a.hasLabel("nowhere")).isFalse();
  }

  @Test
  void assembleCanBeRepeatedAndSeesLaterLabels() {
    Assembler a = new Assembler(0x1000);
    a.j("end");
    assertThrows(IllegalArgumentException.class, a::assemble);
    a.nop().label("end");
    byte[] first = a.assemble();
    byte[] second = a.assemble();
    assertThat(first).isEqualTo(second);
    // jal x0, +8: imm[10:1] = 4 -> bits 30:21 = 4 -> 0x0080006f
    assertThat(AssemblerEncodingTest.le32(first, 0)).isEqualTo(0x0080006f);
  }

  @Test
  void dataDirectives() {
    Assembler a = new Assembler(0x10);
    a.bytes(new byte[] {1, 2, 3})
        .align(8)
        .ascii("hi")
        .asciz("!")
        .space(3)
        .half(-1)
        .dword(0x0102030405060708L);
    byte[] b = a.assemble();
    assertThat(Arrays.copyOfRange(b, 0, 8)).isEqualTo(new byte[] {1, 2, 3, 0, 0, 0, 0, 0});
    assertThat(Arrays.copyOfRange(b, 8, 12)).isEqualTo(new byte[] {'h', 'i', '!', 0});
    assertThat(Arrays.copyOfRange(b, 12, 17)).isEqualTo(new byte[] {0, 0, 0, -1, -1});
    assertThat(Arrays.copyOfRange(b, 17, 25)).isEqualTo(new byte[] {8, 7, 6, 5, 4, 3, 2, 1});
  }

  @Test
  void alignCountsFromTheOriginAddressNotTheBufferStart() {
    Assembler a = new Assembler(0x1002);
    a.align(4);
    assertThat(a.pc()).isEqualTo(0x1004);
    a.align(1);
    assertThat(a.pc()).isEqualTo(0x1004);
  }

  @Test
  void rawEncodingsAreEmittedVerbatim() {
    Assembler a = new Assembler(0);
    a.raw16(0x0000).raw16(0xffff).raw32(0xffffffff).raw32(0x0000007f);
    assertThat(a.assemble()).isEqualTo(new byte[] {0, 0, -1, -1, -1, -1, -1, -1, 0x7f, 0, 0, 0});
  }

  @Test
  void branchReachesExactlyItsRangeLimits() {
    // B-type: offsets -4096..4094; J-type: -1 MiB..1 MiB-2; CB: -256..254; CJ: -2048..2046.
    assertThat(farBranch(4094, (a, l) -> a.beq(A0, A1, l))).isNotNull();
    assertThrows(IllegalArgumentException.class, () -> farBranch(4096, (a, l) -> a.beq(A0, A1, l)));
    assertThat(farBackBranch(4096, (a, l) -> a.bne(A0, A1, l))).isNotNull();
    assertThrows(
        IllegalArgumentException.class, () -> farBackBranch(4098, (a, l) -> a.bne(A0, A1, l)));
    assertThat(farBranch(254, (a, l) -> a.cBeqz(A0, l))).isNotNull();
    assertThrows(IllegalArgumentException.class, () -> farBranch(256, (a, l) -> a.cBnez(A0, l)));
    assertThat(farBackBranch(256, (a, l) -> a.cBnez(A0, l))).isNotNull();
    assertThrows(
        IllegalArgumentException.class, () -> farBackBranch(258, (a, l) -> a.cBnez(A0, l)));
    assertThat(farBranch(2046, (a, l) -> a.cJ(l))).isNotNull();
    assertThrows(IllegalArgumentException.class, () -> farBranch(2048, (a, l) -> a.cJ(l)));
    assertThat(farBranch((1 << 20) - 2, (a, l) -> a.j(l))).isNotNull();
    assertThrows(IllegalArgumentException.class, () -> farBranch(1 << 20, (a, l) -> a.j(l)));
    assertThat(farBackBranch(1 << 20, (a, l) -> a.jal(l))).isNotNull();
    assertThrows(
        IllegalArgumentException.class, () -> farBackBranch((1 << 20) + 2, (a, l) -> a.jal(l)));
  }

  @Test
  void branchAtTheLimitEncodesTheLimit() {
    // beq a0, a1, +4094: imm[12]=0, imm[11]=1, imm[10:5]=0x3f, imm[4:1]=0xf -> 0x7eb50fe3
    byte[] code = farBranch(4094, (a, l) -> a.beq(A0, A1, l));
    assertThat(AssemblerEncodingTest.le32(code, 0)).isEqualTo(0x7eb50fe3);
    // beq a0, a1, -4096: only imm[12] set -> 0x80b50063
    byte[] back = farBackBranch(4096, (a, l) -> a.beq(A0, A1, l));
    assertThat(AssemblerEncodingTest.le32(back, 4096)).isEqualTo(0x80b50063);
  }

  private interface BranchTo {
    void emit(Assembler a, String label);
  }

  /** A branch at the origin to a label {@code distance} bytes ahead. */
  private static byte[] farBranch(int distance, BranchTo branch) {
    Assembler a = new Assembler(0x8000_0000L);
    branch.emit(a, "target");
    a.space(distance - (a.size())).label("target");
    return a.assemble();
  }

  /** A branch {@code distance} bytes after its (earlier) target label. */
  private static byte[] farBackBranch(int distance, BranchTo branch) {
    Assembler a = new Assembler(0x8000_0000L);
    a.label("target").space(distance);
    branch.emit(a, "target");
    return a.assemble();
  }

  @Test
  void misalignedBranchTargetIsRefused() {
    Assembler a = new Assembler(0x8000_0000L);
    a.beq(A0, A1, "odd").bytes(0).label("odd");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, a::assemble);
    assertThat(e).hasMessageThat().contains("beq a0, a1, odd");
    assertThat(e).hasMessageThat().contains("0x80000005");
    assertThat(e).hasMessageThat().contains("aligned");
  }

  @Test
  void undefinedLabelNamesTheInstructionAndLabel() {
    Assembler a = new Assembler(0);
    a.bnez(T0, "nowhere");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, a::assemble);
    assertThat(e).hasMessageThat().contains("bne t0, zero, nowhere");
    assertThat(e).hasMessageThat().contains("'nowhere' is not defined");
    assertThrows(IllegalArgumentException.class, () -> a.address("nowhere"));
  }

  @Test
  void duplicateLabelIsRefusedAtOnce() {
    Assembler a = new Assembler(0);
    a.label("x").nop();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.label("x"));
    assertThat(e).hasMessageThat().contains("'x' is defined twice");
  }

  @Test
  void laReachesBackwardsAcrossTheSignBoundaryOfTheLowPart() {
    // Offset -0x802: hi = (-0x802 + 0x800) >> 12 = -1, lo = -0x802 + 0x1000 = 0x7fe.
    Assembler a = new Assembler(0x1_0000L);
    a.label("here");
    a.space(0x801);
    a.align(2); // pc 0x10802: la at offset -0x802 from "here"
    a.la(A0, "here");
    byte[] b = a.assemble();
    int at = 0x802;
    int auipc = AssemblerEncodingTest.le32(b, at);
    int addi = AssemblerEncodingTest.le32(b, at + 4);
    long hi = (long) (auipc >> 12) << 12; // sign-extended upper immediate
    long lo = addi >> 20; // sign-extended I immediate
    assertThat(0x1_0802L + hi + lo).isEqualTo(0x1_0000L);
    assertThat(auipc & 0xFFF).isEqualTo(0x517); // auipc a0
    assertThat(addi & 0xFFFFF).isEqualTo(0x50513); // addi a0, a0
  }

  // ---------------------------------------------------------------------------------------
  // Operand refusals: each names the instruction and the offending value.
  // ---------------------------------------------------------------------------------------

  static Stream<Arguments> refusals() {
    return Stream.of(
        bad("addi", "5000", a -> a.addi(A0, A0, 5000)),
        bad("addi", "-2049", a -> a.addi(A0, A0, -2049)),
        bad("addi", "32", a -> a.addi(32, A0, 1)),
        bad("add", "-1", a -> a.add(A0, -1, A1)),
        bad("lw", "2048", a -> a.lw(A0, 2048, SP)),
        bad("sd", "-4096", a -> a.sd(A0, -4096, SP)),
        bad("slli", "64", a -> a.slli(A0, A0, 64)),
        bad("srai", "-1", a -> a.srai(A0, A0, -1)),
        bad("slliw", "32", a -> a.slliw(A0, A0, 32)),
        bad("sraiw", "32", a -> a.sraiw(A0, A0, 32)),
        bad("lui", "1048576", a -> a.lui(A0, 0x100000)),
        bad("auipc", "-524289", a -> a.auipc(A0, -0x80001)),
        bad("jalr", "2048", a -> a.jalr(RA, 2048, A0)),
        bad("csrrs", "4096", a -> a.csrrs(A0, 0x1000, ZERO)),
        bad("csrrwi", "32", a -> a.csrrwi(A0, Csr.CYCLE, 32)),
        bad("fence", "16", a -> a.fence(16, 1)),
        bad("fence", "0", a -> a.fence(1, 0)),
        bad("amoadd.w.aq", "40", a -> a.amoaddW(40, A1, A2, Ordering.AQ)),
        bad("lr.d", "33", a -> a.lrD(A0, 33)),
        bad("c.addi4spn", "0", a -> a.cAddi4spn(A0, 0)),
        bad("c.addi4spn", "1024", a -> a.cAddi4spn(A0, 1024)),
        bad("c.addi4spn", "6", a -> a.cAddi4spn(A0, 6)),
        bad("c.addi4spn", "sp", a -> a.cAddi4spn(SP, 4)),
        bad("c.lw", "128", a -> a.cLw(A0, 128, A1)),
        bad("c.lw", "2", a -> a.cLw(A0, 2, A1)),
        bad("c.lw", "t0", a -> a.cLw(T0, 0, A1)),
        bad("c.ld", "4", a -> a.cLd(A0, 4, A1)),
        bad("c.ld", "a6", a -> a.cLd(A0, 0, A6)),
        bad("c.sw", "256", a -> a.cSw(A0, 256, A1)),
        bad("c.sd", "ra", a -> a.cSd(RA, 0, A1)),
        bad("c.addi", "0", a -> a.cAddi(A0, 0)),
        bad("c.addi", "x0", a -> a.cAddi(ZERO, 1)),
        bad("c.addi", "32", a -> a.cAddi(A0, 32)),
        bad("c.addiw", "x0", a -> a.cAddiw(ZERO, 1)),
        bad("c.li", "-33", a -> a.cLi(A0, -33)),
        bad("c.li", "x0", a -> a.cLi(ZERO, 1)),
        bad("c.lui", "0", a -> a.cLui(A0, 0)),
        bad("c.lui", "32", a -> a.cLui(A0, 32)),
        bad("c.lui", "c.addi16sp", a -> a.cLui(SP, 1)),
        bad("c.lui", "x0", a -> a.cLui(ZERO, 1)),
        bad("c.addi16sp", "0", a -> a.cAddi16sp(0)),
        bad("c.addi16sp", "8", a -> a.cAddi16sp(8)),
        bad("c.addi16sp", "512", a -> a.cAddi16sp(512)),
        bad("c.addi16sp", "-528", a -> a.cAddi16sp(-528)),
        bad("c.srli", "0", a -> a.cSrli(A0, 0)),
        bad("c.srai", "64", a -> a.cSrai(A0, 64)),
        bad("c.srli", "t0", a -> a.cSrli(T0, 1)),
        bad("c.andi", "32", a -> a.cAndi(A0, 32)),
        bad("c.slli", "x0", a -> a.cSlli(ZERO, 1)),
        bad("c.slli", "0", a -> a.cSlli(A0, 0)),
        bad("c.sub", "a6", a -> a.cSub(A0, A6)),
        bad("c.addw", "x?(40)", a -> a.cAddw(40, A0)),
        bad("c.or", "a6", a -> a.cOr(A0, A6)),
        bad("c.lwsp", "x0", a -> a.cLwsp(ZERO, 0)),
        bad("c.lwsp", "256", a -> a.cLwsp(A0, 256)),
        bad("c.ldsp", "12", a -> a.cLdsp(A0, 12)),
        bad("c.ldsp", "512", a -> a.cLdsp(A0, 512)),
        bad("c.swsp", "2", a -> a.cSwsp(A0, 2)),
        bad("c.sdsp", "-8", a -> a.cSdsp(A0, -8)),
        bad("c.jr", "x0", a -> a.cJr(ZERO)),
        bad("c.jalr", "x0", a -> a.cJalr(ZERO)),
        bad("c.mv", "rs2", a -> a.cMv(A0, ZERO)),
        bad("c.mv", "rd", a -> a.cMv(ZERO, A0)),
        bad("c.add", "rs2", a -> a.cAdd(A0, ZERO)),
        bad("c.beqz", "t1", a -> a.cBeqz(T1, "x")),
        bad("li", "32", a -> a.li(32, 1)),
        bad("raw16", "65536", a -> a.raw16(0x10000)),
        bad("half", "65536", a -> a.half(0x10000)),
        bad("bytes", "256", a -> a.bytes(256)),
        bad("align", "3", a -> a.align(3)),
        bad("space", "-1", a -> a.space(-1)),
        bad("ascii", "not ASCII", a -> a.ascii("caf\u00e9")),
        bad("label", "non-empty", a -> a.label("")));
  }

  static Arguments bad(String insn, String value, Consumer<Assembler> emit) {
    return Arguments.of(insn, value, emit);
  }

  @ParameterizedTest(name = "{0} refuses {1}")
  @MethodSource("refusals")
  void operandRefusalNamesInstructionAndValue(String insn, String value, Consumer<Assembler> emit) {
    Assembler a = new Assembler(0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> emit.accept(a));
    assertThat(e).hasMessageThat().contains(insn);
    assertThat(e).hasMessageThat().contains(value);
    assertThat(a.size()).isEqualTo(0); // a refused instruction emits nothing
  }
}
