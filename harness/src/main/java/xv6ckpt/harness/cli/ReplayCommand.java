package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.harness.campaign.Replay;
import xv6ckpt.harness.fuzz.FuzzTargets;

/** {@code replay}: run corpus entries through their targets, one line each. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replay fuzz corpus entries deterministically, one line per entry: PASS, FAIL,",
      "OPEN (an open finding, still failing) or FIXED? (an open finding that passes",
      "now: mark it fixed with --mark-fixed).",
      "Each PATH is a corpus file or folder (default: the whole corpus, findings",
      "included); the path names the target: corpus/<target>/... or",
      "corpus/findings/<target>/<id>/input. A failing entry gets a Markdown bug",
      "report (the command that reproduces it, expected vs actual, the input decoded,",
      "console, stack): a finding's report.md, else --report-dir/<target>-<file>.md.",
    },
    footer = {
      "",
      "Exit status: 0 every entry passes; 1 an entry fails (a corpus input, an open",
      "finding not yet fixed, or a fixed finding failing again); 2 a PATH is unreadable."
    })
final class ReplayCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(
      names = "--corpus",
      paramLabel = "DIR",
      description = "The corpus root (default: corpus in the repository).")
  Path corpus;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      description =
          "Where bug reports of failing corpus inputs go (default: reports/replay "
              + "in the repository).")
  Path reportDir;

  @Option(
      names = "--mark-fixed",
      description = "Set the status of open findings that now pass to fixed.")
  boolean markFixed;

  @Parameters(paramLabel = "PATH", description = "Corpus files or folders.")
  List<Path> paths = new ArrayList<>();

  @Mixin KernelTargetOptions kernel = new KernelTargetOptions();

  /** The targets entries are replayed with; tests put test-only targets here. */
  List<FuzzTargets.Entry> registry = FuzzTargets.ALL;

  @Override
  public Integer call() {
    Path root = CampaignCommand.repoRoot();
    Path corpusRoot = corpus != null ? corpus : root.resolve("corpus");
    Path reports = reportDir != null ? reportDir : root.resolve("reports").resolve("replay");
    Replay.Summary s;
    try {
      List<Path> roots = paths;
      if (paths.isEmpty()) {
        roots = List.of(kernel.active() ? corpusRoot.resolve("syscall-args") : corpusRoot);
      }
      List<Path> files = Replay.expand(roots);
      List<FuzzTargets.Entry> targets = registry;
      if (kernel.active()) {
        Replay all = new Replay(registry);
        List<String> names =
            files.stream().map(f -> all.targetOf(f).orElse("?")).distinct().toList();
        targets = kernel.registry(names, registry);
      } else {
        kernel.registry(List.of(), registry); // --fs or --harts alone: bad usage
      }
      s = new Replay(targets).replayAll(files, reports, markFixed, main.out, main.err);
    } catch (IOException e) {
      throw CliError.badInput(e.getMessage());
    }
    String entries = s.entries() == 1 ? " entry, " : " entries, ";
    main.err.println("replay: " + s.entries() + entries + s.failing() + " failing");
    return s.failing() == 0 ? Main.EXIT_OK : Main.EXIT_FINDING;
  }
}
