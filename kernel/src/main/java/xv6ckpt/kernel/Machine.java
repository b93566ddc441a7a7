package xv6ckpt.kernel;

import static xv6ckpt.kernel.Riscv.PGSIZE;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.Log;
import xv6ckpt.kernel.fs.Stat;

/**
 * One xv6 machine as a value: RAM, one hart, a disk, and all kernel state (process table, open-file
 * table, pipes, console, page allocator, mounted file system). Many machines live in one JVM;
 * nothing is static and mutable. Not thread-safe: one thread drives a machine.
 *
 * <p>Running: {@link #run} runs xv6's scheduler loop, {@link Proc#scheduler} (which also says how
 * time and context switches work), and turns a panic into an outcome. {@link #run(long, Stop)} can
 * also end right after a given process's system call returns to user mode ({@link
 * Stop.SyscallReturn}), for tools that inspect a call's effect before the process runs on.
 *
 * <p>Determinism: the run is a function of the disk, the console input, the configuration and the
 * seed (which, when not 0, varies each quantum's length pseudo-randomly).
 *
 * <p>Snapshots: {@link #snapshot()} captures RAM (copy-on-write pages), the hart, the kernel's Java
 * state (deep copies) and the disk; {@link #reset} returns to it. The disk must be a {@link
 * MemoryBlockDevice}, which keeps one snapshot: a machine can be reset to its latest snapshot (any
 * number of times). The file system is mounted afresh at reset (its caches are clean between system
 * calls), and open files get their inodes back by number.
 */
public final class Machine {

  /**
   * Machine parameters. {@code invariants}: check the kernel-wide invariant at every system call's
   * return (see the kernel README, "Invariant at every system call return"); on by default.
   */
  public record Config(long ramBytes, long quantum, long seed, boolean invariants) {
    public Config {
      if (ramBytes < 64 * PGSIZE || ramBytes % PGSIZE != 0 || ramBytes > PhysicalMemory.MAX_SIZE) {
        throw new IllegalArgumentException(
            "RAM of "
                + ramBytes
                + " bytes: need a multiple of "
                + PGSIZE
                + " between "
                + 64 * PGSIZE
                + " and "
                + PhysicalMemory.MAX_SIZE);
      }
      if (quantum < 1) {
        throw new IllegalArgumentException(
            "quantum must be at least 1 instruction, got " + quantum);
      }
    }

    /** xv6's 128 MiB, a quantum of 100,000 instructions, no jitter. */
    public static Config defaults() {
      return new Config(Riscv.DEFAULT_RAM, 100_000, 0, true);
    }

    public Config withRam(long bytes) {
      return new Config(bytes, quantum, seed, invariants);
    }

    public Config withQuantum(long q) {
      return new Config(ramBytes, q, seed, invariants);
    }

    public Config withSeed(long s) {
      return new Config(ramBytes, quantum, s, invariants);
    }

    public Config withInvariants(boolean on) {
      return new Config(ramBytes, quantum, seed, on);
    }
  }

  /** Why {@link #run} returned. */
  public sealed interface Outcome {
    /** The instruction budget is spent; the machine can run on. */
    record BudgetSpent() implements Outcome {}

    /**
     * No process can run. {@code waitingForInput}: some process waits for console input (give it
     * some, or end the input); otherwise nothing will ever run again.
     */
    record Idle(boolean waitingForInput) implements Outcome {}

    /** The watched process (see {@link #spawn}) exited with this status. */
    record Exited(int pid, int status) implements Outcome {}

    /** The kernel panicked ("panic: " + message on the console); the machine is dead. */
    record Panicked(String message) implements Outcome {}

    /**
     * Only with {@link Stop.SyscallReturn}: process pid has just returned to user mode from system
     * call {@code number} (a7 when it trapped). Its next user instruction has not run; its
     * registers ({@link #userRegisters}) hold the call's result in a0, or, after a restore or exec
     * that replaced it, the new image's registers and pc.
     */
    record SyscallReturned(int pid, long number) implements Outcome {}
  }

