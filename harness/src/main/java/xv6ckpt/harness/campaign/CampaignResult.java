package xv6ckpt.harness.campaign;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a campaign learned, as written to {@code report.json} and drawn by {@link Report}. Samples
 * are {@code [elapsed seconds, executions, executions/s, coverage]} as libFuzzer last printed them.
 * {@code interrupted}: stopped early (Ctrl-C); targets not yet started then are absent.
 */
public record CampaignResult(String started, boolean interrupted, List<TargetRun> targets) {
  /**
   * One target's run. {@code exitCode}: the driver's (0 done, 77 findings); {@code stopped}: its
   * driver was stopped by an interrupt; {@code broken}: it exited otherwise (it did not start, or
   * died), see the driver log. {@code acceptedPanics}: the accepted panics (harness {@code
   * Verdicts.ACCEPTED_PANICS}) its inputs met, by message, each once: passes, not findings, but
   * counted by name (null in a report written before they were counted). {@code kernelFunctions}:
   * for a target on a C kernel, the kernel and the functions of its ELF that the seeds and the
   * inputs the run learned reach ("KERNEL: kernel functions reached: K of N" and the names); null
   * on the Java kernel, after an interrupt, and in older reports.
   */
  public record TargetRun(
      String name,
      long seconds,
      int exitCode,
      boolean stopped,
      boolean broken,
      List<double[]> samples,
      long executions,
      List<FindingRow> findings,
      int corpusBefore,
      int corpusAfter,
      List<String> acceptedPanics,
      String kernelFunctions) {}

  /**
   * One distinct failure seen in the run. {@code isNew}: not in the findings store before (now
   * stored as open); {@code regressed}: stored with status fixed, and failing again.
   */
  public record FindingRow(
      String stackHash,
      String rule,
      String summary,
      boolean isNew,
      boolean regressed,
      String dir) {}

  /**
   * The categories the summary counts failures in, in the order it prints them: a Java exception
   * escaping the code under test (or caught by the kernel as a "kernel bug" panic), a kernel panic,
   * a broken kernel-wide invariant (checked at every system call return), fsck violations, leaked
   * pages, and every other rule of an oracle.
   */
  public static final List<String> CATEGORIES =
      List.of("exceptions", "panics", "invariants", "fsck errors", "leaks", "other");

  /** The category of a finding's rule (see {@link #CATEGORIES}). */
  public static String category(String rule) {
    return switch (rule) {
      case "java-exception" -> "exceptions";
      case "panic" -> "panics";
      case "invariant" -> "invariants";
      case "fsck", "fsck-after" -> "fsck errors";
      case "page-leak" -> "leaks";
      default -> "other";
    };
  }

  /**
   * A target's distinct failures (stack hashes) per category, every category present: the targets
   * count no passing checks, so a 0 here means that no execution of the run failed that check (each
   * failing input becomes a finding row of its category).
   */
  public static Map<String, Integer> byCategory(TargetRun t) {
    Map<String, Integer> out = new LinkedHashMap<>();
    CATEGORIES.forEach(c -> out.put(c, 0));
    t.findings().forEach(f -> out.merge(category(f.rule()), 1, Integer::sum));
    return out;
  }

  /**
   * One line: "N executions; exceptions 0, panics 0, invariants 0, fsck errors 0, leaks 0, other
   * 0", then "; accepted panic: MESSAGE" for each accepted panic met.
   */
  public static String tally(TargetRun t) {
    StringBuilder b =
        new StringBuilder(String.format(Locale.ROOT, "%,d executions", t.executions()));
    String sep = "; ";
    for (Map.Entry<String, Integer> e : byCategory(t).entrySet()) {
      b.append(sep).append(e.getKey()).append(' ').append(e.getValue());
      sep = ", ";
    }
    if (t.acceptedPanics() != null) {
      t.acceptedPanics().forEach(a -> b.append("; accepted panic: ").append(a));
    }
    return b.toString();
  }

  public int newFindings() {
    return (int) rows().filter(FindingRow::isNew).count();
  }

  public int regressions() {
    return (int) rows().filter(FindingRow::regressed).count();
  }

  public List<String> brokenTargets() {
    return targets.stream().filter(TargetRun::broken).map(TargetRun::name).toList();
  }

  /**
   * What the campaign command exits with: 1 when there is something to look at (a new finding, a
   * fixed one found again, a driver that did not run), else 0.
   */
  public int exitCode() {
    return newFindings() > 0 || regressions() > 0 || !brokenTargets().isEmpty() ? 1 : 0;
  }

  private java.util.stream.Stream<FindingRow> rows() {
    return targets.stream().flatMap(t -> t.findings().stream());
  }
}
