package xv6ckpt.emulator.asm;

/**
 * Bit packing of the RISC-V instruction formats (unprivileged spec, chapter 2 "Base Instruction
 * Formats" and chapter "C" for the compressed ones). Pure functions, no checking: the {@link
 * Assembler} has already checked every register and immediate against the instruction's rules, so
 * here a value is only masked into its field.
 *
 * <p>Immediate scrambles are written as "take bits hi..lo of the immediate, put them at bit {@code
 * at}", in the order the spec's format pictures list them, left to right.
 */
final class Encode {
  private Encode() {}

  // Major opcodes (RV64 base opcode map).
  static final int LOAD = 0b0000011;
  static final int MISC_MEM = 0b0001111;
  static final int OP_IMM = 0b0010011;
  static final int AUIPC = 0b0010111;
  static final int OP_IMM_32 = 0b0011011;
  static final int STORE = 0b0100011;
  static final int AMO = 0b0101111;
  static final int OP = 0b0110011;
  static final int LUI = 0b0110111;
  static final int OP_32 = 0b0111011;
  static final int BRANCH = 0b1100011;
  static final int JALR = 0b1100111;
  static final int JAL = 0b1101111;
  static final int SYSTEM = 0b1110011;

  /** Bits hi..lo of {@code value}, moved so that bit lo lands at bit {@code at}. */
  static int field(long value, int hi, int lo, int at) {
    long mask = (1L << (hi - lo + 1)) - 1;
    return (int) (((value >> lo) & mask) << at);
  }

  static int r(int opcode, int rd, int funct3, int rs1, int rs2, int funct7) {
    return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
  }

  static int i(int opcode, int rd, int funct3, int rs1, long imm) {
    return field(imm, 11, 0, 20) | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
  }

  static int s(int opcode, int funct3, int rs1, int rs2, long imm) {
    return field(imm, 11, 5, 25)
        | rs2 << 20
        | rs1 << 15
        | funct3 << 12
        | field(imm, 4, 0, 7)
        | opcode;
  }

  /** The B-type immediate fields alone (imm[12|10:5] ... imm[4:1|11]), for patching. */
  static int bImm(long imm) {
    return field(imm, 12, 12, 31)
        | field(imm, 10, 5, 25)
        | field(imm, 4, 1, 8)
        | field(imm, 11, 11, 7);
  }

  static int b(int funct3, int rs1, int rs2, long imm) {
    return bImm(imm) | rs2 << 20 | rs1 << 15 | funct3 << 12 | BRANCH;
  }

  static int u(int opcode, int rd, long imm20) {
    return field(imm20, 19, 0, 12) | rd << 7 | opcode;
  }

  /** The J-type immediate fields alone (imm[20|10:1|11|19:12]), for patching. */
  static int jImm(long imm) {
    return field(imm, 20, 20, 31)
        | field(imm, 10, 1, 21)
        | field(imm, 11, 11, 20)
        | field(imm, 19, 12, 12);
  }

  static int j(int rd, long imm) {
    return jImm(imm) | rd << 7 | JAL;
  }

  // ---- Compressed formats. rd', rs1', rs2' are given as full register numbers x8..x15. ----

  /** CR: funct4 | rd/rs1 | rs2 | op. */
  static int cr(int funct4, int rdRs1, int rs2, int op) {
    return funct4 << 12 | rdRs1 << 7 | rs2 << 2 | op;
  }

  /** CI with the plain imm[5] | imm[4:0] layout (c.addi, c.li, c.addiw, c.slli, c.lui). */
  static int ci(int funct3, int rd, long imm, int op) {
    return funct3 << 13 | field(imm, 5, 5, 12) | rd << 7 | field(imm, 4, 0, 2) | op;
  }

