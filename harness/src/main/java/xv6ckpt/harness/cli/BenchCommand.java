package xv6ckpt.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
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
import xv6ckpt.emulator.DecodeCache;
import xv6ckpt.emulator.pk.BundledPrograms;
import xv6ckpt.emulator.pk.ProxyKernel;
import xv6ckpt.emulator.pk.ProxyKernel.Outcome;
import xv6ckpt.emulator.system.SystemMachine;
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
          + "per data block, with big transactions and with xv6's MAXOPBLOCKS ones. Full system "
          + "(--kernel): the boot to the shell's first prompt on a new machine (system.boot), the "
          + "same on new machines that share one code cache after three untimed boots "
          + "(system.boot.shared), and --command once.",
      "With --against BUILD (and --kernel, --fs): this build and another time the boot and"
          + " --command in one JVM, taking turns on the same guest steps, and the ratio is"
          + " printed; use it to tell changes of a few percent apart on a machine whose speed"
          + " drifts.",
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

  @Option(
      names = "--qemu",
      paramLabel = "CMD",
      defaultValue = AUTO,
      description =
          "Also time the emulator programs' Linux-ABI twins under qemu-riscv64, in the same run, "
              + "and print qemu's figures (labelled as qemu's) and our share of them: '"
              + AUTO
              + "' (default) does so if qemu-riscv64 is on PATH, 'off' never, anything else is "
              + "the qemu-riscv64 command to use.")
  String qemu;

  static final String AUTO = "auto";

  @Option(
      names = "--kernel",
      paramLabel = "ELF",
      description =
          "A C kernel (e.g. xv6-riscv's kernel/kernel): run the 'system' group on the "
              + "full-system machine, beside qemu-system-riscv64 if it is on PATH; needs --fs.")
  java.nio.file.Path kernel;

  @Option(names = "--fs", paramLabel = "IMAGE", description = "The C kernel's file system image.")
  java.nio.file.Path fs;

  @Option(
      names = "--harts",
      paramLabel = "N",
      defaultValue = "1",
      description = "Harts for the 'system' group (default: ${DEFAULT-VALUE}).")
  int harts;

  @Option(
      names = "--command",
      paramLabel = "LINE",
      defaultValue = "usertests -q",
      description = "The command line the 'system' group times (default: ${DEFAULT-VALUE}).")
  String command;

  @Option(
      names = "--against",
      paramLabel = "BUILD",
      description =
          "Another build of xv6ckpt (a jar, a directory holding xv6ckpt.jar and lib/ as"
              + " harness/target does, or a classes directory): time it against this one on"
              + " --kernel's boot and --command, in turns on the same steps; exit 1 if their"
              + " consoles differ.")
  java.nio.file.Path against;

  @Option(
      names = "--turn",
      paramLabel = "STEPS",
      defaultValue = "250000000",
      description =
          "With --against: steps each build runs per turn (default: ${DEFAULT-VALUE}, some 0.3 s"
              + " of usertests -q).")
  long turn;

  /** The benchmark groups, in the order they run. */
  enum Group {
    alu,
    sort,
    crc,
    fs,
    fs_xv6chunks,
    kernel,
    checkpoint,
    system
  }

  /** The groups to run: --only's; else all but 'system', or only 'system' with --kernel. */
  private List<Group> groups() {
    if (only != null) return only;
    if (kernel != null) return List.of(Group.system);
    return Arrays.stream(Group.values()).filter(g -> g != Group.system).toList();
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    if (runs < 1 || warmup < 0) {
      throw CliError.badInput("--runs must be at least 1 and --warmup at least 0");
    }
    if (against != null) {
      return paired();
    }
    if (groups().contains(Group.system) && (kernel == null || fs == null)) {
      throw CliError.badInput("bench's 'system' group needs --kernel ELF and --fs IMAGE");
    }
    if (kernel != null && !groups().contains(Group.system)) {
      throw CliError.badInput("--kernel is for the 'system' group (--only system)");
    }
    qemuCommand = QemuSideBySide.resolve(qemu);
    if (qemuCommand == null && qemu.equals(AUTO) && wantsEmulator()) {
      main.err.println("bench: qemu-riscv64 is not on PATH; no side-by-side figures");
    }
    List<Figure> figures = new ArrayList<>();
    for (Group g : groups()) {
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

  /** The qemu-riscv64 to time the twins with, or null for none. */
  private String qemuCommand;

  private boolean wantsEmulator() {
    List<Group> gs = groups();
    return gs.contains(Group.alu) || gs.contains(Group.sort) || gs.contains(Group.crc);
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
      case system:
        return system();
      default:
        throw new IllegalStateException("unknown group " + g);
    }
  }

  /** Runs one group in a child JVM with the same class path and reads its JSON figures. */
  private List<Figure> inChildJvm(Group g) throws IOException, InterruptedException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>(List.of(java));
    cmd.addAll(jitFlags());
    cmd.addAll(
        List.of(
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
            String.valueOf(warmup),
            "--qemu",
            qemuCommand != null ? qemuCommand : qemu.equals("off") ? "off" : AUTO));
    if (kernel != null) {
      cmd.addAll(
          List.of(
              "--kernel",
              kernel.toString(),
              "--fs",
              fs.toString(),
              "--harts",
              String.valueOf(harts),
              "--command",
              command));
    }
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

  /**
   * This JVM's -XX options (the launcher's JIT choices, see the xv6ckpt script) and its appended
   * boot class path (the launcher's unverified picocli and ASM), for the child JVMs: a benchmark
   * then runs under the flags a user's run-elf gets. Agents and other options stay out.
   */
  private static List<String> jitFlags() {
    return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .filter(a -> a.startsWith("-XX:") || a.startsWith("-Xbootclasspath/a:"))
        .toList();
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
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    ProxyKernel steady = loaded(elf, argv, program, printed);
    ProxyKernel.Snapshot start = steady.snapshot();
    Figure warm =
        measure(
            name,
            "MIPS",
            () -> {
              steady.reset(start);
              printed.reset(); // so it holds what the last run printed
              return timedRun(steady, program, instructions);
            },
            detail);
    Figure cold =
        measure(
            name + ".cold",
            "MIPS",
            () ->
                timedRun(
                    loaded(elf, argv, program, OutputStream.nullOutputStream()),
                    program,
                    instructions),
            detail);
    String what = detail + ", " + instructions[0] + " instructions";
    List<Figure> out = new ArrayList<>();
    out.add(
        new Figure(
            warm.name(),
            warm.unit(),
            warm.median(),
            warm.min(),
            warm.max(),
            what + "; machine reset between runs"));
    out.add(
        new Figure(
            cold.name(),
            cold.unit(),
            cold.median(),
            cold.min(),
            cold.max(),
            what + "; a new machine for every run"));
    if (qemuCommand != null) {
      out.addAll(
          sideBySide(name, program, args, printed.toByteArray(), instructions[0], warm, cold));
    }
    return out;
  }

  /**
   * The same program's Linux-ABI twin under qemu-riscv64, timed here, and our warm and cold medians
   * as a share of qemu's. qemu's MIPS are ours to compute but not ours to claim: the names start
   * with "qemu." and the detail says whose they are.
   */
  private List<Figure> sideBySide(
      String name,
      String program,
      List<String> args,
      byte[] expected,
      long instructions,
      Figure warm,
      Figure cold)
      throws IOException {
    String bare = name.substring(name.indexOf('.') + 1);
    try (QemuSideBySide q = QemuSideBySide.start(qemuCommand, program, warmup, runs, main.err)) {
      Figure f = measure("qemu." + bare, "MIPS", () -> q.mips(args, expected, instructions), "");
      String detail =
          String.format(
              Locale.ROOT,
              "qemu-riscv64's figure, not ours: the Linux-ABI twin of %s, wall time of each qemu "
                  + "process less its start-up (%.1f ms), our instruction count",
              program,
              q.startupMillis());
      return List.of(
          new Figure(f.name(), f.unit(), f.median(), f.min(), f.max(), detail),
          share("vs-qemu." + bare, warm, f, "reset between runs"),
          share("vs-qemu." + bare + ".cold", cold, f, "a new machine for every run"));
    }
  }

  private static Figure share(String name, Figure ours, Figure qemu, String how) {
    double pct = 100 * ours.median() / qemu.median();
    return new Figure(
        name,
        "%",
        pct,
        pct,
        pct,
        "our median (" + ours.name() + ", " + how + ") as a share of qemu-riscv64's median");
  }

  private ProxyKernel loaded(byte[] elf, List<String> argv, String program, OutputStream out) {
    ProxyKernel pk = new ProxyKernel(ProxyKernel.DEFAULT_RAM, out, main.err);
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

  /** Untimed boots that fill the shared code cache before {@code system.boot.shared} is timed. */
  private static final int SHARED_PRIMING_BOOTS = 3;

  /** Steps allowed for the boot and for the command: usertests -q takes some 10^11 at most. */
  private static final long SYSTEM_MAX_STEPS = RunCommand.DEFAULT_MAX_STEPS;

  /**
   * The C kernel of --kernel: boot to the first prompt (a new machine each run), then --command
   * once (usertests -q runs minutes: once is what there is time for), and qemu-system's boot and
   * command once, if qemu-system-riscv64 is on PATH and --qemu is not off.
   */
  private List<Figure> system() throws IOException {
    SystemBench.Run[] last = new SystemBench.Run[1];
    Figure boot =
        measure(
            "system.boot",
            "ms",
            () -> {
              last[0] = bootOnce(new DecodeCache());
              return last[0].millis();
            },
            "");
    SystemBench.Run b = last[0];
    // The same boot on machines that share one code cache, filled by untimed boots first (the
    // JIT compiles translated code only once it has run a while): what each later boot of a kernel
    // costs in one tool run (a sweep's machines, a campaign's).
    DecodeCache code = new DecodeCache();
    for (int i = 0; i < SHARED_PRIMING_BOOTS; i++) {
      main.err.printf(
          "\r%-16s priming %d/%d   ", "system.boot.shared", i + 1, SHARED_PRIMING_BOOTS);
      bootOnce(code);
    }
    Figure shared = measure("system.boot.shared", "ms", () -> bootOnce(code).millis(), "");
    List<Figure> out = new ArrayList<>();
    out.add(
        new Figure(
            boot.name(),
            boot.unit(),
            boot.median(),
            boot.min(),
            boot.max(),
            String.format(
                Locale.ROOT,
                "%d hart(s): to the first \"$ \" after \"%s\", %d steps, %s instructions retired",
                harts,
                SystemBench.SHELL_START,
                b.steps(),
                perHart(b.retired()))));
    out.add(
        new Figure(
            shared.name(),
            shared.unit(),
            shared.median(),
            shared.min(),
            shared.max(),
            "the same, each new machine starting with the decoded and translated code of the boots"
                + " before it (one code cache, as a sweep's machines share)"));
    out.add(
        once(
            "system.boot.mips",
            "MIPS",
            b.instructions() / (boot.median() * 1e3),
            "instructions retired (the same every boot: the run is deterministic) / median ms"));
    FullSystem sys = newSystem();
    SystemBench.boot(sys, SYSTEM_MAX_STEPS);
    main.err.printf("\r%-16s %s ...   ", "system.command", command);
    SystemBench.Run c = SystemBench.command(sys, command, SYSTEM_MAX_STEPS);
    main.err.print("\r" + " ".repeat(60) + "\r");
    if (c == null) {
      throw new CliError(Main.EXIT_FINDING, "'" + command + "' did not come back to the prompt");
    }
    String verdict = c.output().contains("ALL TESTS PASSED") ? "; ALL TESTS PASSED" : "";
    out.add(
        once(
            "system.command",
            "s",
            c.millis() / 1e3,
            String.format(
                Locale.ROOT,
                "'%s' once, %d hart(s): %d steps, %s instructions retired%s",
                command,
                harts,
                c.steps(),
                perHart(c.retired()),
                verdict)));
    out.add(once("system.command.mips", "MIPS", c.mips(), "instructions retired / wall time"));
    String qemuSystem = qemu.equals("off") ? null : QemuSideBySide.resolveSystem();
    if (qemuSystem != null) {
      main.err.printf("\r%-16s %s ...   ", "qemu.system", command);
      SystemBench.QemuRun q;
      try {
        q = SystemBench.qemu(qemuSystem, kernel, fs, harts, command, 3600);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while qemu-system ran", e);
      }
      main.err.print("\r" + " ".repeat(60) + "\r");
      if (q != null) {
        String whose = "qemu-system-riscv64's figure, not ours: -smp " + harts + ", ";
        out.add(
            once(
                "qemu.system.boot",
                "ms",
                q.bootMillis(),
                whose + "from its process start to the first prompt, once"));
        out.add(
            once(
                "qemu.system.command",
                "s",
                q.commandMillis() / 1e3,
                whose
                    + "'"
                    + command
                    + "' once"
                    + (q.output().contains("ALL TESTS PASSED") ? "; ALL TESTS PASSED" : "")));
      }
    }
    return out;
  }

  /** bench --against: see {@link PairedBench}. */
  private int paired() {
    if (kernel == null || fs == null) {
      throw CliError.badInput("--against needs --kernel ELF and --fs IMAGE");
    }
    if (harts < 1 || harts > SystemMachine.MAX_HARTS) {
      throw CliError.badInput("--harts must be 1 to " + SystemMachine.MAX_HARTS);
    }
    if (turn < 1) {
      throw CliError.badInput("--turn must be at least 1 step");
    }
    byte[] elf = FullSystem.read(kernel, "kernel");
    FullSystem.checkKernel(kernel.toString(), elf, 128L << 20);
    byte[] image = FullSystem.read(fs, "file system image");
    FullSystem.checkImage(fs.toString(), image);
    ClassLoader other = PairedBench.loader(against);
    PairedBench.Side mine =
        new PairedBench.Side("this build", getClass().getClassLoader(), elf, image, harts);
    PairedBench.Side theirs = new PairedBench.Side(against.toString(), other, elf, image, harts);
    PairedBench.Result r =
        PairedBench.compare(mine, theirs, command, turn, SYSTEM_MAX_STEPS, main.err);
    main.out.printf(
        Locale.ROOT,
        "boot and '%s', %d hart(s): %,d steps in %d turns of at most %,d%n",
        command,
        harts,
        r.steps(),
        r.turns(),
        turn);
    main.out.printf(Locale.ROOT, "%-14s %8.2f s%n", "this build", r.thisSeconds());
    main.out.printf(Locale.ROOT, "%-14s %8.2f s  (%s)%n", "other build", r.otherSeconds(), against);
    main.out.printf(
        Locale.ROOT,
        "%-14s %8.3f    (this / other; median of the turns' ratios %.3f)%n",
        "ratio",
        r.ratio(),
        r.medianTurnRatio());
    if (r.difference() != null) {
      throw new CliError(Main.EXIT_FINDING, "the two builds part: " + r.difference());
    }
    main.out.println("consoles       identical at every turn");
    return Main.EXIT_OK;
  }

  /**
   * Why the boot gave no prompt: a panic is a finding (exit 1); a kernel that never offers a prompt
   * is not one bench can time (bad input, exit 2).
   */
  private CliError noPrompt(FullSystem sys) {
    String panic = sys.panicLine(0);
    if (panic != null) {
      return new CliError(Main.EXIT_FINDING, kernel + ": the kernel panicked at boot: " + panic);
    }
    return CliError.badInput(
        kernel
            + ": the kernel did not reach a prompt ('init: starting sh' then '$ ') in "
            + sys.machine.time()
            + " steps");
  }

  private FullSystem newSystem() {
    return newSystem(new DecodeCache());
  }

  private FullSystem newSystem(DecodeCache code) {
    return FullSystem.open(kernel, fs, 128, harts, 0, MachineOptions.HART_QUANTUM, code);
  }

  /** A new machine (its code from and to {@code code}) booted to the first prompt. */
  private SystemBench.Run bootOnce(DecodeCache code) {
    FullSystem sys = newSystem(code);
    SystemBench.Run r = SystemBench.boot(sys, SYSTEM_MAX_STEPS);
    if (r == null) throw noPrompt(sys);
    return r;
  }

  private static Figure once(String name, String unit, double value, String detail) {
    return new Figure(name, unit, value, value, value, detail);
  }

  private static String perHart(long[] retired) {
    long sum = 0;
    for (long r : retired) sum += r;
    if (retired.length == 1) return String.valueOf(sum);
    StringBuilder sb = new StringBuilder().append(sum).append(" (");
    for (int i = 0; i < retired.length; i++) {
      sb.append(i == 0 ? "" : ", ").append("hart ").append(i).append(' ').append(retired[i]);
    }
    return sb.append(')').toString();
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
