package xv6ckpt.emulator;

/**
 * Why {@code Hart.run} stopped: a trap, handed to the kernel as a value, never thrown.
 *
 * <p>Traps are precise. For every kind except {@link Timer}, {@link #pc()} is the address of the
 * instruction that trapped, and that instruction changed no register, no memory and not pc: the
 * kernel may fix the cause and resume at the same pc. {@link Timer} means the instruction budget
 * was spent; its pc is the next instruction to execute.
 *
 * <p>{@link #cause()} and {@link #tval()} are the values RISC-V would put in scause and stval for a
 * trap taken from user mode, so the kernel can print xv6's own message ({@code usertrap():
 * unexpected scause ...}).
 */
public sealed interface Trap {

  /** Address of the trapping instruction (for {@link Timer}: of the next instruction). */
  long pc();

  /** The scause value: bit 63 set for interrupts, otherwise the exception code. */
  long cause();

  /** The stval value: faulting address, instruction bits, or 0. */
  long tval();

  /** What a memory access was for; picks the page-fault and access-fault cause codes. */
  enum Access {
    FETCH(12, 1, 0),
    LOAD(13, 5, 4),
    STORE(15, 7, 6); // stores and AMOs (and sc) share the store codes

    final long pageFaultCause;
    final long accessFaultCause;
    final long misalignedCause;

    Access(long pageFaultCause, long accessFaultCause, long misalignedCause) {
      this.pageFaultCause = pageFaultCause;
      this.accessFaultCause = accessFaultCause;
      this.misalignedCause = misalignedCause;
    }
  }

  /** {@code ecall} from user mode: a system call. Resume at pc + 4. */
  record Ecall(long pc) implements Trap {
    public long cause() {
      return 8;
    }

    public long tval() {
      return 0;
    }
  }

  /** {@code ebreak} or {@code c.ebreak}; tval is the pc, as on real hardware. */
  record Breakpoint(long pc) implements Trap {
    public long cause() {
      return 3;
    }

    public long tval() {
      return pc;
    }
  }

  /** The Sv39 walk denied the access; {@code address} is the faulting virtual address. */
  record PageFault(long pc, Access access, long address) implements Trap {
    public long cause() {
      return access.pageFaultCause;
    }

    public long tval() {
      return address;
    }
  }

  /** The translated physical address is outside RAM (or the page-table walk left RAM). */
  record AccessFault(long pc, Access access, long address) implements Trap {
    public long cause() {
      return access.accessFaultCause;
    }

    public long tval() {
      return address;
    }
  }

  /**
   * An atomic (LR, SC, AMO) on an address not aligned to its size. Plain loads and stores are
   * performed when misaligned, never trapped (as QEMU does; xv6 has no handler for them).
   */
  record Misaligned(long pc, Access access, long address) implements Trap {
    public long cause() {
      return access.misalignedCause;
    }

    public long tval() {
      return address;
    }
  }

  /** An encoding the hart does not implement, or a CSR access user mode may not make. */
  record IllegalInstruction(long pc, long bits) implements Trap {
    public long cause() {
      return 2;
    }

    public long tval() {
      return bits;
    }
  }

  /** The instruction budget given to {@code run} is spent: the scheduler's timer interrupt. */
  record Timer(long pc) implements Trap {
    public long cause() {
      return 0x8000_0000_0000_0005L; // supervisor timer interrupt
    }

    public long tval() {
      return 0;
    }
  }
}
