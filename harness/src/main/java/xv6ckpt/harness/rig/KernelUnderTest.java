package xv6ckpt.harness.rig;

import java.util.Optional;
import java.util.OptionalInt;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

/**
 * The kernel the harness judges (DESIGN.md, "Kernel under test"): our Java kernel ({@link
 * JavaKernel}, the reference) or any xv6-ABI kernel ELF on the full-system machine ({@link
 * ElfKernel}). What is asked of it is what the architectural boundary shows for every such kernel:
 * a system call's number at the ecall from U-mode and its result in a0 at the return to U-mode, a
 * process's memory through its own page table (an <em>address space</em>: the physical address of
 * the root of the page table it runs under), the disk, the console, and (where the kernel lets it
 * be counted) its free pages. Nothing here names a process table: a C kernel has none the harness
 * may read.
 */
public sealed interface KernelUnderTest<S> permits JavaKernel, ElfKernel {

  /** Who is judged: findings, bug reports and replays carry it. */
  KernelIdentity identity();

  /** Why {@link #run} returned. */
  sealed interface Event {
    /**
     * A system call returned to U-mode in the address space {@code space}: its number (a7 at the
     * ecall), the result (a0), and the user pc it resumed at.
     */
    record Returned(long space, long number, long result, long pc) implements Event {}

    /**
     * A return to U-mode that is no call's return, in the address space {@code space} at user pc
     * {@code pc}: reported only by kernels asked to ({@link ElfKernel#reportEntries}), e.g. to see
     * where a restore (or exec) that succeeded enters its new address space.
     */
    record Entered(long space, long pc) implements Event {}

    /** The budget was spent with no call returning. */
    record BudgetSpent() implements Event {}

    /** Nothing can run until outside input arrives. */
    record Idle() implements Event {}

    /** The kernel panicked: its message (the console's panic line for a C kernel). */
    record Panicked(String message) implements Event {}
  }

  /** Runs at most {@code budget} steps, to the next system call that returns to U-mode. */
  Event run(long budget);

  /**
   * The user registers x0..x31 of the process whose call {@link #run} last reported returned, as it
   * resumes (a0 is the result).
   */
  long[] userRegisters();

  /** Types bytes on the console. */
  void type(byte[] bytes);

  /** Everything written to the console so far, bytes as Latin-1 chars. */
  String console();

  /** The machine's RAM, for walks of an address space ({@link UserPages}). */
  PhysicalMemory memory();

  /** The disk, for fsck and for comparing against a snapshot. */
  MemoryBlockDevice disk();

  /** Free physical pages, or empty when this kernel's free pages cannot be counted (see why). */
  OptionalInt freePages();

  /** Why {@link #freePages} is empty for this kernel, if it is. */
  Optional<String> freePagesUnknown();

  /**
   * Free slots of the process table (xv6's NPROC; a slot is taken from fork's allocproc to the
   * parent's wait), or empty when this kernel's table cannot be read.
   */
  OptionalInt freeProcSlots();

  /** Free entries of the open-file table (xv6's NFILE), or empty when it cannot be read. */
  OptionalInt freeFileSlots();

  /**
   * Whether the call last reported returned ran with no other process between its start and its
   * return, so that what the kernel holds now (its free pages and slots) is what it held when the
   * call decided its result. Meant for calls that do not sleep (fork, sbrk, exec, pipe).
   */
  boolean ranAlone();

  /**
   * The whole kernel at this instant, machine and disk; only the latest one can be reset to. Typed
   * per kernel, so a snapshot of one kind cannot be handed to the other.
   */
  S snapshot();

  /** Back to {@code snapshot}, the latest taken. */
  void reset(S snapshot);
}
