package xv6ckpt.harness.campaign;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import xv6ckpt.harness.fuzz.FuzzFinding;
import xv6ckpt.harness.fuzz.FuzzTarget;
import xv6ckpt.harness.fuzz.FuzzTargets;
import xv6ckpt.harness.fuzz.GuestCoverage;

/**
 * A fuzz campaign: each target runs under Jazzer's standalone driver in a child JVM for its share
 * of the time ({@code jobs} targets at once), with the committed corpus as a read-only seed folder
 * and a work folder ({@code <outDir>/work/<target>/}) for what it learns, the working corpus.
 * Afterwards its crashes are re-run in-process, grouped by stack hash, minimized and stored as open
 * findings unless known (a known finding whose status is "fixed" found again is a regression).
 *
 * <p>By default the corpus folder is only read: new findings are stored in the report folder
 * ({@code <outDir>/findings/<target>/<hash>/}) and the learned inputs stay in the work folder, so a
 * campaign leaves a checkout as it was. With {@code mergeCorpus} (the nightly job's step) new
 * findings are stored under {@code <corpus>/findings/} and each work folder is merged into the
 * corpus with libFuzzer's coverage-preserving merge ({@code -merge=1}: only inputs that add
 * coverage are copied), and a target's corpus never grows past {@code maxCorpus} files by merging
 * (merged files beyond that are dropped again, smallest kept; files that were there before are
 * never touched).
 *
 * <p>{@link #interrupt} (Ctrl-C) stops the running drivers and starts no new one; what the stopped
 * drivers found is still collected, merged and returned. Progress goes to {@code log}.
 */
public final class Campaign {
  /**
   * What to run. {@code classPath}: the driver JVM's class path (the targets, their dependencies
   * and Jazzer); {@code driverFlags}: extra flags for every driver command; {@code mergeCorpus}:
   * write to the corpus folder (learned inputs merged, up to {@code maxCorpus} files a target, and
   * new findings stored there); otherwise it is only read.
   */
  public record Plan(
      List<String> targets,
      long secondsPerTarget,
      int jobs,
      Path corpus,
      Path outDir,
      String classPath,
      long seed,
      int maxCorpus,
      List<String> driverFlags,
      boolean mergeCorpus) {}

  /** libFuzzer's status line: runs, then (without instrumentation, none) coverage, exec/s. */
  private static final Pattern STATUS =
      Pattern.compile("^#(\\d+)\\s+\\S+(?:.*?cov: (\\d+))?.*?exec/s: (\\d+)");

  /** libFuzzer's exit codes that are not a broken driver: done, and done with findings. */
  private static final int DRIVER_DONE = 0;

  private static final int DRIVER_FINDINGS = 77;

  private final Plan plan;
  private final List<FuzzTargets.Entry> registry;
  private final PrintStream log;

  /** Flags for every driver's JVM before its class path (e.g. the C kernel's properties). */
  private List<String> childJvmFlags = List.of();

  private final List<Process> children = Collections.synchronizedList(new ArrayList<>());
  private volatile boolean interrupted;

  /** A campaign over targets named in {@code registry} (normally {@link FuzzTargets#ALL}). */
  /** Gives every driver's JVM these flags (system properties) too. */
  public Campaign childJvm(List<String> flags) {
    childJvmFlags = List.copyOf(flags);
    return this;
  }

  public Campaign(Plan plan, List<FuzzTargets.Entry> registry, PrintStream log) {
    this.plan = plan;
    this.registry = List.copyOf(registry);
    this.log = log;
    for (String name : plan.targets()) {
      entry(name);
    }
  }

  /** The driver class path of a harness build: its classes plus target/fuzz-classpath.txt. */
  public static String classPathOf(Path targetDir) throws IOException {
    Path cpFile = targetDir.resolve("fuzz-classpath.txt");
    if (!Files.exists(cpFile)) {
      throw new IOException(
          cpFile
              + " is missing: build with 'mvn -B -pl harness -am "
              + "package -DskipTests' first");
    }
    return targetDir.resolve("classes") + File.pathSeparator + Files.readString(cpFile).trim();
  }

  /** Stops every running driver and starts no new one; what they found is still collected. */
  public void interrupt() {
    interrupted = true;
    synchronized (children) {
      children.forEach(Campaign::stop);
    }
  }

  /**
   * Stops a driver as Ctrl-C in a terminal would: SIGINT, on which libFuzzer exits gracefully with
   * its final stats (SIGTERM makes the JVM exit under libFuzzer, which then records the input being
   * run as a crash, "fuzz target exited"). Where kill is missing, SIGTERM through ProcessHandle
   * (not Process.destroy, which closes our end of the driver's output); a driver still alive 30 s
   * later is killed.
   */
  private static void stop(Process p) {
    boolean sent = false;
    try {
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
      sent = kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
    } catch (IOException e) {
      sent = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!sent) {
      p.toHandle().destroy();
    }
    CompletableFuture.runAsync(
        () -> {
          if (p.isAlive()) {
            p.destroyForcibly();
          }
        },
        CompletableFuture.delayedExecutor(30, TimeUnit.SECONDS));
  }

