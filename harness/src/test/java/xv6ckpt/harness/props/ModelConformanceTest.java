package xv6ckpt.harness.props;

import xv6ckpt.testkit.Xv6Abi;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.OpenFile;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.FileView;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelFile;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;

/**
 * Invariant 6, model conformance. A generated sequence of actions (fork of a child that exits,
 * of one parked in a pipe read, of one waiting for a parked grandchild; exit of the driver;
 * wait; kill; open, write, read, close of files; checkpoint of itself or another pid, refusals
 * included; restore of a valid, missing or corrupted image; corruption of an image in place;
 * reboot on the same disk) is applied both to a small model kept here and to the kernel, and
 * after every step the two agree on the call's result, on the process table (pids, states,
 * parents, exit statuses), on the driver's open descriptors and on every file's bytes.
 * Checkpoint and restore outcomes come from the spec's {@link CheckpointModel}.
 *
 * <p>Restores are checked further: after each successful one the restored process's
 * registers, pc, sz and pages are those of the image the spec decodes from the file's bytes,
 * and an image captured inside a call (the driver in its console read, checkpointed by a
 * child; a waiter in wait) resumes that call as the model predicts. A second property runs
 * chains built around such restores, so that each kind is reached in every CI run.
 *
 * <p>The kernel side is one driver program, "drv": it blocks in read(0, buf, 1); the harness
 * writes a command into its memory (through its page table, walked here), feeds one byte, runs
 * the machine until it idles again and reads the result back from the driver's memory.
 */
@AddLifecycleHook(ScaledTries.class)
class ModelConformanceTest {
  private static final int SYS_pipe = 4;
  private static final int SYS_open = 15;
  private static final int SYS_close = 21;
  private static final int O_RDONLY = 0x000;
  private static final int O_WRONLY = 0x001;
  private static final int O_RDWR = 0x002;
  private static final int O_CREATE = 0x200;

  /** Command block offsets from the driver's bss (see {@link #driver}). */
  private static final int CMD_OP = 8;
  private static final int CMD_ARG1 = 16;
  private static final int CMD_ARG2 = 24;
  private static final int CMD_RESULT = 40;
  private static final int CMD_PATH = 64;
  private static final int CMD_DATA = 128;
  private static final int CMD_READBUF = 256;
  private static final int CMD_STATUS = 1024;

  // The driver's operations.
  private static final int OP_FORK_EXIT = 1;
  private static final int OP_FORK_PARK = 2;
  private static final int OP_FORK_WAITER = 3;
  private static final int OP_EXIT = 4;
  private static final int OP_WAIT = 5;
  private static final int OP_KILL = 6;
  private static final int OP_OPEN = 7;
  private static final int OP_WRITE = 8;
  private static final int OP_READ = 9;
  private static final int OP_CLOSE = 10;
  private static final int OP_CKPT = 11;
  private static final int OP_RESTORE = 12;
  private static final int OP_CORRUPT = 13;
  private static final int OP_CHILD_CKPT = 14;

  private static final List<String> DATA_PATHS = List.of("/a", "/b");
  private static final List<String> IMAGE_PATHS = List.of("/c1", "/c2");
  private static final List<String> RESTORE_PATHS = List.of("/c1", "/c2", "/a", "/none");
  private static final List<String> ALL_PATHS = List.of("/a", "/b", "/c1", "/c2", "/none");
  private static final int UNKNOWN_PID = 41;

  // ------------------------------------------------------------------ actions

  /** One step; ints named pick choose among what the state offers when the step runs. */
  sealed interface Action permits ForkExit, ForkPark, ForkWaiter, Exit, Wait, Kill, Open, Write,
      Read, Close, Checkpoint, ChildCheckpointsDriver, Restore, Corrupt, Reboot {}

  record ForkExit(int status) implements Action {}

  record ForkPark() implements Action {}

  record ForkWaiter() implements Action {}

  record Exit(int status) implements Action {}

  record Wait() implements Action {}

  record Kill(int pick) implements Action {}

  record Open(int path, int mode, boolean create) implements Action {}

  record Write(int pick, byte[] data) implements Action {
    @Override
    public String toString() {
      return "Write[pick=" + pick + ", data=" + Arrays.toString(data) + "]";
    }
  }

  record Read(int pick, int n) implements Action {}

  record Close(int pick) implements Action {}

  record Checkpoint(int pick, int path) implements Action {}

  /** A child of the driver checkpoints the driver, blocked in its console read, to a path. */
  record ChildCheckpointsDriver(int path) implements Action {}

  record Restore(int pick) implements Action {}

  record Corrupt(int path, int skip, long bytes) implements Action {}

  record Reboot() implements Action {}

  private static final List<String> KINDS = List.of("ForkExit", "ForkPark", "ForkWaiter",
      "Exit", "Wait", "Kill", "Open", "Write", "Read", "Close", "Checkpoint",
      "ChildCheckpointsDriver", "Restore", "Corrupt", "Reboot");

  @Provide
  Arbitrary<List<Action>> actions() {
    return chains(Weights.BROAD, 4, 24);
  }

