package xv6ckpt.emulator.asm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An RV64IMAC + Zicsr + Zifencei assembler driven from Java: one method per instruction, named
 * after the mnemonic in lowerCamel ({@code addiw}, {@code lrW}, {@code amoaddD}, {@code fenceI},
 * {@code cAddi16sp}), plus the usual pseudo-instructions and data directives.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>Operands come in the order the assembly text writes them: {@code addi(A0, A1, 5)} is {@code
 *       addi a0, a1, 5}; {@code lw(A0, 8, SP)} is {@code lw a0, 8(sp)}; {@code sw(A1, -4, S0)} is
 *       {@code sw a1, -4(s0)}; {@code amoaddW(A0, A1, A2)} is {@code amoadd.w a0, a1, (a2)}; {@code
 *       csrrs(A0, Csr.CYCLE, ZERO)} is {@code csrrs a0, cycle, zero}.
 *   <li>Nothing is silently truncated or fixed up: a register outside x0..x31 (or outside the
 *       compressed register class x8..x15 for rd'/rs1'/rs2'), an immediate out of range or of the
 *       wrong alignment, a compressed form whose operands make it a HINT or reserved encoding, a
 *       duplicate label, an undefined label, a branch target out of range or at an odd address, all
 *       throw {@link IllegalArgumentException} naming the instruction and the value. Operand errors
 *       are thrown by the emitting call; label errors by {@link #assemble()} (or by {@link #label}
 *       for a duplicate).
 *   <li>Compressed instructions are emitted only when asked for ({@code cAddi} ...); the base
 *       methods always emit 4 bytes, so a program's layout is what the caller wrote.
 *   <li>Forward references are fix-ups resolved by {@link #assemble()}, which may be called any
 *       number of times; every instruction's size is known when it is emitted.
 * </ul>
 *
 * Every emitting method returns {@code this}, so programs can be written as chains.
 */
public final class Assembler {
  private final long origin;
  private byte[] buf = new byte[256];
  private int size;
  private final Map<String, Long> labels = new HashMap<>();
  private final List<Fixup> fixups = new ArrayList<>();

  /** What a fix-up patches once its label's address is known. */
  private enum FixKind {
    BRANCH,
    JAL,
    C_BRANCH,
    C_JUMP,
    PCREL_CODE,
    PCREL_DATA,
    ABS64
  }

  /** A reference to {@code label} from the instruction (or dword) at buffer offset {@code at}. */
  private record Fixup(int at, FixKind kind, String label, String insn) {}

  /** A program whose first byte will live at virtual address {@code origin}. */
  public Assembler(long origin) {
    this.origin = origin;
  }

  /** The address of the first byte. */
  public long origin() {
    return origin;
  }

  /** The address the next emitted byte will have. */
  public long pc() {
    return origin + size;
  }

  /** Number of bytes emitted so far. */
  public int size() {
    return size;
  }

  // ======================================================================================
  // Labels
  // ======================================================================================

  /** Defines {@code name} as the current address; a name may be defined once. */
  public Assembler label(String name) {
    checkLabelName(name);
    if (labels.containsKey(name)) {
      throw new IllegalArgumentException(
          "label '" + name + "' is defined twice (first at " + hex(labels.get(name)) + ")");
    }
    labels.put(name, pc());
    return this;
  }

  /** The address of a defined label. */
  public long address(String label) {
    Long a = labels.get(label);
    if (a == null) {
      throw new IllegalArgumentException("label '" + label + "' is not defined");
    }
    return a;
  }

  /** True if {@code label} has been defined. */
  public boolean hasLabel(String label) {
    return labels.containsKey(label);
  }

  private static void checkLabelName(String name) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a label name must be a non-empty string");
    }
  }

  // ======================================================================================
  // RV64I: upper immediates, jumps, branches
  // ======================================================================================

  /** {@code lui rd, imm20}: imm20 is the 20-bit field, 0..0xFFFFF (or -0x80000..-1). */
  public Assembler lui(int rd, long imm20) {
    return emit32(Encode.u(Encode.LUI, reg("lui", "rd", rd), upper20("lui", imm20)));
  }

  /** {@code auipc rd, imm20}: imm20 as for {@link #lui}. */
  public Assembler auipc(int rd, long imm20) {
    return emit32(Encode.u(Encode.AUIPC, reg("auipc", "rd", rd), upper20("auipc", imm20)));
  }

  /** {@code jal rd, label}. */
  public Assembler jal(int rd, String label) {
    reg("jal", "rd", rd);
    return emitFixed(Encode.j(rd, 0), FixKind.JAL, label, "jal " + Reg.name(rd) + ", " + label);
  }

  /** {@code jalr rd, imm(rs1)}. */
  public Assembler jalr(int rd, long imm, int rs1) {
    return emit32(
        Encode.i(
            Encode.JALR, reg("jalr", "rd", rd), 0, reg("jalr", "rs1", rs1), simm("jalr", imm, 12)));
  }

  public Assembler beq(int rs1, int rs2, String label) {
    return branch("beq", 0b000, rs1, rs2, label);
  }

  public Assembler bne(int rs1, int rs2, String label) {
    return branch("bne", 0b001, rs1, rs2, label);
  }

  public Assembler blt(int rs1, int rs2, String label) {
    return branch("blt", 0b100, rs1, rs2, label);
  }

  public Assembler bge(int rs1, int rs2, String label) {
    return branch("bge", 0b101, rs1, rs2, label);
  }

  public Assembler bltu(int rs1, int rs2, String label) {
    return branch("bltu", 0b110, rs1, rs2, label);
  }

  public Assembler bgeu(int rs1, int rs2, String label) {
    return branch("bgeu", 0b111, rs1, rs2, label);
  }

  private Assembler branch(String insn, int funct3, int rs1, int rs2, String label) {
    reg(insn, "rs1", rs1);
    reg(insn, "rs2", rs2);
    String text = insn + " " + Reg.name(rs1) + ", " + Reg.name(rs2) + ", " + label;
    return emitFixed(Encode.b(funct3, rs1, rs2, 0), FixKind.BRANCH, label, text);
  }

  // ======================================================================================
  // RV64I: loads and stores
  // ======================================================================================

  public Assembler lb(int rd, long imm, int rs1) {
    return load("lb", 0b000, rd, imm, rs1);
  }

  public Assembler lh(int rd, long imm, int rs1) {
    return load("lh", 0b001, rd, imm, rs1);
  }

  public Assembler lw(int rd, long imm, int rs1) {
    return load("lw", 0b010, rd, imm, rs1);
  }

  public Assembler ld(int rd, long imm, int rs1) {
    return load("ld", 0b011, rd, imm, rs1);
  }

  public Assembler lbu(int rd, long imm, int rs1) {
    return load("lbu", 0b100, rd, imm, rs1);
  }

  public Assembler lhu(int rd, long imm, int rs1) {
    return load("lhu", 0b101, rd, imm, rs1);
  }

  public Assembler lwu(int rd, long imm, int rs1) {
    return load("lwu", 0b110, rd, imm, rs1);
  }

  public Assembler sb(int rs2, long imm, int rs1) {
    return store("sb", 0b000, rs2, imm, rs1);
  }

  public Assembler sh(int rs2, long imm, int rs1) {
    return store("sh", 0b001, rs2, imm, rs1);
  }

  public Assembler sw(int rs2, long imm, int rs1) {
    return store("sw", 0b010, rs2, imm, rs1);
  }

  public Assembler sd(int rs2, long imm, int rs1) {
    return store("sd", 0b011, rs2, imm, rs1);
  }

  private Assembler load(String insn, int funct3, int rd, long imm, int rs1) {
    return emit32(
        Encode.i(
            Encode.LOAD, reg(insn, "rd", rd), funct3, reg(insn, "rs1", rs1), simm(insn, imm, 12)));
  }

  private Assembler store(String insn, int funct3, int rs2, long imm, int rs1) {
    return emit32(
        Encode.s(
            Encode.STORE,
            funct3,
            reg(insn, "rs1", rs1),
            reg(insn, "rs2", rs2),
            simm(insn, imm, 12)));
  }

  // ======================================================================================
  // RV64I: register-immediate and register-register arithmetic
  // ======================================================================================

  public Assembler addi(int rd, int rs1, long imm) {
    return opImm("addi", Encode.OP_IMM, 0b000, rd, rs1, imm);
  }

  public Assembler slti(int rd, int rs1, long imm) {
    return opImm("slti", Encode.OP_IMM, 0b010, rd, rs1, imm);
  }

  public Assembler sltiu(int rd, int rs1, long imm) {
    return opImm("sltiu", Encode.OP_IMM, 0b011, rd, rs1, imm);
  }

  public Assembler xori(int rd, int rs1, long imm) {
    return opImm("xori", Encode.OP_IMM, 0b100, rd, rs1, imm);
  }

  public Assembler ori(int rd, int rs1, long imm) {
    return opImm("ori", Encode.OP_IMM, 0b110, rd, rs1, imm);
  }

  public Assembler andi(int rd, int rs1, long imm) {
    return opImm("andi", Encode.OP_IMM, 0b111, rd, rs1, imm);
  }

  public Assembler addiw(int rd, int rs1, long imm) {
    return opImm("addiw", Encode.OP_IMM_32, 0b000, rd, rs1, imm);
  }

  /** {@code slli rd, rs1, shamt} with shamt 0..63. */
  public Assembler slli(int rd, int rs1, int shamt) {
    return shift("slli", Encode.OP_IMM, 0b001, 0, rd, rs1, shamt, 64);
  }

  public Assembler srli(int rd, int rs1, int shamt) {
    return shift("srli", Encode.OP_IMM, 0b101, 0, rd, rs1, shamt, 64);
  }

  public Assembler srai(int rd, int rs1, int shamt) {
    return shift("srai", Encode.OP_IMM, 0b101, 0x400, rd, rs1, shamt, 64);
  }

  /** {@code slliw rd, rs1, shamt} with shamt 0..31. */
  public Assembler slliw(int rd, int rs1, int shamt) {
    return shift("slliw", Encode.OP_IMM_32, 0b001, 0, rd, rs1, shamt, 32);
  }

  public Assembler srliw(int rd, int rs1, int shamt) {
    return shift("srliw", Encode.OP_IMM_32, 0b101, 0, rd, rs1, shamt, 32);
  }

  public Assembler sraiw(int rd, int rs1, int shamt) {
    return shift("sraiw", Encode.OP_IMM_32, 0b101, 0x400, rd, rs1, shamt, 32);
  }

  public Assembler add(int rd, int rs1, int rs2) {
    return op("add", Encode.OP, 0b000, 0, rd, rs1, rs2);
  }

  public Assembler sub(int rd, int rs1, int rs2) {
    return op("sub", Encode.OP, 0b000, 0b0100000, rd, rs1, rs2);
  }

  public Assembler sll(int rd, int rs1, int rs2) {
    return op("sll", Encode.OP, 0b001, 0, rd, rs1, rs2);
  }

  public Assembler slt(int rd, int rs1, int rs2) {
    return op("slt", Encode.OP, 0b010, 0, rd, rs1, rs2);
  }

  public Assembler sltu(int rd, int rs1, int rs2) {
    return op("sltu", Encode.OP, 0b011, 0, rd, rs1, rs2);
  }

  public Assembler xor(int rd, int rs1, int rs2) {
    return op("xor", Encode.OP, 0b100, 0, rd, rs1, rs2);
  }

  public Assembler srl(int rd, int rs1, int rs2) {
    return op("srl", Encode.OP, 0b101, 0, rd, rs1, rs2);
  }

  public Assembler sra(int rd, int rs1, int rs2) {
    return op("sra", Encode.OP, 0b101, 0b0100000, rd, rs1, rs2);
  }

  public Assembler or(int rd, int rs1, int rs2) {
    return op("or", Encode.OP, 0b110, 0, rd, rs1, rs2);
  }

  public Assembler and(int rd, int rs1, int rs2) {
    return op("and", Encode.OP, 0b111, 0, rd, rs1, rs2);
  }

  public Assembler addw(int rd, int rs1, int rs2) {
    return op("addw", Encode.OP_32, 0b000, 0, rd, rs1, rs2);
  }

  public Assembler subw(int rd, int rs1, int rs2) {
    return op("subw", Encode.OP_32, 0b000, 0b0100000, rd, rs1, rs2);
  }

  public Assembler sllw(int rd, int rs1, int rs2) {
    return op("sllw", Encode.OP_32, 0b001, 0, rd, rs1, rs2);
  }

  public Assembler srlw(int rd, int rs1, int rs2) {
    return op("srlw", Encode.OP_32, 0b101, 0, rd, rs1, rs2);
  }

  public Assembler sraw(int rd, int rs1, int rs2) {
    return op("sraw", Encode.OP_32, 0b101, 0b0100000, rd, rs1, rs2);
  }

  private Assembler opImm(String insn, int opcode, int funct3, int rd, int rs1, long imm) {
    return emit32(
        Encode.i(opcode, reg(insn, "rd", rd), funct3, reg(insn, "rs1", rs1), simm(insn, imm, 12)));
  }

  /** A shift by immediate: the top bits of the I immediate hold the funct6/funct7 code. */
  private Assembler shift(
      String insn, int opcode, int funct3, int high, int rd, int rs1, int shamt, int width) {
    if (shamt < 0 || shamt >= width) {
      throw new IllegalArgumentException(
          insn + ": shift amount " + shamt + " is outside [0, " + (width - 1) + "]");
    }
    return emit32(
        Encode.i(opcode, reg(insn, "rd", rd), funct3, reg(insn, "rs1", rs1), high | shamt));
  }

  private Assembler op(String insn, int opcode, int funct3, int funct7, int rd, int rs1, int rs2) {
    return emit32(
        Encode.r(
            opcode,
            reg(insn, "rd", rd),
            funct3,
            reg(insn, "rs1", rs1),
            reg(insn, "rs2", rs2),
            funct7));
  }

  // ======================================================================================
  // RV64I: fences and environment calls (plus Zifencei)
  // ======================================================================================

  /** Fence operand bits, as {@code fence pred, succ} spells them ("iorw"). */
  public static final int FENCE_I = 8, FENCE_O = 4, FENCE_R = 2, FENCE_W = 1;

  /** {@code fence iorw, iorw}. */
  public Assembler fence() {
    return fence(0b1111, 0b1111);
  }

  /** {@code fence pred, succ}: each a nonzero combination of FENCE_I/O/R/W bits. */
  public Assembler fence(int pred, int succ) {
    fenceSet("pred", pred);
    fenceSet("succ", succ);
    return emit32(Encode.i(Encode.MISC_MEM, 0, 0b000, 0, pred << 4 | succ));
  }

  /** {@code fence.tso}: fm = 1000, pred = succ = rw. */
  public Assembler fenceTso() {
    return emit32(Encode.i(Encode.MISC_MEM, 0, 0b000, 0, 0b1000_0011_0011));
  }

  /** {@code fence.i} (Zifencei). */
  public Assembler fenceI() {
    return emit32(Encode.i(Encode.MISC_MEM, 0, 0b001, 0, 0));
  }

  public Assembler ecall() {
    return emit32(Encode.i(Encode.SYSTEM, 0, 0, 0, 0));
  }

  public Assembler ebreak() {
    return emit32(Encode.i(Encode.SYSTEM, 0, 0, 0, 1));
  }

  private static void fenceSet(String which, int bits) {
    if (bits < 1 || bits > 0b1111) {
      throw new IllegalArgumentException(
          "fence: " + which + " " + bits + " is not a nonzero set of FENCE_I|O|R|W bits");
    }
  }

  // ======================================================================================
  // Zicsr
  // ======================================================================================

  /** {@code csrrw rd, csr, rs1}. */
  public Assembler csrrw(int rd, int csr, int rs1) {
    return csrReg("csrrw", 0b001, rd, csr, rs1);
  }

  public Assembler csrrs(int rd, int csr, int rs1) {
    return csrReg("csrrs", 0b010, rd, csr, rs1);
  }

  public Assembler csrrc(int rd, int csr, int rs1) {
    return csrReg("csrrc", 0b011, rd, csr, rs1);
  }

  /** {@code csrrwi rd, csr, uimm} with uimm 0..31. */
  public Assembler csrrwi(int rd, int csr, int uimm) {
    return csrImm("csrrwi", 0b101, rd, csr, uimm);
  }

  public Assembler csrrsi(int rd, int csr, int uimm) {
    return csrImm("csrrsi", 0b110, rd, csr, uimm);
  }

  public Assembler csrrci(int rd, int csr, int uimm) {
    return csrImm("csrrci", 0b111, rd, csr, uimm);
  }

  private Assembler csrReg(String insn, int funct3, int rd, int csr, int rs1) {
    return emit32(
        Encode.i(
            Encode.SYSTEM,
            reg(insn, "rd", rd),
            funct3,
            reg(insn, "rs1", rs1),
            csrNumber(insn, csr)));
  }

  private Assembler csrImm(String insn, int funct3, int rd, int csr, int uimm) {
    uimm(insn, uimm, 31);
    return emit32(Encode.i(Encode.SYSTEM, reg(insn, "rd", rd), funct3, uimm, csrNumber(insn, csr)));
  }

  private static int csrNumber(String insn, int csr) {
    if (csr < 0 || csr > 0xFFF) {
      throw new IllegalArgumentException(insn + ": CSR number " + csr + " is outside 0..0xfff");
    }
    return csr;
  }

  // ======================================================================================
  // M extension
  // ======================================================================================

  private static final int MULDIV = 0b0000001;

  public Assembler mul(int rd, int rs1, int rs2) {
    return op("mul", Encode.OP, 0b000, MULDIV, rd, rs1, rs2);
  }

  public Assembler mulh(int rd, int rs1, int rs2) {
    return op("mulh", Encode.OP, 0b001, MULDIV, rd, rs1, rs2);
  }

  public Assembler mulhsu(int rd, int rs1, int rs2) {
    return op("mulhsu", Encode.OP, 0b010, MULDIV, rd, rs1, rs2);
  }

  public Assembler mulhu(int rd, int rs1, int rs2) {
    return op("mulhu", Encode.OP, 0b011, MULDIV, rd, rs1, rs2);
  }

  public Assembler div(int rd, int rs1, int rs2) {
    return op("div", Encode.OP, 0b100, MULDIV, rd, rs1, rs2);
  }

  public Assembler divu(int rd, int rs1, int rs2) {
    return op("divu", Encode.OP, 0b101, MULDIV, rd, rs1, rs2);
  }

  public Assembler rem(int rd, int rs1, int rs2) {
    return op("rem", Encode.OP, 0b110, MULDIV, rd, rs1, rs2);
  }

  public Assembler remu(int rd, int rs1, int rs2) {
    return op("remu", Encode.OP, 0b111, MULDIV, rd, rs1, rs2);
  }

  public Assembler mulw(int rd, int rs1, int rs2) {
    return op("mulw", Encode.OP_32, 0b000, MULDIV, rd, rs1, rs2);
  }

  public Assembler divw(int rd, int rs1, int rs2) {
    return op("divw", Encode.OP_32, 0b100, MULDIV, rd, rs1, rs2);
  }

  public Assembler divuw(int rd, int rs1, int rs2) {
    return op("divuw", Encode.OP_32, 0b101, MULDIV, rd, rs1, rs2);
  }

  public Assembler remw(int rd, int rs1, int rs2) {
    return op("remw", Encode.OP_32, 0b110, MULDIV, rd, rs1, rs2);
  }

  public Assembler remuw(int rd, int rs1, int rs2) {
    return op("remuw", Encode.OP_32, 0b111, MULDIV, rd, rs1, rs2);
  }

  // ======================================================================================
  // A extension: operands (rd, rs2, rs1) as in "amoadd.w rd, rs2, (rs1)"
  // ======================================================================================

  private static final int WORD = 0b010, DOUBLE = 0b011;

  /** {@code lr.w rd, (rs1)}. */
  public Assembler lrW(int rd, int rs1) {
    return lrW(rd, rs1, Ordering.NONE);
  }

  public Assembler lrW(int rd, int rs1, Ordering ord) {
    return amo("lr.w", 0b00010, WORD, rd, 0, rs1, ord);
  }

  public Assembler lrD(int rd, int rs1) {
    return lrD(rd, rs1, Ordering.NONE);
  }

  public Assembler lrD(int rd, int rs1, Ordering ord) {
    return amo("lr.d", 0b00010, DOUBLE, rd, 0, rs1, ord);
  }

  /** {@code sc.w rd, rs2, (rs1)}: rd gets 0 on success, nonzero on failure. */
  public Assembler scW(int rd, int rs2, int rs1) {
    return scW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler scW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("sc.w", 0b00011, WORD, rd, rs2, rs1, ord);
  }

  public Assembler scD(int rd, int rs2, int rs1) {
    return scD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler scD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("sc.d", 0b00011, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amoswapW(int rd, int rs2, int rs1) {
    return amoswapW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoswapW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoswap.w", 0b00001, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amoswapD(int rd, int rs2, int rs1) {
    return amoswapD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoswapD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoswap.d", 0b00001, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amoaddW(int rd, int rs2, int rs1) {
    return amoaddW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoaddW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoadd.w", 0b00000, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amoaddD(int rd, int rs2, int rs1) {
    return amoaddD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoaddD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoadd.d", 0b00000, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amoxorW(int rd, int rs2, int rs1) {
    return amoxorW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoxorW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoxor.w", 0b00100, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amoxorD(int rd, int rs2, int rs1) {
    return amoxorD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoxorD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoxor.d", 0b00100, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amoandW(int rd, int rs2, int rs1) {
    return amoandW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoandW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoand.w", 0b01100, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amoandD(int rd, int rs2, int rs1) {
    return amoandD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoandD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoand.d", 0b01100, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amoorW(int rd, int rs2, int rs1) {
    return amoorW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoorW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoor.w", 0b01000, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amoorD(int rd, int rs2, int rs1) {
    return amoorD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amoorD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amoor.d", 0b01000, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amominW(int rd, int rs2, int rs1) {
    return amominW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amominW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amomin.w", 0b10000, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amominD(int rd, int rs2, int rs1) {
    return amominD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amominD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amomin.d", 0b10000, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amomaxW(int rd, int rs2, int rs1) {
    return amomaxW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amomaxW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amomax.w", 0b10100, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amomaxD(int rd, int rs2, int rs1) {
    return amomaxD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amomaxD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amomax.d", 0b10100, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amominuW(int rd, int rs2, int rs1) {
    return amominuW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amominuW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amominu.w", 0b11000, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amominuD(int rd, int rs2, int rs1) {
    return amominuD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amominuD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amominu.d", 0b11000, DOUBLE, rd, rs2, rs1, ord);
  }

  public Assembler amomaxuW(int rd, int rs2, int rs1) {
    return amomaxuW(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amomaxuW(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amomaxu.w", 0b11100, WORD, rd, rs2, rs1, ord);
  }

  public Assembler amomaxuD(int rd, int rs2, int rs1) {
    return amomaxuD(rd, rs2, rs1, Ordering.NONE);
  }

  public Assembler amomaxuD(int rd, int rs2, int rs1, Ordering ord) {
    return amo("amomaxu.d", 0b11100, DOUBLE, rd, rs2, rs1, ord);
  }

  private Assembler amo(
      String insn, int funct5, int width, int rd, int rs2, int rs1, Ordering ord) {
    if (ord == null) {
      throw new IllegalArgumentException(insn + ": ordering must not be null (use NONE)");
    }
    String name = insn + ord.suffix();
    int word =
        Encode.r(
            Encode.AMO,
            reg(name, "rd", rd),
            width,
            reg(name, "rs1", rs1),
            reg(name, "rs2", rs2),
            funct5 << 2);
    return emit32(word | ord.bits());
  }

  // ======================================================================================
  // C extension (explicit only). rd', rs1', rs2' must be x8..x15.
  // ======================================================================================

  /** {@code c.addi4spn rd', sp, uimm}: uimm a nonzero multiple of 4 up to 1020. */
  public Assembler cAddi4spn(int rd, int uimm) {
    String insn = "c.addi4spn";
    creg(insn, "rd'", rd);
    scaledUimm(insn, uimm, 4, 1020);
    if (uimm == 0) {
      throw new IllegalArgumentException(insn + ": immediate 0 is a reserved encoding");
    }
    return emit16(Encode.cAddi4spnImm(uimm) | (rd - 8) << 2);
  }

  /** {@code c.lw rd', uimm(rs1')}: uimm a multiple of 4 up to 124. */
  public Assembler cLw(int rd, int uimm, int rs1) {
    String insn = "c.lw";
    scaledUimm(insn, uimm, 4, 124);
    return emit16(
        Encode.cls(0b010, Encode.clsWordImm(uimm), creg(insn, "rs1'", rs1), creg(insn, "rd'", rd)));
  }

  /** {@code c.ld rd', uimm(rs1')}: uimm a multiple of 8 up to 248. */
  public Assembler cLd(int rd, int uimm, int rs1) {
    String insn = "c.ld";
    scaledUimm(insn, uimm, 8, 248);
    return emit16(
        Encode.cls(
            0b011, Encode.clsDoubleImm(uimm), creg(insn, "rs1'", rs1), creg(insn, "rd'", rd)));
  }

  /** {@code c.sw rs2', uimm(rs1')}. */
  public Assembler cSw(int rs2, int uimm, int rs1) {
    String insn = "c.sw";
    scaledUimm(insn, uimm, 4, 124);
    return emit16(
        Encode.cls(
            0b110, Encode.clsWordImm(uimm), creg(insn, "rs1'", rs1), creg(insn, "rs2'", rs2)));
  }

  /** {@code c.sd rs2', uimm(rs1')}. */
  public Assembler cSd(int rs2, int uimm, int rs1) {
    String insn = "c.sd";
    scaledUimm(insn, uimm, 8, 248);
    return emit16(
        Encode.cls(
            0b111, Encode.clsDoubleImm(uimm), creg(insn, "rs1'", rs1), creg(insn, "rs2'", rs2)));
  }

  /** {@code c.nop}. */
  public Assembler cNop() {
    return emit16(0x0001);
  }

  /** {@code c.addi rd, imm}: rd != x0 and imm != 0 (those are HINT encodings), imm -32..31. */
  public Assembler cAddi(int rd, int imm) {
    String insn = "c.addi";
    nonzeroReg(insn, "rd", rd);
    simm(insn, imm, 6);
    if (imm == 0) {
      throw new IllegalArgumentException(insn + ": immediate 0 is a HINT encoding");
    }
    return emit16(Encode.ci(0b000, rd, imm, 0b01));
  }

  /** {@code c.addiw rd, imm}: rd != x0 (reserved), imm -32..31 (0 is sext.w). */
  public Assembler cAddiw(int rd, int imm) {
    String insn = "c.addiw";
    nonzeroReg(insn, "rd", rd);
    return emit16(Encode.ci(0b001, rd, simm(insn, imm, 6), 0b01));
  }

  /** {@code c.li rd, imm}: rd != x0, imm -32..31. */
  public Assembler cLi(int rd, int imm) {
    String insn = "c.li";
    nonzeroReg(insn, "rd", rd);
    return emit16(Encode.ci(0b010, rd, simm(insn, imm, 6), 0b01));
  }

  /** {@code c.addi16sp imm}: imm a nonzero multiple of 16 in -512..496. */
  public Assembler cAddi16sp(int imm) {
    String insn = "c.addi16sp";
    if (imm == 0 || imm % 16 != 0 || imm < -512 || imm > 496) {
      throw new IllegalArgumentException(
          insn + ": immediate " + imm + " is not a nonzero multiple of 16 in [-512, 496]");
    }
    return emit16(0b011 << 13 | Encode.cAddi16spImm(imm) | Reg.SP << 7 | 0b01);
  }

  /**
   * {@code c.lui rd, imm}: rd not x0 or sp; imm is the 6-bit field placed at bits 17:12, given as
   * -32..-1 or 1..31 (or, as GNU as writes it, 0xfffe0..0xfffff).
   */
  public Assembler cLui(int rd, int imm) {
    String insn = "c.lui";
    nonzeroReg(insn, "rd", rd);
    if (rd == Reg.SP) {
      throw new IllegalArgumentException(insn + ": rd sp encodes c.addi16sp; use cAddi16sp");
    }
    boolean negative = imm >= -32 && imm <= -1 || imm >= 0xfffe0 && imm <= 0xfffff;
    if (!negative && (imm < 1 || imm > 31)) {
      throw new IllegalArgumentException(
          insn + ": immediate " + imm + " is outside [1, 31] and [-32, -1] (0xfffe0..0xfffff)");
    }
    return emit16(Encode.ci(0b011, rd, imm, 0b01));
  }

  /** {@code c.srli rd', shamt}: shamt 1..63. */
  public Assembler cSrli(int rd, int shamt) {
    return emit16(Encode.cbAlu(0b00, creg("c.srli", "rd'", rd), cShamt("c.srli", shamt)));
  }

  public Assembler cSrai(int rd, int shamt) {
    return emit16(Encode.cbAlu(0b01, creg("c.srai", "rd'", rd), cShamt("c.srai", shamt)));
  }

  /** {@code c.andi rd', imm}: imm -32..31. */
  public Assembler cAndi(int rd, int imm) {
    return emit16(Encode.cbAlu(0b10, creg("c.andi", "rd'", rd), simm("c.andi", imm, 6)));
  }

  public Assembler cSub(int rd, int rs2) {
    return cArith("c.sub", 0b100011, 0b00, rd, rs2);
  }

  public Assembler cXor(int rd, int rs2) {
    return cArith("c.xor", 0b100011, 0b01, rd, rs2);
  }

  public Assembler cOr(int rd, int rs2) {
    return cArith("c.or", 0b100011, 0b10, rd, rs2);
  }

  public Assembler cAnd(int rd, int rs2) {
    return cArith("c.and", 0b100011, 0b11, rd, rs2);
  }

  public Assembler cSubw(int rd, int rs2) {
    return cArith("c.subw", 0b100111, 0b00, rd, rs2);
  }

  public Assembler cAddw(int rd, int rs2) {
    return cArith("c.addw", 0b100111, 0b01, rd, rs2);
  }

  /** {@code c.j label} (range ±2 KiB). */
  public Assembler cJ(String label) {
    return emitFixed16(0b101 << 13 | 0b01, FixKind.C_JUMP, label, "c.j " + label);
  }

  /** {@code c.beqz rs1', label} (range ±256 bytes). */
  public Assembler cBeqz(int rs1, String label) {
    creg("c.beqz", "rs1'", rs1);
    return emitFixed16(
        0b110 << 13 | (rs1 - 8) << 7 | 0b01,
        FixKind.C_BRANCH,
        label,
        "c.beqz " + Reg.name(rs1) + ", " + label);
  }

  public Assembler cBnez(int rs1, String label) {
    creg("c.bnez", "rs1'", rs1);
    return emitFixed16(
        0b111 << 13 | (rs1 - 8) << 7 | 0b01,
        FixKind.C_BRANCH,
        label,
        "c.bnez " + Reg.name(rs1) + ", " + label);
  }

  /** {@code c.slli rd, shamt}: rd != x0, shamt 1..63. */
  public Assembler cSlli(int rd, int shamt) {
    nonzeroReg("c.slli", "rd", rd);
    return emit16(Encode.ci(0b000, rd, cShamt("c.slli", shamt), 0b10));
  }

  /** {@code c.lwsp rd, uimm(sp)}: rd != x0, uimm a multiple of 4 up to 252. */
  public Assembler cLwsp(int rd, int uimm) {
    nonzeroReg("c.lwsp", "rd", rd);
    scaledUimm("c.lwsp", uimm, 4, 252);
    return emit16(0b010 << 13 | Encode.cLwspImm(uimm) | rd << 7 | 0b10);
  }

  /** {@code c.ldsp rd, uimm(sp)}: rd != x0, uimm a multiple of 8 up to 504. */
  public Assembler cLdsp(int rd, int uimm) {
    nonzeroReg("c.ldsp", "rd", rd);
    scaledUimm("c.ldsp", uimm, 8, 504);
    return emit16(0b011 << 13 | Encode.cLdspImm(uimm) | rd << 7 | 0b10);
  }

  /** {@code c.swsp rs2, uimm(sp)}: uimm a multiple of 4 up to 252. */
  public Assembler cSwsp(int rs2, int uimm) {
    reg("c.swsp", "rs2", rs2);
    scaledUimm("c.swsp", uimm, 4, 252);
    return emit16(0b110 << 13 | Encode.cSwspImm(uimm) | rs2 << 2 | 0b10);
  }

  /** {@code c.sdsp rs2, uimm(sp)}: uimm a multiple of 8 up to 504. */
  public Assembler cSdsp(int rs2, int uimm) {
    reg("c.sdsp", "rs2", rs2);
    scaledUimm("c.sdsp", uimm, 8, 504);
    return emit16(0b111 << 13 | Encode.cSdspImm(uimm) | rs2 << 2 | 0b10);
  }

  /** {@code c.jr rs1}: rs1 != x0. */
  public Assembler cJr(int rs1) {
    nonzeroReg("c.jr", "rs1", rs1);
    return emit16(Encode.cr(0b1000, rs1, 0, 0b10));
  }

  /** {@code c.mv rd, rs2}: rd != x0 (HINT), rs2 != x0 (that is c.jr). */
  public Assembler cMv(int rd, int rs2) {
    nonzeroReg("c.mv", "rd", rd);
    nonzeroReg("c.mv", "rs2", rs2);
    return emit16(Encode.cr(0b1000, rd, rs2, 0b10));
  }

  /** {@code c.ebreak}. */
  public Assembler cEbreak() {
    return emit16(Encode.cr(0b1001, 0, 0, 0b10));
  }

  /** {@code c.jalr rs1}: rs1 != x0 (that is c.ebreak). */
  public Assembler cJalr(int rs1) {
    nonzeroReg("c.jalr", "rs1", rs1);
    return emit16(Encode.cr(0b1001, rs1, 0, 0b10));
  }

  /** {@code c.add rd, rs2}: rd != x0 (HINT), rs2 != x0 (that is c.jalr / c.ebreak). */
  public Assembler cAdd(int rd, int rs2) {
    nonzeroReg("c.add", "rd", rd);
    nonzeroReg("c.add", "rs2", rs2);
    return emit16(Encode.cr(0b1001, rd, rs2, 0b10));
  }

  private Assembler cArith(String insn, int funct6, int funct2, int rd, int rs2) {
    return emit16(Encode.ca(funct6, creg(insn, "rd'", rd), funct2, creg(insn, "rs2'", rs2)));
  }

  private static int cShamt(String insn, int shamt) {
    if (shamt < 1 || shamt > 63) {
      throw new IllegalArgumentException(
          insn + ": shift amount " + shamt + " is outside [1, 63] (0 is a HINT encoding)");
    }
    return shamt;
  }

  // ======================================================================================
  // Pseudo-instructions
  // ======================================================================================

  /** {@code nop} = {@code addi x0, x0, 0}. */
  public Assembler nop() {
    return addi(Reg.ZERO, Reg.ZERO, 0);
  }

  /** {@code mv rd, rs} = {@code addi rd, rs, 0}. */
  public Assembler mv(int rd, int rs) {
    return addi(rd, rs, 0);
  }

  /** {@code not rd, rs} = {@code xori rd, rs, -1}. */
  public Assembler not(int rd, int rs) {
    return xori(rd, rs, -1);
  }

  /** {@code neg rd, rs} = {@code sub rd, x0, rs}. */
  public Assembler neg(int rd, int rs) {
    return sub(rd, Reg.ZERO, rs);
  }

  /** {@code negw rd, rs} = {@code subw rd, x0, rs}. */
  public Assembler negw(int rd, int rs) {
    return subw(rd, Reg.ZERO, rs);
  }

  /** {@code sext.w rd, rs} = {@code addiw rd, rs, 0}. */
  public Assembler sextW(int rd, int rs) {
    return addiw(rd, rs, 0);
  }

  /** {@code seqz rd, rs} = {@code sltiu rd, rs, 1}. */
  public Assembler seqz(int rd, int rs) {
    return sltiu(rd, rs, 1);
  }

  /** {@code snez rd, rs} = {@code sltu rd, x0, rs}. */
  public Assembler snez(int rd, int rs) {
    return sltu(rd, Reg.ZERO, rs);
  }

  /** {@code sltz rd, rs} = {@code slt rd, rs, x0}. */
  public Assembler sltz(int rd, int rs) {
    return slt(rd, rs, Reg.ZERO);
  }

  /** {@code sgtz rd, rs} = {@code slt rd, x0, rs}. */
  public Assembler sgtz(int rd, int rs) {
    return slt(rd, Reg.ZERO, rs);
  }

  public Assembler beqz(int rs, String label) {
    return beq(rs, Reg.ZERO, label);
  }

  public Assembler bnez(int rs, String label) {
    return bne(rs, Reg.ZERO, label);
  }

  public Assembler blez(int rs, String label) {
    return bge(Reg.ZERO, rs, label);
  }

  public Assembler bgez(int rs, String label) {
    return bge(rs, Reg.ZERO, label);
  }

  public Assembler bltz(int rs, String label) {
    return blt(rs, Reg.ZERO, label);
  }

  public Assembler bgtz(int rs, String label) {
    return blt(Reg.ZERO, rs, label);
  }

  /** {@code bgt rs, rt, label} = {@code blt rt, rs, label}. */
  public Assembler bgt(int rs, int rt, String label) {
    return blt(rt, rs, label);
  }

  public Assembler ble(int rs, int rt, String label) {
    return bge(rt, rs, label);
  }

  public Assembler bgtu(int rs, int rt, String label) {
    return bltu(rt, rs, label);
  }

  public Assembler bleu(int rs, int rt, String label) {
    return bgeu(rt, rs, label);
  }

  /** {@code j label} = {@code jal x0, label}. */
  public Assembler j(String label) {
    return jal(Reg.ZERO, label);
  }

  /** {@code jal label} = {@code jal ra, label}. */
  public Assembler jal(String label) {
    return jal(Reg.RA, label);
  }

  /** {@code jr rs} = {@code jalr x0, 0(rs)}. */
  public Assembler jr(int rs) {
    return jalr(Reg.ZERO, 0, rs);
  }

  /** {@code jalr rs} = {@code jalr ra, 0(rs)}. */
  public Assembler jalr(int rs) {
    return jalr(Reg.RA, 0, rs);
  }

  /** {@code ret} = {@code jalr x0, 0(ra)}. */
  public Assembler ret() {
    return jalr(Reg.ZERO, 0, Reg.RA);
  }

  /** {@code call label} = {@code auipc ra, hi; jalr ra, lo(ra)}: reaches ±2 GiB. */
  public Assembler call(String label) {
    return pcrelPair(
        Reg.RA,
        Encode.i(Encode.JALR, Reg.RA, 0, Reg.RA, 0),
        FixKind.PCREL_CODE,
        label,
        "call " + label);
  }

  /** {@code tail label} = {@code auipc t1, hi; jalr x0, lo(t1)}. */
  public Assembler tail(String label) {
    return pcrelPair(
        Reg.T1,
        Encode.i(Encode.JALR, Reg.ZERO, 0, Reg.T1, 0),
        FixKind.PCREL_CODE,
        label,
        "tail " + label);
  }

  /** {@code la rd, label} = {@code auipc rd, hi; addi rd, rd, lo} (pc-relative). */
  public Assembler la(int rd, String label) {
    reg("la", "rd", rd);
    return pcrelPair(
        rd,
        Encode.i(Encode.OP_IMM, rd, 0b000, rd, 0),
        FixKind.PCREL_DATA,
        label,
        "la " + Reg.name(rd) + ", " + label);
  }

  /** {@code li rd, value}: any 64-bit constant, 1 to 8 instructions (see {@link LoadImmediate}). */
  public Assembler li(int rd, long value) {
    reg("li", "rd", rd);
    List<LoadImmediate.Step> steps = LoadImmediate.steps(value);
    for (int k = 0; k < steps.size(); k++) {
      emit32(steps.get(k).encode(rd, k == 0 ? Reg.ZERO : rd));
    }
    return this;
  }

  /** {@code csrr rd, csr} = {@code csrrs rd, csr, x0}. */
  public Assembler csrr(int rd, int csr) {
    return csrrs(rd, csr, Reg.ZERO);
  }

  /** {@code csrw csr, rs} = {@code csrrw x0, csr, rs}. */
  public Assembler csrw(int csr, int rs) {
    return csrrw(Reg.ZERO, csr, rs);
  }

  /** {@code csrs csr, rs} = {@code csrrs x0, csr, rs}. */
  public Assembler csrs(int csr, int rs) {
    return csrrs(Reg.ZERO, csr, rs);
  }

  /** {@code csrc csr, rs} = {@code csrrc x0, csr, rs}. */
  public Assembler csrc(int csr, int rs) {
    return csrrc(Reg.ZERO, csr, rs);
  }

  public Assembler rdcycle(int rd) {
    return csrr(rd, Csr.CYCLE);
  }

  public Assembler rdtime(int rd) {
    return csrr(rd, Csr.TIME);
  }

  public Assembler rdinstret(int rd) {
    return csrr(rd, Csr.INSTRET);
  }

  // ======================================================================================
  // Data directives and raw encodings
  // ======================================================================================

  /** Emits {@code bits} (0..0xffff) as one 16-bit parcel, e.g. an illegal compressed encoding. */
  public Assembler raw16(int bits) {
    if (bits < 0 || bits > 0xFFFF) {
      throw new IllegalArgumentException("raw16: " + bits + " does not fit 16 bits");
    }
    return emit16(bits);
  }

  /** Emits {@code bits} as one 32-bit instruction word (any int: all 32 bits are used). */
  public Assembler raw32(int bits) {
    return emit32(bits);
  }

  /** Emits the given bytes. */
  public Assembler bytes(byte[] data) {
    for (byte b : data) {
      put8(b);
    }
    return this;
  }

  /** Emits bytes given as ints, each -128..255. */
  public Assembler bytes(int... values) {
    for (int v : values) {
      if (v < -128 || v > 255) {
        throw new IllegalArgumentException("bytes: " + v + " does not fit a byte");
      }
      put8(v);
    }
    return this;
  }

  /** Emits the string's ASCII bytes (no terminator); non-ASCII characters are refused. */
  public Assembler ascii(String s) {
    for (int k = 0; k < s.length(); k++) {
      if (s.charAt(k) > 0x7F) {
        throw new IllegalArgumentException(
            "ascii: character " + k + " of \"" + s + "\" is not ASCII");
      }
    }
    return bytes(s.getBytes(StandardCharsets.US_ASCII));
  }

  /** Emits the string's ASCII bytes and a NUL. */
  public Assembler asciz(String s) {
    return ascii(s).bytes(0);
  }

  /** Emits a 16-bit little-endian value, -0x8000..0xffff. */
  public Assembler half(int value) {
    if (value < -0x8000 || value > 0xFFFF) {
      throw new IllegalArgumentException("half: " + value + " does not fit 16 bits");
    }
    return emit16(value & 0xFFFF);
  }

  /** Emits a 32-bit little-endian value. */
  public Assembler word(int value) {
    return emit32(value);
  }

  /** Emits a 64-bit little-endian value. */
  public Assembler dword(long value) {
    put32((int) value);
    return put32((int) (value >>> 32));
  }

  /** Emits the absolute 64-bit address of {@code label} (resolved by {@link #assemble()}). */
  public Assembler dword(String label) {
    checkLabelName(label);
    fixups.add(new Fixup(size, FixKind.ABS64, label, ".dword " + label));
    return dword(0L);
  }

  /** Pads with zero bytes up to the next address that is a multiple of {@code alignment}. */
  public Assembler align(int alignment) {
    if (alignment < 1 || Integer.bitCount(alignment) != 1) {
      throw new IllegalArgumentException("align: " + alignment + " is not a power of two");
    }
    while ((pc() & (alignment - 1)) != 0) {
      put8(0);
    }
    return this;
  }

  /** Emits {@code count} zero bytes. */
  public Assembler space(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("space: count " + count + " is negative");
    }
    for (int k = 0; k < count; k++) {
      put8(0);
    }
    return this;
  }

  // ======================================================================================
  // Output
  // ======================================================================================

  /** The program's bytes from {@link #origin()}, with every label reference resolved. */
  public byte[] assemble() {
    byte[] out = Arrays.copyOf(buf, size);
    for (Fixup f : fixups) {
      resolve(out, f);
    }
    return out;
  }

  /** A static ELF with the whole program as one R+X segment, entered at the origin. */
  public byte[] toElf() {
    return elfWriter(origin, size).write();
  }

  /** A static ELF with the whole program as one R+X segment, entered at {@code entryLabel}. */
  public byte[] toElf(String entryLabel) {
    return elfWriter(address(entryLabel), size).write();
  }

  /**
   * A static ELF with two segments: R+X from the origin up to {@code dataLabel}, and R+W from
   * {@code dataLabel} (which must be page aligned, as xv6's exec requires) to the end.
   */
  public byte[] toElf(String entryLabel, String dataLabel) {
    long data = address(dataLabel);
    if (data % Elf64Writer.PAGE_SIZE != 0) {
      throw new IllegalArgumentException(
          "toElf: data label '"
              + dataLabel
              + "' at "
              + hex(data)
              + " is not page aligned; put align(4096) before it");
    }
    int split = (int) (data - origin);
    byte[] all = assemble();
    Elf64Writer w = new Elf64Writer().entry(address(entryLabel));
    w.segment(origin, Arrays.copyOfRange(all, 0, split), Elf64Writer.PF_R | Elf64Writer.PF_X);
    w.segment(
        data, Arrays.copyOfRange(all, split, all.length), Elf64Writer.PF_R | Elf64Writer.PF_W);
    return w.write();
  }

  private Elf64Writer elfWriter(long entry, int length) {
    return new Elf64Writer()
        .entry(entry)
        .segment(origin, Arrays.copyOf(assemble(), length), Elf64Writer.PF_R | Elf64Writer.PF_X);
  }

  // ======================================================================================
  // Fix-ups
  // ======================================================================================

  private void resolve(byte[] out, Fixup f) {
    Long target = labels.get(f.label());
    if (target == null) {
      throw new IllegalArgumentException(f.insn() + ": label '" + f.label() + "' is not defined");
    }
    long offset = target - (origin + f.at());
    switch (f.kind()) {
      case BRANCH -> or32(out, f.at(), Encode.bImm(codeOffset(f, target, offset, 13)));
      case JAL -> or32(out, f.at(), Encode.jImm(codeOffset(f, target, offset, 21)));
      case C_BRANCH -> or16(out, f.at(), Encode.cbImm(codeOffset(f, target, offset, 9)));
      case C_JUMP -> or16(out, f.at(), Encode.cjImm(codeOffset(f, target, offset, 12)));
      case PCREL_CODE -> patchPair(out, f, codeOffset(f, target, offset, 64));
      case PCREL_DATA -> patchPair(out, f, offset);
      case ABS64 -> put64(out, f.at(), target);
      default -> throw new IllegalStateException("unknown fix-up kind " + f.kind());
    }
  }

  /** Checks that a jump target is 2-byte aligned and its offset fits {@code bits} signed bits. */
  private static long codeOffset(Fixup f, long target, long offset, int bits) {
    if ((target & 1) != 0) {
      throw new IllegalArgumentException(
          f.insn() + ": target " + hex(target) + " is not 2-byte aligned");
    }
    if (bits < 64) {
      long min = -(1L << (bits - 1));
      long max = (1L << (bits - 1)) - 2;
      if (offset < min || offset > max) {
        throw new IllegalArgumentException(
            f.insn()
                + ": offset "
                + offset
                + " to "
                + hex(target)
                + " is outside ["
                + min
                + ", "
                + max
                + "]");
      }
    }
    return offset;
  }

  /** auipc gets the rounded upper 20 bits, the following I-type its signed low 12 bits. */
  private static void patchPair(byte[] out, Fixup f, long offset) {
    long hi = (offset + 0x800) >> 12;
    if (hi < -(1L << 19) || hi >= (1L << 19)) {
      throw new IllegalArgumentException(
          f.insn() + ": pc-relative offset " + offset + " does not fit 32 bits");
    }
    long lo = offset - (hi << 12);
    or32(out, f.at(), Encode.field(hi, 19, 0, 12));
    or32(out, f.at() + 4, Encode.field(lo, 11, 0, 20));
  }

  private Assembler pcrelPair(int rd, int second, FixKind kind, String label, String text) {
    checkLabelName(label);
    fixups.add(new Fixup(size, kind, label, text));
    emit32(Encode.u(Encode.AUIPC, rd, 0));
    return emit32(second);
  }

  private Assembler emitFixed(int word, FixKind kind, String label, String text) {
    checkLabelName(label);
    fixups.add(new Fixup(size, kind, label, text));
    return emit32(word);
  }

  private Assembler emitFixed16(int half, FixKind kind, String label, String text) {
    checkLabelName(label);
    fixups.add(new Fixup(size, kind, label, text));
    return emit16(half);
  }

  // ======================================================================================
  // Operand checks
  // ======================================================================================

  private static int reg(String insn, String role, int r) {
    if (!Reg.isValid(r)) {
      throw new IllegalArgumentException(
          insn + ": " + role + " " + r + " is not a register x0..x31");
    }
    return r;
  }

  private static int nonzeroReg(String insn, String role, int r) {
    reg(insn, role, r);
    if (r == 0) {
      throw new IllegalArgumentException(insn + ": " + role + " may not be x0 in this form");
    }
    return r;
  }

  private static int creg(String insn, String role, int r) {
    if (!Reg.isCompressible(r)) {
      throw new IllegalArgumentException(
          insn + ": " + role + " " + Reg.name(r) + " is not one of x8..x15 (s0, s1, a0..a5)");
    }
    return r;
  }

  private static long simm(String insn, long v, int bits) {
    long min = -(1L << (bits - 1));
    long max = (1L << (bits - 1)) - 1;
    if (v < min || v > max) {
      throw new IllegalArgumentException(
          insn + ": immediate " + v + " is outside [" + min + ", " + max + "]");
    }
    return v;
  }

  private static long uimm(String insn, long v, long max) {
    if (v < 0 || v > max) {
      throw new IllegalArgumentException(
          insn + ": immediate " + v + " is outside [0, " + max + "]");
    }
    return v;
  }

  private static void scaledUimm(String insn, long v, int scale, long max) {
    uimm(insn, v, max);
    if (v % scale != 0) {
      throw new IllegalArgumentException(insn + ": offset " + v + " is not a multiple of " + scale);
    }
  }

  private static long upper20(String insn, long imm20) {
    if (imm20 < -(1L << 19) || imm20 > 0xFFFFF) {
      throw new IllegalArgumentException(
          insn + ": immediate " + imm20 + " is outside [-0x80000, 0xfffff]");
    }
    return imm20;
  }

  // ======================================================================================
  // Byte buffer (little-endian, as RISC-V is)
  // ======================================================================================

  private Assembler emit16(int half) {
    put8(half);
    put8(half >>> 8);
    return this;
  }

  private Assembler emit32(int word) {
    return put32(word);
  }

  private Assembler put32(int word) {
    for (int k = 0; k < 4; k++) {
      put8(word >>> (8 * k));
    }
    return this;
  }

  private void put8(int b) {
    if (size == buf.length) {
      if (buf.length > Integer.MAX_VALUE / 2) {
        throw new IllegalArgumentException("program larger than 1 GiB");
      }
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    buf[size++] = (byte) b;
  }

  private static void or16(byte[] out, int at, int bits) {
    out[at] |= (byte) bits;
    out[at + 1] |= (byte) (bits >>> 8);
  }

  private static void or32(byte[] out, int at, int bits) {
    for (int k = 0; k < 4; k++) {
      out[at + k] |= (byte) (bits >>> (8 * k));
    }
  }

  private static void put64(byte[] out, int at, long value) {
    for (int k = 0; k < 8; k++) {
      out[at + k] = (byte) (value >>> (8 * k));
    }
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
