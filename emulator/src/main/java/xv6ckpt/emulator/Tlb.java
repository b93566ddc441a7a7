package xv6ckpt.emulator;

import java.util.Arrays;

/**
 * A direct-mapped software TLB: virtual page number to the offset in RAM of its physical page, with
 * separate halves for loads and stores (one entry's four words share a cache line, and one array
 * keeps the hot loop's register pressure down). Not architectural: it only remembers successful
 * page-table walks, is emptied by sfence.vma, satp writes, snapshots and resets, and a program
 * cannot observe it beyond what the spec allows a TLB to show (stale entries until sfence.vma). The
 * hart keeps one for data and one for fetch (which uses the load half). A store entry also promises
 * that the page needs no bookkeeping on a write (see {@link Hart}).
 *
 * <p>Flushes are frequent (every context switch writes satp) and most find only a few entries
 * filled, so the TLB lists the entries filled since the last flush and a flush empties just those;
 * only when the list overflows does it empty the whole array.
 */
final class Tlb {
  /**
   * Entries: 4096, so that a program sweeping arrays of up to 16 MiB keeps their pages (a 4 MiB
   * buffer plus a table and a stack made bench_crc miss 8k times per run with 1024). A flush still
   * empties only the entries filled since the last one.
   */
  static final int ENTRIES = 4096;

  static final int MASK = ENTRIES - 1;

  /** Word offsets within an entry. */
  static final int LOAD_TAG = 0, LOAD_BASE = 1, STORE_TAG = 2, STORE_BASE = 3;

  /**
   * Entry e occupies words 4e .. 4e + 3. A tag is the virtual page number (va >>> 12); -1 (no page
   * number has all bits set) is empty. A base is the RAM offset of the physical page.
   */
  final long[] slots = new long[4 * ENTRIES];

  /**
   * Word offsets (4e) of the entries filled since the last flush, in filled[0 .. filledCount),
   * unless filledOverflow: then possibly any entry. An entry may be listed twice (filled, its store
   * half flushed, filled again); the list holds ENTRIES offsets before it overflows. Invariant:
   * every entry with a tag that is not -1 is listed, or filledOverflow is set.
   */
  private final int[] filled = new int[ENTRIES];

  private int filledCount;
  private boolean filledOverflow;

  Tlb() {
    Arrays.fill(slots, -1L);
  }

  static int entry(long vpn) {
    return ((int) vpn & MASK) << 2;
  }

  void flush() {
    if (filledOverflow) {
      Arrays.fill(slots, -1L);
    } else {
      for (int i = 0; i < filledCount; i++) {
        int e = filled[i];
        slots[e + LOAD_TAG] = -1L;
        slots[e + LOAD_BASE] = -1L;
        slots[e + STORE_TAG] = -1L;
        slots[e + STORE_BASE] = -1L;
      }
    }
    filledCount = 0;
    filledOverflow = false;
  }

  /** Lists entry e as filled, unless it is listed already (one of its tags is set). */
  private void track(int e) {
    if (slots[e + LOAD_TAG] != -1L || slots[e + STORE_TAG] != -1L) {
      return;
    }
    if (filledCount < filled.length) {
      filled[filledCount++] = e;
    } else {
      filledOverflow = true;
    }
  }

  void fillLoad(long vpn, int pageBase) {
    int e = entry(vpn);
    track(e);
    slots[e + LOAD_TAG] = vpn;
    slots[e + LOAD_BASE] = pageBase;
  }

  void fillStore(long vpn, int pageBase) {
    int e = entry(vpn);
    track(e);
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
    if (filledOverflow) {
      for (int e = 0; e < slots.length; e += 4) {
        flushStoreIf(e, pageBase);
      }
    } else {
      for (int i = 0; i < filledCount; i++) {
        flushStoreIf(filled[i], pageBase);
      }
    }
  }

  private void flushStoreIf(int e, int pageBase) {
    if (slots[e + STORE_BASE] == pageBase) {
      slots[e + STORE_TAG] = -1L;
    }
  }
}
