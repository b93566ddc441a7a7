package xv6ckpt.harness.rig;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.kernel.Process;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Xv6;

/**
 * The harness's own view of a process's user memory: a walk of the Sv39 page table the kernel built
 * in emulated RAM, written here and not borrowed from the kernel's {@code Vm}, so that the laws and
 * the isolation oracle do not trust the code they judge. The one walk of the harness: a translation
 * ({@link #pteAddress}, under everything that reads or writes one address) and a traversal of the
 * whole tree ({@link #leaves}).
 *
 * <pre>
 *   Sv39 (privileged spec 4.4): three levels of 512 eight-byte PTEs
 *   va    38..30 VPN[2] | 29..21 VPN[1] | 20..12 VPN[0] | 11..0 offset
 *   PTE   53..10 PPN | 7 D | 6 A | 5 G | 4 U | 3 X | 2 W | 1 R | 0 V
 * </pre>
 */
public final class UserPages {
  private UserPages() {}

  private static final long PTE_V = 1;
  private static final int PAGE = Xv6.PGSIZE;

  /** R, W, X and U: the permission bits a checkpoint image keeps for a page. */
  public static final int PERM_BITS = Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_X | Xv6.PTE_U;

  /**
   * The physical address of va's level-0 PTE under the page table at root, or -1 when a level above
   * is not valid. Only va's 39 low bits count; a valid PTE above level 0 is taken as a table (xv6
   * maps 4 KiB pages only; {@link #leaves} checks that).
   */
  public static long pteAddress(PhysicalMemory mem, long root, long va) {
    long table = root;
    for (int level = 2; level > 0; level--) {
      long pte = mem.read64(table + 8 * vpn(va, level));
      if ((pte & PTE_V) == 0) {
        return -1;
      }
      table = frame(pte);
    }
    return table + 8 * vpn(va, 0);
  }

  /** The level-0 PTE of va under the page table at root, or 0 when a level above is not valid. */
  public static long leafPte(PhysicalMemory mem, long root, long va) {
    long at = pteAddress(mem, root, va);
    return at < 0 ? 0 : mem.read64(at);
  }

  /** The physical address of va's page if it is mapped valid and user-accessible. */
  public static OptionalLong userPage(PhysicalMemory mem, long root, long va) {
    if (va < 0 || va >= Xv6.MAXVA) {
      return OptionalLong.empty();
    }
    long pte = leafPte(mem, root, va);
    if ((pte & PTE_V) == 0 || (pte & Xv6.PTE_U) == 0) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(frame(pte));
  }

  /**
   * Every valid leaf below PGROUNDUP(sz), in address order: va, its R/W/X/U bits and a copy of the
   * frame's bytes (the guard page below the stack is there, without U), as the spec's image holds a
   * process's pages.
   */
  public static List<Page> pages(PhysicalMemory mem, long root, long sz) {
    List<Page> out = new ArrayList<>();
    for (long va = 0; va < Xv6.PGROUNDUP(sz); va += PAGE) {
      long pte = leafPte(mem, root, va);
      if ((pte & PTE_V) != 0) {
        byte[] d = new byte[PAGE];
        mem.read(frame(pte), d, 0, d.length);
        out.add(new Page(va, (int) (pte & PERM_BITS), d));
      }
    }
    return out;
  }

  /**
   * A process's whole page-table tree: its leaves below TRAPFRAME (as {@link #leaves} lists them)
   * and how many page-table pages hold it, the root included.
   */
  public record Tree(List<Page> leaves, int tablePages) {}

  /**
   * Every leaf of the whole tree below TRAPFRAME, in address order: the user's pages and the stack
   * guard page, wherever they are (not only below sz), as the spec's image describes a process's
   * memory.
   *
   * @throws AssertionError if the tree is not xv6's shape: a leaf above level 0 (a superpage), or a
   *     non-leaf at level 0
   */
  public static List<Page> leaves(PhysicalMemory mem, long root) {
    return tree(mem, root).leaves();
  }

  /**
   * The leaves of {@link #leaves} and the number of page-table pages. Only set PTEs are visited
   * ({@link PhysicalMemory#nextNonZero64}: a zero PTE is invalid, and most of a process's tables
   * are empty), which keeps the restore fuzz targets' oracle cheap.
   *
   * @throws AssertionError as {@link #leaves} does
   */
  public static Tree tree(PhysicalMemory mem, long root) {
    List<Page> out = new ArrayList<>();
    int tables = walk(mem, root, 2, 0, out);
    return new Tree(out, tables);
  }

