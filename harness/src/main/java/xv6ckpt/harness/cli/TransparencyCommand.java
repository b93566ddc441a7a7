package xv6ckpt.harness.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.harness.system.CannotJudge;
import xv6ckpt.harness.system.TransparencySweep;

/** {@code transparency}: checkpoint at instant k, reboot, restore = the uninterrupted run. */
@Command(
    name = "transparency",
    mixinStandardHelpOptions = true,
    description = {
      "Judge a C kernel's checkpoint at many instants: restored after a reboot,",
      "a process must go on as if never interrupted.",
      "Boots the kernel on a copy of IMAGE; a subject program (console lines and",
      "file writes that depend on its registers, memory and file offset, with",
      "sleeps and busy loops) runs once uninterrupted as the reference. Then, for",
      "each of --points instants spread over that run, the same run is interrupted",
      "there: the subject is checkpointed wherever it is (user level, asleep, in a",
      "call) and killed, the disk is booted again, and the image restored. The",
      "restored subject must print the reference's remaining lines and leave its",
      "file as the reference does; the image must be valid under the spec; fsck",
      "clean. CKPT_BUSY (inside a call the kernel cannot capture) is allowed, and",
      "CKPT_ZOMBIE/CKPT_NO_PROCESS once the subject has finished. The kernel must",
      "implement system calls 22 and 23 (specs/FORMAT.md), e.g. the xv6-kit."
    },
    footer = {
      "",
      "Exit status: 0 every instant is transparent, 1 a violation (listed on",
      "stdout), 2 bad usage or input, or a kernel that does not boot."
    })
final class TransparencyCommand implements Callable<Integer> {
  @ParentCommand Main main;

  @Mixin SweepOptions o = new SweepOptions();

  @Override
  public Integer call() {
    o.load(main.err, "transparency");
    SweepOptions.Progress progress = o.progress(main.err, "transparency");
    TransparencySweep.Result r;
    try {
      r =
          new TransparencySweep(o.kernel.toString(), o.elf, o.harts, progress)
              .run(o.image, o.points);
    } catch (CannotJudge e) {
      progress.end();
      throw CliError.badInput(e.getMessage());
    }
    progress.end();
    for (TransparencySweep.Point p : r.points()) {
      main.out.println("at step " + p.at() + ": " + p.summary());
    }
    for (String v : r.violations()) main.out.println("VIOLATION " + v);
    main.err.println(
        "transparency: the reference run took "
            + r.steps()
            + " steps; "
            + r.points().size()
            + " instants, "
            + Main.plural(r.violations().size(), "violation"));
    return r.clean() ? Main.EXIT_OK : Main.EXIT_FINDING;
  }
}
