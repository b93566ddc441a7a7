package xv6ckpt.emulator;

import static xv6ckpt.emulator.Insn.funct3;
import static xv6ckpt.emulator.Insn.funct7;
import static xv6ckpt.emulator.Insn.immB;
import static xv6ckpt.emulator.Insn.immI;
import static xv6ckpt.emulator.Insn.immJ;
import static xv6ckpt.emulator.Insn.immS;
import static xv6ckpt.emulator.Insn.immU;
import static xv6ckpt.emulator.Insn.pack;
import static xv6ckpt.emulator.Insn.rd;
import static xv6ckpt.emulator.Insn.rs1;
import static xv6ckpt.emulator.Insn.rs2;

/**
 * RV64I, the base integer instruction set (unprivileged spec, chapters 2 and 4): its operation
 * numbers and its decoder. Legality is decided here, once; the hart's execute switch (banner
 * "RV64I" in {@link Hart}) trusts the decoded form. Encodings this class does not accept decode to
 * {@link Decoder#ILLEGAL}.
 */
final class RvI {
  private RvI() {}

  // Major opcodes (unprivileged spec, table "RISC-V base opcode map").
  static final int OPC_LOAD = 0x03;
  static final int OPC_MISC_MEM = 0x0F;
  static final int OPC_OP_IMM = 0x13;
  static final int OPC_AUIPC = 0x17;
  static final int OPC_OP_IMM_32 = 0x1B;
  static final int OPC_STORE = 0x23;
  static final int OPC_OP = 0x33;
  static final int OPC_LUI = 0x37;
  static final int OPC_OP_32 = 0x3B;
  static final int OPC_BRANCH = 0x63;
  static final int OPC_JALR = 0x67;
  static final int OPC_JAL = 0x6F;
  static final int OPC_SYSTEM = 0x73;

  // Operation numbers (the hart's switch labels). Branch and jump immediates are byte offsets.
  static final int LUI = 1, AUIPC = 2, JAL = 3, JALR = 4;
  static final int BEQ = 5, BNE = 6, BLT = 7, BGE = 8, BLTU = 9, BGEU = 10;

  /**
   * All loads are one operation, all stores another, so that the hart computes an address in one
   * place only. A load reads 8 bytes (the hart's fast path keeps them inside the page) and extracts
   * its value as {@code ((v << SH) >> SH) & (-1 >>> MSH)}, with SH = 64 - 8 size and MSH = SH for
   * the unsigned loads, else 0. Its upper word is not the usual immediate but {@code offset[11:0]
   * (bits 63..52) | MSH (43..38) | SH (37..32)}. A store merges its low 8 size bytes under the mask
   * {@code -1 >>> MSH}, MSH in bits 28..23 (rs2 occupies 22..18), and keeps its offset negated.
   * Both layouts keep the hart's expressions for loads and stores distinct from every other
   * operation's, which matters to the JIT: see {@link Hart#interpret}.
   */
  static final int LOAD = 11, STORE = 18;

  static final int ADDI = 22, SLTI = 23, SLTIU = 24, XORI = 25, ORI = 26, ANDI = 27;
  static final int SLLI = 28, SRLI = 29, SRAI = 30;
  static final int ADD = 31, SUB = 32, SLL = 33, SLT = 34, SLTU = 35;
  static final int XOR = 36, SRL = 37, SRA = 38, OR = 39, AND = 40;
  static final int ADDIW = 41, SLLIW = 42, SRLIW = 43, SRAIW = 44;
  static final int ADDW = 45, SUBW = 46, SLLW = 47, SRLW = 48, SRAW = 49;
  static final int FENCE = 50, FENCE_I = 51, ECALL = 52, EBREAK = 53;

  static final String[] NAMES = {
    null, "lui", "auipc", "jal", "jalr", "beq", "bne", "blt", "bge", "bltu", "bgeu", "load", null,
    null, null, null, null, null, "store", null, null, null, "addi", "slti", "sltiu", "xori", "ori",
    "andi", "slli", "srli", "srai", "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or",
    "and", "addiw", "slliw", "srliw", "sraiw", "addw", "subw", "sllw", "srlw", "sraw", "fence",
    "fence.i", "ecall", "ebreak"
  };

  /** Decodes a 32-bit instruction whose major opcode belongs to RV64I. */
  static long decode(int i) {
    switch (Insn.opcode(i)) {
      case OPC_LUI:
        return pack(LUI, rd(i), 0, 0, immU(i));
      case OPC_AUIPC:
        return pack(AUIPC, rd(i), 0, 0, immU(i));
      case OPC_JAL:
        return pack(JAL, rd(i), 0, 0, immJ(i));
      case OPC_JALR:
        return funct3(i) == 0 ? pack(JALR, rd(i), rs1(i), 0, immI(i)) : Decoder.illegal(i);
      case OPC_BRANCH:
        return branch(i);
      case OPC_LOAD:
        return load(i);
      case OPC_STORE:
        return store(i);
      case OPC_OP_IMM:
        return opImm(i);
      case OPC_OP_IMM_32:
        return opImm32(i);
      case OPC_OP:
        return op(i);
      case OPC_OP_32:
        return op32(i);
      case OPC_MISC_MEM:
        return miscMem(i);
      case OPC_SYSTEM:
        return system(i);
      default:
        return Decoder.illegal(i);
    }
  }

  private static final int[] BRANCHES = {BEQ, BNE, 0, 0, BLT, BGE, BLTU, BGEU};

  private static long branch(int i) {
    int op = BRANCHES[funct3(i)];
    return op == 0 ? Decoder.illegal(i) : pack(op, 0, rs1(i), rs2(i), immB(i));
  }

