package xv6ckpt.kernel;

import static xv6ckpt.kernel.Riscv.PGSIZE;
import static xv6ckpt.kernel.Riscv.PTE_R;
import static xv6ckpt.kernel.Riscv.PTE_W;
import static xv6ckpt.kernel.Riscv.PTE_X;
import static xv6ckpt.kernel.Riscv.TRAMPOLINE;
import static xv6ckpt.kernel.Riscv.TRAPFRAME;

import xv6ckpt.kernel.Process.State;

/**
 * xv6's {@code proc.c}: the process table (NPROC slots), process creation and destruction
 * (allocproc, fork, exit, wait, kill), sleep channels, and the scheduler with its context switch
 * ({@link #scheduler}, which {@link Machine#run} calls).
 *
 * <p>Scheduling is round-robin in table order, deterministic: after a process has run, the next
 * RUNNABLE one after it in the table goes next (xv6's scheduler loop over proc[]). The chosen
 * process runs on the hart for at most a quantum of instructions, stopping earlier at a trap, which
 * {@link Trap} handles (a system call, a fault, the end of the quantum). A context switch saves the
 * hart's registers and pc into the process's trapframe page, loads the next process's, sets satp
 * (flushing translations) and drops any LR reservation; it allocates nothing. Each process has its
 * own instruction counter (the hart's instret while it runs). Time: {@link #ticks} is the number of
 * quanta of instructions run so far; when every process sleeps and some wait for a tick, time jumps
 * to the earliest wake-up. The scheduler's state is one {@link SchedState}, which a snapshot copies
 * whole.
 *
 * <p>Sleeping: a blocking system call does not sleep inside the kernel (there are no kernel
 * threads); its handler returns {@link SysResult.Block}, the process becomes SLEEPING on a channel
 * with pc at its ecall, and {@link #wakeup} makes it RUNNABLE to re-issue the call.
 */
public final class Proc {
  private final Machine m;
  final Process[] procs = new Process[Param.NPROC];
  final Slots slots = new Slots();
  int nextpid = 1;
  Process initproc;
  SchedState sched; // replaced whole at reset

  /** Registers in transit between the hart and a trapframe (x0..x31; x0 unused). */
  private final long[] regs = new long[32];

  Proc(Machine m) {
    this.m = m;
    this.sched = new SchedState(m.config().seed());
    for (int i = 0; i < procs.length; i++) {
      procs[i] = new Process(i, slots);
    }
  }

  /**
   * Which slots are in use (not UNUSED), SLEEPING and RUNNABLE, as bit sets that {@link
   * Process#setState} keeps equal to the slots' states. The loops over the table visit only the
   * slots that can match, in table order as xv6's loops over proc[], and find them with the bit
   * sets' word scans: a visit per slot costs little in itself, but under the fuzzer every loop test
   * and compare in kernel code is an instrumented call, and most slots are UNUSED.
   */
  static final class Slots {
    final java.util.BitSet used = new java.util.BitSet(Param.NPROC);
    final java.util.BitSet sleeping = new java.util.BitSet(Param.NPROC);
    final java.util.BitSet runnable = new java.util.BitSet(Param.NPROC);

    void changed(int slot, State to) {
      used.set(slot, to != State.UNUSED);
      sleeping.set(slot, to == State.SLEEPING);
      runnable.set(slot, to == State.RUNNABLE);
    }
  }

  /** The process with this pid, if it exists (any state but UNUSED). */
  public java.util.Optional<Process> byPid(int pid) {
    for (int s = slots.used.nextSetBit(0); s >= 0; s = slots.used.nextSetBit(s + 1)) {
      if (procs[s].pid == pid) {
        return java.util.Optional.of(procs[s]);
      }
    }
    return java.util.Optional.empty();
  }

  /** Processes not UNUSED, in table order. */
  public java.util.List<Process> live() {
    java.util.List<Process> out = new java.util.ArrayList<>();
    for (int s = slots.used.nextSetBit(0); s >= 0; s = slots.used.nextSetBit(s + 1)) {
      out.add(procs[s]);
    }
    return out;
  }

