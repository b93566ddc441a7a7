package xv6ckpt.harness.fuzz;

/**
 * xv6's user ABI as the fuzz targets need it: system-call numbers (kernel/syscall.h; the
 * kernel keeps its own copy package-private, and the harness should not borrow the judged
 * code's constants anyway) and open(2) flags (kernel/fcntl.h).
 */
final class Xv6Abi {
  private Xv6Abi() {}

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
  static final int SYS_sleep = 13;
  static final int SYS_uptime = 14;
  static final int SYS_open = 15;
  static final int SYS_write = 16;
  static final int SYS_mknod = 17;
  static final int SYS_unlink = 18;
  static final int SYS_link = 19;
  static final int SYS_mkdir = 20;
  static final int SYS_close = 21;

  /** The highest call number of stock xv6 (checkpoint and restore come next, 22 and 23). */
  static final int SYS_MAX_STOCK = SYS_close;

  static final int O_RDONLY = 0x000;
  static final int O_WRONLY = 0x001;
  static final int O_RDWR = 0x002;
  static final int O_CREATE = 0x200;
  static final int O_TRUNC = 0x400;
}
