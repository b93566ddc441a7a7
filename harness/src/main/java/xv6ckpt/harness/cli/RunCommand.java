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
      "statuses, so 0 means only that the command finished; 1 if the kernel panicked or the",
      "command did not finish within --max-steps (or the machine went idle: every hart in wfi",
      "with no timer armed); 2 if the kernel never reached the prompt (then nothing is",
      "written). The output is printed as it comes. --fs-out FILE keeps the disk as the run",
      "left it (check it with 'xv6ckpt fsck FILE').",
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
      description = "Stop after N instructions in all (default: no limit; not with --kernel).")
  Long maxInstructions;

  @Option(
      names = "--max-steps",
      paramLabel = "N",
      description =
          "With --kernel: steps of the machine's clock in all (default: "
              + DEFAULT_MAX_STEPS
              + ").")
  Long maxSteps;

  @Parameters(index = "0", paramLabel = "PROG", description = "Program path in the image.")
  String prog;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    if (machine.kernel != null) {
      if (maxInstructions != null) {
        throw CliError.badInput(
            "--max-instructions is for the Java kernel; with --kernel the budget is --max-steps");
      }
      return runOnKernel(maxSteps == null ? DEFAULT_MAX_STEPS : maxSteps);
    }
    if (maxSteps != null) {
      throw CliError.badInput(
          "--max-steps needs --kernel (the Java kernel's budget is --max-instructions)");
    }
    if (maxInstructions != null && maxInstructions < 0) {
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
    long limit = maxInstructions == null ? 0 : maxInstructions;
    long left = limit == 0 ? Long.MAX_VALUE : limit;
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
        main.err.printf("xv6ckpt: %s still running after %d instructions%n", prog, limit);
        return EXIT_LIMIT;
      }
    }
  }

  /**
   * {@code run --kernel}: boot, wait for the prompt, type the line, print the command's output as
   * it comes until the next prompt; then write the disk if --fs-out says so.
   */
  private int runOnKernel(long maxSteps) {
    if (machine.fs == null) {
      throw CliError.badInput("run --kernel needs --fs IMAGE (the kernel's file system)");
    }
    if (maxSteps < 1) {
      throw CliError.badInput("--max-steps must be at least 1, not " + maxSteps);
    }
    byte[] input = readInput();
    FullSystem fs = machine.fullSystem();
    int code = typeAndWait(fs, input, maxSteps);
    if (machine.fsOut != null) {
      fs.writeDisk(machine.fsOut);
    }
    return code;
  }

  private int typeAndWait(FullSystem fs, byte[] input, long maxSteps) {
    Wait start = runUntilPrompt(fs, 0, SHELL_START, maxSteps, null);
    if (start.why() == Why.PANIC) {
      return Main.EXIT_FINDING; // a kernel that boots and panics: a finding (printed already)
    }
    if (start.failed()) {
      throw CliError.badInput(noPrompt(start)); // not a kernel this command can drive
    }
    String line = String.join(" ", commandLine()) + "\n";
    fs.type(line.getBytes(StandardCharsets.UTF_8));
    if (stdin != null) {
      fs.type(input);
      fs.type(new byte[] {CTRL_D}); // xv6's console: end of file for the reader
    }
    Output output = new Output(fs, start.at() + PROMPT.length());
    Wait end = runUntilPrompt(fs, output.typed, null, maxSteps, output);
    output.printUpTo(end.failed() ? fs.consoleLength() : end.at());
    main.out.flush();
    return end.failed() ? failure(end, "command did not finish") : Main.EXIT_OK;
  }

  /**
   * Why the boot reached no prompt: bad input (exit 2, and --fs-out is not written), since a kernel
   * that never offers xv6's shell cannot be given the command at all.
   */
  private static String noPrompt(Wait w) {
    String what = "the kernel did not reach a prompt ('" + SHELL_START + "' then '$ ')";
    return w.why() == Why.IDLE
        ? what
            + ": the machine went idle after "
            + w.steps()
            + " steps (every hart waits in wfi"
            + " and no timer or device can wake one)"
        : what + " within " + w.steps() + " steps (--max-steps)";
  }

  /** Reports why a wait ended without a prompt (a panic was reported where it was seen). */
  private int failure(Wait w, String what) {
    switch (w.why()) {
      case BUDGET -> main.err.printf("xv6ckpt: %s within %d steps%n", what, w.steps());
      case IDLE ->
          main.err.printf(
              "xv6ckpt: %s: the machine went idle after %d steps (every hart waits in wfi and no"
                  + " timer or device can wake one)%n",
              what, w.steps());
      default -> {}
    }
    return Main.EXIT_FINDING;
  }

  private static final byte CTRL_D = 4;

  /** How a wait for the prompt ended: at the prompt starting at {@code at}, or why not. */
  private record Wait(Why why, int at, long steps) {
    boolean failed() {
      return why != Why.PROMPT;
    }
  }

  private enum Why {
    PROMPT,
    BUDGET,
    IDLE,
    PANIC
  }

  /**
   * The command's output on stdout as the console grows: what follows the echoed command line, up
   * to the prompt that ends the run. A trailing "$" or "$ " is held back until more follows, since
   * it may be that prompt.
   */
  private final class Output {
    final FullSystem fs;
    final int typed;

    /** The console up to here is printed (or is the echoed line); -1 until that line ended. */
    private int printed = -1;

    Output(FullSystem fs, int typed) {
      this.fs = fs;
      this.typed = typed;
    }

    void progress() {
      String c = fs.console();
      int hold = c.endsWith(PROMPT) ? 2 : c.endsWith("$") ? 1 : 0;
      printUpTo(c.length() - hold);
    }

    void printUpTo(int end) {
      String c = fs.console();
      if (printed < 0) {
        int nl = c.indexOf('\n', typed);
        if (nl < 0 || nl >= end) return;
        printed = nl + 1;
      }
      if (end > printed) {
        main.out.print(c.substring(printed, end));
        main.out.flush();
        printed = end;
      }
    }
  }

  private List<String> commandLine() {
    List<String> argv = new ArrayList<>();
    argv.add(prog);
    argv.addAll(args);
    return argv;
  }

  /**
   * Runs until the console, after {@code from} (and after {@code marker} if given), ends with the
   * prompt and every typed byte was read; reports a panic line as soon as one appears.
   */
  private Wait runUntilPrompt(
      FullSystem fs, int from, String marker, long maxSteps, Output output) {
    int checked = from;
    while (fs.machine.time() < maxSteps) {
      SystemMachine.Stop stop = fs.machine.run(Math.min(SLICE, maxSteps - fs.machine.time()));
      String panic = fs.panicLine(checked);
      if (panic != null) {
        if (output != null) output.printUpTo(fs.consoleLength());
        main.err.println("xv6ckpt: the kernel panicked: " + panic);
        return new Wait(Why.PANIC, -1, fs.machine.time());
      }
      checked = fs.consoleLength();
      String c = fs.console();
      int after = marker == null ? from : c.indexOf(marker, from);
      if (after >= 0
          && c.endsWith(PROMPT)
          && c.length() - PROMPT.length() >= after
          && fs.board.uart.unreadInput() == 0) {
        return new Wait(Why.PROMPT, c.length() - PROMPT.length(), fs.machine.time());
      }
      if (output != null) output.progress();
      if (stop == SystemMachine.Stop.IDLE) {
        return new Wait(Why.IDLE, -1, fs.machine.time()); // nothing can wake a hart: no prompt
      }
    }
    return new Wait(Why.BUDGET, -1, maxSteps);
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