  /**
   * Looks in the process table for an UNUSED proc. If found, initializes the state required to run
   * in the kernel: a pid, a trapframe page and a page table with the trampoline and trapframe
   * mapped.
   *
   * @return the process (state USED), or null if there are no free procs or memory ran out
   */
  Process allocproc() {
    int slot = slots.used.nextClearBit(0); // the first UNUSED slot
    if (slot >= procs.length) {
      exhausted(Exhaustion.PROCESSES);
      return null;
    }
    Process p = procs[slot];
    p.pid = nextpid++;
    p.setState(State.USED);
    p.trapframe = m.kalloc.kalloc(); // Allocate a trapframe page.
    if (p.trapframe == 0) {
      freeproc(p);
      return null;
    }
    m.vm.zeroPage(p.trapframe);
    p.pagetable = procPagetable(p); // An empty user page table.
    if (p.pagetable == 0) {
      freeproc(p);
      return null;
    }
    return p;
  }

  /** Notes that a fixed table was found full (see {@link Machine#exhausted}). */
  void exhausted(Exhaustion e) {
    sched.exhausted |= 1 << e.ordinal();
  }

  /** Frees a proc structure and the data hanging from it, including user pages. */
  void freeproc(Process p) {
    if (p.trapframe != 0) {
      m.kalloc.kfree(p.trapframe);
    }
    p.trapframe = 0;
    if (p.pagetable != 0) {
      procFreepagetable(p.pagetable, p.sz);
    }
    if (sched.loaded == p) {
      sched.loaded = null;
    }
    p.pagetable = 0;
    p.sz = 0;
    p.pid = 0;
    p.parent = null;
    p.name = "";
    p.chan = 0;
    p.killed = false;
    p.xstate = 0;
    p.instret = 0;
    p.restart = null;
    p.cwdPath = new byte[] {'/'};
    p.setState(State.UNUSED);
  }

  /**
   * Creates a user page table for a given process, with no user memory, but with the trampoline and
   * trapframe pages (neither with PTE_U: user code cannot touch them).
   *
   * @return its address, or 0 if memory ran out
   */
  long procPagetable(Process p) {
    long pagetable = m.vm.uvmcreate();
    if (pagetable == 0) {
      return 0;
    }
    if (m.vm.mappages(pagetable, TRAMPOLINE, PGSIZE, m.trampoline, PTE_R | PTE_X) < 0) {
      m.vm.uvmfree(pagetable, 0);
      return 0;
    }
    if (m.vm.mappages(pagetable, TRAPFRAME, PGSIZE, p.trapframe, PTE_R | PTE_W) < 0) {
      m.vm.uvmunmap(pagetable, TRAMPOLINE, 1, false);
      m.vm.uvmfree(pagetable, 0);
      return 0;
    }
    return pagetable;
  }

  /** Frees a process's page table, and frees the physical memory it refers to. */
  void procFreepagetable(long pagetable, long sz) {
    m.vm.uvmunmap(pagetable, TRAMPOLINE, 1, false);
    m.vm.uvmunmap(pagetable, TRAPFRAME, 1, false);
    m.vm.uvmfree(pagetable, sz);
  }

  /**
   * Grows or shrinks user memory by n bytes.
   *
   * @return 0 on success, -1 on failure
   */
  int growproc(Process p, int n) {
    long sz = p.sz;
    if (n > 0) {
      if (sz + n > TRAPFRAME) {
        return -1;
      }
      sz = m.vm.uvmalloc(p.pagetable, sz, sz + n, PTE_W);
      if (sz == 0) {
        return -1;
      }
    } else if (n < 0) {
      sz = m.vm.uvmdealloc(p.pagetable, sz, sz + n);
    }
    p.sz = sz;
    return 0;
  }

  /**
   * Creates a new process, copying the parent (which is running: its registers are in the hart).
   * Sets up the child to return from fork() with 0.
   *
   * @return the child's pid, or -1
   */
  int fork(Process p) {
    Process np = allocproc();
    if (np == null) {
      return -1;
    }
    if (m.vm.uvmcopy(p.pagetable, np.pagetable, p.sz) < 0) { // Copy user memory.
      freeproc(np);
      return -1;
    }
    np.sz = p.sz;
    saveContext(p); // copy saved user registers.
    m.copyPage(p.trapframe, np.trapframe);
    m.mem.write64(np.trapframe + tfReg(10), 0); // Cause fork to return 0 in the child.
    for (int i = 0; i < Param.NOFILE; i++) { // increment reference counts on open files.
      if (p.ofile[i] != null) {
        np.ofile[i] = m.files.filedup(p.ofile[i]);
      }
    }
    np.cwd = m.fs.idup(p.cwd);
    np.cwdPath = p.cwdPath;
    np.name = p.name;
    np.parent = p;
    np.setState(State.RUNNABLE);
    return np.pid;
  }

