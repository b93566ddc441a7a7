package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.S0;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.harness.props.ConformanceDriver.Op;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.UserState;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.OpenFile;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.FileModel;
import xv6ckpt.specs.FileModel.Fd;
import xv6ckpt.specs.FileView;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelFile;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.ProcessModel;
import xv6ckpt.specs.ProcessModel.Proc;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.Xv6Abi;

/**
 * The model and the machine side by side, for {@link ModelConformanceTest}: the spec's {@link
 * ProcessModel} (the process table) and {@link FileModel} (the files and the driver's descriptors),
 * the program each pid runs ({@link Role}), and a machine whose driver ({@link ConformanceDriver})
 * makes the same calls. Each step method issues one command, predicts its result from the models,
 * checks it, and moves the models on; {@link #check} compares every observable afterwards.
 * Checkpoint and restore outcomes come from the spec's {@link CheckpointModel}.
 */
final class ConformanceRun {
  private static final List<String> DATA_PATHS = List.of("/a", "/b");
  private static final List<String> IMAGE_PATHS = List.of("/c1", "/c2");
  private static final List<String> RESTORE_PATHS = List.of("/c1", "/c2", "/a", "/none");
  private static final List<String> ALL_PATHS = List.of("/a", "/b", "/c1", "/c2", "/none");
  private static final int UNKNOWN_PID = 41;

  /** The program a pid runs: what it does between calls is the harness's, not the model's. */
  enum Role {
    INIT,
    DRIVER,
    EXITER,
    PARKED,
    WAITER
  }

  private ProcessModel procs;
  private final Map<Integer, Role> roles = new HashMap<>();
  private final FileModel files = new FileModel();
  private int driver;

  /** Pids of drivers turned by a restore into a waiter that blocked. */
  private final Set<Integer> restoredWaiters = new TreeSet<>();

  /** How many of those a child's exit woke (they then reaped it and exited). */
  int wokenWaiters;

  /** The path of the image written last, if any. */
  private String lastImage;

  private final BlockDevice disk = Disks.withFiles(Map.of("drv", ConformanceDriver.program()));
  private Machine m;

  ConformanceRun() {
    reboot();
  }

  /** A new kernel over the same disk: init and a new driver; the files stay. */
  void reboot() {
    m = Machines.runner(disk, Machines.LAWS);
    procs = new ProcessModel();
    roles.clear();
    roles.put(ProcessModel.INIT, Role.INIT);
    files.closeAll();
    spawnDriver();
  }

  private void spawnDriver() {
    driver = Machines.spawn(m, "drv");
    assertThat(driver).isEqualTo(procs.nextPid());
    assertThat(procs.fork(ProcessModel.INIT)).isEqualTo(driver);
    roles.put(driver, Role.DRIVER);
    assertWithMessage("console: %s", m.output())
        .that(Machines.finish(m))
        .isEqualTo(new Machine.Outcome.Idle(true));
  }

  private Role role(Proc p) {
    return roles.get(p.pid());
  }

  private long command(Op op, long arg1, long arg2, String path, byte[] data) {
    return ConformanceDriver.command(m, driver, op, arg1, arg2, path, data);
  }

  // ---- processes

  boolean forkExiter(int status) {
    return fork(Op.FORK_EXIT, status);
  }

  boolean forkParked() {
    return fork(Op.FORK_PARK, 0);
  }

  boolean forkWaiter() {
    return fork(Op.FORK_WAITER, 0);
  }

  private boolean fork(Op op, int status) {
    if (procs.size() > Param.NPROC - 4) {
      return false;
    }
    long pid = command(op, status, 0, "", new byte[0]);
    int child = procs.fork(driver);
    assertThat(pid).isEqualTo(child);
    switch (op) {
      case FORK_EXIT -> {
        roles.put(child, Role.EXITER);
        procs.exit(child, status);
      }
      case FORK_PARK -> roles.put(child, Role.PARKED);
      case FORK_WAITER -> {
        roles.put(child, Role.WAITER);
        int grandchild = procs.fork(child);
        roles.put(grandchild, Role.PARKED);
        procs.blockInWait(child);
      }
      default -> throw new IllegalArgumentException("not a fork: " + op);
    }
    return true;
  }

