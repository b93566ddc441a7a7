package xv6ckpt.emulator;

/**
 * The C extension for RV64 (unprivileged spec, chapter "C" / Zca): each 16-bit instruction is
 * expanded to the 32-bit base instruction it stands for, so C adds decoding and no semantics.
 * {@link #expand} returns that base encoding, or {@link #RESERVED} for code points that are illegal
 * here:
 *
 * <ul>
 *   <li>the all-zero halfword and C.ADDI4SPN with nzuimm = 0;
 *   <li>C.LUI and C.ADDI16SP with a zero immediate; C.ADDIW, C.LWSP, C.LDSP with rd = 0; C.JR with
 *       rs1 = 0; the reserved SUBW/ADDW neighbours (funct 100 1 11 10/11); quadrant 0's funct3 =
 *       100;
 *   <li>C.FLD, C.FSD, C.FLDSP, C.FSDSP: there is no F/D here;
 *   <li>nothing is RV32-only by accident: 001 in quadrant 1 is C.ADDIW on RV64 (C.JAL on RV32).
 * </ul>
 *
 * <p>HINTs are not reserved: C.NOP with imm != 0, C.ADDI with rd = 0 or imm = 0, C.LI / C.LUI /
 * C.MV / C.ADD / C.SLLI with rd = 0, and the shifts with shamt = 0 expand to base instructions that
 * write x0 or shift by zero, so they execute as no-ops with no special case.
 */
final class RvC {
  private RvC() {}

  /** Returned by {@link #expand} for a reserved or unsupported compressed encoding. */
  static final int RESERVED = 0;

  private static final int X0 = 0, RA = 1, SP = 2;

  /** Expands the 16-bit instruction {@code h} (low two bits not 11) to its 32-bit equivalent. */
  static int expand(int h) {
    switch (h & 3) {
      case 0:
        return quadrant0(h);
      case 1:
        return quadrant1(h);
      default:
        return quadrant2(h);
    }
  }

  // ---------------------------------------------------------------- field helpers

  private static int bit(int h, int n) {
    return (h >>> n) & 1;
  }

  private static int bits(int h, int hi, int lo) {
    return (h >>> lo) & ((1 << (hi - lo + 1)) - 1);
  }

  /** rd'/rs1'/rs2' fields: three bits naming x8..x15. */
  private static int creg(int h, int lo) {
    return 8 + bits(h, lo + 2, lo);
  }

  /** The 6-bit signed immediate of CI format: imm[5] = bit 12, imm[4:0] = bits 6:2. */
  private static int ciImm(int h) {
    return (-bit(h, 12) << 5) | bits(h, 6, 2);
  }

  private static int funct3(int h) {
    return (h >>> 13) & 7;
  }

  // ---------------------------------------------------------------- quadrant 0

  private static int quadrant0(int h) {
    int rdp = creg(h, 2);
    int rs1p = creg(h, 7);
    // C.LW/C.SW offset: uimm[5:3] = bits 12:10, uimm[2] = bit 6, uimm[6] = bit 5.
    int wOff = bits(h, 12, 10) << 3 | bit(h, 6) << 2 | bit(h, 5) << 6;
    // C.LD/C.SD offset: uimm[5:3] = bits 12:10, uimm[7:6] = bits 6:5.
    int dOff = bits(h, 12, 10) << 3 | bits(h, 6, 5) << 6;
    switch (funct3(h)) {
      case 0:
        { // C.ADDI4SPN: nzuimm[5:4|9:6|2|3] = bits 12:11|10:7|6|5
          int imm = bits(h, 12, 11) << 4 | bits(h, 10, 7) << 6 | bit(h, 6) << 2 | bit(h, 5) << 3;
          return imm == 0 ? RESERVED : encI(RvI.OPC_OP_IMM, 0, rdp, SP, imm);
        }
      case 2: // C.LW
        return encI(RvI.OPC_LOAD, 2, rdp, rs1p, wOff);
      case 3: // C.LD
        return encI(RvI.OPC_LOAD, 3, rdp, rs1p, dOff);
      case 6: // C.SW
        return encS(2, rs1p, rdp, wOff);
      case 7: // C.SD
        return encS(3, rs1p, rdp, dOff);
      default: // 1 C.FLD, 5 C.FSD (no D), 4 reserved
        return RESERVED;
    }
  }