  /**
   * Where {@link #run(long, Stop)} may end before its budget is spent, in addition to the outcomes
   * every run has (idle, the watched process's exit, a panic). A stop is a fact about the kernel's
   * own control flow, so it is as deterministic as the run: stopping and then running on gives
   * exactly the run that did not stop.
   */
  public sealed interface Stop {
    /** No early stop: {@link #run(long)}. */
    Stop NONE = new None();

    /** Run to the budget. */
    record None() implements Stop {}

    /**
     * Stop as soon as process {@code pid} returns to user mode from a system call: the call
     * completed (returned a value, also -1 for an unknown number, or replaced the process's image
     * as restore and exec do) and pid's next user instruction has not run. A call that blocks has
     * not returned; the stop comes when the re-issued call completes. A call after which pid does
     * not return (exit, or killed at its return) is no stop.
     */
    record SyscallReturn(int pid) implements Stop {}

    /**
     * As {@link SyscallReturn}, for whichever process returns from a call: a judge that follows
     * every call of every process (the syscall model's, in the order the calls complete).
     */
    record AnySyscallReturn() implements Stop {}
  }

  /** Booting failed: the disk holds no usable file system or no usable program. */
  public static final class BootException extends Exception {
    public BootException(String message) {
      super(message);
    }
  }

  // ---------------------------------------------------------------- the hardware

  final PhysicalMemory mem;
  final Hart hart;
  private final BlockDevice disk;
  private final Config config;

  // ---------------------------------------------------------------- the kernel

  final Kalloc kalloc;
  final Vm vm;
  Fs fs; // mounted afresh at each reset
  final Proc proc; // the process table and the scheduler; its scheduler state is a SchedState
  final File files;
  final Console console;
  final Syscall syscall;
  final Exec exec;
  final Trap trap;
  final long trampoline; // the physical page mapped at TRAMPOLINE in every process
  final byte[] scratch = new byte[(int) PGSIZE];

  private String panicMessage; // not null once the kernel has panicked: the machine is dead

  /** The machine with a disk and RAM; no process yet (see {@link #boot} and {@link #runner}). */
  private Machine(BlockDevice disk, Config config) throws BootException {
    this.disk = disk;
    this.config = config;
    this.mem = new PhysicalMemory(config.ramBytes());
    this.hart = new Hart(mem);
    this.kalloc = new Kalloc(mem);
    this.vm = new Vm(mem, kalloc);
    this.trampoline = kalloc.kalloc();
    vm.zeroPage(trampoline);
    try {
      this.fs = Fs.mount(disk);
    } catch (KernelPanic e) {
      throw new BootException("cannot mount the file system: " + e.panicMessage());
    }
    this.proc = new Proc(this);
    this.files = new File(this);
    this.console = new Console(this);
    this.exec = new Exec(this);
    this.syscall =
        new Syscall(
            this, new SysProc(this), new SysFile(this), new Checkpoint(this), new Restore(this));
    this.trap = new Trap(this);
  }

  /** Boots xv6: pid 1 runs /init from the file system, with cwd /. */
  public static Machine boot(BlockDevice disk, Config config) throws BootException {
    try {
      return bootInit(disk, config);
    } catch (KernelPanic e) {
      throw new BootException("panic while booting: " + e.panicMessage());
    }
  }

  private static Machine bootInit(BlockDevice disk, Config config) throws BootException {
    Machine m = new Machine(disk, config);
    Process p = m.proc.allocproc();
    m.proc.initproc = p;
    p.cwd = m.fs.root();
    int argc =
        m.exec.exec(
            p,
            "/init".getBytes(StandardCharsets.UTF_8),
            List.of("init".getBytes(StandardCharsets.UTF_8)));
    if (argc < 0) {
      throw new BootException("cannot exec /init: missing or not an executable");
    }
    m.mem.write64(p.trapframe + Proc.tfReg(10), argc);
    p.setState(Process.State.RUNNABLE);
    return m;
  }