  /** The driver exits; a new driver is spawned, as the next pid. */
  boolean exit(int status) {
    ConformanceDriver.put(m, driver, Op.EXIT, status, 0, "", new byte[0]);
    m.consoleInput("\n"); // a whole line: the console hands input over by lines
    assertWithMessage("console: %s", m.output())
        .that(Machines.finish(m))
        .isEqualTo(new Machine.Outcome.Exited(driver, status));
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    exitModel(driver, status);
    files.closeAll();
    spawnDriver();
    return true;
  }

  /** pid exits; a waiter its exit wakes reaps it and exits too, as the driver's waiters do. */
  private void exitModel(int pid, int status) {
    Optional<Integer> woken = procs.exit(pid, status);
    if (woken.isPresent()) {
      assertWithMessage("woken by %s's exit", pid)
          .that(roles.get(woken.get()))
          .isEqualTo(Role.WAITER);
      if (restoredWaiters.contains(woken.get())) {
        wokenWaiters++;
      }
      exitModel(woken.get(), ConformanceDriver.WAITER_STATUS);
    }
  }

  boolean waitChild() {
    ProcessModel.WaitResult want = procs.waitIn(driver);
    if (want instanceof ProcessModel.WaitResult.Blocks) {
      return false; // it would block for good
    }
    long got = command(Op.WAIT, 0, 0, "", new byte[0]);
    if (want instanceof ProcessModel.WaitResult.NoChildren) {
      assertThat(got).isEqualTo(-1);
      return true;
    }
    // xv6 reaps the first zombie child in table order; the model allows any of them
    List<Proc> zombies = ((ProcessModel.WaitResult.Reaps) want).zombies();
    Proc reaped = procs.get((int) got).orElse(null);
    assertWithMessage("wait returned %s", got).that(zombies).contains(reaped);
    int status = m.memory().read32(ConformanceDriver.pa(m, driver, ConformanceDriver.CMD_STATUS));
    assertThat(status).isEqualTo(reaped.status());
    procs.reap(reaped.pid());
    return true;
  }

  /**
   * The target: for pick below 8, a live child of a blocked waiter when there is one (its death
   * wakes the waiter), a restored waiter's children first; otherwise any process but init and the
   * driver, or an unknown pid.
   */
  boolean kill(int pick) {
    List<Integer> waited = new ArrayList<>();
    List<Integer> waitedByRestored = new ArrayList<>();
    List<Integer> targets = new ArrayList<>();
    for (Proc p : procs.all()) {
      if (role(p) != Role.INIT && p.pid() != driver) {
        targets.add(p.pid());
        Proc parent = procs.get(p.parent()).orElseThrow();
        if (!p.zombie() && parent.inWait()) {
          (restoredWaiters.contains(parent.pid()) ? waitedByRestored : waited).add(p.pid());
        }
      }
    }
    targets.add(UNKNOWN_PID);
    if (!waitedByRestored.isEmpty()) {
      waited = waitedByRestored;
    }
    int pid =
        pick < 8 && !waited.isEmpty()
            ? waited.get(pick % waited.size())
            : targets.get(pick % targets.size());
    long r = command(Op.KILL, pid, 0, "", new byte[0]);
    assertThat(r).isEqualTo(procs.kill(pid));
    Optional<Proc> p = procs.get(pid);
    if (p.isPresent() && !p.get().zombie()) {
      exitModel(pid, -1);
    }
    return true;
  }

  // ---- files

  boolean open(int pathIndex, int modeIndex, boolean create) {
    if (files.fds().size() >= 8) {
      return false;
    }
    String path = DATA_PATHS.get(pathIndex);
    int mode = modeIndex == 0 ? Xv6Abi.O_RDONLY : modeIndex == 1 ? Xv6Abi.O_WRONLY : Xv6Abi.O_RDWR;
    int flags = mode | (create ? Xv6Abi.O_CREATE : 0);
    long fd = command(Op.OPEN, flags, 0, path, new byte[0]);
    assertThat(fd).isEqualTo(files.open(path, flags));
    return true;
  }

