package xv6ckpt.kernel;

import static xv6ckpt.kernel.Riscv.MAXVA;
import static xv6ckpt.kernel.Riscv.PGSIZE;
import static xv6ckpt.kernel.Riscv.PTE_R;
import static xv6ckpt.kernel.Riscv.PTE_U;
import static xv6ckpt.kernel.Riscv.PTE_V;
import static xv6ckpt.kernel.Riscv.PTE_W;
import static xv6ckpt.kernel.Riscv.PTE_X;
import static xv6ckpt.kernel.Riscv.pa2pte;
import static xv6ckpt.kernel.Riscv.pgrounddown;
import static xv6ckpt.kernel.Riscv.pgroundup;
import static xv6ckpt.kernel.Riscv.pte2pa;
import static xv6ckpt.kernel.Riscv.pteFlags;
import static xv6ckpt.kernel.Riscv.px;

import xv6ckpt.emulator.PhysicalMemory;

/**
 * xv6's {@code vm.c}, user half: Sv39 page tables built in emulated RAM exactly as xv6 builds them
 * (the hart walks them), and the copies between kernel buffers and user memory.
 *
 * <pre>
 *  Virtual address (Sv39; xv6 uses only bits 37..0, MAXVA = 1 &lt;&lt; 38):
 *   38        30 29        21 20        12 11           0
 *  |  VPN[2]    |   VPN[1]   |   VPN[0]   |  page offset |
 * </pre>
 *
 * A page table is one page of 512 PTEs; {@code pagetable} arguments are its physical address.
 * Expected failures (out of memory, a bad user address) return 0 or -1 as xv6's do; a broken
 * invariant (remapping a mapped page, freeing a leaf as a table) is a {@link KernelPanic}.
 *
 * <p>Lazy allocation, as the current xv6: a page of the heap below the process size that was never
 * touched has no PTE; {@link #vmfault} maps a zeroed page on the first access (from a page fault,
 * copyin or copyout). {@code lazyLimit} arguments are the process size p->sz.
 */
public final class Vm {
  private final PhysicalMemory mem;
  private final Kalloc kalloc;

  /** Counts removed or restricted mappings: the running process's TLB must then be flushed. */
  long unmaps;

  public Vm(PhysicalMemory mem, Kalloc kalloc) {
    this.mem = mem;
    this.kalloc = kalloc;
  }

  /**
   * Whether pte has PTE_V set. The flags are tested as an int: under the fuzzer every compare in
   * kernel code is an instrumented call, and a long compare's hook costs several times an int
   * compare's; this test runs for every PTE a walk or a copy visits.
   */
  private static boolean valid(long pte) {
    return (int) (pte & PTE_V) != 0;
  }

  /** Zeroes the page at pa. */
  void zeroPage(long pa) {
    mem.fill(pa, PGSIZE, (byte) 0);
  }

  /**
   * Returns the physical address of the PTE in pagetable for va. If alloc, creates any required
   * page-table pages.
   *
   * @return the PTE's address, or 0 if it does not exist (alloc false) or memory ran out
   */
  public long walk(long pagetable, long va, boolean alloc) {
    if (va < 0 || va >= MAXVA) {
      throw new KernelPanic(String.format("walk: va 0x%x beyond MAXVA", va));
    }
    for (int level = 2; level > 0; level--) {
      long pteAddr = pagetable + 8L * px(level, va);
      long pte = mem.read64(pteAddr);
      if (valid(pte)) {
        pagetable = pte2pa(pte);
        if (!mem.contains(pagetable, PGSIZE)) {
          throw new KernelPanic(String.format("walk: page-table entry 0x%x leaves RAM", pte));
        }
      } else {
        if (!alloc) {
          return 0;
        }
        long page = kalloc.kalloc();
        if (page == 0) {
          return 0;
        }
        zeroPage(page);
        mem.write64(pteAddr, pa2pte(page) | PTE_V);
        pagetable = page;
      }
    }
    return pagetable + 8L * px(0, va);
  }