  /**
   * A machine for running one program: pid 1 is a kernel-made init that sleeps for ever and whose
   * children the kernel reaps as they exit (what xv6's init does with its wait loop), so orphans
   * are collected and the machine idles when nothing else runs. Use {@link #spawn} for the program.
   */
  public static Machine runner(BlockDevice disk, Config config) throws BootException {
    Machine m = new Machine(disk, config);
    Process p = m.proc.allocproc();
    m.proc.initproc = p;
    p.cwd = m.fs.root();
    if (m.vm.uvmalloc(p.pagetable, 0, PGSIZE, Riscv.PTE_X) == 0) {
      throw new BootException("no memory for init");
    }
    p.sz = PGSIZE;
    m.mem.write32(m.vm.walkaddr(p.pagetable, 0), 0x0000006f); // j . (never runs)
    p.name = "init";
    p.chan = Chan.NEVER;
    p.setState(Process.State.SLEEPING);
    m.proc.sched.autoReap = true;
    return m;
  }

  /**
   * Starts program path (resolved from /) with argv as a child of init, its file descriptors 0, 1
   * and 2 on the console (made as /console, major 1, if the file system lacks it, as xv6's init
   * does). {@link #run} reports its exit as {@link Outcome.Exited}.
   *
   * @return the new pid
   * @throws BootException if there is no free process or the program cannot be exec'd
   */
  public int spawn(String path, List<String> argv) throws BootException {
    if (panicMessage != null) {
      throw new BootException("the machine panicked: " + panicMessage);
    }
    try {
      return spawnChild(path, argv);
    } catch (KernelPanic e) {
      panic(e.panicMessage());
      throw new BootException("panic while starting " + path + ": " + e.panicMessage());
    }
  }

  private int spawnChild(String path, List<String> argv) throws BootException {
    Process p = proc.allocproc();
    if (p == null) {
      throw new BootException("no free process slot for " + path);
    }
    p.cwd = fs.root();
    p.parent = proc.initproc;
    if (!openConsole(p)) {
      proc.freeproc(p);
      throw new BootException("cannot open /console");
    }
    List<byte[]> args = new ArrayList<>();
    for (String a : argv) {
      args.add(a.getBytes(StandardCharsets.UTF_8));
    }
    int argc = exec.exec(p, path.getBytes(StandardCharsets.UTF_8), args);
    if (argc < 0) {
      proc.exit(p, -1);
      throw new BootException("exec " + path + " failed: no such program or not an executable");
    }
    mem.write64(p.trapframe + Proc.tfReg(10), argc);
    p.setState(Process.State.RUNNABLE);
    proc.sched.watchPid = p.pid;
    return p.pid;
  }

  private boolean openConsole(Process p) {
    byte[] path = "/console".getBytes(StandardCharsets.UTF_8);
    beginOpNow();
    Optional<Inode> ip = fs.namei(path, p.cwd);
    if (ip.isEmpty()) {
      Optional<Fs.Parent> parent = fs.nameiparent(path, p.cwd);
      Optional<Inode> made = fs.ialloc(Stat.T_DEVICE);
      if (parent.isEmpty() || made.isEmpty()) {
        endOp();
        return false;
      }
      Inode dp = parent.get().dir();
      Inode np = made.get();
      fs.ilock(np);
      np.setDevice((short) File.CONSOLE, (short) 0);
      np.setNlink((short) 1);
      fs.iupdate(np);
      fs.ilock(dp);
      boolean ok = fs.dirlink(dp, parent.get().name(), np.inum());
      fs.iunlockput(dp);
      if (!ok) {
        np.setNlink((short) 0);
        fs.iupdate(np);
        fs.iunlockput(np);
        endOp();
        return false;
      }
      fs.iunlock(np);
      ip = Optional.of(np);
    }
    endOp();
    OpenFile f = files.filealloc();
    if (f == null) {
      beginOpNow();
      fs.iput(ip.get());
      endOp();
      return false;
    }
    f.type = OpenFile.Type.DEVICE;
    f.major = File.CONSOLE;
    f.ip = ip.get();
    f.readable = true;
    f.writable = true;
    p.ofile[0] = f;
    p.ofile[1] = files.filedup(f);
    p.ofile[2] = files.filedup(f);
    return true;
  }

