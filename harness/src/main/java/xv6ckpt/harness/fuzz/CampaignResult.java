package xv6ckpt.harness.fuzz;

import java.util.List;

/**
 * What a campaign learned, as written to {@code campaign.json} and drawn by {@link Report}.
 * Samples are {@code [elapsed seconds, executions, executions/s, coverage]} as libFuzzer last
 * printed them.
 */
public record CampaignResult(String started, List<TargetRun> targets) {
  /** One target's run. {@code exitCode}: the driver's (0 done, 77 findings, other: broken). */
  public record TargetRun(String name, long seconds, int exitCode, List<double[]> samples,
      long executions, List<FindingRow> findings, int corpusBefore, int corpusAfter) {}

  /** One distinct failure seen in the run; {@code isNew}: not in the store before. */
  public record FindingRow(String stackHash, String rule, String summary, boolean isNew,
      String dir) {}

  public int newFindings() {
    return (int) targets.stream().flatMap(t -> t.findings().stream())
        .filter(FindingRow::isNew).count();
  }
}
