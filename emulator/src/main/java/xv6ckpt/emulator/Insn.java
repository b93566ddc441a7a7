package xv6ckpt.emulator;

/**
 * The decoded form of one instruction, as the hart's decode cache stores it: a {@code long} whose
 * low word holds the operation and register numbers and whose high word holds the immediate. Also
 * the field extractors of the 32-bit base encoding (unprivileged spec, 2.2-2.3).
 *
 * <pre>
 *   63            32 31 30 29  23 22  18 17  13 12   7 6    0
 *  |   immediate    | len |  0   | rs2  | rs1  |  rd  |  op  |
 * </pre>
 *
 * <ul>
 *   <li>{@code op}: one of the operation numbers defined by the extension classes ({@link RvI},
 *       {@link RvM}, {@link RvA}, {@link Zicsr}) or the pseudo-operations of {@link Decoder}.
 *   <li>{@code rd}: destination register; x0 is stored as {@link #X_SINK}, a 33rd register that is
 *       written and never read, so that no operation needs an "rd != 0" test.
 *   <li>{@code len}: instruction length in halfwords (1 compressed, 2 base), the step to the next
 *       decode slot.
 * </ul>
 */
final class Insn {
  private Insn() {}

  /** Register index that absorbs writes to x0. */
  static final int X_SINK = 32;

  static long pack(int op, int rd, int rs1, int rs2, int imm) {
    int lo = op | (rd == 0 ? X_SINK : rd) << 7 | rs1 << 13 | rs2 << 18 | 2 << 30;
    return (long) imm << 32 | (lo & 0xFFFF_FFFFL);
  }

  /** The same decoded instruction, marked as a 16-bit (compressed) one. */
  static long compressed(long d) {
    return (d & ~(3L << 30)) | 1L << 30;
  }

  static int op(long d) {
    return (int) d & 0x7F;
  }

  static int rd(long d) {
    return ((int) d >>> 7) & 63;
  }

  static int rs1(long d) {
    return ((int) d >>> 13) & 31;
  }

  static int rs2(long d) {
    return ((int) d >>> 18) & 31;
  }

  static int halfwords(long d) {
    return (int) d >>> 30;
  }

  static int imm(long d) {
    return (int) (d >> 32);
  }

  // ---------------------------------------------------------------- base encoding fields

  static int opcode(int i) {
    return i & 0x7F;
  }

  static int rd(int i) {
    return (i >>> 7) & 31;
  }

  static int funct3(int i) {
    return (i >>> 12) & 7;
  }

  static int rs1(int i) {
    return (i >>> 15) & 31;
  }

  static int rs2(int i) {
    return (i >>> 20) & 31;
  }

  static int funct7(int i) {
    return i >>> 25;
  }

  static int immI(int i) {
    return i >> 20;
  }

  static int immS(int i) {
    return (i >> 25) << 5 | (i >>> 7) & 0x1F;
  }

  static int immB(int i) {
    return (i >> 31) << 12
        | ((i >>> 7) & 1) << 11
        | ((i >>> 25) & 0x3F) << 5
        | ((i >>> 8) & 0xF) << 1;
  }

  static int immU(int i) {
    return i & 0xFFFF_F000;
  }

  static int immJ(int i) {
    return (i >> 31) << 20
        | ((i >>> 12) & 0xFF) << 12
        | ((i >>> 20) & 1) << 11
        | ((i >>> 21) & 0x3FF) << 1;
  }
}