  // ---------------------------------------------------------------- the scheduler

  /**
   * Runs processes for at most {@code budget} instructions (retired user instructions, all
   * processes together).
   */
  public Outcome run(long budget) {
    return run(budget, Stop.NONE);
  }

  /**
   * Runs until the machine stops for a reason other than the budget (a watched process exits,
   * nothing can run, a panic), at most {@code maxInstructions}, in runs of a million: what a test
   * or tool means by "run it to the end". BudgetSpent if it never stopped.
   */
  public Outcome runUntilStopped(long maxInstructions) {
    Outcome o = new Outcome.BudgetSpent();
    for (long left = maxInstructions; left > 0; left -= 1_000_000) {
      o = run(Math.min(left, 1_000_000));
      if (!(o instanceof Outcome.BudgetSpent)) {
        return o;
      }
    }
    return o;
  }

  /**
   * As {@link #run(long)}, but returns {@link Outcome.SyscallReturned} where {@code stop} says. The
   * stop is checked after each trap is handled, so the machine stands between two user instructions
   * of the stopped process, in the middle of its quantum: a following run goes on as if there had
   * been no stop.
   */
  public Outcome run(long budget, Stop stop) {
    if (panicMessage != null) {
      return new Outcome.Panicked(panicMessage);
    }
    try {
      return proc.scheduler(budget, stop);
    } catch (KernelPanic e) {
      return panic(e.panicMessage());
    } catch (RuntimeException e) {
      return panic("kernel bug: " + e);
    }
  }

  private Outcome panic(String message) {
    panicMessage = message;
    console.printf("panic: " + message + "\n");
    return new Outcome.Panicked(message);
  }

  /** Ticks so far: quanta of instructions run, plus idle ticks. */
  public long ticks() {
    return proc.ticks();
  }

  /**
   * The user registers of process p as it will resume: x0..x31, then pc (33 values), from the hart
   * if p's registers are loaded, else from its trapframe. For tests and tools.
   */
  public long[] userRegisters(Process p) {
    return proc.userRegisters(p);
  }

  void copyPage(long from, long to) {
    mem.read(from, scratch, 0, (int) PGSIZE);
    mem.write(to, scratch, 0, (int) PGSIZE);
  }

  // ---------------------------------------------------------------- transactions

  /**
   * Blocks a file-system operation may log: xv6's MAXOPBLOCKS, plus the bitmap blocks when the file
   * system has more than one (freeing a large file touches each).
   */
  int reserveBlocks() {
    var sb = fs.superblock();
    long bitmapBlocks = sb.dataStart() - sb.bmapstart();
    return (int) Math.min(fs.log().capacity(), Param.MAXOPBLOCKS + bitmapBlocks - 1);
  }

  /**
   * begin_op where the caller cannot block. Single-threaded, every other operation has ended when a
   * system call starts, so the log always has room.
   */
  void beginOpNow() {
    fs.log().beginOpNow(reserveBlocks());
  }

  void endOp() {
    fs.log().endOp(reserveBlocks());
    proc.wakeup(Chan.LOG);
  }

  // ---------------------------------------------------------------- the console

  /** Queues console input, as if typed. */
  public void consoleInput(byte[] bytes) {
    console.input(bytes);
  }

  public void consoleInput(String s) {
    consoleInput(s.getBytes(StandardCharsets.UTF_8));
  }

  /** No more console input will come: a reader that finds none gets end of file. */
  public void endConsoleInput() {
    console.endInput();
  }

  /** Whether queued console input is still waiting to be read. */
  public boolean hasPendingInput() {
    return console.hasPendingInput();
  }

  /** Also sends console output to this stream as it is produced. */
  public void echoOutputTo(OutputStream s) {
    console.echoTo(s);
  }

  /** Everything written to the console since the last {@link #takeOutput}. */
  public String output() {
    return console.output();
  }

  /** Returns and forgets the console output so far. */
  public String takeOutput() {
    return console.takeOutput();
  }

  // ---------------------------------------------------------------- inspection

