package xv6ckpt.kernel;

/**
 * xv6's {@code trap.c}, user half: what happens when the hart stops running a process. The hart
 * hands back an {@link xv6ckpt.emulator.Trap} value; usertrap decides:
 *
 * <ul>
 *   <li>ecall: a system call ({@link Syscall}); pc moves past the ecall unless the call blocks.
 *   <li>timer (the quantum is spent): the process yields the hart.
 *   <li>a load or store page fault below the process size on a page never touched: lazy allocation
 *       maps a zeroed page and the instruction runs again.
 *   <li>anything else: xv6's message on the console, and the process is killed.
 * </ul>
 *
 * A killed process exits (status -1) here, at its return to user space.
 */
final class Trap {
  private final Machine m;

  Trap(Machine m) {
    this.m = m;
  }

  /** Handles trap t of the running process p. */
  void usertrap(Process p, xv6ckpt.emulator.Trap t) {
    if (t instanceof xv6ckpt.emulator.Trap.Ecall) {
      m.syscall.syscall(p); // system call
    } else if (t instanceof xv6ckpt.emulator.Trap.Timer) {
      m.proc.timerInterrupt(p);
    } else if (isLazyFault(p, t)) {
      // page fault on lazily-allocated page: retry the instruction
    } else {
      m.console.printf(
          String.format("usertrap(): unexpected scause 0x%x pid=%d%n", t.cause(), p.pid)
              + String.format("            sepc=0x%x stval=0x%x%n", t.pc(), t.tval()));
      p.killed = true;
    }
    if (p.killed && p.state() == Process.State.RUNNING) {
      m.proc.exit(p, -1);
    }
  }

  private boolean isLazyFault(Process p, xv6ckpt.emulator.Trap t) {
    long cause = t.cause();
    return (cause == 13 || cause == 15)
        && t instanceof xv6ckpt.emulator.Trap.PageFault
        && m.vm.vmfault(p.pagetable, p.sz, t.tval()) != 0;
  }
}
