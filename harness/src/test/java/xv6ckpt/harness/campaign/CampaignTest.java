package xv6ckpt.harness.campaign;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.harness.fuzz.FuzzTargets;
import xv6ckpt.harness.fuzz.PlantedBugTarget;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * Campaigns on the test-only {@link PlantedBugTarget}: crashes become one stored, minimized open
 * finding per stack hash; known findings are not new, fixed ones found again are regressions; the
 * corpus never grows past its cap; an interrupt keeps what was found and starts nothing new. The
 * end-to-end runs start Jazzer's real driver with {@code --nohooks} (no instrumentation: Jazzer's
 * agent costs about 6 s of CPU per JVM, and a seed input that hits the planted bug needs no
 * coverage to be found).
 */
class CampaignTest {
  /** Jazzer without its agent; dedup must be asked for again (--keep_going needs it). */
  private static final List<String> NO_INSTRUMENTATION = List.of("--nohooks", "--dedup");

  @TempDir Path tmp;

  private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
  private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The driver's class path: this module's test classes, classes and test dependencies. */
  private static String testClassPath() throws IOException {
    return Path.of("target", "test-classes").toAbsolutePath()
        + File.pathSeparator
        + Campaign.classPathOf(Path.of("target").toAbsolutePath());
  }

  /** A campaign that writes to the corpus (--merge-corpus), as the nightly job runs. */
  private Campaign.Plan plan(List<String> targets, long seconds, int maxCorpus) throws IOException {
    return plan(targets, seconds, maxCorpus, true, NO_INSTRUMENTATION);
  }

  private Campaign.Plan plan(
      List<String> targets,
      long seconds,
      int maxCorpus,
      boolean mergeCorpus,
      List<String> driverFlags)
      throws IOException {
    return new Campaign.Plan(
        targets,
        seconds,
        1,
        tmp.resolve("corpus"),
        tmp.resolve("out"),
        testClassPath(),
        7,
        maxCorpus,
        driverFlags,
        mergeCorpus);
  }

