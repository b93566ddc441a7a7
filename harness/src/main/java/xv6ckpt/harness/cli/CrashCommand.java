package xv6ckpt.harness.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.harness.crash.CrashSweep;
import xv6ckpt.harness.rig.KernelIdentity;

/** {@code crash}: a C kernel's checkpoint judged after a power cut at each disk write. */
@Command(
    name = "crash",
    mixinStandardHelpOptions = true,
    description = {
      "Judge a C kernel's checkpoint at power cuts after its disk writes.",
      "Boots the kernel on a copy of IMAGE and runs a workload (three",
      "self-checkpoints: /a, /a again, /b, with a file write between them) once,",
      "recording every disk write. For each cut point k the kernel recovers the",
      "disk as the first k writes left it and restores /a and /b. Each restore must",
      "resume a complete image (the newest a cut that early allows, never an older",
      "one than at a smaller k) or, while none has reached the path, be refused",
      "with RESTORE_NO_FILE; every image on the disk must be valid under the spec;",
      "fsck must be clean. Prints one line per cut. The kernel must implement",
      "checkpoint and restore (system calls 22 and 23, specs/FORMAT.md), e.g. the",
      "xv6-kit. IMAGE is not changed."
    },
    footer = {
      "",
      "Exit status: 0 every cut is consistent, 1 a violation (listed on stdout),",
      "2 bad usage or input, or a kernel that does not boot or refuses checkpoint."
    })
final class CrashCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Option(
      names = "--kernel",
      required = true,
      paramLabel = "ELF",
      description = "The C kernel ELF (e.g. xv6-riscv's kernel/kernel with the kit).")
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
      description = "Cut points, spread evenly over the writes (default 40; every write if fewer).")
  int points;

  @Option(
      names = "--harts",
      paramLabel = "N",
      defaultValue = "1",
      description = "Harts of the full-system machine, 1 to 8 (default 1).")
  int harts;

  @Override
  public Integer call() {
    if (points < 2)
      throw CliError.badInput("--points: at least 2 (no cut and one cut), not " + points);
    FullSystem.open(kernel, fs, 128, harts, 0); // boot --kernel's checks: exit 2, nothing runs
    byte[] elf = read(kernel);
    byte[] image = read(fs);
    KernelIdentity id = KernelIdentity.ofElf(kernel.toString(), elf);
    main.err.println("crash: " + id);
    int[] done = {0};
    CrashSweep sweep =
        new CrashSweep(
            kernel.toString(),
            elf,
            harts,
            n -> {
              done[0] = n;
              main.err.print("\rcrash: " + n + " cuts judged");
              main.err.flush();
            });
    CrashSweep.Result r;
    try {
      r = sweep.run(image, points);
    } catch (CrashSweep.SetupException e) {
      main.err.println();
      throw CliError.badInput(e.getMessage());
    }
    main.err.println();
    for (CrashSweep.Point p : r.points()) {
      main.out.println(line(p));
    }
    for (String v : r.violations()) {
      main.out.println("VIOLATION " + v);
    }
    main.err.println(
        "crash: "
            + r.writes()
            + " disk writes, "
            + r.points().size()
            + " cuts, "
            + r.violations().size()
            + " violation"
            + (r.violations().size() == 1 ? "" : "s"));
    return r.clean() ? Main.EXIT_OK : Main.EXIT_FINDING;
  }

  private static String line(CrashSweep.Point p) {
    StringBuilder b = new StringBuilder("cut after write ").append(p.k()).append(':');
    for (int i = 0; i < p.outcomes().size(); i++) {
      b.append(i == 0 ? " " : ", ").append(CrashSweep.describe(i, p.outcomes().get(i)));
    }
    if (!p.diskViolations().isEmpty()) b.append("; disk: ").append(p.diskViolations());
    return b.toString();
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw CliError.badInput(p + ": cannot read: " + e.getMessage());
    }
  }
}
