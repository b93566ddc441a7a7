package xv6ckpt.emulator;

/**
 * A region of one decoded page translated to JVM bytecode by {@link Translator}: the compiled form
 * of the interpreter's work from one slot, through the basic blocks reachable from it by branches
 * and jumps inside the page, up to a size limit. It may be entered at the start of any of its
 * blocks ({@link #entries}), and JALR into one of them stays inside it. Not architectural: running
 * it has exactly the effect of interpreting the same instructions (see {@link Hart#run}).
 *
 * <p>Contract of {@link #run}, which mirrors the interpreter's:
 *
 * <ul>
 *   <li>On entry at slot {@code entry} (one of {@link #entries}), {@code left} is the budget not
 *       yet charged; nothing of the block at the entry has been charged. Each basic block is
 *       entered only if all of it fits in {@code left} (it is charged whole on entry), so the
 *       budget never ends inside translated code.
 *   <li>It never traps, never walks page tables and never writes a page that needs bookkeeping:
 *       loads and stores go through the hart's TLB as the interpreter's fast path does (same tags;
 *       an access that would cross the page end leaves), and anything else (a TLB miss, an
 *       instruction it does not translate, a block that does not fit the budget) ends it
 *       <em>before</em> that instruction, with all earlier instructions' effects committed.
 *   <li>It returns a slot s &gt;= 0: run on by interpreting from slot s, of which nothing is
 *       charged ({@link Hart#exitLeft} holds the budget left, with the not-yet-run rest of a
 *       charged block given back); or {@link #EXIT_JUMP}: continue at {@link Hart#exitPc}, a block
 *       boundary. Registers it wrote are stored back to {@code x} in both cases.
 * </ul>
 *
 * <p>A translation depends on its page's bytes only (pc-relative values are computed from {@code
 * pageVa}), so it lives in the {@link DecodedPage} and is dropped with that page's decoding
 * whenever the bytes change.
 */
abstract class Translation {

  /** Return value of {@link #run}: continue at {@link Hart#exitPc}. */
  static final int EXIT_JUMP = -1;

  /** Marks a slot whose region could not be translated (so it is not tried again). */
  static final Translation NONE = new None();

  /** The block starts where {@link #run} may be entered; set once, by {@link Translator}. */
  int[] entries = new int[0];

  /**
   * The other pages whose code the region runs: {@code pages[i]} is the decoding of the page at
   * pageVa + 4096 {@code offsets[i]} as it was translated, {@code versions[i]} its {@link
   * DecodedPage#version} then. Before the generated code first goes on into one of them in a run,
   * it checks through {@link Hart#codeMapped} that the fetch TLB still maps that page to this
   * decoding, unpatched; else it leaves for the interpreter. Set once, by {@link Translator}.
   */
  DecodedPage[] pages = new DecodedPage[0];

  int[] versions = new int[0];

  /** The page offsets of {@link #pages}, ascending. */
  int[] offsets = new int[0];

  /**
   * From generated code, before it enters a block of {@code pages[i]} from another page: {@code
   * verified} (a bit per page whose mapping this run checked) with page i's bit set if it is mapped
   * as translated, else -1 (the code leaves for the interpreter).
   */
  final int verify(Hart h, long pageVa, int verified, int i) {
    int k = offsets[i];
    int bit = 1 << (k + Translator.MAX_PAGE_DISTANCE);
    if ((verified & bit) != 0) {
      return verified;
    }
    return h.codeMapped(pageVa + ((long) k << 12), pages[i], versions[i]) ? verified | bit : -1;
  }

  /**
   * Runs the region; see the class comment.
   *
   * @param h the hart, whose {@code exitLeft} and {@code exitPc} receive the exit state
   * @param x the hart's registers (x0..x31 and the sink)
   * @param ram the memory's bytes
   * @param tlb the hart's data TLB slots
   * @param pageVa virtual address of the page the region was translated from
   * @param left budget not yet charged; at least the entry block's length
   * @param entry the slot to start at, one of {@link #entries}
   */
  abstract int run(Hart h, long[] x, byte[] ram, long[] tlb, long pageVa, long left, int entry);

  private static final class None extends Translation {
    @Override
    int run(Hart h, long[] x, byte[] ram, long[] tlb, long pageVa, long left, int entry) {
      throw new IllegalStateException("the NONE translation marks untranslatable code");
    }
  }

  // ---------------------------------------------------------------- called by generated code
  // The TLB lookups of loads and stores (the access itself is the region's own VarHandle call:
  // Translator.address) and the coverage hook of translations that record transfers.

  /**
   * The RAM offset of a load at va through the TLB's load half, or -1 on a miss or when the access
   * would pass {@code last} (the page size less its own size).
   */
  static int loadOffset(long[] tlb, long va, int last) {
    long vpn = va >>> 12;
    int e = Tlb.entry(vpn);
    int off = (int) va & 0xFFF;
    if (tlb[e + Tlb.LOAD_TAG] != vpn || off > last) {
      return -1;
    }
    return (int) tlb[e + Tlb.LOAD_BASE] + off;
  }

  /** As {@link #loadOffset}, through the store half. */
  static int storeOffset(long[] tlb, long va, int last) {
    long vpn = va >>> 12;
    int e = Tlb.entry(vpn);
    int off = (int) va & 0xFFF;
    if (tlb[e + Tlb.STORE_TAG] != vpn || off > last) {
      return -1;
    }
    return (int) tlb[e + Tlb.STORE_BASE] + off;
  }

  /** [coverage] Records a transfer to target if the hart has an edge recorder. */
  static void transfer(Hart h, long target) {
    xv6ckpt.emulator.cov.EdgeRecorder r = h.coverage;
    if (r != null) {
      r.transfer(target);
    }
  }
}
