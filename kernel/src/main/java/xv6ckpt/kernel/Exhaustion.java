package xv6ckpt.kernel;

/**
 * Not in xv6: the fixed tables and resources a system call can find full, so that tests and fuzz
 * targets can show that they reach each one ({@link Machine#exhausted}). Each has its xv6 answer:
 * -1 from the call that needed a slot, except the in-memory inode table, whose exhaustion is xv6's
 * panic "iget: no inodes" (and shows as that panic, not here).
 */
public enum Exhaustion {
  /** NPROC: allocproc found no UNUSED slot (fork returns -1). */
  PROCESSES,
  /** NFILE: filealloc found no free entry (open, pipe return -1). */
  OPEN_FILES,
  /** NOFILE: fdalloc found no free descriptor in the process (open, dup, pipe return -1). */
  DESCRIPTORS,
  /** The disk's inodes: ialloc found none free (open O_CREATE, mkdir, mknod return -1). */
  DISK_INODES,
  /** The disk's data blocks: balloc found none free (a write stops short, mkdir returns -1). */
  DISK_BLOCKS
}
