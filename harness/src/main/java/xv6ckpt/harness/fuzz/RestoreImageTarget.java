package xv6ckpt.harness.fuzz;

import xv6ckpt.kernel.Process;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.CheckpointModel.RestoreResult;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;

/**
 * restore-image: the input's bytes (see {@link RestoreImages} for the structure-aware form)
 * become /img in a machine reset from a snapshot, and a process restores it.
 *
 * <p>Oracle: the kernel does what {@link CheckpointModel#restore} predicts from the spec's
 * verdict on the same bytes: refused with the same rule's code and the caller otherwise
 * untouched (registers, pc + 4, sz, pages with permissions and bytes, files), or replaced by
 * the image's process (sz, name, pages with permissions, files exactly; registers, pc and page
 * bytes up to what its first instruction changes, see {@link Diff}); no Java exception, no
 * panic; no page leaked (free pages = before + the caller's pages and page-table pages - the new
 * ones); nothing written to the disk (restore only reads, so the disk stays as fsck found it
 * when the rig was built).
 */
public final class RestoreImageTarget implements FuzzTarget {
  private final RestoreRig rig = new RestoreRig();

  @Override
  public String name() {
    return "restore-image";
  }

  @Override
  public Verdict run(byte[] input) {
    try {
      byte[] file = RestoreRig.stored(RestoreImages.bytes(input));
      RestoreResult want = CheckpointModel.restore(rig.caller, ImageCodec.decode(file),
          rig.view(file.length));
      Process p = rig.restore(file);
      return judge(want, p);
    } catch (RuntimeException | StackOverflowError e) {
      return TestMachines.escaped(e, rig.m);
    }
  }

  private Verdict judge(RestoreResult want, Process p) {
    if (rig.m.panicMessage().isPresent()) {
      return TestMachines.panicked(rig.m.panicMessage().get(), rig.m, "in restore");
    }
    boolean refused = want instanceof RestoreResult.Refused;
    String what = refused ? "refused " + ((RestoreResult.Refused) want).rule() : "restored";
    if (p == null || p.state() == Process.State.ZOMBIE) {
      if (refused) {
        return new Verdict.Fail("vanished", "expected " + what + ", the caller is gone",
            rig.m.output(), "");
      }
      // The image's first instruction ended it (an exit or a fault): nothing left to compare.
      return new Verdict.Pass("restored, then ended by its first instruction");
    }
    if (rig.diskWritesSinceStore() != 0) {
      return new Verdict.Fail("disk-write", what + ", but restore wrote "
          + rig.diskWritesSinceStore() + " blocks", rig.m.output(), "");
    }
    ModelProcess got = rig.observe(p);
    String diff = refused ? Diff.of(rig.refused(((RestoreResult.Refused) want).caller()), got)
        : Diff.ofRestored(((RestoreResult.Restored) want).process(), got);
    if (!diff.isEmpty()) {
      return new Verdict.Fail("spec-mismatch", "expected " + what + "; " + diff,
          rig.m.output(), "");
    }
    int free = rig.m.kalloc().freePages();
    int expectFree = rig.baselineFree + rig.caller.pages().size() + rig.callerTables
        - (got.pages().size() + RestoreRig.tablePages(rig.m.memory(), p.pagetable()));
    if (free != expectFree) {
      return new Verdict.Fail("page-leak", what + ": " + free + " free pages, expected "
          + expectFree, rig.m.output(), "");
    }
    return new Verdict.Pass(what);
  }
}
