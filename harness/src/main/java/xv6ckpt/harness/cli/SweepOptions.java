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

  /** Progress on err: the count of points judged, on one line. */
  IntConsumer progress(PrintStream err, String command) {
    return n -> {
      err.print("\r" + command + ": " + n + " of " + points + " points judged");
      err.flush();
    };
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw CliError.badInput(p + ": cannot read: " + e.getMessage());
    }
  }
}
