package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.UserPrograms.*;
import static xv6ckpt.specs.FsModel.ROOTINO;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.BooleanSupplier;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.ElfKernel;
import xv6ckpt.harness.rig.KernelIdentity;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.specs.FsModel;

/**
 * syscall-args against a C kernel ELF ({@code --kernel}), with the same inputs as {@link
 * SyscallArgsTarget} (its decoding, server and bystander) and the oracle rebuilt from what the
 * architectural boundary shows ({@link ElfKernel}).
 *
 * <p>Setup: a copy of the user's fs.img with /server, /bystander, /reaper, /d and /d/f added (by
 * our own file-system code, through the image's log); boot to the shell's prompt; type {@code
 * bystander &}, {@code reaper &} and {@code server}, each run until it sleeps in its first call;
 * the path dictionary is written into the server through its page table; the go line is typed and
 * run until the server's read returns it; snapshot (the server in U-mode). Pids are what the
 * boundary shows: the shell's is init's one fork result during boot, each program's the highest
 * fork result while it starts (xv6's shell forks once for a command, twice for one with {@code &},
 * and pids only grow).
 *
 * <p>Per input: reset, write the input's paths, buffer and call table into the server (the go's
 * byte over the buffer's first, where its read put it), run until the shell's wait returns (the
 * server is gone) or the budget is spent. Then leftovers are killed by the reaper (the harness
 * writes a pid range into its page: {@link ReaperSweeps}), and the machine runs until the shell's
 * wait has returned and the free pages are the baseline.
 *
 * <p>Oracle: no panic line (xv6's accepted panics pass as on the Java kernel); each of the server's
 * own calls against the spec's model through {@link ModelJudge} (results and the bytes written to
 * its memory, read through its page table), until the model gives up or the first fork succeeds (a
 * child's calls come from an address space the boundary cannot name with a pid); after the server
 * family is gone: free pages = baseline where {@code kmem} can be walked, the bystander's memory
 * unchanged, fsck clean (a live check: the root and the console are held by the processes that
 * remain). What differs from the Java kernel's target, and why, is listed in the harness README
 * ("syscall-args on a C kernel").
 */
public final class SyscallArgsElfTarget implements FuzzTarget {
  /** Steps to boot to the prompt (kinit fills all 128 MiB byte by byte: about 430M) or settle. */
  static final long SETUP_BUDGET = 2_000_000_000;

  /** Steps the input runs before leftovers are killed (xv6's tick is 1,000,000 steps). */
  static final long RUN_BUDGET = 5_000_000;

  /**
   * Steps the reaper and the shell get to end the leftovers and settle: a fork-heavy input leaves
   * about 50 processes, which stock xv6's init reaps a few per tick (measured: 36M steps for one).
   */
  static final long CLEANUP_BUDGET = 50_000_000;

  /**
   * How far past {@link #CLEANUP_BUDGET} the cleanup goes while the leftovers still make progress
   * ({@link CleanupClock}).
   */
  static final long CLEANUP_LIMIT = 200_000_000;

  /**
   * Steps without progress after which a cleanup past its budget ends: 30 of xv6's ticks. 16
   * processes that each checkpoint themselves on the kit's kernel go up to 21.6M steps between
   * visible changes (each replacement scans the directory, a wakeup over the process table per
   * entry read, all in the buffer cache) and take more than the limit in all (session 14).
   */
  static final long STALL = 30_000_000;

  /** xv6's NPROC: more pids than can have been made unseen. */
  static final int NPROC = 64;

  private static final long SLICE = 200_000;

  private final ElfKernel k;
  private final GuestCoverage coverage;
  private final ElfKernel.Snapshot snap;
  private final byte[][] cleanBlocks;
  private final long shSpace, serverSpace, bystanderSpace, reaperSpace;
  private final int shPid, bystanderPid, reaperPid, serverPid;
  private final byte[][] bystanderPages;
  private final OptionalInt baselineFree;
  private final FsModel fsModel;
  private final long consoleInum;

  /**
   * Steps from typing the go line to the server's read returning it (spent before the snapshot).
   */
  private final long goSteps;

  /** Highest fork result seen during setup's current step. */
  private int forkMax;

