package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.harness.fuzz.BugReport;
import xv6ckpt.harness.fuzz.FuzzTarget;
import xv6ckpt.harness.fuzz.Replay;

/** {@code replay}: run corpus entries through their targets, one line each. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replay fuzz corpus entries deterministically, one line per entry.",
      "Each PATH is a corpus file or folder (default: the whole corpus, findings included).",
      "The target is named by the path: corpus/<target>/... or",
      "corpus/findings/<target>/<id>/input. A failing entry gets a Markdown bug report",
      "(input decoded, expected vs actual, console, stack, the command to reproduce it).",
    },
    footer = {"", "Exit status: 0 every entry passes (open findings that still fail are",
        "reported as OPEN), 1 an entry fails, 2 a PATH is unreadable."})
final class ReplayCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(names = "--corpus", paramLabel = "DIR", defaultValue = "corpus",
      description = "The corpus root (default: ${DEFAULT-VALUE}).")
  Path corpus;

  @Option(names = "--report-dir", paramLabel = "DIR", defaultValue = "reports/replay",
      description = "Where bug reports of failing entries go (default: ${DEFAULT-VALUE}).")
  Path reportDir;

  @Parameters(paramLabel = "PATH", description = "Corpus files or folders.")
  List<Path> paths = new ArrayList<>();

  @Override
  public Integer call() {
    List<Path> files;
    try {
      files = Replay.expand(paths.isEmpty() ? List.of(corpus) : paths);
    } catch (IOException e) {
      throw CliError.badInput(e.getMessage());
    }
    Replay replay = new Replay();
    int failed = 0;
    for (Path f : files) {
      Replay.Entry e;
      try {
        e = replay.run(f);
      } catch (IOException ex) {
        throw CliError.badInput(ex.getMessage());
      }
      main.out.println(line(e));
      if (e.verdict() instanceof FuzzTarget.Verdict.Fail) {
        writeReport(e);
      }
      failed += e.ok() ? 0 : 1;
    }
    main.err.println("replay: " + files.size() + " entries, " + failed + " failing");
    return failed == 0 ? Main.EXIT_OK : Main.EXIT_FINDING;
  }

  private static String line(Replay.Entry e) {
    boolean pass = e.verdict() instanceof FuzzTarget.Verdict.Pass;
    String word = pass ? (e.status().equals(java.util.Optional.of("open")) ? "FIXED?" : "PASS")
        : (e.status().equals(java.util.Optional.of("open")) ? "OPEN" : "FAIL");
    return word + " " + e.target() + " " + e.path() + ": " + e.verdict().summary();
  }

  private void writeReport(Replay.Entry e) {
    FuzzTarget.Verdict.Fail f = (FuzzTarget.Verdict.Fail) e.verdict();
    String md = BugReport.markdown(e.target(), e.path().toString(), e.input(), f);
    Path out = reportDir.resolve(e.target() + "-" + e.path().getFileName() + ".md");
    if (e.status().isPresent()) {
      out = e.path().resolveSibling("report.md");
    }
    try {
      Files.createDirectories(out.getParent());
      Files.writeString(out, md);
      main.err.println("replay: bug report " + out);
    } catch (IOException ex) {
      main.err.println("replay: cannot write " + out + ": " + ex.getMessage());
    }
  }
}
