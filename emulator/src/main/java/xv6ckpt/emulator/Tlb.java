package xv6ckpt.emulator;

import java.util.Arrays;

/**
 * A direct-mapped software TLB: virtual page number to the offset in RAM of its physical page,
 * with separate halves for loads and stores (one entry's four words share a cache line, and one
 * array keeps the hot loop's register pressure down). Not architectural: it only remembers
 * successful page-table walks, is emptied by sfence.vma, satp writes, snapshots and resets, and
 * a program cannot observe it beyond what the spec allows a TLB to show (stale entries until
 * sfence.vma). The hart keeps one for data and one for fetch (which uses the load half). A store
 * entry also promises that the page needs no bookkeeping on a write (see {@link Hart}).
 */
final class Tlb {
  static final int ENTRIES = 1024;
  static final int MASK = ENTRIES - 1;

  /** Word offsets within an entry. */
  static final int LOAD_TAG = 0, LOAD_BASE = 1, STORE_TAG = 2, STORE_BASE = 3;

  /**
   * Entry e occupies words 4e .. 4e + 3. A tag is the virtual page number (va >>> 12); -1 (no
   * page number has all bits set) is empty. A base is the RAM offset of the physical page.
   */
  final long[] slots = new long[4 * ENTRIES];

  Tlb() {
    flush();
  }

  static int entry(long vpn) {
    return ((int) vpn & MASK) << 2;
  }

  void flush() {
    Arrays.fill(slots, -1L);
  }

  void fillLoad(long vpn, int pageBase) {
    int e = entry(vpn);
    slots[e + LOAD_TAG] = vpn;
    slots[e + LOAD_BASE] = pageBase;
  }

  void fillStore(long vpn, int pageBase) {
    int e = entry(vpn);
    slots[e + STORE_TAG] = vpn;
    slots[e + STORE_BASE] = pageBase;
  }

  /** RAM offset of the page for a load-half hit on vpn, or -1. */
  int lookupLoad(long vpn) {
    int e = entry(vpn);
    return slots[e + LOAD_TAG] == vpn ? (int) slots[e + LOAD_BASE] : -1;
  }

  /** Forgets every store entry that maps to the physical page at {@code pageBase}. */
  void flushStoresTo(int pageBase) {
    for (int e = 0; e < slots.length; e += 4) {
      if (slots[e + STORE_BASE] == pageBase) {
        slots[e + STORE_TAG] = -1L;
      }
    }
  }
}