  /**
   * Looks up a virtual address; returns the physical address of its page, or 0 if it is not mapped
   * or not user-accessible. Can only be used to look up user pages.
   */
  public long walkaddr(long pagetable, long va) {
    if (va < 0 || va >= MAXVA) {
      return 0;
    }
    long pteAddr = walk(pagetable, va, false);
    if (pteAddr == 0) {
      return 0;
    }
    long pte = mem.read64(pteAddr);
    if (!valid(pte) || (int) (pte & PTE_U) == 0) {
      return 0;
    }
    return pte2pa(pte);
  }

  /** The PTE for va, or 0 if there is none (no allocation). */
  long pte(long pagetable, long va) {
    long a = walk(pagetable, va, false);
    return a == 0 ? 0 : mem.read64(a);
  }

  /**
   * Creates PTEs for virtual addresses starting at va that refer to physical addresses starting at
   * pa. va and size must be page-aligned.
   *
   * @return 0 on success, -1 if walk could not allocate a needed page-table page
   */
  public int mappages(long pagetable, long va, long size, long pa, long perm) {
    if ((va % PGSIZE) != 0) {
      throw new KernelPanic("mappages: va not aligned");
    }
    if ((size % PGSIZE) != 0) {
      throw new KernelPanic("mappages: size not aligned");
    }
    if (size == 0) {
      throw new KernelPanic("mappages: size");
    }
    long last = va + size - PGSIZE;
    long pteAddr = 0;
    for (long a = va; ; a += PGSIZE, pa += PGSIZE) {
      pteAddr = walkNext(pagetable, a, true, pteAddr);
      if (pteAddr == 0) {
        return -1;
      }
      setLeaf(pteAddr, a, pa, perm);
      if (a == last) {
        return 0;
      }
    }
  }

  /** mappages' step for one page: the PTE at pteAddr (for va) must not be valid yet. */
  private void setLeaf(long pteAddr, long va, long pa, long perm) {
    if (valid(mem.read64(pteAddr))) {
      throw new KernelPanic(String.format("mappages: remap of va 0x%x", va));
    }
    mem.write64(pteAddr, pa2pte(pa) | perm | PTE_V);
  }

  /** Bytes of virtual address space one last-level page table maps (512 pages). */
  private static final long L0_SPAN = 512 * PGSIZE;

  /**
   * walk(pagetable, va, alloc) for a loop over consecutive pages: prev is the PTE address the loop
   * got for va - PGSIZE, or 0. Inside one last-level table the next page's PTE is the next word, so
   * the tree is walked only at a 2 MiB boundary or without prev. The page tables must not have
   * changed since prev was found, other than by leaf PTE writes.
   */
  private long walkNext(long pagetable, long va, boolean alloc, long prev) {
    if ((int) (va & (L0_SPAN - 1)) != 0 && prev != 0) { // (an int test first: see valid)
      return prev + 8;
    }
    return walk(pagetable, va, alloc);
  }

  /**
   * Removes npages of mappings starting from va, which must be page-aligned. Pages that are not
   * mapped (lazily allocated and never touched) are skipped. Optionally frees the memory.
   */
  public void uvmunmap(long pagetable, long va, long npages, boolean doFree) {
    if ((va % PGSIZE) != 0) {
      throw new KernelPanic("uvmunmap: not aligned");
    }
    long end = va + npages * PGSIZE;
    for (long a = va; Long.compareUnsigned(a, end) < 0; ) {
      long pteAddr = walk(pagetable, a, false);
      if (pteAddr == 0) {
        a = nextTable(pagetable, a); // no page-table page here: skip its whole span
        continue;
      }
      a = unmapInTable(pteAddr, a, end, doFree);
    }
  }

