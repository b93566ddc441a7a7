package xv6ckpt.emulator.system;

import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.asm.Assembler;

/**
 * Test fixture: a small full-system machine with a test kernel written by the {@link Assembler} at
 * the start of RAM, a data area the kernels write results to, and an Sv39 table builder.
 */
final class Rig {
  static final long CODE = PhysicalMemory.BASE;
  static final long DATA = CODE + 0x1_0000;
  static final long TABLES = CODE + 0x2_0000; // page-table pages, bump-allocated
  static final long RAM = 1 << 20;

  final SystemMachine m;
  private long nextTable = TABLES;

  Rig(int harts) {
    this(SystemMachine.Config.defaults().withHarts(harts), RAM);
  }

  Rig(SystemMachine.Config config, long ram) {
    m =
        new SystemMachine(
            new SystemMachine.Config(ram, config.harts(), config.seed(), config.quantum()));
  }

  /** Places the kernel at its origin; every hart starts there in M-mode with a0 = its id. */
  Rig load(Assembler a) {
    byte[] b = a.assemble();
    m.memory().write(a.origin(), b, 0, b.length);
    for (int i = 0; i < m.hartCount(); i++) {
      Hart h = m.hart(i).hart();
      h.setPc(a.origin());
      h.setX(10, i);
    }
    return this;
  }

  SystemHart h0() {
    return m.hart(0);
  }

  long x(int reg) {
    return h0().hart().x(reg);
  }

  long data(int i) {
    return m.memory().read64(DATA + 8L * i);
  }

  /** satp value for Sv39 with root table {@code root}. */
  static long satp(long root) {
    return 8L << 60 | root >>> 12;
  }

  long newTable() {
    long t = nextTable;
    nextTable += PhysicalMemory.PGSIZE;
    m.memory().fill(t, PhysicalMemory.PGSIZE, (byte) 0);
    return t;
  }

  /**
   * Maps the 4 KiB page at va to pa with PTE bits {@code perm} (V added); returns the leaf's
   * address.
   */
  long map(long root, long va, long pa, long perm) {
    long table = root;
    for (int level = 2; level > 0; level--) {
      long slot = table + 8 * ((va >>> (12 + 9 * level)) & 0x1FF);
      long pte = m.memory().read64(slot);
      if ((pte & 1) == 0) {
        long next = newTable();
        pte = (next >>> 12) << 10 | 1;
        m.memory().write64(slot, pte);
      }
      table = (pte >>> 10) << 12;
    }
    long leaf = table + 8 * ((va >>> 12) & 0x1FF);
    m.memory().write64(leaf, pte(pa, perm));
    return leaf;
  }

  static long pte(long pa, long perm) {
    return (pa >>> 12) << 10 | perm | 1;
  }

  static final long R = 2, W = 4, X = 8, U = 16;
}
