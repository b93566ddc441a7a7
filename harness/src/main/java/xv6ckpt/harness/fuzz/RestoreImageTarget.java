package xv6ckpt.harness.fuzz;

import java.util.List;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.Restart;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.CheckpointModel.RestoreResult;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Xv6;

/**
 * restore-image: the input's bytes (see {@link RestoreImages} for the structure-aware form) become
 * /img in a machine reset from a snapshot, and a process restores it.
 *
 * <p>Oracle: the kernel does what {@link CheckpointModel#restore} predicts from the spec's verdict
 * on the same bytes, observed the moment the restore call returns to user mode (before any
 * instruction of the caller or of the image runs): refused with the same rule's code and the caller
 * otherwise untouched, or replaced by the image's process; either way compared exactly ({@link
 * Diff}: name, sz, pc, every register, every page with its permissions and bytes, every open file),
 * and a restored process's restart state is the image's (a read goes on from progress, a sleep
 * sleeps n - progress more ticks, nothing else is pending). Also: no Java exception, no panic; the
 * call returns; no page leaked (free pages = before + the caller's pages and page-table pages - the
 * new ones); nothing written to the disk (restore only reads, so the disk stays as fsck found it
 * when the rig was built).
 */
public final class RestoreImageTarget implements FuzzTarget {
  /** restore-image in the target table: the restore path instrumented, inputs read by the spec. */
  static final FuzzTargets.Entry ENTRY =
      new FuzzTargets.Entry(
          "restore-image",
          RestoreImageTarget::new,
          RestoreImageFuzzer.class,
          RestoreImages.instrument(RestoreImageTarget.class),
          List.of(),
          RestoreImages::describe,
          RestoreImages::expected,
          "xv6ckpt.harness.fuzz.RestoreImageFuzzTest",
          "restoreImage");

  final RestoreRig rig = new RestoreRig();

  @Override
  public String name() {
    return ENTRY.name();
  }

  @Override
  public Verdict run(byte[] input) {
    try {
      byte[] file = RestoreRig.stored(RestoreImages.bytes(input));
      RestoreResult want = predict(file);
      return judge(want, rig.restore(file));
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, rig.m);
    }
  }

  /** What the spec says restore("/img") does when /img holds file. */
  RestoreResult predict(byte[] file) {
    return CheckpointModel.restore(rig.caller, ImageCodec.decode(file), rig.view(file.length));
  }

  /** Holds the rig's machine, which ran the restore with outcome ran, against want. */
  Verdict judge(RestoreResult want, Machine.Outcome ran) {
    if (rig.m.panicMessage().isPresent()) {
      return Verdicts.panicked(rig.m.panicMessage().get(), rig.m, "in restore");
    }
    boolean refused = want instanceof RestoreResult.Refused;
    String what = refused ? "refused " + ((RestoreResult.Refused) want).rule() : "restored";
    Process p = rig.process();
    if (!ran.equals(rig.returned()) || p == null) {
      return fail(
          "no-return",
          "expected "
              + what
              + "; the call did not return to user mode ("
              + ran
              + (p == null ? ", the caller is gone" : "")
              + ")");
    }
    if (rig.diskWritesSinceStore() != 0) {
      return fail(
          "disk-write", what + ", but restore wrote " + rig.diskWritesSinceStore() + " blocks");
    }
    ModelProcess expect =
        refused
            ? ((RestoreResult.Refused) want).caller()
            : ((RestoreResult.Restored) want).process();
    RestoreRig.Observed seen = rig.observe(p);
    ModelProcess got = seen.process();
    String diff = Diff.of(expect, got);
    if (diff.isEmpty()) {
      diff = restartDiff(expect.inSyscall(), p.restart());
    }
    if (!diff.isEmpty()) {
      return fail("spec-mismatch", "expected " + what + "; " + diff);
    }
    int free = rig.m.kalloc().freePages();
    int expectFree =
        rig.baselineFree
            + rig.caller.pages().size()
            + rig.callerTables
            - (got.pages().size() + seen.tablePages());
    if (free != expectFree) {
      return fail("page-leak", what + ": " + free + " free pages, expected " + expectFree);
    }
    return new Verdict.Pass(what);
  }

  /**
   * Empty when the kernel's restart state got continues the call want as FORMAT.md says: a read
   * from {@code progress} bytes on, a sleep for {@code (int) a0 - progress} more ticks from now
   * (the restore took no time: its ecall did not retire), and nothing pending otherwise.
   */
  private String restartDiff(Image.SyscallRestart want, Restart got) {
    if (want.sysnum() == Xv6.SYS_sleep) {
      long until = rig.m.ticks() + (int) (long) want.args().get(0) - want.progress();
      return got instanceof Restart.Sleep && ((Restart.Sleep) got).until() == until
          ? ""
          : "restart " + got + " != sleep until tick " + until;
    }
    long progress = want.sysnum() == Xv6.SYS_read ? want.progress() : 0;
    long done = got instanceof Restart.Transfer ? ((Restart.Transfer) got).done() : 0;
    return got instanceof Restart.Sleep || done != progress
        ? "restart " + got + " != " + progress + " bytes done"
        : "";
  }

  private Verdict.Fail fail(String rule, String detail) {
    return new Verdict.Fail(rule, detail, rig.m.output(), "");
  }
}
