package xv6ckpt.harness.rig;

import java.util.Optional;
import java.util.OptionalInt;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;

/**
 * Our Java kernel as a {@link KernelUnderTest}: a {@link Machine} seen through the same boundary as
 * a C kernel (its white-box extras stay on {@link #machine}). Its address spaces are its processes'
 * page-table roots, in its emulated RAM like any kernel's.
 */
public final class JavaKernel implements KernelUnderTest<Machine.Snapshot> {
  private static final Machine.Stop ANY_RETURN = new Machine.Stop.AnySyscallReturn();

  private final Machine machine;
  private long[] registers = new long[32];

  public JavaKernel(Machine machine) {
    if (!(machine.disk() instanceof MemoryBlockDevice)) {
      throw new IllegalArgumentException("a kernel under test needs an in-memory disk");
    }
    this.machine = machine;
  }

  public Machine machine() {
    return machine;
  }

  @Override
  public long[] userRegisters() {
    return registers.clone();
  }

  @Override
  public KernelIdentity identity() {
    return KernelIdentity.JAVA;
  }

  @Override
  public Event run(long budget) {
    long start = machine.cycles();
    for (long left = budget; left > 0; left = budget - (machine.cycles() - start)) {
      Machine.Outcome o = machine.run(left, ANY_RETURN);
      if (o instanceof Machine.Outcome.SyscallReturned r) {
        Process p = machine.proc().byPid(r.pid()).orElseThrow();
        long[] regs = machine.userRegisters(p);
        registers = java.util.Arrays.copyOf(regs, 32);
        return new Event.Returned(p.pagetable(), r.number(), regs[10], regs[32]);
      } else if (o instanceof Machine.Outcome.Panicked p) {
        return new Event.Panicked(p.message());
      } else if (o instanceof Machine.Outcome.Idle) {
        return new Event.Idle();
      } else if (o instanceof Machine.Outcome.BudgetSpent) {
        return new Event.BudgetSpent();
      }
      // Exited: a watched process's exit, which the boundary does not report; go on.
    }
    return new Event.BudgetSpent();
  }

  @Override
  public void type(byte[] bytes) {
    machine.consoleInput(bytes);
  }

  @Override
  public String console() {
    return machine.output();
  }

  @Override
  public PhysicalMemory memory() {
    return machine.memory();
  }

  @Override
  public MemoryBlockDevice disk() {
    return (MemoryBlockDevice) machine.disk();
  }

  @Override
  public OptionalInt freePages() {
    return OptionalInt.of(machine.kalloc().freePages());
  }

  @Override
  public Optional<String> freePagesUnknown() {
    return Optional.empty();
  }

  @Override
  public OptionalInt freeProcSlots() {
    return OptionalInt.of(xv6ckpt.kernel.Param.NPROC - machine.proc().live().size());
  }

  @Override
  public OptionalInt freeFileSlots() {
    return OptionalInt.of(xv6ckpt.kernel.Param.NFILE - machine.files().openFiles());
  }

  /**
   * Always: the Java kernel runs a call that does not sleep to its end before any other process.
   */
  @Override
  public boolean ranAlone() {
    return true;
  }

  @Override
  public Machine.Snapshot snapshot() {
    return machine.snapshot();
  }

  @Override
  public void reset(Machine.Snapshot snapshot) {
    machine.reset(snapshot);
  }
}
