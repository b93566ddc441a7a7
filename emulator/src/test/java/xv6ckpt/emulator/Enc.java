package xv6ckpt.emulator;

/**
 * Test-only encoder of the base formats (unprivileged spec, 2.2-2.3), written from the spec's field
 * tables, for raw-encoded sanity programs. The project's assembler lives elsewhere.
 */
final class Enc {
  private Enc() {}

  static int r(int opcode, int f3, int f7, int rd, int rs1, int rs2) {
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
  }

  static int i(int opcode, int f3, int rd, int rs1, int imm) {
    return imm << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
  }

  static int s(int f3, int rs1, int rs2, int imm) {
    return (imm >> 5) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1F) << 7 | 0x23;
  }

  static int b(int f3, int rs1, int rs2, int imm) {
    return ((imm >> 12) & 1) << 31
        | ((imm >> 5) & 0x3F) << 25
        | rs2 << 20
        | rs1 << 15
        | f3 << 12
        | ((imm >> 1) & 0xF) << 8
        | ((imm >> 11) & 1) << 7
        | 0x63;
  }

  static int u(int opcode, int rd, int imm) {
    return (imm & 0xFFFF_F000) | rd << 7 | opcode;
  }

  static int j(int rd, int imm) {
    return ((imm >> 20) & 1) << 31
        | ((imm >> 1) & 0x3FF) << 21
        | ((imm >> 11) & 1) << 20
        | ((imm >> 12) & 0xFF) << 12
        | rd << 7
        | 0x6F;
  }

  static int addi(int rd, int rs1, int imm) {
    return i(0x13, 0, rd, rs1, imm);
  }

  static int add(int rd, int rs1, int rs2) {
    return r(0x33, 0, 0, rd, rs1, rs2);
  }

  static int xor(int rd, int rs1, int rs2) {
    return r(0x33, 4, 0, rd, rs1, rs2);
  }

  static int lui(int rd, int imm) {
    return u(0x37, rd, imm);
  }

  static int ld(int rd, int rs1, int imm) {
    return i(0x03, 3, rd, rs1, imm);
  }

  static int lw(int rd, int rs1, int imm) {
    return i(0x03, 2, rd, rs1, imm);
  }

  static int lbu(int rd, int rs1, int imm) {
    return i(0x03, 4, rd, rs1, imm);
  }

  static int sd(int rs2, int rs1, int imm) {
    return s(3, rs1, rs2, imm);
  }

  static int sw(int rs2, int rs1, int imm) {
    return s(2, rs1, rs2, imm);
  }

  static int sb(int rs2, int rs1, int imm) {
    return s(0, rs1, rs2, imm);
  }

  static int bne(int rs1, int rs2, int imm) {
    return b(1, rs1, rs2, imm);
  }

  static int beq(int rs1, int rs2, int imm) {
    return b(0, rs1, rs2, imm);
  }

  static int jal(int rd, int imm) {
    return j(rd, imm);
  }

  static int jalr(int rd, int rs1, int imm) {
    return i(0x67, 0, rd, rs1, imm);
  }

  static int csr(int f3, int rd, int csr, int rs1) {
    return i(0x73, f3, rd, rs1, csr);
  }

  /** An A-extension instruction: funct5, width (2 = .w, 3 = .d). */
  static int amo(int funct5, int width, int rd, int rs1, int rs2) {
    return r(0x2F, width, funct5 << 2, rd, rs1, rs2);
  }

  static final int ECALL = 0x0000_0073;
  static final int EBREAK = 0x0010_0073;
  static final int FENCE_I = 0x0000_100F;
  static final int NOP = 0x0000_0013;
}
