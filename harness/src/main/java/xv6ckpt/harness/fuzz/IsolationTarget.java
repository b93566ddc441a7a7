package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.IsolationPrograms.*;
import static xv6ckpt.testkit.Xv6Abi.SYS_fork;
import static xv6ckpt.testkit.Xv6Abi.SYS_read;
import static xv6ckpt.testkit.Xv6Abi.SYS_sleep;
import static xv6ckpt.testkit.Xv6Abi.SYS_uptime;
import static xv6ckpt.testkit.Xv6Abi.SYS_write;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BiConsumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.ElfKernel;
import xv6ckpt.harness.rig.JavaKernel;
import xv6ckpt.harness.rig.KernelUnderTest;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.harness.rig.UserState;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Xv6;

/**
 * isolation: the invariant suite's isolation law ({@code props/IsolationAndLeaksTest}) as a fuzz
 * target that runs on any xv6-ABI kernel, observed at the architectural boundary. The input is the
 * intruder's call list, decoded as the law's generator draws it ({@link #decode}): writes from and
 * reads into any address (its own, wild ones, the victim's page by its physical address), sbrk up
 * and down, fork/exit/wait, checkpoint of the victim, failing restores (no file, garbage, a torn
 * image) and failing execs (no file, garbage).
 *
 * <p>Scene ({@link IsolationPrograms}): the victim /iv blocked in a console read with every
 * register set to a known value; the intruder /ii waiting for its go. On the Java kernel both are
 * spawned as children of init; on a C kernel the shell runs {@code iv & ; ii}, so that it waits for
 * the intruder in the foreground and the victim is the console's only reader. The snapshot is the
 * intruder at a return of its waiting sleep; per input the harness writes the call table into it
 * through its page table and sets its go.
 *
 * <p>Oracle: (a) when the intruder's calls are done, the victim's pages below TRAPFRAME (the whole
 * Sv39 tree walked by the harness, permissions and bytes) are those of the snapshot; the victim,
 * woken by one typed newline, finds every register x1..x31 as it left it and its pages' checksum
 * unchanged (its verdict line); (b) once both have exited, the free pages are back at the boot
 * baseline (where the kernel lets them be counted: {@code kmem}); no panic. (c), the pages of a
 * restored process, is restore-image's oracle on both kernels.
 */
public final class IsolationTarget implements FuzzTarget {
  static final FuzzTargets.Entry ENTRY =
      new FuzzTargets.Entry(
          "isolation",
          IsolationTarget::new,
          IsolationFuzzer.class,
          SyscallArgsTarget.KERNEL_AND_HARNESS,
          List.of(),
          IsolationTarget::describe,
          input ->
              "the victim's registers and pages unchanged by the intruder's calls; free pages back"
                  + " at the baseline once both have exited; no panic",
          "xv6ckpt.harness.fuzz.IsolationFuzzTest",
          "isolation");

  // ---------------------------------------------------------------- the input

  /** An address an input names: a virtual one, or an offset into the victim's data page's frame. */
  sealed interface Addr {
    record Va(long va) implements Addr {}

    record VictimFrame(int offset) implements Addr {}
  }

  /** One call of the intruder. */
  sealed interface Call {}

  record WriteFrom(Addr addr, int len) implements Call {}

  record ReadInto(Addr addr, int len) implements Call {}

  record Sbrk(int n) implements Call {}

  record ForkExit() implements Call {}

  record CkptVictim() implements Call {}

  /** restore of {@link IsolationPrograms#RESTORE_PATHS}[which]. */
  record BadRestore(int which) implements Call {}

  /** exec of {@link IsolationPrograms#EXEC_PATHS}[which]. */
  record BadExec(int which) implements Call {}

  /** Addresses no user pointer may reach: the law's wild ones and the intruder's last word. */
  static final long[] WILD = {
    Xv6.TRAPFRAME, Xv6.TRAMPOLINE, Xv6.MAXVA - 8, -4096L, 0x7fff_f000L, I_SIZE - 8
  };

