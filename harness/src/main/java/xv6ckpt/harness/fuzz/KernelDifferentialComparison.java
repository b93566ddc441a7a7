package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.KernelDifferentialRule.*;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import xv6ckpt.harness.fuzz.KernelDifferentialTrace.Call;
import xv6ckpt.harness.fuzz.KernelDifferentialTrace.Write;

/**
 * The comparison of two kernels' traces of one input (harness README, "kernel-differential"):
 * process by process, each process's calls in table order, then how the run ended, the console, the
 * file tree and fsck. A difference is allowed only by a {@link KernelDifferentialRule}; the first
 * other difference is the finding.
 *
 * <p>Processes are compared by name (the fork that made them), parents before children. A rule that
 * leaves the two processes in different states (a read that got other bytes, an open that failed on
 * one side) ends the comparison of that process and of the children it forks from that call on; one
 * that does not (kill's result, wait's choice of child with no status written) lets it go on.
 */
final class KernelDifferentialComparison {
  /** A difference no rule allows: its rule name for the finding and the report's line. */
  record Finding(String rule, String detail) {}

  /**
   * What comparing two traces found: the allowed differences by rule, the first finding, the calls
   * and processes compared, the processes whose comparison a rule ended ({@code stopped}, "name at
   * call i: rule") or that a side stopped recording while they lived ({@code unjudged}, "name past
   * call i"), and whether the console and disk were judged ({@code toTheEnd}).
   */
  record Result(
      Map<KernelDifferentialRule, Integer> allowed,
      Optional<Finding> finding,
      int calls,
      int processes,
      List<String> stopped,
      List<String> unjudged,
      List<String> notes,
      boolean toTheEnd) {}

  /** sbrk's lazy mode (current xv6-riscv's SBRK_LAZY), as its second argument. */
  static final long LAZY = 2;

  private final KernelDifferentialTrace x, y;
  private final Map<KernelDifferentialRule, Integer> allowed =
      new EnumMap<>(KernelDifferentialRule.class);
  private final List<String> notes = new ArrayList<>();
  private final List<String> stopped = new ArrayList<>();
  private final List<String> unjudged = new ArrayList<>();

  /** Per process name, the table index its comparison ended at (children forked there on: not). */
  private final Map<String, Integer> stoppedAt = new HashMap<>();

  /** The rules that ended a process's comparison, in order. */
  private final List<KernelDifferentialRule> stopRules = new ArrayList<>();

  /** Per child's name, its parent's descriptors at the fork (xv6's fork copies the table). */
  private final Map<String, Fds> inherited = new HashMap<>();

  /**
   * The processes that changed a file or directory on either side ({@link #changesFiles}): while
   * one runs beside a process, that process's reads of any inode may see its changes.
   */
  private final Set<String> writers = new TreeSet<>();

  private int calls, processes;

  private KernelDifferentialComparison(KernelDifferentialTrace x, KernelDifferentialTrace y) {
    this.x = x;
    this.y = y;
  }

  static Result of(KernelDifferentialTrace x, KernelDifferentialTrace y) {
    return new KernelDifferentialComparison(x, y).run();
  }

  private Result run() {
    writers.addAll(writers(x));
    writers.addAll(writers(y));
    for (String name : names()) {
      Optional<Finding> f = process(name);
      if (f.isPresent()) return result(f, true);
    }
    if (!unjudged.isEmpty()) return result(Optional.empty(), false); // the rest is unfinished
    return rest();
  }

  private Result result(Optional<Finding> f, boolean toTheEnd) {
    return new Result(allowed, f, calls, processes, stopped, unjudged, notes, toTheEnd);
  }

