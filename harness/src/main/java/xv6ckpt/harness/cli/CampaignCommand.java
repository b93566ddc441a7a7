package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.harness.campaign.Campaign;
import xv6ckpt.harness.campaign.CampaignResult;
import xv6ckpt.harness.campaign.Report;
import xv6ckpt.harness.fuzz.FuzzTargets;

/** {@code campaign}: fuzz every target with Jazzer's standalone driver, then report. */
@Command(
    name = "campaign",
    mixinStandardHelpOptions = true,
    description = {
      "Run a fuzz campaign and write its report.",
      "With no options: a short campaign, every target for 30 s, the report under",
      "reports/<timestamp>/; its path is printed at the end and nothing is opened.",
      "Each target runs under Jazzer's standalone driver in a child JVM, seeded with",
      "corpus/<target>/, which it only reads. Progress on stderr: target, elapsed,",
      "exec/s, coverage, findings. At the end, per target: executions and failures by",
      "category (exceptions, panics, invariants, fsck errors, leaks, other).",
      "Crashes are grouped by stack hash, minimized and stored as open findings under",
      "<report>/findings/<target>/<hash>/; learned inputs stay in <report>/work/<target>/",
      "corpus/. A default campaign leaves the repository as it was.",
      "--merge-corpus (the nightly job's step) writes to the corpus instead: new findings",
      "go to corpus/findings/<target>/<hash>/, and the learned inputs are merged into",
      "corpus/<target>/ by libFuzzer's merge (only inputs that add coverage), which never",
      "grows a target's corpus past --max-corpus files.",
      "Ctrl-C stops the drivers, starts no other target, and still stores what was",
      "found and writes the report.",
    },
    footer = {
      "",
      "Exit status: 0 no new findings; 1 new findings, a fixed finding found again,",
      "or a target whose driver failed; 2 bad usage; 3 internal error; 130 interrupted."
    })
