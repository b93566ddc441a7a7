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
 * (allocproc, fork, exit, wait, kill), sleep channels, and the choice of the next process to
 * run. The loop that runs it is {@link Machine#run}.
 *
 * <p>Scheduling is round-robin in table order, deterministic: after a process has run, the
 * next RUNNABLE one after it in the table goes next (xv6's scheduler loop over proc[]).
 *
 * <p>Sleeping: a blocking system call does not sleep inside the kernel (there are no kernel
 * threads); its handler returns {@link SysResult.Block}, the process becomes SLEEPING on a
 * channel with pc at its ecall, and {@link #wakeup} makes it RUNNABLE to re-issue the call.
 */
public final class Proc {
  private final Machine m;
  final Process[] procs = new Process[Param.NPROC];
  final Slots slots = new Slots();
  int nextpid = 1;
  Process initproc;
  int lastRun = Param.NPROC - 1; // slot of the process that ran last

  Proc(Machine m) {
    this.m = m;
    for (int i = 0; i < procs.length; i++) {
      procs[i] = new Process(i, slots);
    }
  }

  /**
   * Which slots are in use (not UNUSED), SLEEPING and RUNNABLE, as bit sets that {@link
   * Process#setState} keeps equal to the slots' states. The loops over the table visit only the
   * slots that can match, in table order as xv6's loops over proc[], and find them with the
   * bit sets' word scans: a visit per slot costs little in itself, but under the fuzzer every
   * loop test and compare in kernel code is an instrumented call, and most slots are UNUSED.
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
   * Looks in the process table for an UNUSED proc. If found, initializes the state required to
   * run in the kernel: a pid, a trapframe page and a page table with the trampoline and
   * trapframe mapped.
   *
   * @return the process (state USED), or null if there are no free procs or memory ran out
   */
  Process allocproc() {
    int slot = slots.used.nextClearBit(0); // the first UNUSED slot
    if (slot >= procs.length) {
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

  /** Frees a proc structure and the data hanging from it, including user pages. */
  void freeproc(Process p) {
    if (p.trapframe != 0) {
      m.kalloc.kfree(p.trapframe);
    }
    p.trapframe = 0;
    if (p.pagetable != 0) {
      procFreepagetable(p.pagetable, p.sz);
    }
    if (m.loaded == p) {
      m.loaded = null;
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
   * Creates a user page table for a given process, with no user memory, but with the
   * trampoline and trapframe pages (neither with PTE_U: user code cannot touch them).
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
   * Creates a new process, copying the parent (which is running: its registers are in the
   * hart). Sets up the child to return from fork() with 0.
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
    m.saveContext(p); // copy saved user registers.
    m.copyPage(p.trapframe, np.trapframe);
    m.mem.write64(np.trapframe + Machine.tfReg(10), 0); // Cause fork to return 0 in the child.
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
        if (m.autoReap && pp.state() == State.ZOMBIE) {
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
    if (m.loaded == p) {
      p.instret = m.hart.instret();
      m.loaded = null; // its registers are of no further use
    }
    m.exited(p);
    if (m.autoReap && p.parent == initproc) {
      freeproc(p); // init's wait loop, done by the kernel
    }
  }

  /**
   * Waits for a child process to exit; copies its exit status to user address addr (unless
   * 0) and frees it.
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
   * Kills the process with the given pid. The victim won't exit until it tries to return to
   * user space (see usertrap() in trap.c).
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
    int s = slots.runnable.nextSetBit(lastRun + 1); // after lastRun, then from the start
    if (s < 0) {
      s = slots.runnable.nextSetBit(0);
    }
    if (s < 0) {
      return null;
    }
    lastRun = s;
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
    m.printf(sb.toString());
  }
}
