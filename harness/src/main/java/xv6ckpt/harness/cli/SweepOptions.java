package xv6ckpt.harness.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.IntConsumer;
import picocli.CommandLine.Option;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * The options of the C-kernel sweeps ({@code crash}, {@code transparency}): the kernel and its
 * image, checked as {@code boot --kernel} checks them (exit 2, nothing runs), the number of points
 * and harts, and a progress display on stderr.
 */
final class SweepOptions {
  @Option(
      names = "--kernel",
      required = true,
      paramLabel = "ELF",
      description = "The C kernel ELF (e.g. xv6-riscv's kernel/kernel with xv6-kit applied).")
  Path kernel;

  @Option(
      names = "--fs",
      required = true,
      paramLabel = "IMAGE",
      description = "Its fs.img (copied; never written).")
  Path fs;

  @Option(
      names = "--points",
      paramLabel = "N",
      defaultValue = "40",
      description = "Points to judge, spread evenly (default 40).")
  int points;

  @Option(
      names = "--harts",
      paramLabel = "N",
      defaultValue = "1",
      description = "Harts of the full-system machine, 1 to 8 (default 1).")
  int harts;

  byte[] elf;
  byte[] image;

  /** Checks everything, reads the kernel and image, and names the kernel on err. */
  void load(PrintStream err, String command) {
    if (points < 2) throw CliError.badInput("--points: at least 2, not " + points);
    FullSystem.open(kernel, fs, 128, harts, 0);
    elf = read(kernel);
    image = read(fs);
    err.println(command + ": " + KernelIdentity.ofElf(kernel.toString(), elf));
  }

  /** Progress on err, rewritten in place on a terminal and a line per tenth in a log. */
  Progress progress(PrintStream err, String command) {
    return new Progress(err, command, points, System.console() != null);
  }

  /**
   * The count of points judged. A terminal gets one line rewritten with {@code \r}; a log or a pipe
   * (CI, judge.sh) gets a whole line each time another tenth of the points is done, so it holds no
   * carriage returns and stays short.
   */
  static final class Progress implements IntConsumer {
    private final PrintStream err;
    private final String command;
    private final int points;
    private final boolean terminal;

    Progress(PrintStream err, String command, int points, boolean terminal) {
      this.err = err;
      this.command = command;
      this.points = points;
      this.terminal = terminal;
    }

    @Override
    public void accept(int n) {
      String line = command + ": " + n + " of " + points + " points judged";
      if (terminal) {
        err.print("\r" + line);
        err.flush();
      } else if (n == points || n * 10 / points != (n - 1) * 10 / points) {
        err.println(line);
      }
    }

    /** Ends the rewritten line, if there is one. */
    void end() {
      if (terminal) err.println();
    }
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw CliError.badInput(p + ": cannot read: " + e.getMessage());
    }
  }
}
