package xv6ckpt.emulator.asm;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.*;

import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every instruction method against an independent opinion: the expected words were produced by GNU
 * as 2.40 ({@code riscv64-unknown-elf-as}; base rows with {@code -march=rv64ima_zicsr_zifencei}
 * under {@code .option norvc}, compressed rows with {@code -march=rv64imac}) and read back with
 * {@code riscv64-unknown-elf-objdump -d}. The assembly text beside each row is what was fed to GNU
 * as; the test does not run the tools.
 */
class AssemblerEncodingTest {

  static Arguments row(String gnuText, int expected, Consumer<Assembler> emit) {
    return Arguments.of(gnuText, expected, emit);
  }

  static Stream<Arguments> base() {
    return Stream.of(
        row("lui a0, 0x12345", 0x12345537, a -> a.lui(A0, 0x12345)),
        row("lui t6, 0xfffff", 0xffffffb7, a -> a.lui(T6, 0xfffff)),
        row("lui s0, 0x80000", 0x80000437, a -> a.lui(S0, 0x80000)),
        row("auipc ra, 0x1", 0x00001097, a -> a.auipc(RA, 1)),
        row("auipc s11, 0xabcde", 0xabcded97, a -> a.auipc(S11, 0xabcde)),
        row("jalr ra, 0(a0)", 0x000500e7, a -> a.jalr(RA, 0, A0)),
        row("jalr zero, -2048(t0)", 0x80028067, a -> a.jalr(ZERO, -2048, T0)),
        row("jalr s1, 2047(s2)", 0x7ff904e7, a -> a.jalr(S1, 2047, S2)),
        row("lb a0, -1(sp)", 0xfff10503, a -> a.lb(A0, -1, SP)),
        row("lh a1, 2(a2)", 0x00261583, a -> a.lh(A1, 2, A2)),
        row("lw t0, 2047(t1)", 0x7ff32283, a -> a.lw(T0, 2047, T1)),
        row("ld s3, -2048(s4)", 0x800a3983, a -> a.ld(S3, -2048, S4)),
        row("lbu a5, 0(a6)", 0x00084783, a -> a.lbu(A5, 0, A6)),
        row("lhu a7, 6(s5)", 0x006ad883, a -> a.lhu(A7, 6, S5)),
        row("lwu t2, 12(gp)", 0x00c1e383, a -> a.lwu(T2, 12, GP)),
        row("sb a0, -1(sp)", 0xfea10fa3, a -> a.sb(A0, -1, SP)),
        row("sh t3, 2046(t4)", 0x7fce9f23, a -> a.sh(T3, 2046, T4)),
        row("sw a1, -2048(s0)", 0x80b42023, a -> a.sw(A1, -2048, S0)),
        row("sd ra, 8(sp)", 0x00113423, a -> a.sd(RA, 8, SP)),
        row("addi a0, a1, -2048", 0x80058513, a -> a.addi(A0, A1, -2048)),
        row("addi sp, sp, 2047", 0x7ff10113, a -> a.addi(SP, SP, 2047)),
        row("slti t0, t1, -5", 0xffb32293, a -> a.slti(T0, T1, -5)),
        row("sltiu t0, t1, 1", 0x00133293, a -> a.sltiu(T0, T1, 1)),
        row("xori a0, a0, -1", 0xfff54513, a -> a.xori(A0, A0, -1)),
        row("ori s6, s7, 0x7ff", 0x7ffbeb13, a -> a.ori(S6, S7, 0x7ff)),
        row("andi s8, s9, 0xff", 0x0ffcfc13, a -> a.andi(S8, S9, 0xff)),
        row("addiw a0, a1, -1", 0xfff5851b, a -> a.addiw(A0, A1, -1)),
        row("slli a0, a1, 63", 0x03f59513, a -> a.slli(A0, A1, 63)),
        row("srli a2, a3, 32", 0x0206d613, a -> a.srli(A2, A3, 32)),
        row("srai a4, a5, 1", 0x4017d713, a -> a.srai(A4, A5, 1)),
        row("srai t5, t6, 63", 0x43ffdf13, a -> a.srai(T5, T6, 63)),
        row("slliw a0, a1, 31", 0x01f5951b, a -> a.slliw(A0, A1, 31)),
        row("srliw a2, a3, 0", 0x0006d61b, a -> a.srliw(A2, A3, 0)),
        row("sraiw a4, a5, 31", 0x41f7d71b, a -> a.sraiw(A4, A5, 31)),
        row("add a0, a1, a2", 0x00c58533, a -> a.add(A0, A1, A2)),
        row("sub t0, t1, t2", 0x407302b3, a -> a.sub(T0, T1, T2)),
        row("sll s0, s1, s2", 0x01249433, a -> a.sll(S0, S1, S2)),
        row("slt a3, a4, a5", 0x00f726b3, a -> a.slt(A3, A4, A5)),
        row("sltu a6, a7, s3", 0x0138b833, a -> a.sltu(A6, A7, S3)),
        row("xor s4, s5, s6", 0x016aca33, a -> a.xor(S4, S5, S6)),
        row("srl s7, s8, s9", 0x019c5bb3, a -> a.srl(S7, S8, S9)),
        row("sra s10, s11, t3", 0x41cddd33, a -> a.sra(S10, S11, T3)),
        row("or t4, t5, t6", 0x01ff6eb3, a -> a.or(T4, T5, T6)),
        row("and ra, sp, gp", 0x003170b3, a -> a.and(RA, SP, GP)),
        row("addw a0, a1, a2", 0x00c5853b, a -> a.addw(A0, A1, A2)),
        row("subw a3, a4, a5", 0x40f706bb, a -> a.subw(A3, A4, A5)),
        row("sllw t0, t1, t2", 0x007312bb, a -> a.sllw(T0, T1, T2)),
        row("srlw s0, s1, s2", 0x0124d43b, a -> a.srlw(S0, S1, S2)),
        row("sraw tp, gp, sp", 0x4021d23b, a -> a.sraw(TP, GP, SP)),
        row("fence iorw, iorw", 0x0ff0000f, a -> a.fence()),
        row(
            "fence rw, w",
            0x0310000f,
            a -> a.fence(Assembler.FENCE_R | Assembler.FENCE_W, Assembler.FENCE_W)),
        row("fence i, o", 0x0840000f, a -> a.fence(Assembler.FENCE_I, Assembler.FENCE_O)),
        row("fence.tso", 0x8330000f, a -> a.fenceTso()),
        row("fence.i", 0x0000100f, a -> a.fenceI()),
        row("ecall", 0x00000073, a -> a.ecall()),
        row("ebreak", 0x00100073, a -> a.ebreak()),
        row("csrrw a0, 0xc00, a1", 0xc0059573, a -> a.csrrw(A0, Csr.CYCLE, A1)),
        row("csrrs a0, 0xc01, zero", 0xc0102573, a -> a.csrrs(A0, Csr.TIME, ZERO)),
        row("csrrc t0, 0xc02, t1", 0xc02332f3, a -> a.csrrc(T0, Csr.INSTRET, T1)),
        row("csrrwi a0, 0x340, 31", 0x340fd573, a -> a.csrrwi(A0, 0x340, 31)),
        row("csrrsi zero, 0xfff, 1", 0xfff0e073, a -> a.csrrsi(ZERO, 0xfff, 1)),
        row("csrrci s1, 0x001, 17", 0x0018f4f3, a -> a.csrrci(S1, 0x001, 17)),
        row("mul a0, a1, a2", 0x02c58533, a -> a.mul(A0, A1, A2)),
        row("mulh a3, a4, a5", 0x02f716b3, a -> a.mulh(A3, A4, A5)),
        row("mulhsu t0, t1, t2", 0x027322b3, a -> a.mulhsu(T0, T1, T2)),
        row("mulhu s0, s1, s2", 0x0324b433, a -> a.mulhu(S0, S1, S2)),
        row("div a0, a1, a2", 0x02c5c533, a -> a.div(A0, A1, A2)),
        row("divu t3, t4, t5", 0x03eede33, a -> a.divu(T3, T4, T5)),
        row("rem s3, s4, s5", 0x035a69b3, a -> a.rem(S3, S4, S5)),
        row("remu s6, s7, s8", 0x038bfb33, a -> a.remu(S6, S7, S8)),
        row("mulw a0, a1, a2", 0x02c5853b, a -> a.mulw(A0, A1, A2)),
        row("divw a3, a4, a5", 0x02f746bb, a -> a.divw(A3, A4, A5)),
        row("divuw a6, a7, t6", 0x03f8d83b, a -> a.divuw(A6, A7, T6)),
        row("remw ra, sp, gp", 0x023160bb, a -> a.remw(RA, SP, GP)),
        row("remuw s9, s10, s11", 0x03bd7cbb, a -> a.remuw(S9, S10, S11)),
        row("lr.w a0, (a1)", 0x1005a52f, a -> a.lrW(A0, A1)),
        row("lr.d.aq t0, (t1)", 0x140332af, a -> a.lrD(T0, T1, Ordering.AQ)),
        row("sc.w a0, a2, (a1)", 0x18c5a52f, a -> a.scW(A0, A2, A1)),
        row("sc.d.rl t2, t3, (t4)", 0x1bceb3af, a -> a.scD(T2, T3, T4, Ordering.RL)),
        row("amoswap.w a0, a1, (a2)", 0x08b6252f, a -> a.amoswapW(A0, A1, A2)),
        row("amoswap.d.aqrl a3, a4, (a5)", 0x0ee7b6af, a -> a.amoswapD(A3, A4, A5, Ordering.AQ_RL)),
        row("amoadd.w s0, s1, (s2)", 0x0099242f, a -> a.amoaddW(S0, S1, S2)),
        row("amoadd.d zero, t0, (sp)", 0x0051302f, a -> a.amoaddD(ZERO, T0, SP)),
        row("amoxor.w.aq a0, a1, (a2)", 0x24b6252f, a -> a.amoxorW(A0, A1, A2, Ordering.AQ)),
        row("amoxor.d a0, a1, (a2)", 0x20b6352f, a -> a.amoxorD(A0, A1, A2)),
        row("amoand.w a0, a1, (a2)", 0x60b6252f, a -> a.amoandW(A0, A1, A2)),
        row("amoand.d.rl a0, a1, (a2)", 0x62b6352f, a -> a.amoandD(A0, A1, A2, Ordering.RL)),
        row("amoor.w a0, a1, (a2)", 0x40b6252f, a -> a.amoorW(A0, A1, A2)),
        row("amoor.d a0, a1, (a2)", 0x40b6352f, a -> a.amoorD(A0, A1, A2)),
        row("amomin.w t5, t6, (s11)", 0x81fdaf2f, a -> a.amominW(T5, T6, S11)),
        row("amomin.d a0, a1, (a2)", 0x80b6352f, a -> a.amominD(A0, A1, A2)),
        row("amomax.w a0, a1, (a2)", 0xa0b6252f, a -> a.amomaxW(A0, A1, A2)),
        row("amomax.d.aqrl a0, a1, (a2)", 0xa6b6352f, a -> a.amomaxD(A0, A1, A2, Ordering.AQ_RL)),
        row("amominu.w a0, a1, (a2)", 0xc0b6252f, a -> a.amominuW(A0, A1, A2)),
        row("amominu.d a0, a1, (a2)", 0xc0b6352f, a -> a.amominuD(A0, A1, A2)),
        row("amomaxu.w a0, a1, (a2)", 0xe0b6252f, a -> a.amomaxuW(A0, A1, A2)),
        row("amomaxu.d ra, gp, (tp)", 0xe03230af, a -> a.amomaxuD(RA, GP, TP)),
        row("nop", 0x00000013, a -> a.nop()),
        row("mv a0, sp", 0x00010513, a -> a.mv(A0, SP)),
        row("not t0, t1", 0xfff34293, a -> a.not(T0, T1)),
        row("neg a0, a1", 0x40b00533, a -> a.neg(A0, A1)),
        row("negw a2, a3", 0x40d0063b, a -> a.negw(A2, A3)),
        row("sext.w a4, a5", 0x0007871b, a -> a.sextW(A4, A5)),
        row("seqz s0, s1", 0x0014b413, a -> a.seqz(S0, S1)),
        row("snez s2, s3", 0x01303933, a -> a.snez(S2, S3)),
        row("sltz s4, s5", 0x000aaa33, a -> a.sltz(S4, S5)),
        row("sgtz s6, s7", 0x01702b33, a -> a.sgtz(S6, S7)),
        row("jr a0", 0x00050067, a -> a.jr(A0)),
        row("jalr t0", 0x000280e7, a -> a.jalr(T0)),
        row("ret", 0x00008067, a -> a.ret()),
        row("csrr a0, 0xc00", 0xc0002573, a -> a.csrr(A0, Csr.CYCLE)),
        row("csrw 0x340, a1", 0x34059073, a -> a.csrw(0x340, A1)),
        row("csrs 0x340, a2", 0x34062073, a -> a.csrs(0x340, A2)),
        row("csrc 0x340, a3", 0x3406b073, a -> a.csrc(0x340, A3)),
        row("rdcycle a0", 0xc0002573, a -> a.rdcycle(A0)),
        row("rdtime a1", 0xc01025f3, a -> a.rdtime(A1)),
        row("rdinstret a2", 0xc0202673, a -> a.rdinstret(A2)));
  }