  /** Passes p's abandoned children to init. */
  private void reparent(Process p) {
    for (int s = slots.used.nextSetBit(0); s >= 0; s = slots.used.nextSetBit(s + 1)) {
      Process pp = procs[s]; // (an UNUSED slot has no parent)
      if (pp.parent == p) {
        pp.parent = initproc;
        wakeup(Chan.proc(initproc.slot));
        if (sched.autoReap && pp.state() == State.ZOMBIE) {
          freeproc(pp); // init's wait loop, done by the kernel
        }
      }
    }
  }

  /**
   * Exits the process p. It remains a zombie until its parent calls wait().
   *
   * @throws KernelPanic "init exiting" if p is init
   */
  void exit(Process p, int status) {
    if (p == initproc) {
      throw new KernelPanic("init exiting");
    }
    for (int fd = 0; fd < Param.NOFILE; fd++) { // Close all open files.
      if (p.ofile[fd] != null) {
        OpenFile f = p.ofile[fd];
        p.ofile[fd] = null;
        m.files.fileclose(f);
      }
    }
    m.beginOpNow();
    m.fs.iput(p.cwd);
    m.endOp();
    p.cwd = null;
    reparent(p); // Give any children to init.
    if (p.parent != null) {
      wakeup(Chan.proc(p.parent.slot)); // Parent might be sleeping in wait().
    }
    p.xstate = status;
    p.setState(State.ZOMBIE);
    p.restart = null;
    if (sched.loaded == p) {
      p.instret = m.hart.instret();
      sched.loaded = null; // its registers are of no further use
    }
    if (p.pid == sched.watchPid && sched.watchPid != 0) {
      sched.pendingExit = new Machine.Outcome.Exited(p.pid, p.xstate); // the next run reports it
    }
    if (sched.autoReap && p.parent == initproc) {
      freeproc(p); // init's wait loop, done by the kernel
    }
  }

  /**
   * Waits for a child process to exit; copies its exit status to user address addr (unless 0) and
   * frees it.
   *
   * @return the child's pid; -1 if p has no children, is killed, or addr is bad; or Block
   */
  SysResult wait(Process p, long addr) {
    boolean havekids = false;
    // Scan through table looking for exited children (an UNUSED slot has no parent).
    for (int s = slots.used.nextSetBit(0); s >= 0; s = slots.used.nextSetBit(s + 1)) {
      Process pp = procs[s];
      if (pp.parent != p) {
        continue;
      }
      havekids = true;
      if (pp.state() == State.ZOMBIE) {
        int pid = pp.pid;
        if (addr != 0) {
          byte[] st = new byte[4];
          File.putLe(st, 0, pp.xstate, 4);
          if (m.vm.copyout(p.pagetable, p.sz, addr, st, 0, 4) < 0) {
            return SysResult.MINUS_ONE;
          }
        }
        freeproc(pp);
        return SysResult.ret(pid);
      }
    }
    if (!havekids || p.killed) { // No point waiting if we don't have any children.
      return SysResult.MINUS_ONE;
    }
    return new SysResult.Block(Chan.proc(p.slot)); // Wait for a child to exit.
  }

  /** Wakes up all processes sleeping on channel chan. */
  void wakeup(long chan) {
    for (int s = slots.sleeping.nextSetBit(0); s >= 0; s = slots.sleeping.nextSetBit(s + 1)) {
      if (procs[s].chan == chan) {
        procs[s].setState(State.RUNNABLE);
      }
    }
  }

  /** Whether some process sleeps on chan. */
  boolean anySleepingOn(long chan) {
    for (int s = slots.sleeping.nextSetBit(0); s >= 0; s = slots.sleeping.nextSetBit(s + 1)) {
      if (procs[s].chan == chan) {
        return true;
      }
    }
    return false;
  }

