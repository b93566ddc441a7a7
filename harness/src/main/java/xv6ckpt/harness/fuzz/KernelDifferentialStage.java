package xv6ckpt.harness.fuzz;

import xv6ckpt.harness.rig.KernelUnderTest;
import xv6ckpt.harness.rig.KernelUnderTest.Event;

/**
 * One side of kernel-differential: a {@link KernelUnderTest} brought to a snapshot in which the
 * syscall server ({@link UserPrograms#server}) blocks in its first read, waiting for its go, with a
 * bystander asleep beside it. What differs between kernels (how the server was started, how its end
 * is seen, how leftovers are ended) lives here; {@link KernelDifferentialTrace} records the same
 * things on every side through the boundary alone.
 */
interface KernelDifferentialStage {
  KernelUnderTest<?> kernel();

  /** Back to the snapshot every input starts from. */
  void reset();

  /**
   * Lets the server past its go read, once its table is written: types the go line on a kernel
   * whose snapshot is before that read; nothing on one whose snapshot is past it.
   */
  void go();

  /** The server's address space (the root of its page table). */
  long serverSpace();

  /** The pids of init, the bystander and the server on this kernel (see {@link Pids}). */
  Pids pids();

  /** Steps (kernel's own clock) the input gets before leftovers are ended. */
  long runBudget();

  /** This kernel's clock, in the steps {@link #runBudget} counts. */
  long now();

  /** Per input, after the reset: forget what the last input's run was seen doing. */
  void started();

  /**
   * Every return the run reports, for the stage's own bookkeeping (the shell's wait, forks);
   * returns the return as the process sees it (a test's planted mistake may change it).
   */
  Event.Returned seen(Event.Returned r);

  /** Whether the server is gone (exited or killed and reaped). */
  boolean serverGone();

  /**
   * Whether every process of the server's family has ended (exited or killed; zombies count as
   * ended): nothing of the input runs any more.
   */
  boolean familyGone();

  /**
   * Steps with no call of the family returning after which, once the server is gone, the run stops
   * waiting for its descendants (they are then ended by {@link #cleanup}).
   */
  long quietBudget();

  /**
   * The fork child that {@code r} shows, if it shows one, whatever its parent: the Java side sees
   * it at the parent's return of fork (its process table names the child's page table), a C
   * kernel's side at the child's first return to U-mode ({@link
   * xv6ckpt.harness.rig.ElfKernel#reportForkChildren}). The trace keeps only those whose parent is
   * of the family.
   */
  java.util.Optional<Birth> birth(Event.Returned r);

  /** A forked child: its address space and its parent's. */
  record Birth(long child, long parent) {}

  /**
   * Whether a return in {@code space}, which no birth named, may be the family's (a child whose
   * birth the boundary missed): false for the processes the stage knows are not the family's. The
   * Java side names every child from its process table: never.
   */
  default boolean unnamed(long space) {
    return false;
  }

  /**
   * The guest kernel's coverage ({@link GuestCoverage}) where this side is a C kernel: fed to
   * Jazzer after each input, and tracked for a replay's "kernel functions reached".
   */
  default java.util.Optional<GuestCoverage> coverage() {
    return java.util.Optional.empty();
  }

  /**
   * Ends what the input left running (the server's family) and runs until the kernel is quiet.
   *
   * @return how it ended, for the summary ("" when nothing was left)
   */
  String cleanup();

  /** Console bytes in [from, to) that this stage's own programs wrote (the shell's prompts). */
  String consoleOfFamily(int from);

  /** The inodes processes outside the family hold open, for a live fsck (root, console). */
  java.util.Set<Long> heldInodes();

  /**
   * Pids by order of creation: every kernel here numbers init 1 and gives pids in increasing order
   * (xv6's allocpid), so the server's family is numbered server, server + 1, ... in the order its
   * forks succeed (the shell and the reaper make no process while the input runs). A canonical pid
   * is the Java syscall-args target's numbering: 1 init, 2 the bystander, 3 the server, 3 + k its
   * k-th descendant.
   */
  record Pids(int init, int bystander, int server) {
    static final int CANONICAL_BYSTANDER = 2, CANONICAL_SERVER = 3;

    /** This kernel's pid for a canonical one (kill's argument). */
    long toKernel(long canonical) {
      if (canonical == 1) return init;
      if (canonical == CANONICAL_BYSTANDER) return bystander;
      if (canonical >= CANONICAL_SERVER) return server + (canonical - CANONICAL_SERVER);
      return canonical; // 0 and negative: not a process
    }

    /** The canonical pid of this kernel's pid (a result of fork, getpid, wait). */
    long toCanonical(long pid) {
      if (pid == init) return 1;
      if (pid == bystander) return CANONICAL_BYSTANDER;
      if (pid >= server) return CANONICAL_SERVER + (pid - server);
      return pid <= 0 ? pid : -1000 - pid; // a process outside the family: kept distinct
    }
  }
}
