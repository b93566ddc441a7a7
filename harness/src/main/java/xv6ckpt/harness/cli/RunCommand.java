package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Machine.Outcome;

/**
 * {@code run}: boots the kernel with an init that only reaps children, runs PROG as pid 2 with the
 * console on fds 0, 1, 2, prints the console, and exits with PROG's status.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
      "Boot xv6 and run one program from the file system as a child of init; print the console.",
      "Console input comes from --stdin FILE ('-' for this process's stdin), then end of file.",
    },
    footer = {
      "",
      "Exit status: PROG's exit status (modulo 256; a non-zero multiple of 256 gives 1; 255 for",
      "xv6's -1, e.g. killed by a fault); 1 if the kernel panicked or every process is stuck;",
      "124 if --max-instructions ran out; 2 on bad usage, a bad image, or PROG not executable.",
    })
final class RunCommand implements Callable<Integer> {
  static final int EXIT_LIMIT = 124;
  private static final long SLICE = 10_000_000;

  @ParentCommand Main main;

  @Mixin MachineOptions machine;

  @Option(
      names = "--stdin",
      paramLabel = "FILE",
      description = "Console input for the program ('-': this process's stdin).")
  String stdin;

  @Option(
      names = "--max-instructions",
      paramLabel = "N",
      description = "Stop after N instructions in all (default: no limit).")
  long maxInstructions;

  @Parameters(index = "0", paramLabel = "PROG", description = "Program path in the image.")
  String prog;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    if (maxInstructions < 0) {
      throw CliError.badInput("--max-instructions must not be negative");
    }
    Machine.Config config = machine.config();
    byte[] input = readInput();
    try (BlockDevice disk = machine.disk()) {
      Machine m = boot(disk, config);
      m.echoOutputTo(main.out);
      m.consoleInput(input);
      m.endConsoleInput();
      List<String> argv = new ArrayList<>();
      argv.add(prog);
      argv.addAll(args);
      try {
        m.spawn(prog.startsWith("/") ? prog : "/" + prog, argv);
      } catch (Machine.BootException e) {
        throw CliError.badInput(e.getMessage());
      }
      return drive(m);
    } catch (Exception e) {
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      throw new IOException(e);
    }
  }

  private static Machine boot(BlockDevice disk, Machine.Config config) {
    try {
      return Machine.runner(disk, config);
    } catch (Machine.BootException e) {
      throw CliError.badInput(e.getMessage());
    }
  }

  private int drive(Machine m) {
    long left = maxInstructions == 0 ? Long.MAX_VALUE : maxInstructions;
    for (; ; ) {
      long before = m.cycles();
      Outcome o = m.run(Math.min(SLICE, left));
      left -= m.cycles() - before;
      main.out.flush();
      if (o instanceof Outcome.Exited) {
        return exitCode(((Outcome.Exited) o).status());
      }
      if (o instanceof Outcome.Panicked) {
        main.err.println("xv6ckpt: the kernel panicked: " + ((Outcome.Panicked) o).message());
        return Main.EXIT_FINDING;
      }
      if (o instanceof Outcome.Idle) {
        main.err.println(
            "xv6ckpt: every process is asleep and nothing can wake one ("
                + prog
                + " never exited)");
        return Main.EXIT_FINDING;
      }
      if (left <= 0) {
        main.err.printf("xv6ckpt: %s still running after %d instructions%n", prog, maxInstructions);
        return EXIT_LIMIT;
      }
    }
  }

  static int exitCode(int status) {
    int code = status & 0xff;
    return status != 0 && code == 0 ? 1 : code;
  }

  private byte[] readInput() {
    if (stdin == null) {
      return new byte[0];
    }
    try {
      return stdin.equals("-") ? System.in.readAllBytes() : Files.readAllBytes(Path.of(stdin));
    } catch (NoSuchFileException e) {
      throw CliError.badInput(stdin + ": no such file");
    } catch (IOException e) {
      throw CliError.badInput(stdin + ": cannot read: " + e.getMessage());
    }
  }
}
