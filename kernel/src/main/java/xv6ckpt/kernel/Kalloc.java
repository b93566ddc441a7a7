package xv6ckpt.kernel;

import java.util.Arrays;
import java.util.function.LongPredicate;
import xv6ckpt.emulator.PhysicalMemory;

/**
 * xv6's {@code kalloc.c}: the physical page allocator, for user pages, page-table pages, trapframes
 * and pipe buffers. It hands out 4096-byte pages of emulated RAM, all of it from KERNBASE to
 * PHYSTOP (this kernel's own code and data live in the JVM, not in RAM).
 *
 * <p>Order, as xv6's free list after {@code freerange}: the first allocations take the highest
 * pages, going down; a freed page is the next one handed out (LIFO). The free list is kept in Java
 * (a stack of page numbers and a high-water mark) rather than inside the free pages as xv6 does, so
 * that booting does not write every page of RAM, and a snapshot of the allocator costs a copy of a
 * few small arrays.
 *
 * <p>Tests read {@link #freePages()} to find leaks, and may make allocations fail with {@link
 * #injectFailures}: allocation number k (counting every call from 1) fails when the predicate says
 * so, as if memory were exhausted.
 */
public final class Kalloc {
  private final long base;
  private final int npages;

  // The allocator's state (copied by snapshots).
  private int fresh; // pages [0, fresh) have never been handed out; the next is fresh - 1
  private int[] stack = new int[64]; // freed pages, the last freed on top
  private int top;
  private final long[] inUse; // one bit per page: handed out and not yet freed
  private long calls; // kalloc calls so far, for failure injection

  /** Which kalloc calls fail (see {@link #injectFailures}); null when none is to fail. */
  private LongPredicate failWhen;

  /** An allocator over all of {@code memory}. */
  public Kalloc(PhysicalMemory memory) {
    this.base = PhysicalMemory.BASE;
    this.npages = (int) (memory.size() / Riscv.PGSIZE);
    this.fresh = npages;
    this.inUse = new long[(npages + 63) / 64];
  }

  /**
   * Allocates one 4096-byte page of physical memory. Its contents are whatever was there (xv6 fills
   * it with junk; callers that need zeros clear it).
   *
   * @return its physical address, or 0 if memory is exhausted (or a failure was injected)
   */
  public long kalloc() {
    calls++;
    if (failWhen != null && failWhen.test(calls)) {
      return 0;
    }
    int page;
    if (top > 0) {
      page = stack[--top];
    } else if (fresh > 0) {
      page = --fresh;
    } else {
      return 0;
    }
    inUse[page >>> 6] |= 1L << page;
    return base + ((long) page << Riscv.PGSHIFT);
  }

  /**
   * Frees the page of physical memory at pa, which a call to kalloc returned.
   *
   * @throws KernelPanic "kfree" if pa is not such a page, or is already free
   */
  public void kfree(long pa) {
    long off = pa - base; // below base it wraps round to a huge unsigned offset
    if (Long.compareUnsigned(off, (long) npages << Riscv.PGSHIFT) >= 0
        || (int) (off & (Riscv.PGSIZE - 1)) != 0) { // int tests: see Vm.valid
      throw new KernelPanic(String.format("kfree: 0x%x is not a page of RAM", pa));
    }
    int page = (int) (off >>> Riscv.PGSHIFT);
    if ((int) (inUse[page >>> 6] >>> page & 1) == 0) {
      throw new KernelPanic(String.format("kfree: page 0x%x is already free", pa));
    }
    inUse[page >>> 6] &= ~(1L << page);
    if (top == stack.length) {
      stack = Arrays.copyOf(stack, stack.length * 2);
    }
    stack[top++] = page;
  }

  /** Pages free now. */
  public int freePages() {
    return fresh + top;
  }

  /** Pages of RAM in all. */
  public int totalPages() {
    return npages;
  }

  /** Makes kalloc call number k (1 = the first call ever) fail whenever {@code when} holds. */
  public void injectFailures(LongPredicate when) {
    this.failWhen = java.util.Objects.requireNonNull(when, "failure predicate");
  }

  /** Number of kalloc calls so far (to choose failure points relative to now). */
  public long calls() {
    return calls;
  }

  /** The allocator's state as a value, for machine snapshots. */
  record State(int fresh, int[] stack, long[] inUse, long calls) {}

  State save() {
    return new State(fresh, Arrays.copyOf(stack, top), inUse.clone(), calls);
  }

  void restore(State s) {
    fresh = s.fresh;
    top = s.stack.length;
    if (stack.length < top) {
      stack = new int[Math.max(64, top)];
    }
    System.arraycopy(s.stack, 0, stack, 0, top);
    System.arraycopy(s.inUse, 0, inUse, 0, inUse.length);
    calls = s.calls;
  }
}