  // ---------------------------------------------------------------- quadrant 1

  private static int quadrant1(int h) {
    int rd = bits(h, 11, 7);
    switch (funct3(h)) {
      case 0: // C.ADDI (C.NOP when rd = 0; HINTs when rd = 0 or imm = 0)
        return encI(RvI.OPC_OP_IMM, 0, rd, rd, ciImm(h));
      case 1: // C.ADDIW (RV64; C.JAL exists only on RV32)
        return rd == 0 ? RESERVED : encI(RvI.OPC_OP_IMM_32, 0, rd, rd, ciImm(h));
      case 2: // C.LI
        return encI(RvI.OPC_OP_IMM, 0, rd, X0, ciImm(h));
      case 3:
        return rd == SP ? addi16sp(h) : lui(h, rd);
      case 4:
        return miscAlu(h);
      case 5: // C.J
        return encJ(X0, cjOffset(h));
      case 6: // C.BEQZ
        return encB(0, creg(h, 7), X0, cbOffset(h));
      default: // C.BNEZ
        return encB(1, creg(h, 7), X0, cbOffset(h));
    }
  }

  /** C.ADDI16SP: nzimm[9] = bit 12, nzimm[4|6|8:7|5] = bits 6|5|4:3|2. */
  private static int addi16sp(int h) {
    int imm =
        -bit(h, 12) << 9 | bit(h, 6) << 4 | bit(h, 5) << 6 | bits(h, 4, 3) << 7 | bit(h, 2) << 5;
    return imm == 0 ? RESERVED : encI(RvI.OPC_OP_IMM, 0, SP, SP, imm);
  }

  /** C.LUI: nzimm[17] = bit 12, nzimm[16:12] = bits 6:2 (rd = 0 is a HINT). */
  private static int lui(int h, int rd) {
    int imm = ciImm(h) << 12;
    return imm == 0 ? RESERVED : encU(RvI.OPC_LUI, rd, imm);
  }

  private static int miscAlu(int h) {
    int rd = creg(h, 7);
    int shamt = bit(h, 12) << 5 | bits(h, 6, 2);
    switch (bits(h, 11, 10)) {
      case 0: // C.SRLI
        return encI(RvI.OPC_OP_IMM, 5, rd, rd, shamt);
      case 1: // C.SRAI
        return encI(RvI.OPC_OP_IMM, 5, rd, rd, 0x400 | shamt);
      case 2: // C.ANDI
        return encI(RvI.OPC_OP_IMM, 7, rd, rd, ciImm(h));
      default:
        break;
    }
    int rs2 = creg(h, 2);
    int sel = bits(h, 6, 5);
    if (bit(h, 12) == 0) { // C.SUB, C.XOR, C.OR, C.AND
      int[] f3 = {0, 4, 6, 7};
      return encR(RvI.OPC_OP, f3[sel], sel == 0 ? 0x20 : 0, rd, rd, rs2);
    }
    if (sel == 0) return encR(RvI.OPC_OP_32, 0, 0x20, rd, rd, rs2); // C.SUBW
    if (sel == 1) return encR(RvI.OPC_OP_32, 0, 0, rd, rd, rs2); // C.ADDW
    return RESERVED;
  }

  /** CJ offset[11|4|9:8|10|6|7|3:1|5] = bits 12|11|10:9|8|7|6|5:3|2. */
  private static int cjOffset(int h) {
    return -bit(h, 12) << 11
        | bit(h, 11) << 4
        | bits(h, 10, 9) << 8
        | bit(h, 8) << 10
        | bit(h, 7) << 6
        | bit(h, 6) << 7
        | bits(h, 5, 3) << 1
        | bit(h, 2) << 5;
  }

