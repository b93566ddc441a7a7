package xv6ckpt.specs;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The process table as xv6's fork, exit, wait and kill change it ({@code proc.c}), for the harness
 * to hold the kernel against: pids, parents, zombies and their exit statuses, and which processes
 * are blocked in wait. What the processes do between calls is the caller's program's business; this
 * model says only what a call does to the table and what it returns.
 *
 * <p>Pids are handed out in order from 2 (pid 1 is init, whose loop reaps every child as soon as it
 * is a zombie, as xv6's init does with its wait loop). A process that exits gives its children to
 * init; if its parent is blocked in wait, the parent reaps it at once and is no longer blocked
 * ({@link #exit} names it, so the caller can run what that program does next). A killed process
 * exits with status -1 (xv6's {@code kill} marks it; it exits on its way back to user mode, from
 * any sleep).
 */
public final class ProcessModel {
  /** init's pid. */
  public static final int INIT = 1;

  /**
   * A process: {@code zombie} with its exit {@code status}, or alive ({@code inWait}: blocked in
   * wait until a child exits; otherwise running or blocked for good elsewhere).
   */
  public record Proc(int pid, int parent, boolean zombie, int status, boolean inWait) {}

  /** What wait(status) in a process does now. */
  public sealed interface WaitResult {
    /** No children: wait returns -1 at once. */
    record NoChildren() implements WaitResult {}

    /** Only live children: wait blocks until one of them exits. */
    record Blocks() implements WaitResult {}

    /**
     * It reaps one of {@code zombies} (xv6 takes the first in table order; the model allows any)
     * and returns its pid, with its status stored; see {@link #reap}.
     */
    record Reaps(List<Proc> zombies) implements WaitResult {}
  }

  private final SortedMap<Integer, Proc> procs = new TreeMap<>();
  private int nextPid = INIT + 1;

  /** A table holding init alone. */
  public ProcessModel() {
    procs.put(INIT, new Proc(INIT, 0, false, 0, false));
  }

  /** Every process, zombies included, in pid order. */
  public Collection<Proc> all() {
    return Collections.unmodifiableCollection(procs.values());
  }

  public Optional<Proc> get(int pid) {
    return Optional.ofNullable(procs.get(pid));
  }

  public int size() {
    return procs.size();
  }

  /** The pid the next fork (or spawn) gets. */
  public int nextPid() {
    return nextPid;
  }

  /** The children of pid, zombies included, in pid order. */
  public List<Proc> children(int pid) {
    List<Proc> out = new ArrayList<>();
    for (Proc p : procs.values()) {
      if (p.parent() == pid) {
        out.add(p);
      }
    }
    return out;
  }

  /** fork() in parent: the child's pid, which fork returns to the parent. */
  public int fork(int parent) {
    int child = nextPid++;
    procs.put(child, new Proc(child, parent, false, 0, false));
    return child;
  }

  /**
   * fork() in parent when the pid is observed rather than chosen here (a kernel's pids need only be
   * new): child must be a pid no process has had.
   */
  public void fork(int parent, int child) {
    if (child < nextPid || procs.containsKey(child)) {
      throw new IllegalArgumentException("pid " + child + " is not new (next " + nextPid + ")");
    }
    procs.put(child, new Proc(child, parent, false, 0, false));
    nextPid = child + 1;
  }

  /**
   * exit(status) in pid: it becomes a zombie, its children go to init, init reaps its zombies.
   *
   * @return the parent, if it was blocked in wait: it has reaped pid and is running again
   */
  public Optional<Integer> exit(int pid, int status) {
    Proc p = procs.get(pid);
    procs.put(pid, new Proc(pid, p.parent(), true, status, false));
    for (Proc c : List.copyOf(procs.values())) {
      if (c.parent() == pid) {
        procs.put(c.pid(), new Proc(c.pid(), INIT, c.zombie(), c.status(), c.inWait()));
      }
    }
    procs.values().removeIf(q -> q.zombie() && q.parent() == INIT);
    Proc parent = procs.get(p.parent());
    if (parent != null && parent.inWait() && !parent.zombie()) {
      procs.remove(pid);
      procs.put(parent.pid(), new Proc(parent.pid(), parent.parent(), false, 0, false));
      return Optional.of(parent.pid());
    }
    return Optional.empty();
  }

  /** What wait in pid does now (nothing changes until {@link #reap} or {@link #blockInWait}). */
  public WaitResult waitIn(int pid) {
    List<Proc> kids = children(pid);
    if (kids.isEmpty()) {
      return new WaitResult.NoChildren();
    }
    List<Proc> zombies = kids.stream().filter(Proc::zombie).toList();
    return zombies.isEmpty() ? new WaitResult.Blocks() : new WaitResult.Reaps(zombies);
  }

  /** wait in a process reaped its zombie child: the child's slot is free. */
  public void reap(int child) {
    if (!procs.get(child).zombie()) {
      throw new IllegalArgumentException("pid " + child + " is not a zombie");
    }
    procs.remove(child);
  }

  /** pid called wait with only live children: it blocks until one exits. */
  public void blockInWait(int pid) {
    Proc p = procs.get(pid);
    if (!(waitIn(pid) instanceof WaitResult.Blocks)) {
      throw new IllegalStateException("wait in pid " + pid + " does not block: " + waitIn(pid));
    }
    procs.put(pid, new Proc(pid, p.parent(), false, 0, true));
  }

  /**
   * kill(pid)'s result: -1 for a pid no process has, else 0. A live process then exits with -1
   * ({@link #exit}, which the caller runs so that it sees whom that wakes); a zombie stays.
   */
  public int kill(int pid) {
    return procs.containsKey(pid) ? 0 : -1;
  }
}