  /**
   * Chains aimed at restores of images captured inside a call: a generated prefix, then one
   * of three scenes, then a generated suffix. Waiter scene: fork a waiter, checkpoint it (the
   * newest live child), reap up to three zombies (a Wait that would block is skipped), restore
   * the image just written (the driver becomes the waiter: it returns at once if a zombie is
   * left, else it blocks), kill a child of a blocked restored waiter (which wakes it). Reader
   * scene: a child checkpoints the driver in its read, a few generated steps (files opened,
   * written, moved), restore of that image (the driver's files come back at the image's
   * offsets, then it takes the next command). Self scene: the same with the driver
   * checkpointing itself.
   */
  @Provide
  Arbitrary<List<Action>> restoreChains() {
    Arbitrary<Integer> path = Arbitraries.integers().between(0, 1);
    Arbitrary<List<Action>> waiterScene = Combinators.combine(path,
        Arbitraries.integers().between(0, 3)).as((p, waits) -> {
          List<Action> scene = new ArrayList<>(List.of(new ForkWaiter(), new Checkpoint(0, p)));
          scene.addAll(Collections.nCopies(waits, new Wait()));
          scene.addAll(List.of(new Restore(0), new Kill(0)));
          return scene;
        });
    Arbitrary<List<Action>> readerScene = Combinators.combine(path,
        chains(Weights.FILES, 0, 3)).as((p, middle) -> scene(new ChildCheckpointsDriver(p),
            middle));
    Arbitrary<List<Action>> selfScene = Combinators.combine(path,
        chains(Weights.FILES, 0, 3)).as((p, middle) -> scene(new Checkpoint(8, p), middle));
    return Combinators.combine(chains(Weights.BROAD, 0, 8),
        Arbitraries.oneOf(waiterScene, readerScene, selfScene), chains(Weights.BROAD, 0, 8))
        .as((prefix, scene, suffix) -> {
          List<Action> all = new ArrayList<>(prefix);
          all.addAll(scene);
          all.addAll(suffix);
          return all;
        });
  }

  /** An image written by first, the middle steps, a restore of that image. */
  private static List<Action> scene(Action first, List<Action> middle) {
    List<Action> scene = new ArrayList<>();
    scene.add(first);
    scene.addAll(middle);
    scene.add(new Restore(0));
    return scene;
  }

  /** Action weights, in the order of {@link #KINDS}. */
  enum Weights {
    BROAD(3, 2, 3, 1, 3, 3, 4, 4, 3, 2, 5, 3, 5, 2, 1),
    /** Only the file calls. */
    FILES(0, 0, 0, 0, 0, 0, 3, 4, 3, 2, 0, 0, 0, 0, 0);

    final int[] w;

    Weights(int... w) {
      this.w = w;
    }
  }

  /** Chains of min to max actions drawn with the weights (a weight 0 leaves one out). */
  private static Arbitrary<List<Action>> chains(Weights weights, int min, int max) {
    int[] w = weights.w;
    Arbitrary<Integer> pick = Arbitraries.integers().between(0, 15);
    List<Tuple.Tuple2<Integer, Arbitrary<? extends Action>>> all = List.of(
        Tuple.of(w[0], Arbitraries.integers().between(0, 255).map(ForkExit::new)),
        Tuple.of(w[1], Arbitraries.just(new ForkPark())),
        Tuple.of(w[2], Arbitraries.just(new ForkWaiter())),
        Tuple.of(w[3], Arbitraries.integers().between(0, 255).map(Exit::new)),
        Tuple.of(w[4], Arbitraries.just(new Wait())),
        Tuple.of(w[5], pick.map(Kill::new)),
        Tuple.of(w[6], Combinators.combine(Arbitraries.integers().between(0, 1),
            Arbitraries.integers().between(0, 2), Arbitraries.of(true, false)).as(Open::new)),
        Tuple.of(w[7], Combinators.combine(pick,
            Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(24))
            .as(Write::new)),
        Tuple.of(w[8], Combinators.combine(pick,
            Arbitraries.integers().between(0, 32)).as(Read::new)),
        Tuple.of(w[9], pick.map(Close::new)),
        Tuple.of(w[10], Combinators.combine(pick,
            Arbitraries.integers().between(0, 1)).as(Checkpoint::new)),
        Tuple.of(w[11], Arbitraries.integers().between(0, 1).map(ChildCheckpointsDriver::new)),
        Tuple.of(w[12], Arbitraries.integers().between(0, 6).map(Restore::new)),
        Tuple.of(w[13], Combinators.combine(Arbitraries.integers().between(0, 1),
            Arbitraries.of(0, 8, 16, 64, 100, 4200), Arbitraries.longs())
            .as(Corrupt::new)),
        Tuple.of(w[14], Arbitraries.just(new Reboot())));
    List<Tuple.Tuple2<Integer, Arbitrary<? extends Action>>> used = new ArrayList<>();
    for (Tuple.Tuple2<Integer, Arbitrary<? extends Action>> t : all) {
      if (t.get1() > 0) {
        used.add(t);
      }
    }
    @SuppressWarnings("unchecked")
    Tuple.Tuple2<Integer, Arbitrary<? extends Action>>[] pairs = used.toArray(new Tuple.Tuple2[0]);
    Arbitrary<Action> one = Arbitraries.frequencyOf(pairs);
    return one.list().ofMinSize(min).ofMaxSize(max);
  }

  @Property(tries = 60)
  void theKernelFollowsTheModelStepByStep(@ForAll("actions") List<Action> actions) {
    follow(actions);
    Statistics.label("action").coverage(c -> {
      for (String k : KINDS) {
        c.check(k).count(n -> n >= 1);
      }
    });
    Statistics.label("restore").coverage(c -> {
      c.check("restored").count(n -> n >= 1);
      c.check("RESTORE_NO_FILE").count(n -> n >= 1);
      // a refusal by some other rule: restores fail on at least two different rules
      c.checkQuery(v -> !v.get(0).equals("restored") && !v.get(0).equals("RESTORE_NO_FILE"))
          .count(n -> n >= 1);
    });
    Statistics.label("checkpoint").coverage(c -> {
      c.check("written").count(n -> n >= 1);
      c.check("CKPT_NO_PROCESS").count(n -> n >= 1);
      c.check("CKPT_ZOMBIE").count(n -> n >= 1);
    });
  }

