package xv6ckpt.kernel;

/**
 * The scheduler's state ({@link Proc#scheduler}), and the few counters other rooms draw from that
 * are not in a table: everything of the kernel's Java state that a snapshot must copy besides the
 * process, file and pipe tables and the console's input.
 *
 * <p>One object, so that a snapshot copies it whole: {@link #copy} is {@code Object.clone}, a
 * field-for-field copy that needs no list of fields, so a field added here is restored by a reset
 * without anyone remembering it ({@code SnapshotTest} checks every field by reflection). Keep the
 * fields primitives, immutable values, or references to the machine's own {@link Process} objects:
 * a reset copies the snapshot's process table into those same objects (slot by slot), so a
 * reference taken at the snapshot names the right process after the reset.
 *
 * <p>Owned by {@link Proc}; swapped whole at reset, so code that keeps it in a local must not live
 * across a reset (the run loop does not: resets happen between runs).
 */
final class SchedState implements Cloneable {
  // The scheduler and the context switch.
  Process loaded; // whose registers are in the hart (null: nobody's)
  Process current; // RUNNING, in the middle of its quantum (null: pick another)
  int lastRun = Param.NPROC - 1; // slot of the process that ran last
  long quantumLeft; // instructions left in current's quantum
  long cycles; // instructions run by all processes, plus idle time skipped
  long lastTick; // ticks() when TICKS sleepers were last woken
  long rng; // xorshift64 state of the seeded quantum jitter
  long seenUnmaps; // Vm.unmaps when the hart's translations were last flushed

  // Counters of other rooms.
  long imageIds; // Checkpoint's image ids: a splitmix64 sequence from the seed
  long epoch; // the disk's checkpoint epoch this boot took (Fs.nextEpoch); 0: none yet
  long nextPipeId = 1; // Pipe
  long syscalls; // Syscall: calls handled
  int exhausted; // Exhaustion: bit per table found full since boot or the snapshot

  // The runner (Machine.runner, Machine.spawn).
  int watchPid; // whose exit ends a run (0: nobody's)
  boolean autoReap; // the kernel reaps init's children
  Machine.Outcome pendingExit; // watchPid's exit, reported by the next run

  SchedState(long seed) {
    this.rng = seed;
    this.imageIds = seed;
  }

  /** A copy of every field (see the class comment). */
  SchedState copy() {
    try {
      return (SchedState) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }
}
