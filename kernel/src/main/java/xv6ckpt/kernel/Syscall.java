package xv6ckpt.kernel;

/**
 * xv6's {@code syscall.c}: system call dispatch and argument fetching. The number is in a7, the
 * arguments in a0..a5, the result goes to a0: xv6-riscv's numbers and conventions exactly. 22 and
 * 23 are checkpoint and restore ({@link Checkpoint}, {@link Restore}); unknown numbers print xv6's
 * message and return -1.
 *
 * <p>The process is running, so its registers are in the hart. pc is moved past the ecall before
 * the handler runs (xv6: {@code p->trapframe->epc += 4}), so exec and fork see the right pc; a call
 * that blocks puts it back on the ecall, to be re-issued when woken.
 */
final class Syscall {
  static final int SYS_fork = 1;
  static final int SYS_exit = 2;
  static final int SYS_wait = 3;
  static final int SYS_pipe = 4;
  static final int SYS_read = 5;
  static final int SYS_kill = 6;
  static final int SYS_exec = 7;
  static final int SYS_fstat = 8;
  static final int SYS_chdir = 9;
  static final int SYS_dup = 10;
  static final int SYS_getpid = 11;
  static final int SYS_sbrk = 12;
  static final int SYS_sleep = 13; // SYS_pause in current xv6
  static final int SYS_uptime = 14;
  static final int SYS_open = 15;
  static final int SYS_write = 16;
  static final int SYS_mknod = 17;
  static final int SYS_unlink = 18;
  static final int SYS_link = 19;
  static final int SYS_mkdir = 20;
  static final int SYS_close = 21;
  static final int SYS_checkpoint = 22;
  static final int SYS_restore = 23;

  @FunctionalInterface
  interface Handler {
    SysResult call(Process p);
  }

  private final Machine m;
  private final Handler[] table;

  Syscall(Machine m, SysProc sp, SysFile sf, Checkpoint ck, Restore rs) {
    this.m = m;
    this.table =
        table(
            entry(SYS_fork, sp::fork),
            entry(SYS_exit, sp::exit),
            entry(SYS_wait, sp::waitpid),
            entry(SYS_pipe, sf::pipe),
            entry(SYS_read, sf::read),
            entry(SYS_kill, sp::kill),
            entry(SYS_exec, sf::exec),
            entry(SYS_fstat, sf::fstat),
            entry(SYS_chdir, sf::chdir),
            entry(SYS_dup, sf::dup),
            entry(SYS_getpid, sp::getpid),
            entry(SYS_sbrk, sp::sbrk),
            entry(SYS_sleep, sp::sleep),
            entry(SYS_uptime, sp::uptime),
            entry(SYS_open, sf::open),
            entry(SYS_write, sf::write),
            entry(SYS_mknod, sf::mknod),
            entry(SYS_unlink, sf::unlink),
            entry(SYS_link, sf::link),
            entry(SYS_mkdir, sf::mkdir),
            entry(SYS_close, sf::close),
            entry(SYS_checkpoint, ck::checkpoint),
            entry(SYS_restore, rs::restore));
  }

  /** One row of xv6's syscalls[] table: {@code [SYS_fork] sys_fork}. */
  private record Entry(int number, Handler handler) {}

  private static Entry entry(int number, Handler handler) {
    return new Entry(number, handler);
  }

  /**
   * The dispatch table, indexed by number and as long as the highest number needs, so adding a call
   * is adding its row; a number given twice is a kernel bug.
   */
  private static Handler[] table(Entry... entries) {
    int highest = 0;
    for (Entry e : entries) {
      highest = Math.max(highest, e.number());
    }
    Handler[] t = new Handler[highest + 1];
    for (Entry e : entries) {
      if (t[e.number()] != null) {
        throw new IllegalStateException("system call " + e.number() + " defined twice");
      }
      t[e.number()] = e.handler();
    }
    return t;
  }

  /** The call a7 names: xv6 reads a7 into an int, so only its low 32 bits count. */
  static int number(long a7) {
    return (int) a7;
  }

  void syscall(Process p) {
    int num = number(m.hart.x(17));
    long pc = m.hart.pc();
    m.hart.setPc(pc + 4); // return to the instruction after the ecall
    Handler h = (num > 0 && num < table.length) ? table[num] : null;
    if (h == null) {
      // Concatenation, not String.format: fuzzed call tables make this line often.
      m.console.printf(p.pid + " " + p.name + ": unknown sys call " + num + "\n");
      m.hart.setX(10, -1);
      return;
    }
    m.proc.sched.syscalls++;
    SysResult r = h.call(p);
    if (r instanceof SysResult.Ret) {
      m.hart.setX(10, ((SysResult.Ret) r).value());
      p.restart = null;
      m.proc.syncTranslation(p);
    } else if (r instanceof SysResult.Block) {
      m.hart.setPc(pc); // re-issue the call when woken
      p.chan = ((SysResult.Block) r).chan();
      p.setState(Process.State.SLEEPING);
    } else if (r instanceof SysResult.Replaced) {
      m.proc.syncTranslation(p); // a new page table (restore)
    }
    if (m.config().invariants()) {
      Invariants.atSyscallReturn(m, p, num);
    }
  }

  // ---------------------------------------------------------------- argument fetching

  /** The n-th 32-bit system call argument. */
  int argint(int n) {
    return (int) m.hart.x(10 + n);
  }

  /** The n-th argument as a pointer; not checked here (copyin/copyout check it). */
  long argaddr(int n) {
    return m.hart.x(10 + n);
  }

  /** The n-th argument as a file descriptor of p, or null if it is not an open one. */
  OpenFile argfd(Process p, int n) {
    int fd = argint(n);
    if (fd < 0 || fd >= Param.NOFILE) {
      return null;
    }
    return p.ofile[fd];
  }

  /**
   * The n-th argument as a NUL-terminated string of at most max bytes (NUL included).
   *
   * @return its bytes, or null if the pointer is bad or no NUL comes within max bytes
   */
  byte[] argstr(Process p, int n, int max) {
    return fetchstr(p, argaddr(n), max);
  }

  /** Fetches the uint64 at addr from the current process; null if addr is outside p.sz. */
  Long fetchaddr(Process p, long addr) {
    // both tests needed, in case of overflow
    if (Long.compareUnsigned(addr, p.sz) >= 0 || Long.compareUnsigned(addr + 8, p.sz) > 0) {
      return null;
    }
    byte[] b = new byte[8];
    if (m.vm.copyin(p.pagetable, p.sz, b, 0, addr, 8) != 0) {
      return null;
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xFF);
    }
    return v;
  }

  /** Fetches the NUL-terminated string at addr from p; null if bad. */
  byte[] fetchstr(Process p, long addr, int max) {
    return m.vm.copyinstr(p.pagetable, p.sz, addr, max);
  }
}
