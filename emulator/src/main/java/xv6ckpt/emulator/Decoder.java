package xv6ckpt.emulator;

/**
 * Turns instruction bits into the decoded form of {@link Insn}: 16-bit parcels are expanded by
 * {@link RvC} and then decoded like the base instruction they stand for; 32-bit instructions go to
 * the extension that owns their major opcode ({@link RvI}, which hands OP/OP-32 funct7 = 1 to
 * {@link RvM} and SYSTEM funct3 != 0 to {@link Zicsr}; AMO to {@link RvA}). Legality is decided
 * here and nowhere else.
 *
 * <p>Besides real operations there are pseudo-operations, which never retire: {@link #ILLEGAL} (its
 * immediate holds the instruction bits for tval), {@link #CROSS} (a 32-bit instruction whose upper
 * half is on the next page, fetched anew each time) and {@link #PAGE_EXIT} (leave the decoded page
 * and look pc up again).
 */
final class Decoder {
  private Decoder() {}

  static final int PAGE_EXIT = 0;
  static final int ILLEGAL = 69;
  static final int CROSS = 70;

  static long illegal(int bits) {
    return Insn.pack(ILLEGAL, 0, 0, 0, bits);
  }

  /** Whether a parcel starting with halfword {@code h} is a 16-bit instruction. */
  static boolean isCompressed(int h) {
    return (h & 3) != 3;
  }

  /** Decodes the 16-bit instruction {@code h}. */
  static long decode16(int h) {
    h &= 0xFFFF;
    int base = RvC.expand(h);
    long d = base == RvC.RESERVED ? illegal(h) : decode32(base);
    if (Insn.op(d) == ILLEGAL) {
      d = illegal(h); // tval holds the 16 bits actually fetched
    }
    return Insn.compressed(d);
  }

  /** Decodes the 32-bit instruction {@code i} (low two bits 11). */
  static long decode32(int i) {
    if ((i & 0x1F) == 0x1F) {
      return illegal(i); // bits 4:2 = 111: a 48-bit or longer encoding, none implemented
    }
    if (Insn.opcode(i) == RvA.OPC_AMO) {
      return RvA.decode(i);
    }
    return RvI.decode(i);
  }

  /** Mnemonic of a decoded operation, for messages and tests. */
  static String name(long d) {
    int op = Insn.op(d);
    if (op == RvI.LOAD || op == RvI.STORE) return RvI.accessName(d);
    if (op >= RvI.LUI && op <= RvI.EBREAK) return RvI.NAMES[op];
    if (op >= RvM.MUL && op <= RvM.REMUW) return RvM.NAMES[op - RvM.MUL];
    if (op == RvA.ATOMIC) return RvA.name(Insn.imm(d));
    if (op == Zicsr.RDCOUNTER) return Zicsr.NAMES[0];
    if (op == ILLEGAL) return "illegal";
    if (op == CROSS) return "(crosses page)";
    return "(page exit)";
  }
}
