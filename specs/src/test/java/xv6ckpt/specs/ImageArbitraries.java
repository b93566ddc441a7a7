package xv6ckpt.specs;

import static xv6ckpt.specs.Xv6.PGSIZE;
import static xv6ckpt.specs.Xv6.PTE_R;
import static xv6ckpt.specs.Xv6.PTE_U;
import static xv6ckpt.specs.Xv6.PTE_W;
import static xv6ckpt.specs.Xv6.PTE_X;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;

/**
 * Generators of valid images, built from the rules of FORMAT.md (not from the decoder): any id, pid
 * and name; sz anywhere up to TRAPFRAME with up to five pages below PGROUNDUP(sz) and holes between
 * them; any registers; any set of descriptors; and sometimes a process blocked in wait, read or
 * sleep with its ecall in an executable user page.
 */
final class ImageArbitraries {
  private ImageArbitraries() {}

  /** Every permission a valid page may carry: R or X, W only with R, U or not. */
  static final List<Integer> VALID_PERMS =
      List.of(
          PTE_R,
          PTE_R | PTE_W,
          PTE_X,
          PTE_R | PTE_X,
          PTE_R | PTE_W | PTE_X,
          PTE_R | PTE_U,
          PTE_R | PTE_W | PTE_U,
          PTE_X | PTE_U,
          PTE_R | PTE_X | PTE_U,
          PTE_R | PTE_W | PTE_X | PTE_U);

  record Memory(long sz, List<Page> pages) {}

  record Blocking(int sysnum, int amount, long progressSeed, int ecallOffset) {}

  static Arbitrary<Image> validImages() {
    return Combinators.combine(
            Arbitraries.longs(),
            Arbitraries.integers().between(1, Integer.MAX_VALUE),
            Arbitraries.strings().withCharRange('\u0001', '\u00ff').ofMaxLength(15),
            memories(),
            Arbitraries.longs().array(long[].class).ofSize(31),
            Arbitraries.longs().between(0, Xv6.TRAPFRAME / 2 - 1).map(h -> 2 * h),
            openFiles(),
            blockings())
        .as(ImageArbitraries::assemble);
  }

  static Arbitrary<Memory> memories() {
    Arbitrary<Long> topPages =
        Arbitraries.oneOf(
            Arbitraries.longs().between(1, 40), Arbitraries.longs().between(1, Layout.MAX_PAGES));
    return topPages.flatMap(
        top ->
            Combinators.combine(
                    Arbitraries.longs().between((top - 1) * PGSIZE + 1, top * PGSIZE),
                    Arbitraries.longs().between(0, top - 1).set().ofMaxSize(5),
                    Arbitraries.of(VALID_PERMS).list().ofSize(5),
                    Arbitraries.longs().list().ofSize(5))
                .as(
                    (sz, indices, perms, seeds) -> {
                      List<Page> pages = new ArrayList<>();
                      int k = 0;
                      for (long index : new TreeSet<>(indices)) {
                        pages.add(new Page(index * PGSIZE, perms.get(k), bytes(seeds.get(k))));
                        k++;
                      }
                      return new Memory(sz, pages);
                    }));
  }

  static Arbitrary<List<OpenFile>> openFiles() {
    Arbitrary<OpenFile> file =
        Combinators.combine(
                Arbitraries.of(true, false),
                Arbitraries.integers().between(1, 3),
                Arbitraries.strings().withCharRange('\u0001', '\u00ff').ofMaxLength(126),
                Arbitraries.longs().between(1, 0xffff_ffffL),
                Arbitraries.longs().between(0, 0xffff_ffffL))
            .as(
                (console, mode, name, inum, offset) ->
                    console
                        ? OpenFile.console(0, (mode & 1) != 0, (mode & 2) != 0)
                        : OpenFile.file(
                            0, (mode & 1) != 0, (mode & 2) != 0, "/" + name, inum, offset));
    return file.injectNull(0.5)
        .list()
        .ofSize(Xv6.NOFILE)
        .map(
            slots -> {
              List<OpenFile> files = new ArrayList<>();
              for (int fd = 0; fd < slots.size(); fd++) {
                OpenFile f = slots.get(fd);
                if (f != null) {
                  files.add(
                      new OpenFile(
                          fd,
                          f.kind(),
                          f.readable(),
                          f.writable(),
                          f.path(),
                          f.inum(),
                          f.offset()));
                }
              }
              return files;
            });
  }

  static Arbitrary<Blocking> blockings() {
    return Combinators.combine(
            Arbitraries.frequency(
                Tuple.of(3, 0), Tuple.of(1, Xv6.SYS_wait),
                Tuple.of(1, Xv6.SYS_read), Tuple.of(1, Xv6.SYS_sleep)),
            Arbitraries.integers().between(1, Integer.MAX_VALUE),
            Arbitraries.longs().between(0, Long.MAX_VALUE),
            Arbitraries.integers().between(0, (PGSIZE - 4) / 2).map(h -> 2 * h))
        .as(Blocking::new);
  }

  private static Image assemble(
      long id,
      int pid,
      String name,
      Memory m,
      long[] x,
      long pc,
      List<OpenFile> files,
      Blocking b) {
    Registers regs = Registers.of(x, pc);
    List<Page> pages = m.pages();
    SyscallRestart restart = SyscallRestart.NONE;
    if (b.sysnum() != 0) {
      long va = pages.isEmpty() ? 0 : pages.get(0).va();
      pages = withEcall(pages, va, b.ecallOffset());
      regs = regs.with(Registers.A7, b.sysnum()).withPc(va + b.ecallOffset());
      long progress = 0;
      if (b.sysnum() == Xv6.SYS_read) {
        regs = regs.with(12, b.amount());
        progress = b.progressSeed() % b.amount();
      } else if (b.sysnum() == Xv6.SYS_sleep) {
        regs = regs.with(10, b.amount());
        progress = b.progressSeed() % b.amount();
      }
      restart = Samples.restart(b.sysnum(), regs, progress);
    }
    return new Image(new Image.Header(id, pid, name, m.sz()), regs, restart, files, pages);
  }

  /** pages with the one at va (added if missing) made R X U and holding an ecall at off. */
  private static List<Page> withEcall(List<Page> pages, long va, int off) {
    byte[] d = pages.isEmpty() ? new byte[PGSIZE] : pages.get(0).data();
    d[off] = 0x73;
    d[off + 1] = 0;
    d[off + 2] = 0;
    d[off + 3] = 0;
    List<Page> out = new ArrayList<>(pages);
    Page text = new Page(va, PTE_R | PTE_X | PTE_U, d);
    if (out.isEmpty()) {
      out.add(text);
    } else {
      out.set(0, text);
    }
    return out;
  }

  static byte[] bytes(long seed) {
    byte[] d = new byte[PGSIZE];
    new SplittableRandom(seed).nextBytes(d);
    return d;
  }
}
