package xv6ckpt.harness.fuzz;

import static xv6ckpt.harness.fuzz.UserPrograms.*;
import static xv6ckpt.specs.FsModel.ROOTINO;
import static xv6ckpt.testkit.Xv6Abi.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.Riscv;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.specs.FsModel;
import xv6ckpt.testkit.Xv6Abi;

/**
 * syscall-args: a fuzzed sequence of system calls issued by the syscall server ({@link
 * UserPrograms#server}) of a machine reset from a snapshot in which the server waits for its "go"
 * and a bystander process sleeps with a page of patterned data.
 *
 * <p>Input: {@code u8 k} then k fuzzed path strings ({@code u8 length, bytes}) for path slots 8..15
 * (slots 0..7 hold a fixed dictionary of useful paths), {@code u16 length, bytes} for the data
 * buffer, then calls: {@code u8 number} (mostly 1..21, sometimes out of range) and six arguments,
 * each {@code u8 kind} and the kind's value bytes (see {@link #arg}). Kinds aim pointers at mapped,
 * unmapped, guard, kernel-only (TRAPFRAME, TRAMPOLINE, at or above MAXVA) and straddling addresses.
 * kill(1) and kill(bystander) become kill(-1): killing init panics in stock xv6 by design, and the
 * bystander is the isolation witness.
 *
 * <p>Oracle: no Java exception, no panic; when every process the calls made is gone (the harness
 * kills what still runs or sleeps after the server's end), fsck is clean (checked as a live disk:
 * an inode the kernel still holds with no link left, such as the console after {@code
 * unlink("/console")} while init has it open, is xv6's open orphan, not a fault), the free page
 * count is the baseline, and the bystander's memory is unchanged. fsck runs only when the input
 * wrote a disk block: the disk as a reset leaves it (the mount after a reset rewrites the empty log
 * header, so it is not "no block written") is checked clean once, here, and an input that wrote no
 * further block and left every block byte-equal to it needs no second check.
 */
public final class SyscallArgsTarget implements FuzzTarget {
  private static final long BUDGET = 1_000_000;

  /**
   * The kernel and the harness, not the emulator: for targets that fuzz system calls, the emulator
   * only runs the user programs that issue them, and its interpreter loop, instrumented, cost most
   * of each execution while its edges (which instructions the server happened to run) say nothing
   * about the kernel paths reached.
   */
  static final String KERNEL_AND_HARNESS = "xv6ckpt.kernel.**:xv6ckpt.harness.**";

  /**
   * syscall-args in the target table. Campaigns add {@code -entropic_scale_per_exec_time=1}: the
   * entropic schedule then gives a slow seed less of the mutation budget (it is still kept and
   * mutated). Its slow seeds are fork chains that fill the process table and exhaust memory in
   * every process, tens of milliseconds each under instrumentation, which the fuzzer otherwise
   * keeps mutating: in 30 s runs back to back (harness README) about 1,000 exec/s and 2,170 edges
   * with the option, 191 exec/s and 2,122 edges without.
   */
  static final FuzzTargets.Entry ENTRY =
      new FuzzTargets.Entry(
          "syscall-args",
          SyscallArgsTarget::new,
          SyscallArgsFuzzer.class,
          KERNEL_AND_HARNESS,
          List.of("-entropic_scale_per_exec_time=1"),
          SyscallArgsTarget::describe,
          FuzzTargets.Entry.commonExpectation("syscall-args"),
          "xv6ckpt.harness.fuzz.SyscallArgsFuzzTest",
          "syscallArgs");

  /**
   * An input decoded: the fuzzed paths for slots 8.., the data buffer, and each call's seven words
   * (a7, then a0..a5) as the input gives them, before {@link #call} keeps kill away from init and
   * the bystander.
   */
  record Input(List<byte[]> paths, byte[] buffer, List<long[]> calls) {}

