package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
import xv6ckpt.emulator.system.SystemMachine;
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
      "",
      "With --kernel ELF (a C kernel such as xv6-riscv's): the kernel boots on the full-system",
      "machine over a copy of --fs in memory; at the shell's first prompt ('$ ' after 'init:",
      "starting sh') the command line is typed, then the --stdin bytes and ^D (xv6's end of",
      "file); the run ends at the first prompt after every typed byte was read (lines the",
      "command leaves unread go to the shell) and prints the console from the end of the",
      "command line to that prompt. xv6's shell does not report exit",
      "statuses, so 0 means only that the command finished; 1 if the kernel panicked, never",
      "reached a prompt, or the command did not finish within --max-steps.",
    })
final class RunCommand implements Callable<Integer> {
  static final int EXIT_LIMIT = 124;

  /** Steps for {@code run --kernel}: room for xv6-riscv's usertests -q (idle time is skipped). */
  static final long DEFAULT_MAX_STEPS = 100_000_000_000L;

  private static final String SHELL_START = "init: starting sh";
  private static final String PROMPT = "$ ";
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

  @Option(
      names = "--max-steps",
      paramLabel = "N",
      defaultValue = "" + DEFAULT_MAX_STEPS,
      description =
          "With --kernel: steps of the machine's clock in all (default: ${DEFAULT-VALUE}).")
  long maxSteps;

  @Parameters(index = "0", paramLabel = "PROG", description = "Program path in the image.")
  String prog;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    if (maxInstructions < 0) {
      throw CliError.badInput("--max-instructions must not be negative");
    }
    if (machine.kernel != null) {
      return runOnKernel();
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

  /** {@code run --kernel}: boot, wait for the prompt, type the line, wait for the next prompt. */
  private int runOnKernel() {
    if (machine.fs == null) {
      throw CliError.badInput("run --kernel needs --fs IMAGE (the kernel's file system)");
    }
    if (maxSteps < 1) {
      throw CliError.badInput("--max-steps must be at least 1, not " + maxSteps);
    }
    byte[] input = readInput();
    FullSystem fs = machine.fullSystem();
    int start = runUntilPrompt(fs, 0, SHELL_START);
    if (start == FAILED) return Main.EXIT_FINDING;
    if (start < 0) {
      main.err.printf(
          "xv6ckpt: kernel did not reach a prompt ('%s' then '%s') within %d steps%n",
          SHELL_START, PROMPT, maxSteps);
      return Main.EXIT_FINDING;
    }
    String line = String.join(" ", commandLine()) + "\n";
    fs.type(line.getBytes(StandardCharsets.UTF_8));
    if (stdin != null) {
      fs.type(input);
      fs.type(new byte[] {CTRL_D}); // xv6's console: end of file for the reader
    }
    int typed = start + PROMPT.length();
    int end = runUntilPrompt(fs, typed, null);
    if (end == FAILED) return Main.EXIT_FINDING;
    String out = fs.console().substring(typed, end < 0 ? fs.consoleLength() : end);
    // the console echoes the typed line first: the command's output is what follows it
    int nl = out.indexOf('\n');
    main.out.print(nl < 0 ? "" : out.substring(nl + 1));
    main.out.flush();
    if (end < 0) {
      main.err.printf("xv6ckpt: command did not finish within %d steps%n", maxSteps);
      return Main.EXIT_FINDING;
    }
    return Main.EXIT_OK;
  }

  private static final int FAILED = -2;
  private static final byte CTRL_D = 4;

  private List<String> commandLine() {
    List<String> argv = new ArrayList<>();
    argv.add(prog);
    argv.addAll(args);
    return argv;
  }

  /**
   * Runs until the console, after {@code from} (and after {@code marker} if given), ends with the
   * prompt; returns where that prompt starts, -1 if the step budget ran out, or {@link #FAILED}
   * after reporting a panic.
   */
  private int runUntilPrompt(FullSystem fs, int from, String marker) {
    int checked = from;
    while (fs.machine.time() < maxSteps) {
      SystemMachine.Stop stop = fs.machine.run(Math.min(SLICE, maxSteps - fs.machine.time()));
      String panic = fs.panicLine(checked);
      if (panic != null) {
        main.err.println("xv6ckpt: the kernel panicked: " + panic);
        return FAILED;
      }
      checked = fs.consoleLength();
      String c = fs.console();
      int after = marker == null ? from : c.indexOf(marker, from);
      if (after >= 0
          && c.endsWith(PROMPT)
          && c.length() - PROMPT.length() >= after
          && fs.board.uart.unreadInput() == 0) {
        return c.length() - PROMPT.length();
      }
      if (stop == SystemMachine.Stop.IDLE) {
        return -1; // every hart waits and nothing can wake one: no prompt will ever come
      }
    }
    return -1;
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
