package xv6ckpt.harness.rig;

import java.util.List;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.specs.Image.Page;

/**
 * What a user process is, as far as a checkpoint can see it: registers x0..x31, pc, size, and every
 * mapped page below PGROUNDUP(sz) read by the harness's own walk ({@link UserPages}).
 */
public record UserState(long[] x, long pc, long sz, List<Page> pages) {
  public long reg(int n) {
    return x[n];
  }

  /** Process pid's state now (it must exist). */
  public static UserState of(Machine m, int pid) {
    Process p = process(m, pid);
    long[] r = m.userRegisters(p);
    long[] x = new long[32];
    System.arraycopy(r, 0, x, 0, 32);
    return new UserState(x, r[32], p.size(), UserPages.pages(m.memory(), p.pagetable(), p.size()));
  }

  /** Process pid of m. */
  public static Process process(Machine m, int pid) {
    return m.proc().byPid(pid).orElseThrow(() -> new AssertionError("no process with pid " + pid));
  }
}
