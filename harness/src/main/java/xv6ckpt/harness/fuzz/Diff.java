package xv6ckpt.harness.fuzz;

import java.util.ArrayList;
import java.util.List;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ModelProcess;

/**
 * The differences between a predicted and an observed process, for a finding's detail: exact, field
 * by field (name, sz, pc, x1..x31, every page with its permissions and bytes, every open file). The
 * rig observes a process right after its restore call returned to user mode, before any of its
 * instructions ran, so nothing needs to be allowed for.
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
      d.add(
          "pc 0x"
              + Long.toHexString(got.regs().pc())
              + " != 0x"
              + Long.toHexString(want.regs().pc()));
    }
    for (int n = 1; n <= 31; n++) {
      if (want.regs().x(n) != got.regs().x(n)) {
        d.add(
            "x"
                + n
                + " 0x"
                + Long.toHexString(got.regs().x(n))
                + " != 0x"
                + Long.toHexString(want.regs().x(n)));
      }
    }
    if (!want.pages().equals(got.pages())) {
      d.add(pages(want.pages(), got.pages()));
    }
    if (!want.files().equals(got.files())) {
      d.add("files " + got.files() + " != " + want.files());
    }
    return String.join("; ", d.subList(0, Math.min(d.size(), 6)));
  }

  /** The first page that differs (address, permissions or bytes), or the two layouts. */
  private static String pages(List<Image.Page> want, List<Image.Page> got) {
    for (int k = 0; k < Math.min(want.size(), got.size()); k++) {
      Image.Page w = want.get(k);
      Image.Page g = got.get(k);
      if (w.va() != g.va() || w.perm() != g.perm()) {
        break;
      }
      byte[] wd = w.data();
      byte[] gd = g.data();
      int off = java.util.Arrays.mismatch(wd, gd);
      if (off >= 0) {
        return String.format(
            "page 0x%x byte %d: 0x%02x != 0x%02x", w.va(), off, gd[off] & 0xff, wd[off] & 0xff);
      }
    }
    return "pages " + describe(got) + " != " + describe(want);
  }

  private static String describe(List<Image.Page> pages) {
    StringBuilder b = new StringBuilder("[");
    for (Image.Page p : pages) {
      b.append(
          String.format("0x%x/%d#%08x ", p.va(), p.perm(), java.util.Arrays.hashCode(p.data())));
    }
    return b.append(']').toString();
  }
}