  /**
   * uvmunmap's loop within one last-level table: the pages from va (whose PTE is at pteAddr) to end
   * or the table's last page, whichever comes first. xv6 looks at each PTE; a zero one (not mapped,
   * lazily allocated) needs nothing, so this visits only those that are set.
   *
   * @return the first address it did not cover
   */
  private long unmapInTable(long pteAddr, long va, long end, boolean doFree) {
    long stop = (va | (L0_SPAN - 1)) + 1;
    if (Long.compareUnsigned(end, stop) < 0) {
      stop = end;
    }
    long last = pteAddr + (stop - va) / PGSIZE * 8;
    for (long p = mem.nextNonZero64(pteAddr, last); p < last; p = mem.nextNonZero64(p + 8, last)) {
      long pte = mem.read64(p);
      if (valid(pte)) {
        if (pteFlags(pte) == PTE_V) {
          throw new KernelPanic("uvmunmap: not a leaf");
        }
        if (doFree) {
          kalloc.kfree(pte2pa(pte));
        }
        mem.write64(p, 0);
        unmaps++;
      }
    }
    return stop;
  }

  /**
   * The first address above va not covered by the missing page-table page that made walk(va) fail:
   * the next 1 GiB boundary if the level-1 table is missing, else the next 2 MiB one. (A cache of
   * xv6's page-by-page loop, which would find nothing mapped in between.)
   */
  private long nextTable(long pagetable, long va) {
    long l1 = mem.read64(pagetable + 8L * px(2, va));
    long span = !valid(l1) ? 1L << 30 : 1L << 21;
    return (va & ~(span - 1)) + span;
  }

  /**
   * The virtual address of the first PTE after the zero one at pteAddr (the PTE of the page-aligned
   * va) that is not zero, in the same last-level page table; or, if there is none, the first
   * address past that table's 2 MiB. (Also a cache of xv6's page-by-page loops, which do nothing
   * for a zero PTE.)
   */
  private long nextSetPte(long pteAddr, long va) {
    long next = mem.nextNonZero64(pteAddr, pgrounddown(pteAddr) + PGSIZE);
    return va + (next - pteAddr) / 8 * PGSIZE;
  }

  /** Creates an empty user page table. @return its address, or 0 if out of memory */
  public long uvmcreate() {
    long pagetable = kalloc.kalloc();
    if (pagetable == 0) {
      return 0;
    }
    zeroPage(pagetable);
    return pagetable;
  }

  /**
   * Allocates PTEs and zeroed physical memory to grow a process from oldsz to newsz, which need not
   * be page aligned. Pages are readable and user-accessible, plus {@code xperm}.
   *
   * @return the new size, or 0 on error (everything allocated here is freed again)
   */
  public long uvmalloc(long pagetable, long oldsz, long newsz, long xperm) {
    if (Long.compareUnsigned(newsz, oldsz) < 0) {
      return oldsz;
    }
    oldsz = pgroundup(oldsz);
    long pteAddr = 0; // of the page mapped last: mappages(a, PGSIZE) without a walk per page
    for (long a = oldsz; Long.compareUnsigned(a, newsz) < 0; a += PGSIZE) {
      if (a >= MAXVA) {
        uvmdealloc(pagetable, a, oldsz);
        return 0;
      }
      long page = kalloc.kalloc();
      if (page == 0) {
        uvmdealloc(pagetable, a, oldsz);
        return 0;
      }
      zeroPage(page);
      pteAddr = walkNext(pagetable, a, true, pteAddr);
      if (pteAddr == 0) {
        kalloc.kfree(page);
        uvmdealloc(pagetable, a, oldsz);
        return 0;
      }
      setLeaf(pteAddr, a, page, PTE_R | PTE_U | xperm);
    }
    return newsz;
  }

  /**
   * Deallocates user pages to bring the process size from oldsz to newsz. Neither need be
   * page-aligned, nor newsz less than oldsz.
   *
   * @return the new process size
   */
  public long uvmdealloc(long pagetable, long oldsz, long newsz) {
    if (Long.compareUnsigned(newsz, oldsz) >= 0) {
      return oldsz;
    }
    if (pgroundup(newsz) < pgroundup(oldsz)) {
      long npages = (pgroundup(oldsz) - pgroundup(newsz)) / PGSIZE;
      uvmunmap(pagetable, pgroundup(newsz), npages, true);
    }
    return newsz;
  }