  /** A descriptor of the driver's, or 9 (never open) when pick falls past them. */
  private int fdOf(int pick) {
    List<Integer> open = new ArrayList<>(files.fds().keySet());
    return pick < open.size()
        ? open.get(pick)
        : (open.isEmpty() || pick % 3 == 0 ? 9 : open.get(pick % open.size()));
  }

  boolean write(int pick, byte[] data) {
    int fd = fdOf(pick);
    long r = command(Op.WRITE, fd, data.length, "", data);
    assertThat(r).isEqualTo(files.write(fd, data));
    return true;
  }

  boolean read(int pick, int n) {
    int fd = fdOf(pick);
    long r = command(Op.READ, fd, n, "", new byte[0]);
    Optional<byte[]> want = files.read(fd, n);
    if (want.isEmpty()) {
      assertThat(r).isEqualTo(-1);
      return true;
    }
    assertThat(r).isEqualTo(want.get().length);
    byte[] got = new byte[want.get().length];
    m.memory()
        .read(ConformanceDriver.pa(m, driver, ConformanceDriver.CMD_READBUF), got, 0, got.length);
    assertThat(got).isEqualTo(want.get());
    return true;
  }

  boolean close(int pick) {
    int fd = fdOf(pick);
    long r = command(Op.CLOSE, fd, 0, "", new byte[0]);
    assertThat(r).isEqualTo(files.close(fd));
    return true;
  }

  // ---- checkpoint and restore

  /**
   * The target: for pick below 8, one of the driver's live children when it has some, the newest
   * for pick 0 (so that waiters, captured in wait, are often chosen); otherwise, with pick mod 8,
   * any of 0 (pick 8: the driver itself), the driver's own pid, an unknown pid and every other
   * process (zombies among them).
   */
  boolean checkpoint(int pick, int pathIndex) {
    List<Integer> live = new ArrayList<>();
    for (Proc p : procs.children(driver)) {
      if (!p.zombie()) {
        live.add(p.pid());
      }
    }
    List<Integer> targets = new ArrayList<>(List.of(0, driver, UNKNOWN_PID));
    for (Proc p : procs.all()) {
      if (role(p) != Role.INIT && p.pid() != driver) {
        targets.add(p.pid());
      }
    }
    int pid =
        pick < 8 && !live.isEmpty()
            ? live.get(live.size() - 1 - pick % live.size()) // newest first
            : targets.get((pick & 7) % targets.size());
    String path = IMAGE_PATHS.get(pathIndex);
    List<ModelProcess> others = new ArrayList<>();
    for (Proc p : procs.all()) {
      if (p.pid() != driver && role(p) != Role.INIT) {
        others.add(modelProcess(p));
      }
    }
    CheckpointModel.CheckpointResult want =
        CheckpointModel.checkpoint(modelProcess(procs.get(driver).orElseThrow()), others, pid, 0);
    long r = command(Op.CKPT, pid, 0, path, new byte[0]);
    if (want instanceof CheckpointModel.CheckpointResult.Refused refused) {
      assertWithMessage("checkpoint(%s, %s)", pid, path).that(r).isEqualTo(refused.rule().code());
      Statistics.label("checkpoint").collect(refused.rule().name());
      return true;
    }
    assertWithMessage("checkpoint(%s, %s): console %s", pid, path, m.output()).that(r).isEqualTo(0);
    keepWritten(path, ((CheckpointModel.CheckpointResult.Written) want).image());
    Optional<Proc> t = procs.get(pid);
    Statistics.label("checkpoint")
        .collect(
            t.isPresent() && role(t.get()) == Role.WAITER ? "written, of a waiter" : "written");
    return true;
  }