  public Kalloc kalloc() {
    return kalloc;
  }

  public Proc proc() {
    return proc;
  }

  public File files() {
    return files;
  }

  public Fs fs() {
    return fs;
  }

  public Hart hart() {
    return hart;
  }

  public PhysicalMemory memory() {
    return mem;
  }

  public Config config() {
    return config;
  }

  /** The disk (for fsck after a run, or a host-side look at the file system). */
  public BlockDevice disk() {
    return disk;
  }

  /** Instructions run so far by all processes (plus idle time skipped). */
  public long cycles() {
    return proc.sched.cycles;
  }

  /** System calls handled so far. */
  public long syscallCount() {
    return proc.sched.syscalls;
  }

  /** The panic message, if the kernel panicked. */
  public Optional<String> panicMessage() {
    return Optional.ofNullable(panicMessage);
  }

  /**
   * The fixed tables a system call found full since boot or the last reset (see {@link
   * Exhaustion}): how tests and fuzz targets show that they reach each one.
   */
  public java.util.Set<Exhaustion> exhausted() {
    java.util.Set<Exhaustion> out = java.util.EnumSet.noneOf(Exhaustion.class);
    for (Exhaustion e : Exhaustion.values()) {
      if ((proc.sched.exhausted & (1 << e.ordinal())) != 0) {
        out.add(e);
      }
    }
    if (fs.iallocFailures() > 0) {
      out.add(Exhaustion.DISK_INODES);
    }
    if (fs.ballocFailures() > 0) {
      out.add(Exhaustion.DISK_BLOCKS);
    }
    return out;
  }

  /** The log's state, for tests: no operation may be outstanding between system calls. */
  public Log log() {
    return fs.log();
  }

  // ---------------------------------------------------------------- snapshots

  /** A machine's state at one moment; see the class comment. */
  public static final class Snapshot {
    private final Machine owner;
    private final PhysicalMemory.Snapshot ram;
    private final long[] regs = new long[32];
    private final long pc;
    private final long instret;
    private final long satp;
    private final Kalloc.State kallocState;
    private final KernelState kernel;

    private Snapshot(Machine m) {
      this.owner = m;
      this.ram = m.mem.snapshot();
      for (int i = 1; i < 32; i++) {
        regs[i] = m.hart.x(i);
      }
      this.pc = m.hart.pc();
      this.instret = m.hart.instret();
      this.satp = m.hart.satp();
      this.kallocState = m.kalloc.save();
      this.kernel = KernelState.capture(m);
    }
  }

  /**
   * Captures the machine, including where the running process is in its quantum, so taking a
   * snapshot changes nothing about the run that follows. Costs a copy of the RAM pages written
   * since the previous snapshot and of the kernel's tables.
   *
   * @throws IllegalStateException if the disk is not a MemoryBlockDevice, or the machine is dead
   *     (panicked)
   */
  public Snapshot snapshot() {
    if (!(disk instanceof MemoryBlockDevice)) {
      throw new IllegalStateException(
          "snapshots need a MemoryBlockDevice disk, this machine has "
              + disk.getClass().getSimpleName());
    }
    if (panicMessage != null) {
      throw new IllegalStateException("machine panicked: " + panicMessage);
    }
    ((MemoryBlockDevice) disk).snapshot();
    return new Snapshot(this);
  }

  /** Returns the machine to {@code s}, which must be the latest snapshot taken of this machine. */
  public void reset(Snapshot s) {
    if (s.owner != this) {
      throw new IllegalArgumentException("snapshot belongs to another machine");
    }
    ((MemoryBlockDevice) disk).reset();
    mem.reset(s.ram);
    for (int i = 1; i < 32; i++) {
      hart.setX(i, s.regs[i]);
    }
    hart.setPc(s.pc);
    hart.setInstret(s.instret);
    hart.setSatp(s.satp);
    hart.clearReservation();
    kalloc.restore(s.kallocState);
    fs = fs.remount(); // the disk is the snapshot's: caches forgotten, buffers reused
    s.kernel.restoreInto(this);
    panicMessage = null;
  }
}
