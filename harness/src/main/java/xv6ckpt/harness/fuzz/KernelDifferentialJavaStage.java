package xv6ckpt.harness.fuzz;

import static xv6ckpt.specs.FsModel.ROOTINO;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.JavaKernel;
import xv6ckpt.harness.rig.KernelUnderTest;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * The Java kernel as a side of kernel-differential, started as syscall-args starts it (no shell:
 * the bystander and the server are spawned as children of init). {@link Plant}s are for tests: a
 * mistake put into the kernel's result between a call's return and the recording, so that the
 * comparison can be seen to catch it.
 */
final class KernelDifferentialJavaStage implements KernelDifferentialStage {
  /** A mistake planted at a server call's return (tests only). */
  interface Plant {
    /**
     * Called at every return (the family's and others'), before the trace reads it; returns the
     * return as the process now sees it (a changed result goes into the hart's a0 as well).
     */
    Event.Returned atReturn(Machine m, Event.Returned r);
  }

  private static final long BUDGET = 1_000_000;
  private static final int ROUNDS = 8;

  private final Machine m;

  /** What the server waits for before its table; typed by {@link #go}. */
  private static final String GO_LINE = "g\n";

  private final JavaKernel k;
  private final Machine.Snapshot snap;
  private final Pids pids;
  private final long serverSpace;
  private final Plant plant;
  private final Set<Long> held;

  /** syscall-args' own disk (mkfs with its files) and machine. */
  static KernelDifferentialJavaStage standard() {
    return new KernelDifferentialJavaStage(standardDisk(), SyscallArgsTarget.CONFIG, 0, null);
  }

  /** The disk syscall-args runs on. */
  static MemoryBlockDevice standardDisk() {
    return Disks.make(
        Disks.SMALL,
        List.of(
            new Mkfs.FileNode("server", UserPrograms.server()),
            new Mkfs.FileNode("bystander", UserPrograms.bystander()),
            new Mkfs.FileNode(
                "README", "xv6-ckpt syscall-args target\n".getBytes(StandardCharsets.UTF_8)),
            new Mkfs.DirNode("d", List.of(new Mkfs.FileNode("f", new byte[3000])))));
  }

  /**
   * @param extra processes started before the server (each a sleeping bystander), which shift the
   *     server's pid by as many: the pid rule must not see them
   * @param plant a mistake to plant, or null
   */
  KernelDifferentialJavaStage(
      MemoryBlockDevice disk, Machine.Config config, int extra, Plant plant) {
    this.plant = plant;
    m = Machines.runner(disk, config);
    k = new JavaKernel(m);
    int bystander = start("/bystander");
    for (int i = 0; i < extra; i++) start("/bystander");
    settle();
    int server = start("/server");
    settle();
    serverSpace = process(server).pagetable();
    for (int i = 0; i < SyscallArgsTarget.DICTIONARY.length; i++) {
      KernelDifferentialTrace.writePath(
          k, serverSpace, i, SyscallArgsTarget.DICTIONARY[i].getBytes(StandardCharsets.UTF_8));
    }
    pids = new Pids(1, bystander, server);
    long console =
        m.fs()
            .namei("/console".getBytes(StandardCharsets.UTF_8), m.fs().root())
            .orElseThrow(() -> new IllegalStateException("kernel-differential setup: no /console"))
            .inum();
    held = Set.of((long) ROOTINO, console);
    m.takeOutput();
    snap = k.snapshot();
  }

  private int start(String path) {
    try {
      return m.spawn(path, List.of(path.substring(1)));
    } catch (Machine.BootException e) {
      throw new IllegalStateException("kernel-differential setup: " + e.getMessage(), e);
    }
  }

  private void settle() {
    Machine.Outcome o = m.run(BUDGET);
    if (!(o instanceof Machine.Outcome.Idle)) {
      throw new IllegalStateException("kernel-differential setup: expected idle, got " + o);
    }
  }

  private Process process(int pid) {
    return m.proc()
        .byPid(pid)
        .orElseThrow(() -> new IllegalStateException("kernel-differential setup: no pid " + pid));
  }

  @Override
  public KernelUnderTest<?> kernel() {
    return k;
  }

  @Override
  public void reset() {
    k.reset(snap);
  }

  @Override
  public void go() {
    k.type(GO_LINE.getBytes(StandardCharsets.US_ASCII));
  }

  @Override
  public long serverSpace() {
    return serverSpace;
  }

  @Override
  public Pids pids() {
    return pids;
  }

  @Override
  public long runBudget() {
    return BUDGET;
  }

  @Override
  public long now() {
    return m.cycles();
  }

  @Override
  public void started() {}

  @Override
  public Event.Returned seen(Event.Returned r) {
    return plant != null ? plant.atReturn(m, r) : r;
  }

  @Override
  public boolean familyGone() {
    return m.proc().live().stream()
        .allMatch(p -> p.pid() < pids.server() || p.state() == Process.State.ZOMBIE);
  }

  /** Never reached: the Java kernel goes idle as soon as nothing can run. */
  @Override
  public long quietBudget() {
    return BUDGET;
  }

  @Override
  public java.util.Optional<Birth> birth(Event.Returned r) {
    if (r.number() != xv6ckpt.testkit.Xv6Abi.SYS_fork || r.result() <= 0) {
      return java.util.Optional.empty();
    }
    return m.proc().byPid((int) r.result()).map(child -> new Birth(child.pagetable(), r.space()));
  }

  @Override
  public boolean serverGone() {
    return m.proc().byPid(pids.server()).map(p -> p.state() == Process.State.ZOMBIE).orElse(true);
  }

  /** As syscall-args ends an input: run, then kill what is neither init nor a bystander. */
  @Override
  public String cleanup() {
    boolean killed = false;
    for (int round = 0; round < ROUNDS; round++) {
      Machine.Outcome o = m.run(BUDGET);
      if (o instanceof Machine.Outcome.Panicked p) return "panic: " + p.message();
      if (o instanceof Machine.Outcome.Exited) continue;
      if (familyReaped()) return killed ? "killed the rest" : "";
      killed = true;
      for (Process p : m.proc().live()) {
        if (p.pid() >= pids.server()) m.proc().kill(p.pid());
      }
    }
    return "unkillable";
  }

  private boolean familyReaped() {
    return m.proc().live().stream().allMatch(p -> p.pid() < pids.server());
  }

  @Override
  public String consoleOfFamily(int from) {
    String c = k.console();
    int start = Math.min(from, c.length());
    // The go line's echo comes first (the server waits for it), and a C kernel's snapshot is
    // taken after it: it is no output of the family.
    if (c.startsWith(GO_LINE, start)) start += GO_LINE.length();
    return c.substring(start);
  }

  @Override
  public Set<Long> heldInodes() {
    return m.fs().inUse();
  }
}