  /** The kernel's image at path is Valid and is the model's; the model's file takes it. */
  private void keepWritten(String path, Image expected) {
    byte[] bytes = Disks.readFile(m, path).orElseThrow(() -> new AssertionError("no " + path));
    Verdict v = ImageCodec.decode(bytes);
    assertWithMessage("image at %s", path).that(v).isInstanceOf(Verdict.Valid.class);
    Image got = ((Verdict.Valid) v).image();
    assertThat(got.header().pid()).isEqualTo(expected.header().pid());
    assertThat(got.header().name()).isEqualTo(expected.header().name());
    assertThat(got.restart().sysnum()).isEqualTo(expected.restart().sysnum());
    assertThat(got.files()).containsExactlyElementsIn(expected.files()).inOrder();
    files.put(path, bytes);
    lastImage = path;
  }

  /**
   * The driver forks a child, which sleeps a tick (so that the driver is back in its console read)
   * and checkpoints the driver to path, then exits with checkpoint's result: an image of a process
   * blocked inside a call, which a later Restore brings back.
   */
  boolean childCheckpointsDriver(int pathIndex) {
    if (procs.size() > Param.NPROC - 4) {
      return false;
    }
    String path = IMAGE_PATHS.get(pathIndex);
    int child = procs.nextPid();
    List<ModelProcess> others = new ArrayList<>();
    for (Proc p : procs.all()) {
      if (role(p) != Role.INIT) {
        others.add(p.pid() == driver ? driverInRead() : modelProcess(p));
      }
    }
    ModelProcess caller =
        new ModelProcess(
            child,
            "drv",
            ModelProcess.State.RUNNING,
            0,
            List.of(),
            Registers.zero(0),
            consoles(),
            SyscallRestart.NONE);
    CheckpointModel.CheckpointResult want = CheckpointModel.checkpoint(caller, others, driver, 0);
    long pid = command(Op.CHILD_CKPT, driver, 0, path, new byte[0]);
    assertThat(procs.fork(driver)).isEqualTo(child);
    assertThat(pid).isEqualTo(child);
    int status = 0;
    if (want instanceof CheckpointModel.CheckpointResult.Refused refused) {
      status = refused.rule().code();
      Statistics.label("checkpoint").collect(refused.rule().name());
    } else {
      keepWritten(path, ((CheckpointModel.CheckpointResult.Written) want).image());
      Statistics.label("checkpoint").collect("written, of the driver in read");
    }
    roles.put(child, Role.EXITER);
    procs.exit(child, status);
    return true;
  }

  /**
   * For pick 0 to 2 the image written last, if it is still there (a restore soon after a checkpoint
   * is what brings back images captured inside a call); otherwise with pick - 3 an existing file
   * among RESTORE_PATHS (images first) or, past them, a missing one.
   */
  private String restorePath(int pick) {
    if (pick < 3 && lastImage != null && files.exists(lastImage)) {
      return lastImage;
    }
    pick = Math.max(0, pick - 3);
    List<String> present = new ArrayList<>();
    for (String p : RESTORE_PATHS) {
      if (files.exists(p)) {
        present.add(p);
      }
    }
    return pick < present.size()
        ? present.get(pick)
        : RESTORE_PATHS.get(pick % RESTORE_PATHS.size());
  }

