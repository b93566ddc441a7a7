package xv6ckpt.harness.fuzz;

import static xv6ckpt.specs.FsModel.ROOTINO;
import static xv6ckpt.specs.Layout.COMMIT_SIZE;
import static xv6ckpt.specs.Layout.FILES_OFFSET;
import static xv6ckpt.specs.Layout.FILE_SIZE;
import static xv6ckpt.specs.Layout.F_INUM;
import static xv6ckpt.specs.Layout.F_KIND;
import static xv6ckpt.specs.Layout.H_NFILES;
import static xv6ckpt.specs.Layout.KIND_FILE;
import static xv6ckpt.testkit.Xv6Abi.*;

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
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.ElfKernel;
import xv6ckpt.harness.rig.KernelUnderTest.Event;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Stat;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.CheckpointModel.RestoreResult;
import xv6ckpt.specs.FileView;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Xv6;

/**
 * restore-image against a C kernel ELF ({@code --kernel}): the same inputs as {@link
 * RestoreImageTarget} (raw, {@code 'S'} and {@code 'F'} forms, {@link RestoreImages#bytes}), the
 * image written into the kernel's own file system by a user program and restored by it, judged at
 * the architectural boundary ({@link ElfKernel}) against the spec. A second form, {@code 'K'} and a
 * scene byte, has the kernel <em>write</em> the image: /kr checkpoints itself, its sleeping child,
 * its zombie child or no process ({@link Scene}); the result is the spec's rule for that scene, and
 * a written image must be valid under the spec's decoder and hold what the boundary shows of the
 * process (pc on the ecall of a call it is blocked in, with that call's restart record; its pages).
 * The image is then restored and judged like any other.
 *
 * <p>Setup: a copy of the user's fs.img with /kr ({@link RestoreImageElfScene}) and /f1../f13 (the
 * Java rig's plain files, for file records) added by our own file-system code; boot to the prompt;
 * type {@code kr}; run until /kr waits for its go line, its sleeper sleeps, its zombie has exited;
 * snapshot (machine and disk).
 *
 * <p>Per input: reset; the image (or the scene) goes into /kr's memory through its page table; type
 * {@code g} and a newline; run until /kr's close (or checkpoint) returns: the moment before its
 * restore ecall, where the caller is observed (registers, pages and page-table pages by the
 * harness's own walk, free pages from {@code kmem}) and the spec predicts restore("/img") from the
 * file the kernel's disk holds ({@link CheckpointModel#restoreFile}, paths looked up on a copy of
 * the disk); then run to the first return to U-mode.
 *
 * <p>Oracle: refused: the call returns the rule's code, registers and pages are the caller's but
 * a0, the console line (where the kernel prints one) names the same rule, free pages unchanged, and
 * the caller's descriptors are intact (its next call, dup(3), returns 4); restored: the process
 * enters a new address space with the image's registers, pc and pages (a hole below sz may be a
 * zero-filled R|W|U page: the kit's documented difference), and free pages = before + the caller's
 * pages and page-table pages - the new ones; a refusal RESTORE_NOMEM is allowed where the image's
 * pages up to sz do not fit in what is free. Always: no panic, the call returns, the file written
 * is the input's bytes, fsck clean (live: root and console held). Not observable at the boundary,
 * so not judged here (the Java target judges them): name, sz beyond the pages, open files other
 * than the witness, restart progress.
 */
public final class RestoreImageElfTarget implements FuzzTarget {
  /** Steps to boot to the prompt (kinit fills all 128 MiB byte by byte: about 430M) or settle. */
  static final long SETUP_BUDGET = 2_000_000_000;

  /** Steps for writing the image (or checkpointing), restoring and the witness call. */
  static final long RUN_BUDGET = 100_000_000;

  /**
   * Extra restore steps per page below a valid image's sz, up to the machine's pages: xv6's kalloc
   * and kfree fill each page byte by byte (about 20,000 instructions each way), and the kit maps a
   * hole below sz as a zero-filled page, so an image with a large sz takes long to restore, or to
   * refuse as RESTORE_NOMEM once memory runs out.
   */
  static final long STEPS_PER_PAGE = 60_000;

