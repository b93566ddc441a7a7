package xv6ckpt.emulator;

import java.util.Arrays;

/**
 * Decodings of page contents, so that physical pages holding the same bytes share one {@link
 * DecodedPage}. A fork copies the parent's code pages to new physical addresses and a reset drops
 * every restored page's decoding; without this cache each such page would be decoded afresh (all
 * 2048 slots) when first fetched, although its bytes were decoded before.
 *
 * <p>Not architectural, and skippable when reading the semantics: a page found here is one whose
 * bytes were compared equal to the page being fetched, so its decoding is exactly what {@link
 * DecodedPage#decode} would produce. Every page handed out is marked {@link DecodedPage#shared}:
 * its instructions and block lengths are never changed again ({@link PhysicalMemory#hartWrote}
 * patches a private copy instead), so it stays the decoding of the bytes it was found by. Its heat
 * counts and translations do change, but they depend only on the instructions, not on the physical
 * page, so sharing them is sharing work.
 *
 * <p>Direct-mapped: a page's bytes hash to one of {@link #CAPACITY} slots, and a slot holds the
 * last page decoded there (a miss replaces it). By default one cache per {@link PhysicalMemory}. An
 * owner that runs several machines one after another on one thread (a benchmark's boots, a sweep's
 * machines) may give them one cache: the pages a machine decoded, and the translations its harts
 * made of them, are then ready for the next machine that fetches the same bytes, which saves a new
 * machine decoding, translating and the JIT compiling its code again. It is an explicit object,
 * never static state; not thread-safe, so never shared between threads; and nothing in it is
 * architectural, so every machine runs the same, instruction for instruction.
 */
public final class DecodeCache {
  /** Slots; a power of two. About 40 KiB each when full (a page copy plus its decoding). */
  static final int CAPACITY = 64;

  private final int mask;

  /** bytes[i]: a copy of the page that slot i's decoding was made from; null if empty. */
  private final byte[][] bytes;

  private final DecodedPage[] pages;

  /** Decodings made (misses), for tests and benchmarks. */
  private long decodes;

  public DecodeCache() {
    this(CAPACITY);
  }

  /** A cache of {@code slots} slots (a power of two); tests use 1 to make every page collide. */
  DecodeCache(int slots) {
    if (slots <= 0 || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("decode cache slots " + slots + " must be a power of two");
    }
    this.mask = slots - 1;
    this.bytes = new byte[slots][];
    this.pages = new DecodedPage[slots];
  }

  /**
   * The decoding of the page at offset {@code pageOff} of {@code ram}: a cached one if a page with
   * the same bytes was decoded before and is still held, else a fresh one (then held).
   */
  DecodedPage lookup(byte[] ram, int pageOff) {
    int slot = (int) hash(ram, pageOff) & mask;
    byte[] held = bytes[slot];
    int end = pageOff + PhysicalMemory.PGSIZE;
    if (held != null && Arrays.equals(held, 0, PhysicalMemory.PGSIZE, ram, pageOff, end)) {
      return pages[slot];
    }
    DecodedPage page = DecodedPage.decode(ram, pageOff);
    page.shared = true;
    decodes++;
    if (held == null) {
      held = new byte[PhysicalMemory.PGSIZE];
      bytes[slot] = held;
    }
    System.arraycopy(ram, pageOff, held, 0, PhysicalMemory.PGSIZE);
    pages[slot] = page;
    return page;
  }

  /** Number of pages decoded so far (lookups that found nothing to share). */
  long decodes() {
    return decodes;
  }

  /** A 64-bit mix of the page's words; only picks the slot (the bytes are compared on a hit). */
  private static long hash(byte[] ram, int pageOff) {
    long h = 0;
    for (int i = 0; i < PhysicalMemory.PGSIZE; i += 8) {
      h = (h ^ (long) PhysicalMemory.LONG.get(ram, pageOff + i)) * 0x9E37_79B9_7F4A_7C15L;
    }
    return h ^ (h >>> 29) ^ (h >>> 47);
  }
}