  boolean restore(int pick) {
    String path = restorePath(pick);
    CheckpointModel.RestoreResult want =
        CheckpointModel.restoreFile(
            modelProcess(procs.get(driver).orElseThrow()), files.file(path), fileView());
    if (want instanceof CheckpointModel.RestoreResult.Refused refused) {
      long r = command(Op.RESTORE, 0, 0, path, new byte[0]);
      assertWithMessage("restore(%s): console %s", path, m.output())
          .that(r)
          .isEqualTo(refused.rule().code());
      Statistics.label("restore").collect(refused.rule().name());
      return true;
    }
    ModelProcess now = ((CheckpointModel.RestoreResult.Restored) want).process();
    Statistics.label("restore").collect("restored");
    if (now.inSyscall().sysnum() == Xv6.SYS_wait) {
      restoreWaiter(path, now);
      return true;
    }
    long r = command(Op.RESTORE, 0, 0, path, new byte[0]);
    if (now.inSyscall().none()) {
      // the restored driver resumes from its own checkpoint call, which returns 1
      assertWithMessage("restore(%s): console %s", path, m.output()).that(r).isEqualTo(1);
      assertState("restore(" + path + ")", afterDriverLoop(now));
      Statistics.label("restored image").collect("self, state checked");
    } else {
      // a driver captured in its read issues it again and waits for the next command
      assertThat(now.inSyscall().sysnum()).isEqualTo(Xv6.SYS_read);
      assertState("restore(" + path + ")", now);
      Statistics.label("restored image").collect("captured in read, state checked");
    }
    files.closeAll();
    for (Map.Entry<Integer, ModelFile> e : now.files().entrySet()) {
      if (e.getValue() instanceof ModelFile.InodeFile f) {
        files.install(e.getKey(), new Fd(f.path(), f.offset(), f.readable(), f.writable()));
      } else {
        assertThat(e.getKey()).isAtMost(2); // the console, where spawn put it
      }
    }
    return true;
  }

  /**
   * The driver restores a waiter's image (captured in wait(0)) and becomes that waiter, with the
   * driver's pid and children: it issues wait again, which reaps a zombie child or finds none (then
   * it exits 98 at once), or blocks while it has only live children (then it exits 98 when one of
   * them exits). Either way a new driver carries on.
   */
  private void restoreWaiter(String path, ModelProcess now) {
    boolean blocks = procs.waitIn(driver) instanceof ProcessModel.WaitResult.Blocks;
    ConformanceDriver.put(m, driver, Op.RESTORE, 0, 0, path, new byte[0]);
    m.consoleInput("\n");
    Machine.Outcome o = Machines.finish(m);
    if (blocks) {
      assertWithMessage("restore(%s): console %s", path, m.output())
          .that(o)
          .isEqualTo(new Machine.Outcome.Idle(false));
      assertState("restore(" + path + ")", now);
      roles.put(driver, Role.WAITER);
      procs.blockInWait(driver);
      restoredWaiters.add(driver);
      Statistics.label("restored image").collect("captured in wait, blocks, state checked");
    } else {
      assertWithMessage("restore(%s): console %s", path, m.output())
          .that(o)
          .isEqualTo(new Machine.Outcome.Exited(driver, ConformanceDriver.WAITER_STATUS));
      assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
      roles.put(driver, Role.WAITER);
      exitModel(driver, ConformanceDriver.WAITER_STATUS);
      Statistics.label("restored image").collect("captured in wait, reaps and exits");
    }
    files.closeAll();
    spawnDriver();
  }

  /** The driver's registers, pc, sz and pages are the model's process's. */
  private void assertState(String when, ModelProcess want) {
    UserState got = UserState.of(m, driver);
    List<Long> x = Arrays.stream(got.x()).boxed().collect(Collectors.toList());
    assertWithMessage("registers after %s", when).that(x).isEqualTo(want.regs().x());
    assertWithMessage("pc after %s", when).that(got.pc()).isEqualTo(want.regs().pc());
    assertWithMessage("sz after %s", when).that(got.sz()).isEqualTo(want.sz());
    assertWithMessage("pages after %s", when)
        .that(got.pages())
        .containsExactlyElementsIn(want.pages())
        .inOrder();
  }

