package xv6ckpt.kernel;

/**
 * xv6's {@code riscv.h} and {@code memlayout.h}: page and PTE constants of Sv39, and the layout of
 * a user address space. Immutable constants only.
 *
 * <pre>
 *  User address space (xv6):
 *    MAXVA = 1 &lt;&lt; 38
 *    TRAMPOLINE  MAXVA - PGSIZE      R X, no U (user access faults)
 *    TRAPFRAME   TRAMPOLINE - PGSIZE R W, no U: the saved registers of the process
 *    ...          heap (sbrk), growing up
 *    stack        USERSTACK pages, below it one guard page without U
 *    text/data    from 0, as the ELF's PT_LOAD segments say
 * </pre>
 */
public final class Riscv {
  private Riscv() {}

  public static final long PGSIZE = 4096; // bytes per page
  public static final int PGSHIFT = 12; // bits of offset within a page

  public static final long PTE_V = 1L << 0; // valid
  public static final long PTE_R = 1L << 1;
  public static final long PTE_W = 1L << 2;
  public static final long PTE_X = 1L << 3;
  public static final long PTE_U = 1L << 4; // user can access

  /** One beyond the highest possible virtual address (xv6 uses one bit less than Sv39 allows). */
  public static final long MAXVA = 1L << (9 + 9 + 9 + 12 - 1);

  /** Physical address where RAM starts on QEMU's virt board (memlayout.h). */
  public static final long KERNBASE = 0x8000_0000L;

  /** Default RAM size: xv6's PHYSTOP is KERNBASE + 128 MiB. */
  public static final long DEFAULT_RAM = 128L * 1024 * 1024;

  /** The trampoline page, highest in every address space (mapped without PTE_U). */
  public static final long TRAMPOLINE = MAXVA - PGSIZE;

  /** The trapframe page, just below the trampoline (mapped without PTE_U). */
  public static final long TRAPFRAME = TRAMPOLINE - PGSIZE;

  /** satp MODE field value for Sv39. */
  public static final long SATP_SV39 = 8L << 60;

  public static long makeSatp(long pagetable) {
    return SATP_SV39 | (pagetable >>> PGSHIFT);
  }

  public static long pgroundup(long sz) {
    return (sz + PGSIZE - 1) & ~(PGSIZE - 1);
  }

  public static long pgrounddown(long a) {
    return a & ~(PGSIZE - 1);
  }

  /** Index into the page table of the given level (2 is the root) for va. */
  public static int px(int level, long va) {
    return (int) ((va >>> (PGSHIFT + 9 * level)) & 0x1FF);
  }

  public static long pa2pte(long pa) {
    return (pa >>> 12) << 10;
  }

  public static long pte2pa(long pte) {
    return ((pte >>> 10) & ((1L << 44) - 1)) << 12;
  }

  public static long pteFlags(long pte) {
    return pte & 0x3FF;
  }
}
