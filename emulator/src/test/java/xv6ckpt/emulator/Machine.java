package xv6ckpt.emulator;

/**
 * Test fixture: small RAM, a hart, helpers to place code and to build Sv39 page tables in RAM (the
 * way a kernel would: through the PhysicalMemory API only).
 */
final class Machine {
  static final long BASE = PhysicalMemory.BASE;
  static final int RAM = 4 << 20;

  final PhysicalMemory mem;
  final Hart hart;

  /** Next free page for page-table pages, growing down from the top of RAM. */
  private long nextTablePage = BASE + RAM;

  Machine() {
    this(new PhysicalMemory(RAM));
  }

  Machine(PhysicalMemory mem) {
    this.mem = mem;
    this.hart = new Hart(mem);
  }

  /** Writes 32-bit instruction words at pa. */
  Machine code(long pa, int... words) {
    for (int k = 0; k < words.length; k++) {
      mem.write32(pa + 4L * k, words[k]);
    }
    return this;
  }

  /** Writes 16-bit parcels at pa. */
  Machine code16(long pa, int... halves) {
    for (int k = 0; k < halves.length; k++) {
      mem.write16(pa + 2L * k, (short) halves[k]);
    }
    return this;
  }

  // ---------------------------------------------------------------- Sv39 page tables

  long root = -1;

  long allocTable() {
    nextTablePage -= PhysicalMemory.PGSIZE;
    mem.fill(nextTablePage, PhysicalMemory.PGSIZE, (byte) 0);
    return nextTablePage;
  }

  /** Switches the hart to Sv39 with a fresh empty root table. */
  Machine sv39() {
    root = allocTable();
    hart.setSatp(8L << 60 | (root >>> 12));
    return this;
  }

  static long pte(long pa, long flags) {
    return (pa >>> 12) << 10 | flags;
  }

  /** Address of the PTE for va at {@code level}, creating intermediate tables above it. */
  long pteAddr(long va, int level) {
    long table = root;
    for (int lv = 2; lv > level; lv--) {
      long a = table + Sv39.vpn(va, lv) * 8;
      long e = mem.read64(a);
      if ((e & Sv39.PTE_V) == 0) {
        long t = allocTable();
        mem.write64(a, pte(t, Sv39.PTE_V));
        e = mem.read64(a);
      }
      table = Sv39.ppn(e) << 12;
    }
    return table + Sv39.vpn(va, level) * 8;
  }

  /** Maps the page (level 0), megapage (1) or gigapage (2) at va to pa with raw PTE flags. */
  Machine map(long va, long pa, long flags, int level) {
    mem.write64(pteAddr(va, level), pte(pa, flags));
    hart.sfenceVma();
    return this;
  }

  Machine map(long va, long pa, long flags) {
    return map(va, pa, flags, 0);
  }

  long readPte(long va, int level) {
    return mem.read64(pteAddr(va, level));
  }

  static final long V = Sv39.PTE_V, R = Sv39.PTE_R, W = Sv39.PTE_W, X = Sv39.PTE_X;
  static final long U = Sv39.PTE_U, A = Sv39.PTE_A, D = Sv39.PTE_D;
  static final long URWX = V | R | W | X | U;
}
