package xv6ckpt.kernel;

/**
 * xv6's {@code sysproc.c}: the process system calls (exit, getpid, fork, wait, sbrk, sleep, kill,
 * uptime). Arguments come through {@link Syscall}; the work is in {@link Proc}.
 */
final class SysProc {
  /** sbrk's second argument in current xv6: allocate now, or on first touch. */
  static final int SBRK_EAGER = 1;

  static final int SBRK_LAZY = 2;

  private final Machine m;

  SysProc(Machine m) {
    this.m = m;
  }

  SysResult exit(Process p) {
    m.proc.exit(p, m.syscall.argint(0));
    return SysResult.GONE; // not reached in xv6
  }

  SysResult getpid(Process p) {
    return SysResult.ret(p.pid);
  }

  SysResult fork(Process p) {
    return SysResult.ret(m.proc.fork(p));
  }

  SysResult waitpid(Process p) {
    return m.proc.wait(p, m.syscall.argaddr(0));
  }

  /**
   * sbrk(n, t): grows (or shrinks, n &lt; 0) the heap by n bytes; returns the old size. With t =
   * SBRK_LAZY and n &ge; 0 only the size grows, and pages are allocated on first touch. Binaries
   * from before the second argument pass whatever a1 holds: only an exact SBRK_LAZY selects lazy
   * growth.
   */
  SysResult sbrk(Process p) {
    int n = m.syscall.argint(0);
    int t = m.syscall.argint(1);
    long addr = p.sz;
    if (t != SBRK_LAZY || n < 0) {
      if (m.proc.growproc(p, n) < 0) {
        return SysResult.MINUS_ONE;
      }
    } else {
      // Lazily allocate memory for this process: increase its memory size but don't
      // allocate memory. If the process uses the memory, vmfault() will allocate it.
      if (addr + n > Riscv.TRAPFRAME) {
        return SysResult.MINUS_ONE;
      }
      p.sz += n;
    }
    return SysResult.ret(addr);
  }

  /** sleep(n) (pause in current xv6): waits n ticks; -1 if killed meanwhile. */
  SysResult sleep(Process p) {
    long until;
    if (p.restart instanceof Restart.Sleep) {
      until = ((Restart.Sleep) p.restart).until();
    } else {
      int n = Math.max(0, m.syscall.argint(0));
      until = m.ticks() + n;
    }
    if (m.ticks() >= until) {
      return SysResult.ZERO;
    }
    if (p.killed) {
      return SysResult.MINUS_ONE;
    }
    p.restart = new Restart.Sleep(until);
    return new SysResult.Block(Chan.TICKS);
  }

  SysResult kill(Process p) {
    return SysResult.ret(m.proc.kill(m.syscall.argint(0)));
  }

  /** How many clock tick interrupts have occurred since start. */
  SysResult uptime(Process p) {
    return SysResult.ret((int) m.ticks());
  }
}