final class CampaignCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(
      names = "--targets",
      paramLabel = "all|NAMES",
      split = ",",
      defaultValue = "all",
      description = "Targets to fuzz, comma-separated (default: all).")
  List<String> targets = new ArrayList<>();

  @Option(
      names = "--budget",
      paramLabel = "DURATION",
      description = "Total time, shared by the targets (e.g. 8h, 30m, 90s).")
  String budget;

  @Option(
      names = "--per-target",
      paramLabel = "DURATION",
      defaultValue = "30s",
      description = "Time per target (default: ${DEFAULT-VALUE}; ignored with --budget).")
  String perTarget;

  @Option(
      names = "--jobs",
      paramLabel = "N",
      defaultValue = "1",
      description = "Targets fuzzed at once (default: ${DEFAULT-VALUE}).")
  int jobs;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      description = "Where the report goes (default: reports/<timestamp> in the repository).")
  Path reportDir;

  @Option(
      names = "--corpus",
      paramLabel = "DIR",
      description = "The corpus root (default: corpus in the repository).")
  Path corpus;

  @Option(
      names = "--seed",
      paramLabel = "N",
      defaultValue = "1",
      description = "libFuzzer seed of the first target; the next get N+1, ... (default: 1).")
  long seed;

  @Option(
      names = "--merge-corpus",
      description =
          "Write to the corpus: store new findings under corpus/findings/ and merge "
              + "the learned inputs, minimized by libFuzzer's merge, into corpus/<target>/ "
              + "(default: the corpus is only read).")
  boolean mergeCorpus;

  @Option(
      names = "--max-corpus",
      paramLabel = "N",
      defaultValue = "1000",
      description =
          "With --merge-corpus: a target's corpus never grows past N files by "
              + "merging; files already there are kept (default: ${DEFAULT-VALUE}; 0: merge no "
              + "inputs, findings are still stored).")
  int maxCorpus;

  @Option(
      names = "--driver-arg",
      paramLabel = "FLAG",
      description = "An extra flag for every Jazzer driver (repeatable), e.g. -max_len=65536.")
  List<String> driverArgs = new ArrayList<>();

  @Mixin KernelTargetOptions kernel = new KernelTargetOptions();

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<String> names = kernel.active() && isAll() ? KernelTargetOptions.AVAILABLE : targetNames();
    List<FuzzTargets.Entry> registry = kernel.registry(names, FuzzTargets.ALL);
    if (jobs < 1) {
      throw CliError.badInput("--jobs must be at least 1, not " + jobs);
    }
    if (maxCorpus < 0) {
      throw CliError.badInput("--max-corpus must be at least 0, not " + maxCorpus);
    }
    long seconds =
        budget != null ? Math.max(1, seconds(budget) / names.size()) : seconds(perTarget);
    Path root = repoRoot();
    Path corpusRoot = corpus != null ? corpus : root.resolve("corpus");
    Path out =
        reportDir != null
            ? reportDir
            : Report.timestampDir(root.resolve("reports"), LocalDateTime.now());
    Campaign c =
        new Campaign(
                new Campaign.Plan(
                    names,
                    seconds,
                    jobs,
                    corpusRoot,
                    out,
                    classPath(),
                    seed,
                    maxCorpus,
                    driverArgs,
                    mergeCorpus),
                registry,
                main.err)
            .childJvm(kernel.childJvmFlags());
    // Ctrl-C: stop the drivers, then let this thread store the findings and write the report
    // before the JVM exits (shutdown hooks may wait; the main thread runs on meanwhile).
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              main.err.println(
                  "campaign: interrupted; stopping the drivers, keeping what they found");
              c.interrupt();
              try {
                finished.await(120, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    main.err.println(
        "campaign: "
            + String.join(", ", names)
            + ", "
            + seconds
            + " s each, "
            + jobs
            + " at once, corpus "
            + corpusRoot
            + (mergeCorpus ? " (merging into it)" : " (read only)")
            + ", report in "
            + out);
    try {
      CampaignResult r = c.run();
      Path html = Report.write(out, r);
      summarize(r);
      main.out.println("report: " + html);
      return r.exitCode() == 0 ? Main.EXIT_OK : Main.EXIT_FINDING;
    } finally {
      finished.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is already running and waits for the latch counted down above.
      }
    }
  }

  private void summarize(CampaignResult r) {
    for (CampaignResult.TargetRun t : r.targets()) {
      main.out.println(t.name() + ": " + CampaignResult.tally(t));
    }
    main.out.println(
        "new findings: "
            + r.newFindings()
            + (r.newFindings() == 0
                ? ""
                : mergeCorpus
                    ? " (stored under corpus/findings/)"
                    : " (stored under the report's "
                        + "findings/; --merge-corpus stores them in corpus/findings/)"));
    if (r.regressions() > 0) {
      main.out.println("fixed findings found again: " + r.regressions());
    }
    if (!r.brokenTargets().isEmpty()) {
      main.out.println("targets whose driver failed: " + String.join(", ", r.brokenTargets()));
    }
    if (r.interrupted()) {
      main.out.println("interrupted: the report covers what ran until then");
    }
  }

  private boolean isAll() {
    return targets.isEmpty() || targets.equals(List.of("all"));
  }

  private List<String> targetNames() {
    if (isAll()) {
      return FuzzTargets.names();
    }
    for (String t : targets) {
      if (FuzzTargets.byName(t).isEmpty()) {
        throw CliError.badInput(
            "no target '" + t + "'; there are: " + String.join(", ", FuzzTargets.names()));
      }
    }
    return targets;
  }

  /** "8h", "10m", "30s" or plain seconds. */
  static long seconds(String d) {
    var m = java.util.regex.Pattern.compile("(\\d+)([hms]?)").matcher(d.trim());
    if (!m.matches()) {
      throw CliError.badInput("bad duration '" + d + "' (use e.g. 8h, 10m, 30s)");
    }
    long n = Long.parseLong(m.group(1));
    long s = m.group(2).equals("h") ? n * 3600 : m.group(2).equals("m") ? n * 60 : n;
    if (s < 1) {
      throw CliError.badInput("duration must be at least 1 s, not '" + d + "'");
    }
    return s;
  }

  private static String classPath() {
    try {
      return Campaign.classPathOf(targetDir());
    } catch (IOException e) {
      throw CliError.badInput(e.getMessage());
    }
  }

  /**
   * The repository this tool was built in (harness/target/../..), where the corpus and the reports
   * live whatever the current folder; the current folder if the build is elsewhere.
   */
  static Path repoRoot() {
    Path target = targetDir().toAbsolutePath().normalize();
    Path root = target.getParent() == null ? null : target.getParent().getParent();
    return root != null
            && Files.isDirectory(root.resolve("harness"))
            && Files.isRegularFile(root.resolve("pom.xml"))
        ? root
        : Path.of("");
  }

  /** harness/target: where this class was loaded from (the jar or the classes folder). */
  static Path targetDir() {
    try {
      Path p =
          Path.of(
              CampaignCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return p.getParent();
    } catch (java.net.URISyntaxException e) {
      throw CliError.badInput("cannot locate the harness build: " + e.getMessage());
    }
  }
}
