package xv6ckpt.harness.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code xv6ckpt} command line: one tool, a subcommand per job.
 *
 * <p>Manners every subcommand keeps: {@code --help}; results on stdout, diagnostics on stderr; exit
 * 0 on success, 1 on a finding or a failed check, 2 on bad usage or bad input, 3 on an internal
 * error. Bad input is reported as one clear line, never as a Java stack trace; an unexpected
 * exception is a bug in this tool and is reported as such in one line naming the exception and the
 * file holding its stack trace (the trace on stderr too with {@code XV6CKPT_DEBUG=1}).
 */
@Command(
    name = "xv6ckpt",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Process checkpoint/restore for xv6 on a reference RV64IMAC emulator.",
    exitCodeListHeading = "%nExit status:%n",
    exitCodeList = {
      "0:success (campaign: no new findings)",
      "1:a finding or a failed check (a new campaign finding, a fixed one found again, a "
          + "fuzz driver that failed, fsck violations, a failing replay)",
      "2:bad usage or bad input (a wrong flag, a missing or malformed file)",
      "3:internal error: a bug in xv6ckpt; one line on stderr names the exception and the "
          + "file with its stack trace",
      "130:interrupted (Ctrl-C)"
    },
    footer = {
      "",
      "run and run-elf exit with the program's own exit status; run --kernel (a C kernel,",
      "whose shell does not report statuses) with 0 once the command is back at the prompt."
    },
    subcommands = {
      HelpCommand.class,
      RunElfCommand.class,
      BenchCommand.class,
      MkfsCommand.class,
      FsckCommand.class,
      LsCommand.class,
      CatCommand.class,
      PutCommand.class,
      GetCommand.class,
      InspectCommand.class,
      BootCommand.class,
      RunCommand.class,
      CrashCommand.class,
      TransparencyCommand.class,
      CampaignCommand.class,
      ReplayCommand.class,
      ReportCommand.class
    })
public final class Main implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FINDING = 1;
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_INTERNAL = 3;

  /** "1 violation", "2 violations": n and the noun, plural unless n is 1. */
  static String plural(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  final PrintStream out;
  final PrintStream err;

  @Spec CommandSpec spec;

  Main(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public void run() {
    // No subcommand: say what there is, as a usage error (the user typed nothing useful).
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a subcommand is required (see 'xv6ckpt --help')");
  }

  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  /** Runs the tool on {@code args} with the given streams and returns its exit code. */
  public static int execute(String[] args, PrintStream out, PrintStream err) {
    CommandLine cmd = new CommandLine(new Main(out, err));
    cmd.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
    cmd.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
    cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(ex, err, traceDir()));
    // Everything after a program's name belongs to the program, dashes included.
    cmd.getSubcommands().get("run-elf").setStopAtPositional(true);
    cmd.getSubcommands().get("run").setStopAtPositional(true);
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /**
   * The exit code for an exception out of a command: a {@link CliError}'s own, else {@link
   * #EXIT_INTERNAL}. An internal error is one line on stderr naming the exception and the file
   * under {@code traceDir} that holds its stack trace (printed too with XV6CKPT_DEBUG set).
   */
  static int report(Exception ex, PrintStream err, Path traceDir) {
    if (ex instanceof CliError e) {
      err.println("xv6ckpt: " + e.getMessage());
      return e.exitCode();
    }
    StringWriter trace = new StringWriter();
    ex.printStackTrace(new PrintWriter(trace));
    String where;
    try {
      Files.createDirectories(traceDir);
      Path file = Files.createTempFile(traceDir, "internal-error-", ".txt");
      Files.writeString(file, trace.toString());
      where = "stack trace in " + file;
    } catch (IOException | RuntimeException e) {
      where = "stack trace not saved (" + e + "); set XV6CKPT_DEBUG=1 to see it";
    }
    err.println("xv6ckpt: internal error (a bug in xv6ckpt): " + ex + "; " + where);
    if (System.getenv("XV6CKPT_DEBUG") != null) {
      err.print(trace);
    }
    return EXIT_INTERNAL;
  }

  /** Where internal errors' stack traces go: reports/ of the repository the tool was built in. */
  private static Path traceDir() {
    try {
      return CampaignCommand.repoRoot().resolve("reports").toAbsolutePath();
    } catch (RuntimeException e) {
      return Path.of(System.getProperty("java.io.tmpdir"));
    }
  }

  /** The version printed by {@code --version}: the build's, from the jar manifest if any. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"xv6ckpt " + (v == null ? "(development build)" : v)};
    }
  }
}
