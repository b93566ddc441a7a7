package xv6ckpt.emulator;

/**
 * The decoded-instruction cache for one 4 KiB physical page: slot s holds the decoded instruction
 * ({@link Insn}) that starts at byte 2s of the page, for each of the page's 2048 halfwords, because
 * a jump may land on any of them. Two extra slots past the end hold {@link Decoder#PAGE_EXIT}, so
 * running off the end of the page needs no bounds test in the hot loop. A 32-bit instruction in the
 * last slot continues on the next page and decodes as {@link Decoder#CROSS} (its immediate holds
 * the low halfword).
 *
 * <p>Not architectural. Kept coherent with RAM by {@link PhysicalMemory}: a hart's store re-decodes
 * the slots it overwrote ({@link #patch}), any other write drops the page. So fetch always sees the
 * bytes as they are now, which is stronger than the spec asks (it only promises that after fence.i)
 * and makes a run the same however {@code run} budgets split it.
 *
 * <p>A page made by {@link DecodeCache} is {@link #shared} by every physical page holding the same
 * bytes, and its {@link #code} and {@link #blen} never change: a store to one of those pages
 * patches a {@link #privateCopy} instead.
 */
final class DecodedPage {
  static final int SLOTS = PhysicalMemory.PGSIZE / 2;

  /** Decoded instructions, SLOTS + 2 entries; see the class comment. */
  final long[] code;

  /**
   * Block lengths: blen[s] is the number of instructions from slot s to the end of its basic block,
   * inclusive, following straight-line execution (a block ends with an instruction that may jump,
   * trap by design or read the counters, see {@link #endsBlock}). 0 for PAGE_EXIT and CROSS, which
   * are not instructions. So blen[start] - blen[s] instructions lie between two slots of one block,
   * which lets the hart charge its budget once per block.
   */
  final int[] blen;

  /**
   * The translation tier's cache (see {@link Translator}): translations[s] runs the region entered
   * at slot s, or is {@link Translation#NONE}; null until slot s became hot. The second half,
   * translations[SLOTS + 2 + s], holds the same for harts that record guest coverage: those
   * translations record every transfer, the first half's none (their code is smaller, and HotSpot
   * compiles a smaller method better). Allocated on the first translation; dropped whole by {@link
   * #patch}, and with the page otherwise.
   */
  Translation[] translations;

  /**
   * Visits of each slot as a jump target or page entry, counted by harts with translation on until
   * the slot is hot (then it holds the hart's threshold, so each visit re-enters the translation).
   * Only speed depends on it.
   */
  final int[] heat = new int[SLOTS + 2];

  /**
   * Whether this decoding may be held by several physical pages ({@link DecodeCache}): then {@link
   * #patch} must not be called on it (see the class comment).
   */
  boolean shared;

  /**
   * Counts {@link #patch}es of this decoding. A translation that runs code of this page from
   * another page's region ({@link Translator}) checks it is still the number it saw, since a patch
   * changes the instructions in place.
   */
  int version;

  private static final long PAGE_EXIT = Insn.pack(Decoder.PAGE_EXIT, 0, 0, 0, 0);

  private DecodedPage() {
    this.code = new long[SLOTS + 2];
    this.blen = new int[SLOTS + 2];
    java.util.Arrays.fill(code, PAGE_EXIT);
  }

  private DecodedPage(long[] code, int[] blen) {
    this.code = code;
    this.blen = blen;
  }

  /** A page of PAGE_EXIT slots only: the hart's scratch page for instructions that cross pages. */
  static DecodedPage empty() {
    DecodedPage p = new DecodedPage();
    java.util.Arrays.fill(p.heat, Integer.MIN_VALUE); // never hot: it is not a real page
    return p;
  }

  /** The translation entered at slot s, recording coverage or not as {@code counts}, or null. */
  Translation translation(int s, boolean counts) {
    Translation[] t = translations;
    return t == null ? null : t[counts ? SLOTS + 2 + s : s];
  }

  void setTranslation(int s, boolean counts, Translation t) {
    if (translations == null) {
      translations = new Translation[2 * (SLOTS + 2)];
    }
    translations[counts ? SLOTS + 2 + s : s] = t;
  }

  /** Decodes every slot of the page that starts at {@code pageOff} in {@code ram}. */
  static DecodedPage decode(byte[] ram, int pageOff) {
    DecodedPage p = new DecodedPage();
    for (int s = 0; s < SLOTS; s++) {
      p.code[s] = decodeSlot(ram, pageOff, s);
    }
    for (int s = SLOTS - 1; s >= 0; s--) {
      p.blen[s] = p.blockLength(s);
    }
    return p;
  }

  /**
   * An unshared copy of this page's instructions and block lengths, for one physical page about to
   * be patched. Heat starts again from zero and there are no translations: both are only speed, and
   * a patch would drop the translations anyway.
   */
  DecodedPage privateCopy() {
    return new DecodedPage(code.clone(), blen.clone());
  }

  /**
   * Re-decodes the slots whose instruction bytes overlap [off, off + len) of the page, then the
   * block lengths that depend on them: those of lower slots, downwards until two neighbouring slots
   * keep their old length (every slot below reaches the ones above through one of them, since an
   * instruction is one or two slots long).
   */
  void patch(byte[] ram, int pageOff, int off, int len) {
    if (shared) {
      throw new IllegalStateException("patch of a shared decoding: patch a privateCopy()");
    }
    translations = null; // a translation may hold any instruction of the page
    version++; // and so may another page's, which checks this before it runs code of this one
    int first = Math.max(0, (off - 2) >> 1); // a 32-bit instruction at off - 2 covers off
    int last = Math.min(SLOTS - 1, (off + len - 1) >> 1);
    for (int s = first; s <= last; s++) {
      code[s] = decodeSlot(ram, pageOff, s);
    }
    boolean aboveChanged = true;
    for (int s = last; s >= 0; s--) {
      int b = blockLength(s);
      boolean changed = b != blen[s];
      blen[s] = b;
      if (s <= first && !changed && !aboveChanged) {
        break;
      }
      aboveChanged = changed;
    }
  }

  private int blockLength(int s) {
    long d = code[s];
    int op = Insn.op(d);
    if (op == Decoder.PAGE_EXIT || op == Decoder.CROSS) {
      return 0;
    }
    return endsBlock(op) ? 1 : 1 + blen[s + Insn.halfwords(d)];
  }

  /** Operations after which the hart re-checks its budget: jumps, branches, traps, counters. */
  static boolean endsBlock(int op) {
    return (op >= RvI.JAL && op <= RvI.BGEU)
        || op == RvI.ECALL
        || op == RvI.EBREAK
        || op == RvI.FENCE_I
        || op == Zicsr.RDCOUNTER
        || op == Decoder.ILLEGAL;
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
    blen[SLOTS - 1] = 1;
  }
}
