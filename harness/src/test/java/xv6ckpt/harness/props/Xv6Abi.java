package xv6ckpt.harness.props;

/**
 * xv6's system call numbers (kernel/syscall.h, plus this project's 22 and 23), written out
 * here because the kernel keeps its table package-private and the harness must not depend on
 * its internals for what the ABI is.
 */
final class Xv6Abi {
  private Xv6Abi() {}

  static final int SYS_fork = 1;
  static final int SYS_exit = 2;
  static final int SYS_wait = 3;
  static final int SYS_read = 5;
  static final int SYS_kill = 6;
  static final int SYS_getpid = 11;
  static final int SYS_sbrk = 12;
  static final int SYS_sleep = 13;
  static final int SYS_uptime = 14;
  static final int SYS_write = 16;
  static final int SYS_checkpoint = 22;
  static final int SYS_restore = 23;
}