  /**
   * Boots {@code elf} over a copy of {@code image} and brings it to the snapshot.
   *
   * @throws IllegalStateException if the kernel does not get there (naming the step and the
   *     console's end): a setup failure, not a finding
   */
  public SyscallArgsElfTarget(String path, byte[] elf, byte[] image, int harts) {
    MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, image.clone());
    addFiles(disk);
    ElfTargetKernel booted = ElfTargetKernel.open(path, elf, disk, harts);
    k = booted.kernel();
    coverage = booted.coverage();
    forkMax = 0;
    runUntil(() -> k.console().endsWith("$ "), "boot to the shell's prompt");
    settle();
    consoleInum = inum(disk, "/console"); // init makes it at its first boot
    shPid = forkMax;
    shSpace = start("bystander &");
    bystanderPid = forkMax;
    bystanderSpace = awaitInFlight(SYS_read, Set.of(shSpace), "the bystander's read");
    start("reaper &");
    reaperPid = forkMax;
    reaperSpace = awaitInFlight(SYS_sleep, Set.of(), "the reaper's sleep");
    baselineFree = k.freePages();
    bystanderPages = UserPages.userBytes(k.memory(), bystanderSpace);
    start("server");
    serverPid = forkMax;
    serverSpace =
        awaitInFlight(
            SYS_read, Set.of(shSpace, bystanderSpace, reaperSpace), "the server's first read");
    for (int i = 0; i < SyscallArgsTarget.DICTIONARY.length; i++) {
      writePath(i, SyscallArgsTarget.DICTIONARY[i].getBytes(StandardCharsets.UTF_8));
    }
    fsModel = ModelJudge.fsModel(disk, List.of((long) ROOTINO, consoleInum));
    goSteps = deliverGo();
    // attached only now: boot's edges are the same for every input, and each reset empties the map
    coverage.attach(k.machine());
    snap = k.snapshot();
    cleanBlocks = new byte[(int) disk.blockCount()][];
    byte[] all = disk.contents();
    for (int b = 0; b < cleanBlocks.length; b++) {
      cleanBlocks[b] = Arrays.copyOfRange(all, b * disk.blockSize(), (b + 1) * disk.blockSize());
    }
    Fsck.Report r = Fsck.checkLive(disk, Set.of((long) ROOTINO, consoleInum));
    if (!r.clean()) {
      throw new IllegalStateException(
          "syscall-args setup: the snapshot's disk is not fsck-clean: " + r.violations());
    }
  }

  /** System properties that make the Jazzer driver's JVM fuzz a C kernel (see {@link #entry}). */
  public static final String KERNEL_PROPERTY = "xv6ckpt.kernel",
      FS_PROPERTY = "xv6ckpt.fs",
      HARTS_PROPERTY = "xv6ckpt.harts";

  /**
   * syscall-args' table entry for a C kernel: the Java target's, with this target as the factory
   * and only the harness instrumented (the kernel is guest code; its Java emulator's edges say
   * nothing about the kernel's paths). The Jazzer driver's JVM builds the same target from the
   * {@link #KERNEL_PROPERTY} properties that {@link #jvmProperties} gives.
   */
  public static FuzzTargets.Entry entry(Path kernel, Path fs, int harts) {
    FuzzTargets.Entry e = SyscallArgsTarget.ENTRY;
    return ElfTargetKernel.entry(e, () -> open(kernel, fs, harts), e.describe(), e.expected());
  }

  /**
   * The Java target's libFuzzer options plus value profiles: {@link GuestCoverage} reaches
   * libFuzzer through {@code Jazzer.exploreState}, which feeds the value profile and does nothing
   * without it.
   */
  static List<String> fuzzerOptions(List<String> javaTargets) {
    List<String> out = new java.util.ArrayList<>(javaTargets);
    out.add(VALUE_PROFILE);
    return List.copyOf(out);
  }

  static final String VALUE_PROFILE = "-use_value_profile=1";

  /** The child JVM's flags for {@link #entry}'s kernel. */
  public static List<String> jvmProperties(Path kernel, Path fs, int harts) {
    return List.of(
        "-D" + KERNEL_PROPERTY + "=" + kernel.toAbsolutePath(),
        "-D" + FS_PROPERTY + "=" + fs.toAbsolutePath(),
        "-D" + HARTS_PROPERTY + "=" + harts);
  }

  /** The target for the kernel the properties name, or empty when they name none. */
  static Optional<FuzzTarget> fromProperties() {
    return KernelProperties.get().map(p -> open(p.kernel(), p.fs(), p.harts()));
  }

  static SyscallArgsElfTarget open(Path kernel, Path fs, int harts) {
    try {
      return new SyscallArgsElfTarget(
          kernel.toString(), Files.readAllBytes(kernel), Files.readAllBytes(fs), harts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The kernel under test, for tests and tools that look further. */
  public ElfKernel kernel() {
    return k;
  }

  /** The guest kernel's coverage, fed to Jazzer after each run; reports may track functions. */
  public GuestCoverage coverage() {
    return coverage;
  }

  @Override
  public Optional<GuestCoverage> guestCoverage() {
    return Optional.of(coverage);
  }

  /**
   * What setup made, for kernel-differential ({@link KernelDifferentialElfStage}), which runs the
   * same snapshot with its own recording: the snapshot, the address spaces and pids of the shell,
   * the bystander, the reaper and the server, the bystander's pages and the free pages then, and
   * the console's inode.
   */
  record Setup(
      ElfKernel.Snapshot snapshot,
      long shSpace,
      long bystanderSpace,
      long reaperSpace,
      long serverSpace,
      int shPid,
      int bystanderPid,
      int reaperPid,
      int serverPid,
      OptionalInt baselineFree,
      long consoleInum) {}

  Setup setup() {
    return new Setup(
        snap,
        shSpace,
        bystanderSpace,
        reaperSpace,
        serverSpace,
        shPid,
        bystanderPid,
        reaperPid,
        serverPid,
        baselineFree,
        consoleInum);
  }

  /** The kernel judged, for reports. */
  public KernelIdentity identity() {
    return k.identity();
  }

  @Override
  public String name() {
    return SyscallArgsTarget.ENTRY.name();
  }

  // ---------------------------------------------------------------- setup

  /** The files setup adds to the user's image (kernel-differential's Java side gets the same). */
  static void addFiles(MemoryBlockDevice disk) {
    try {
      FileSystem fs = FileSystem.mount(disk);
      fs.writeFile("/server", UserPrograms.server());
      fs.writeFile("/bystander", UserPrograms.bystander());
      fs.writeFile("/reaper", UserPrograms.reaper());
      if (!fs.list("/").stream().anyMatch(e -> e.name().equals("d"))) fs.mkdir("/d");
      fs.writeFile("/d/f", new byte[3000]);
    } catch (FsException e) {
      throw new IllegalStateException("syscall-args setup: adding files: " + e.getMessage(), e);
    }
  }

  private static long inum(MemoryBlockDevice disk, String path) {
    try {
      MemoryBlockDevice copy = new MemoryBlockDevice(disk.blockSize(), disk.contents());
      return FileSystem.mount(copy).stat(path).ino();
    } catch (FsException e) {
      throw new IllegalStateException("syscall-args setup: " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Types a command line and runs until the shell has read it and sleeps again (in read after a
   * background command, in wait for a foreground one), then {@link #settle}s; returns the shell's
   * address space (whose read returned the line).
   */
  private long start(String line) {
    forkMax = 0;
    long[] sh = {-1};
    k.type((line + "\n").getBytes(StandardCharsets.UTF_8));
    long want = line.endsWith("&") ? SYS_read : SYS_wait;
    runUntil(
        e -> {
          if (sh[0] < 0 && e.number() == SYS_read) sh[0] = e.space();
        },
        () -> sh[0] >= 0 && Long.valueOf(want).equals(k.callsInFlight().get(sh[0])),
        "'" + line + "'");
    settle();
    return sh[0];
  }

  /** Three of xv6's ticks, for what a command started to reach its first sleep. */
  private void settle() {
    long end = k.machine().time() + 3_000_000;
    runUntil(() -> k.machine().time() >= end, "settling");
  }

  /** The one address space in a call of this number, other than those named, once there is one. */
  private long awaitInFlight(long number, Set<Long> not, String what) {
    long[][] found = {new long[0]};
    runUntil(
        () -> {
          found[0] =
              k.callsInFlight().entrySet().stream()
                  .filter(x -> x.getValue() == number && !not.contains(x.getKey()))
                  .mapToLong(Map.Entry::getKey)
                  .toArray();
          return found[0].length > 0;
        },
        what);
    if (found[0].length != 1) {
      throw new IllegalStateException(
          "syscall-args setup: "
              + what
              + ": "
              + found[0].length
              + " processes are in call "
              + number
              + "\n"
              + tail());
    }
    return found[0][0];
  }

  /**
   * Types the go line and runs until the server's read returns it, so that the snapshot (and each
   * input) starts with the server in U-mode about to read its table: the go costs no input steps.
   * The line's newline stays in the console for the shell, which reads it as an empty command after
   * the server is gone, as before; each input's end no longer waits for that (see {@link #done}).
   * Returns the steps the delivery took, which count against the input's budget as they did when
   * each input typed the line itself.
   */
  private long deliverGo() {
    long t = k.machine().time();
    boolean[] back = {false};
    k.type(GO);
    runUntil(
        e -> back[0] |= e.space() == serverSpace && e.number() == SYS_read,
        () -> back[0],
        "the server's read of the go line");
    return k.machine().time() - t;
  }

  /**
   * The go line: xv6's console hands a reader nothing before the line ends; the server reads its
   * first byte into BUF.
   */
  static final byte[] GO = "g\n".getBytes(StandardCharsets.UTF_8);

  private void runUntil(BooleanSupplier done, String what) {
    runUntil(e -> {}, done, what);
  }

  private void runUntil(
      java.util.function.Consumer<Event.Returned> seen, BooleanSupplier done, String what) {
    k.runUntil(
        "syscall-args setup",
        what,
        SETUP_BUDGET,
        SLICE,
        r -> {
          if (r.number() == SYS_fork && r.result() > 0) {
            forkMax = Math.max(forkMax, (int) r.result());
          }
          seen.accept(r);
        },
        done);
  }

  private String tail() {
    String c = k.console();
    return "console ends: " + c.substring(Math.max(0, c.length() - 400));
  }

  private void writePath(int slot, byte[] s) {
    byte[] b = new byte[Math.min(s.length, PATH_SLOT - 1) + 1];
    System.arraycopy(s, 0, b, 0, b.length - 1);
    UserPages.write(k.memory(), serverSpace, PATHS + (long) slot * PATH_SLOT, b);
  }

  // ---------------------------------------------------------------- one input

  /**
   * Runs one input and hands its guest-kernel edges to the fuzzer (after judging, before the next
   * reset empties them).
   */
  @Override
  public Verdict run(byte[] input) {
    try {
      return runOnce(input);
    } finally {
      coverage.feed();
    }
  }

  private Verdict runOnce(byte[] input) {
    k.reset(snap);
    int before = k.console().length();
    try {
      SyscallArgsTarget.Input in = SyscallArgsTarget.decode(input);
      for (int i = 0; i < in.paths().size(); i++) {
        writePath(SyscallArgsTarget.DICTIONARY.length + i, in.paths().get(i));
      }
      UserPages.write(k.memory(), serverSpace, BUF, in.buffer());
      // the go's read put its byte over the buffer's first after the buffer was written
      UserPages.write(k.memory(), serverSpace, BUF, Arrays.copyOf(GO, 1));
      Set<Integer> keep = Set.of(1, shPid, bystanderPid, reaperPid);
      UserPages.write(k.memory(), serverSpace, TABLE, SyscallArgsTarget.table(in, keep));
      return judge(in.calls().size(), before);
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, output(before));
    }
  }

  private String output(int from) {
    return k.console().substring(Math.min(from, k.console().length()));
  }

  /** What the boundary shows the model: the server, by its address space, until it is gone. */
  private final class ServerView implements ModelJudge.View {
    boolean gone;

    @Override
    public boolean gone(int pid) {
      return pid != serverPid || gone;
    }

    @Override
    public boolean observed(int pid) {
      return pid == serverPid && !gone;
    }

    @Override
    public long[] registers(int pid) {
      return k.userRegisters();
    }

    @Override
    public byte[][] memory(int pid) {
      return UserPages.userBytes(k.memory(), serverSpace);
    }
  }

  private Verdict judge(int calls, int from) {
    ServerView view = new ServerView();
    ModelJudge model = new ModelJudge(view, fsModel.copy(), 2, (int) consoleInum, serverPid);
    model.forXv6();
    // the snapshot stands at the go's return: the model reads the table from here
    Optional<ModelJudge.Divergence> go = model.onReturn(serverPid, SYS_read);
    if (go.isPresent()) return fail(go.get().rule(), go.get().detail(), from);
    int highest = serverPid;
    boolean serverGone = false;
    long spent = goSteps;
    while (!serverGone && spent < RUN_BUDGET) {
      long t = k.machine().time();
      Event e = k.run(RUN_BUDGET - spent);
      spent += k.machine().time() - t;
      if (e instanceof Event.Panicked p) return panicked(p.message(), calls, from);
      if (!(e instanceof Event.Returned r)) break;
      if (r.space() == shSpace) {
        serverGone = r.number() == SYS_wait;
        continue;
      }
      if (r.number() == SYS_fork && r.result() > 0) highest = Math.max(highest, (int) r.result());
      if (r.space() == serverSpace) {
        Optional<ModelJudge.Divergence> d = model.onReturn(serverPid, r.number());
        if (d.isPresent()) return fail(d.get().rule(), d.get().detail(), from);
        if (r.number() == SYS_fork && r.result() > 0) {
          model.giveUp("a forked child's calls are not attributed to a pid at the boundary");
        }
      }
    }
    if (serverGone && Long.valueOf(SYS_exec).equals(k.callsInFlight().get(serverSpace))) {
      // exec returned into a new address space at its entry, which the boundary cannot pair
      model.giveUp("exec replaced the server's address space; its return is not seen");
    }
    if (serverGone) {
      view.gone = true;
      Optional<ModelJudge.Divergence> d = model.exits(-1);
      if (d.isPresent()) return fail(d.get().rule(), d.get().detail(), from);
    }
    String what =
        calls
            + " call"
            + (calls == 1 ? "" : "s")
            + (serverGone ? ", server gone" : "")
            + model.lost().map(why -> ", model gave up: " + why).orElse("");
    return cleanup(serverGone, highest, what, calls, from);
  }

  /**
   * Kills what may be left through the reaper, waits for the shell and the pages; judges. A process
   * is "unkillable" only once nothing has moved for {@link #STALL} steps past the budget; leftovers
   * still moving at {@link #CLEANUP_LIMIT} pass, not judged to the end.
   */
  private Verdict cleanup(boolean serverGone, int highest, String what, int calls, int from) {
    boolean killed = !serverGone || highest > serverPid;
    ReaperSweeps sweeps = new ReaperSweeps(serverPid, highest, NPROC);
    CleanupClock clock = new CleanupClock(CLEANUP_BUDGET, CLEANUP_LIMIT, STALL);
    boolean shGone = serverGone;
    while (clock.goOn()) {
      if (shGone && done()) return invariants(what + (killed ? ", reaped the rest" : ""), from);
      long forks = k.unreturned(SYS_fork);
      if (killed && sweeps.due(forks) && reaperIdle()) arm(sweeps.arm(forks));
      long t = k.machine().time();
      Event e = k.run(SLICE);
      clock.ran(k.machine().time() - t);
      if (e instanceof Event.Panicked p) return panicked(p.message(), calls, from);
      if (e instanceof Event.Returned r) {
        if (r.space() == shSpace && r.number() == SYS_wait) shGone = true;
        if (r.space() != reaperSpace && r.space() != bystanderSpace && r.space() != shSpace) {
          clock.moved();
        }
        if (r.space() != shSpace && r.number() == SYS_fork) sweeps.forked(r.result());
      }
      if (clock.watching()) clock.saw(activity());
    }
    if (!clock.stalled()) {
      // A call that is still working is slow, not unkillable: xv6 looks at killed only on its way
      // back to U-mode, and f5b93ef's eager sbrk of a few MiB costs about 32,000 steps a page
      // (kalloc's and uvmalloc's byte-wise memsets), more than the budgets
      return new Verdict.Pass(
          what
              + ", not judged to the end: still making calls or changing the console, the disk,"
              + " the free pages or the process table "
              + clock.spent()
              + " steps on");
    }
    if (!shGone) {
      return fail("unkillable", "the server still runs after the reaper's kill; " + what, from);
    }
    OptionalInt free = k.freePages();
    return fail(
        "page-leak",
        (baselineFree.getAsInt() - free.orElse(-1))
            + " pages not freed (or processes not gone) "
            + clock.spent()
            + " steps after "
            + what,
        from);
  }

  /**
   * What shows the leftovers still at work while no call of theirs returns (a killed process leaves
   * from its call straight into exit): the console's length, the blocks written, the free pages,
   * the free process slots and the zombies (the last three empty where the kernel's symbols do not
   * name them). Disk writes: 16 processes that each checkpoint themselves on the kit's kernel
   * change nothing else for millions of steps (session 14).
   */
  private record Activity(
      int console, long writes, OptionalInt pages, OptionalInt free, OptionalInt zombies) {}

  private Activity activity() {
    return new Activity(
        consoleLength(), k.disk().writes(), k.freePages(), k.freeProcSlots(), k.zombieProcs());
  }

  private int consoleLength() {
    return k.console().length();
  }

  /** Has the reaper kill pids [server, last] at its next tick. */
  private void arm(long last) {
    byte[] range = new byte[16];
    ByteBuffer b = ByteBuffer.wrap(range).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, serverPid).putLong(8, last + 1);
    UserPages.write(k.memory(), reaperSpace, REAPER_RANGE, range);
  }

  /** Whether the reaper has no range to kill (it clears the range when done). */
  private boolean reaperIdle() {
    byte[][] mem = UserPages.userBytes(k.memory(), reaperSpace);
    int page = (int) (REAPER_RANGE / 4096);
    return ByteBuffer.wrap(mem[page]).order(ByteOrder.LITTLE_ENDIAN).getLong(8) == 0;
  }

  /**
   * Whether the input's processes are all gone, once the shell's wait has returned: every page is
   * back where they can be counted (the server's are freed by that wait, a leftover holds some
   * until init reaps it), else the shell reads its console again. The first is what a leak check
   * needs, and is met a prompt and the go line's empty command (about 1.3M steps of xv6) sooner.
   */
  private boolean done() {
    if (baselineFree.isPresent()) {
      OptionalInt free = k.freePages();
      return free.isPresent() && free.getAsInt() == baselineFree.getAsInt();
    }
    Long sh = k.callsInFlight().get(shSpace);
    return sh != null && sh == SYS_read;
  }

  private Verdict invariants(String what, int from) {
    if (!Arrays.deepEquals(UserPages.userBytes(k.memory(), bystanderSpace), bystanderPages)) {
      return fail("isolation", "the bystander's memory changed after " + what, from);
    }
    String pages = baselineFree.isEmpty() ? ", free pages unknown" : "";
    if (diskUntouched()) return new Verdict.Pass(what + pages + ", no block written");
    Fsck.Report r = Fsck.checkLive(k.disk(), Set.of((long) ROOTINO, consoleInum));
    if (!r.clean()) return fail("fsck", "violations after " + what + ": " + r.violations(), from);
    return new Verdict.Pass(what + pages);
  }

  private boolean diskUntouched() {
    byte[] buf = new byte[k.disk().blockSize()];
    for (long b : k.disk().writtenBlocks()) {
      k.disk().read(b, buf);
      if (!Arrays.equals(buf, cleanBlocks[(int) b])) return false;
    }
    return true;
  }

  private Verdict panicked(String line, int calls, int from) {
    String message = line.startsWith("panic: ") ? line.substring(7) : line;
    if (Verdicts.accepted(message).isPresent()) {
      return new Verdict.Pass(Verdicts.ACCEPTED + message + " after " + calls + " calls");
    }
    return fail("panic", "kernel panic '" + message + "' after " + calls + " calls", from);
  }

  private Verdict.Fail fail(String rule, String detail, int from) {
    return new Verdict.Fail(rule, detail + " [" + k.identity() + "]", output(from), "");
  }
}