  /** The processes of {@code t} that changed a file or directory ({@link #changesFiles}). */
  private Set<String> writers(KernelDifferentialTrace t) {
    Set<String> out = new TreeSet<>();
    Map<String, Fds> tables = new HashMap<>();
    for (String name : names()) {
      Fds fds = tables.getOrDefault(name, Fds.console());
      for (Call c : t.procs().getOrDefault(name, List.of())) {
        if (changesFiles(c, fds)) out.add(name);
        fds.apply(c);
        if (c.words()[0] == SYS_fork && c.result() > 0) {
          tables.put(name + "/" + c.index(), fds.copy());
        }
      }
    }
    return out;
  }

  /**
   * Whether {@code c} changed a file's bytes or a directory: a write to an inode, an open that
   * creates or truncates, mkdir, mknod, link, unlink, or a checkpoint (ours writes an image file).
   */
  static boolean changesFiles(Call c, Fds fds) {
    long n = c.words()[0], r = c.result();
    if (n == SYS_write) return r > 0 && fds.kind(c.words()[1]) == Fds.Kind.INODE;
    if (n == SYS_open) return r >= 0 && (c.words()[2] & (O_CREATE | O_TRUNC)) != 0;
    boolean names =
        n == SYS_mkdir || n == SYS_mknod || n == SYS_link || n == SYS_unlink || n == SYS_checkpoint;
    return names && r >= 0;
  }

  /** Whether a process other than {@code name} changed a file or directory on either side. */
  private boolean othersWrote(String name) {
    return writers.stream().anyMatch(w -> !w.equals(name));
  }

  /** Every process of either side, parents before children, siblings by fork index. */
  private List<String> names() {
    Set<String> all = new TreeSet<>(BY_PATH);
    all.addAll(x.procs().keySet());
    all.addAll(y.procs().keySet());
    return new ArrayList<>(all);
  }

  private static final Comparator<String> BY_PATH = (a, b) -> Arrays.compare(path(a), path(b));

  /** A name as its fork indices ("server/2/5" is [2, 5]). */
  private static int[] path(String name) {
    String[] parts = name.split("/");
    int[] out = new int[parts.length - 1];
    for (int i = 1; i < parts.length; i++) out[i - 1] = Integer.parseInt(parts[i]);
    return out;
  }

  private static Optional<String> parent(String name) {
    int at = name.lastIndexOf('/');
    return at < 0 ? Optional.empty() : Optional.of(name.substring(0, at));
  }

  // ---------------------------------------------------------------- one process