  public CampaignResult run() throws IOException, InterruptedException {
    String started = Instant.now().toString();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, plan.jobs()));
    List<Future<Optional<CampaignResult.TargetRun>>> runs = new ArrayList<>();
    for (int i = 0; i < plan.targets().size(); i++) {
      String name = plan.targets().get(i);
      long seed = plan.seed() + i;
      runs.add(pool.submit(() -> runTarget(name, seed)));
    }
    pool.shutdown();
    List<CampaignResult.TargetRun> out = new ArrayList<>();
    for (Future<Optional<CampaignResult.TargetRun>> f : runs) {
      try {
        f.get().ifPresent(out::add);
      } catch (ExecutionException e) {
        throw new IOException("campaign: " + e.getCause().getMessage(), e.getCause());
      }
    }
    return new CampaignResult(started, interrupted, out);
  }

  private FuzzTargets.Entry entry(String name) {
    return registry.stream()
        .filter(e -> e.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no fuzz target '" + name + "'"));
  }

  /** One target: fuzz, collect the crashes, merge; empty if interrupted before it started. */
  private Optional<CampaignResult.TargetRun> runTarget(String name, long seed) throws Exception {
    if (interrupted) {
      log.println("campaign: " + name + " not started (interrupted)");
      return Optional.empty();
    }
    FuzzTargets.Entry entry = entry(name);
    Path work = plan.outDir().resolve("work").resolve(name);
    Path learned = work.resolve("corpus");
    Path artifacts = work.resolve("artifacts");
    Files.createDirectories(learned);
    Files.createDirectories(artifacts);
    Files.createDirectories(work.resolve("repro"));
    Path seeds = plan.corpus().resolve(name);
    if (plan.mergeCorpus()) {
      Files.createDirectories(seeds);
    }
    int before = count(seeds);
    log.println(
        "campaign: "
            + name
            + " for "
            + plan.secondsPerTarget()
            + " s (corpus "
            + before
            + " files)");
    List<String> cmd = driver(entry);
    cmd.addAll(
        List.of(
            "--reproducer_path=" + work.resolve("repro"), "--keep_going=20", learned.toString()));
    if (Files.isDirectory(seeds)) {
      cmd.add(seeds.toString()); // read-only: libFuzzer adds new inputs to the first folder only
    }
    cmd.addAll(
        List.of(
            "-max_total_time=" + plan.secondsPerTarget(),
            "-seed=" + seed,
            "-artifact_prefix=" + artifacts + "/",
            "-print_final_stats=1"));
    cmd.addAll(entry.fuzzerOptions());
    List<double[]> samples = new ArrayList<>();
    long[] execs = {0};
    int exit = runChild(cmd, work.resolve("driver.log"), name, samples, execs, true);
    List<String> accepted = acceptedPanics(work.resolve("driver.log"));
    boolean stopped = interrupted;
    boolean broken = !stopped && exit != DRIVER_DONE && exit != DRIVER_FINDINGS;
    if (broken) {
      log.println(
          "campaign: "
              + name
              + ": the driver exited with "
              + exit
              + " (see "
              + work.resolve("driver.log")
              + ")");
    }
    List<CampaignResult.FindingRow> findings = collect(entry, artifacts, seed);
    String functions = kernelFunctions(entry, seeds, learned);
    if (plan.mergeCorpus()) {
      merge(entry, seeds, learned, work);
    }
    CampaignResult.TargetRun run =
        new CampaignResult.TargetRun(
            name,
            plan.secondsPerTarget(),
            exit,
            stopped,
            broken,
            samples,
            execs[0],
            findings,
            before,
            count(seeds),
            accepted,
            functions);
    log.printf(
        "campaign: %s done: %d executions, %d findings (%d new), corpus %d -> %d%s%n",
        name,
        run.executions(),
        findings.size(),
        findings.stream().filter(CampaignResult.FindingRow::isNew).count(),
        before,
        run.corpusAfter(),
        plan.mergeCorpus()
            ? ""
            : " (not merged; " + count(learned) + " learned inputs in " + learned + ")");
    return Optional.of(run);
  }

  /**
   * For a target on a C kernel: which of the kernel's functions the seeds and the inputs the run
   * learned reach (the driver's coverage is edges, which name nothing), replayed here once with
   * function tracking on; null on the Java kernel or after an interrupt.
   */
  private String kernelFunctions(FuzzTargets.Entry entry, Path seeds, Path learned)
      throws IOException {
    if (entry.kernel().isJava() || interrupted) {
      return null;
    }
    List<Path> inputs = new ArrayList<>(files(seeds));
    inputs.addAll(files(learned));
    log.println(
        "campaign: "
            + entry.name()
            + ": replaying its "
            + inputs.size()
            + " inputs for the kernel functions they reach");
    List<byte[]> bytes = new ArrayList<>();
    for (Path f : inputs) {
      bytes.add(Files.readAllBytes(f));
    }
    Optional<String> reached = GuestCoverage.functionsReachedBy(entry.factory().get(), bytes);
    if (reached.isEmpty()) {
      return null;
    }
    String report = entry.kernel() + ": " + reached.get();
    log.print("campaign: " + entry.name() + ": " + report);
    return report;
  }

  /** The regular files in {@code dir}, by name; none if it is not a folder. */
  private static List<Path> files(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private List<String> driver(FuzzTargets.Entry entry) {
    List<String> cmd =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss8m"));
    if (Runtime.version().feature() >= 21) {
      cmd.add("-XX:+EnableDynamicAgentLoading");
    }
    cmd.addAll(childJvmFlags);
    cmd.addAll(
        List.of(
            "-cp",
            plan.classPath(),
            "com.code_intelligence.jazzer.Jazzer",
            "--target_class=" + entry.jazzerClass().getName()));
    if (!entry.instrument().isEmpty()) {
      cmd.add("--instrumentation_includes=" + entry.instrument());
    }
    cmd.addAll(plan.driverFlags());
    return cmd;
  }

  /**
   * Merges the learned inputs into the corpus, at most up to {@code maxCorpus} files. Runs after an
   * interrupt too: the learned inputs are part of what was found so far.
   */
  private void merge(FuzzTargets.Entry entry, Path seeds, Path learned, Path work)
      throws IOException, InterruptedException {
    int room = plan.maxCorpus() - count(seeds);
    if (room <= 0 || count(learned) == 0) {
      return;
    }
    Set<String> before = names(seeds);
    List<String> merge = driver(entry);
    merge.addAll(List.of("-merge=1", seeds.toString(), learned.toString()));
    runChild(
        merge,
        work.resolve("merge.log"),
        entry.name() + " (merge)",
        new ArrayList<>(),
        new long[1],
        false);
    List<Path> dropped = cap(seeds, before, room);
    if (!dropped.isEmpty()) {
      log.println(
          "campaign: "
              + entry.name()
              + ": corpus full at "
              + plan.maxCorpus()
              + " files; "
              + dropped.size()
              + " merged inputs stay only in "
              + learned);
    }
  }

  /**
   * Keeps at most {@code room} of the files in {@code dir} that are not in {@code before} (the
   * smallest, ties by name) and deletes the others; returns the deleted ones. Files that were in
   * the folder before are never touched.
   */
  static List<Path> cap(Path dir, Set<String> before, int room) throws IOException {
    List<Path> added;
    try (Stream<Path> s = Files.list(dir)) {
      added =
          s.filter(Files::isRegularFile)
              .filter(p -> !before.contains(p.getFileName().toString()))
              .toList();
    }
    List<Path> order = new ArrayList<>(added);
    order.sort(
        Comparator.comparingLong(Campaign::size).thenComparing(p -> p.getFileName().toString()));
    List<Path> drop = order.subList(Math.min(Math.max(room, 0), order.size()), order.size());
    for (Path p : drop) {
      Files.delete(p);
    }
    return List.copyOf(drop);
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Runs one driver JVM, its output to logFile, status lines parsed into samples and shown every 5
   * s. A {@code stoppable} child started after {@link #interrupt} is stopped at once (interrupt ran
   * between runTarget's check and the start); a merge is not stoppable.
   */
  private int runChild(
      List<String> cmd,
      Path logFile,
      String name,
      List<double[]> samples,
      long[] execs,
      boolean stoppable)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Process p = pb.start();
    if (stoppable) {
      children.add(p);
      if (interrupted) {
        stop(p);
      }
    }
    long t0 = System.nanoTime();
    long lastShown = 0;
    try (BufferedReader r =
            new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        var w = Files.newBufferedWriter(logFile)) {
      String line;
      while ((line = r.readLine()) != null) {
        w.write(line);
        w.newLine();
        w.flush(); // so that the log can be followed while the driver runs
        Matcher m = STATUS.matcher(line);
        if (m.find()) {
          double secs = (System.nanoTime() - t0) / 1e9;
          // No "cov:" (an early pulse, or no instrumentation): coverage as last seen.
          String cov =
              m.group(2) != null
                  ? m.group(2)
                  : samples.isEmpty()
                      ? "0"
                      : Long.toString((long) samples.get(samples.size() - 1)[3]);
          execs[0] = Long.parseLong(m.group(1));
          samples.add(
              new double[] {
                secs, execs[0], Double.parseDouble(m.group(3)), Double.parseDouble(cov)
              });
          if (secs - lastShown >= 5) {
            lastShown = (long) secs;
            log.printf(
                "campaign: %-13s %5.0fs  %8s exec/s  cov %6s  findings %d%n",
                name, secs, m.group(3), cov, crashes(logFile.getParent().resolve("artifacts")));
          }
        }
      }
    } finally {
      children.remove(p);
    }
    return p.waitFor();
  }

  /**
   * The accepted panics a driver's log names (the line {@code FuzzFinding.ACCEPTED_LINE} prints,
   * once per message and JVM), each once, in order of first appearance.
   */
  static List<String> acceptedPanics(Path driverLog) throws IOException {
    if (!Files.isRegularFile(driverLog)) {
      return List.of();
    }
    try (Stream<String> lines = Files.lines(driverLog, StandardCharsets.UTF_8)) {
      return lines
          .filter(l -> l.startsWith(FuzzFinding.ACCEPTED_LINE))
          .map(l -> l.substring(FuzzFinding.ACCEPTED_LINE.length()))
          .distinct()
          .toList();
    }
  }

  private static long crashes(Path artifacts) throws IOException {
    if (!Files.isDirectory(artifacts)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(artifacts)) {
      return s.filter(x -> x.getFileName().toString().startsWith("crash-")).count();
    }
  }

  /**
   * Re-runs each crash file of {@code artifacts} in-process, groups the failures by stack hash (one
   * row per hash), and stores each hash not yet in the findings store as an open finding with its
   * minimized input and bug report. A crash that does not fail in-process is logged and skipped (a
   * driver-only failure, e.g. out of memory).
   */
  public List<CampaignResult.FindingRow> collect(FuzzTargets.Entry entry, Path artifacts, long seed)
      throws IOException {
    List<CampaignResult.FindingRow> rows = new ArrayList<>();
    List<Path> crashes;
    try (Stream<Path> s = Files.list(artifacts)) {
      crashes = s.filter(x -> x.getFileName().toString().startsWith("crash-")).sorted().toList();
    }
    FuzzTarget t = entry.factory().get();
    Findings store = findingsStore();
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
      if (seen.add(hash)) {
        rows.add(row(store, t, entry, input, f, hash, seed));
      }
    }
    return rows;
  }

  /**
   * Where new findings go: the corpus's store with {@code mergeCorpus}, else the report folder's
   * ({@code <outDir>/findings/}), so that a default campaign writes nothing into the corpus.
   */
  private Findings findingsStore() {
    return new Findings(plan.mergeCorpus() ? plan.corpus() : plan.outDir());
  }

  private CampaignResult.FindingRow row(
      Findings store,
      FuzzTarget t,
      FuzzTargets.Entry entry,
      byte[] input,
      FuzzTarget.Verdict.Fail f,
      String hash,
      long seed)
      throws IOException {
    String name = entry.name();
    // Known: in the corpus's store (committed findings), or stored earlier in this run.
    Findings corpusStore = new Findings(plan.corpus());
    String id = Findings.id(hash, entry.kernel());
    Optional<Findings.Meta> known = corpusStore.meta(name, id);
    Path dir = corpusStore.dir(name, id);
    if (known.isEmpty()) {
      known = store.meta(name, id);
      dir = store.dir(name, id);
    }
    if (known.isPresent()) {
      boolean regressed = known.get().status().equals(Findings.FIXED);
      if (regressed) {
        log.println("campaign: fixed finding found again: " + dir + ": " + f.summary());
      }
      return new CampaignResult.FindingRow(
          hash, f.rule(), f.summary(), false, regressed, dir.toString());
    }
    byte[] small = Minimizer.minimize(t, input, hash, 2000);
    FuzzTarget.Verdict.Fail sf = (FuzzTarget.Verdict.Fail) t.run(small);
    store.add(
        new Findings.Meta(
            name,
            Instant.now().toString(),
            seed,
            hash,
            Findings.OPEN,
            sf.summary(),
            entry.kernel()),
        small,
        BugReport.markdown(entry, dir.resolve("input").toString(), small, sf));
    log.println("campaign: new finding " + dir + ": " + sf.summary());
    return new CampaignResult.FindingRow(hash, f.rule(), sf.summary(), true, false, dir.toString());
  }

  private static Set<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      Set<String> out = new HashSet<>();
      s.filter(Files::isRegularFile).forEach(p -> out.add(p.getFileName().toString()));
      return out;
    }
  }

  private static int count(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return (int) s.filter(Files::isRegularFile).count();
    }
  }
}
