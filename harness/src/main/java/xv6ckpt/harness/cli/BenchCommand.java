package xv6ckpt.harness.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.emulator.pk.BundledPrograms;
import xv6ckpt.emulator.pk.ProxyKernel;
import xv6ckpt.emulator.pk.ProxyKernel.Outcome;
import xv6ckpt.kernel.BuiltinImage;
import xv6ckpt.kernel.bench.CheckpointBench;
import xv6ckpt.kernel.bench.FsBench;
import xv6ckpt.kernel.bench.KernelBench;

/**
 * {@code bench}: the project's benchmarks, each run a few times after warm-up runs, reported as the
 * median with the range. Wall time is read here, in the tool, never inside the emulator.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Run the benchmarks; print one line per figure.",
      "%nEach figure is the median of the measured runs, with min and max. Emulator: emulated "
          + "instructions per second with the Sv39 MMU on, for an ALU/branch loop with mul/div, a "
          + "sort of a 4 MiB array, and a byte-wise CRC-32 of 4 MiB. File system: sequential "
          + "write and read of a 64 MiB file through the log (in-memory disk) and the disk writes "
          + "per data block, with big transactions and with xv6's MAXOPBLOCKS ones.",
    })
final class BenchCommand implements Callable<Integer> {

  @ParentCommand Main main;

  @Option(names = "--json", description = "Print the figures as a JSON array instead of a table.")
  boolean json;

  @Option(
      names = "--runs",
      paramLabel = "N",
      defaultValue = "5",
      description = "Measured runs per benchmark (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(
      names = "--warmup",
      paramLabel = "N",
      defaultValue = "3",
      description = "Unmeasured warm-up runs per benchmark (default: ${DEFAULT-VALUE}).")
  int warmup;

  /** One measured figure. */
  record Figure(String name, String unit, double median, double min, double max, String detail) {}

  /** A workload: one run returns its figure in the benchmark's unit. */
  interface Workload {
    double runOnce() throws IOException;
  }

  @Option(
      names = "--only",
      paramLabel = "NAME",
      split = ",",
      description = "Run only these benchmark groups (default: all): ${COMPLETION-CANDIDATES}.")
  List<Group> only;

  @Option(
      names = "--fork",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Run each group in a fresh JVM, as JMH forks, so one group's JIT profile "
              + "does not slow the next (default: ${DEFAULT-VALUE}).")
  boolean fork;

  /** The benchmark groups, in the order they run. */
  enum Group {
    alu,
    sort,
    crc,
    fs,
    fs_xv6chunks,
    kernel,
    checkpoint
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (runs < 1 || warmup < 0) {
      throw CliError.badInput("--runs must be at least 1 and --warmup at least 0");
    }
    List<Figure> figures = new ArrayList<>();
    for (Group g : only == null ? List.of(Group.values()) : only) {
      figures.addAll(fork ? inChildJvm(g) : run(g));
    }
    if (json) {
      printJson(figures);
    } else {
      for (Figure f : figures) {
        main.out.printf(
            Locale.ROOT,
            "%-24s %10.1f %-6s (min %.1f, max %.1f)  %s%n",
            f.name(),
            f.median(),
            f.unit(),
            f.min(),
            f.max(),
            f.detail());
      }
    }
    return Main.EXIT_OK;
  }

  private List<Figure> run(Group g) throws IOException {
    switch (g) {
      case alu:
        return emulator(
            "emulator.alu", "bench_alu", List.of("20000000"), "ALU/branch loop with mul/div");
      case sort:
        return emulator("emulator.sort", "bench_sort", List.of("1"), "quicksort of a 4 MiB array");
      case crc:
        return emulator(
            "emulator.crc", "bench_crc", List.of("4"), "byte-wise CRC-32, 4 x 4 MiB, mostly RVC");
      case fs:
        return fileSystem(false, "fs", "whole log per transaction");
      case fs_xv6chunks:
        return fileSystem(true, "fs.xv6chunks", "MAXOPBLOCKS per transaction, as xv6's filewrite");
      case kernel:
        return kernel();
      case checkpoint:
        return checkpoint();
      default:
        throw new IllegalStateException("unknown group " + g);
    }
  }

  /** Runs one group in a child JVM with the same class path and reads its JSON figures. */
  private List<Figure> inChildJvm(Group g) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        List.of(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName(),
            "bench",
            "--no-fork",
            "--json",
            "--only",
            g.name(),
            "--runs",
            String.valueOf(runs),
            "--warmup",
            String.valueOf(warmup));
    Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int status = child.waitFor();
    if (status != 0) {
      throw new CliError(
          Main.EXIT_FINDING, "benchmark group " + g + " failed (exit " + status + ")");
    }
    List<Figure> figures = new ArrayList<>();
    Matcher m = JSON_FIGURE.matcher(output);
    while (m.find()) {
      figures.add(
          new Figure(
              m.group(1),
              m.group(2),
              Double.parseDouble(m.group(3)),
              Double.parseDouble(m.group(4)),
              Double.parseDouble(m.group(5)),
              m.group(6).replace("\\\"", "\"")));
    }
    return figures;
  }

  /** One line of {@link #printJson}'s output. */
  private static final Pattern JSON_FIGURE =
      Pattern.compile(
          "\\{\"name\": \"([^\"]*)\", \"unit\": \"([^\"]*)\", \"median\": ([-0-9.E]+), "
              + "\"min\": ([-0-9.E]+), \"max\": ([-0-9.E]+), \"detail\": \"((?:[^\"\\\\]|\\\\.)*)\"\\}");

  /**
   * Million instructions per second of one bundled program, two ways: on one machine reset to its
   * just-loaded snapshot before every run (steady state, as the fuzzers run: code decoded and
   * translated once), and on a new machine for every run (cold: decoding, translation and the JIT's
   * compilation of translated code inside the timed run).
   */
  private List<Figure> emulator(String name, String program, List<String> args, String detail)
      throws IOException {
    byte[] elf = BundledPrograms.load(program).orElseThrow();
    List<String> argv = new ArrayList<>(List.of(program));
    argv.addAll(args);
    long[] instructions = new long[1];
    ProxyKernel steady = loaded(elf, argv, program);
    ProxyKernel.Snapshot start = steady.snapshot();
    Figure warm =
        measure(
            name,
            "MIPS",
            () -> {
              steady.reset(start);
              return timedRun(steady, program, instructions);
            },
            detail);
    Figure cold =
        measure(
            name + ".cold",
            "MIPS",
            () -> timedRun(loaded(elf, argv, program), program, instructions),
            detail);
    String what = detail + ", " + instructions[0] + " instructions";
    return List.of(
        new Figure(
            warm.name(),
            warm.unit(),
            warm.median(),
            warm.min(),
            warm.max(),
            what + "; machine reset between runs"),
        new Figure(
            cold.name(),
            cold.unit(),
            cold.median(),
            cold.min(),
            cold.max(),
            what + "; a new machine for every run"));
  }

  private ProxyKernel loaded(byte[] elf, List<String> argv, String program) {
    ProxyKernel pk =
        new ProxyKernel(ProxyKernel.DEFAULT_RAM, OutputStream.nullOutputStream(), main.err);
    try {
      pk.load(elf, argv, ProxyKernel.DEFAULT_STACK);
    } catch (Exception e) {
      throw new IllegalStateException("bundled program " + program + " does not load", e);
    }
    return pk;
  }

  private static double timedRun(ProxyKernel pk, String program, long[] instructions)
      throws IOException {
    long before = pk.hart().instret();
    long start = System.nanoTime();
    Outcome o = pk.run(0);
    long nanos = System.nanoTime() - start;
    if (!(o instanceof Outcome.Exited e) || e.status() != 0) {
      throw new IllegalStateException("bundled program " + program + " failed: " + o);
    }
    instructions[0] = o.instructions() - before;
    return instructions[0] / (nanos / 1e9) / 1e6;
  }

  /** Sequential write and read of a 64 MiB file through the log, on the in-memory disk. */
  private List<Figure> fileSystem(boolean xv6Chunks, String prefix, String how) throws IOException {
    FsBench.Figures[] last = new FsBench.Figures[1];
    double[] reads = new double[runs];
    int[] calls = {0};
    Figure write =
        measure(
            prefix + ".write",
            "MB/s",
            () -> {
              last[0] = FsBench.measure(64 << 20, xv6Chunks);
              int measured = calls[0]++ - warmup; // the warm-up runs come first
              if (measured >= 0) {
                reads[measured] = last[0].readMBps();
              }
              return last[0].writeMBps();
            },
            "");
    FsBench.Figures f = last[0];
    String detail =
        String.format(
            Locale.ROOT,
            "64 MiB, %s: %d transactions of at most %d blocks",
            how,
            f.transactions(),
            f.maxBlocksPerTransaction());
    return List.of(
        new Figure(write.name(), write.unit(), write.median(), write.min(), write.max(), detail),
        summary(prefix + ".read", "MB/s", reads, "64 MiB read back through readi, 64 KiB pieces"),
        new Figure(
            prefix + ".amplification",
            "writes",
            f.diskWritesPerDataBlock(),
            f.diskWritesPerDataBlock(),
            f.diskWritesPerDataBlock(),
            "disk writes per data block written"));
  }

  /**
   * checkpoint(0, path) and restore(path) of a process of 64 KiB to 64 MiB on the in-memory disk,
   * as MB/s of image; each figure is the median of the measured runs (CheckpointBench does its own
   * warm-up).
   */
  private List<Figure> checkpoint() {
    List<Long> sizes = List.of(64L << 10, 1L << 20, 16L << 20, 64L << 20);
    main.err.print("checkpoint: " + sizes.size() + " sizes x " + runs + " runs ...\r");
    List<Figure> out = new ArrayList<>();
    for (CheckpointBench.Point p : CheckpointBench.measure(sizes, runs)) {
      String size =
          p.processBytes() >= 1 << 20
              ? (p.processBytes() >> 20) + "MiB"
              : (p.processBytes() >> 10) + "KiB";
      String detail =
          String.format(
              Locale.ROOT,
              "%s process, %d-byte image, %d transactions of at most %d blocks; median of %d",
              size,
              p.imageBytes(),
              p.transactions(),
              p.maxTransactionBlocks(),
              runs);
      out.add(
          new Figure(
              "checkpoint." + size,
              "MB/s",
              p.checkpointMBps(),
              p.checkpointMBps(),
              p.checkpointMBps(),
              detail));
      out.add(
          new Figure(
              "restore." + size,
              "MB/s",
              p.restoreMBps(),
              p.restoreMBps(),
              p.restoreMBps(),
              detail));
    }
    main.err.print(" ".repeat(40) + "\r");
    return out;
  }

  /** The kernel: fork+exec+exit+wait rate, machine reset cost, boot of the built-in image. */
  private List<Figure> kernel() throws IOException {
    List<Figure> out = new ArrayList<>();
    out.add(
        measure(
            "kernel.forkexec",
            "ops/s",
            () -> KernelBench.forkExecPerSecond(2000),
            "fork, exec of a one-instruction program, exit, wait (median of 5 x 2000)"));
    out.add(
        measure(
            "kernel.reset",
            "us",
            () -> KernelBench.snapshotAndReset(2000)[1],
            "reset after a program read a line and exited (median of 1000)"));
    var image = BuiltinImage.load();
    if (image.isPresent()) {
      out.add(
          measure(
              "kernel.boot",
              "ms",
              () -> KernelBench.bootMillis(image.get()),
              "built-in image: /init to the shell's first \"$ \" (median of 7)"));
      out.add(
          measure(
              "kernel.reset.sh",
              "us",
              () -> KernelBench.shellResetMicros(image.get(), 1000)[0],
              "reset of the booted machine at its prompt after 'echo hi | wc'"));
    }
    return out;
  }

  private static Figure summary(String name, String unit, double[] values, String detail) {
    double[] v = values.clone();
    Arrays.sort(v);
    return new Figure(name, unit, v[v.length / 2], v[0], v[v.length - 1], detail);
  }

  private Figure measure(String name, String unit, Workload w, String detail) throws IOException {
    PrintStream err = main.err;
    for (int i = 0; i < warmup; i++) {
      err.printf("\r%-16s warm-up %d/%d   ", name, i + 1, warmup);
      w.runOnce();
    }
    double[] values = new double[runs];
    for (int i = 0; i < runs; i++) {
      err.printf("\r%-16s run %d/%d       ", name, i + 1, runs);
      values[i] = w.runOnce();
    }
    err.print("\r" + " ".repeat(40) + "\r");
    return summary(name, unit, values, detail);
  }

  private void printJson(List<Figure> figures) {
    StringBuilder sb = new StringBuilder("[\n");
    for (int i = 0; i < figures.size(); i++) {
      Figure f = figures.get(i);
      sb.append(
          String.format(
              Locale.ROOT,
              "  {\"name\": \"%s\", \"unit\": \"%s\", \"median\": %.3f, \"min\": %.3f, \"max\": %.3f, \"detail\": \"%s\"}",
              f.name(),
              f.unit(),
              f.median(),
              f.min(),
              f.max(),
              f.detail().replace("\"", "\\\"")));
      sb.append(i + 1 < figures.size() ? ",\n" : "\n");
    }
    main.out.print(sb.append("]\n"));
  }
}
