package xv6ckpt.harness.fuzz;

import static xv6ckpt.specs.FsModel.ROOTINO;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import xv6ckpt.harness.rig.ElfKernel;
import xv6ckpt.harness.rig.KernelUnderTest;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.UserPages;

/**
 * A C kernel ELF as a side of kernel-differential: the snapshot syscall-args on a C kernel makes
 * ({@link SyscallArgsElfTarget}'s setup: booted to the shell, bystander and reaper in the
 * background, the server in the foreground at its first read), run with kernel-differential's own
 * recording. The server is gone when the shell's wait returns; leftovers are ended by the reaper as
 * there.
 */
final class KernelDifferentialElfStage implements KernelDifferentialStage {
  /** Steps the input runs before leftovers are reaped (see the harness README's figures). */
  static final long RUN_BUDGET = Long.getLong("xv6ckpt.kdiff.budget", 100_000_000);

  private final SyscallArgsElfTarget target;
  private final ElfKernel k;
  private final SyscallArgsElfTarget.Setup s;
  private final Pids pids;

  private boolean gone;
  private int highest;

  /** Console ranges [start, end) the shell wrote (its prompts), cut from the family's console. */
  private final List<int[]> shellWrites = new ArrayList<>();

  KernelDifferentialElfStage(Path kernel, Path fs, int harts) {
    target = SyscallArgsElfTarget.open(kernel, fs, harts);
    k = target.kernel();
    s = target.setup();
    pids = new Pids(1, s.bystanderPid(), s.serverPid());
    k.reportForkChildren(true);
  }

  @Override
  public KernelUnderTest<?> kernel() {
    return k;
  }

  @Override
  public void reset() {
    k.reset(s.snapshot());
  }

  /**
   * Nothing to type: syscall-args' C-kernel snapshot is past the server's go read (its echo too).
   * The read's byte is put where the read put it, over the buffer written since, as syscall-args
   * does: the Java side's server reads it there after the buffer is written.
   */
  @Override
  public void go() {
    UserPages.write(
        k.memory(), s.serverSpace(), UserPrograms.BUF, Arrays.copyOf(SyscallArgsElfTarget.GO, 1));
  }

  @Override
  public long serverSpace() {
    return s.serverSpace();
  }

  @Override
  public Pids pids() {
    return pids;
  }

  @Override
  public long runBudget() {
    return RUN_BUDGET;
  }

  @Override
  public long now() {
    return k.machine().time();
  }

  @Override
  public void started() {
    gone = false;
    highest = s.serverPid();
    shellWrites.clear();
  }

  @Override
  public Event.Returned seen(Event.Returned r) {
    if (r.space() == s.shSpace()) {
      if (r.number() == SYS_wait) gone = true;
      int end = k.console().length();
      if (r.number() == SYS_write && r.result() > 0) {
        shellWrites.add(new int[] {Math.max(0, end - (int) r.result()), end});
      }
    } else if (r.number() == SYS_fork && r.result() > 0) {
      highest = Math.max(highest, (int) r.result());
    }
    return r;
  }

  /** Not the shell, the reaper or the bystander: a family's process the boundary did not name. */
  @Override
  public boolean unnamed(long space) {
    return space != s.shSpace() && space != s.reaperSpace() && space != s.bystanderSpace();
  }

  @Override
  public boolean serverGone() {
    return gone;
  }

  /** The server reaped, the shell reading again and every page back (its children reaped too). */
  @Override
  public boolean familyGone() {
    return gone && quiet();
  }

  /** Twenty of xv6's timer ticks (1,000,000 steps each): sleep(20) still returns in time. */
  static final long QUIET_BUDGET = Long.getLong("xv6ckpt.kdiff.quiet", 20_000_000);

  @Override
  public long quietBudget() {
    return QUIET_BUDGET;
  }

  @Override
  public java.util.Optional<Birth> birth(Event.Returned r) {
    if (r.number() != SYS_fork || r.result() != 0 || k.forkParent() < 0) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new Birth(r.space(), k.forkParent()));
  }

  /**
   * The reaper kills [server, highest fork result + NPROC] (re-armed only after a fork it has not
   * covered); runs until the shell reads its console again and every page is back, or the budget.
   */
  @Override
  public String cleanup() {
    boolean killed = !gone || highest > s.serverPid();
    int armed = Integer.MIN_VALUE;
    long spent = 0;
    while (spent < SyscallArgsElfTarget.CLEANUP_BUDGET) {
      if (gone && quiet()) return killed ? "reaped the rest" : "";
      if (killed && highest > armed && reaperIdle()) {
        arm(highest);
        armed = highest;
      }
      long t = now();
      Event e = k.run(200_000);
      spent += now() - t;
      if (e instanceof Event.Panicked p) return "panic: " + p.message();
      if (e instanceof Event.Returned r) seen(r);
    }
    return "not quiet " + SyscallArgsElfTarget.CLEANUP_BUDGET + " steps on";
  }

  private void arm(int top) {
    ByteBuffer b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, s.serverPid()).putLong(8, top + SyscallArgsElfTarget.NPROC + 1L);
    UserPages.write(k.memory(), s.reaperSpace(), UserPrograms.REAPER_RANGE, b.array());
  }

  private boolean reaperIdle() {
    byte[][] mem = UserPages.userBytes(k.memory(), s.reaperSpace());
    int page = (int) (UserPrograms.REAPER_RANGE / 4096);
    return ByteBuffer.wrap(mem[page]).order(ByteOrder.LITTLE_ENDIAN).getLong(8) == 0;
  }

  private boolean quiet() {
    Long sh = k.callsInFlight().get(s.shSpace());
    if (sh == null || sh != SYS_read) return false;
    OptionalInt free = k.freePages();
    OptionalInt base = s.baselineFree();
    return base.isEmpty() || (free.isPresent() && free.getAsInt() == base.getAsInt());
  }

  /** The console from {@code from} without the shell's own writes (its prompts). */
  @Override
  public String consoleOfFamily(int from) {
    String c = k.console();
    StringBuilder out = new StringBuilder();
    int at = from;
    for (int[] w : shellWrites) {
      if (w[0] < at) continue;
      out.append(c, at, w[0]);
      at = w[1];
    }
    out.append(c.substring(Math.min(at, c.length())));
    return out.toString();
  }

  @Override
  public Set<Long> heldInodes() {
    return Set.of((long) ROOTINO, s.consoleInum());
  }

  /** syscall-args' coverage of this kernel: attached to the machine before its snapshot. */
  @Override
  public java.util.Optional<GuestCoverage> coverage() {
    return java.util.Optional.of(target.coverage());
  }

  SyscallArgsElfTarget target() {
    return target;
  }
}
