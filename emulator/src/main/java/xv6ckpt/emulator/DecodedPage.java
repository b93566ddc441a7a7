package xv6ckpt.emulator;

/**
 * The decoded-instruction cache for one 4 KiB physical page: slot s holds the decoded
 * instruction ({@link Insn}) that starts at byte 2s of the page, for each of the page's 2048
 * halfwords, because a jump may land on any of them. Two extra slots past the end hold
 * {@link Decoder#PAGE_EXIT}, so running off the end of the page needs no bounds test in the hot
 * loop. A 32-bit instruction in the last slot continues on the next page and decodes as
 * {@link Decoder#CROSS} (its immediate holds the low halfword).
 *
 * <p>Not architectural. Kept coherent with RAM by {@link PhysicalMemory}: a hart's store
 * re-decodes the slots it overwrote ({@link #patch}), any other write drops the page. So fetch
 * always sees the bytes as they are now, which is stronger than the spec asks (it only promises
 * that after fence.i) and makes a run the same however {@code run} budgets split it.
 */
final class DecodedPage {
  static final int SLOTS = PhysicalMemory.PGSIZE / 2;

  /** Decoded instructions, SLOTS + 2 entries; see the class comment. */
  final long[] code = new long[SLOTS + 2];

  private static final long PAGE_EXIT = Insn.pack(Decoder.PAGE_EXIT, 0, 0, 0, 0);

  private DecodedPage() {
    java.util.Arrays.fill(code, PAGE_EXIT);
  }

  /** A page of PAGE_EXIT slots only: the hart's scratch page for instructions that cross pages. */
  static DecodedPage empty() {
    return new DecodedPage();
  }

  /** Decodes every slot of the page that starts at {@code pageOff} in {@code ram}. */
  static DecodedPage decode(byte[] ram, int pageOff) {
    DecodedPage p = new DecodedPage();
    for (int s = 0; s < SLOTS; s++) {
      p.code[s] = decodeSlot(ram, pageOff, s);
    }
    return p;
  }

  /** Re-decodes the slots whose instruction bytes overlap [off, off + len) of the page. */
  void patch(byte[] ram, int pageOff, int off, int len) {
    int first = Math.max(0, (off - 2) >> 1); // a 32-bit instruction at off - 2 covers off
    int last = Math.min(SLOTS - 1, (off + len - 1) >> 1);
    for (int s = first; s <= last; s++) {
      code[s] = decodeSlot(ram, pageOff, s);
    }
  }

  private static long decodeSlot(byte[] ram, int pageOff, int s) {
    int lo = (short) PhysicalMemory.SHORT.get(ram, pageOff + 2 * s) & 0xFFFF;
    if (Decoder.isCompressed(lo)) {
      return Decoder.decode16(lo);
    }
    if (s == SLOTS - 1) {
      return Insn.pack(Decoder.CROSS, 0, 0, 0, lo);
    }
    int hi = (short) PhysicalMemory.SHORT.get(ram, pageOff + 2 * s + 2) & 0xFFFF;
    return Decoder.decode32(lo | hi << 16);
  }

  /** Puts the 32-bit instruction {@code bits} in the last slot (for the scratch page). */
  void setLast(int bits) {
    code[SLOTS - 1] = Decoder.decode32(bits);
  }
}