  /**
   * Recursively frees page-table pages. All leaf mappings must already have been removed. xv6 looks
   * at all 512 PTEs; the zero ones (PTE_V clear) need nothing, so this visits only those that are
   * set.
   */
  void freewalk(long pagetable) {
    long end = pagetable + PGSIZE;
    for (long pteAddr = mem.nextNonZero64(pagetable, end);
        pteAddr < end;
        pteAddr = mem.nextNonZero64(pteAddr + 8, end)) {
      long pte = mem.read64(pteAddr);
      if (valid(pte) && (int) (pte & (PTE_R | PTE_W | PTE_X)) == 0) {
        freewalk(pte2pa(pte)); // this PTE points to a lower-level page table.
        mem.write64(pteAddr, 0);
      } else if (valid(pte)) {
        throw new KernelPanic("freewalk: leaf");
      }
    }
    kalloc.kfree(pagetable);
  }

  /** Frees user memory pages, then page-table pages. */
  public void uvmfree(long pagetable, long sz) {
    if (sz > 0) {
      uvmunmap(pagetable, 0, pgroundup(sz) / PGSIZE, true);
    }
    freewalk(pagetable);
  }

  /**
   * Given a parent process's page table, copies its memory into a child's page table: both the page
   * table and the physical memory. Pages never touched (lazy) stay unmapped in the child.
   *
   * @return 0 on success, -1 on failure (frees any allocated pages)
   */
  public int uvmcopy(long old, long child, long sz) {
    long from = 0; // old's PTE of page i, when the page before was copied (walkNext)
    long to = 0; // child's PTE of the page before i, when it was just mapped
    for (long i = 0; i < sz; ) {
      long pteAddr = walkNext(old, i, false, from);
      from = 0;
      if (pteAddr == 0) {
        i = nextTable(old, i); // page table page not allocated (lazy)
        to = 0;
        continue;
      }
      long pte = mem.read64(pteAddr);
      if (!valid(pte)) { // physical page not allocated (lazy)
        i = pte == 0 ? nextSetPte(pteAddr, i) : i + PGSIZE;
        to = 0;
        continue;
      }
      long page = kalloc.kalloc();
      if (page == 0) {
        uvmunmap(child, 0, i / PGSIZE, true);
        return -1;
      }
      mem.copy(pte2pa(pte), page, (int) PGSIZE);
      to = walkNext(child, i, true, to); // mappages(child, i, PGSIZE, page, flags)
      if (to == 0) {
        kalloc.kfree(page);
        uvmunmap(child, 0, i / PGSIZE, true);
        return -1;
      }
      setLeaf(to, i, page, pteFlags(pte));
      from = pteAddr;
      i += PGSIZE;
    }
    return 0;
  }

  /**
   * How many of the len bytes at user address va can be read (copyin would succeed for that
   * prefix), mapping lazily allocated pages on the way. Never more than len.
   */
  public long readablePrefix(long pagetable, long lazyLimit, long va, long len) {
    long ok = 0;
    while (ok < len) {
      long a = va + ok;
      long va0 = pgrounddown(a);
      if (va0 < 0 || va0 >= MAXVA || userPage(pagetable, lazyLimit, va0) == 0) {
        break;
      }
      ok = Math.min(len, ok + (PGSIZE - (a - va0)));
    }
    return ok;
  }

  /** Marks a PTE invalid for user access; used by exec for the user stack guard page. */
  public void uvmclear(long pagetable, long va) {
    long pteAddr = walk(pagetable, va, false);
    if (pteAddr == 0) {
      throw new KernelPanic("uvmclear");
    }
    mem.write64(pteAddr, mem.read64(pteAddr) & ~PTE_U);
    unmaps++;
  }

  /** Whether va has a valid PTE. */
  boolean ismapped(long pagetable, long va) {
    return valid(pte(pagetable, va));
  }