  /** Adds table's leaves (level 2 is the root; base its first va) to out; returns its tables. */
  private static int walk(PhysicalMemory mem, long table, int level, long base, List<Page> out) {
    int tables = 1;
    long end = table + PAGE;
    for (long a = mem.nextNonZero64(table, end); a < end; a = mem.nextNonZero64(a + 8, end)) {
      long pte = mem.read64(a);
      if ((pte & PTE_V) == 0) {
        continue;
      }
      long va = base | ((a - table) / 8 << (12 + 9 * level));
      boolean leaf = (pte & (Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_X)) != 0;
      if (leaf && level > 0) {
        throw new AssertionError(
            "superpage leaf at level " + level + " va 0x" + Long.toHexString(va));
      } else if (!leaf) {
        if (level == 0) {
          throw new AssertionError("non-leaf at level 0, va 0x" + Long.toHexString(va));
        }
        tables += walk(mem, frame(pte), level - 1, va, out);
      } else if (va < Xv6.TRAPFRAME) {
        byte[] d = new byte[PAGE];
        mem.read(frame(pte), d, 0, d.length);
        out.add(new Page(va, (int) (pte & PERM_BITS), d));
      }
    }
    return tables;
  }

  /**
   * p's user address space below its size, page by page: a copy of each user page's bytes, null for
   * a page not mapped for the user. Compared whole (Arrays.deepEquals), two of these say exactly
   * whether the memory changed; the copying and comparing are library calls, so a fuzzer's
   * instrumentation of the harness adds nothing per byte.
   */
  public static byte[][] userBytes(PhysicalMemory mem, Process p) {
    byte[][] out = new byte[(int) ((p.size() + PAGE - 1) / PAGE)][];
    for (int i = 0; i < out.length; i++) {
      OptionalLong pa = userPage(mem, p.pagetable(), (long) i * PAGE);
      if (pa.isPresent()) {
        out[i] = new byte[PAGE];
        mem.read(pa.getAsLong(), out[i], 0, out[i].length);
      }
    }
    return out;
  }

  /**
   * The user memory of the address space at {@code root} as {@link #userBytes(PhysicalMemory,
   * Process)} gives a process's, for a kernel whose process sizes the harness cannot read: up to
   * the highest user page below TRAPFRAME (in xv6 every page below PGROUNDUP(sz) but the stack's
   * guard is a user page, so the two agree).
   */
  public static byte[][] userBytes(PhysicalMemory mem, long root) {
    long top = 0;
    for (Page pg : leaves(mem, root)) {
      if ((pg.perm() & Xv6.PTE_U) != 0) top = pg.va() + PAGE;
    }
    byte[][] out = new byte[(int) (top / PAGE)][];
    for (Page pg : leaves(mem, root)) {
      if ((pg.perm() & Xv6.PTE_U) != 0) out[(int) (pg.va() / PAGE)] = pg.data();
    }
    return out;
  }

  /**
   * Copies src into p's memory at va (which must be mapped for the user for the whole length).
   *
   * @throws IllegalStateException if a page of the range is not mapped: the harness's layout
   *     assumption about its own program is wrong
   */
  public static void write(PhysicalMemory mem, Process p, long va, byte[] src) {
    write(mem, p.pagetable(), va, src, "pid " + p.pid());
  }

  /** {@link #write(PhysicalMemory, Process, long, byte[])} into the address space at root. */
  public static void write(PhysicalMemory mem, long root, long va, byte[] src) {
    write(mem, root, va, src, "address space 0x" + Long.toHexString(root));
  }

  private static void write(PhysicalMemory mem, long root, long va, byte[] src, String whose) {
    int done = 0;
    while (done < src.length) {
      long a = va + done;
      long off = a & (PAGE - 1);
      long pa =
          userPage(mem, root, a - off)
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "harness layout: va 0x"
                              + Long.toHexString(a)
                              + " of "
                              + whose
                              + " is unmapped"));
      int n = (int) Math.min(PAGE - off, src.length - done);
      mem.write(pa + off, src, done, n);
      done += n;
    }
  }

  /**
   * The little-endian 32-bit word at va, read byte by byte (an instruction may cross a page).
   *
   * @throws AssertionError if a byte of it is not mapped valid
   */
  public static int fetch32(PhysicalMemory mem, long root, long va) {
    int w = 0;
    for (int i = 0; i < 4; i++) {
      long pte = leafPte(mem, root, va + i);
      if ((pte & PTE_V) == 0) {
        throw new AssertionError("address 0x" + Long.toHexString(va + i) + " is not mapped");
      }
      w |= (mem.read8(frame(pte) + ((va + i) & (PAGE - 1))) & 0xff) << (8 * i);
    }
    return w;
  }

  private static long vpn(long va, int level) {
    return (va >>> (12 + 9 * level)) & 0x1ff;
  }

  private static long frame(long pte) {
    return (pte >>> 10) << 12;
  }
}
