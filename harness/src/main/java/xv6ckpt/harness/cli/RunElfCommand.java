package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.emulator.elf.Elf64.ElfException;
import xv6ckpt.emulator.pk.BundledPrograms;
import xv6ckpt.emulator.pk.ProxyKernel;
import xv6ckpt.emulator.pk.ProxyKernel.LoadException;
import xv6ckpt.emulator.pk.ProxyKernel.Outcome;

/** {@code run-elf}: one bare RISC-V ELF on the proxy kernel, its exit status as ours. */
@Command(
    name = "run-elf",
    mixinStandardHelpOptions = true,
    description = {
      "Run a bare RV64 ELF on the emulator's proxy kernel.",
      "%nThe proxy kernel serves two system calls, numbered as in xv6: write (16) to fds 1 and 2, "
          + "and exit (2). ARGS reach the program as xv6's exec passes them (a0 = argc, a1 = argv). "
          + "FILE is a path, or builtin:NAME for a bundled program "
          + "(demo, bench_alu, bench_sort, bench_crc).",
    },
    footer = {
      "%nExit status: the program's exit status (modulo 256; a non-zero status that is a multiple "
          + "of 256 gives 1); 255 if a trap killed it (xv6's exit status -1); 124 if "
          + "--max-instructions ran out; 2 if FILE cannot be read or is not a loadable RV64 "
          + "executable.",
    })
final class RunElfCommand implements Callable<Integer> {
  static final int EXIT_LIMIT = 124;

  @ParentCommand Main main;

  @Option(
      names = "--stats",
      description = "Print 'instructions N seconds S mips M' to stderr at the end.")
  boolean stats;

  @Option(
      names = "--max-instructions",
      paramLabel = "N",
      description = "Stop the program after N instructions (default: no limit).")
  long maxInstructions;

  @Option(
      names = "--ram",
      paramLabel = "MIB",
      defaultValue = "128",
      description = "Emulated RAM in MiB (default: ${DEFAULT-VALUE}, xv6's).")
  int ramMiB;

  @Option(
      names = "--stack",
      paramLabel = "KIB",
      defaultValue = "64",
      description = "User stack in KiB, above an unmapped guard page (default: ${DEFAULT-VALUE}).")
  int stackKiB;

  @Parameters(index = "0", paramLabel = "FILE", description = "The ELF to run, or builtin:NAME.")
  String file;

  @Parameters(index = "1..*", paramLabel = "ARGS", description = "Arguments for the program.")
  List<String> args = new ArrayList<>();

  @Override
  public Integer call() throws IOException {
    if (ramMiB < 1 || ramMiB > 2047) {
      throw CliError.badInput("--ram must be between 1 and 2047 MiB, not " + ramMiB);
    }
    if (stackKiB < 4 || stackKiB > 1 << 20) {
      throw CliError.badInput("--stack must be between 4 KiB and 1 GiB, not " + stackKiB + " KiB");
    }
    if (maxInstructions < 0) {
      throw CliError.badInput("--max-instructions must not be negative");
    }
    byte[] elf = readProgram(file);
    ProxyKernel pk = new ProxyKernel((long) ramMiB << 20, main.out, main.err);
    List<String> argv = new ArrayList<>();
    argv.add(file);
    argv.addAll(args);
    try {
      pk.load(elf, argv, (long) stackKiB << 10);
    } catch (ElfException | LoadException e) {
      throw CliError.badInput(file + ": " + e.getMessage());
    }
    long start = System.nanoTime(); // wall time for --stats only; the run itself never sees it
    Outcome outcome = pk.run(maxInstructions);
    long nanos = System.nanoTime() - start;
    main.out.flush();
    if (stats) {
      double seconds = nanos / 1e9;
      main.err.printf(
          "instructions %d seconds %.3f mips %.1f%n",
          outcome.instructions(), seconds, outcome.instructions() / seconds / 1e6);
    }
    return exitCode(outcome);
  }

  private int exitCode(Outcome outcome) {
    if (outcome instanceof Outcome.Exited e) {
      int code = e.status() & 0xff;
      return e.status() != 0 && code == 0 ? 1 : code;
    }
    if (outcome instanceof Outcome.LimitReached l) {
      main.err.printf(
          "xv6ckpt: %s still running after %d instructions (pc 0x%x)%n",
          file, l.instructions(), l.pc());
      return EXIT_LIMIT;
    }
    return 255; // killed by a trap: xv6's exit(-1); the proxy kernel printed usertrap's message
  }

  /** The bytes of FILE: a host path or a bundled program. */
  static byte[] readProgram(String file) {
    if (file.startsWith("builtin:")) {
      String name = file.substring("builtin:".length());
      return BundledPrograms.load(name)
          .orElseThrow(
              () ->
                  CliError.badInput(
                      "no bundled program '"
                          + name
                          + "'; there are: "
                          + String.join(", ", BundledPrograms.NAMES)));
    }
    try {
      return Files.readAllBytes(Path.of(file));
    } catch (NoSuchFileException e) {
      throw CliError.badInput(file + ": no such file");
    } catch (IOException e) {
      throw CliError.badInput(file + ": cannot read: " + e.getMessage());
    }
  }
}
