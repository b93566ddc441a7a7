package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.KernelDifferentialRule.*;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import xv6ckpt.harness.fuzz.KernelDifferentialTrace.Call;
import xv6ckpt.harness.fuzz.KernelDifferentialTrace.Write;

/**
 * kernel-differential: one syscall-args input (its decoding, server and bystander) run on two
 * kernels, compared call by call. The server's calls are recorded at the architectural boundary on
 * each side ({@link KernelDifferentialTrace}): number, arguments, result and the bytes the kernel
 * wrote into its memory; then the console the server's family printed, how the run ended, and the
 * file tree and fsck's verdict after the family is gone. The differences xv6 allows are the named
 * rules of {@link KernelDifferentialRule}; any other difference is a finding naming both kernels
 * and the first differing call.
 *
 * <p>Without a C kernel both sides are the Java kernel (CI: the comparison must find nothing on the
 * corpus); with {@code --kernel} the first side is the Java kernel on a copy of the C kernel's
 * fs.img (the same files added), the second the C kernel.
 */
public final class KernelDifferentialTarget implements FuzzTarget {
  static final FuzzTargets.Entry ENTRY =
      entry(() -> new KernelDifferentialTarget(javaStage(), javaStage()), List.of());

  private static FuzzTargets.Entry entry(Supplier<FuzzTarget> factory, List<String> options) {
    return new FuzzTargets.Entry(
        "kernel-differential",
        factory,
        KernelDifferentialFuzzer.class,
        SyscallArgsTarget.KERNEL_AND_HARNESS,
        options,
        SyscallArgsTarget::describe,
        input ->
            "both kernels make the same calls with the same results and writes, print the same"
                + " console and leave the same file tree, but for the differences"
                + " KernelDifferentialRule allows.",
        "xv6ckpt.harness.fuzz.KernelDifferentialFuzzTest",
        "kernelDifferential");
  }

  /** The Java kernel against the C kernel {@code kernel} over {@code fs}. */
  public static FuzzTargets.Entry entry(Path kernel, Path fs, int harts) {
    return entry(() -> open(kernel, fs, harts), List.of("-entropic_scale_per_exec_time=1"));
  }

  static KernelDifferentialTarget open(Path kernel, Path fs, int harts) {
    KernelDifferentialElfStage elf = new KernelDifferentialElfStage(kernel, fs, harts);
    return new KernelDifferentialTarget(javaOn(fs), elf);
  }

  /** The C kernel the campaign's driver JVM was given, if any (as syscall-args reads it). */
  static Optional<FuzzTarget> fromProperties() {
    return KernelProperties.get().map(p -> open(p.kernel(), p.fs(), p.harts()));
  }

  private static KernelDifferentialStage javaStage() {
    return KernelDifferentialJavaStage.standard();
  }

