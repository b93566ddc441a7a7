package xv6ckpt.harness.fuzz;

import java.util.ArrayList;
import java.util.List;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ModelProcess;

/**
 * The differences between a predicted and an observed process, for a finding's detail. A
 * restored process cannot be stopped before its first instruction (the rig's run ends after the
 * next retired instruction, and the restore ecall does not retire), so {@link #ofRestored}
 * allows exactly what one instruction can change: pc, one register, one aligned 8-byte window
 * of a writable page. {@link #of} is exact.
 */
final class Diff {
  private Diff() {}

  /** Empty when want and got agree on name, sz, registers, pc, pages and files. */
  static String of(ModelProcess want, ModelProcess got) {
    List<String> d = new ArrayList<>();
    if (!want.name().equals(got.name())) {
      d.add("name " + got.name() + " != " + want.name());
    }
    if (want.sz() != got.sz()) {
      d.add("sz 0x" + Long.toHexString(got.sz()) + " != 0x" + Long.toHexString(want.sz()));
    }
    if (want.regs().pc() != got.regs().pc()) {
      d.add("pc 0x" + Long.toHexString(got.regs().pc()) + " != 0x"
          + Long.toHexString(want.regs().pc()));
    }
    for (int n = 1; n <= 31; n++) {
      if (want.regs().x(n) != got.regs().x(n)) {
        d.add("x" + n + " 0x" + Long.toHexString(got.regs().x(n)) + " != 0x"
            + Long.toHexString(want.regs().x(n)));
      }
    }
    if (!want.pages().equals(got.pages())) {
      d.add("pages " + describe(got.pages()) + " != " + describe(want.pages()));
    }
    if (!want.files().equals(got.files())) {
      d.add("files " + got.files() + " != " + want.files());
    }
    return String.join("; ", d.subList(0, Math.min(d.size(), 6)));
  }

  /** Empty when got is want after at most one instruction (see the class comment). */
  static String ofRestored(ModelProcess want, ModelProcess got) {
    List<String> d = new ArrayList<>();
    if (!want.name().equals(got.name())) {
      d.add("name " + got.name() + " != " + want.name());
    }
    if (want.sz() != got.sz()) {
      d.add("sz 0x" + Long.toHexString(got.sz()) + " != 0x" + Long.toHexString(want.sz()));
    }
    int regs = 0;
    for (int n = 1; n <= 31; n++) {
      regs += want.regs().x(n) != got.regs().x(n) ? 1 : 0;
    }
    if (regs > 1) {
      d.add(regs + " registers differ: " + got.regs().x() + " != " + want.regs().x());
    }
    String pages = pagesAfterOneStep(want.pages(), got.pages());
    if (!pages.isEmpty()) {
      d.add(pages);
    }
    if (!want.files().equals(got.files())) {
      d.add("files " + got.files() + " != " + want.files());
    }
    return String.join("; ", d);
  }

  private static String pagesAfterOneStep(List<Image.Page> want, List<Image.Page> got) {
    if (want.size() != got.size()) {
      return "pages " + describe(got) + " != " + describe(want);
    }
    int windows = 0;
    for (int k = 0; k < want.size(); k++) {
      Image.Page w = want.get(k);
      Image.Page g = got.get(k);
      if (w.va() != g.va() || w.perm() != g.perm()) {
        return "pages " + describe(got) + " != " + describe(want);
      }
      byte[] wd = w.data(); // the accessor copies: once per page
      byte[] gd = g.data();
      for (int off = 0; off < wd.length; off += 8) {
        if (!java.util.Arrays.equals(wd, off, off + 8, gd, off, off + 8)) {
          windows += (w.perm() & xv6ckpt.specs.Xv6.PTE_W) != 0 ? 1 : 2;
        }
      }
    }
    return windows <= 1 ? "" : "page bytes differ beyond one store: " + describe(got) + " != "
        + describe(want);
  }

  private static String describe(List<Image.Page> pages) {
    StringBuilder b = new StringBuilder("[");
    for (Image.Page p : pages) {
      b.append(String.format("0x%x/%d#%08x ", p.va(), p.perm(),
          java.util.Arrays.hashCode(p.data())));
    }
    return b.append(']').toString();
  }
}