  /**
   * Allocates and maps a zeroed page for a lazily allocated address va below lazyLimit.
   *
   * @return the page's physical address, or 0 if va is not such an address (beyond the process's
   *     size, already mapped) or memory is exhausted
   */
  public long vmfault(long pagetable, long lazyLimit, long va) {
    if (va < 0 || Long.compareUnsigned(va, lazyLimit) >= 0 || va >= MAXVA) {
      return 0;
    }
    va = pgrounddown(va);
    if (ismapped(pagetable, va)) {
      return 0;
    }
    long page = kalloc.kalloc();
    if (page == 0) {
      return 0;
    }
    zeroPage(page);
    if (mappages(pagetable, va, PGSIZE, page, PTE_W | PTE_U | PTE_R) != 0) {
      kalloc.kfree(page);
      return 0;
    }
    return page;
  }

  /** walkaddr, mapping a lazily allocated page on the way. */
  private long userPage(long pagetable, long lazyLimit, long va0) {
    long pa0 = walkaddr(pagetable, va0);
    if (pa0 == 0) {
      pa0 = vmfault(pagetable, lazyLimit, va0);
    }
    return pa0;
  }

  /**
   * Copies len bytes from src[off..] to virtual address dstva in a given page table. Every page
   * must be mapped, user-accessible and writable.
   *
   * @return 0 on success, -1 on error (a prefix may have been copied, as in xv6)
   */
  public int copyout(long pagetable, long lazyLimit, long dstva, byte[] src, int off, long len) {
    while (len > 0) {
      long va0 = pgrounddown(dstva);
      if (va0 < 0 || va0 >= MAXVA) {
        return -1;
      }
      long pa0 = userPage(pagetable, lazyLimit, va0);
      if (pa0 == 0) {
        return -1;
      }
      if ((pte(pagetable, va0) & PTE_W) == 0) {
        return -1;
      }
      long n = Math.min(PGSIZE - (dstva - va0), len);
      mem.write(pa0 + (dstva - va0), src, off, (int) n);
      len -= n;
      off += (int) n;
      dstva = va0 + PGSIZE;
    }
    return 0;
  }

  /**
   * Copies len bytes to dst[off..] from virtual address srcva in a given page table.
   *
   * @return 0 on success, -1 on error
   */
  public int copyin(long pagetable, long lazyLimit, byte[] dst, int off, long srcva, long len) {
    while (len > 0) {
      long va0 = pgrounddown(srcva);
      if (va0 < 0 || va0 >= MAXVA) {
        return -1;
      }
      long pa0 = userPage(pagetable, lazyLimit, va0);
      if (pa0 == 0) {
        return -1;
      }
      long n = Math.min(PGSIZE - (srcva - va0), len);
      mem.read(pa0 + (srcva - va0), dst, off, (int) n);
      len -= n;
      off += (int) n;
      srcva = va0 + PGSIZE;
    }
    return 0;
  }

  /**
   * Copies a null-terminated string from user to kernel: bytes from virtual address srcva until a
   * NUL, or at most max bytes (the NUL included). Lazily allocated pages are mapped (zero-filled)
   * on the way, as in current xv6.
   *
   * @return the string's bytes without the NUL, or null if an address is bad or no NUL comes within
   *     max bytes
   */
  public byte[] copyinstr(long pagetable, long lazyLimit, long srcva, int max) {
    byte[] out = new byte[Math.min(max, 256)];
    int got = 0;
    while (got < max) {
      long va0 = pgrounddown(srcva);
      if (va0 < 0 || va0 >= MAXVA) {
        return null;
      }
      long pa0 = userPage(pagetable, lazyLimit, va0);
      if (pa0 == 0) {
        return null;
      }
      int n = (int) Math.min(PGSIZE - (srcva - va0), max - got);
      if (out.length < got + n) {
        out = java.util.Arrays.copyOf(out, Math.min(max, Math.max(out.length * 2, got + n)));
      }
      mem.read(pa0 + (srcva - va0), out, got, n);
      for (int i = got; i < got + n; i++) {
        if (out[i] == 0) {
          return java.util.Arrays.copyOf(out, i);
        }
      }
      got += n;
      srcva = va0 + PGSIZE;
    }
    return null;
  }

  PhysicalMemory memory() {
    return mem;
  }
}