  /** funct3 of LB, LH, LW, LD, LBU, LHU, LWU: size log2 in bits 1..0, unsigned in bit 2. */
  private static long load(int i) {
    int f3 = funct3(i);
    if (f3 == 7) {
      return Decoder.illegal(i); // would be LDU, an RV128 instruction
    }
    int sh = 64 - (8 << (f3 & 3));
    int msh = (f3 & 4) != 0 ? sh : 0;
    return pack(LOAD, rd(i), rs1(i), 0, immI(i) << 20 | msh << 6 | sh);
  }

  private static long store(int i) {
    int f3 = funct3(i);
    if (f3 > 3) {
      return Decoder.illegal(i);
    }
    int msh = 64 - (8 << f3);
    return pack(STORE, 0, rs1(i), rs2(i), -immS(i)) | (long) msh << 23;
  }

  /** Access size in bytes of a decoded LOAD. */
  static int loadSize(long d) {
    return (64 - ((int) (d >>> 32) & 63)) >> 3;
  }

  /** Access size in bytes of a decoded STORE. */
  static int storeSize(long d) {
    return (64 - (((int) d >>> 23) & 63)) >> 3;
  }

  /** The mnemonic of a decoded LOAD or STORE. */
  static String accessName(long d) {
    String[] size = {null, "b", "h", null, "w", null, null, null, "d"};
    if (Insn.op(d) == STORE) {
      return "s" + size[storeSize(d)];
    }
    boolean unsigned = ((int) (d >>> 38) & 63) != 0;
    return "l" + size[loadSize(d)] + (unsigned ? "u" : "");
  }

  private static final int[] OP_IMMS = {ADDI, SLLI, SLTI, SLTIU, XORI, SRLI, ORI, ANDI};

  /** Shifts take a 6-bit shamt on RV64; the bits above it must be 000000 (010000 for srai). */
  private static long opImm(int i) {
    int f3 = funct3(i);
    int top6 = i >>> 26;
    int shamt = (i >>> 20) & 63;
    if (f3 == 1) {
      return top6 == 0 ? pack(SLLI, rd(i), rs1(i), 0, shamt) : Decoder.illegal(i);
    }
    if (f3 == 5) {
      if (top6 == 0) return pack(SRLI, rd(i), rs1(i), 0, shamt);
      if (top6 == 0x10) return pack(SRAI, rd(i), rs1(i), 0, shamt);
      return Decoder.illegal(i);
    }
    return pack(OP_IMMS[f3], rd(i), rs1(i), 0, immI(i));
  }

  /** W-form shifts take a 5-bit shamt: imm[5] set is reserved. */
  private static long opImm32(int i) {
    int f3 = funct3(i);
    int f7 = funct7(i);
    int shamt = rs2(i);
    if (f3 == 0) return pack(ADDIW, rd(i), rs1(i), 0, immI(i));
    if (f3 == 1 && f7 == 0) return pack(SLLIW, rd(i), rs1(i), 0, shamt);
    if (f3 == 5 && f7 == 0) return pack(SRLIW, rd(i), rs1(i), 0, shamt);
    if (f3 == 5 && f7 == 0x20) return pack(SRAIW, rd(i), rs1(i), 0, shamt);
    return Decoder.illegal(i);
  }

  private static final int[] OPS = {ADD, SLL, SLT, SLTU, XOR, SRL, OR, AND};

  private static long op(int i) {
    int f3 = funct3(i);
    int f7 = funct7(i);
    if (f7 == 0) return pack(OPS[f3], rd(i), rs1(i), rs2(i), 0);
    if (f7 == 0x20 && f3 == 0) return pack(SUB, rd(i), rs1(i), rs2(i), 0);
    if (f7 == 0x20 && f3 == 5) return pack(SRA, rd(i), rs1(i), rs2(i), 0);
    if (f7 == 1) return RvM.decode(i);
    return Decoder.illegal(i);
  }

  private static long op32(int i) {
    int f3 = funct3(i);
    int f7 = funct7(i);
    if (f7 == 1) return RvM.decode(i);
    if (f7 == 0 && f3 == 0) return pack(ADDW, rd(i), rs1(i), rs2(i), 0);
    if (f7 == 0x20 && f3 == 0) return pack(SUBW, rd(i), rs1(i), rs2(i), 0);
    if (f7 == 0 && f3 == 1) return pack(SLLW, rd(i), rs1(i), rs2(i), 0);
    if (f7 == 0 && f3 == 5) return pack(SRLW, rd(i), rs1(i), rs2(i), 0);
    if (f7 == 0x20 && f3 == 5) return pack(SRAW, rd(i), rs1(i), rs2(i), 0);
    return Decoder.illegal(i);
  }

  /**
   * FENCE with any fm/pred/succ (and any rs1/rd, which the spec reserves and tells implementations
   * to ignore) is a full fence, a no-op on one hart. FENCE.I likewise ignores its imm/rs1/rd
   * fields, as the spec requires of base implementations.
   */
  private static long miscMem(int i) {
    int f3 = funct3(i);
    if (f3 == 0) return pack(FENCE, 0, 0, 0, 0);
    if (f3 == 1) return pack(FENCE_I, 0, 0, 0, 0);
    return Decoder.illegal(i);
  }

  /** ECALL and EBREAK are the only funct3=0 SYSTEM instructions user mode may execute. */
  private static long system(int i) {
    if (funct3(i) != 0) return Zicsr.decode(i);
    if (i == 0x0000_0073) return pack(ECALL, 0, 0, 0, 0);
    if (i == 0x0010_0073) return pack(EBREAK, 0, 0, 0, 0);
    return Decoder.illegal(i); // mret, sret, wfi, sfence.vma...: privileged
  }
}