  /**
   * The same step-by-step agreement, on chains that restore images captured inside a call:
   * after each successful restore the restored process's registers, pc, sz and pages are the
   * decoded image's (for a self-image, as the driver's loop then changes them), and a restored
   * process resumes its call as the model predicts: a driver captured in its console read
   * takes the next command, a waiter reaps and exits at once or blocks until a child exits.
   */
  @Property(tries = 60)
  void restoredProcessesResumeTheirCallsAsTheModelPredicts(
      @ForAll("restoreChains") List<Action> actions) {
    Run run = follow(actions);
    Statistics.label("restored waiter").collect(run.wokenWaiters > 0
        ? "woken by its child's exit" : "none woken");
    Statistics.label("restored image").coverage(c -> {
      c.check("self, state checked").count(n -> n >= 1);
      c.check("captured in read, state checked").count(n -> n >= 1);
      c.check("captured in wait, blocks, state checked").count(n -> n >= 1);
      c.check("captured in wait, reaps and exits").count(n -> n >= 1);
    });
    Statistics.label("restored waiter").coverage(c ->
        c.check("woken by its child's exit").count(n -> n >= 1));
  }

  /**
   * The nightly profile's first finding (100x tries, before the driver's children closed what
   * they inherit): a waiter forked after the driver opened /a held it at fd 3, which the model,
   * giving children no files, did not predict in the waiter's image. Now every process's
   * descriptors are compared after each step, and this chain stays as a regression.
   */
  @Example
  void aWaiterForkedAfterAnOpenHoldsOnlyWhatTheModelSays() {
    List<Action> actions = new ArrayList<>(List.of(new ForkExit(0), new Open(0, 0, true),
        new ForkWaiter()));
    for (int i = 0; i < 7; i++) {
      actions.add(new ForkExit(0));
    }
    actions.add(new Checkpoint(4, 0));
    follow(actions);
  }

  /** Applies the actions to model and kernel, checking after every step; the run. */
  private static Run follow(List<Action> actions) {
    Run run = new Run();
    run.check("boot");
    for (int i = 0; i < actions.size(); i++) {
      Action a = actions.get(i);
      String kind = a.getClass().getSimpleName();
      boolean done = run.apply(a);
      Statistics.label("action").collect(done ? kind : kind + " (not applicable)");
      run.check("after step " + i + " " + a);
    }
    Statistics.label("restored image").collect("(any try)"); // the label exists in every try
    return run;
  }

  // ------------------------------------------------------------------ the model

  enum Kind { INIT, DRIVER, EXITER, PARKED, WAITER }

  /** A model process: SLEEPING (blocked for good, or the idle driver) or ZOMBIE. */
  record MProc(int pid, int parent, Kind kind, boolean zombie, int status) {
    MProc reparented(int p) {
      return new MProc(pid, p, kind, zombie, status);
    }
  }

  /**
   * A descriptor: on a regular file its absolute path and offset; on anything else the kind's
   * name ("PIPE": paths all start with '/') and offset 0.
   */
  record Fd(String path, long off, boolean readable, boolean writable) {}

  /** The model and the machine side by side. */
  private static final class Run {
    final SortedMap<Integer, MProc> procs = new TreeMap<>();
    final SortedMap<Integer, Fd> fds = new TreeMap<>();
    final Map<String, byte[]> files = new TreeMap<>();
    int nextPid;
    int driver;
    /** Pids of drivers turned by a restore into a waiter that blocked. */
    final java.util.Set<Integer> restoredWaiters = new java.util.TreeSet<>();
    /** How many of those a child's exit woke (they then reaped it and exited). */
    int wokenWaiters;
    /** The path of the image written last, if any. */
    String lastImage;
    final byte[] drvElf = driver();
    final BlockDevice disk = Rig.disk(Map.of("drv", drvElf));
    Machine m;

    Run() {
      boot();
    }

    private void boot() {
      m = Rig.runner(disk);
      procs.clear();
      fds.clear();
      procs.put(1, new MProc(1, 0, Kind.INIT, false, 0));
      nextPid = 2;
      spawnDriver();
    }

    private void spawnDriver() {
      driver = Rig.spawn(m, "drv");
      assertThat(driver).isEqualTo(nextPid);
      procs.put(driver, new MProc(driver, 1, Kind.DRIVER, false, 0));
      nextPid++;
      assertWithMessage("console: %s", m.output()).that(Rig.finish(m))
          .isEqualTo(new Machine.Outcome.Idle(true));
    }

    /** Applies a to model and kernel and checks the call's result; false if not applicable. */
    boolean apply(Action a) {
      if (a instanceof ForkExit) {
        return fork(OP_FORK_EXIT, ((ForkExit) a).status());
      } else if (a instanceof ForkPark) {
        return fork(OP_FORK_PARK, 0);
      } else if (a instanceof ForkWaiter) {
        return fork(OP_FORK_WAITER, 0);
      } else if (a instanceof Exit) {
        return exit(((Exit) a).status());
      } else if (a instanceof Wait) {
        return waitChild();
      } else if (a instanceof Kill) {
        return kill(((Kill) a).pick());
      } else if (a instanceof Open) {
        return open((Open) a);
      } else if (a instanceof Write) {
        return write((Write) a);
      } else if (a instanceof Read) {
        return read((Read) a);
      } else if (a instanceof Close) {
        return close(((Close) a).pick());
      } else if (a instanceof Checkpoint) {
        return checkpoint((Checkpoint) a);
      } else if (a instanceof ChildCheckpointsDriver) {
        return childCheckpointsDriver(((ChildCheckpointsDriver) a).path());
      } else if (a instanceof Restore) {
        return restore(restorePath(((Restore) a).pick()));
      } else if (a instanceof Corrupt) {
        return corrupt((Corrupt) a);
      } else {
        boot();
        return true;
      }
    }

    // ---- processes

    private boolean fork(int op, int status) {
      if (procs.size() > Param.NPROC - 4) {
        return false;
      }
      long pid = command(op, status, 0, "", new byte[0]);
      int child = nextPid++;
      assertThat(pid).isEqualTo(child);
      if (op == OP_FORK_EXIT) {
        procs.put(child, new MProc(child, driver, Kind.EXITER, true, status));
      } else if (op == OP_FORK_PARK) {
        procs.put(child, new MProc(child, driver, Kind.PARKED, false, 0));
      } else {
        procs.put(child, new MProc(child, driver, Kind.WAITER, false, 0));
        int grandchild = nextPid++;
        procs.put(grandchild, new MProc(grandchild, child, Kind.PARKED, false, 0));
      }
      return true;
    }