  /** CB with the imm[5] | rd' | imm[4:0] layout (c.srli, c.srai, c.andi). */
  static int cbAlu(int funct2, int rd, long imm) {
    return 0b100 << 13
        | field(imm, 5, 5, 12)
        | funct2 << 10
        | (rd - 8) << 7
        | field(imm, 4, 0, 2)
        | 0b01;
  }

  /** CA: funct6 | rd'/rs1' | funct2 | rs2' | op. */
  static int ca(int funct6, int rd, int funct2, int rs2) {
    return funct6 << 10 | (rd - 8) << 7 | funct2 << 5 | (rs2 - 8) << 2 | 0b01;
  }

  /** The CB branch offset fields (offset[8|4:3] ... offset[7:6|2:1|5]), for patching. */
  static int cbImm(long imm) {
    return field(imm, 8, 8, 12)
        | field(imm, 4, 3, 10)
        | field(imm, 7, 6, 5)
        | field(imm, 2, 1, 3)
        | field(imm, 5, 5, 2);
  }

  /** The CJ jump target fields (offset[11|4|9:8|10|6|7|3:1|5]), for patching. */
  static int cjImm(long imm) {
    return field(imm, 11, 11, 12)
        | field(imm, 4, 4, 11)
        | field(imm, 9, 8, 9)
        | field(imm, 10, 10, 8)
        | field(imm, 6, 6, 7)
        | field(imm, 7, 7, 6)
        | field(imm, 3, 1, 3)
        | field(imm, 5, 5, 2);
  }

  /** c.lw / c.sw offset fields: uimm[5:3] at 12, uimm[2|6] at 6:5. */
  static int clsWordImm(long uimm) {
    return field(uimm, 5, 3, 10) | field(uimm, 2, 2, 6) | field(uimm, 6, 6, 5);
  }

  /** c.ld / c.sd offset fields: uimm[5:3] at 12, uimm[7:6] at 6:5. */
  static int clsDoubleImm(long uimm) {
    return field(uimm, 5, 3, 10) | field(uimm, 7, 6, 5);
  }

  /** CL/CS: funct3 | offset fields | rs1' | rd'/rs2' | op 00. */
  static int cls(int funct3, int offsetFields, int rs1, int rdRs2) {
    return funct3 << 13 | offsetFields | (rs1 - 8) << 7 | (rdRs2 - 8) << 2;
  }

  /** c.addi4spn: nzuimm[5:4|9:6|2|3] at 12:5. */
  static int cAddi4spnImm(long uimm) {
    return field(uimm, 5, 4, 11)
        | field(uimm, 9, 6, 7)
        | field(uimm, 2, 2, 6)
        | field(uimm, 3, 3, 5);
  }

  /** c.addi16sp: nzimm[9] at 12, nzimm[4|6|8:7|5] at 6:2. */
  static int cAddi16spImm(long imm) {
    return field(imm, 9, 9, 12)
        | field(imm, 4, 4, 6)
        | field(imm, 6, 6, 5)
        | field(imm, 8, 7, 3)
        | field(imm, 5, 5, 2);
  }

  /** c.lwsp: uimm[5] at 12, uimm[4:2|7:6] at 6:2. */
  static int cLwspImm(long uimm) {
    return field(uimm, 5, 5, 12) | field(uimm, 4, 2, 4) | field(uimm, 7, 6, 2);
  }

  /** c.ldsp: uimm[5] at 12, uimm[4:3|8:6] at 6:2. */
  static int cLdspImm(long uimm) {
    return field(uimm, 5, 5, 12) | field(uimm, 4, 3, 5) | field(uimm, 8, 6, 2);
  }

  /** c.swsp: uimm[5:2|7:6] at 12:7. */
  static int cSwspImm(long uimm) {
    return field(uimm, 5, 2, 9) | field(uimm, 7, 6, 7);
  }

  /** c.sdsp: uimm[5:3|8:6] at 12:7. */
  static int cSdspImm(long uimm) {
    return field(uimm, 5, 3, 10) | field(uimm, 8, 6, 7);
  }
}
