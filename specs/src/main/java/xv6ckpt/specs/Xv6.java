package xv6ckpt.specs;

/**
 * The few xv6-riscv and RISC-V facts the image format is built on, under the names xv6 gives them
 * ({@code riscv.h}, {@code memlayout.h}, {@code param.h}, {@code syscall.h}, {@code stat.h}, {@code
 * file.h}).
 *
 * <p>Written out here rather than imported from the kernel module on purpose: the spec must not
 * share code with the kernel it judges. A test of the harness can compare the two sets.
 */
public final class Xv6 {
  private Xv6() {}

  // riscv.h: pages and Sv39 page-table entry bits.
  public static final int PGSIZE = 4096;
  public static final int PTE_R = 1 << 1;
  public static final int PTE_W = 1 << 2;
  public static final int PTE_X = 1 << 3;
  public static final int PTE_U = 1 << 4;

  /** One above the highest Sv39 address xv6 uses (it keeps clear of the sign-extended half). */
  public static final long MAXVA = 1L << (9 + 9 + 9 + 12 - 1);

  // memlayout.h: the two pages at the top of every user address space belong to the kernel.
  public static final long TRAMPOLINE = MAXVA - PGSIZE;
  public static final long TRAPFRAME = TRAMPOLINE - PGSIZE;

  // param.h and proc.h.
  public static final int NOFILE = 16; // open files per process
  public static final int MAXPATH = 128; // maximum file path name
  public static final int NFILE = 100; // open files per system
  public static final int NINODE = 50; // maximum number of active i-nodes
  public static final int NDEV = 10; // maximum major device number
  public static final int MAXARG = 32; // max exec arguments
  public static final int MAXOPBLOCKS = 10; // max # of blocks any FS op writes

  /** pipe.c: the bytes a pipe buffers. */
  public static final int PIPESIZE = 512;

  /** sbrk's second argument for growth on first touch (sysproc.c). */
  public static final int SBRK_LAZY = 2;

  /** sizeof(((struct proc *)0)->name): a name of at most 15 bytes and its NUL. */
  public static final int PROC_NAME = 16;

  // syscall.h: xv6's calls 1-21 and the two new ones.
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

  // stat.h: inode types.
  public static final int T_DIR = 1;
  public static final int T_FILE = 2;
  public static final int T_DEVICE = 3;

  /** file.h: the console's major device number. */
  public static final int CONSOLE = 1;

  /** The ecall instruction (the only encoding; RVC has no compressed form). */
  public static final int ECALL = 0x00000073;

  /** riscv.h's PGROUNDUP, for the unsigned 64-bit values the image holds (sz ≤ TRAPFRAME). */
  public static long PGROUNDUP(long a) {
    return (a + PGSIZE - 1) & ~(long) (PGSIZE - 1);
  }
}
