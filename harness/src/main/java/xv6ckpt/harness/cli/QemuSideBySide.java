package xv6ckpt.harness.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import xv6ckpt.emulator.pk.BundledPrograms;

/**
 * Times a bundled benchmark's Linux-ABI twin ({@link BundledPrograms#linuxTwin}) under
 * qemu-riscv64, for {@code bench} to print beside our own figures. A run is one qemu process, timed
 * from its start to its exit here in the tool; qemu's start-up (the median time of the sort twin
 * with zero rounds, which executes a few hundred instructions) is subtracted, since our figures do
 * not include the JVM's. Every run's output and exit status must be the ones our run gave, so the
 * two emulators are known to have done the same work.
 */
final class QemuSideBySide implements AutoCloseable {
  static final String DEFAULT_COMMAND = "qemu-riscv64";

  private final String command;
  private final Path twin;
  private final Path empty;
  private final long startupNanos;

  private QemuSideBySide(String command, Path twin, Path empty, long startupNanos) {
    this.command = command;
    this.twin = twin;
    this.empty = empty;
    this.startupNanos = startupNanos;
  }

  /**
   * The command {@code --qemu VALUE} names: null for "off", or for "auto" when qemu-riscv64 is not
   * on PATH; a name is looked up on PATH, a path must be an executable file.
   */
  /** qemu-system-riscv64 on PATH (for {@code bench --kernel}), or null. */
  static String resolveSystem() {
    String path = System.getenv("PATH");
    for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, "qemu-system-riscv64");
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p.toString();
      }
    }
    return null;
  }

  static String resolve(String value) {
    if (value.equals("off")) {
      return null;
    }
    boolean auto = value.equals(BenchCommand.AUTO);
    String name = auto ? DEFAULT_COMMAND : value;
    if (name.contains(File.separator)) {
      if (!Files.isExecutable(Path.of(name)) || Files.isDirectory(Path.of(name))) {
        throw CliError.badInput("--qemu " + value + ": no such executable file");
      }
      return name;
    }
    String path = System.getenv("PATH");
    for (String dir : path == null ? new String[0] : path.split(File.pathSeparator)) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p) && !Files.isDirectory(p)) {
        return p.toString();
      }
    }
    if (auto) {
      return null;
    }
    throw CliError.badInput("--qemu " + value + ": not found on PATH");
  }

  /**
   * Writes the twin of {@code program} and the start-up probe to temporary files and measures
   * qemu's start-up ({@code warmup} unmeasured runs, then the median of {@code runs}).
   */
  static QemuSideBySide start(String command, String program, int warmup, int runs, PrintStream err)
      throws IOException {
    byte[] bytes =
        BundledPrograms.linuxTwin(program)
            .orElseThrow(() -> new IllegalStateException("no Linux twin of " + program));
    Path twin = Files.createTempFile("xv6ckpt-" + program, ".linux.elf");
    Path empty = Files.createTempFile("xv6ckpt-bench_sort", ".linux.elf");
    try {
      Files.write(twin, bytes);
      Files.write(empty, BundledPrograms.linuxTwin("bench_sort").orElseThrow());
      // qemu-user refuses, silently with exit status 1, to run a file without execute permission.
      if (!twin.toFile().setExecutable(true, true) || !empty.toFile().setExecutable(true, true)) {
        throw new IOException("cannot make " + twin + " executable for " + command);
      }
      QemuSideBySide q = new QemuSideBySide(command, twin, empty, 0);
      byte[] expected = "sort 0x0\n".getBytes(StandardCharsets.US_ASCII);
      long[] nanos = new long[runs];
      for (int i = 0; i < warmup + runs; i++) {
        err.printf("\r%-16s start-up %d/%d   ", "qemu", i + 1, warmup + runs);
        long t = q.timed(empty, List.of("0"), expected);
        if (i >= warmup) {
          nanos[i - warmup] = t;
        }
      }
      Arrays.sort(nanos);
      return new QemuSideBySide(command, twin, empty, nanos[runs / 2]);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(twin);
      Files.deleteIfExists(empty);
      throw e;
    }
  }

  /** qemu's start-up that {@link #mips} subtracts, in milliseconds. */
  double startupMillis() {
    return startupNanos / 1e6;
  }

  /**
   * Runs the twin once with {@code args}; returns {@code instructions} (our count for the same
   * program) per second of its run, start-up excluded, in millions.
   */
  double mips(List<String> args, byte[] expected, long instructions) throws IOException {
    long nanos = timed(twin, args, expected) - startupNanos;
    return instructions / (Math.max(nanos, 1) / 1e9) / 1e6;
  }

  /** Wall time of one qemu process running {@code elf}; checks its output and exit status. */
  private long timed(Path elf, List<String> args, byte[] expected) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(command, elf.toString()));
    cmd.addAll(args);
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).start();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] diagnostics = p.getErrorStream().readAllBytes(); // a few lines at most
    int status;
    try {
      status = p.waitFor();
    } catch (InterruptedException e) {
      p.destroy();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for " + command, e);
    }
    long nanos = System.nanoTime() - start;
    if (status != 0 || !Arrays.equals(out, expected)) {
      throw new CliError(
          Main.EXIT_FINDING,
          String.format(
              "%s %s %s: exit status %d and output '%s' (stderr '%s'), ours was 0 and '%s'",
              command,
              elf.getFileName(),
              String.join(" ", args),
              status,
              new String(out, StandardCharsets.US_ASCII).strip(),
              new String(diagnostics, StandardCharsets.US_ASCII).strip(),
              new String(expected, StandardCharsets.US_ASCII).strip()));
    }
    return nanos;
  }

  @Override
  public void close() throws IOException {
    Files.deleteIfExists(twin);
    Files.deleteIfExists(empty);
  }
}