  /**
   * The Java kernel over the C kernel's image with the files its side gets, and 128 MiB like it, so
   * the two start from the same disk (inode numbers, directory sizes, README).
   */
  private static KernelDifferentialStage javaOn(Path fs) {
    byte[] image;
    try {
      image = java.nio.file.Files.readAllBytes(fs);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    var disk = new xv6ckpt.emulator.disk.MemoryBlockDevice(xv6ckpt.kernel.fs.FsFormat.BSIZE, image);
    SyscallArgsElfTarget.addFiles(disk);
    return new KernelDifferentialJavaStage(
        disk, SyscallArgsTarget.CONFIG.withRam(128L << 20), 0, null);
  }

  private final KernelDifferentialStage a, b;

  KernelDifferentialTarget(KernelDifferentialStage a, KernelDifferentialStage b) {
    this.a = a;
    this.b = b;
  }

  @Override
  public String name() {
    return ENTRY.name();
  }

  @Override
  public Verdict run(byte[] input) {
    KernelDifferentialTrace ta, tb;
    try {
      ta = KernelDifferentialTrace.record(a, input);
      tb = KernelDifferentialTrace.record(b, input);
    } catch (RuntimeException | StackOverflowError e) {
      return new Verdict.Fail("java-exception", e.toString(), "", Verdicts.stack(e));
    }
    return compare(ta, tb);
  }

  /** The traces of both sides for one input (tests, tools). */
  List<KernelDifferentialTrace> traces(byte[] input) {
    return List.of(
        KernelDifferentialTrace.record(a, input), KernelDifferentialTrace.record(b, input));
  }

  // ---------------------------------------------------------------- the comparison

  /** A difference no rule allows: its rule name for the finding and the report's line. */
  record Finding(String rule, String detail) {}

  /** What comparing two traces found: the allowed differences by rule, and the first finding. */
  record Comparison(
      Map<KernelDifferentialRule, Integer> allowed,
      Optional<Finding> finding,
      Optional<Integer> unfinishedAt,
      List<String> notes,
      boolean toTheEnd) {
    Comparison(
        Map<KernelDifferentialRule, Integer> allowed,
        Optional<Finding> finding,
        Optional<Integer> unfinishedAt,
        List<String> notes) {
      this(allowed, finding, unfinishedAt, notes, unfinishedAt.isEmpty());
    }
  }

  static Verdict compare(KernelDifferentialTrace x, KernelDifferentialTrace y) {
    Comparison c = comparison(x, y);
    String kernels = " [a: " + x.kernel() + "; b: " + y.kernel() + "]";
    if (c.finding().isPresent()) {
      Finding f = c.finding().get();
      return new Verdict.Fail(
          f.rule(),
          f.detail() + kernels,
          "--- a ---\n" + x.console() + "\n--- b ---\n" + y.console(),
          "");
    }
    StringBuilder s = new StringBuilder();
    int compared = c.unfinishedAt().orElse(Math.max(x.calls().size(), y.calls().size()));
    s.append(compared).append(" calls compared; a: ").append(x.end());
    s.append("; b: ").append(y.end());
    c.unfinishedAt()
        .ifPresent(
            i -> s.append("; not judged past call ").append(i).append(": a budget ran out first"));
    if (c.unfinishedAt().isEmpty() && !c.toTheEnd()) {
      s.append("; console and disk not judged: leftovers outlived the cleanup budget");
    }
    if (!c.allowed().isEmpty()) {
      s.append("; allowed:");
      c.allowed().forEach((r, n) -> s.append(' ').append(r.label()).append(" x").append(n));
    }
    return new Verdict.Pass(s.toString());
  }

  static Comparison comparison(KernelDifferentialTrace x, KernelDifferentialTrace y) {
    Map<KernelDifferentialRule, Integer> allowed = new EnumMap<>(KernelDifferentialRule.class);
    List<String> notes = new ArrayList<>(); // each allowed difference that ended a comparison
    boolean forked = false; // both servers have forked: SCHEDULE from here on
    boolean ended = false; // the calls' comparison ended by a rule (memory, project calls)
    int n = Math.max(x.calls().size(), y.calls().size());
    for (int i = 0; i < n && !ended; i++) {
      Optional<Call> cx = i < x.calls().size() ? Optional.of(x.calls().get(i)) : Optional.empty();
      Optional<Call> cy = i < y.calls().size() ? Optional.of(y.calls().get(i)) : Optional.empty();
      if ((cx.isEmpty() && running(x)) || (cy.isEmpty() && running(y))) {
        // the side without this call had not made it when its budget ran out: not judged past here
        return new Comparison(allowed, Optional.empty(), Optional.of(i), notes);
      }
      Optional<String> d = callDifference(x, y, cx, cy, allowed);
      if (d.isPresent()) {
        Optional<KernelDifferentialRule> r = ruleFor(cx, cy, forked);
        if (r.isEmpty()) {
          Finding f = new Finding(d.get().split(":")[0], d.get());
          return new Comparison(allowed, Optional.of(f), Optional.empty(), notes);
        }
        allowed.merge(r.get(), 1, Integer::sum);
        notes.add(r.get().label() + ": " + d.get());
        ended = r.get() != SCHEDULE;
        if (r.get() == SCHEDULE && !pidOrder(cx.orElseThrow(), cy.orElseThrow(), d.get())) {
          break; // the rest may depend on the order the family ran in
        }
      }
      if (cx.isPresent() && cy.isPresent() && cx.get().words()[0] == SYS_fork) {
        forked |= cx.get().result() > 0 && cy.get().result() > 0;
      }
    }
    boolean loose = forked || ended;
    // leftovers that outlived the cleanup budget on a side leave its console and disk unfinished
    boolean toTheEnd = quiet(x) && quiet(y);
    List<String[]> rest =
        List.of(
            new String[] {"end-differs", end(x.end()), end(y.end())},
            new String[] {"console-differs", console(x), console(y)},
            new String[] {"tree-differs", x.tree().toString(), y.tree().toString()},
            new String[] {"fsck-differs", "" + x.fsck().isEmpty(), "" + y.fsck().isEmpty()});
    for (String[] r : rest) {
      if (r[1].equals(r[2]) || (!toTheEnd && !r[0].equals("end-differs"))) continue;
      boolean fsck = r[0].equals("fsck-differs");
      boolean panic = r[0].equals("end-differs") && (unaccepted(r[1]) || unaccepted(r[2]));
      if (loose && !fsck && !panic) {
        KernelDifferentialRule rule = forked ? SCHEDULE : ended(allowed);
        allowed.merge(rule, 1, Integer::sum);
        notes.add(rule.label() + ": " + r[0] + ": " + where(r, x, y));
        continue;
      }
      Finding f = new Finding(r[0], r[0] + ": " + where(r, x, y));
      return new Comparison(allowed, Optional.of(f), Optional.empty(), notes);
    }
    return new Comparison(allowed, Optional.empty(), Optional.empty(), notes, toTheEnd);
  }

  /** sbrk's lazy mode (current xv6-riscv's SBRK_LAZY), as its second argument. */
  static final long LAZY = 2;

  /** The rule that ended the calls' comparison (any but PID, TIMING and SCHEDULE). */
  private static KernelDifferentialRule ended(Map<KernelDifferentialRule, Integer> allowed) {
    return allowed.keySet().stream()
        .filter(r -> r != PID && r != TIMING && r != SCHEDULE)
        .findFirst()
        .orElseThrow();
  }

  /**
   * How the run ended, without what depends on the kernel's setup and speed: a server still there
   * when the budget ran out (asleep for ever on the Java kernel, which goes idle; still ticking on
   * a C kernel) is "still running", and how leftovers were ended (our kills, the reaper) is
   * dropped; a panic, in the run or while ending leftovers, stays.
   */
  static String end(String end) {
    int panic = end.indexOf("panic: ");
    if (panic >= 0) return end.substring(panic);
    String first = end.split(", ")[0];
    return first.equals("idle") || first.equals("budget spent") ? "still running" : first;
  }

  /**
   * Whether two calls after the fork differ only in a pid that the order the family forked in
   * decides: the server's later fork or wait returned a pid on both sides, but its number depends
   * on how many of its children forked first (pids are handed out in creation order across the
   * family). The comparison of calls goes on past it.
   */
  private static boolean pidOrder(Call cx, Call cy, String difference) {
    long n = cx.words()[0];
    return (n == SYS_fork || n == SYS_wait)
        && cx.result() > 0
        && cy.result() > 0
        && difference.startsWith("result-differs");
  }

  /** Whether an end is a panic that xv6 does not have at the same point ({@link Verdicts}). */
  private static boolean unaccepted(String end) {
    int at = end.indexOf("panic: ");
    return at >= 0 && Verdicts.accepted(end.substring(at + 7)).isEmpty();
  }

  /**
   * Whether everything the input left was ended within the cleanup budget (or nothing was left).
   */
  private static boolean quiet(KernelDifferentialTrace t) {
    String e = t.end();
    return e.contains("panic: ") || !(e.contains("not quiet") || e.contains("unkillable"));
  }

  private static boolean running(KernelDifferentialTrace t) {
    return end(t.end()).equals("still running");
  }

  /** The family's console with pids in xv6's messages masked (PID). */
  private static String console(KernelDifferentialTrace t) {
    return t.console().replaceAll("(?m)^\\d+ (\\S+): unknown sys call", "N $1: unknown sys call");
  }

  private static String where(String[] r, KernelDifferentialTrace x, KernelDifferentialTrace y) {
    if (r[0].equals("tree-differs")) {
      Set<String> paths = new TreeSet<>(x.tree().keySet());
      paths.addAll(y.tree().keySet());
      for (String p : paths) {
        String vx = x.tree().get(p), vy = y.tree().get(p);
        if (vx == null || !vx.equals(vy)) {
          return "first differing path " + p + ": a " + vx + ", b " + vy;
        }
      }
    }
    if (r[0].equals("fsck-differs")) return "a " + x.fsck() + ", b " + y.fsck();
    int at = 0;
    while (at < r[1].length() && at < r[2].length() && r[1].charAt(at) == r[2].charAt(at)) at++;
    return "first difference at char "
        + at
        + ": a \""
        + excerpt(r[1], at)
        + "\", b \""
        + excerpt(r[2], at)
        + "\"";
  }

  private static String excerpt(String s, int at) {
    return s.substring(Math.max(0, at - 20), Math.min(s.length(), at + 40)).replace("\n", "\\n");
  }

  /**
   * The first way two calls at the same place differ, counting the allowed PID and TIMING
   * differences in {@code allowed} as it goes; empty if they agree.
   */
  private static Optional<String> callDifference(
      KernelDifferentialTrace x,
      KernelDifferentialTrace y,
      Optional<Call> ox,
      Optional<Call> oy,
      Map<KernelDifferentialRule, Integer> allowed) {
    if (ox.isEmpty() || oy.isEmpty()) {
      Call c = ox.or(() -> oy).orElseThrow();
      return Optional.of(
          "calls-differ: call "
              + c.index()
              + " "
              + describe(c)
              + " returned on "
              + (ox.isPresent() ? "a" : "b")
              + " only (a ended: "
              + x.end()
              + "; b ended: "
              + y.end()
              + ")");
    }
    Call cx = ox.get(), cy = oy.get();
    String at = "call " + cx.index() + " " + describe(cx);
    if (cx.index() != cy.index()) {
      return Optional.of("calls-differ: a's next call is " + at + ", b's is call " + cy.index());
    }
    long number = cx.words()[0];
    long rx = cx.result(), ry = cy.result();
    if (isPid(number, rx) || isPid(number, ry)) {
      long px = x.pids().toCanonical(rx), py = y.pids().toCanonical(ry);
      if (rx != ry && px == py) allowed.merge(PID, 1, Integer::sum);
      rx = px;
      ry = py;
    }
    if (number == SYS_uptime && rx >= 0 && ry >= 0 && rx != ry) {
      allowed.merge(TIMING, 1, Integer::sum);
      rx = ry;
    }
    if (rx != ry) {
      return Optional.of(
          "result-differs: " + at + " returned " + cx.result() + " on a, " + cy.result() + " on b");
    }
    Optional<String> w = writeDifference(cx.writes(), cy.writes());
    if (w.isPresent()) return Optional.of("write-differs: " + at + ": " + w.get());
    if (cx.pages() != cy.pages()) {
      return Optional.of(
          "size-differs: " + at + ": " + cx.pages() + " pages on a, " + cy.pages() + " on b");
    }
    return Optional.empty();
  }

  /** Whether a result of this call is a pid (fork's in the parent, getpid's, wait's). */
  private static boolean isPid(long number, long result) {
    return result > 0 && (number == SYS_fork || number == SYS_getpid || number == SYS_wait);
  }

  private static Optional<String> writeDifference(List<Write> a, List<Write> b) {
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      Write wa = i < a.size() ? a.get(i) : null, wb = i < b.size() ? b.get(i) : null;
      if (wa != null
          && wb != null
          && wa.va() == wb.va()
          && java.util.Arrays.equals(wa.bytes(), wb.bytes())) {
        continue;
      }
      return Optional.of("first differing write: a " + show(wa) + ", b " + show(wb));
    }
    return Optional.empty();
  }