  /**
   * A restored self-image of the driver (a0 = 1, pc past its checkpoint call) after the driver's
   * loop ran it back to its read: the result word stored, a0..a2 and a7 set for read(0, bss, 1), pc
   * at that read's ecall; nothing else changes on that path.
   */
  private static ModelProcess afterDriverLoop(ModelProcess p) {
    Registers r = p.regs();
    long result = r.x().get(Registers.A0);
    r =
        r.with(Registers.A0, 0)
            .with(Registers.A0 + 1, r.x().get(S0))
            .with(Registers.A0 + 2, 1)
            .with(Registers.A7, Xv6Abi.SYS_read)
            .withPc(ConformanceDriver.READ_CALL_VA);
    List<Image.Page> pages = new ArrayList<>();
    for (Image.Page pg : p.pages()) {
      if (pg.va() == ConformanceDriver.BSS_VA) {
        byte[] d = pg.data();
        for (int i = 0; i < 8; i++) {
          d[ConformanceDriver.CMD_RESULT + i] = (byte) (result >>> (8 * i));
        }
        pg = new Image.Page(pg.va(), pg.perm(), d);
      }
      pages.add(pg);
    }
    return new ModelProcess(
        p.pid(), p.name(), p.state(), p.sz(), pages, r, p.files(), p.inSyscall());
  }

  /** Overwrites 8 bytes of an image at min(skip, size). */
  boolean corrupt(int pathIndex, int skip, long bytes) {
    String path = IMAGE_PATHS.get(pathIndex);
    byte[] data = new byte[8];
    for (int i = 0; i < 8; i++) {
      data[i] = (byte) (bytes >>> (8 * i));
    }
    long r = command(Op.CORRUPT, skip, 0, path, data);
    Optional<byte[]> old = files.file(path);
    if (old.isEmpty()) {
      assertThat(r).isEqualTo(-1);
      return true;
    }
    assertThat(r).isEqualTo(8);
    files.put(path, FileModel.splice(old.get(), Math.min(skip, old.get().length), data));
    return true;
  }

  /** The model's view of p for CheckpointModel (memory and registers do not matter here). */
  private ModelProcess modelProcess(Proc p) {
    SortedMap<Integer, ModelFile> f = new TreeMap<>();
    SyscallRestart in = SyscallRestart.NONE;
    ModelProcess.State state = p.zombie() ? ModelProcess.State.ZOMBIE : ModelProcess.State.SLEEPING;
    if (!p.zombie()) {
      f.putAll(consoles());
    }
    if (p.pid() == driver) {
      state = ModelProcess.State.RUNNING;
      f.putAll(driverFiles());
    } else if (role(p) == Role.PARKED && !p.zombie()) {
      f.put(3, new ModelFile.Pipe(true, false));
      f.put(4, new ModelFile.Pipe(false, true));
      in = restart(Xv6.SYS_read);
    } else if (role(p) == Role.WAITER && !p.zombie()) {
      in = restart(Xv6.SYS_wait);
    }
    return new ModelProcess(p.pid(), "drv", state, 0, List.of(), Registers.zero(0), f, in);
  }

  /** The driver as another process sees it between commands: blocked in its console read. */
  private ModelProcess driverInRead() {
    SortedMap<Integer, ModelFile> f = new TreeMap<>(consoles());
    f.putAll(driverFiles());
    return new ModelProcess(
        driver,
        "drv",
        ModelProcess.State.SLEEPING,
        0,
        List.of(),
        Registers.zero(0),
        f,
        restart(Xv6.SYS_read));
  }

  private static SortedMap<Integer, ModelFile> consoles() {
    SortedMap<Integer, ModelFile> f = new TreeMap<>();
    for (int fd = 0; fd <= 2; fd++) {
      f.put(fd, new ModelFile.Console(true, true));
    }
    return f;
  }

  /** The driver's descriptors on regular files, with their inode numbers on the disk now. */
  private SortedMap<Integer, ModelFile> driverFiles() {
    SortedMap<Integer, ModelFile> f = new TreeMap<>();
    FileView view = fileView();
    for (Map.Entry<Integer, Fd> e : files.fds().entrySet()) {
      Fd d = e.getValue();
      long inum = view.lookup(d.path()).orElseThrow().inum();
      f.put(
          e.getKey(), new ModelFile.InodeFile(d.path(), inum, d.off(), d.readable(), d.writable()));
    }
    return f;
  }

  private static SyscallRestart restart(int sysnum) {
    return new SyscallRestart(sysnum, Collections.nCopies(6, 0L), 0);
  }

