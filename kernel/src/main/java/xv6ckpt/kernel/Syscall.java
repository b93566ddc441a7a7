package xv6ckpt.kernel;

import java.util.OptionalLong;

/**
 * xv6's {@code syscall.c}: system call dispatch and argument fetching. The number is in a7,
 * the arguments in a0..a5, the result goes to a0: xv6-riscv's numbers and conventions exactly.
 * 22 and 23 are checkpoint and restore ({@link Checkpoint}); unknown numbers print xv6's message
 * and return -1.
 *
 * <p>The process is running, so its registers are in the hart. pc is moved past the ecall
 * before the handler runs (xv6: {@code p->trapframe->epc += 4}), so exec and fork see the
 * right pc; a call that blocks puts it back on the ecall, to be re-issued when woken.
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
  private final Handler[] table = new Handler[24];

  Syscall(Machine m, SysProc sp, SysFile sf, Checkpoint ck) {
    this.m = m;
    table[SYS_fork] = sp::fork;
    table[SYS_exit] = sp::exit;
    table[SYS_wait] = sp::waitpid;
    table[SYS_pipe] = sf::pipe;
    table[SYS_read] = sf::read;
    table[SYS_kill] = sp::kill;
    table[SYS_exec] = sf::exec;
    table[SYS_fstat] = sf::fstat;
    table[SYS_chdir] = sf::chdir;
    table[SYS_dup] = sf::dup;
    table[SYS_getpid] = sp::getpid;
    table[SYS_sbrk] = sp::sbrk;
    table[SYS_sleep] = sp::sleep;
    table[SYS_uptime] = sp::uptime;
    table[SYS_open] = sf::open;
    table[SYS_write] = sf::write;
    table[SYS_mknod] = sf::mknod;
    table[SYS_unlink] = sf::unlink;
    table[SYS_link] = sf::link;
    table[SYS_mkdir] = sf::mkdir;
    table[SYS_close] = sf::close;
    table[SYS_checkpoint] = ck::checkpoint;
    table[SYS_restore] = ck::restore;
  }

  void syscall(Process p) {
    long num = m.hart.x(17);
    long pc = m.hart.pc();
    m.hart.setPc(pc + 4); // return to the instruction after the ecall
    Handler h = (num > 0 && num < table.length) ? table[(int) num] : null;
    if (h == null) {
      // Concatenation, not String.format: fuzzed call tables make this line often.
      m.printf(p.pid + " " + p.name + ": unknown sys call " + num + "\n");
      m.hart.setX(10, -1);
      return;
    }
    m.syscalls++;
    SysResult r = h.call(p);
    if (r instanceof SysResult.Ret) {
      m.hart.setX(10, ((SysResult.Ret) r).value());
      p.restart = null;
      m.syncTranslation(p);
    } else if (r instanceof SysResult.Block) {
      m.hart.setPc(pc); // re-issue the call when woken
      p.chan = ((SysResult.Block) r).chan();
      p.setState(Process.State.SLEEPING);
    } else if (r instanceof SysResult.Replaced) {
      m.syncTranslation(p); // a new page table (restore)
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

  /** Fetches the uint64 at addr from the current process. Empty if addr is outside p.sz. */
  OptionalLong fetchaddr(Process p, long addr) {
    // both tests needed, in case of overflow
    if (Long.compareUnsigned(addr, p.sz) >= 0 || Long.compareUnsigned(addr + 8, p.sz) > 0) {
      return OptionalLong.empty();
    }
    byte[] b = new byte[8];
    if (m.vm.copyin(p.pagetable, p.sz, b, 0, addr, 8) != 0) {
      return OptionalLong.empty();
    }
    long v = 0;
    for (int i = 7; i >= 0; i--) {
      v = (v << 8) | (b[i] & 0xFF);
    }
    return OptionalLong.of(v);
  }

  /** Fetches the NUL-terminated string at addr from p; null if bad. */
  byte[] fetchstr(Process p, long addr, int max) {
    return m.vm.copyinstr(p.pagetable, p.sz, addr, max);
  }
}