  /** CB offset[8|4:3] = bits 12|11:10, offset[7:6|2:1|5] = bits 6:5|4:3|2. */
  private static int cbOffset(int h) {
    return -bit(h, 12) << 8
        | bits(h, 11, 10) << 3
        | bits(h, 6, 5) << 6
        | bits(h, 4, 3) << 1
        | bit(h, 2) << 5;
  }

  // ---------------------------------------------------------------- quadrant 2

  private static int quadrant2(int h) {
    int rd = bits(h, 11, 7);
    int rs2 = bits(h, 6, 2);
    switch (funct3(h)) {
      case 0: // C.SLLI
        return encI(RvI.OPC_OP_IMM, 1, rd, rd, bit(h, 12) << 5 | rs2);
      case 2:
        { // C.LWSP: uimm[5] = bit 12, uimm[4:2] = bits 6:4, uimm[7:6] = bits 3:2
          int off = bit(h, 12) << 5 | bits(h, 6, 4) << 2 | bits(h, 3, 2) << 6;
          return rd == 0 ? RESERVED : encI(RvI.OPC_LOAD, 2, rd, SP, off);
        }
      case 3:
        { // C.LDSP: uimm[5] = bit 12, uimm[4:3] = bits 6:5, uimm[8:6] = bits 4:2
          int off = bit(h, 12) << 5 | bits(h, 6, 5) << 3 | bits(h, 4, 2) << 6;
          return rd == 0 ? RESERVED : encI(RvI.OPC_LOAD, 3, rd, SP, off);
        }
      case 4:
        return jumpsAndMoves(h, rd, rs2);
      case 6: // C.SWSP: uimm[5:2] = bits 12:9, uimm[7:6] = bits 8:7
        return encS(2, SP, rs2, bits(h, 12, 9) << 2 | bits(h, 8, 7) << 6);
      case 7: // C.SDSP: uimm[5:3] = bits 12:10, uimm[8:6] = bits 9:7
        return encS(3, SP, rs2, bits(h, 12, 10) << 3 | bits(h, 9, 7) << 6);
      default: // 1 C.FLDSP, 5 C.FSDSP (no D)
        return RESERVED;
    }
  }

  /** C.JR, C.MV, C.EBREAK, C.JALR, C.ADD: funct4 100x in quadrant 2. */
  private static int jumpsAndMoves(int h, int rd, int rs2) {
    if (bit(h, 12) == 0) {
      if (rs2 != 0) return encR(RvI.OPC_OP, 0, 0, rd, X0, rs2); // C.MV
      return rd == 0 ? RESERVED : encI(RvI.OPC_JALR, 0, X0, rd, 0); // C.JR
    }
    if (rs2 != 0) return encR(RvI.OPC_OP, 0, 0, rd, rd, rs2); // C.ADD
    if (rd == 0) return 0x0010_0073; // C.EBREAK
    return encI(RvI.OPC_JALR, 0, RA, rd, 0); // C.JALR
  }

  // ---------------------------------------------------------------- base-format encoders

  private static int encR(int opcode, int f3, int f7, int rd, int rs1, int rs2) {
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
  }

  private static int encI(int opcode, int f3, int rd, int rs1, int imm) {
    return imm << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
  }

  private static int encS(int f3, int rs1, int rs2, int imm) {
    return (imm >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1F) << 7 | RvI.OPC_STORE;
  }

  private static int encB(int f3, int rs1, int rs2, int imm) {
    return ((imm >> 12) & 1) << 31
        | ((imm >> 5) & 0x3F) << 25
        | rs2 << 20
        | rs1 << 15
        | f3 << 12
        | ((imm >> 1) & 0xF) << 8
        | ((imm >> 11) & 1) << 7
        | RvI.OPC_BRANCH;
  }

  private static int encU(int opcode, int rd, int imm) {
    return (imm & 0xFFFF_F000) | rd << 7 | opcode;
  }

  private static int encJ(int rd, int imm) {
    return ((imm >> 20) & 1) << 31
        | ((imm >> 1) & 0x3FF) << 21
        | ((imm >> 11) & 1) << 20
        | ((imm >> 12) & 0xFF) << 12
        | rd << 7
        | RvI.OPC_JAL;
  }
}
