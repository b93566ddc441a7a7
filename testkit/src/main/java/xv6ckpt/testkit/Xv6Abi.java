package xv6ckpt.testkit;

/**
 * xv6's user ABI as generated test programs use it: system-call numbers (kernel/syscall.h, plus
 * this project's checkpoint 22 and restore 23), their names, and open(2) flags (kernel/fcntl.h).
 * Written out once here for every kernel test, fuzz target and property: the kernel keeps its own
 * copy, and a test must not borrow the judged code's constants. The C user-land's copy is
 * kernel/user/abi.h; a harness test reads that header and checks every copy against it.
 */
public final class Xv6Abi {
  private Xv6Abi() {}

  public static final int SYS_fork = 1;
  public static final int SYS_exit = 2;
  public static final int SYS_wait = 3;
  public static final int SYS_pipe = 4;
  public static final int SYS_read = 5;
  public static final int SYS_kill = 6;
  public static final int SYS_exec = 7;
  public static final int SYS_fstat = 8;
  public static final int SYS_chdir = 9;
  public static final int SYS_dup = 10;
  public static final int SYS_getpid = 11;
  public static final int SYS_sbrk = 12;
  public static final int SYS_sleep = 13;
  public static final int SYS_uptime = 14;
  public static final int SYS_open = 15;
  public static final int SYS_write = 16;
  public static final int SYS_mknod = 17;
  public static final int SYS_unlink = 18;
  public static final int SYS_link = 19;
  public static final int SYS_mkdir = 20;
  public static final int SYS_close = 21;

  public static final int SYS_checkpoint = 22;
  public static final int SYS_restore = 23;

  /** The highest call number of stock xv6 (checkpoint and restore come next, 22 and 23). */
  public static final int SYS_MAX_STOCK = SYS_close;

  /** Each call's name, indexed by its number (index 0 is no call), as syscall.h spells them. */
  private static final String[] NAMES = {
    null,
    "fork",
    "exit",
    "wait",
    "pipe",
    "read",
    "kill",
    "exec",
    "fstat",
    "chdir",
    "dup",
    "getpid",
    "sbrk",
    "sleep",
    "uptime",
    "open",
    "write",
    "mknod",
    "unlink",
    "link",
    "mkdir",
    "close",
    "checkpoint",
    "restore"
  };

  /** The highest call number the kernel dispatches. */
  public static final int SYS_MAX = NAMES.length - 1;

  /** The name of call {@code num}, or "sys#num" for a number no call has. */
  public static String name(int num) {
    return num > 0 && num < NAMES.length ? NAMES[num] : "sys#" + num;
  }

  public static final int O_RDONLY = 0x000;
  public static final int O_WRONLY = 0x001;
  public static final int O_RDWR = 0x002;
  public static final int O_CREATE = 0x200;
  public static final int O_TRUNC = 0x400;
}