  /** Where in the intruder's address space the plain addresses fall: code to past its stack. */
  static final long VA_END = I_SIZE + 0x2000;

  static final int MAX_LEN = 6000, SBRK_MIN = -12288, SBRK_MAX = 16384;

  /**
   * The calls an input names: until it is used up or {@link IsolationPrograms#MAX_CALLS}, a kind
   * byte (mod 7) and the kind's arguments. An address is a selector byte and a u16: 0-4 a plain
   * address (writes from [0, VA_END), reads into [SCRATCH, VA_END)), 5 a wild one, 6 the victim's
   * data page's physical address plus an offset (a kernel address no user pointer may reach), 7 a
   * page of RAM by its physical address.
   */
  static List<Call> decode(byte[] input) {
    ByteInput in = new ByteInput(input);
    List<Call> out = new ArrayList<>();
    while (!in.exhausted() && out.size() < MAX_CALLS) {
      out.add(
          switch (in.u8() % 7) {
            case 0 -> new WriteFrom(addr(in, 0), in.u16() % (MAX_LEN + 1));
            case 1 -> new ReadInto(addr(in, SCRATCH), in.u16() % (MAX_LEN + 1));
            case 2 -> new Sbrk(in.u16() % (SBRK_MAX - SBRK_MIN + 1) + SBRK_MIN);
            case 3 -> new ForkExit();
            case 4 -> new CkptVictim();
            case 5 -> new BadRestore(in.u8() % RESTORE_PATHS.length);
            default -> new BadExec(in.u8() % EXEC_PATHS.length);
          });
    }
    return out;
  }

  private static Addr addr(ByteInput in, long lo) {
    int sel = in.u8() % 8, v = in.u16();
    return switch (sel) {
      case 5 -> new Addr.Va(WILD[v % WILD.length]);
      case 6 -> new Addr.VictimFrame(v % Xv6.PGSIZE);
      case 7 -> new Addr.Va(0x8000_0000L + (long) (v % 0x8000) * Xv6.PGSIZE);
      default -> new Addr.Va(lo + v % (VA_END - lo));
    };
  }

  /** The bytes {@link #decode} reads as calls (each address one the decoder can name). */
  static byte[] encode(List<Call> calls) {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    for (Call c : calls) {
      if (c instanceof WriteFrom w) {
        put(b, 0, addrBytes(w.addr(), 0), w.len());
      } else if (c instanceof ReadInto r) {
        put(b, 1, addrBytes(r.addr(), SCRATCH), r.len());
      } else if (c instanceof Sbrk s) {
        put(b, 2, new int[0], s.n() - SBRK_MIN);
      } else if (c instanceof ForkExit) {
        b.write(3);
      } else if (c instanceof CkptVictim) {
        b.write(4);
      } else if (c instanceof BadRestore r) {
        b.write(5);
        b.write(r.which());
      } else if (c instanceof BadExec e) {
        b.write(6);
        b.write(e.which());
      }
    }
    return b.toByteArray();
  }

  private static void put(java.io.ByteArrayOutputStream b, int kind, int[] addr, int u16) {
    b.write(kind);
    if (addr.length == 2) {
      b.write(addr[0]);
      b.write(addr[1] & 0xff);
      b.write(addr[1] >>> 8);
    }
    b.write(u16 & 0xff);
    b.write(u16 >>> 8);
  }

  private static int[] addrBytes(Addr a, long lo) {
    if (a instanceof Addr.VictimFrame f) return new int[] {6, f.offset()};
    long va = ((Addr.Va) a).va();
    for (int i = 0; i < WILD.length; i++) {
      if (WILD[i] == va) return new int[] {5, i};
    }
    if (va >= lo && va < VA_END) return new int[] {0, (int) (va - lo)};
    long page = (va - 0x8000_0000L) / Xv6.PGSIZE;
    if (va % Xv6.PGSIZE == 0 && page >= 0 && page < 0x8000) return new int[] {7, (int) page};
    throw new IllegalArgumentException("no input names 0x" + Long.toHexString(va));
  }