    /** The driver exits; a new driver is spawned, as the next pid. */
    private boolean exit(int status) {
      putCommand(OP_EXIT, status, 0, "", new byte[0]);
      m.consoleInput("\n"); // a whole line: the console hands input over by lines
      assertWithMessage("console: %s", m.output()).that(Rig.finish(m))
          .isEqualTo(new Machine.Outcome.Exited(driver, status));
      assertThat(Rig.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
      exitModel(driver, status);
      fds.clear();
      spawnDriver();
      return true;
    }

    private void exitModel(int pid, int status) {
      MProc p = procs.get(pid);
      procs.put(pid, new MProc(pid, p.parent(), p.kind(), true, status));
      for (MProc c : List.copyOf(procs.values())) {
        if (c.parent() == pid) {
          procs.put(c.pid(), c.reparented(1));
        }
      }
      // the runner's init reaps whatever zombie becomes its child
      procs.values().removeIf(q -> q.zombie() && q.parent() == 1);
      // a waiter reaps its parked child and then exits 98
      MProc parent = procs.get(p.parent());
      if (parent != null && parent.kind() == Kind.WAITER && !parent.zombie()) {
        if (restoredWaiters.contains(parent.pid())) {
          wokenWaiters++;
        }
        procs.remove(pid);
        exitModel(parent.pid(), 98);
      }
    }

    private boolean waitChild() {
      List<MProc> kids = children(driver);
      List<MProc> zombies = kids.stream().filter(MProc::zombie).collect(Collectors.toList());
      if (!kids.isEmpty() && zombies.isEmpty()) {
        return false; // it would block for good
      }
      long got = command(OP_WAIT, 0, 0, "", new byte[0]);
      if (kids.isEmpty()) {
        assertThat(got).isEqualTo(-1);
        return true;
      }
      // xv6 reaps the first zombie child in table order; the model allows any of them
      MProc reaped = procs.get((int) got);
      assertWithMessage("wait returned %s", got).that(zombies).contains(reaped);
      int status = m.memory().read32(pa(CMD_STATUS));
      assertThat(status).isEqualTo(reaped.status());
      procs.remove(reaped.pid());
      return true;
    }

    /**
     * The target: for pick below 8, a live child of a blocked waiter when there is one (its
     * death wakes the waiter), a restored waiter's children first; otherwise any process but
     * init and the driver, or an unknown pid.
     */
    private boolean kill(int pick) {
      List<Integer> waited = new ArrayList<>();
      List<Integer> waitedByRestored = new ArrayList<>();
      List<Integer> targets = new ArrayList<>();
      for (MProc p : procs.values()) {
        if (p.kind() != Kind.INIT && p.pid() != driver) {
          targets.add(p.pid());
          MProc parent = procs.get(p.parent());
          if (!p.zombie() && parent.kind() == Kind.WAITER && !parent.zombie()) {
            (restoredWaiters.contains(parent.pid()) ? waitedByRestored : waited).add(p.pid());
          }
        }
      }
      targets.add(UNKNOWN_PID);
      if (!waitedByRestored.isEmpty()) {
        waited = waitedByRestored;
      }
      int pid = pick < 8 && !waited.isEmpty() ? waited.get(pick % waited.size())
          : targets.get(pick % targets.size());
      long r = command(OP_KILL, pid, 0, "", new byte[0]);
      MProc p = procs.get(pid);
      assertThat(r).isEqualTo(p == null ? -1 : 0);
      if (p != null && !p.zombie()) {
        exitModel(pid, -1);
      }
      return true;
    }

    private List<MProc> children(int pid) {
      return procs.values().stream().filter(p -> p.parent() == pid).collect(Collectors.toList());
    }

    // ---- files

    private boolean open(Open o) {
      if (fds.size() >= 8) {
        return false;
      }
      String path = DATA_PATHS.get(o.path());
      int mode = o.mode() == 0 ? O_RDONLY : o.mode() == 1 ? O_WRONLY : O_RDWR;
      long fd = command(OP_OPEN, mode | (o.create() ? O_CREATE : 0), 0, path, new byte[0]);
      if (!files.containsKey(path) && !o.create()) {
        assertThat(fd).isEqualTo(-1);
        return true;
      }
      files.putIfAbsent(path, new byte[0]);
      int expected = 3;
      while (fds.containsKey(expected)) {
        expected++;
      }
      assertThat(fd).isEqualTo(expected);
      fds.put(expected, new Fd(path, 0, mode != O_WRONLY, mode != O_RDONLY));
      return true;
    }

    /** A descriptor of the driver's, or 9 (never open) when pick falls past them. */
    private int fdOf(int pick) {
      List<Integer> open = new ArrayList<>(fds.keySet());
      return pick < open.size() ? open.get(pick) : (open.isEmpty() || pick % 3 == 0 ? 9
          : open.get(pick % open.size()));
    }

    private boolean write(Write w) {
      int fd = fdOf(w.pick());
      long r = command(OP_WRITE, fd, w.data().length, "", w.data());
      Fd f = fds.get(fd);
      if (f == null || !f.writable()) {
        assertThat(r).isEqualTo(-1);
        return true;
      }
      assertThat(r).isEqualTo(w.data().length);
      files.put(f.path(), splice(files.get(f.path()), f.off(), w.data()));
      fds.put(fd, new Fd(f.path(), f.off() + w.data().length, f.readable(), f.writable()));
      return true;
    }

    private boolean read(Read rd) {
      int fd = fdOf(rd.pick());
      long r = command(OP_READ, fd, rd.n(), "", new byte[0]);
      Fd f = fds.get(fd);
      if (f == null || !f.readable()) {
        assertThat(r).isEqualTo(-1);
        return true;
      }
      byte[] content = files.get(f.path());
      int from = (int) Math.min(f.off(), content.length);
      int n = Math.min(rd.n(), content.length - from);
      assertThat(r).isEqualTo(n);
      byte[] got = new byte[n];
      m.memory().read(pa(CMD_READBUF), got, 0, n);
      assertThat(got).isEqualTo(Arrays.copyOfRange(content, from, from + n));
      fds.put(fd, new Fd(f.path(), f.off() + n, f.readable(), f.writable()));
      return true;
    }

    private boolean close(int pick) {
      int fd = fdOf(pick);
      long r = command(OP_CLOSE, fd, 0, "", new byte[0]);
      assertThat(r).isEqualTo(fds.remove(fd) == null ? -1 : 0);
      return true;
    }

    /** b with data written at off (b grows when data runs past its end). */
    private static byte[] splice(byte[] b, long off, byte[] data) {
      byte[] out = Arrays.copyOf(b, Math.max(b.length, (int) off + data.length));
      System.arraycopy(data, 0, out, (int) off, data.length);
      return out;
    }

    // ---- checkpoint and restore

    /**
     * The target: for pick below 8, one of the driver's live children when it has some, the
     * newest for pick 0 (so that waiters, captured in wait, are often chosen); otherwise, with
     * pick mod 8, any of 0 (pick 8: the driver itself), the driver's own pid, an unknown pid
     * and every other process (zombies among them).
     */
    private boolean checkpoint(Checkpoint c) {
      List<Integer> live = new ArrayList<>();
      for (MProc p : children(driver)) {
        if (!p.zombie()) {
          live.add(p.pid());
        }
      }
      List<Integer> targets = new ArrayList<>(List.of(0, driver, UNKNOWN_PID));
      for (MProc p : procs.values()) {
        if (p.kind() != Kind.INIT && p.pid() != driver) {
          targets.add(p.pid());
        }
      }
      int pid = c.pick() < 8 && !live.isEmpty()
          ? live.get(live.size() - 1 - c.pick() % live.size()) // newest first
          : targets.get((c.pick() & 7) % targets.size());
      String path = IMAGE_PATHS.get(c.path());
      List<ModelProcess> others = new ArrayList<>();
      for (MProc p : procs.values()) {
        if (p.pid() != driver && p.kind() != Kind.INIT) {
          others.add(modelProcess(p));
        }
      }
      CheckpointModel.CheckpointResult want = CheckpointModel.checkpoint(
          modelProcess(procs.get(driver)), others, pid, 0);
      long r = command(OP_CKPT, pid, 0, path, new byte[0]);
      if (want instanceof CheckpointModel.CheckpointResult.Refused) {
        var rule = ((CheckpointModel.CheckpointResult.Refused) want).rule();
        assertWithMessage("checkpoint(%s, %s)", pid, path).that(r).isEqualTo(rule.code());
        Statistics.label("checkpoint").collect(rule.name());
        return true;
      }
      assertWithMessage("checkpoint(%s, %s): console %s", pid, path, m.output()).that(r)
          .isEqualTo(0);
      keepWritten(path, ((CheckpointModel.CheckpointResult.Written) want).image());
      MProc t = procs.get(pid);
      Statistics.label("checkpoint").collect(t != null && t.kind() == Kind.WAITER
          ? "written, of a waiter" : "written");
      return true;
    }

    /** The kernel's image at path is Valid and is the model's; the model's file takes it. */
    private void keepWritten(String path, Image expected) {
      byte[] bytes = Rig.read(m, path).orElseThrow(() -> new AssertionError("no " + path));
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
     * The driver forks a child, which sleeps a tick (so that the driver is back in its console
     * read) and checkpoints the driver to path, then exits with checkpoint's result: an image
     * of a process blocked inside a call, which a later Restore brings back.
     */
    private boolean childCheckpointsDriver(int pathIndex) {
      if (procs.size() > Param.NPROC - 4) {
        return false;
      }
      String path = IMAGE_PATHS.get(pathIndex);
      int child = nextPid++;
      List<ModelProcess> others = new ArrayList<>();
      for (MProc p : procs.values()) {
        if (p.kind() != Kind.INIT) {
          others.add(p.pid() == driver ? driverInRead() : modelProcess(p));
        }
      }
      ModelProcess caller = new ModelProcess(child, "drv", ModelProcess.State.RUNNING, 0,
          List.of(), Registers.zero(0), consoles(), SyscallRestart.NONE);
      CheckpointModel.CheckpointResult want = CheckpointModel.checkpoint(caller, others,
          driver, 0);
      long pid = command(OP_CHILD_CKPT, driver, 0, path, new byte[0]);
      assertThat(pid).isEqualTo(child);
      int status = 0;
      if (want instanceof CheckpointModel.CheckpointResult.Refused) {
        var rule = ((CheckpointModel.CheckpointResult.Refused) want).rule();
        status = rule.code();
        Statistics.label("checkpoint").collect(rule.name());
      } else {
        keepWritten(path, ((CheckpointModel.CheckpointResult.Written) want).image());
        Statistics.label("checkpoint").collect("written, of the driver in read");
      }
      procs.put(child, new MProc(child, driver, Kind.EXITER, true, status));
      return true;
    }

    /**
     * For pick 0 to 2 the image written last, if it is still there (a restore soon after a
     * checkpoint is what brings back images captured inside a call); otherwise with pick - 3
     * an existing file among RESTORE_PATHS (images first) or, past them, a missing one.
     */
    private String restorePath(int pick) {
      if (pick < 3 && lastImage != null && files.containsKey(lastImage)) {
        return lastImage;
      }
      pick = Math.max(0, pick - 3);
      List<String> present = new ArrayList<>();
      for (String p : RESTORE_PATHS) {
        if (files.containsKey(p)) {
          present.add(p);
        }
      }
      return pick < present.size() ? present.get(pick)
          : RESTORE_PATHS.get(pick % RESTORE_PATHS.size());
    }

    private boolean restore(String path) {
      Optional<byte[]> file = Optional.ofNullable(files.get(path));
      CheckpointModel.RestoreResult want = CheckpointModel.restoreFile(
          modelProcess(procs.get(driver)), file, fileView());
      if (want instanceof CheckpointModel.RestoreResult.Refused) {
        long r = command(OP_RESTORE, 0, 0, path, new byte[0]);
        var rule = ((CheckpointModel.RestoreResult.Refused) want).rule();
        assertWithMessage("restore(%s): console %s", path, m.output()).that(r)
            .isEqualTo(rule.code());
        Statistics.label("restore").collect(rule.name());
        return true;
      }
      ModelProcess now = ((CheckpointModel.RestoreResult.Restored) want).process();
      Statistics.label("restore").collect("restored");
      if (now.inSyscall().sysnum() == Xv6.SYS_wait) {
        restoreWaiter(path, now);
        return true;
      }
      long r = command(OP_RESTORE, 0, 0, path, new byte[0]);
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
      fds.clear();
      for (Map.Entry<Integer, ModelFile> e : now.files().entrySet()) {
        if (e.getValue() instanceof ModelFile.InodeFile f) {
          fds.put(e.getKey(), new Fd(f.path(), f.offset(), f.readable(), f.writable()));
        } else {
          assertThat(e.getKey()).isAtMost(2); // the console, where spawn put it
        }
      }
      return true;
    }

    /**
     * The driver restores a waiter's image (captured in wait(0)) and becomes that waiter, with
     * the driver's pid and children: it issues wait again, which reaps a zombie child or finds
     * none (then it exits 98 at once), or blocks while it has only live children (then it
     * exits 98 when one of them exits). Either way a new driver carries on.
     */
    private void restoreWaiter(String path, ModelProcess now) {
      List<MProc> kids = children(driver);
      boolean blocks = !kids.isEmpty() && kids.stream().noneMatch(MProc::zombie);
      putCommand(OP_RESTORE, 0, 0, path, new byte[0]);
      m.consoleInput("\n");
      Machine.Outcome o = Rig.finish(m);
      if (blocks) {
        assertWithMessage("restore(%s): console %s", path, m.output()).that(o)
            .isEqualTo(new Machine.Outcome.Idle(false));
        assertState("restore(" + path + ")", now);
        MProc d = procs.get(driver);
        procs.put(driver, new MProc(driver, d.parent(), Kind.WAITER, false, 0));
        restoredWaiters.add(driver);
        Statistics.label("restored image").collect("captured in wait, blocks, state checked");
      } else {
        assertWithMessage("restore(%s): console %s", path, m.output()).that(o)
            .isEqualTo(new Machine.Outcome.Exited(driver, 98));
        assertThat(Rig.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
        exitModel(driver, 98);
        Statistics.label("restored image").collect("captured in wait, reaps and exits");
      }
      fds.clear();
      spawnDriver();
    }

    /** The driver's registers, pc, sz and pages are the model's process's. */
    private void assertState(String when, ModelProcess want) {
      Rig.UserState got = Rig.userState(m, driver);
      List<Long> x = Arrays.stream(got.x()).boxed().collect(Collectors.toList());
      assertWithMessage("registers after %s", when).that(x).isEqualTo(want.regs().x());
      assertWithMessage("pc after %s", when).that(got.pc()).isEqualTo(want.regs().pc());
      assertWithMessage("sz after %s", when).that(got.sz()).isEqualTo(want.sz());
      assertWithMessage("pages after %s", when).that(got.pages())
          .containsExactlyElementsIn(want.pages()).inOrder();
    }

    /**
     * A restored self-image of the driver (a0 = 1, pc past its checkpoint call) after the
     * driver's loop ran it back to its read: the result word stored, a0..a2 and a7 set for
     * read(0, bss, 1), pc at that read's ecall; nothing else changes on that path.
     */
    private static ModelProcess afterDriverLoop(ModelProcess p) {
      Registers r = p.regs();
      long result = r.x().get(Registers.A0);
      r = r.with(Registers.A0, 0).with(Registers.A0 + 1, r.x().get(S0))
          .with(Registers.A0 + 2, 1).with(Registers.A7, Xv6Abi.SYS_read).withPc(READ_CALL_VA);
      List<Image.Page> pages = new ArrayList<>();
      for (Image.Page pg : p.pages()) {
        if (pg.va() == BSS_VA) {
          byte[] d = pg.data();
          for (int i = 0; i < 8; i++) {
            d[CMD_RESULT + i] = (byte) (result >>> (8 * i));
          }
          pg = new Image.Page(pg.va(), pg.perm(), d);
        }
        pages.add(pg);
      }
      return new ModelProcess(p.pid(), p.name(), p.state(), p.sz(), pages, r, p.files(),
          p.inSyscall());
    }

    /** Overwrites 8 bytes of an image at min(skip, size). */
    private boolean corrupt(Corrupt c) {
      String path = IMAGE_PATHS.get(c.path());
      byte[] data = new byte[8];
      for (int i = 0; i < 8; i++) {
        data[i] = (byte) (c.bytes() >>> (8 * i));
      }
      long r = command(OP_CORRUPT, c.skip(), 0, path, data);
      byte[] old = files.get(path);
      if (old == null) {
        assertThat(r).isEqualTo(-1);
        return true;
      }
      assertThat(r).isEqualTo(8);
      files.put(path, splice(old, Math.min(c.skip(), old.length), data));
      return true;
    }

    /** The model's view of p for CheckpointModel (memory and registers do not matter here). */
    private ModelProcess modelProcess(MProc p) {
      SortedMap<Integer, ModelFile> f = new TreeMap<>();
      SyscallRestart in = SyscallRestart.NONE;
      ModelProcess.State state = p.zombie() ? ModelProcess.State.ZOMBIE
          : ModelProcess.State.SLEEPING;
      if (!p.zombie()) {
        f.putAll(consoles());
      }
      if (p.pid() == driver) {
        state = ModelProcess.State.RUNNING;
        f.putAll(driverFiles());
      } else if (p.kind() == Kind.PARKED && !p.zombie()) {
        f.put(3, new ModelFile.Pipe(true, false));
        f.put(4, new ModelFile.Pipe(false, true));
        in = restart(Xv6.SYS_read);
      } else if (p.kind() == Kind.WAITER && !p.zombie()) {
        in = restart(Xv6.SYS_wait);
      }
      return new ModelProcess(p.pid(), "drv", state, 0, List.of(), Registers.zero(0), f, in);
    }

    /** The driver as another process sees it between commands: blocked in its console read. */
    private ModelProcess driverInRead() {
      SortedMap<Integer, ModelFile> f = new TreeMap<>(consoles());
      f.putAll(driverFiles());
      return new ModelProcess(driver, "drv", ModelProcess.State.SLEEPING, 0, List.of(),
          Registers.zero(0), f, restart(Xv6.SYS_read));
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
      for (Map.Entry<Integer, Fd> e : fds.entrySet()) {
        Fd d = e.getValue();
        long inum = view.lookup(d.path()).orElseThrow().inum();
        f.put(e.getKey(), new ModelFile.InodeFile(d.path(), inum, d.off(), d.readable(),
            d.writable()));
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

    // ---- the kernel side

    /** Runs one command in the driver; its result. The driver idles in its read again. */
    private long command(int op, long arg1, long arg2, String path, byte[] data) {
      putCommand(op, arg1, arg2, path, data);
      m.consoleInput("\n"); // a whole line: the console hands input over by lines
      assertWithMessage("console: %s", m.output()).that(Rig.finish(m))
          .isEqualTo(new Machine.Outcome.Idle(true));
      return m.memory().read64(pa(CMD_RESULT));
    }

    /** Writes a command block into the driver's memory. */
    private void putCommand(int op, long arg1, long arg2, String path, byte[] data) {
      PhysicalMemory mem = m.memory();
      mem.write64(pa(CMD_OP), op);
      mem.write64(pa(CMD_ARG1), arg1);
      mem.write64(pa(CMD_ARG2), arg2);
      mem.write64(pa(CMD_RESULT), 0x5a5a_5a5aL); // so a command that stored nothing shows
      byte[] p = Arrays.copyOf(path.getBytes(StandardCharsets.ISO_8859_1), 32);
      mem.write(pa(CMD_PATH), p, 0, p.length);
      mem.write(pa(CMD_DATA), data, 0, data.length);
    }

    /** The physical address of the driver's bss + off (Sv39 walk; one page suffices). */
    private long pa(int off) {
      Process p = Rig.process(m, driver);
      long va = BSS_VA + off;
      long table = p.pagetable();
      PhysicalMemory mem = m.memory();
      for (int level = 2; level > 0; level--) {
        long pte = mem.read64(table + 8 * ((va >>> (12 + 9 * level)) & 0x1ff));
        assertWithMessage("driver's page table at level %s", level).that(pte & 1).isEqualTo(1);
        table = (pte >>> 10) << 12;
      }
      long pte = mem.read64(table + 8 * ((va >>> 12) & 0x1ff));
      assertWithMessage("driver's bss page").that(pte & 1).isEqualTo(1);
      return ((pte >>> 10) << 12) + (va & 0xfff);
    }

    // ---- observable state

    /** Process table, the driver's descriptors and every file agree with the model. */
    void check(String when) {
      Map<Integer, Process> live = new TreeMap<>();
      for (Process p : m.proc().live()) {
        live.put(p.pid(), p);
      }
      assertWithMessage("pids %s", when).that(live.keySet())
          .containsExactlyElementsIn(procs.keySet());
      for (MProc mp : procs.values()) {
        Process p = live.get(mp.pid());
        assertWithMessage("state of %s %s", mp, when).that(p.state())
            .isEqualTo(mp.zombie() ? Process.State.ZOMBIE : Process.State.SLEEPING);
        if (mp.kind() != Kind.INIT) {
          assertWithMessage("parent of %s %s", mp, when).that(p.parentPid())
              .isEqualTo(mp.parent());
        }
        if (mp.zombie()) {
          assertWithMessage("status of %s %s", mp, when).that(p.exitStatus())
              .isEqualTo(mp.status());
        }
      }
      for (MProc mp : procs.values()) {
        if (mp.kind() != Kind.INIT && !mp.zombie()) {
          assertWithMessage("descriptors 3.. of %s %s", mp, when)
              .that(descriptors(live.get(mp.pid()))).isEqualTo(expectedDescriptors(mp));
        }
      }
      for (String path : ALL_PATHS) {
        Optional<byte[]> k = Rig.read(m, path);
        byte[] want = files.get(path);
        if (want == null) {
          assertWithMessage("%s %s", path, when).that(k.isPresent()).isFalse();
        } else {
          assertWithMessage("%s %s", path, when).that(k.isPresent()).isTrue();
          assertWithMessage("%s %s", path, when).that(k.get()).isEqualTo(want);
        }
      }
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
     * What the model gives mp: the driver its files; a parked child the two ends of its pipe
     * at 3 and 4 (it closed what it inherited first); a waiter nothing.
     */
    private SortedMap<Integer, Fd> expectedDescriptors(MProc mp) {
      SortedMap<Integer, Fd> out = new TreeMap<>();
      if (mp.pid() == driver) {
        out.putAll(fds);
      } else if (mp.kind() == Kind.PARKED) {
        out.put(3, new Fd("PIPE", 0, true, false));
        out.put(4, new Fd("PIPE", 0, false, true));
      }
      return out;
    }
  }

  // ------------------------------------------------------------------ the driver program

  /**
   * close(fd) for fd 3..NOFILE-1: a waiter or parked child keeps only the console of what it
   * inherits, so that the driver alone holds files (the model gives children no file
   * descriptions shared with the driver).
   */
  private static void closeInherited(Prog p) {
    String top = p.fresh();
    p.a.li(S1, 3).label(top).mv(A0, S1);
    p.sys(SYS_close);
    p.a.addi(S1, S1, 1).li(T0, Param.NOFILE).blt(S1, T0, top);
  }

  /** Where "bss" lies: the driver's code and data fit in its first page. */
  private static final long BSS_VA = 0x1000;
  /** Where the loop's read(0, bss, 1) ecall is: after la s0 (2 instructions) and 4 li. */
  private static final long READ_CALL_VA = 0x18;

  /**
   * The driver: s0 = bss. Loop: read(0, bss, 1); dispatch on the op at bss+8 with arguments at
   * bss+16 and bss+24, a path at bss+64 and data at bss+128; store a0 at bss+40. Children:
   * an exiter exits with its status; a parked child makes a pipe and reads it (it holds the
   * write end, so it blocks for good); a waiter forks a parked grandchild and waits for it.
   */
  static byte[] driver() {
    Prog p = new Prog();
    p.a.la(S0, "bss");
    p.a.label("loop");
    p.a.li(A0, 0).mv(A1, S0).li(A2, 1).li(A7, Xv6Abi.SYS_read).label("readcall").ecall();
    p.a.ld(T0, CMD_OP, S0);
    for (int op = OP_FORK_EXIT; op <= OP_CHILD_CKPT; op++) {
      p.a.li(T1, op).beq(T0, T1, "op" + op);
    }
    p.a.li(A0, -100).j("done");

    p.a.label("op" + OP_FORK_EXIT);
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done").ld(A0, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_exit);

    p.a.label("op" + OP_FORK_PARK);
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done").j("park");

    p.a.label("op" + OP_FORK_WAITER);
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done");
    closeInherited(p);
    p.sys(Xv6Abi.SYS_fork);
    p.a.beqz(A0, "park").li(A0, 0);
    p.sys(Xv6Abi.SYS_wait);
    p.exit(98);

    p.a.label("op" + OP_EXIT).ld(A0, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_exit);

    p.a.label("op" + OP_WAIT).addi(A0, S0, CMD_STATUS);
    p.sys(Xv6Abi.SYS_wait);
    p.a.j("done");

    p.a.label("op" + OP_KILL).ld(A0, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_kill);
    p.a.j("done");

    p.a.label("op" + OP_OPEN).addi(A0, S0, CMD_PATH).ld(A1, CMD_ARG1, S0);
    p.sys(SYS_open);
    p.a.j("done");

    p.a.label("op" + OP_WRITE).ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_DATA)
        .ld(A2, CMD_ARG2, S0);
    p.sys(Xv6Abi.SYS_write);
    p.a.j("done");

    p.a.label("op" + OP_READ).ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_READBUF)
        .ld(A2, CMD_ARG2, S0);
    p.sys(Xv6Abi.SYS_read);
    p.a.j("done");

    p.a.label("op" + OP_CLOSE).ld(A0, CMD_ARG1, S0);
    p.sys(SYS_close);
    p.a.j("done");

    p.a.label("op" + OP_CKPT).ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_PATH);
    p.sys(Xv6Abi.SYS_checkpoint);
    p.a.j("done");

    p.a.label("op" + OP_RESTORE).addi(A0, S0, CMD_PATH);
    p.sys(Xv6Abi.SYS_restore);
    p.a.j("done");

    // open(path, O_RDWR); read(fd, bss+1536, skip); write(fd, data, 8); close(fd)
    p.a.label("op" + OP_CORRUPT).addi(A0, S0, CMD_PATH).li(A1, O_RDWR);
    p.sys(SYS_open);
    p.a.bltz(A0, "done").mv(S1, A0).addi(A1, S0, 1536).ld(A2, CMD_ARG1, S0);
    p.sys(Xv6Abi.SYS_read);
    p.a.mv(A0, S1).addi(A1, S0, CMD_DATA).li(A2, 8);
    p.sys(Xv6Abi.SYS_write);
    p.a.mv(S2, A0).mv(A0, S1);
    p.sys(SYS_close);
    p.a.mv(A0, S2);

    p.a.label("done").sd(A0, CMD_RESULT, S0).j("loop");

    // a parked child: pipe(bss+512); read(p[0], bss+520, 1) blocks for good
    p.a.label("park");
    closeInherited(p);
    p.a.addi(A0, S0, 512);
    p.sys(SYS_pipe);
    p.a.lw(A0, 512, S0).addi(A1, S0, 520).li(A2, 1);
    p.sys(Xv6Abi.SYS_read);
    p.exit(99);

    // a child sleeps a tick, checkpoints the driver (pid in arg1) and exits with the result
    p.a.label("op" + OP_CHILD_CKPT);
    p.sys(Xv6Abi.SYS_fork);
    p.a.bnez(A0, "done").li(A0, 1);
    p.sys(Xv6Abi.SYS_sleep);
    p.a.ld(A0, CMD_ARG1, S0).addi(A1, S0, CMD_PATH);
    p.sys(Xv6Abi.SYS_checkpoint);
    p.sys(Xv6Abi.SYS_exit);
    byte[] elf = p.elf();
    if (p.a.address("bss") != BSS_VA || p.a.address("readcall") != READ_CALL_VA) {
      throw new AssertionError("driver's bss at 0x" + Long.toHexString(p.a.address("bss"))
          + ", its read call at 0x" + Long.toHexString(p.a.address("readcall")));
    }
    return elf;
  }
}