  private Optional<Finding> process(String name) {
    Optional<String> parent = parent(name);
    if (parent.isPresent()) {
      Integer stop = stoppedAt.get(parent.get());
      int[] p = path(name);
      if (stop != null && stop <= p[p.length - 1]) {
        stoppedAt.put(name, -1); // forked after its parent's comparison ended: not compared
        return Optional.empty();
      }
    }
    processes++;
    Fds fds = inherited.getOrDefault(name, Fds.console());
    List<Call> a = x.procs().getOrDefault(name, List.of());
    List<Call> b = y.procs().getOrDefault(name, List.of());
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      Call ca = i < a.size() ? a.get(i) : null, cb = i < b.size() ? b.get(i) : null;
      if (ca == null || cb == null || ca.index() != cb.index()) {
        return oneSided(name, ca, cb, fds);
      }
      calls++;
      Optional<String> d = difference(name, ca, cb);
      if (d.isPresent()) {
        Optional<KernelDifferentialRule> r = ruleFor(name, ca, cb, fds);
        String failed = shortageNote(ca, cb);
        if (r.isEmpty()) return Optional.of(finding(d.get() + failed, name));
        allow(r.get(), name + ": " + d.get() + (r.get() == OUT_OF_MEMORY ? failed : ""));
        if (ends(r.get(), ca, cb)) {
          stop(name, ca.index(), r.get());
          return Optional.empty();
        }
      }
      fds.apply(ca);
      if (ca.words()[0] == SYS_fork && ca.result() > 0) {
        inherited.put(name + "/" + ca.index(), fds.copy());
      }
    }
    return Optional.empty();
  }

  private static Finding finding(String d, String name) {
    String rule = d.split(":")[0];
    return new Finding(rule, rule + ": " + name + ", " + d.substring(rule.length() + 2));
  }

  private void allow(KernelDifferentialRule r, String note) {
    allowed.merge(r, 1, Integer::sum);
    notes.add(r.label() + ": " + note);
  }

  private void stop(String name, int index, KernelDifferentialRule r) {
    stoppedAt.put(name, index);
    stopRules.add(r);
    stopped.add(name + " at call " + index + ": " + r.label());
  }

  /**
   * A call returned on one side only (or the sides' next calls are different entries): allowed
   * where that side's process was killed, where exec replaced it on the other, or where the side
   * stopped recording while its family still ran (then nothing past it is judged).
   */
  private Optional<Finding> oneSided(String name, Call ca, Call cb, Fds fds) {
    boolean aShort = ca == null || (cb != null && cb.index() < ca.index());
    KernelDifferentialTrace s = aShort ? x : y;
    Call c = aShort ? cb : ca;
    if (s.killed().contains(name)) {
      allow(KILL, name + ": killed on " + side(s) + " before call " + c.index());
      stop(name, c.index(), KILL);
      return Optional.empty();
    }
    if (s.killed().contains("pid 0")) {
      allow(KILL_PID_ZERO, name + ": ended on " + side(s) + " before call " + c.index());
      stop(name, c.index(), KILL_PID_ZERO);
      return Optional.empty();
    }
    boolean execFailed = c.words()[0] == SYS_exec && c.result() == -1;
    Optional<String> scarce = execFailed ? shortage(c) : Optional.empty();
    boolean renamed = c.concurrent() && othersWrote(name);
    if (execFailed && (renamed || scarce.isPresent())) {
      // exec succeeded on the short side: the name existed there, or memory sufficed
      KernelDifferentialRule r = renamed ? NAMESPACE : OUT_OF_MEMORY;
      String why = renamed ? "" : " (" + scarce.get() + ")";
      allow(
          r,
          name + ": call " + c.index() + " exec failed on " + side(s == x ? y : x) + " only" + why);
      stop(name, c.index(), r);
      return Optional.empty();
    }
    if (!s.end().startsWith("family gone")) {
      unjudged.add(name + " past call " + c.index());
      stoppedAt.put(name, c.index());
      return Optional.empty();
    }
    if (s.lostBirths() > 0 && s.procs().getOrDefault(name, List.of()).isEmpty()) {
      // the side could not name some children (identical parents): this one may be among them
      unjudged.add(name + " (" + s.lostBirths() + " unnamed births on " + side(s) + ")");
      stoppedAt.put(name, c.index());
      return Optional.empty();
    }
    String detail =
        "calls-differ: call "
            + c.index()
            + " "
            + describe(c)
            + " returned on "
            + side(s == x ? y : x)
            + " only"
            + (execFailed ? " (not short: " + c.supply() + ")" : "")
            + " (a ended: "
            + x.end()
            + "; b ended: "
            + y.end()
            + ")";
    return Optional.of(finding(detail, name));
  }

  private String side(KernelDifferentialTrace t) {
    return t == x ? "a" : "b";
  }

  /**
   * " (b: why)" where one of two allocating calls failed alone: why its side was short, or that it
   * was not, with the figures; "" otherwise.
   */
  private static String shortageNote(Call ca, Call cb) {
    Optional<Call> failed = failedAlone(ca, cb);
    if (failed.isEmpty()) return "";
    Call c = failed.get();
    String why = shortage(c).orElse("not short: " + c.supply());
    return " (" + (c == ca ? "a" : "b") + ": " + why + ")";
  }

  /** The call that returned -1 where the other did not, if these are allocating calls. */
  private static Optional<Call> failedAlone(Call cx, Call cy) {
    if (!KernelDifferentialTrace.allocating(cx.words()[0])) return Optional.empty();
    if ((cx.result() == -1) == (cy.result() == -1)) return Optional.empty();
    return Optional.of(cx.result() == -1 ? cx : cy);
  }

  /**
   * Why the side of {@code failed}, an allocating call that returned -1, was short of what it
   * needed (OUT_OF_MEMORY's evidence), or, where that side does not show the figure, that this is
   * unverified (also where other processes ran during the call); empty when it had enough: a fork
   * with a free process slot, a pipe with two free open-file entries, and every one of them with at
   * least the pages it could need ({@link KernelDifferentialTrace#need}). Then the -1 is no
   * kernel's limit but a difference.
   */
  static Optional<String> shortage(Call failed) {
    KernelDifferentialTrace.Supply s = failed.supply();
    if (s == null) return Optional.of("unverified: nothing recorded of what was left");
    long n = failed.words()[0];
    if (n == SYS_fork && s.slots() == 0) return Optional.of("no free process slot");
    if (n == SYS_pipe && s.files() >= 0 && s.files() < 2) {
      return Optional.of(s.files() + " free open-file entries");
    }
    if (n == SYS_open && s.files() == 0) return Optional.of("no free open-file entry");
    if (s.pages() >= 0 && s.need() >= 0 && s.pages() < s.need()) {
      return Optional.of(s.pages() + " free pages, the call needs up to " + s.need());
    }
    boolean unknown =
        !s.alone()
            || s.pages() < 0
            || s.need() < 0
            || (n == SYS_fork && s.slots() < 0)
            || (n == SYS_pipe && s.files() < 0);
    return unknown ? Optional.of("unverified: " + s) : Optional.empty();
  }

  /**
   * The first way two calls at the same place differ, counting the allowed PID and TIMING
   * differences as it goes; empty if they agree.
   */
  private Optional<String> difference(String name, Call cx, Call cy) {
    String at = "call " + cx.index() + " " + describe(cx);
    long number = cx.words()[0];
    long rx = cx.result(), ry = cy.result();
    boolean sameResult = rx == ry;
    if (cx.named() != null || cy.named() != null) {
      sameResult = String.valueOf(cx.named()).equals(String.valueOf(cy.named()));
      if (sameResult && rx != ry) allowed.merge(PID, 1, Integer::sum);
    } else if (number == SYS_uptime && rx >= 0 && ry >= 0 && rx != ry) {
      allowed.merge(TIMING, 1, Integer::sum);
      sameResult = true;
    }
    if (!sameResult) {
      return Optional.of(
          "result-differs: " + at + " returned " + shown(cx) + " on a, " + shown(cy) + " on b");
    }
    if (number == SYS_getpid && !name.equals(cx.named())) {
      return Optional.of("result-differs: " + at + " returned " + shown(cx) + " on both");
    }
    Optional<String> w = writeDifference(cx.writes(), cy.writes());
    if (w.isPresent()) return Optional.of("write-differs: " + at + ": " + w.get());
    if (cx.pages() != cy.pages()) {
      return Optional.of(
          "size-differs: " + at + ": " + cx.pages() + " pages on a, " + cy.pages() + " on b");
    }
    return Optional.empty();
  }

  private static String shown(Call c) {
    return c.named() == null ? "" + c.result() : c.result() + " (" + c.named() + ")";
  }

  /** The rule that allows two calls at the same place of process {@code name} to differ. */
  private Optional<KernelDifferentialRule> ruleFor(String name, Call cx, Call cy, Fds fds) {
    long number = cx.words()[0];
    if (number == SYS_checkpoint || number == SYS_restore) return Optional.of(PROJECT_CALLS);
    if (number == SYS_sbrk
        && cx.words()[2] == LAZY
        && cx.words()[1] >= 0
        && cx.result() == cy.result()
        && cx.pages() != cy.pages()) {
      return Optional.of(LAZY_SBRK);
    }
    Optional<Call> failed = failedAlone(cx, cy);
    if (failed.isPresent()) {
      return shortage(failed.get()).isPresent() ? Optional.of(OUT_OF_MEMORY) : Optional.empty();
    }
    if (number == SYS_fstat
        && cx.result() == 0
        && cy.result() == 0
        && writeDifference(cx.writes(), cy.writes(), cx.words()[2] + 12, 4).isEmpty()) {
      return Optional.of(STAT_PADDING);
    }
    if (number == SYS_kill
        && cx.words()[1] == 0
        && Math.min(cx.result(), cy.result()) == -1
        && Math.max(cx.result(), cy.result()) == 0) {
      return Optional.of(KILL_PID_ZERO); // one 0, the other -1
    }
    if (!cx.concurrent() && !cy.concurrent()) return Optional.empty();
    if (number == SYS_kill) return Optional.of(KILL);
    if (number == SYS_wait) return waitRule(name, cx, cy);
    long fd = cx.words()[1];
    Fds.Kind kind = fds.kind(fd);
    // what a sibling can have done to this descriptor's file: moved the offset it shares, or
    // changed the inode (the console is everyone's)
    boolean touched =
        kind == Fds.Kind.CONSOLE
            || (kind == Fds.Kind.INODE && (fds.shared(fd) || othersWrote(name)));
    if (number == SYS_read || number == SYS_write) {
      long n = cx.words()[3];
      boolean inRange = inRange(cx.result(), n) && inRange(cy.result(), n);
      if (kind == Fds.Kind.PIPE && inRange) return Optional.of(PIPE);
      if (touched && inRange) return Optional.of(SHARED_FILE);
      return Optional.empty();
    }
    if (number == SYS_fstat && touched && cx.result() == cy.result()) {
      return Optional.of(SHARED_FILE);
    }
    boolean path =
        number == SYS_open
            || number == SYS_mkdir
            || number == SYS_mknod
            || number == SYS_unlink
            || number == SYS_link
            || number == SYS_chdir;
    if (!path || (cx.result() == -1) == (cy.result() == -1)) return Optional.empty();
    if (othersWrote(name)) return Optional.of(NAMESPACE);
    // nothing of the family changed a name: an open may still have found the file table full
    Call refused = cx.result() == -1 ? cx : cy;
    boolean full = number == SYS_open && refused.supply() != null && refused.supply().files() == 0;
    return full ? Optional.of(OUT_OF_MEMORY) : Optional.empty();
  }

  /** A read's or write's result: -1 or a count up to what was asked for. */
  private static boolean inRange(long result, long n) {
    return result == -1 || (result >= 0 && (n < 0 || result <= n));
  }

  /**
   * wait: another child of the caller (WAIT_ORDER), or the same child with another status where a
   * kill found it on a side (KILL: it exited -1 there).
   */
  private Optional<KernelDifferentialRule> waitRule(String name, Call cx, Call cy) {
    boolean children = childOf(name, cx.named()) && childOf(name, cy.named());
    if (!children) return Optional.empty();
    if (!cx.named().equals(cy.named())) return Optional.of(WAIT_ORDER);
    boolean killed = x.killed().contains(cx.named()) || y.killed().contains(cx.named());
    return killed ? Optional.of(KILL) : Optional.empty();
  }

  private static boolean childOf(String parent, String child) {
    return child != null
        && child.startsWith(parent + "/")
        && child.indexOf('/', parent.length() + 1) < 0;
  }

  /** Whether an allowed difference leaves the two processes in different states. */
  private static boolean ends(KernelDifferentialRule r, Call cx, Call cy) {
    long number = cx.words()[0];
    boolean memory =
        writeDifference(cx.writes(), cy.writes()).isPresent() || cx.pages() != cy.pages();
    return switch (r) {
      case PID, TIMING, KILL_PID_ZERO, STAT_PADDING -> false;
      case PROJECT_CALLS, OUT_OF_MEMORY, LAZY_SBRK -> true;
      case PIPE, SHARED_FILE, WAIT_ORDER, KILL, SCHEDULE -> memory;
      case NAMESPACE -> memory || number == SYS_open || number == SYS_chdir;
    };
  }

  // ---------------------------------------------------------------- after the calls

  /**
   * How the run ended, the console, the file tree and fsck. Where the family ran side by side or a
   * process's comparison ended early, the first three may differ (under the rule that ended it,
   * else SCHEDULE); the console must still hold the same bytes in some order when every process was
   * compared to its end and no kill found one. A panic xv6 does not have and fsck's verdict are
   * always judged.
   */
  private Result rest() {
    boolean concurrent = concurrent(x) || concurrent(y);
    boolean complete = stopRules.isEmpty() && x.killed().isEmpty() && y.killed().isEmpty();
    KernelDifferentialRule rule = stopRules.isEmpty() ? SCHEDULE : stopRules.get(0);
    boolean loose = concurrent || !stopRules.isEmpty();
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
      boolean bytesDiffer =
          r[0].equals("console-differs") && complete && !sorted(r[1]).equals(sorted(r[2]));
      if (loose && !fsck && !panic && !bytesDiffer) {
        allow(rule, r[0] + ": " + where(r));
        continue;
      }
      String why = bytesDiffer ? " (not the same bytes in another order)" : "";
      return result(Optional.of(new Finding(r[0], r[0] + ": " + where(r) + why)), true);
    }
    return result(Optional.empty(), toTheEnd);
  }

  private static boolean concurrent(KernelDifferentialTrace t) {
    return t.procs().size() > 1
        || t.procs().values().stream().flatMap(List::stream).anyMatch(Call::concurrent);
  }

  private static String sorted(String s) {
    char[] c = s.toCharArray();
    Arrays.sort(c);
    return new String(c);
  }

  /**
   * How the run ended, without what depends on the kernel's setup and speed: a family still there
   * when recording stopped (asleep for ever on the Java kernel, which goes idle; still ticking on a
   * C kernel) is "still running", and how leftovers were ended (our kills, the reaper) is dropped;
   * a panic, in the run or while ending leftovers, stays.
   */
  static String end(String end) {
    int panic = end.indexOf("panic: ");
    if (panic >= 0) return end.substring(panic);
    String first = end.split(", ")[0];
    return first.equals("family gone") ? first : "still running";
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

  /**
   * The family's console with pids in xv6's messages masked (PID), and the explanation of a
   * checkpoint or restore refusal: FORMAT.md asks for one console line naming the rule and its code
   * ("restore: RESTORE_NO_FILE (-40): "), and leaves what follows to each kernel's wording. trap.c
   * usertrap's two lines for an unexpected trap get their numbers in one form: f5b93ef prints them
   * with %p (0x and 16 digits), later xv6-riscv and our kernel with %lx (found by a 150 s
   * kernel-differential campaign on f5b93ef, session 14: a pipe's fds written over the server's
   * code, then an illegal instruction).
   */
  static String console(KernelDifferentialTrace t) {
    String c =
        t.console()
            .replaceAll("(?m)^\\d+ (\\S+): unknown sys call", "N $1: unknown sys call")
            .replaceAll(
                "(?m)^(checkpoint|restore): ([A-Z_]+) \\((-\\d+)\\): .*$", "$1: $2 ($3): ...");
    return USERTRAP
        .matcher(c)
        .replaceAll(
            m ->
                java.util.regex.Matcher.quoteReplacement(
                    "usertrap(): unexpected scause 0x"
                        + hex(m.group(1))
                        + " pid=N\n"
                        + m.group(2)
                        + "sepc=0x"
                        + hex(m.group(3))
                        + " stval=0x"
                        + hex(m.group(4))));
  }

  private static final java.util.regex.Pattern USERTRAP =
      java.util.regex.Pattern.compile(
          "usertrap\\(\\): unexpected scause 0x([0-9a-f]{1,16}) pid=\\d+\\n"
              + "( *)sepc=0x([0-9a-f]{1,16}) stval=0x([0-9a-f]{1,16})");

  /** A hexadecimal number without leading zeros. */
  private static String hex(String digits) {
    return Long.toHexString(Long.parseUnsignedLong(digits, 16));
  }

  private String where(String[] r) {
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
   * {@link #writeDifference(List, List)} but for the {@code len} bytes from {@code va}, which may
   * differ.
   */
  static Optional<String> writeDifference(List<Write> a, List<Write> b, long va, int len) {
    return bytesOutside(a, va, len).equals(bytesOutside(b, va, len))
        ? Optional.empty()
        : writeDifference(a, b);
  }

  /** The written bytes by address, but those in [va, va + len). */
  private static Map<Long, Byte> bytesOutside(List<Write> writes, long va, int len) {
    Map<Long, Byte> out = new TreeMap<>();
    for (Write w : writes) {
      for (int i = 0; i < w.bytes().length; i++) {
        long at = w.va() + i;
        if (at - va < 0 || at - va >= len) out.put(at, w.bytes()[i]);
      }
    }
    return out;
  }

  static Optional<String> writeDifference(List<Write> a, List<Write> b) {
    for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
      Write wa = i < a.size() ? a.get(i) : null, wb = i < b.size() ? b.get(i) : null;
      if (wa != null && wb != null && wa.va() == wb.va() && Arrays.equals(wa.bytes(), wb.bytes())) {
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

  static String describe(Call c) {
    long[] w = c.words();
    String name =
        w[0] >= 1 && w[0] <= SYS_MAX ? xv6ckpt.testkit.Xv6Abi.name((int) w[0]) : "sys#" + w[0];
    StringBuilder s = new StringBuilder(name).append('(');
    for (int i = 1; i < 7; i++) {
      s.append(i == 1 ? "" : ", ").append("0x").append(Long.toHexString(w[i]));
    }
    return s.append(')').toString();
  }

  /**
   * A process's open descriptors as its calls made them, to tell a pipe's read from a file's: xv6's
   * fdalloc gives the lowest free descriptor (sysfile.c), so pipe's two are the two lowest free,
   * open's and dup's the result; fork copies the table. Descriptors 0-2 are the console, and so are
   * their dups. A descriptor open at a fork is {@linkplain #shared shared}: parent and child hold
   * one open file, one offset (a dup of it too).
   */
  static final class Fds {
    enum Kind {
      CONSOLE,
      INODE,
      PIPE,
      NONE
    }

    static final int NOFILE = 16;

    private final TreeMap<Long, Kind> open = new TreeMap<>();
    private final Set<Long> shared = new TreeSet<>();

    static Fds console() {
      Fds f = new Fds();
      for (long fd = 0; fd < 3; fd++) f.open.put(fd, Kind.CONSOLE);
      return f;
    }

    Fds copy() {
      Fds f = new Fds();
      f.open.putAll(open);
      f.shared.addAll(shared);
      return f;
    }

    Kind kind(long fd) {
      return open.getOrDefault(fd, Kind.NONE);
    }

    /** Whether {@code fd}'s open file was open at a fork: another process may share its offset. */
    boolean shared(long fd) {
      return shared.contains(fd);
    }

    /** What a call that returned as {@code c} did to the table. */
    void apply(Call c) {
      long n = c.words()[0], r = c.result();
      if (r < 0) return;
      if (n == SYS_open) open.put(r, Kind.INODE);
      if (n == SYS_dup) {
        open.put(r, kind(c.words()[1]));
        if (shared(c.words()[1])) shared.add(r); // the same open file
      }
      if (n == SYS_close) {
        open.remove(c.words()[1]);
        shared.remove(c.words()[1]); // the number is free: what takes it next is a new file
      }
      if (n == SYS_fork && r > 0) shared.addAll(open.keySet());
      if (n == SYS_pipe) {
        for (int ends = 0; ends < 2; ends++) open.put(lowestFree(), Kind.PIPE);
      }
    }

    private long lowestFree() {
      long fd = 0;
      while (open.containsKey(fd)) fd++;
      return fd;
    }
  }
}
