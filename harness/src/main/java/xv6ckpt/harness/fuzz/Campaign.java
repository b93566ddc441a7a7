package xv6ckpt.harness.fuzz;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A fuzz campaign: each target runs under Jazzer's standalone driver in a child JVM for its
 * share of the time ({@code jobs} targets at once), with the committed corpus as a read-only
 * seed folder and a work folder for what it learns. Afterwards its crashes are re-run
 * in-process, grouped by stack hash, minimized and stored as open findings unless known; the
 * work folder is merged into the corpus with libFuzzer's coverage-preserving merge, only while
 * the corpus holds fewer than {@code maxCorpus} files. Progress goes to {@code log}.
 */
public final class Campaign {
  /** What to run. */
  public record Plan(List<String> targets, long secondsPerTarget, int jobs, Path corpus,
      Path outDir, Path targetDir, long seed, int maxCorpus) {}

  private static final Pattern STATUS = Pattern.compile(
      "^#(\\d+)\\s+\\S+.*?cov: (\\d+).*?exec/s: (\\d+)");

  private final Plan plan;
  private final PrintStream log;
  private final List<Process> children = Collections.synchronizedList(new ArrayList<>());

  public Campaign(Plan plan, PrintStream log) {
    this.plan = plan;
    this.log = log;
  }

  /** Stops every running child (Ctrl-C); what they found is still collected. */
  public void interrupt() {
    synchronized (children) {
      children.forEach(Process::destroy);
    }
  }