  /** What paths name on the kernel's disk now, as restore's reopening sees it. */
  private FileView fileView() {
    return path -> {
      Fs fs = m.fs();
      fs.log().beginOpNow(Param.MAXOPBLOCKS);
      try {
        Inode root = fs.root();
        Optional<Inode> found = fs.namei(path.getBytes(StandardCharsets.ISO_8859_1), root);
        fs.iput(root);
        if (found.isEmpty()) {
          return Optional.empty();
        }
        Inode ip = found.get();
        fs.ilock(ip);
        FileView.Inode out = new FileView.Inode(ip.inum(), ip.type(), ip.size());
        fs.iunlockput(ip);
        return Optional.of(out);
      } finally {
        fs.log().endOp(Param.MAXOPBLOCKS);
      }
    };
  }

  // ---- observable state

  /** Process table, every live process's descriptors and every file agree with the model. */
  void check(String when) {
    Map<Integer, Process> live = new TreeMap<>();
    for (Process p : m.proc().live()) {
      live.put(p.pid(), p);
    }
    List<Integer> pids = procs.all().stream().map(Proc::pid).toList();
    assertWithMessage("pids %s", when).that(live.keySet()).containsExactlyElementsIn(pids);
    for (Proc mp : procs.all()) {
      Process p = live.get(mp.pid());
      String what = describe(mp);
      assertWithMessage("state of %s %s", what, when)
          .that(p.state())
          .isEqualTo(mp.zombie() ? Process.State.ZOMBIE : Process.State.SLEEPING);
      if (role(mp) != Role.INIT) {
        assertWithMessage("parent of %s %s", what, when).that(p.parentPid()).isEqualTo(mp.parent());
      }
      if (mp.zombie()) {
        assertWithMessage("status of %s %s", what, when)
            .that(p.exitStatus())
            .isEqualTo(mp.status());
      }
    }
    for (Proc mp : procs.all()) {
      if (role(mp) != Role.INIT && !mp.zombie()) {
        assertWithMessage("descriptors 3.. of %s %s", describe(mp), when)
            .that(descriptors(live.get(mp.pid())))
            .isEqualTo(expectedDescriptors(mp));
      }
    }
    for (String path : ALL_PATHS) {
      Optional<byte[]> k = Disks.readFile(m, path);
      Optional<byte[]> want = files.file(path);
      if (want.isEmpty()) {
        assertWithMessage("%s %s", path, when).that(k.isPresent()).isFalse();
      } else {
        assertWithMessage("%s %s", path, when).that(k.isPresent()).isTrue();
        assertWithMessage("%s %s", path, when).that(k.get()).isEqualTo(want.get());
      }
    }
  }

  /** A model process with its role, for messages. */
  private String describe(Proc p) {
    return role(p) + " " + p;
  }

  /** Descriptors 3 and up of a live process as the kernel holds them. */
  private static SortedMap<Integer, Fd> descriptors(Process p) {
    SortedMap<Integer, Fd> out = new TreeMap<>();
    for (int fd = 3; fd < Param.NOFILE; fd++) {
      OpenFile f = p.openFile(fd);
      if (f != null && f.type() == OpenFile.Type.INODE) {
        out.put(fd, new Fd(f.path(), f.offset(), f.readable(), f.writable()));
      } else if (f != null) {
        out.put(fd, new Fd(f.type().name(), 0, f.readable(), f.writable()));
      }
    }
    return out;
  }

  /**
   * What the model gives mp: the driver its files; a parked child the two ends of its pipe at 3 and
   * 4 (it closed what it inherited first); a waiter nothing.
   */
  private SortedMap<Integer, Fd> expectedDescriptors(Proc mp) {
    SortedMap<Integer, Fd> out = new TreeMap<>();
    if (mp.pid() == driver) {
      out.putAll(files.fds());
    } else if (role(mp) == Role.PARKED) {
      out.put(3, new Fd("PIPE", 0, true, false));
      out.put(4, new Fd("PIPE", 0, false, true));
    }
    return out;
  }
}
