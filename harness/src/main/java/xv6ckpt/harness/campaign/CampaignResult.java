package xv6ckpt.harness.campaign;

import java.util.List;

/**
 * What a campaign learned, as written to {@code report.json} and drawn by {@link Report}.
 * Samples are {@code [elapsed seconds, executions, executions/s, coverage]} as libFuzzer last
 * printed them. {@code interrupted}: stopped early (Ctrl-C); targets not yet started then are
 * absent.
 */
public record CampaignResult(String started, boolean interrupted, List<TargetRun> targets) {
  /**
   * One target's run. {@code exitCode}: the driver's (0 done, 77 findings); {@code stopped}: its
   * driver was stopped by an interrupt; {@code broken}: it exited otherwise (it did not start,
   * or died), see the driver log.
   */
  public record TargetRun(String name, long seconds, int exitCode, boolean stopped,
      boolean broken, List<double[]> samples, long executions, List<FindingRow> findings,
      int corpusBefore, int corpusAfter) {}

  /**
   * One distinct failure seen in the run. {@code isNew}: not in the findings store before (now
   * stored as open); {@code regressed}: stored with status fixed, and failing again.
   */
  public record FindingRow(String stackHash, String rule, String summary, boolean isNew,
      boolean regressed, String dir) {}

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
   * What the campaign command exits with: 1 when there is something to look at (a new finding,
   * a fixed one found again, a driver that did not run), else 0.
   */
  public int exitCode() {
    return newFindings() > 0 || regressions() > 0 || !brokenTargets().isEmpty() ? 1 : 0;
  }

  private java.util.stream.Stream<FindingRow> rows() {
    return targets.stream().flatMap(t -> t.findings().stream());
  }
}
