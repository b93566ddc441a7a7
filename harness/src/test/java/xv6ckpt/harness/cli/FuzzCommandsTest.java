package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.harness.campaign.CampaignResult;
import xv6ckpt.harness.campaign.Findings;
import xv6ckpt.harness.campaign.Report;
import xv6ckpt.harness.fuzz.FuzzTarget;
import xv6ckpt.harness.fuzz.PlantedBugTarget;

/**
 * campaign, replay and report as a user meets them: exit codes, where the report goes, what is
 * printed, and Ctrl-C (SIGINT to the command's own JVM) keeping what the campaign did.
 */
class FuzzCommandsTest extends CommandTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path dir;

  private static CampaignResult campaign() {
    CampaignResult.FindingRow row =
        new CampaignResult.FindingRow(
            "00deadbeef00cafe",
            "planted",
            "planted: the bytes BUG at offset 0",
            true,
            false,
            "corpus/findings/x/00deadbeef00cafe");
    return new CampaignResult(
        "2026-11-25T15:00:00Z",
        false,
        List.of(
            new CampaignResult.TargetRun(
                "restore-image",
                30,
                0,
                false,
                false,
                List.of(new double[] {5, 1000, 200, 17}, new double[] {10, 3000, 400, 19}),
                3000,
                List.of(row),
                48,
                50,
                List.of(),
                null)));
  }

  @Test
  void reportWritesSelfContainedHtmlAndJsonUnderATimestampFolder() throws IOException {
    Path reports = dir.resolve("reports");
    Report.write(reports.resolve("old-campaign"), campaign());

    // No --from: the newest report.json under --reports.
    assertThat(run("report", "--reports", reports.toString())).isEqualTo(0);
    String line = stdout().trim();
    assertThat(line).startsWith("report: " + reports);
    Path html = Path.of(line.substring("report: ".length()));
    assertThat(html.getFileName().toString()).isEqualTo("report.html");
    assertThat(html.getParent().getParent()).isEqualTo(reports);
    assertThat(html.getParent().getFileName().toString()).matches("\\d{8}-\\d{6}(-\\d+)?");

    String page = Files.readString(html);
    assertThat(page).doesNotContain("<script src");
    assertThat(page).doesNotContain("<link");
    assertThat(page).doesNotContain("http://");
    assertThat(page).contains("uPlot"); // the chart library, inlined
    assertThat(page).contains("00deadbeef00cafe");
    assertThat(page).contains("48 &rarr; 50");

    JsonNode json = new ObjectMapper().readTree(html.resolveSibling("report.json").toFile());
    assertThat(json.get("targets").get(0).get("name").asText()).isEqualTo("restore-image");
    assertThat(json.get("targets").get(0).get("samples").get(1).get(2).asDouble()).isEqualTo(400.0);
    CampaignResult back = Report.read(html.resolveSibling("report.json"));
    assertThat(back.newFindings()).isEqualTo(1);
    assertThat(back.targets().get(0).findings()).isEqualTo(campaign().targets().get(0).findings());
  }

  @Test
  void twoReportsInOneSecondDoNotShareAFolder() throws IOException {
    LocalDateTime t = LocalDateTime.of(2026, 11, 25, 15, 0, 1);
    Path first = Report.timestampDir(dir, t);
    assertThat(first).isEqualTo(dir.resolve("20261125-150001"));
    Files.createDirectories(first);
    assertThat(Report.timestampDir(dir, t)).isEqualTo(dir.resolve("20261125-150001-2"));
  }

  @Test
  void reportWithoutACampaignIsBadInput() {
    assertThat(run("report", "--reports", dir.toString())).isEqualTo(2);
    assertThat(stderr()).contains("no campaign under");
  }

  @Test
  void campaignRejectsBadOptions() {
    assertThat(run("campaign", "--targets", "no-such-target")).isEqualTo(2);
    assertThat(stderr()).contains("no target 'no-such-target'");
    assertThat(run("campaign", "--per-target", "soon")).isEqualTo(2);
    assertThat(run("campaign", "--max-corpus", "-1")).isEqualTo(2);
  }

  /** replay through the command, with the test-only planted target in its registry. */
  private int replay(List<xv6ckpt.harness.fuzz.FuzzTargets.Entry> registry, Path... paths) {
    ReplayCommand c = new ReplayCommand();
    c.main = new Main(new PrintStream(out, true), new PrintStream(err, true));
    c.registry = registry;
    c.reportDir = dir.resolve("replay-reports");
    c.paths = List.of(paths);
    return c.call();
  }

  @Test
  void replayExitsOneOnAnOpenFindingAndZeroOnceItIsFixed() throws IOException {
    byte[] input = "BUG".getBytes(StandardCharsets.US_ASCII);
    FuzzTarget.Verdict.Fail f =
        (FuzzTarget.Verdict.Fail) new PlantedBugTarget(PlantedBugTarget.NAME, false).run(input);
    Path finding =
        new Findings(dir.resolve("corpus"))
            .add(
                new Findings.Meta(
                    PlantedBugTarget.NAME,
                    "2026-11-25T15:00:00Z",
                    1,
                    Findings.stackHash(f),
                    Findings.OPEN,
                    f.summary()),
                input,
                "");

    assertThat(replay(PlantedBugTarget.REGISTRY, finding)).isEqualTo(1);
    assertThat(stdout()).startsWith("OPEN ");
    assertThat(Files.readString(finding.resolve("report.md")))
        .contains("./xv6ckpt replay " + finding.resolve("input"));
    assertThat(replay(PlantedBugTarget.FIXED_REGISTRY, finding)).isEqualTo(0);
  }

  @Test
  void replayOfACommittedCorpusEntryPasses() {
    Path entry = REPO.resolve("corpus/restore-image/seed-HDR_MAGIC");
    assertThat(run("replay", entry.toString())).isEqualTo(0);
    assertThat(stdout()).startsWith("PASS restore-image " + entry + ": ");
    assertThat(run("replay", dir.resolve("missing").toString())).isEqualTo(2);
  }

  /**
   * Ctrl-C: the campaign command in its own JVM gets SIGINT while its driver fuzzes; it stops the
   * driver gracefully, writes the report (marked interrupted) and prints where it is. The driver
   * runs without Jazzer's agent (--nohooks) to keep the test cheap.
   */
  @Test
  void sigintStopsTheCampaignAndStillWritesTheReport() throws Exception {
    Path corpus = Files.createDirectories(dir.resolve("corpus/decoder-differential"));
    Files.copy(REPO.resolve("corpus/decoder-differential/seed-raw-0"), corpus.resolve("a"));
    Path reportDir = dir.resolve("r");
    String cp =
        Path.of("target", "test-classes").toAbsolutePath()
            + File.pathSeparator
            + xv6ckpt.harness.campaign.Campaign.classPathOf(Path.of("target").toAbsolutePath());
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                cp,
                "xv6ckpt.harness.cli.Main",
                "campaign",
                "--targets",
                "decoder-differential",
                "--per-target",
                "300s",
                "--corpus",
                dir.resolve("corpus").toString(),
                "--report-dir",
                reportDir.toString(),
                "--max-corpus",
                "0",
                "--driver-arg=--nohooks",
                "--driver-arg=--dedup")
            .redirectError(dir.resolve("stderr").toFile())
            .start();
    String stdout;
    try {
      Path log = reportDir.resolve("work/decoder-differential/driver.log");
      for (int waited = 0; waited < 60_000 && !fuzzing(log); waited += 100) {
        Thread.sleep(100);
      }
      assertThat(fuzzing(log)).isTrue();
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
      assertThat(kill.waitFor()).isEqualTo(0);
      stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }

    assertThat(p.exitValue()).isEqualTo(130); // 128 + SIGINT: the JVM ends as interrupted
    assertThat(stdout).contains("interrupted: the report covers what ran until then");
    assertThat(stdout).contains("report: " + reportDir.resolve("report.html"));
    CampaignResult r = Report.read(reportDir.resolve("report.json"));
    assertThat(r.interrupted()).isTrue();
    assertThat(r.targets().get(0).stopped()).isTrue();
    assertThat(r.targets().get(0).executions()).isGreaterThan(0L);
    assertThat(Files.readString(dir.resolve("stderr"))).contains("campaign: interrupted");
    // The driver was stopped gracefully (SIGINT), so it recorded no false crash (SIGTERM
    // would have: libFuzzer calls a JVM exiting under it "fuzz target exited").
    Path work = reportDir.resolve("work/decoder-differential");
    assertThat(Files.readString(work.resolve("driver.log")))
        .contains("libFuzzer: exiting as requested");
    try (Stream<Path> s = Files.list(work.resolve("artifacts"))) {
      assertThat(s.toList()).isEmpty();
    }
  }

  /** Whether the driver has printed a libFuzzer status line (it is past startup). */
  private static boolean fuzzing(Path log) throws IOException {
    if (!Files.exists(log)) {
      return false;
    }
    try (Stream<String> lines = Files.lines(log)) {
      return lines.anyMatch(l -> l.startsWith("#") && l.contains("exec/s"));
    }
  }
}