  static final long RAM = ElfTargetKernel.RAM;

  /** The first byte of the checkpoint-scene form. */
  static final int SCENE = 'K';

  /** What /kr checkpoints in the {@code 'K'} form: {@code scene byte % 4}. */
  enum Scene {
    SELF,
    SLEEPER,
    ZOMBIE,
    NO_PROCESS
  }

  private static final long SLICE = 200_000;

  private final ElfKernel k;
  private final GuestCoverage coverage;
  private final RestoreImageElfScene.Program prog;
  private final ElfKernel.Snapshot snap;
  private final long consoleInum;
  private final long krSpace, sleeperSpace;
  private final int krPid, zombiePid, sleeperPid;
  private final long[] pid = new long[Scene.values().length];

  /** The Java rig's inode number of each /fN (3..15) to this disk's (see {@link #withInums}). */
  private final Map<Long, Long> inums;

  /**
   * Boots {@code elf} over a copy of {@code image} and brings it to the snapshot.
   *
   * @throws IllegalStateException if the kernel does not get there (naming the step): a setup
   *     failure, not a finding
   */
  public RestoreImageElfTarget(String path, byte[] elf, byte[] image, int harts) {
    prog = RestoreImageElfScene.program();
    MemoryBlockDevice disk = new MemoryBlockDevice(FsFormat.BSIZE, image.clone());
    addFiles(disk, prog.elf());
    ElfTargetKernel booted = ElfTargetKernel.open(path, elf, disk, harts);
    k = booted.kernel();
    coverage = booted.coverage();
    runUntil(e -> {}, () -> k.console().endsWith("$ "), "boot to the shell's prompt");
    settle();
    consoleInum = stat(disk, "/console").ino(); // init makes it at its first boot
    inums = diskInums(disk);
    List<long[]> forks = new ArrayList<>(); // {space, pid} of each fork result
    k.type((RestoreImageElfScene.NAME + "\n").getBytes(StandardCharsets.UTF_8));
    runUntil(
        e -> {
          if (e.number() == SYS_fork && e.result() > 0)
            forks.add(new long[] {e.space(), e.result()});
        },
        () -> forks.size() >= 3 && inFlight(SYS_read, forks.get(2)[0]) && anyInFlight(SYS_sleep),
        "/kr waiting for its go line, its child asleep");
    settle();
    krPid = (int) forks.get(0)[1];
    krSpace = forks.get(1)[0];
    zombiePid = (int) forks.get(1)[1];
    sleeperPid = (int) forks.get(2)[1];
    sleeperSpace =
        k.callsInFlight().entrySet().stream()
            .filter(x -> x.getValue() == SYS_sleep)
            .mapToLong(Map.Entry::getKey)
            .findFirst()
            .orElseThrow();
    pid[Scene.SELF.ordinal()] = 0;
    pid[Scene.SLEEPER.ordinal()] = sleeperPid;
    pid[Scene.ZOMBIE.ordinal()] = zombiePid;
    pid[Scene.NO_PROCESS.ordinal()] = sleeperPid + 1000; // xv6 pids only grow, one per fork
    coverage.attach(k.machine()); // boot's edges are the same for every input
    snap = k.snapshot();
  }

  /** restore-image's table entry for a C kernel: as {@link SyscallArgsElfTarget#entry} does. */
  public static FuzzTargets.Entry entry(Path kernel, Path fs, int harts) {
    return ElfTargetKernel.entry(
        RestoreImageTarget.ENTRY,
        () -> open(kernel, fs, harts),
        RestoreImageElfTarget::describe,
        RestoreImageElfTarget::expected);
  }

  /** The target for the kernel the system properties name, or empty when they name none. */
  static Optional<FuzzTarget> fromProperties() {
    return KernelProperties.get().map(p -> open(p.kernel(), p.fs(), p.harts()));
  }

