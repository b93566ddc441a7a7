package xv6ckpt.specs;

import java.util.TreeMap;

/**
 * A process's user address space as {@link SyscallModel} knows it: its size and, per page, whether
 * a system call may copy to or from it. The model asks this, never the kernel's page table, whether
 * copyin, copyout and copyinstr succeed (xv6's {@code vm.c}): page by page, failing at the first
 * page that is not mapped for the user (the guard page, anything past sz, TRAPFRAME, TRAMPOLINE, an
 * address at or above MAXVA).
 *
 * <p>A page grown lazily (sbrk with SBRK_LAZY) is mapped on first touch if a free page is left,
 * which the model does not track: a copy that reaches one is {@link Reach#UNKNOWN}.
 */
public final class UserSpace {
  /** What a page allows a system call's copy. */
  public enum Perm {
    /** Mapped with PTE_U, readable and writable (xv6 maps every user page R and W). */
    USER,
    /** Mapped without PTE_U: the stack guard. A copy fails there. */
    GUARD,
    /** Below sz, not mapped yet: allocated on first touch if memory allows. */
    LAZY
  }

  /** How far a copy of n bytes gets: all of them, a prefix, or the model cannot say. */
  public enum Reach {
    ALL,
    PREFIX,
    UNKNOWN
  }

  private long sz;
  private final TreeMap<Long, Perm> pages = new TreeMap<>();

  private UserSpace() {}

  /**
   * The address space exec gives a program of {@code segmentBytes} (one segment from 0): the
   * segment's pages, a guard page, {@code stackPages} of stack; sz is their end.
   */
  public static UserSpace afterExec(long segmentBytes, int stackPages) {
    UserSpace s = new UserSpace();
    long guard = Xv6.PGROUNDUP(segmentBytes) / Xv6.PGSIZE;
    for (long p = 0; p < guard; p++) {
      s.pages.put(p, Perm.USER);
    }
    s.pages.put(guard, Perm.GUARD);
    for (long p = 1; p <= stackPages; p++) {
      s.pages.put(guard + p, Perm.USER);
    }
    s.sz = (guard + 1 + stackPages) * Xv6.PGSIZE;
    return s;
  }

  /** fork's copy. */
  public UserSpace copy() {
    UserSpace s = new UserSpace();
    s.sz = sz;
    s.pages.putAll(pages);
    return s;
  }

  public long sz() {
    return sz;
  }

  /** sbrk(n) that allocated now (n &gt; 0): pages up to the new size are mapped. */
  public void growEager(long n) {
    mapUpTo(sz + n, Perm.USER);
  }

  /** sbrk(n, SBRK_LAZY) with n &ge; 0: only the size grows. */
  public void growLazy(long n) {
    mapUpTo(sz + n, Perm.LAZY);
  }

  private void mapUpTo(long newSz, Perm perm) {
    for (long p = Xv6.PGROUNDUP(sz) / Xv6.PGSIZE; p < Xv6.PGROUNDUP(newSz) / Xv6.PGSIZE; p++) {
      pages.put(p, perm);
    }
    sz = newSz;
  }

  /** sbrk(-k): pages from PGROUNDUP(new size) up are unmapped (uvmdealloc). */
  public void shrinkTo(long newSz) {
    pages.tailMap(Xv6.PGROUNDUP(newSz) / Xv6.PGSIZE, true).clear();
    sz = newSz;
  }

  /**
   * How many of the n bytes from va a copy reaches before the first page it may not touch (copyin
   * and copyout alike: the user pages are read-write). At most n; 0 for n &le; 0.
   */
  public long prefix(long va, long n) {
    long done = 0;
    while (done < n) {
      long a = va + done;
      if (a < 0 || a >= Xv6.MAXVA || pages.get(a / Xv6.PGSIZE) != Perm.USER) {
        return done;
      }
      done = Math.min(n, done + Xv6.PGSIZE - Math.floorMod(a, Xv6.PGSIZE));
    }
    return n;
  }

  /** Whether a copy of n bytes from va reaches all, a prefix, or a lazy page (unknown). */
  public Reach reach(long va, long n) {
    long k = prefix(va, n);
    if (k >= n) {
      return Reach.ALL;
    }
    long a = va + k;
    if (a >= 0 && a < Xv6.MAXVA && pages.get(a / Xv6.PGSIZE) == Perm.LAZY) {
      return Reach.UNKNOWN;
    }
    return Reach.PREFIX;
  }

  /** Whether any byte of [va, va + n) lies in the first {@code bytes} of the address space. */
  public static boolean touches(long va, long n, long bytes) {
    return n > 0 && va >= 0 && va < bytes;
  }
}