  /** The input's calls, one a line, as the intruder makes them. */
  static String describe(byte[] input) {
    List<Call> calls = decode(input);
    StringBuilder b = new StringBuilder(calls.size() + " intruder calls:\n");
    for (int i = 0; i < calls.size(); i++) {
      b.append(i).append(": ").append(describe(calls.get(i))).append('\n');
    }
    return b.toString();
  }

  static String describe(Call c) {
    if (c instanceof WriteFrom w) return "write(/out, " + describe(w.addr()) + ", " + w.len() + ")";
    if (c instanceof ReadInto r) return "read(/src, " + describe(r.addr()) + ", " + r.len() + ")";
    if (c instanceof Sbrk s) return "sbrk(" + s.n() + ") (never below exec's size)";
    if (c instanceof ForkExit) return "fork; the child exits 0, the parent waits";
    if (c instanceof CkptVictim) return "checkpoint(victim, /vimg)";
    if (c instanceof BadRestore r) return "restore(" + RESTORE_PATHS[r.which()] + ")";
    return "exec(" + EXEC_PATHS[((BadExec) c).which()] + ")";
  }

  private static String describe(Addr a) {
    return a instanceof Addr.Va v
        ? "0x" + Long.toHexString(v.va())
        : "victim's data frame (physical) + " + ((Addr.VictimFrame) a).offset();
  }

  /** The intruder's table entry for c: op, a, b. */
  private static long[] entry(Call c, long victimFrame) {
    if (c instanceof WriteFrom w) {
      return new long[] {OP_WRITE, resolve(w.addr(), victimFrame), w.len()};
    }
    if (c instanceof ReadInto r) {
      return new long[] {OP_READ, resolve(r.addr(), victimFrame), r.len()};
    }
    if (c instanceof Sbrk s) return new long[] {OP_SBRK, s.n(), 0};
    if (c instanceof ForkExit) return new long[] {OP_FORK, 0, 0};
    if (c instanceof CkptVictim) return new long[] {OP_CKPT, 0, 0};
    if (c instanceof BadRestore r) return new long[] {OP_RESTORE, 0, r.which()};
    return new long[] {OP_EXEC, 0, ((BadExec) c).which()};
  }

  private static long resolve(Addr a, long victimFrame) {
    return a instanceof Addr.Va v ? v.va() : victimFrame + ((Addr.VictimFrame) a).offset();
  }

  // ---------------------------------------------------------------- the scene

  /**
   * A kernel brought to the snapshot: the victim blocked in its read (its address space, pid, data
   * frame and pages), the intruder at a return of its waiting sleep; the free pages of the boot
   * baseline; budgets in the kernel's steps; what a test plants when the calls are done.
   */
  private record Scene<S>(
      KernelUnderTest<S> k,
      S snap,
      long victimSpace,
      long intruderSpace,
      long victimPid,
      long victimFrame,
      List<Image.Page> victimPages,
      OptionalInt baseline,
      long budget,
      Intruder intruder,
      Runnable plant,
      Optional<GuestCoverage> coverage,
      LongSupplier clock) {}

  private final Scene<?> scene;

  /** The target on the Java kernel. */
  public IsolationTarget() {
    this(javaScene((m, space) -> {}));
  }

  private IsolationTarget(Scene<?> scene) {
    this.scene = scene;
  }

  /**
   * On the Java kernel, with {@code plant} run when the intruder's calls are done (tests plant
   * mistakes there: a victim page or register changed, a page taken from the free list).
   */
  static IsolationTarget withPlant(BiConsumer<Machine, Long> plant) {
    return new IsolationTarget(javaScene(plant));
  }

  /**
   * Java kernel steps for each of the intruder's calls (the calls get this times their number), for
   * the victim's verdict, and for the end.
   */
  static final long JAVA_BUDGET = 20_000_000;