  public CampaignResult run() throws IOException, InterruptedException {
    String started = Instant.now().toString();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, plan.jobs()));
    List<Future<CampaignResult.TargetRun>> runs = new ArrayList<>();
    for (int i = 0; i < plan.targets().size(); i++) {
      String name = plan.targets().get(i);
      long seed = plan.seed() + i;
      runs.add(pool.submit(() -> runTarget(name, seed)));
    }
    pool.shutdown();
    List<CampaignResult.TargetRun> out = new ArrayList<>();
    for (Future<CampaignResult.TargetRun> f : runs) {
      try {
        out.add(f.get());
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException("campaign: " + e.getCause().getMessage(), e.getCause());
      }
    }
    return new CampaignResult(started, out);
  }

  private CampaignResult.TargetRun runTarget(String name, long seed) throws Exception {
    FuzzTargets.Entry entry = FuzzTargets.byName(name).orElseThrow();
    Path work = plan.outDir().resolve("work").resolve(name);
    Path learned = work.resolve("corpus");
    Path artifacts = work.resolve("artifacts");
    Files.createDirectories(learned);
    Files.createDirectories(artifacts);
    Files.createDirectories(work.resolve("repro"));
    Path seeds = plan.corpus().resolve(name);
    Files.createDirectories(seeds);
    int before = count(seeds);
    List<String> cmd = driver(entry);
    cmd.addAll(List.of("--reproducer_path=" + work.resolve("repro"), "--keep_going=20",
        learned.toString(), seeds.toString(), "-max_total_time=" + plan.secondsPerTarget(),
        "-seed=" + seed, "-artifact_prefix=" + artifacts + "/", "-print_final_stats=1"));
    cmd.addAll(FuzzTargets.fuzzerOptions(name));
    List<double[]> samples = new ArrayList<>();
    long[] execs = {0};
    int exit = runChild(cmd, work.resolve("driver.log"), name, samples, execs);
    List<CampaignResult.FindingRow> findings = collect(name, artifacts, seed);
    if (count(seeds) < plan.maxCorpus()) {
      List<String> merge = driver(entry);
      merge.addAll(List.of("-merge=1", seeds.toString(), learned.toString()));
      runChild(merge, work.resolve("merge.log"), name + " (merge)", new ArrayList<>(), new long[1]);
    }
    return new CampaignResult.TargetRun(name, plan.secondsPerTarget(), exit, samples, execs[0],
        findings, before, count(seeds));
  }

  private List<String> driver(FuzzTargets.Entry entry) throws IOException {
    Path cpFile = plan.targetDir().resolve("fuzz-classpath.txt");
    if (!Files.exists(cpFile)) {
      throw new IOException(cpFile + " is missing: build with 'mvn -B -pl harness -am "
          + "test-compile' first");
    }
    String cp = plan.targetDir().resolve("classes") + java.io.File.pathSeparator
        + Files.readString(cpFile).trim();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss8m", "-cp", cp,
        "com.code_intelligence.jazzer.Jazzer", "--target_class=" + entry.jazzerClass()));
    if (!entry.instrument().isEmpty()) {
      cmd.add("--instrumentation_includes=" + entry.instrument());
    }
    if (Runtime.version().feature() >= 21) {
      cmd.add(3, "-XX:+EnableDynamicAgentLoading");
    }
    return cmd;
  }

  private int runChild(List<String> cmd, Path logFile, String name, List<double[]> samples,
      long[] execs) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Process p = pb.start();
    children.add(p);
    long t0 = System.nanoTime();
    long lastShown = 0;
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8)); var w = Files.newBufferedWriter(logFile)) {
      String line;
      while ((line = r.readLine()) != null) {
        w.write(line);
        w.newLine();
        Matcher m = STATUS.matcher(line);
        if (m.find()) {
          double secs = (System.nanoTime() - t0) / 1e9;
          execs[0] = Long.parseLong(m.group(1));
          samples.add(new double[] {secs, execs[0], Double.parseDouble(m.group(3)),
              Double.parseDouble(m.group(2))});
          if (secs - lastShown >= 5) {
            lastShown = (long) secs;
            log.printf("campaign: %-13s %5.0fs  %8s exec/s  cov %6s  findings %d%n", name, secs,
                m.group(3), m.group(2), crashes(logFile.getParent().resolve("artifacts")));
          }
        }
      }
    } finally {
      children.remove(p);
    }
    return p.waitFor();
  }

  private static long crashes(Path artifacts) throws IOException {
    if (!Files.isDirectory(artifacts)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(artifacts)) {
      return s.filter(x -> x.getFileName().toString().startsWith("crash-")).count();
    }
  }

  /** Re-runs each crash in-process, groups by stack hash, minimizes and stores the new ones. */
  public List<CampaignResult.FindingRow> collect(String name, Path artifacts, long seed)
      throws IOException {
    List<CampaignResult.FindingRow> rows = new ArrayList<>();
    List<Path> crashes;
    try (Stream<Path> s = Files.list(artifacts)) {
      crashes = s.filter(x -> x.getFileName().toString().startsWith("crash-")).sorted().toList();
    }
    FuzzTarget t = FuzzTargets.byName(name).orElseThrow().factory().get();
    Findings store = new Findings(plan.corpus());
    Set<String> seen = new HashSet<>();
    for (Path c : crashes) {
      byte[] input = Files.readAllBytes(c);
      FuzzTarget.Verdict v = t.run(input);
      if (!(v instanceof FuzzTarget.Verdict.Fail)) {
        log.println("campaign: " + c + " does not fail in-process (" + v.summary() + ")");
        continue;
      }
      FuzzTarget.Verdict.Fail f = (FuzzTarget.Verdict.Fail) v;
      String hash = Findings.stackHash(f);
      if (!seen.add(hash)) {
        continue;
      }
      boolean isNew = !store.known(name, hash);
      String dir = plan.corpus().resolve("findings").resolve(name).resolve(hash).toString();
      if (isNew) {
        byte[] small = Minimizer.minimize(t, input, hash, 2000);
        FuzzTarget.Verdict.Fail sf = (FuzzTarget.Verdict.Fail) t.run(small);
        store.add(new Findings.Meta(name, Instant.now().toString(), seed, hash, "open",
            sf.summary()), small, BugReport.markdown(name, dir + "/input", small, sf));
        log.println("campaign: new finding " + dir + ": " + sf.summary());
      }
      rows.add(new CampaignResult.FindingRow(hash, f.rule(), f.summary(), isNew, dir));
    }
    return rows;
  }

  private static int count(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return (int) s.filter(Files::isRegularFile).count();
    }
  }
}