  private static String show(Write w) {
    if (w == null) return "none";
    byte[] b = w.bytes();
    String hex = HexFormat.of().formatHex(b, 0, Math.min(b.length, 16));
    return b.length
        + " bytes at 0x"
        + Long.toHexString(w.va())
        + " ("
        + hex
        + (b.length > 16 ? "..." : "")
        + ")";
  }

  /** The rule that allows two calls to differ, if one does. */
  private static Optional<KernelDifferentialRule> ruleFor(
      Optional<Call> ox, Optional<Call> oy, boolean forked) {
    if (ox.isPresent() && oy.isPresent()) {
      long number = ox.get().words()[0];
      if (number == SYS_checkpoint || number == SYS_restore) return Optional.of(PROJECT_CALLS);
    }
    if (forked) return Optional.of(SCHEDULE);
    if (ox.isEmpty() || oy.isEmpty()) return Optional.empty();
    Call cx = ox.get(), cy = oy.get();
    long number = cx.words()[0];
    if (number == SYS_sbrk
        && cx.words()[2] == LAZY
        && cx.words()[1] >= 0
        && cx.result() == cy.result()
        && cx.pages() != cy.pages()) {
      return Optional.of(LAZY_SBRK);
    }
    boolean allocates =
        number == SYS_fork || number == SYS_sbrk || number == SYS_exec || number == SYS_pipe;
    if (allocates && (cx.result() == -1) != (cy.result() == -1)) {
      return Optional.of(OUT_OF_MEMORY);
    }
    return Optional.empty();
  }

  private static String describe(Call c) {
    long[] w = c.words();
    String name =
        w[0] >= 1 && w[0] <= SYS_MAX ? xv6ckpt.testkit.Xv6Abi.name((int) w[0]) : "sys#" + w[0];
    StringBuilder s = new StringBuilder(name).append('(');
    for (int i = 1; i < 7; i++)
      s.append(i == 1 ? "" : ", ").append("0x").append(Long.toHexString(w[i]));
    return s.append(')').toString();
  }
}
