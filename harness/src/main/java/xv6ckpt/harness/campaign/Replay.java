package xv6ckpt.harness.campaign;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import xv6ckpt.harness.fuzz.FuzzTarget;
import xv6ckpt.harness.fuzz.FuzzTargets;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * Replays corpus entries in-process: each file is run by the target its path names ({@code
 * corpus/<target>/...} or {@code corpus/findings/<target>/<id>/input}). Deterministic: entries in
 * sorted path order, one target object per target, reset before every input.
 *
 * <p>What counts as failing: a corpus input that fails; an open finding that still fails (its bug
 * is not fixed, so its replay fails until it is); a fixed finding that fails again (a regression).
 * An open finding that passes is not failing; it is reported as FIXED? so that someone marks it
 * fixed ({@code markFixed}).
 */
public final class Replay {
  /**
   * One replayed entry; {@code status} is the finding's ("open"/"fixed") or empty, {@code foundOn}
   * the kernel a finding was found on.
   */
  public record Entry(
      Path path,
      String target,
      Optional<String> status,
      Optional<KernelIdentity> foundOn,
      FuzzTarget.Verdict verdict,
      byte[] input) {
    public boolean passed() {
      return verdict instanceof FuzzTarget.Verdict.Pass;
    }

    /** The listing's word: PASS, FAIL, OPEN (open, failing), FIXED? (open, passing). */
    public String word() {
      boolean open = status.equals(Optional.of(Findings.OPEN));
      if (passed()) {
        return open ? "FIXED?" : "PASS";
      }
      return open ? "OPEN" : "FAIL";
    }
  }

  private final List<FuzzTargets.Entry> registry;
  private final Map<String, FuzzTarget> targets =
      new java.util.TreeMap<>(); // by name: reports in order

  /** A replayer for the targets of {@code registry} (normally {@link FuzzTargets#ALL}). */
  public Replay(List<FuzzTargets.Entry> registry) {
    this.registry = List.copyOf(registry);
  }

  /** Every file under each path (a file stands for itself), in sorted order. */
  public static List<Path> expand(List<Path> paths) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.walk(p)) {
          s.filter(Files::isRegularFile).filter(Replay::isInput).sorted().forEach(out::add);
        }
      } else if (Files.isRegularFile(p)) {
        out.add(p);
      } else {
        throw new IOException(p + ": no such file or directory");
      }
    }
    return out;
  }

  /** Corpus inputs and finding inputs; not the findings' metadata and reports. */
  private static boolean isInput(Path p) {
    String name = p.getFileName().toString();
    return !name.equals("meta.cbor") && !name.endsWith(".md") && !name.startsWith(".");
  }

  /** The target a path belongs to: the folder after "findings", else the nearest target folder. */
  public Optional<String> targetOf(Path p) {
    List<String> parts = new ArrayList<>();
    for (Path part : p.toAbsolutePath().normalize()) {
      parts.add(part.toString());
    }
    for (int i = parts.size() - 2; i >= 0; i--) {
      String name = parts.get(i);
      if (name.equals("findings") && i + 1 < parts.size()) {
        return byName(parts.get(i + 1)).map(FuzzTargets.Entry::name);
      }
      if (byName(name).isPresent()) {
        return Optional.of(name);
      }
    }
    return Optional.empty();
  }

  private Optional<FuzzTargets.Entry> byName(String name) {
    return registry.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  private List<String> names() {
    return registry.stream().map(FuzzTargets.Entry::name).toList();
  }

  /** Runs one file through its target; an IOException names a file that is not an entry. */
  public Entry run(Path file) throws IOException {
    String target =
        targetOf(file)
            .orElseThrow(
                () ->
                    new IOException(
                        file
                            + ": not under a target's folder ("
                            + String.join(", ", names())
                            + ")"));
    byte[] input = Files.readAllBytes(file);
    Optional<Findings.Meta> meta = Optional.empty();
    Path metaFile = file.resolveSibling("meta.cbor");
    if (file.getFileName().toString().equals("input") && Files.exists(metaFile)) {
      meta = Optional.of(Findings.readMeta(metaFile));
    }
    FuzzTarget t = targets.computeIfAbsent(target, this::open);
    return new Entry(
        file,
        target,
        meta.map(Findings.Meta::status),
        meta.map(Findings.Meta::kernel),
        t.run(input),
        input);
  }

  /** A target for a replay: a C kernel's also keeps the kernel functions its inputs reach. */
  private FuzzTarget open(String name) {
    FuzzTarget t = byName(name).orElseThrow().factory().get();
    t.guestCoverage().ifPresent(c -> c.trackFunctions(true));
    return t;
  }

  /**
   * The guest kernels' functions reached by the inputs replayed so far, one section a target that
   * runs a C kernel ("KERNEL: kernel functions reached: K of N" and the names).
   */
  public String kernelFunctionsReached() {
    StringBuilder sb = new StringBuilder();
    targets.forEach(
        (name, t) ->
            t.guestCoverage()
                .ifPresent(
                    c ->
                        sb.append(byName(name).orElseThrow().kernel())
                            .append(": ")
                            .append(c.report())));
    return sb.toString();
  }

  /** What {@link #replayAll} did. */
  public record Summary(int entries, int failing, List<Path> reports, List<Path> markedFixed) {}

  /**
   * Replays every file, one line each on {@code out}; writes a Markdown bug report for each failing
   * entry (a finding's report.md, or {@code reportDir/<target>-<file>.md} for a corpus input); with
   * {@code markFixed}, sets the status of open findings that now pass to fixed. Diagnostics go to
   * {@code err}.
   */
  public Summary replayAll(
      List<Path> files, Path reportDir, boolean markFixed, PrintStream out, PrintStream err)
      throws IOException {
    int failing = 0;
    List<Path> reports = new ArrayList<>();
    List<Path> fixed = new ArrayList<>();
    for (Path f : files) {
      Entry e = run(f);
      otherKernel(e).ifPresent(err::println);
      out.println(e.word() + " " + e.target() + " " + e.path() + ": " + e.verdict().summary());
      if (!e.passed()) {
        failing++;
        reports.add(writeReport(e, reportDir));
        err.println("replay: bug report " + reports.get(reports.size() - 1));
      } else if (markFixed && e.word().equals("FIXED?")) {
        Findings.setStatus(f.getParent(), Findings.FIXED);
        fixed.add(f.getParent());
        err.println("replay: marked fixed: " + f.getParent());
      }
    }
    err.print(kernelFunctionsReached());
    return new Summary(files.size(), failing, reports, fixed);
  }

  /**
   * A warning when a finding was found on another kernel than the one replaying it (another ELF,
   * another build of the same path, or the Java kernel against a C kernel's finding): its verdict
   * here says nothing about the kernel it names.
   */
  Optional<String> otherKernel(Entry e) {
    KernelIdentity here = byName(e.target()).orElseThrow().kernel();
    return e.foundOn()
        .filter(k -> !k.sha256().equals(here.sha256()))
        .map(k -> "replay: " + e.path() + " was found on " + k + "; replaying it on " + here);
  }

  private Path writeReport(Entry e, Path reportDir) throws IOException {
    FuzzTarget.Verdict.Fail f = (FuzzTarget.Verdict.Fail) e.verdict();
    String md =
        BugReport.markdown(byName(e.target()).orElseThrow(), e.path().toString(), e.input(), f);
    Path out =
        e.status().isPresent()
            ? e.path().resolveSibling("report.md")
            : reportDir.resolve(e.target() + "-" + e.path().getFileName() + ".md");
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, md);
    return out;
  }
}