  /**
   * Kills the process with the given pid. The victim won't exit until it tries to return to user
   * space (see usertrap() in trap.c).
   *
   * @return 0, or -1 if there is no such process
   */
  public int kill(int pid) {
    for (int s = slots.used.nextSetBit(0); s >= 0; s = slots.used.nextSetBit(s + 1)) {
      Process p = procs[s];
      if (p.pid == pid) {
        p.killed = true;
        if (p.state() == State.SLEEPING) {
          p.setState(State.RUNNABLE); // Wake process from sleep().
        }
        return 0;
      }
    }
    return -1;
  }

  /** The next RUNNABLE process after the one that ran last, in table order, or null. */
  Process pickNext() {
    int s = slots.runnable.nextSetBit(sched.lastRun + 1); // after lastRun, then from the start
    if (s < 0) {
      s = slots.runnable.nextSetBit(0);
    }
    if (s < 0) {
      return null;
    }
    sched.lastRun = s;
    return procs[s];
  }

  private static final String[] STATES = {"unused", "used", "sleep ", "runble", "run   ", "zombie"};

  /** Prints a process listing to the console (^P). */
  void procdump() {
    StringBuilder sb = new StringBuilder("\n");
    for (Process p : procs) {
      if (p.state() == State.UNUSED) {
        continue;
      }
      sb.append(p.pid).append(' ').append(STATES[p.state().ordinal()]).append(' ').append(p.name);
      sb.append('\n');
    }
    m.console.printf(sb.toString());
  }

  // ---------------------------------------------------------------- the scheduler

  /**
   * xv6's scheduler(): runs processes for at most {@code budget} instructions (retired user
   * instructions, all processes together), or until {@code stop} says (see {@link Machine.Stop};
   * checked after each trap is handled, so a following run goes on as if there had been no stop).
   * Throws KernelPanic for {@link Machine#run} to report.
   */
  Machine.Outcome scheduler(long budget, Machine.Stop stop) {
    SchedState s = sched;
    long done = 0;
    for (; ; ) {
      if (s.pendingExit != null) {
        Machine.Outcome o = s.pendingExit;
        s.pendingExit = null;
        return o;
      }
      if (done >= budget) {
        return new Machine.Outcome.BudgetSpent();
      }
      Process p = s.current;
      if (p == null || p.state() != State.RUNNING) {
        p = pickNext();
        if (p == null) {
          if (idleTick()) {
            continue;
          }
          return new Machine.Outcome.Idle(anySleepingOn(Chan.CONSOLE));
        }
        switchTo(p);
        p.setState(State.RUNNING);
        s.current = p;
        s.quantumLeft = nextQuantum();
        if (p.killed) {
          exit(p, -1);
          continue;
        }
      }
      long slice = Math.min(s.quantumLeft, budget - done);
      long before = m.hart.instret();
      xv6ckpt.emulator.Trap t = m.hart.run(slice);
      long ran = m.hart.instret() - before;
      done += ran;
      s.cycles += ran;
      s.quantumLeft -= ran;
      long number = Syscall.number(m.hart.x(17)); // before the trap is handled: restore replaces a7
      m.trap.usertrap(p, t);
      if (p.state() != State.RUNNING) {
        s.current = null;
      }
      advanceTicks();
      if (returnedFromSyscall(stop, p, t)) {
        return new Machine.Outcome.SyscallReturned(p.pid, number);
      }
    }
  }

  /**
   * Whether trap t of p was a system call after which p returns to user mode, and stop asks to stop
   * there. RUNNING after the call means it neither blocked (SLEEPING), nor exited or was killed
   * (ZOMBIE), nor gave up the hart; the hart's pc is then p's next instruction.
   */
  private static boolean returnedFromSyscall(
      Machine.Stop stop, Process p, xv6ckpt.emulator.Trap t) {
    boolean watched =
        stop instanceof Machine.Stop.AnySyscallReturn
            || (stop instanceof Machine.Stop.SyscallReturn
                && ((Machine.Stop.SyscallReturn) stop).pid() == p.pid);
    return watched && t instanceof xv6ckpt.emulator.Trap.Ecall && p.state() == State.RUNNING;
  }

  /** The timer: yield if the process's quantum is spent (not if only the run's budget is). */
  void timerInterrupt(Process p) {
    if (sched.quantumLeft == 0) {
      p.setState(State.RUNNABLE); // yield
    }
  }

  private long nextQuantum() {
    long q = m.config().quantum();
    if (m.config().seed() == 0 || q < 2) {
      return q;
    }
    long rng = sched.rng;
    rng ^= rng << 13; // xorshift64
    rng ^= rng >>> 7;
    rng ^= rng << 17;
    sched.rng = rng;
    return q / 2 + Long.remainderUnsigned(rng, q);
  }