  /**
   * C kernel steps for each of those. Stock xv6 fills each page byte by byte, a fork costs a tick,
   * and the kit's checkpoint of the victim costs about 34M steps (most of it xv6's wakeup, which
   * takes the lock of all 64 process slots, from every brelse and freed virtio descriptor): a
   * budget for the calls together called three checkpoints of the clean kit a hang.
   */
  static final long ELF_BUDGET = 100_000_000;

  private static Scene<Machine.Snapshot> javaScene(BiConsumer<Machine, Long> plant) {
    Intruder ii = intruder();
    MemoryBlockDevice disk = Disks.withFiles(files(ii));
    Machine m = Machines.runner(disk, Machines.FUZZ);
    int baseline = m.kalloc().freePages();
    int victim = Machines.spawn(m, VICTIM);
    Machine.Outcome o = Machines.finish(m);
    if (!o.equals(new Machine.Outcome.Idle(true))) {
      throw new IllegalStateException("isolation setup: the victim does not block: " + o);
    }
    long vspace = UserState.process(m, victim).pagetable();
    long ispace = UserState.process(m, Machines.spawn(m, INTRUDER)).pagetable();
    JavaKernel k = new JavaKernel(m);
    waitForPoll(k, m::cycles, ispace, ii, JAVA_BUDGET);
    return scene(
        k,
        vspace,
        ispace,
        victim,
        OptionalInt.of(baseline),
        JAVA_BUDGET,
        ii,
        () -> plant.accept(m, vspace),
        Optional.empty(),
        m::cycles);
  }

  private static <S> Scene<S> scene(
      KernelUnderTest<S> k,
      long vspace,
      long ispace,
      long victimPid,
      OptionalInt baseline,
      long budget,
      Intruder ii,
      Runnable plant,
      Optional<GuestCoverage> coverage,
      LongSupplier clock) {
    long frame =
        UserPages.userPage(k.memory(), vspace, V_DATA)
            .orElseThrow(() -> new IllegalStateException("isolation setup: victim data unmapped"));
    List<Image.Page> pages = UserPages.leaves(k.memory(), vspace);
    coverage.ifPresent(c -> c.attach(((ElfKernel) k).machine()));
    return new Scene<>(
        k,
        k.snapshot(),
        vspace,
        ispace,
        victimPid,
        frame,
        pages,
        baseline,
        budget,
        ii,
        plant,
        coverage,
        clock);
  }

  /** Runs k until the intruder returns from its waiting sleep: where the snapshot is taken. */
  private static void waitForPoll(
      KernelUnderTest<?> k, LongSupplier clock, long ispace, Intruder ii, long budget) {
    long end = clock.getAsLong() + budget;
    while (clock.getAsLong() < end) {
      Event e = k.run(end - clock.getAsLong());
      if (e instanceof Event.Returned r && isPoll(r, ispace, ii)) return;
      if (e instanceof Event.Panicked p) {
        throw new IllegalStateException("isolation setup: " + p.message());
      }
      if (e instanceof Event.Idle) break;
    }
    throw new IllegalStateException("isolation setup: the intruder never waits for its go");
  }

  private static boolean isPoll(Event.Returned r, long ispace, Intruder ii) {
    return r.space() == ispace && r.number() == SYS_sleep && r.pc() == ii.pollPc() + 4;
  }

  /** The files both kernels' disks get. */
  static Map<String, byte[]> files(Intruder ii) {
    byte[] seed = RestoreImages.SEEDS.get(1);
    return Map.of(
        VICTIM,
        victim(),
        INTRUDER,
        ii.elf(),
        "src",
        source(),
        "junk",
        new byte[] {1, 2, 3, 4, 5, 6, 7, 8},
        "torn",
        Arrays.copyOf(seed, seed.length - 40));
  }