  /** The one decoding that {@link #run} and {@link #describe} share. */
  static Input decode(byte[] bytes) {
    ByteInput in = new ByteInput(bytes);
    int k = in.u8() % (PATH_SLOTS - DICTIONARY.length + 1);
    List<byte[]> paths = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      paths.add(in.bytes(in.u8() % 64));
    }
    byte[] buf = in.bytes(in.u16() % BUF_BYTES);
    List<long[]> calls = new ArrayList<>();
    while (!in.exhausted() && calls.size() < MAX_CALLS) {
      long[] w = new long[7];
      w[0] = number(in);
      for (int i = 1; i < 7; i++) {
        w[i] = arg(in);
      }
      calls.add(w);
    }
    return new Input(paths, buf, calls);
  }

  /** The input for people, call by call (numbers no call has as sys#N). */
  static String describe(byte[] bytes) {
    Input input = decode(bytes);
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < input.paths().size(); i++) {
      b.append("path slot ")
          .append(DICTIONARY.length + i)
          .append(": \"")
          .append(new String(input.paths().get(i), StandardCharsets.ISO_8859_1))
          .append("\"\n");
    }
    b.append("buffer: ").append(input.buffer().length).append(" bytes\n");
    for (int n = 0; n < input.calls().size(); n++) {
      long[] w = input.calls().get(n);
      String name = w[0] >= 1 && w[0] <= Xv6Abi.SYS_MAX ? Xv6Abi.name((int) w[0]) : "sys#" + w[0];
      b.append("call ").append(n).append(": ").append(name).append('(');
      for (int i = 1; i < 7; i++) {
        b.append(i == 1 ? "" : ", ").append("0x").append(Long.toHexString(w[i]));
      }
      b.append(")\n");
    }
    return b.toString();
  }

  /**
   * 8 MiB of RAM (2,048 pages), a quarter of the other targets': a full process table of servers
   * (NPROC copies of about 13 pages each) still fits with room for about 20 more pages per process,
   * and an input that exhausts memory (an sbrk of gigabytes makes the kernel allocate, map, unmap
   * and free every free page, in each process that issues it) costs a quarter as much.
   */
  static final Machine.Config CONFIG = Machines.FUZZ.withRam(8L * 1024 * 1024);

  private static final int ROUNDS = 8;
  static final String[] DICTIONARY = {
    "/README", "/", "/d", "/d/f", "/console", "/server", "new", "/d/../d/g",
  };

  private final MemoryBlockDevice disk;

  /** The disk's blocks right after a reset, which fsck found clean. */
  private final byte[][] cleanBlocks;

  /** Blocks a reset itself writes (the mount's log header), before the input runs. */
  private final int resetDirty;

  private final Machine m;
  private final Machine.Snapshot snap;
  private final int baselineFree;
  private final int bystanderPid;
  private final int serverPid;

  /** The bystander's memory in the snapshot ({@link UserPages#userBytes}). */
  private final byte[][] bystanderPages;

  /** The spec's model of the file system as the snapshot's disk holds it (copied per input). */
  private final FsModel fsModel;

  /** Open files of processes the model does not run (init, the bystander), and the console's. */
  private final int nfileOutside;

  private final int consoleInum;

  public SyscallArgsTarget() {
    MemoryBlockDevice disk =
        Disks.make(
            Disks.SMALL,
            List.of(
                new Mkfs.FileNode("server", UserPrograms.server()),
                new Mkfs.FileNode("bystander", UserPrograms.bystander()),
                new Mkfs.FileNode(
                    "README", "xv6-ckpt syscall-args target\n".getBytes(StandardCharsets.UTF_8)),
                new Mkfs.DirNode("d", List.of(new Mkfs.FileNode("f", new byte[3000])))));
    this.disk = disk;
    m = Machines.runner(disk, CONFIG);
    bystanderPid = start("/bystander");
    settle();
    baselineFree = m.kalloc().freePages();
    bystanderPages = UserPages.userBytes(m.memory(), process(bystanderPid));
    serverPid = start("/server");
    settle();
    fillDictionary();
    m.consoleInput("g");
    m.endConsoleInput();
    snap = m.snapshot();
    m.reset(snap);
    resetDirty = disk.dirtyBlocks();
    cleanBlocks = blocks(disk);
    Fsck.Report r = Fsck.check(disk);
    if (!r.clean()) {
      throw new IllegalStateException(
          "syscall-args setup: the snapshot's disk is not fsck-clean: " + r.violations());
    }
    consoleInum =
        (int)
            m.fs()
                .namei("/console".getBytes(StandardCharsets.UTF_8), m.fs().root())
                .orElseThrow(() -> new IllegalStateException("syscall-args setup: no /console"))
                .inum();
    fsModel = ModelJudge.fsModel(disk, List.of((long) ROOTINO, (long) consoleInum));
    nfileOutside = m.files().openFiles() - 1; // all but the server's console
    m.reset(snap);
  }

  private static byte[][] blocks(MemoryBlockDevice d) {
    byte[][] out = new byte[(int) d.blockCount()][d.blockSize()];
    for (int b = 0; b < out.length; b++) {
      d.read(b, out[b]);
    }
    return out;
  }

  /**
   * Whether the input wrote no block beyond the reset's own and every block is as fsck saw it. Only
   * written blocks can differ: the others hold the snapshot's contents, as they did when fsck saw
   * them (the reset's own writes are written blocks every time).
   */
  private boolean diskUntouched() {
    if (disk.dirtyBlocks() != resetDirty) {
      return false;
    }
    byte[] buf = new byte[disk.blockSize()];
    for (long b : disk.writtenBlocks()) {
      disk.read(b, buf);
      if (!Arrays.equals(buf, cleanBlocks[(int) b])) {
        return false;
      }
    }
    return true;
  }

  /** The machine, for tests that look at what an input reached ({@link Machine#exhausted}). */
  Machine machine() {
    return m;
  }

  /** Free pages while the server waits for its go (what every input must give back). */
  int baselineFreePages() {
    return baselineFree;
  }

  @Override
  public String name() {
    return ENTRY.name();
  }

  private int start(String path) {
    try {
      return m.spawn(path, List.of(path.substring(1)));
    } catch (Machine.BootException e) {
      throw new IllegalStateException("syscall-args setup: " + e.getMessage(), e);
    }
  }

  /** Runs until everything sleeps (the setup's programs block at once). */
  private void settle() {
    Machine.Outcome o = m.run(BUDGET);
    if (!(o instanceof Machine.Outcome.Idle)) {
      throw new IllegalStateException(
          "syscall-args setup: expected every process asleep, got " + o + "\n" + m.output());
    }
  }

  private Process process(int pid) {
    return m.proc()
        .byPid(pid)
        .orElseThrow(
            () -> new IllegalStateException("syscall-args setup: pid " + pid + " is gone"));
  }

  private void fillDictionary() {
    for (int i = 0; i < DICTIONARY.length; i++) {
      writePath(i, DICTIONARY[i].getBytes(StandardCharsets.UTF_8));
    }
  }

  private void writePath(int slot, byte[] s) {
    byte[] b = new byte[Math.min(s.length, PATH_SLOT - 1) + 1];
    System.arraycopy(s, 0, b, 0, b.length - 1);
    UserPages.write(m.memory(), process(serverPid), PATHS + (long) slot * PATH_SLOT, b);
  }

  @Override
  public Verdict run(byte[] input) {
    m.reset(snap);
    m.takeOutput();
    try {
      int calls = load(input);
      return judge(calls);
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, m);
    }
  }

  /** Writes the input's paths, buffer and call table into the server; returns the call count. */
  private int load(byte[] bytes) {
    Input input = decode(bytes);
    for (int i = 0; i < input.paths().size(); i++) {
      writePath(DICTIONARY.length + i, input.paths().get(i));
    }
    UserPages.write(m.memory(), process(serverPid), BUF, input.buffer());
    UserPages.write(m.memory(), process(serverPid), TABLE, table(input, Set.of(1, bystanderPid)));
    return input.calls().size();
  }

  /**
   * The server's call table for an input: the count, then each call as the server makes it (a7 then
   * a0..a5), kill of a pid in {@code keep} (init, the bystander, and on a C kernel the shell and
   * the reaper) made kill(-1).
   */
  static byte[] table(Input input, Set<Integer> keep) {
    byte[] table = new byte[8 + MAX_CALLS * ENTRY_BYTES];
    int n = 0;
    for (long[] words : input.calls()) {
      long[] w = call(words, keep);
      for (int i = 0; i < 7; i++) {
        putLong(table, 8 + n * ENTRY_BYTES + 8 * i, w[i]);
      }
      n++;
    }
    putLong(table, 0, n);
    return table;
  }

  /** One call as the server makes it: a7 then a0..a5, kill of a kept pid as kill(-1). */
  private static long[] call(long[] words, Set<Integer> keep) {
    long[] w = words.clone();
    if (w[0] == SYS_kill && keep.contains((int) w[1])) {
      w[1] = -1;
    }
    return w;
  }

  private static long number(ByteInput in) {
    int b = in.u8();
    if (b < 0xf0) {
      return 1 + b % SYS_MAX_STOCK;
    }
    long[] odd = {
      0, 22, 23, 24, 255, -1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 32 | SYS_getpid
    };
    return odd[b % odd.length];
  }

  /** One argument word; the kind byte says where it points or what it counts. */
  private static long arg(ByteInput in) {
    int kind = in.u8() % 16;
    switch (kind) {
      case 0:
        return (byte) in.u8(); // small: fds, pids, flags, -1
      case 1:
        return in.i64();
      case 2:
        return BUF + in.u16() % BUF_BYTES;
      case 3:
        return PATHS + (long) in.below(PATH_SLOTS) * PATH_SLOT;
      case 4:
        return in.u16(); // a length
      case 5:
        return SERVER_SIZE + (long) in.u8() * Riscv.PGSIZE + in.u16() % Riscv.PGSIZE;
      case 6:
        return SERVER_GUARD + in.u16() % Riscv.PGSIZE;
      case 7:
        return SERVER_GUARD - 1 - in.u8() % 64; // a buffer running into the guard page
      case 8:
        return SERVER_SIZE - 1 - in.u8() % 64; // off the top of the stack
      case 9:
        return Riscv.TRAPFRAME + in.u16() % Riscv.PGSIZE;
      case 10:
        return Riscv.TRAMPOLINE + in.u16() % Riscv.PGSIZE;
      case 11:
        return (in.u8() & 1) == 0 ? Riscv.MAXVA + in.u16() : -1L - in.u16();
      case 12:
        return Riscv.KERNBASE + (in.i32() & 0xffffffffL);
      case 13:
        return openFlags(in.u8());
      case 14:
        return in.u16() % 0x1000; // the server's own code
      default:
        return TABLE + in.u16() % 0x1000; // the server's own call table
    }
  }

  private static long openFlags(int b) {
    int[] modes = {O_RDONLY, O_WRONLY, O_RDWR, 3};
    return modes[b & 3] | ((b & 4) != 0 ? O_CREATE : 0) | ((b & 8) != 0 ? O_TRUNC : 0);
  }

  private static void putLong(byte[] b, int off, long v) {
    for (int i = 0; i < 8; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  private Verdict judge(int calls) {
    serverExit = "no exit";
    modelNote = "";
    String exit = serverExit;
    boolean killed = false;
    ModelJudge model = new ModelJudge(m, fsModel, nfileOutside, consoleInum, serverPid);
    for (int round = 0; round < ROUNDS; round++) {
      Machine.Outcome o;
      if (round == 0) {
        Judged j = judged(model);
        if (j.divergence().isPresent()) {
          ModelJudge.Divergence d = j.divergence().get();
          return new Verdict.Fail(d.rule(), d.detail(), m.output(), "");
        }
        o = j.outcome();
        exit = serverExit;
        modelNote = model.lost().map(why -> ", model gave up: " + why).orElse("");
      } else {
        o = m.run(BUDGET);
      }
      if (o instanceof Machine.Outcome.Panicked) {
        return Verdicts.panicked(
            ((Machine.Outcome.Panicked) o).message(), m, "after " + plural(calls, "call"));
      }
      if (o instanceof Machine.Outcome.Exited) {
        exit = "server exit " + ((Machine.Outcome.Exited) o).status();
        continue;
      }
      if (othersGone()) {
        return invariants(calls, exit, killed);
      }
      killed = true;
      killOthers(); // spent its budget or sleeps for ever: end it as a shutdown would
    }
    return new Verdict.Fail(
        "unkillable",
        "processes still alive after " + ROUNDS + " rounds of kill: " + m.proc().live().size(),
        m.output(),
        "");
  }

  /** The first round's end: how the run stopped, or the model's first divergence. */
  private record Judged(Machine.Outcome outcome, Optional<ModelJudge.Divergence> divergence) {
    Judged(Machine.Outcome outcome) {
      this(outcome, Optional.empty());
    }

    Judged(ModelJudge.Divergence d) {
      this(null, Optional.of(d));
    }
  }

  /**
   * The first round: the budget run stop by stop, every returning call judged by the model until it
   * diverges or gives up. What follows the model's end runs as before.
   */
  private Judged judged(ModelJudge model) {
    long start = m.cycles();
    for (; ; ) {
      long left = BUDGET - (m.cycles() - start);
      if (left <= 0) {
        return new Judged(new Machine.Outcome.BudgetSpent());
      }
      if (model.lost().isPresent()) {
        return new Judged(m.run(left));
      }
      Machine.Outcome o = m.run(left, ANY_RETURN);
      if (!(o instanceof Machine.Outcome.SyscallReturned r)) {
        Optional<ModelJudge.Divergence> d =
            o instanceof Machine.Outcome.Panicked ? Optional.empty() : model.exits(-1);
        if (d.isPresent()) {
          return new Judged(d.get());
        }
        if (o instanceof Machine.Outcome.Exited e) {
          serverExit = "server exit " + e.status(); // its children may still run: judge on
          continue;
        }
        return new Judged(o);
      }
      Optional<ModelJudge.Divergence> d = model.onReturn(r.pid(), r.number());
      if (d.isPresent()) {
        return new Judged(d.get());
      }
    }
  }

  /** Why the model gave up on this input, for the summary ("" if it judged to the end). */
  private String modelNote = "";

  /** How the server ended in the judged round (its children may have gone on). */
  private String serverExit = "no exit";

  private static final Machine.Stop ANY_RETURN = new Machine.Stop.AnySyscallReturn();

  private boolean othersGone() {
    for (Process p : m.proc().live()) {
      if (p.pid() != 1 && p.pid() != bystanderPid) {
        return false;
      }
    }
    return true;
  }

  private void killOthers() {
    for (Process p : m.proc().live()) {
      if (p.pid() != 1 && p.pid() != bystanderPid) {
        m.proc().kill(p.pid());
      }
    }
  }

  private Verdict invariants(int calls, String exit, boolean killed) {
    String what =
        plural(calls, "call") + ", " + exit + (killed ? ", killed the rest" : "") + modelNote;
    int free = m.kalloc().freePages();
    if (free != baselineFree) {
      return new Verdict.Fail(
          "page-leak", (baselineFree - free) + " pages not freed after " + what, m.output(), "");
    }
    Process by = m.proc().byPid(bystanderPid).orElse(null);
    if (by == null || !Arrays.deepEquals(UserPages.userBytes(m.memory(), by), bystanderPages)) {
      return new Verdict.Fail(
          "isolation", "the bystander's memory changed (or it died) after " + what, m.output(), "");
    }
    if (diskUntouched()) {
      return new Verdict.Pass(what + ", no block written");
    }
    Fsck.Report r = Fsck.checkLive(disk, m.fs().inUse());
    if (!r.clean()) {
      return new Verdict.Fail(
          "fsck", "violations after " + what + ": " + r.violations(), m.output(), "");
    }
    return new Verdict.Pass(what);
  }

  /** "1 call", "2 calls". */
  private static String plural(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
