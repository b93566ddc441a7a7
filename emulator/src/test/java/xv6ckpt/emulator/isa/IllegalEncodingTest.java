package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.isa.Rig.BASE;

import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.asm.Assembler;

/**
 * Encodings the hart must refuse: reserved compressed code points, floating-point and other
 * unimplemented extensions, unused funct fields of implemented opcodes, privileged instructions.
 * Each must trap as IllegalInstruction with pc at the instruction, the instruction's bits (16 for a
 * compressed one, zero-extended) in tval, and nothing changed: registers, pc, instret.
 *
 * <p>The disassembly beside each code was checked with {@code riscv64-unknown-elf-objdump -D -b
 * binary -m riscv:rv64 -M no-aliases} (".4byte" / ".2byte" where GNU knows no instruction).
 */
class IllegalEncodingTest {

  static Stream<Arguments> compressed() {
    return Stream.of(
        Arguments.of("all-zero halfword (defined illegal)", 0x0000),
        Arguments.of("c.addi4spn with nzuimm 0", 0x0004),
        Arguments.of("c.fld fs0, 0(s0)", 0x2000),
        Arguments.of("c.fld fs0, 248(a5)", 0x3fe0),
        Arguments.of("c.fsd fs0, 0(s0)", 0xa000),
        Arguments.of("c.fsd fs0, 248(a5)", 0xbfe0),
        Arguments.of("c.fldsp ft0, 0(sp)", 0x2002),
        Arguments.of("c.fsdsp ft0, 0(sp)", 0xa002),
        Arguments.of("quadrant 0 funct3 100 (reserved)", 0x8000),
        Arguments.of("c.addi16sp with nzimm 0 (reserved)", 0x6101),
        Arguments.of("c.lui a0 with nzimm 0 (reserved)", 0x6501),
        Arguments.of("c.lwsp with rd x0 (reserved)", 0x4002),
        Arguments.of("c.ldsp with rd x0 (reserved)", 0x6002),
        Arguments.of("c.jr with rs1 x0 (reserved)", 0x8002),
        Arguments.of("c.addiw with rd x0 (reserved)", 0x2001),
        Arguments.of("CA funct6 100111 funct2 10 (reserved)", 0x9c41),
        Arguments.of("CA funct6 100111 funct2 11 (reserved)", 0x9c61));
  }

  static Stream<Arguments> full() {
    return Stream.of(
        Arguments.of("flw ft0, 0(a0) (LOAD-FP)", 0x00052007),
        Arguments.of("fsw fa0, 0(a0) (STORE-FP)", 0x00a52027),
        Arguments.of("fadd.s (OP-FP)", 0x00000053),
        Arguments.of("fmadd.s (MADD)", 0x00000043),
        Arguments.of("custom-0", 0x0000000b),
        Arguments.of("custom-1", 0x0000002b),
        Arguments.of("reserved opcode 1101011", 0x0000006b),
        Arguments.of("OP-V (vector)", 0x00000057),
        Arguments.of("OP funct7 0100000 funct3 001", 0x40001033),
        Arguments.of("OP funct7 1111111", 0xfe000033),
        Arguments.of("OP-32 funct3 010", 0x0000203b),
        Arguments.of("OP-32 funct7 0100000 funct3 001", 0x4000103b),
        Arguments.of("OP-IMM-32 funct3 010", 0x0000201b),
        Arguments.of("slliw with shamt[5] set", 0x0205151b),
        Arguments.of("OP-IMM funct3 101 funct6 111111", 0xfc005013),
        Arguments.of("LOAD funct3 111", 0x00007003),
        Arguments.of("STORE funct3 100", 0x00004023),
        Arguments.of("BRANCH funct3 010", 0x00002063),
        Arguments.of("BRANCH funct3 011", 0x00003063),
        Arguments.of("JALR funct3 001", 0x00001067),
        Arguments.of("MISC-MEM funct3 111", 0x0000700f),
        Arguments.of("AMO funct3 100", 0x0000402f),
        Arguments.of("AMO funct5 11111", 0xf800202f),
        Arguments.of("lr.w a0, (a1) with rs2 field x1 (reserved)", 0x1015a52f),
        Arguments.of("mret", 0x30200073),
        Arguments.of("sret", 0x10200073),
        Arguments.of("wfi", 0x10500073),
        Arguments.of("sfence.vma", 0x12000073),
        Arguments.of("SYSTEM funct3 100", 0x00004073));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("compressed")
  void reservedCompressedEncoding(String name, int bits) {
    checkIllegal(name, a -> a.raw16(bits), bits);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("full")
  void unimplementedFullEncoding(String name, int bits) {
    checkIllegal(name, a -> a.raw32(bits), bits & 0xffff_ffffL);
  }

  /**
   * Runs {@code addi a0, zero, 1} then the instruction {@code emit} writes (at BASE + 4), with
   * every other register holding a sentinel, and checks the precise IllegalInstruction trap.
   */
  static void checkIllegal(String name, Consumer<Assembler> emit, long tval) {
    Assembler a = Rig.asm().addi(A0, ZERO, 1);
    emit.accept(a);
    a.ebreak();
    Rig r = Rig.of(a);
    for (int reg = 1; reg < 32; reg++) {
      r.set(reg, 0x5a5a_0000L + reg);
    }
    long before = r.hart.instret();
    Trap t = r.run();
    assertWithMessage(name).that(t).isEqualTo(new Trap.IllegalInstruction(BASE + 4, tval));
    assertWithMessage(name + ": scause").that(t.cause()).isEqualTo(2);
    assertWithMessage(name + ": stval").that(t.tval()).isEqualTo(tval);
    assertWithMessage(name + ": pc").that(r.hart.pc()).isEqualTo(BASE + 4);
    assertWithMessage(name + ": instret").that(r.hart.instret()).isEqualTo(before + 1);
    assertWithMessage(name + ": a0").that(r.x(A0)).isEqualTo(1);
    for (int reg = 1; reg < 32; reg++) {
      if (reg != A0) {
        assertWithMessage(name + ": x" + reg).that(r.x(reg)).isEqualTo(0x5a5a_0000L + reg);
      }
    }
    assertThat(r.x(ZERO)).isEqualTo(0);
  }
}
