package xv6ckpt.harness.fuzz;

import static xv6ckpt.kernel.Riscv.PGSIZE;
import static xv6ckpt.kernel.Riscv.PTE_U;
import static xv6ckpt.kernel.Riscv.PTE_V;

import java.util.OptionalLong;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.Riscv;

/**
 * The harness's own view of a process's user memory: an Sv39 walk of the page table the kernel
 * built in emulated RAM (three levels, 9 bits of virtual page number each, as in the privileged
 * spec and xv6's walk()). Written independently of the kernel's Vm so that the isolation
 * oracle does not trust the code it judges.
 */
final class UserMemory {
  private UserMemory() {}

  /** The physical address of va's page if it is mapped valid and user-accessible. */
  static OptionalLong userPage(PhysicalMemory mem, long pagetable, long va) {
    if (va < 0 || va >= Riscv.MAXVA) {
      return OptionalLong.empty();
    }
    long table = pagetable;
    for (int level = 2; level > 0; level--) {
      long pte = mem.read64(table + 8L * Riscv.px(level, va));
      if ((pte & PTE_V) == 0) {
        return OptionalLong.empty();
      }
      table = Riscv.pte2pa(pte);
    }
    long pte = mem.read64(table + 8L * Riscv.px(0, va));
    if ((pte & PTE_V) == 0 || (pte & PTE_U) == 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Riscv.pte2pa(pte));
  }

  /**
   * Copies src into p's memory at va (which must be mapped for the whole length).
   *
   * @throws IllegalStateException if a page of the range is not mapped: the harness's layout
   *     assumption about its own program is wrong
   */
  static void write(PhysicalMemory mem, Process p, long va, byte[] src) {
    int done = 0;
    while (done < src.length) {
      long a = va + done;
      long off = a & (PGSIZE - 1);
      long pa = userPage(mem, p.pagetable(), a - off).orElseThrow(() -> new IllegalStateException(
          "harness layout: va 0x" + Long.toHexString(a) + " of pid " + p.pid() + " is unmapped"));
      int n = (int) Math.min(PGSIZE - off, src.length - done);
      mem.write(pa + off, src, done, n);
      done += n;
    }
  }

  /**
   * p's user address space below its size, page by page: a copy of each mapped page's bytes,
   * null for a page that is not mapped. Compared whole (Arrays.deepEquals), two of these say
   * exactly whether the memory changed; the copying and comparing are library calls, so a
   * fuzzer's instrumentation of the harness adds nothing per byte.
   */
  static byte[][] pages(PhysicalMemory mem, Process p) {
    byte[][] out = new byte[(int) ((p.size() + PGSIZE - 1) / PGSIZE)][];
    for (int i = 0; i < out.length; i++) {
      OptionalLong pa = userPage(mem, p.pagetable(), i * PGSIZE);
      if (pa.isPresent()) {
        out[i] = new byte[(int) PGSIZE];
        mem.read(pa.getAsLong(), out[i], 0, out[i].length);
      }
    }
    return out;
  }
}
