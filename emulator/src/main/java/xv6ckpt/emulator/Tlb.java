package xv6ckpt.emulator;

import java.util.Arrays;

/**
 * A direct-mapped software TLB: virtual page number to the offset in RAM of its physical page.
 * Not architectural: it only remembers successful page-table walks, is emptied by sfence.vma,
 * satp writes, snapshots and resets, and a program cannot observe it beyond what the spec allows
 * a TLB to show (stale entries until sfence.vma). The hart keeps three: fetch, load, store; an
 * entry in the store TLB also promises that the page needs no bookkeeping on a write (see
 * {@link Hart}).
 */
final class Tlb {
  static final int ENTRIES = 1024;
  static final int MASK = ENTRIES - 1;

  /** Virtual page number (va >>> 12) per entry; -1 (no page number has all bits set) is empty. */
  final long[] tag = new long[ENTRIES];

  /** Offset in RAM of the physical page, per entry. */
  final int[] base = new int[ENTRIES];

  Tlb() {
    flush();
  }

  void flush() {
    Arrays.fill(tag, -1L);
  }

  void fill(long vpn, int pageBase) {
    int e = (int) vpn & MASK;
    tag[e] = vpn;
    base[e] = pageBase;
  }

  /** Forgets every entry that maps to the physical page at {@code pageBase}. */
  void flushPhysical(int pageBase) {
    for (int e = 0; e < ENTRIES; e++) {
      if (base[e] == pageBase) {
        tag[e] = -1L;
      }
    }
  }
}
