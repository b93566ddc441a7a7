package xv6ckpt.harness.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;

/**
 * What {@code inspect} prints about a checkpoint image: the spec's verdict rendered for people
 * (text) or machines (JSON). Addresses are hex in both (JSON: as "0x..." strings, since they are
 * 64-bit and unsigned); counts and small numbers are decimal. Byte strings from the image (name,
 * paths) are shown with non-printing bytes escaped, so the output is always ASCII.
 */
final class ImageReport {
  private ImageReport() {}

  /** The RISC-V ABI names of x0..x31. */
  static final List<String> ABI =
      List.of(
          "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3",
          "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11",
          "t3", "t4", "t5", "t6");

  /** A run of consecutive pages with the same permissions. */
  record Range(long start, long end, int perm, int count) {}

  /** The page map as ranges: adjacent pages with equal perm merge; holes split. */
  static List<Range> ranges(List<Page> pages) {
    List<Range> out = new ArrayList<>();
    for (Page p : pages) {
      Range last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && last.end() == p.va() && last.perm() == p.perm()) {
        out.set(
            out.size() - 1,
            new Range(last.start(), p.va() + Xv6.PGSIZE, p.perm(), last.count() + 1));
      } else {
        out.add(new Range(p.va(), p.va() + Xv6.PGSIZE, p.perm(), 1));
      }
    }
    return out;
  }

  /** perm as "rwxu" with '-' for a missing bit. */
  static String perm(int perm) {
    return ""
        + ((perm & Xv6.PTE_R) != 0 ? 'r' : '-')
        + ((perm & Xv6.PTE_W) != 0 ? 'w' : '-')
        + ((perm & Xv6.PTE_X) != 0 ? 'x' : '-')
        + ((perm & Xv6.PTE_U) != 0 ? 'u' : '-');
  }

  static String syscallName(int sysnum) {
    return switch (sysnum) {
      case Xv6.SYS_wait -> "wait";
      case Xv6.SYS_read -> "read";
      case Xv6.SYS_sleep -> "sleep";
      default -> "syscall " + sysnum;
    };
  }

  // ---------------------------------------------------------------------------------------
  // Text.

  static String text(String source, long length, Verdict v) {
    StringBuilder s = new StringBuilder();
    s.append("image ").append(source).append(" (").append(length).append(" bytes): ");
    if (v instanceof Verdict.Invalid bad) {
      s.append("INVALID\n");
      s.append(
          String.format(
              Locale.ROOT,
              "violation %s (code %d) at offset %d (0x%x): %s%n",
              bad.rule(),
              bad.rule().code(),
              bad.offset(),
              bad.offset(),
              printable(bad.detail())));
      return s.toString();
    }
    Image img = ((Verdict.Valid) v).image();
    s.append("valid\n");
    Image.Header h = img.header();
    s.append(
        String.format(
            Locale.ROOT,
            "header    image_id 0x%016x  pid %d  name \"%s\"  " + "sz 0x%x (%d bytes)%n",
            h.imageId(),
            h.pid(),
            printable(h.name()),
            h.sz(),
            h.sz()));
    textRegisters(s, img.regs());
    textRestart(s, img.restart());
    textFiles(s, img.files());
    textPages(s, img.pages());
    return s.toString();
  }

  private static void textRegisters(StringBuilder s, Registers r) {
    s.append(String.format(Locale.ROOT, "registers pc  0x%016x%n", r.pc()));
    for (int n = 1; n <= 31; n++) {
      s.append(
          String.format(
              Locale.ROOT,
              "%s%-4s x%-2d 0x%016x",
              n % 4 == 1 ? "  " : "   ",
              ABI.get(n),
              n,
              r.x(n)));
      if (n % 4 == 0 || n == 31) {
        s.append('\n');
      }
    }
  }

  private static void textRestart(StringBuilder s, SyscallRestart r) {
    if (r.none()) {
      s.append("restart   none (at user level)\n");
      return;
    }
    s.append(
        String.format(
            Locale.ROOT,
            "restart   %s (%d), progress %d, args",
            syscallName(r.sysnum()),
            r.sysnum(),
            r.progress()));
    for (long a : r.args()) {
      s.append(String.format(Locale.ROOT, " 0x%x", a));
    }
    s.append('\n');
  }

  private static void textFiles(StringBuilder s, List<OpenFile> files) {
    s.append("files     ").append(files.size()).append(files.isEmpty() ? " open\n" : " open:\n");
    for (OpenFile f : files) {
      String mode = (f.readable() ? "r" : "-") + (f.writable() ? "w" : "-");
      if (f.kind() == Image.Kind.CONSOLE) {
        s.append(String.format(Locale.ROOT, "  fd %-2d %s console%n", f.fd(), mode));
      } else {
        s.append(
            String.format(
                Locale.ROOT,
                "  fd %-2d %s file %s  inum %d  offset %d%n",
                f.fd(),
                mode,
                printable(f.path()),
                f.inum(),
                f.offset()));
      }
    }
  }

  private static void textPages(StringBuilder s, List<Page> pages) {
    s.append(
        String.format(
            Locale.ROOT,
            "pages     %d (%d bytes)%s%n",
            pages.size(),
            (long) pages.size() * Xv6.PGSIZE,
            pages.isEmpty() ? "" : ":"));
    for (Range r : ranges(pages)) {
      s.append(
          String.format(
              Locale.ROOT,
              "  0x%010x-0x%010x %s %d page%s%s%n",
              r.start(),
              r.end(),
              perm(r.perm()),
              r.count(),
              r.count() == 1 ? "" : "s",
              (r.perm() & Xv6.PTE_U) == 0 ? " (no U: guard)" : ""));
    }
  }

  // ---------------------------------------------------------------------------------------
  // JSON.

  static String json(String source, long length, Verdict v) {
    StringBuilder s = new StringBuilder("{");
    s.append("\"source\":").append(quote(source)).append(",\"bytes\":").append(length);
    if (v instanceof Verdict.Invalid bad) {
      s.append(",\"valid\":false,\"violation\":{\"rule\":")
          .append(quote(bad.rule().name()))
          .append(",\"code\":")
          .append(bad.rule().code())
          .append(",\"offset\":")
          .append(bad.offset())
          .append(",\"offset_hex\":")
          .append(hex(bad.offset()))
          .append(",\"detail\":")
          .append(quote(bad.detail()))
          .append("}}\n");
      return s.toString();
    }
    Image img = ((Verdict.Valid) v).image();
    Image.Header h = img.header();
    s.append(",\"valid\":true,\"violation\":null");
    s.append(",\"header\":{\"image_id\":")
        .append(hex(h.imageId()))
        .append(",\"pid\":")
        .append(h.pid())
        .append(",\"name\":")
        .append(quote(h.name()))
        .append(",\"sz\":")
        .append(hex(h.sz()))
        .append('}');
    s.append(",\"registers\":{\"pc\":").append(hex(img.regs().pc()));
    for (int n = 1; n <= 31; n++) {
      s.append(",\"").append(ABI.get(n)).append("\":").append(hex(img.regs().x(n)));
    }
    s.append('}');
    jsonRestart(s, img.restart());
    jsonFiles(s, img.files());
    jsonPages(s, img.pages());
    return s.append("}\n").toString();
  }

  private static void jsonRestart(StringBuilder s, SyscallRestart r) {
    s.append(",\"restart\":");
    if (r.none()) {
      s.append("null");
      return;
    }
    s.append("{\"sysnum\":")
        .append(r.sysnum())
        .append(",\"syscall\":")
        .append(quote(syscallName(r.sysnum())))
        .append(",\"args\":[");
    for (int i = 0; i < r.args().size(); i++) {
      s.append(i == 0 ? "" : ",").append(hex(r.args().get(i)));
    }
    s.append("],\"progress\":").append(Long.toUnsignedString(r.progress())).append('}');
  }

  private static void jsonFiles(StringBuilder s, List<OpenFile> files) {
    s.append(",\"files\":[");
    for (int i = 0; i < files.size(); i++) {
      OpenFile f = files.get(i);
      s.append(i == 0 ? "{" : ",{")
          .append("\"fd\":")
          .append(f.fd())
          .append(",\"kind\":")
          .append(quote(f.kind() == Image.Kind.CONSOLE ? "console" : "file"))
          .append(",\"readable\":")
          .append(f.readable())
          .append(",\"writable\":")
          .append(f.writable());
      if (f.kind() == Image.Kind.FILE) {
        s.append(",\"path\":")
            .append(quote(f.path()))
            .append(",\"inum\":")
            .append(f.inum())
            .append(",\"offset\":")
            .append(f.offset());
      }
      s.append('}');
    }
    s.append(']');
  }

  private static void jsonPages(StringBuilder s, List<Page> pages) {
    s.append(",\"npages\":").append(pages.size()).append(",\"pages\":[");
    List<Range> ranges = ranges(pages);
    for (int i = 0; i < ranges.size(); i++) {
      Range r = ranges.get(i);
      s.append(i == 0 ? "{" : ",{")
          .append("\"start\":")
          .append(hex(r.start()))
          .append(",\"end\":")
          .append(hex(r.end()))
          .append(",\"perm\":")
          .append(quote(perm(r.perm())))
          .append(",\"count\":")
          .append(r.count())
          .append('}');
    }
    s.append(']');
  }

  private static String hex(long v) {
    return "\"0x" + Long.toHexString(v) + "\"";
  }

  /** A JSON string literal, ASCII only. */
  static String quote(String v) {
    StringBuilder s = new StringBuilder("\"");
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c == '"' || c == '\\') {
        s.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        s.append(c);
      }
    }
    return s.append('"').toString();
  }

  /** v with quotes, backslashes and non-printing characters escaped as \xNN. */
  static String printable(String v) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        s.append(String.format(Locale.ROOT, "\\x%02x", (int) c & 0xff));
      } else {
        s.append(c);
      }
    }
    return s.toString();
  }
}
