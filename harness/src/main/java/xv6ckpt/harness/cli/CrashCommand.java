package xv6ckpt.harness.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.harness.system.CannotJudge;
import xv6ckpt.harness.system.CrashSweep;

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
      "resume a complete image (never an older one than at a smaller k) or, while",
      "none has reached the path, be refused with RESTORE_NO_FILE; every image on",
      "the disk must be valid under the spec; fsck must be clean. Cut points: every",
      "write if there are at most --points, else --points spread evenly. Prints one",
      "line per cut. The kernel must implement checkpoint and restore (system calls",
      "22 and 23, specs/FORMAT.md), e.g. the xv6-kit. IMAGE is not changed."
    },
    footer = {
      "",
      "Exit status: 0 every cut is consistent, 1 a violation (listed on stdout),",
      "2 bad usage or input, or a kernel that does not boot or refuses checkpoint."
    })
final class CrashCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Mixin SweepOptions o = new SweepOptions();

  @Override
  public Integer call() {
    o.load(main.err, "crash");
    SweepOptions.Progress progress = o.progress(main.err, "crash");
    CrashSweep.Result r;
    try {
      r = new CrashSweep(o.kernel.toString(), o.elf, o.harts, progress).run(o.image, o.points);
    } catch (CannotJudge e) {
      progress.end();
      throw CliError.badInput(e.getMessage());
    }
    progress.end();
    for (CrashSweep.Point p : r.points()) {
      StringBuilder b = new StringBuilder("cut after write ").append(p.k()).append(':');
      for (int i = 0; i < p.outcomes().size(); i++) {
        b.append(i == 0 ? " " : ", ").append(CrashSweep.describe(i, p.outcomes().get(i)));
      }
      main.out.println(b);
    }
    for (String v : r.violations()) main.out.println("VIOLATION " + v);
    main.err.println(
        "crash: "
            + r.writes()
            + " disk writes, "
            + r.points().size()
            + " cuts, "
            + Main.plural(r.violations().size(), "violation"));
    return r.clean() ? Main.EXIT_OK : Main.EXIT_FINDING;
  }
}
