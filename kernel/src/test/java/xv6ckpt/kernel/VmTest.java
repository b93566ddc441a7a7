package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.kernel.Riscv.PGSIZE;
import static xv6ckpt.kernel.Riscv.PTE_R;
import static xv6ckpt.kernel.Riscv.PTE_U;
import static xv6ckpt.kernel.Riscv.PTE_W;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.PhysicalMemory;

/**
 * Vm's page-table loops over many pages (uvmalloc, uvmcopy, uvmunmap, freewalk), which skip empty
 * PTEs and walk once per last-level table: the mappings they leave are checked page by page through
 * walkaddr, across 2 MiB table boundaries, and every page comes back.
 */
class VmTest {
  private static final long TABLE_SPAN = 512 * PGSIZE;

  private final PhysicalMemory mem = new PhysicalMemory(8L << 20);
  private final Kalloc kalloc = new Kalloc(mem);
  private final Vm vm = new Vm(mem, kalloc);

  /** Maps one page at va holding the byte b everywhere. */
  private long mapFilled(long pt, long va, int b) {
    long pa = kalloc.kalloc();
    mem.fill(pa, PGSIZE, (byte) b);
    assertThat(vm.mappages(pt, va, PGSIZE, pa, PTE_R | PTE_W | PTE_U)).isEqualTo(0);
    return pa;
  }

  @Test
  void uvmallocMapsEveryPageAcrossTableBoundariesAndUvmfreeReturnsThemAll() {
    int before = kalloc.freePages();
    long pt = vm.uvmcreate();
    long sz = 2 * TABLE_SPAN + 5 * PGSIZE;
    assertThat(vm.uvmalloc(pt, 0, sz, PTE_W)).isEqualTo(sz);
    Set<Long> pages = new HashSet<>();
    for (long va = 0; va < sz; va += PGSIZE) {
      long pa = vm.walkaddr(pt, va);
      assertThat(pa).isNotEqualTo(0);
      assertThat(mem.nextNonZero64(pa, pa + PGSIZE)).isEqualTo(pa + PGSIZE); // zeroed
      pages.add(pa);
    }
    assertThat(pages).hasSize((int) (sz / PGSIZE));
    assertThat(vm.walkaddr(pt, sz)).isEqualTo(0);
    // root, one level-1 table, three last-level tables, and the pages
    assertThat(kalloc.freePages()).isEqualTo(before - 5 - pages.size());
    vm.uvmfree(pt, sz);
    assertThat(kalloc.freePages()).isEqualTo(before);
  }

  @Test
  void uvmallocThatRunsOutOfMemoryUnmapsAndFreesWhatItTook() {
    int before = kalloc.freePages();
    long pt = vm.uvmcreate();
    long start = kalloc.calls();
    kalloc.injectFailures(k -> k == start + 600); // past the first 2 MiB boundary
    assertThat(vm.uvmalloc(pt, 0, 3 * TABLE_SPAN, PTE_W)).isEqualTo(0);
    kalloc.injectFailures(k -> false);
    for (long va = 0; va < 3 * TABLE_SPAN; va += PGSIZE) {
      assertThat(vm.walkaddr(pt, va)).isEqualTo(0);
    }
    vm.uvmfree(pt, 0); // the tables it made stay until the page table goes
    assertThat(kalloc.freePages()).isEqualTo(before);
  }

  @Test
  void uvmcopyOfASparseSpaceCopiesExactlyTheMappedPages() {
    long parent = vm.uvmcreate();
    List<Long> mapped = List.of(0L, 1L, 511L, 512L, 513L, 1000L, 1536L, 1599L);
    for (long n : mapped) {
      mapFilled(parent, n * PGSIZE, (int) (n % 250) + 1);
    }
    long sz = 1600 * PGSIZE; // the rest is lazily allocated: no PTEs
    long child = vm.uvmcreate();
    int free = kalloc.freePages();
    assertThat(vm.uvmcopy(parent, child, sz)).isEqualTo(0);
    for (long n = 0; n < 1600; n++) {
      long pa = vm.walkaddr(child, n * PGSIZE);
      if (!mapped.contains(n)) {
        assertThat(pa).isEqualTo(0);
        continue;
      }
      assertThat(pa).isNotEqualTo(vm.walkaddr(parent, n * PGSIZE));
      assertThat(mem.read8(pa + 123)).isEqualTo((byte) ((n % 250) + 1));
      assertThat(vm.pte(child, n * PGSIZE) & 0x3FF).isEqualTo(vm.pte(parent, n * PGSIZE) & 0x3FF);
    }
    // eight pages, a level-1 table and last-level tables for spans 0, 1 and 3 (2 is empty)
    assertThat(kalloc.freePages()).isEqualTo(free - 8 - 1 - 3);
  }

  @Test
  void uvmcopyThatRunsOutOfMemoryLeavesTheChildEmpty() {
    long parent = vm.uvmcreate();
    for (long n = 505; n < 520; n++) {
      mapFilled(parent, n * PGSIZE, 7);
    }
    long child = vm.uvmcreate();
    int free = kalloc.freePages();
    long start = kalloc.calls();
    kalloc.injectFailures(k -> k == start + 12);
    assertThat(vm.uvmcopy(parent, child, 520 * PGSIZE)).isEqualTo(-1);
    kalloc.injectFailures(k -> false);
    for (long n = 505; n < 520; n++) {
      assertThat(vm.walkaddr(child, n * PGSIZE)).isEqualTo(0);
    }
    assertThat(kalloc.freePages()).isEqualTo(free - 3); // its level-1 and two last-level tables
  }

  @Test
  void uvmunmapRemovesJustTheRangeAcrossATableBoundary() {
    long pt = vm.uvmcreate();
    List<Long> mapped = List.of(3L, 500L, 511L, 512L, 513L, 530L, 1100L);
    for (long n : mapped) {
      mapFilled(pt, n * PGSIZE, 1);
    }
    int free = kalloc.freePages();
    long unmapsBefore = vm.unmaps;
    vm.uvmunmap(pt, 505 * PGSIZE, 520 - 505, true); // pages 505 .. 519
    for (long n : mapped) {
      boolean gone = n >= 505 && n < 520;
      assertThat(vm.walkaddr(pt, n * PGSIZE) == 0).isEqualTo(gone);
    }
    assertThat(kalloc.freePages()).isEqualTo(free + 3);
    assertThat(vm.unmaps - unmapsBefore).isEqualTo(3);
  }

  @Test
  void freewalkFreesEveryTablePage() {
    int before = kalloc.freePages();
    long pt = vm.uvmcreate();
    long[] vas = {0, 7 * TABLE_SPAN, (1L << 30) + 3 * PGSIZE, Riscv.MAXVA - 2 * PGSIZE};
    for (long va : vas) {
      long pa = mapFilled(pt, va, 2);
      vm.uvmunmap(pt, va, 1, false);
      kalloc.kfree(pa);
    }
    vm.freewalk(pt);
    assertThat(kalloc.freePages()).isEqualTo(before);
  }

  @Test
  void freewalkStillRefusesALeaf() {
    long pt = vm.uvmcreate();
    mapFilled(pt, 9 * PGSIZE, 1);
    KernelPanic p =
        org.junit.jupiter.api.Assertions.assertThrows(KernelPanic.class, () -> vm.freewalk(pt));
    assertThat(p).hasMessageThat().contains("freewalk: leaf");
  }
}