  /** /src: 7000 patterned bytes, the source of the intruder's reads. */
  private static byte[] source() {
    byte[] b = new byte[7000];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (i * 31 + 7);
    }
    return b;
  }

  // ---------------------------------------------------------------- a C kernel

  /** Steps to boot to the prompt (kinit fills all 128 MiB byte by byte) or to the snapshot. */
  static final long SETUP_BUDGET = 2_000_000_000;

  /** The target on the kernel ELF {@code elf} over a copy of {@code image}. */
  public static IsolationTarget onElf(String path, byte[] elf, byte[] image, int harts) {
    return new IsolationTarget(elfScene(path, elf, image, harts));
  }

  static IsolationTarget open(Path kernel, Path fs, int harts) {
    try {
      return onElf(kernel.toString(), Files.readAllBytes(kernel), Files.readAllBytes(fs), harts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The target for the kernel the system properties name, or empty when they name none. */
  static Optional<FuzzTarget> fromProperties() {
    return KernelProperties.get().map(p -> open(p.kernel(), p.fs(), p.harts()));
  }

  /** isolation's table entry for a C kernel, as {@link SyscallArgsElfTarget#entry} does. */
  public static FuzzTargets.Entry entry(Path kernel, Path fs, int harts) {
    return ElfTargetKernel.entry(
        ENTRY, () -> open(kernel, fs, harts), ENTRY.describe(), ENTRY.expected());
  }

  private static Scene<ElfKernel.Snapshot> elfScene(
      String path, byte[] elf, byte[] image, int harts) {
    Intruder ii = intruder();
    MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, image.clone());
    try {
      FileSystem fs = FileSystem.mount(disk);
      for (Map.Entry<String, byte[]> f : files(ii).entrySet()) {
        fs.writeFile("/" + f.getKey(), f.getValue());
      }
    } catch (FsException e) {
      throw new IllegalStateException("isolation setup: adding files: " + e.getMessage(), e);
    }
    ElfTargetKernel booted = ElfTargetKernel.open(path, elf, disk, harts);
    ElfKernel k = booted.kernel();
    GuestCoverage cov = booted.coverage();
    String who = "isolation setup";
    k.runUntil(
        who,
        "boot to the prompt",
        SETUP_BUDGET,
        200_000,
        r -> {},
        () -> k.console().endsWith("$ "));
    long settled = k.machine().time() + 3_000_000; // three ticks: the shell asleep in its read
    k.runUntil(
        who, "settling", SETUP_BUDGET, 200_000, r -> {}, () -> k.machine().time() >= settled);
    OptionalInt baseline = k.freePages();
    // One line, so that the shell waits for the intruder and the victim reads the console alone.
    k.type((VICTIM + " & ; " + INTRUDER + "\n").getBytes(StandardCharsets.UTF_8));
    long[] pids = {0};
    long[] ispace = {-1};
    k.runUntil(
        who,
        "the victim blocked in its read, the intruder waiting for its go",
        SETUP_BUDGET,
        200_000,
        r -> {
          if (r.number() == SYS_fork && r.result() > pids[0]) pids[0] = r.result();
          if (r.number() == SYS_sleep && r.pc() == ii.pollPc() + 4) ispace[0] = r.space();
        },
        () -> ispace[0] >= 0 && k.callsInFlight().containsValue((long) SYS_read));
    long vspace =
        k.callsInFlight().entrySet().stream()
            .filter(x -> x.getValue() == SYS_read)
            .mapToLong(Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    LongSupplier clock = k.machine()::time;
    waitForPoll(k, clock, ispace[0], ii, SETUP_BUDGET); // the snapshot: a return of the wait
    // The victim is the last process forked (sh's child forks a child that forks it); pids grow.
    return scene(
        k, vspace, ispace[0], pids[0], baseline, ELF_BUDGET, ii, () -> {}, Optional.of(cov), clock);
  }

  // ---------------------------------------------------------------- one input

  @Override
  public String name() {
    return ENTRY.name();
  }

  @Override
  public Optional<GuestCoverage> guestCoverage() {
    return scene.coverage();
  }

  @Override
  public Verdict run(byte[] input) {
    try {
      return runOnce(scene, input);
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, "");
    } finally {
      scene.coverage().ifPresent(GuestCoverage::feed);
    }
  }

  private static <S> Verdict runOnce(Scene<S> s, byte[] input) {
    KernelUnderTest<S> k = s.k();
    k.reset(s.snap());
    int from = k.console().length();
    List<Call> calls = decode(input);
    ByteBuffer ctrl = ByteBuffer.allocate((int) (TABLE - CTRL) + MAX_CALLS * ENTRY_BYTES);
    ctrl.order(ByteOrder.LITTLE_ENDIAN);
    ctrl.putLong(1).putLong(0).putLong(s.victimPid()).putLong(calls.size());
    ctrl.position((int) (TABLE - CTRL));
    for (Call c : calls) {
      for (long w : entry(c, s.victimFrame())) ctrl.putLong(w);
    }
    UserPages.write(k.memory(), s.intruderSpace(), CTRL, ctrl.array());

    List<String> results = new ArrayList<>();
    Outcome calls0 =
        runTo(
            s,
            s.budget() * Math.max(1, calls.size()),
            e -> {
              if (!(e instanceof Event.Returned r) || r.space() != s.intruderSpace()) return false;
              if (r.number() == SYS_uptime && r.pc() == s.intruder().donePc() + 4) return true;
              results.add(xv6ckpt.testkit.Xv6Abi.name((int) r.number()) + " " + r.result());
              return false;
            });
    if (calls0.fail().isPresent()) return fail(s, "intruder", calls0.fail().get(), from, calls);
    s.plant().run();
    List<Image.Page> after = UserPages.leaves(k.memory(), s.victimSpace());
    if (!after.equals(s.victimPages())) {
      return fail(s, "victim-pages", pagesDiff(s.victimPages(), after), from, calls);
    }

    k.type("\n".getBytes(StandardCharsets.UTF_8));
    Outcome verdict =
        runTo(
            s,
            s.budget(),
            e ->
                e instanceof Event.Returned r
                    && r.space() == s.victimSpace()
                    && r.number() == SYS_write);
    if (verdict.fail().isPresent()) return fail(s, "victim", verdict.fail().get(), from, calls);
    Optional<String> wrong = victimVerdict(k.console().substring(from));
    if (wrong.isPresent()) return fail(s, "victim-registers", wrong.get(), from, calls);

    UserPages.write(k.memory(), s.intruderSpace(), DONE, new byte[] {1});
    long[] prompt = {-1}; // when the shell prompted again: both have exited
    Outcome end =
        runTo(
            s,
            s.budget(),
            e -> {
              if (gone(s)) return true;
              long now = s.clock().getAsLong();
              if (prompt[0] < 0 && k.console().endsWith("$ ")) prompt[0] = now;
              return prompt[0] >= 0 && now - prompt[0] > REAP_GRACE;
            });
    if (end.fail().isEmpty() && !gone(s)) {
      end = new Outcome(Optional.of(REAP_GRACE + " steps after the shell's prompt"));
    }
    if (end.fail().isPresent()) {
      OptionalInt free = k.freePages();
      String why =
          free.isPresent()
              ? "free pages "
                  + free.getAsInt()
                  + " after the victim and the intruder exited, "
                  + s.baseline().getAsInt()
                  + " at boot: "
                  + end.fail().get()
              : end.fail().get();
      return fail(s, free.isPresent() ? "page-leak" : "intruder", why, from, calls);
    }
    String pages =
        s.baseline().isPresent()
            ? "free pages back at " + s.baseline().getAsInt()
            : "free pages unknown: " + k.freePagesUnknown().orElse("");
    return new Verdict.Pass(
        calls.size()
            + " calls; the victim's registers and pages unchanged; "
            + pages
            + "; the intruder's returns: "
            + String.join(", ", results));
  }

  /**
   * Steps a C kernel gets after the shell's prompt to give back the last pages (init reaps the
   * victim, an orphan, at its own pace): ten of xv6's ticks.
   */
  static final long REAP_GRACE = 10_000_000;

  /** Both processes gone: free pages at the baseline, or (uncountable) the shell's prompt. */
  private static boolean gone(Scene<?> s) {
    OptionalInt free = s.k().freePages();
    if (free.isPresent() && s.baseline().isPresent()) {
      return free.getAsInt() == s.baseline().getAsInt();
    }
    return s.k().console().endsWith("$ ");
  }

  /** How a run to an event ended: empty, or why it failed. */
  private record Outcome(Optional<String> fail) {}

  /** Runs until want holds (checked at each event), within {@code budget} steps. */
  private static Outcome runTo(Scene<?> s, long budget, Predicate<Event> want) {
    KernelUnderTest<?> k = s.k();
    long end = s.clock().getAsLong() + budget, slice = s.budget() / 50;
    while (s.clock().getAsLong() < end) {
      Event e = k.run(Math.min(slice, end - s.clock().getAsLong()));
      if (e instanceof Event.Panicked p) return new Outcome(Optional.of("panic: " + p.message()));
      if (want.test(e)) return new Outcome(Optional.empty());
      if (e instanceof Event.Idle) return new Outcome(Optional.of("the machine went idle"));
    }
    return new Outcome(Optional.of("not done in " + budget + " steps"));
  }

  /** What the victim's line says is wrong, if anything (or that it printed none). */
  static Optional<String> victimVerdict(String console) {
    int at = console.lastIndexOf(VERDICT);
    if (at < 0 || console.length() < at + VERDICT.length() + 8) {
      return Optional.of("the victim printed no verdict");
    }
    String hex = console.substring(at + VERDICT.length(), at + VERDICT.length() + 8);
    long mask;
    try {
      mask = Long.parseLong(hex, 16);
    } catch (NumberFormatException e) {
      return Optional.of("the victim's verdict is not a mask: " + hex);
    }
    if (mask == 0) return Optional.empty();
    List<String> what = new ArrayList<>();
    if ((mask & 1) != 0) what.add("its code and data pages' checksum");
    for (int i = 1; i < 32; i++) {
      if ((mask >>> i & 1) != 0) what.add("x" + i + " (" + ABI[i] + ")");
    }
    return Optional.of("the victim found changed: " + String.join(", ", what));
  }

  private static final String[] ABI = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4",
        "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"
  };

  /** The first difference between the victim's pages at the snapshot and now. */
  static String pagesDiff(List<Image.Page> before, List<Image.Page> after) {
    for (int i = 0; i < Math.max(before.size(), after.size()); i++) {
      Image.Page b = i < before.size() ? before.get(i) : null;
      Image.Page a = i < after.size() ? after.get(i) : null;
      if (b == null || a == null || b.va() != a.va()) {
        return "the victim's pages changed: "
            + (b == null ? "none" : "page 0x" + Long.toHexString(b.va()))
            + " at the snapshot, "
            + (a == null ? "none" : "page 0x" + Long.toHexString(a.va()))
            + " now (entry "
            + i
            + ")";
      }
      if (b.perm() != a.perm()) {
        return String.format(
            "the victim's page 0x%x: permissions 0x%x, 0x%x at the snapshot",
            a.va(), a.perm(), b.perm());
      }
      int off = Arrays.mismatch(b.data(), a.data());
      if (off >= 0) {
        return String.format(
            "the victim's page 0x%x: byte 0x%x is 0x%02x, 0x%02x at the snapshot",
            a.va(), off, a.data()[off], b.data()[off]);
      }
    }
    return "the victim's pages changed";
  }

  private static Verdict fail(Scene<?> s, String rule, String detail, int from, List<Call> calls) {
    String d = detail + " [" + s.k().identity() + "]";
    String console = s.k().console().substring(Math.min(from, s.k().console().length()));
    if (detail.startsWith("panic: ")) {
      String message = detail.substring(7);
      if (Verdicts.accepted(message).isPresent())
        return new Verdict.Pass(Verdicts.ACCEPTED + message);
      return new Verdict.Fail(
          "panic", "kernel panic '" + message + "' [" + s.k().identity() + "]", console, "");
    }
    return new Verdict.Fail(rule, d + " after " + calls.size() + " calls", console, "");
  }
}
