package xv6ckpt.kernel;

import xv6ckpt.kernel.fs.Inode;

/**
 * xv6's {@code struct proc} (proc.h): one slot of the process table. Fields are grouped as xv6
 * groups them by the lock that guards them; this kernel is single-threaded, so the grouping only
 * says who may change what: the process table ({@link Proc}) changes the first group, the process
 * itself (in its system calls) the rest.
 *
 * <p>While a process is not running, its user registers and pc are in its trapframe page (in RAM,
 * mapped at TRAPFRAME without PTE_U, at xv6's offsets); while it runs, they are in the hart. {@link
 * #instret} is the process's own count of retired instructions, which the hart's instret shows
 * while it runs.
 */
public final class Process {

  /** xv6's procstate. */
  public enum State {
    UNUSED,
    USED,
    SLEEPING,
    RUNNABLE,
    RUNNING,
    ZOMBIE
  }

  /** Index in the process table. */
  final int slot;

  /** The table's sets of slots by state, which {@link #setState} keeps up to date. */
  private final Proc.Slots slots;

  // Changed by the process table (xv6: p->lock must be held).
  private State state = State.UNUSED; // written only by setState (see Proc.Slots)
  long chan; // if SLEEPING, the channel it sleeps on
  boolean killed; // if true, it dies at its next return to user space
  int xstate; // exit status, for the parent's wait
  int pid;

  // Changed by the parent/child relation (xv6: wait_lock).
  Process parent;

  // Private to the process.
  long sz; // size of process memory (bytes)
  long pagetable; // physical address of the root page table
  long trapframe; // physical address of the trapframe page
  final OpenFile[] ofile = new OpenFile[Param.NOFILE];
  Inode cwd; // current directory
  byte[] cwdPath = {'/'}; // cwd's normalized absolute path (for open files' paths; Checkpoint)
  long cwdInum; // in a machine snapshot only: cwd's i-number
  String name = ""; // process name (debugging, procdump)
  long instret; // instructions this process has retired
  Restart restart; // progress of a blocked system call, re-issued on wakeup (null: none)

  Process(int slot, Proc.Slots slots) {
    this.slot = slot;
    this.slots = slots;
  }

  public int pid() {
    return pid;
  }

  public State state() {
    return state;
  }

  /** Changes the state and the table's slot sets with it. */
  void setState(State s) {
    slots.changed(slot, s);
    state = s;
  }

  public String name() {
    return name;
  }

  public long size() {
    return sz;
  }

  public long pagetable() {
    return pagetable;
  }

  public long instret() {
    return instret;
  }

  public boolean killed() {
    return killed;
  }

  /** The parent's pid, or 0 for none. */
  public int parentPid() {
    return parent == null ? 0 : parent.pid;
  }

  /** Exit status (meaningful once ZOMBIE). */
  public int exitStatus() {
    return xstate;
  }

  /** The open file at descriptor fd (0..NOFILE-1), or null. */
  public OpenFile openFile(int fd) {
    return ofile[fd];
  }

  /** The saved restart state of a blocked system call, or null. */
  public Restart restart() {
    return restart;
  }
}
