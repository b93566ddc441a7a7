package xv6ckpt.kernel;

/**
 * xv6's {@code param.h}: the kernel's fixed limits, with xv6-riscv's values and names.
 *
 * <p>The file system reads its own geometry (size, inode count, log size) from the superblock;
 * {@link #FSSIZE}, {@link #LOGBLOCKS} and {@link #NINODES} are the defaults mkfs uses, which give
 * exactly the layout of stock xv6's {@code fs.img}.
 */
public final class Param {
  private Param() {}

  public static final int NPROC = 64; // maximum number of processes
  public static final int NCPU = 8; // maximum number of CPUs
  public static final int NOFILE = 16; // open files per process
  public static final int NFILE = 100; // open files per system
  public static final int NINODE = 50; // maximum number of active i-nodes
  public static final int NDEV = 10; // maximum major device number
  public static final int ROOTDEV = 1; // device number of file system root disk
  public static final int MAXARG = 32; // max exec arguments
  public static final int MAXOPBLOCKS = 10; // max # of blocks any FS op writes

  /** Max data blocks in the on-disk log (xv6 called it LOGSIZE before 2024). */
  public static final int LOGBLOCKS = MAXOPBLOCKS * 3;

  public static final int NBUF = MAXOPBLOCKS * 3; // size of disk block cache
  public static final int FSSIZE = 2000; // size of file system in blocks
  public static final int MAXPATH = 128; // maximum file path name
  public static final int USERSTACK = 1; // user stack pages

  /** Inodes in an image made by stock mkfs ({@code NINODES} in mkfs.c). */
  public static final int NINODES = 200;
}