  static Stream<Arguments> compressed() {
    return Stream.of(
        row("c.addi4spn a0, sp, 4", 0x0048, a -> a.cAddi4spn(A0, 4)),
        row("c.addi4spn s1, sp, 1020", 0x1fe4, a -> a.cAddi4spn(S1, 1020)),
        row("c.addi4spn a5, sp, 520", 0x043c, a -> a.cAddi4spn(A5, 520)),
        row("c.lw a0, 0(a1)", 0x4188, a -> a.cLw(A0, 0, A1)),
        row("c.lw s0, 124(a5)", 0x5fe0, a -> a.cLw(S0, 124, A5)),
        row("c.lw a2, 68(s1)", 0x40f0, a -> a.cLw(A2, 68, S1)),
        row("c.ld a3, 248(a4)", 0x7f74, a -> a.cLd(A3, 248, A4)),
        row("c.ld s1, 64(s0)", 0x6024, a -> a.cLd(S1, 64, S0)),
        row("c.sw a0, 4(a1)", 0xc1c8, a -> a.cSw(A0, 4, A1)),
        row("c.sw a5, 124(s0)", 0xdc7c, a -> a.cSw(A5, 124, S0)),
        row("c.sd a2, 8(a3)", 0xe690, a -> a.cSd(A2, 8, A3)),
        row("c.sd s0, 248(s1)", 0xfce0, a -> a.cSd(S0, 248, S1)),
        row("c.nop", 0x0001, a -> a.cNop()),
        row("c.addi a0, -32", 0x1501, a -> a.cAddi(A0, -32)),
        row("c.addi t6, 31", 0x0ffd, a -> a.cAddi(T6, 31)),
        row("c.addi sp, 1", 0x0105, a -> a.cAddi(SP, 1)),
        row("c.addiw a0, 0", 0x2501, a -> a.cAddiw(A0, 0)),
        row("c.addiw s11, -1", 0x3dfd, a -> a.cAddiw(S11, -1)),
        row("c.li a0, -32", 0x5501, a -> a.cLi(A0, -32)),
        row("c.li ra, 31", 0x40fd, a -> a.cLi(RA, 31)),
        row("c.addi16sp sp, -512", 0x7101, a -> a.cAddi16sp(-512)),
        row("c.addi16sp sp, 496", 0x617d, a -> a.cAddi16sp(496)),
        row("c.addi16sp sp, 16", 0x6141, a -> a.cAddi16sp(16)),
        row("c.addi16sp sp, 32", 0x6105, a -> a.cAddi16sp(32)),
        row("c.addi16sp sp, 64", 0x6121, a -> a.cAddi16sp(64)),
        row("c.addi16sp sp, 128", 0x6109, a -> a.cAddi16sp(128)),
        row("c.addi16sp sp, 256", 0x6111, a -> a.cAddi16sp(256)),
        row("c.lui a0, 1", 0x6505, a -> a.cLui(A0, 1)),
        row("c.lui t6, 31", 0x6ffd, a -> a.cLui(T6, 31)),
        row("c.lui ra, 0xfffe0", 0x7081, a -> a.cLui(RA, -32)),
        row("c.lui s0, 0xfffff", 0x747d, a -> a.cLui(S0, 0xfffff)),
        row("c.srli a0, 1", 0x8105, a -> a.cSrli(A0, 1)),
        row("c.srli s1, 63", 0x90fd, a -> a.cSrli(S1, 63)),
        row("c.srai a5, 32", 0x9781, a -> a.cSrai(A5, 32)),
        row("c.srai s0, 1", 0x8405, a -> a.cSrai(S0, 1)),
        row("c.andi a0, -32", 0x9901, a -> a.cAndi(A0, -32)),
        row("c.andi a1, 31", 0x89fd, a -> a.cAndi(A1, 31)),
        row("c.andi s1, 0", 0x8881, a -> a.cAndi(S1, 0)),
        row("c.sub a0, a1", 0x8d0d, a -> a.cSub(A0, A1)),
        row("c.xor s0, a5", 0x8c3d, a -> a.cXor(S0, A5)),
        row("c.or a2, a3", 0x8e55, a -> a.cOr(A2, A3)),
        row("c.and a4, s1", 0x8f65, a -> a.cAnd(A4, S1)),
        row("c.subw a0, s0", 0x9d01, a -> a.cSubw(A0, S0)),
        row("c.addw a5, a4", 0x9fb9, a -> a.cAddw(A5, A4)),
        row("c.slli a0, 1", 0x0506, a -> a.cSlli(A0, 1)),
        row("c.slli t6, 63", 0x1ffe, a -> a.cSlli(T6, 63)),
        row("c.slli ra, 32", 0x1082, a -> a.cSlli(RA, 32)),
        row("c.lwsp a0, 0(sp)", 0x4502, a -> a.cLwsp(A0, 0)),
        row("c.lwsp ra, 252(sp)", 0x50fe, a -> a.cLwsp(RA, 252)),
        row("c.lwsp t6, 132(sp)", 0x4f9a, a -> a.cLwsp(T6, 132)),
        row("c.ldsp a0, 504(sp)", 0x757e, a -> a.cLdsp(A0, 504)),
        row("c.ldsp s11, 8(sp)", 0x6da2, a -> a.cLdsp(S11, 8)),
        row("c.ldsp ra, 264(sp)", 0x60b2, a -> a.cLdsp(RA, 264)),
        row("c.swsp a0, 252(sp)", 0xdfaa, a -> a.cSwsp(A0, 252)),
        row("c.swsp zero, 0(sp)", 0xc002, a -> a.cSwsp(ZERO, 0)),
        row("c.swsp t6, 68(sp)", 0xc2fe, a -> a.cSwsp(T6, 68)),
        row("c.sdsp ra, 504(sp)", 0xff86, a -> a.cSdsp(RA, 504)),
        row("c.sdsp s0, 8(sp)", 0xe422, a -> a.cSdsp(S0, 8)),
        row("c.sdsp t6, 136(sp)", 0xe57e, a -> a.cSdsp(T6, 136)),
        row("c.jr ra", 0x8082, a -> a.cJr(RA)),
        row("c.jr t6", 0x8f82, a -> a.cJr(T6)),
        row("c.mv a0, a1", 0x852e, a -> a.cMv(A0, A1)),
        row("c.mv t6, ra", 0x8f86, a -> a.cMv(T6, RA)),
        row("c.ebreak", 0x9002, a -> a.cEbreak()),
        row("c.jalr a0", 0x9502, a -> a.cJalr(A0)),
        row("c.jalr t6", 0x9f82, a -> a.cJalr(T6)),
        row("c.add a0, a1", 0x952e, a -> a.cAdd(A0, A1)),
        row("c.add sp, t6", 0x917e, a -> a.cAdd(SP, T6)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("base")
  void baseInstructionMatchesGnuAs(String gnuText, int expected, Consumer<Assembler> emit) {
    Assembler a = new Assembler(0x8000_0000L);
    emit.accept(a);
    byte[] code = a.assemble();
    assertThat(code).hasLength(4);
    assertThat(le32(code, 0)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("compressed")
  void compressedInstructionMatchesGnuAs(String gnuText, int expected, Consumer<Assembler> emit) {
    Assembler a = new Assembler(0x8000_0000L);
    emit.accept(a);
    byte[] code = a.assemble();
    assertThat(code).hasLength(2);
    assertThat((code[0] & 0xFF) | (code[1] & 0xFF) << 8).isEqualTo(expected);
  }

  static int le32(byte[] b, int at) {
    return (b[at] & 0xFF)
        | (b[at + 1] & 0xFF) << 8
        | (b[at + 2] & 0xFF) << 16
        | (b[at + 3] & 0xFF) << 24;
  }
}