  static RestoreImageElfTarget open(Path kernel, Path fs, int harts) {
    try {
      return new RestoreImageElfTarget(
          kernel.toString(), Files.readAllBytes(kernel), Files.readAllBytes(fs), harts);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The scene a {@code 'K'} input names, or empty for an image input. */
  static Optional<Scene> scene(byte[] input) {
    if (input.length != 2 || input[0] != SCENE) return Optional.empty();
    return Optional.of(Scene.values()[(input[1] & 0xff) % Scene.values().length]);
  }

  static String describe(byte[] input) {
    return scene(input)
        .map(s -> "checkpoint scene " + s + ": /kr checkpoints it to /img, then restores /img")
        .orElseGet(() -> RestoreImages.describe(input));
  }

  static String expected(byte[] input) {
    return scene(input)
        .map(s -> "checkpoint returns " + expectedCheckpoint(s) + "; restore as the spec says")
        .orElseGet(() -> RestoreImages.expected(input));
  }

  /** The spec's result of checkpointing the scene's process: 0 or a rule's code. */
  static long expectedCheckpoint(Scene s) {
    return switch (s) {
      case SELF, SLEEPER -> 0;
      case ZOMBIE -> Rule.CKPT_ZOMBIE.code();
      case NO_PROCESS -> Rule.CKPT_NO_PROCESS.code();
    };
  }

  public ElfKernel kernel() {
    return k;
  }

  public GuestCoverage coverage() {
    return coverage;
  }

  @Override
  public Optional<GuestCoverage> guestCoverage() {
    return Optional.of(coverage);
  }

  @Override
  public String name() {
    return RestoreImageTarget.ENTRY.name();
  }

  // ---------------------------------------------------------------- setup

  private static void addFiles(MemoryBlockDevice disk, byte[] kr) {
    try {
      FileSystem fs = FileSystem.mount(disk);
      fs.writeFile("/" + RestoreImageElfScene.NAME, kr);
      for (int i = 1; i <= RestoreRig.FILES; i++) {
        byte[] data = new byte[RestoreRig.FILE_BYTES];
        Arrays.fill(data, (byte) ('a' + i));
        fs.writeFile("/f" + i, data);
      }
    } catch (FsException e) {
      throw new IllegalStateException("restore-image setup: adding files: " + e.getMessage(), e);
    }
  }

  /** The inode number /fN has on disk, keyed by the one it has in the Java rig (N + 2). */
  private static Map<Long, Long> diskInums(MemoryBlockDevice disk) {
    Map<Long, Long> m = new TreeMap<>();
    for (int i = 1; i <= RestoreRig.FILES; i++) {
      m.put(RestoreRig.FIRST_FILE_INUM + i - 1, (long) stat(disk, "/f" + i).ino());
    }
    return m;
  }

  /**
   * image with each regular-file record's inode number that names one of the Java rig's /fN
   * replaced by the number /fN has on the C kernel's disk, and resealed if it was sealed (an
   * unsealed one stays unsealed). The seeds and every corpus input were made on the Java rig, whose
   * /f1../f13 are inodes 3..15; on a C disk they come after the user's files, so without this every
   * file record would be refused RESTORE_FILE_INODE and the kernel's reopening of a file would
   * never be reached. A record whose inum and path disagree still disagrees (inums are mapped,
   * paths left alone), and any other inum is left as it is; the oracle judges the bytes written, so
   * the mapping changes what is reached, never what is right.
   */
  static byte[] withInums(byte[] image, Map<Long, Long> inums) {
    if (image.length < FILES_OFFSET + COMMIT_SIZE) return image;
    byte[] b = image.clone();
    long nfiles = u32(b, H_NFILES.offset());
    boolean changed = false;
    for (int i = 0; i < Math.min(nfiles, Xv6.NOFILE); i++) {
      int rec = FILES_OFFSET + i * FILE_SIZE;
      if (rec + FILE_SIZE > b.length - COMMIT_SIZE) break;
      Long to = inums.get(u32(b, rec + F_INUM.offset()));
      if (u32(b, rec + F_KIND.offset()) != KIND_FILE || to == null) continue;
      ByteBuffer.wrap(b, rec + F_INUM.offset(), 4)
          .order(ByteOrder.LITTLE_ENDIAN)
          .putInt((int) (long) to);
      changed = true;
    }
    boolean sealed = Arrays.equals(ImageCodec.resealed(image), image);
    return !changed ? image : sealed ? ImageCodec.resealed(b) : b;
  }

  private static long u32(byte[] b, int off) {
    return ByteBuffer.wrap(b, off, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffff_ffffL;
  }

  /** stat of path on a copy of disk (our file system must not touch the kernel's). */
  private static Stat stat(MemoryBlockDevice disk, String path) {
    try {
      return copy(disk).stat(path);
    } catch (FsException e) {
      throw new IllegalStateException("restore-image setup: " + path + ": " + e.getMessage(), e);
    }
  }

  private static FileSystem copy(MemoryBlockDevice disk) {
    return FileSystem.mount(new MemoryBlockDevice(disk.blockSize(), disk.contents()));
  }

  private boolean inFlight(long number, long space) {
    return Long.valueOf(number).equals(k.callsInFlight().get(space));
  }

  private boolean anyInFlight(long number) {
    return k.callsInFlight().containsValue(number);
  }

  /** Three of xv6's ticks, for what was started to reach its first sleep. */
  private void settle() {
    long end = k.machine().time() + 3_000_000;
    runUntil(e -> {}, () -> k.machine().time() >= end, "settling");
  }

  private void runUntil(
      java.util.function.Consumer<Event.Returned> seen, BooleanSupplier done, String what) {
    k.runUntil("restore-image setup", what, SETUP_BUDGET, SLICE, seen, done);
  }

  // ---------------------------------------------------------------- one input

  @Override
  public Verdict run(byte[] input) {
    try {
      return runOnce(input);
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, "");
    } finally {
      k.reportEntries(false);
      coverage.feed();
    }
  }

  private Verdict runOnce(byte[] input) {
    k.reset(snap);
    int from = k.console().length();
    Optional<Scene> scene = scene(input);
    byte[] file = RestoreRig.stored(withInums(RestoreImages.bytes(input), inums));
    ByteBuffer ctrl = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    ctrl.putLong(scene.isPresent() ? 1 : 0)
        .putLong(file.length)
        .putLong(scene.map(s -> pid[s.ordinal()]).orElse(0L));
    UserPages.write(k.memory(), krSpace, RestoreImageElfScene.CTRL, ctrl.array());
    if (scene.isEmpty()) UserPages.write(k.memory(), krSpace, RestoreImageElfScene.IMG, file);
    k.type("g\n".getBytes(StandardCharsets.UTF_8));

    long last = scene.isPresent() ? SYS_checkpoint : SYS_close;
    Step before = runTo(r -> r.space() == krSpace && (r.number() == last || isWrite(r)), from);
    if (before.verdict != null) return before.verdict;
    if (isWrite(before.event)) {
      if (before.event.result() != file.length) {
        return fail(
            "write",
            "write of the image returned " + before.event.result() + ", not " + file.length,
            from);
      }
      before = runTo(r -> r.space() == krSpace && r.number() == last, from);
      if (before.verdict != null) return before.verdict;
    }
    Optional<byte[]> onDisk = readImg();
    if (scene.isPresent()) {
      Optional<String> wrong = judgeCheckpoint(scene.get(), before.event.result(), onDisk);
      if (wrong.isPresent()) return fail("checkpoint", wrong.get(), from);
    } else if (onDisk.isEmpty() || !Arrays.equals(onDisk.get(), file)) {
      return fail("write", "/img does not hold the " + file.length + " bytes written", from);
    }
    return restore(onDisk, from);
  }

  private static boolean isWrite(Event.Returned r) {
    return r.number() == SYS_write;
  }

  /** An event the run stopped at, or the verdict that ended it. */
  private record Step(Event.Returned event, Event entered, Verdict verdict) {}

  /** Runs until a call return that want accepts (other spaces' returns are passed over). */
  private Step runTo(Predicate<Event.Returned> want, int from) {
    return runTo(want, RUN_BUDGET, from);
  }

  private Step runTo(Predicate<Event.Returned> want, long budget, int from) {
    long spent = 0;
    while (spent < budget) {
      long t = k.machine().time();
      Event e = k.run(budget - spent);
      spent += k.machine().time() - t;
      if (e instanceof Event.Panicked p) return new Step(null, null, panicked(p.message(), from));
      if (e instanceof Event.Returned r && want.test(r)) return new Step(r, null, null);
      if (e instanceof Event.Entered) return new Step(null, e, null);
      if (e instanceof Event.Idle) break;
    }
    return new Step(
        null,
        null,
        fail("no-return", "/kr's call did not return to user mode in " + budget + " steps", from));
  }

  /**
   * What restore may ask the file system: paths looked up on a copy of the kernel's disk as it is
   * now (our file system resolves them as xv6's namei does); records are absolute (FILE_PATH).
   */
  private FileView view() {
    FileSystem fs = copy(k.disk());
    return path -> {
      if (!path.startsWith("/")) return Optional.empty();
      try {
        Stat st = fs.stat(path);
        return Optional.of(new FileView.Inode(st.ino(), st.type(), st.size()));
      } catch (FsException e) {
        return Optional.empty();
      }
    };
  }

  /** /img as the kernel's disk holds it now, if it names a regular file. */
  private Optional<byte[]> readImg() {
    try {
      FileSystem fs = copy(k.disk());
      if (fs.stat("/img").type() != Xv6.T_FILE) return Optional.empty();
      return Optional.of(fs.readFile("/img"));
    } catch (FsException e) {
      return Optional.empty();
    }
  }

  /**
   * What is wrong with the checkpoint of the scene: its result against the spec's rule, and an
   * image written: valid under the spec, the process as the boundary shows it.
   */
  private Optional<String> judgeCheckpoint(Scene s, long result, Optional<byte[]> img) {
    long want = expectedCheckpoint(s);
    if (result != want) {
      return Optional.of(
          "checkpoint of "
              + s
              + " returned "
              + result
              + ", the spec says "
              + want
              + ruleName(want));
    }
    if (want != 0) return Optional.empty();
    if (img.isEmpty()) return Optional.of("checkpoint of " + s + " returned 0 but /img is no file");
    xv6ckpt.specs.Verdict v = ImageCodec.decode(img.get());
    if (v instanceof xv6ckpt.specs.Verdict.Invalid bad) {
      return Optional.of(
          "the image the kernel wrote of "
              + s
              + " is invalid under the spec: "
              + bad.rule()
              + " at offset "
              + bad.offset()
              + ": "
              + bad.detail());
    }
    Image image = ((xv6ckpt.specs.Verdict.Valid) v).image();
    long pc = image.regs().pc();
    if (s == Scene.SELF) {
      long a0 = image.regs().x(10);
      return pc == prog.ckptPc() + 4 && a0 == 1 && image.restart().none()
          ? Optional.empty()
          : Optional.of(
              String.format(
                  "self image: pc 0x%x a0 %d restart %d; the spec says pc 0x%x (past the ecall),"
                      + " a0 1, no restart",
                  pc, a0, image.restart().sysnum(), prog.ckptPc() + 4));
    }
    if (pc != prog.sleepPc() || image.restart().sysnum() != SYS_sleep) {
      return Optional.of(
          String.format(
              "image of the sleeper: pc 0x%x restart %d; the process is blocked in sleep, whose"
                  + " ecall is at 0x%x: the spec says pc on the ecall and restart %d",
              pc, image.restart().sysnum(), prog.sleepPc(), SYS_sleep));
    }
    List<Image.Page> seen = UserPages.leaves(k.memory(), sleeperSpace);
    String d = pagesDiff(image.pages(), seen);
    return d.isEmpty() ? Optional.empty() : Optional.of("image of the sleeper: " + d);
  }

  /** The caller at its restore ecall, as the model describes it, and its page-table pages. */
  record Caller(ModelProcess process, int tables) {}

  private Caller caller() {
    long[] r = k.userRegisters();
    long[] x = Arrays.copyOfRange(r, 1, 32);
    x[10 - 1] = prog.pathVa();
    x[17 - 1] = SYS_restore;
    UserPages.Tree tree = UserPages.tree(k.memory(), krSpace);
    List<Image.Page> pages = tree.leaves();
    long sz = pages.get(pages.size() - 1).va() + Xv6.PGSIZE;
    ModelProcess p =
        new ModelProcess(
            krPid,
            RestoreImageElfScene.NAME,
            ModelProcess.State.RUNNING,
            sz,
            pages,
            Image.Registers.of(x, prog.restorePc()),
            new TreeMap<>(),
            Image.SyscallRestart.NONE);
    return new Caller(p, tree.tablePages());
  }

  private Verdict restore(Optional<byte[]> file, int from) {
    Caller c = caller();
    OptionalInt free0 = k.freePages();
    RestoreResult want = CheckpointModel.restoreFile(c.process(), file, view());
    long budget = RUN_BUDGET;
    if (want instanceof RestoreResult.Restored ok) {
      budget += STEPS_PER_PAGE * Math.min(Xv6.PGROUNDUP(ok.process().sz()), RAM) / Xv6.PGSIZE;
    }
    k.reportEntries(true);
    Step s = runTo(r -> r.space() == krSpace && r.number() == SYS_restore, budget, from);
    k.reportEntries(false);
    if (s.verdict != null) return s.verdict;
    if (want instanceof RestoreResult.Refused no) return refused(no, c, s, free0, from);
    return restored(((RestoreResult.Restored) want).process(), c, s, free0, from);
  }

  private Verdict refused(
      RestoreResult.Refused want, Caller c, Step s, OptionalInt free0, int from) {
    String what = "refused " + want.rule();
    if (s.event == null) {
      return fail("spec-mismatch", "expected " + what + "; the caller was replaced", from);
    }
    String d = Diff.of(want.caller(), observe(c.process(), krSpace, s.event.pc()));
    if (!d.isEmpty()) return fail("spec-mismatch", "expected " + what + "; " + d, from);
    Optional<String> named = consoleRule(from);
    if (named.isPresent() && !named.get().equals(want.rule().name())) {
      return fail(
          "spec-mismatch",
          "expected " + what + "; the kernel's console line names " + named.get(),
          from);
    }
    OptionalInt free = k.freePages();
    if (free0.isPresent() && free.isPresent() && free.getAsInt() != free0.getAsInt()) {
      return fail(
          "page-leak",
          what + ": " + free.getAsInt() + " free pages, " + free0.getAsInt() + " before",
          from);
    }
    Step dup = runTo(r -> r.space() == krSpace && r.number() == SYS_dup, from);
    if (dup.verdict != null) return dup.verdict;
    if (dup.event == null || dup.event.result() != 4) {
      return fail(
          "all-or-nothing",
          what
              + ", but the caller's descriptors changed: dup(3) returned "
              + (dup.event == null ? "nothing" : dup.event.result())
              + ", not 4 (fd 3 open, 4 free)",
          from);
    }
    return invariants(what, from);
  }

  private Verdict restored(ModelProcess want, Caller c, Step s, OptionalInt free0, int from) {
    if (s.event != null) {
      long got = s.event.result();
      if (got == Rule.RESTORE_NOMEM.code() && !fits(want, c, free0)) {
        return invariants("valid, refused RESTORE_NOMEM: its pages up to sz do not fit", from);
      }
      return fail(
          "spec-mismatch",
          "expected restored; the call returned "
              + got
              + ruleName(got)
              + consoleRule(from).map(n -> ", console names " + n).orElse(""),
          from);
    }
    Event.Entered e = (Event.Entered) s.entered;
    UserPages.Tree tree = UserPages.tree(k.memory(), e.space());
    ModelProcess got = observe(want, e.space(), e.pc());
    ModelProcess filled = withHoles(want, got.pages());
    String d = Diff.of(filled, got);
    if (!d.isEmpty()) return fail("spec-mismatch", "expected restored; " + d, from);
    OptionalInt free = k.freePages();
    if (free0.isPresent() && free.isPresent()) {
      int expect =
          free0.getAsInt()
              + c.process().pages().size()
              + c.tables()
              - (tree.leaves().size() + tree.tablePages());
      if (free.getAsInt() != expect) {
        return fail(
            "page-leak", "restored: " + free.getAsInt() + " free pages, expected " + expect, from);
      }
    }
    return invariants("restored", from);
  }

  /**
   * The process as the boundary shows it in space at pc: registers and pages observed; name, sz and
   * files taken from like (not observable at the boundary).
   */
  private ModelProcess observe(ModelProcess like, long space, long pc) {
    long[] r = k.userRegisters();
    return new ModelProcess(
        like.pid(),
        like.name(),
        like.state(),
        like.sz(),
        UserPages.leaves(k.memory(), space),
        Image.Registers.of(Arrays.copyOfRange(r, 1, 32), pc),
        like.files(),
        like.inSyscall());
  }

  /**
   * want, with a zero-filled R|W|U page wherever got has one and want has a hole below sz: the kit
   * restores a hole so (xv6's uvmunmap and uvmcopy panic on unmapped pages below sz).
   */
  static ModelProcess withHoles(ModelProcess want, List<Image.Page> got) {
    Map<Long, Image.Page> pages = new TreeMap<>();
    for (Image.Page p : want.pages()) pages.put(p.va(), p);
    int rwu = Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_U;
    for (Image.Page p : got) {
      boolean zero = Arrays.equals(p.data(), new byte[Xv6.PGSIZE]);
      if (!pages.containsKey(p.va()) && p.va() < want.sz() && p.perm() == rwu && zero) {
        pages.put(p.va(), p);
      }
    }
    return new ModelProcess(
        want.pid(),
        want.name(),
        want.state(),
        want.sz(),
        new ArrayList<>(pages.values()),
        want.regs(),
        want.files(),
        want.inSyscall());
  }

  /** Whether want's pages up to sz (holes filled) and their tables fit in what was free. */
  static boolean fits(ModelProcess want, Caller c, OptionalInt free0) {
    if (free0.isEmpty()) return false;
    long pages = Xv6.PGROUNDUP(want.sz()) / Xv6.PGSIZE;
    long tables = 3 + pages / 512;
    return pages + tables <= free0.getAsInt() + c.process().pages().size() + c.tables();
  }

  private Optional<String> consoleRule(int from) {
    return ruleNamed(output(from));
  }

  /** The rule the kernel's "restore: NAME (code): ..." line names, if it printed one. */
  static Optional<String> ruleNamed(String out) {
    int at = out.indexOf("restore: ");
    if (at < 0) return Optional.empty();
    int end = out.indexOf(' ', at + 9);
    return end < 0 ? Optional.empty() : Optional.of(out.substring(at + 9, end));
  }

  private Verdict invariants(String what, int from) {
    Fsck.Report r = Fsck.checkLive(k.disk(), Set.of((long) ROOTINO, consoleInum));
    if (!r.clean()) return fail("fsck", "violations after " + what + ": " + r.violations(), from);
    String pages = k.freePages().isPresent() ? "" : ", free pages unknown";
    return new Verdict.Pass(what + pages);
  }

  /** Empty when the pages agree (address, permissions, bytes). */
  private static String pagesDiff(List<Image.Page> want, List<Image.Page> got) {
    if (want.equals(got)) return "";
    ModelProcess w = pagesOnly(want), g = pagesOnly(got);
    return Diff.of(w, g);
  }

  private static ModelProcess pagesOnly(List<Image.Page> pages) {
    return new ModelProcess(
        1,
        "p",
        ModelProcess.State.RUNNING,
        0,
        pages,
        Image.Registers.of(new long[31], 0),
        new TreeMap<>(),
        Image.SyscallRestart.NONE);
  }

  /** " (NAME)" for a rule's code, else nothing. */
  private static String ruleName(long code) {
    for (Rule r : Rule.values()) {
      if (r.code() == code) return " (" + r.name() + ")";
    }
    return "";
  }

  private String output(int from) {
    return k.console().substring(Math.min(from, k.console().length()));
  }

  private Verdict panicked(String line, int from) {
    String message = line.startsWith("panic: ") ? line.substring(7) : line;
    if (Verdicts.accepted(message).isPresent()) {
      return new Verdict.Pass(Verdicts.ACCEPTED + message);
    }
    return fail("panic", "kernel panic '" + message + "'", from);
  }

  private Verdict.Fail fail(String rule, String detail, int from) {
    return new Verdict.Fail(rule, detail + " [" + k.identity() + "]", output(from), "");
  }
}
