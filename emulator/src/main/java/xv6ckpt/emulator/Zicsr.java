package xv6ckpt.emulator;

import static xv6ckpt.emulator.Insn.funct3;
import static xv6ckpt.emulator.Insn.pack;
import static xv6ckpt.emulator.Insn.rd;
import static xv6ckpt.emulator.Insn.rs1;

/**
 * Zicsr, as much of it as user mode sees here: reads of the unprivileged counters {@code cycle}
 * (0xC00), {@code time} (0xC01) and {@code instret} (0xC02), i.e. {@code rdcycle}, {@code rdtime},
 * {@code rdinstret}. A read is CSRRS or CSRRC with rs1 = x0, or CSRRSI or CSRRCI with uimm = 0
 * (those forms do not write the CSR). Every write (CSRRW/CSRRWI always write) and every other CSR
 * is an illegal instruction, as from user mode on a machine without those counters enabled.
 *
 * <p>Deterministic values: all three counters read the number of instructions retired before the
 * reading instruction, so a program sees the same numbers on every run.
 */
final class Zicsr {
  private Zicsr() {}

  static final int RDCOUNTER = 68;

  static final String[] NAMES = {"rdcounter"};

  static final int CSR_CYCLE = 0xC00;
  static final int CSR_TIME = 0xC01;
  static final int CSR_INSTRET = 0xC02;

  private static final int CSRRS = 2, CSRRC = 3, CSRRSI = 6, CSRRCI = 7;

  /**
   * The bits of {@code csrrs rd, csr, x0} for the decoded counter read {@code d}: what a
   * system-mode hart hands its privileged layer (every read-only form behaves the same).
   */
  static int readBits(long d) {
    int rd = Insn.rd(d) == Insn.X_SINK ? 0 : Insn.rd(d);
    return Insn.imm(d) << 20 | CSRRS << 12 | rd << 7 | 0x73;
  }

  /** Decodes a SYSTEM instruction with funct3 != 0. */
  static long decode(int i) {
    int csr = i >>> 20;
    int f3 = funct3(i);
    boolean readOnly = (f3 == CSRRS || f3 == CSRRC || f3 == CSRRSI || f3 == CSRRCI) && rs1(i) == 0;
    boolean counter = csr == CSR_CYCLE || csr == CSR_TIME || csr == CSR_INSTRET;
    return readOnly && counter ? pack(RDCOUNTER, rd(i), 0, 0, csr) : Decoder.illegal(i);
  }
}