  private Path seeds(String target, String... inputs) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("corpus").resolve(target));
    for (int i = 0; i < inputs.length; i++) {
      Files.write(dir.resolve("seed-" + i), ascii(inputs[i]));
    }
    return dir;
  }

  private Path crashes(String... inputs) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("artifacts"));
    for (int i = 0; i < inputs.length; i++) {
      Files.write(dir.resolve("crash-" + i), ascii(inputs[i]));
    }
    return dir;
  }

  @Test
  void crashesAreDedupedByStackHashMinimizedAndStoredOnce() throws IOException {
    Campaign c =
        new Campaign(plan(List.of(PlantedBugTarget.NAME), 1, 10), PlantedBugTarget.REGISTRY, log);
    FuzzTargets.Entry e = PlantedBugTarget.REGISTRY.get(0);
    // Three crashes: BUG at two offsets (one hash), OOPS (another), and one that passes.
    Path artifacts = crashes("..BUG..", "xxxxxBUG", "zOOPSz", "harmless");
    List<CampaignResult.FindingRow> rows = c.collect(e, artifacts, 7);

    assertThat(rows.stream().map(CampaignResult.FindingRow::rule).toList())
        .containsExactly("planted", "planted-oops");
    assertThat(rows.stream().allMatch(CampaignResult.FindingRow::isNew)).isTrue();
    List<Findings.Stored> stored = new Findings(tmp.resolve("corpus")).all();
    assertThat(stored).hasSize(2);
    for (Findings.Stored s : stored) {
      // Minimized down to the marker itself: no byte of it can go.
      assertThat(new String(s.input(), StandardCharsets.US_ASCII)).isAnyOf("BUG", "OOPS");
      assertThat(s.meta().status()).isEqualTo(Findings.OPEN);
      assertThat(s.meta().seed()).isEqualTo(7);
      assertThat(Files.readString(s.dir().resolve("report.md")))
          .contains("./xv6ckpt replay " + s.dir().resolve("input"));
    }
    assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("does not fail in-process");

    // The same crashes again: known, so nothing new and nothing stored twice.
    List<CampaignResult.FindingRow> again = c.collect(e, artifacts, 8);
    assertThat(again).hasSize(2);
    assertThat(again.stream().noneMatch(CampaignResult.FindingRow::isNew)).isTrue();
    assertThat(again.stream().noneMatch(CampaignResult.FindingRow::regressed)).isTrue();
    assertThat(new Findings(tmp.resolve("corpus")).all()).hasSize(2);
  }

  @Test
  void aCKernelsFindingIsStoredApartWithItsKernelAndReproduceCommand() throws IOException {
    Campaign c =
        new Campaign(plan(List.of(PlantedBugTarget.NAME), 1, 10), PlantedBugTarget.REGISTRY, log);
    KernelIdentity k = KernelIdentity.ofElf("/x/kernel", ascii("an ELF"));
    List<String> flags = List.of("--kernel", "/x/kernel", "--fs", "/x/fs.img");
    Path artifacts = crashes("..BUG..");
    // The same failure on the Java kernel and on a C kernel: two findings, not one known twice.
    c.collect(PlantedBugTarget.REGISTRY.get(0), artifacts, 7);
    List<CampaignResult.FindingRow> rows =
        c.collect(PlantedBugTarget.REGISTRY.get(0).on(k, flags), artifacts, 7);

    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).isNew()).isTrue();
    List<Findings.Stored> stored = new Findings(tmp.resolve("corpus")).all();
    assertThat(stored.stream().map(s -> s.meta().kernel()).toList())
        .containsExactly(KernelIdentity.JAVA, k);
    Findings.Stored onC =
        stored.stream().filter(s -> s.meta().kernel().equals(k)).findFirst().orElseThrow();
    assertThat(onC.dir().getFileName().toString())
        .isEqualTo(onC.meta().stackHash() + "-" + k.sha256().substring(0, 12));
    assertThat(Files.readString(onC.dir().resolve("report.md")))
        .contains(
            "./xv6ckpt replay --kernel /x/kernel --fs /x/fs.img "
                + onC.dir().resolve("input")
                + "\n```\n\nKernel: "
                + k);
  }

  @Test
  void aFixedFindingFoundAgainIsARegression() throws IOException {
    Campaign c =
        new Campaign(plan(List.of(PlantedBugTarget.NAME), 1, 10), PlantedBugTarget.REGISTRY, log);
    FuzzTargets.Entry e = PlantedBugTarget.REGISTRY.get(0);
    Path artifacts = crashes("BUG");
    CampaignResult.FindingRow first = c.collect(e, artifacts, 1).get(0);
    Findings.setStatus(Path.of(first.dir()), Findings.FIXED);

    CampaignResult.FindingRow again = c.collect(e, artifacts, 2).get(0);
    assertThat(again.isNew()).isFalse();
    assertThat(again.regressed()).isTrue();
    CampaignResult r =
        new CampaignResult(
            "t",
            false,
            List.of(
                new CampaignResult.TargetRun(
                    e.name(),
                    1,
                    77,
                    false,
                    false,
                    List.of(),
                    1,
                    List.of(again),
                    0,
                    0,
                    List.of(),
                    null)));
    assertThat(r.newFindings()).isEqualTo(0);
    assertThat(r.exitCode()).isEqualTo(1);
  }

  @Test
  void capKeepsTheOldFilesAndTheSmallestNewOnes() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("c"));
    Files.write(dir.resolve("old-big"), new byte[100]);
    Files.write(dir.resolve("old-small"), new byte[1]);
    Set<String> before = Set.of("old-big", "old-small");
    Files.write(dir.resolve("new-a"), new byte[30]);
    Files.write(dir.resolve("new-b"), new byte[10]);
    Files.write(dir.resolve("new-c"), new byte[20]);

    List<Path> dropped = Campaign.cap(dir, before, 2);
    assertThat(dropped.stream().map(p -> p.getFileName().toString()).toList())
        .containsExactly("new-a");
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList())
          .containsExactly("old-big", "old-small", "new-b", "new-c");
    }
    assertThat(Campaign.cap(dir, Set.of("old-big", "old-small"), 0)).hasSize(2);
    try (Stream<Path> s = Files.list(dir)) {
      assertThat(s.count()).isEqualTo(2);
    }
  }

  @Test
  void campaignFindsThePlantedBugStoresItAndKeepsTheCorpusCapped() throws Exception {
    Path seeds = seeds(PlantedBugTarget.NAME, "hello", "xxBUGyy", "abc");
    Campaign c =
        new Campaign(plan(List.of(PlantedBugTarget.NAME), 2, 4), PlantedBugTarget.REGISTRY, log);
    CampaignResult r = c.run();

    assertThat(r.interrupted()).isFalse();
    assertThat(r.targets()).hasSize(1);
    CampaignResult.TargetRun run = r.targets().get(0);
    assertThat(run.broken()).isFalse();
    assertThat(run.findings()).hasSize(1);
    assertThat(run.findings().get(0).rule()).isEqualTo("planted");
    assertThat(run.findings().get(0).isNew()).isTrue();
    assertThat(r.newFindings()).isEqualTo(1);
    assertThat(r.exitCode()).isEqualTo(1);
    Findings.Stored f = new Findings(tmp.resolve("corpus")).all().get(0);
    assertThat(f.input()).isEqualTo(ascii("BUG"));
    assertThat(Files.readString(tmp.resolve("out/work/planted-bug/driver.log")))
        .contains("fuzzerTestOneInput");
    // The committed seeds are untouched and the corpus holds at most --max-corpus files.
    assertThat(Files.readAllBytes(seeds.resolve("seed-1"))).isEqualTo(ascii("xxBUGyy"));
    try (Stream<Path> s = Files.list(seeds)) {
      assertThat(s.count()).isAtMost(4);
    }
    assertThat(run.corpusBefore()).isEqualTo(3);
    assertThat(run.corpusAfter()).isAtMost(4);

    Path html = Report.write(tmp.resolve("out"), r);
    assertThat(Files.readString(html)).contains(run.findings().get(0).stackHash());
  }

  @Test
  void interruptKeepsWhatWasFoundAndStartsNoOtherTarget() throws Exception {
    seeds(PlantedBugTarget.NAME, "xxBUGyy");
    seeds(PlantedBugTarget.OTHER, "quiet");
    Campaign c =
        new Campaign(
            plan(List.of(PlantedBugTarget.NAME, PlantedBugTarget.OTHER), 120, 10),
            PlantedBugTarget.REGISTRY,
            log);
    Path artifacts = tmp.resolve("out/work/planted-bug/artifacts");
    Thread stopper =
        new Thread(
            () -> {
              try {
                for (int waited = 0; waited < 60_000 && !hasCrash(artifacts); waited += 50) {
                  Thread.sleep(50);
                }
                c.interrupt();
              } catch (InterruptedException | IOException e) {
                c.interrupt();
              }
            });
    stopper.start();
    long t0 = System.nanoTime();
    CampaignResult r = c.run();
    double seconds = (System.nanoTime() - t0) / 1e9;
    stopper.join();

    assertThat(seconds).isLessThan(100.0); // the 120 s budget was cut short
    assertThat(r.interrupted()).isTrue();
    assertThat(r.targets().stream().map(CampaignResult.TargetRun::name).toList())
        .containsExactly(PlantedBugTarget.NAME);
    assertThat(r.targets().get(0).stopped()).isTrue();
    assertThat(r.targets().get(0).broken()).isFalse();
    assertThat(r.newFindings()).isEqualTo(1);
    assertThat(new Findings(tmp.resolve("corpus")).all()).hasSize(1);
    assertThat(logBytes.toString(StandardCharsets.UTF_8))
        .contains(PlantedBugTarget.OTHER + " not started (interrupted)");
  }

  /** Every file under dir (relative path) with its bytes, for byte-for-byte comparison. */
  private static Map<String, List<Byte>> snapshot(Path dir) throws IOException {
    Map<String, List<Byte>> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        List<Byte> bytes = new ArrayList<>();
        for (byte b : Files.readAllBytes(p)) {
          bytes.add(b);
        }
        out.put(dir.relativize(p).toString(), bytes);
      }
    }
    return out;
  }

  /** The planted bug's driver with Jazzer's agent on that target only, so it learns inputs. */
  private static final List<String> INSTRUMENTED =
      List.of("--instrumentation_includes=xv6ckpt.harness.fuzz.PlantedBug*");

  @Test
  void aDefaultCampaignLeavesTheCorpusAsItWasAndReportsFindingsInItsFolder() throws Exception {
    seeds(PlantedBugTarget.NAME, "hello", "xxBUGyy", "abc");
    // A committed finding of another failure, which the campaign must read but not touch.
    Campaign setup =
        new Campaign(plan(List.of(PlantedBugTarget.NAME), 1, 10), PlantedBugTarget.REGISTRY, log);
    setup.collect(PlantedBugTarget.REGISTRY.get(0), crashes("zOOPSz"), 3);
    Path corpus = tmp.resolve("corpus");
    Map<String, List<Byte>> before = snapshot(corpus);
    assertThat(before).containsKey("planted-bug/seed-1");

    CampaignResult r =
        new Campaign(
                plan(List.of(PlantedBugTarget.NAME), 4, 1000, false, INSTRUMENTED),
                PlantedBugTarget.REGISTRY,
                log)
            .run();

    assertThat(snapshot(corpus)).isEqualTo(before); // byte for byte, nothing added
    CampaignResult.TargetRun run = r.targets().get(0);
    assertThat(run.broken()).isFalse();
    assertThat(run.corpusAfter()).isEqualTo(run.corpusBefore());
    // The new finding went to the report folder, minimized; the exit code still says so.
    CampaignResult.FindingRow bug =
        run.findings().stream().filter(f -> f.rule().equals("planted")).findFirst().orElseThrow();
    assertThat(bug.isNew()).isTrue();
    assertThat(Path.of(bug.dir()).startsWith(tmp.resolve("out").resolve("findings"))).isTrue();
    assertThat(Files.readAllBytes(Path.of(bug.dir()).resolve("input"))).isEqualTo(ascii("BUG"));
    assertThat(r.exitCode()).isEqualTo(1);
    // What the driver learned is kept in the work folder (the working corpus).
    try (Stream<Path> s = Files.list(tmp.resolve("out/work/planted-bug/corpus"))) {
      assertThat(s.count()).isGreaterThan(0);
    }
    assertThat(CampaignResult.tally(run)).contains("other 1");
  }

  @Test
  void mergeCorpusAddsMinimizedInputsAndStoresTheFindingInTheCorpus() throws Exception {
    Path seeds = seeds(PlantedBugTarget.NAME, "hello", "xxBUGyy", "abc");
    Map<String, List<Byte>> before = snapshot(seeds);

    CampaignResult r =
        new Campaign(
                plan(List.of(PlantedBugTarget.NAME), 4, 1000, true, INSTRUMENTED),
                PlantedBugTarget.REGISTRY,
                log)
            .run();

    CampaignResult.TargetRun run = r.targets().get(0);
    Map<String, List<Byte>> after = snapshot(seeds);
    // The seeds are kept as they were; the merge added inputs, fewer than were learned
    // (libFuzzer's merge copies only those that add coverage).
    assertThat(after).containsAtLeastEntriesIn(before);
    long learned;
    try (Stream<Path> s = Files.list(tmp.resolve("out/work/planted-bug/corpus"))) {
      learned = s.count();
    }
    int added = after.size() - before.size();
    assertThat(added).isGreaterThan(0);
    assertThat((long) added).isAtMost(learned);
    assertThat(run.corpusAfter()).isEqualTo(after.size());
    assertThat(Files.readString(tmp.resolve("out/work/planted-bug/merge.log")))
        .contains("MERGE-OUTER");
    // The new finding is stored, minimized, in the corpus's findings store.
    Findings.Stored f =
        new Findings(tmp.resolve("corpus"))
            .all().stream()
                .filter(x -> x.meta().summary().contains("BUG"))
                .findFirst()
                .orElseThrow();
    assertThat(f.input()).isEqualTo(ascii("BUG"));
    assertThat(Files.exists(tmp.resolve("out/findings"))).isFalse();
  }

  @Test
  void findingsAreTalliedByCategory() {
    CampaignResult.TargetRun t =
        new CampaignResult.TargetRun(
            "x",
            1,
            0,
            false,
            false,
            List.of(),
            12345,
            List.of(
                new CampaignResult.FindingRow("a", "java-exception", "", true, false, ""),
                new CampaignResult.FindingRow("b", "fsck-after", "", true, false, ""),
                new CampaignResult.FindingRow("c", "page-leak", "", true, false, ""),
                new CampaignResult.FindingRow("d", "page-leak", "", true, false, ""),
                new CampaignResult.FindingRow("e", "invariant", "", true, false, "")),
            0,
            0,
            List.of("iget: no inodes"),
            null);
    assertThat(CampaignResult.tally(t))
        .isEqualTo(
            "12,345 executions; exceptions 1, panics 0, invariants 1, fsck errors 1, leaks 2,"
                + " other 0; accepted panic: iget: no inodes");
    assertThat(CampaignResult.category("panic")).isEqualTo("panics");
    assertThat(CampaignResult.category("fsck")).isEqualTo("fsck errors");
    assertThat(CampaignResult.category("verdict-mismatch")).isEqualTo("other");
  }

  private static boolean hasCrash(Path artifacts) throws IOException {
    if (!Files.isDirectory(artifacts)) {
      return false;
    }
    try (Stream<Path> s = Files.list(artifacts)) {
      // Non-empty: libFuzzer has written it (the interrupt must not catch it half-written).
      return s.anyMatch(
          p -> p.getFileName().toString().startsWith("crash-") && p.toFile().length() > 0);
    }
  }
}