  /** Ticks so far: quanta of instructions run, plus idle ticks. */
  long ticks() {
    return sched.cycles / m.config().quantum();
  }

  private void advanceTicks() {
    long t = ticks();
    if (t != sched.lastTick) {
      sched.lastTick = t;
      wakeup(Chan.TICKS);
    }
  }

  /** Nothing can run: lets time pass to the earliest sleep's end, if anyone sleeps on time. */
  private boolean idleTick() {
    long until = Long.MAX_VALUE;
    for (int s = slots.sleeping.nextSetBit(0); s >= 0; s = slots.sleeping.nextSetBit(s + 1)) {
      Process p = procs[s];
      if (p.chan == Chan.TICKS) {
        long u =
            p.restart instanceof Restart.Sleep ? ((Restart.Sleep) p.restart).until() : ticks() + 1;
        until = Math.min(until, u);
      }
    }
    if (until == Long.MAX_VALUE) {
      return false;
    }
    sched.cycles = Math.max(sched.cycles, until * m.config().quantum());
    advanceTicks();
    wakeup(Chan.TICKS);
    return true;
  }

  // ---------------------------------------------------------------- the context switch

  /** Offset in the trapframe of saved register x{@code i} (xv6's struct trapframe). */
  static int tfReg(int i) {
    return 32 + 8 * i;
  }

  private static final int TF_EPC = 24;

  /** Makes p's registers the hart's (swtch, and usertrapret's reload of the trapframe). */
  void switchTo(Process p) {
    SchedState s = sched;
    if (s.loaded == p) {
      return;
    }
    if (s.loaded != null) {
      saveContext(s.loaded);
    }
    m.mem.readLongs(p.trapframe + tfReg(1), regs, 1, 31); // x1..x31 lie one after another
    m.hart.setRegisters(regs);
    m.hart.setPc(m.mem.read64(p.trapframe + TF_EPC) & ~1L);
    m.hart.setInstret(p.instret);
    m.hart.setSatp(Riscv.makeSatp(p.pagetable));
    m.hart.clearReservation();
    s.seenUnmaps = m.vm.unmaps;
    s.loaded = p;
  }

  /** Saves the hart's registers into p's trapframe (p must be loaded). */
  void saveContext(Process p) {
    m.hart.registers(regs);
    m.mem.writeLongs(p.trapframe + tfReg(1), regs, 1, 31);
    m.mem.write64(p.trapframe + TF_EPC, m.hart.pc());
    p.instret = m.hart.instret();
  }

  /** After a system call: flush translations if p's mappings shrank or its table changed. */
  void syncTranslation(Process p) {
    SchedState s = sched;
    if (s.loaded == p
        && (s.seenUnmaps != m.vm.unmaps || m.hart.satp() != Riscv.makeSatp(p.pagetable))) {
      m.hart.setSatp(Riscv.makeSatp(p.pagetable));
      s.seenUnmaps = m.vm.unmaps;
    }
  }

  /** Sets pc, sp and a1 of p (exec's new image), in the hart or the trapframe. */
  void setUserEntry(Process p, long entry, long sp, long a1) {
    if (sched.loaded == p) {
      m.hart.setPc(entry & ~1L);
      m.hart.setX(2, sp);
      m.hart.setX(11, a1);
    } else {
      m.mem.write64(p.trapframe + TF_EPC, entry & ~1L);
      m.mem.write64(p.trapframe + tfReg(2), sp);
      m.mem.write64(p.trapframe + tfReg(11), a1);
    }
  }

  /** p's user registers x0..x31 and pc as it will resume: see {@link Machine#userRegisters}. */
  long[] userRegisters(Process p) {
    if (p.trapframe == 0) {
      throw new IllegalArgumentException(
          "process in slot " + p.slot + " has no registers (" + p.state() + ")");
    }
    boolean inHart = sched.loaded == p;
    long[] r = new long[33];
    for (int i = 1; i < 32; i++) {
      r[i] = inHart ? m.hart.x(i) : m.mem.read64(p.trapframe + tfReg(i));
    }
    r[32] = inHart ? m.hart.pc() : m.mem.read64(p.trapframe + TF_EPC);
    return r;
  }
}
