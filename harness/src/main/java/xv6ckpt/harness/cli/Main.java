package xv6ckpt.harness.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code xv6ckpt} command line: one tool, a subcommand per job.
 *
 * <p>Manners every subcommand keeps: {@code --help}; results on stdout, diagnostics on stderr;
 * exit 0 on success, 1 on a finding or a failed check, 2 on bad usage or bad input. Bad input is
 * reported as one clear line, never as a Java stack trace; an unexpected exception is a bug in
 * this tool and is reported as such (its trace only with {@code XV6CKPT_DEBUG=1}).
 */
@Command(
    name = "xv6ckpt",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Process checkpoint/restore for xv6 on a reference RV64IMAC emulator.",
    subcommands = {
      HelpCommand.class, RunElfCommand.class, BenchCommand.class, MkfsCommand.class,
      FsckCommand.class, LsCommand.class, CatCommand.class, PutCommand.class, GetCommand.class,
      InspectCommand.class, BootCommand.class, RunCommand.class, CampaignCommand.class,
      ReplayCommand.class, ReportCommand.class
    })
public final class Main implements Runnable {
  public static final int EXIT_OK = 0;
  public static final int EXIT_FINDING = 1;
  public static final int EXIT_USAGE = 2;

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
    cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> report(ex, err));
    // Everything after a program's name belongs to the program, dashes included.
    cmd.getSubcommands().get("run-elf").setStopAtPositional(true);
    cmd.getSubcommands().get("run").setStopAtPositional(true);
    int code = cmd.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  private static int report(Exception ex, PrintStream err) {
    if (ex instanceof CliError e) {
      err.println("xv6ckpt: " + e.getMessage());
      return e.exitCode();
    }
    err.println("xv6ckpt: internal error: " + ex);
    if (System.getenv("XV6CKPT_DEBUG") != null) {
      ex.printStackTrace(err);
    } else {
      err.println("(this is a bug in xv6ckpt; set XV6CKPT_DEBUG=1 to see the stack trace)");
    }
    return EXIT_FINDING;
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
