package xv6ckpt.specs;

/**
 * Every way checkpoint and restore can refuse, with its stable name and the distinct negative code
 * the system call returns. The single source of the rules table in FORMAT.md (a test keeps the two
 * equal).
 *
 * <p>Codes are never reused or renumbered: a retired rule keeps its entry. -1 is not a rule: it
 * stays xv6's answer to a bad argument (a wild pointer, a path longer than MAXPATH), as for every
 * other system call.
 *
 * <p>Image rules are listed in the order the decoder checks them (see {@link ImageDecoder}); {@link
 * #COMMIT_MISSING} and {@link #RESERVED_NONZERO} are checked at more than one point.
 */
public enum Rule {
  // checkpoint(pid, path): refused before anything is written.
  CKPT_NO_PROCESS(
      -2, When.CHECKPOINT, "pid names no process (never used, UNUSED, or not yet started)"),
  CKPT_ZOMBIE(-3, When.CHECKPOINT, "the target has exited (ZOMBIE)"),
  CKPT_BUSY(
      -4, When.CHECKPOINT, "the target is inside a system call other than wait, read or sleep"),
  CKPT_PIPE(-5, When.CHECKPOINT, "the target has a pipe open"),
  CKPT_DEVICE(-6, When.CHECKPOINT, "the target has a device other than the console open"),
  CKPT_PATH(-7, When.CHECKPOINT, "path cannot be created (missing parent, a directory, a device)"),
  CKPT_NOSPACE(
      -8,
      When.CHECKPOINT,
      "the disk ran out of blocks or inodes, or the image is larger than the file system's "
          + "largest file"),

  // The image: checked by restore (and by inspect and imginfo) before anything else happens.
  HDR_MAGIC(-10, When.IMAGE, "the file starts with the 8 bytes XV6CKPT\\0"),
  HDR_VERSION(-11, When.IMAGE, "version is 1"),
  COMMIT_MISSING(
      -12, When.IMAGE, "the file is at least 4128 bytes and its last 32 start with XV6DONE\\0"),
  COMMIT_LENGTH(-13, When.IMAGE, "the commit record's length equals the file's length"),
  COMMIT_ID(-14, When.IMAGE, "the commit record's image id equals the header's"),
  CRC_MISMATCH(
      -15,
      When.IMAGE,
      "CRC-32C of every byte before the commit record equals the commit record's crc"),
  HDR_LENGTH(-16, When.IMAGE, "hdrlen is 64"),
  HDR_NFILES(-17, When.IMAGE, "nfiles is at most NOFILE (16)"),
  HDR_NPAGES(-18, When.IMAGE, "npages is at most TRAPFRAME / PGSIZE (67108862)"),
  IMAGE_LENGTH(-19, When.IMAGE, "the file's length is what nfiles and npages give"),
  RESERVED_NONZERO(-20, When.IMAGE, "every reserved field and every padding byte is zero"),
  HDR_PID(-21, When.IMAGE, "pid is between 1 and 2^31-1"),
  HDR_NAME(-22, When.IMAGE, "name holds a NUL within its 16 bytes and only NULs after the first"),
  HDR_SZ(-23, When.IMAGE, "sz is at most TRAPFRAME"),
  REGS_PC(-24, When.IMAGE, "pc is even and below TRAPFRAME"),
  RESTART_SYSCALL(
      -25,
      When.IMAGE,
      "sysnum is 0, or wait (3), read (5) or sleep (13) and equal to a7's low 32 bits"),
  RESTART_ARGS(-26, When.IMAGE, "args are all 0 when sysnum is 0, else equal to a0..a5"),
  RESTART_PROGRESS(
      -27,
      When.IMAGE,
      "progress is 0 for no sysnum and wait; below n = (int) a2 for read, "
          + "ticks = (int) a0 for sleep"),
  FILE_FD(-28, When.IMAGE, "fd is below NOFILE and above the previous record's fd"),
  FILE_KIND(-29, When.IMAGE, "kind is 1 (console) or 2 (file)"),
  FILE_MODE(-30, When.IMAGE, "mode is 1 (read), 2 (write) or 3 (both)"),
  FILE_CONSOLE(-31, When.IMAGE, "a console record has inum 0, offset 0 and an all-NUL path"),
  FILE_INUM(-32, When.IMAGE, "a file record's inum is at least 1"),
  FILE_PATH(
      -33,
      When.IMAGE,
      "a file record's path starts with '/', holds a NUL, and only NULs after the first"),
  PAGE_VA_ALIGNED(-34, When.IMAGE, "va is a multiple of PGSIZE"),
  PAGE_VA_RANGE(-35, When.IMAGE, "va + PGSIZE is at most PGROUNDUP(sz)"),
  PAGE_ORDER(-36, When.IMAGE, "va is above the previous page's va"),
  PAGE_PERM(-37, When.IMAGE, "perm has only R, W, X, U; R or X; and W only with R"),
  RESTART_PC(-38, When.IMAGE, "with a sysnum, pc addresses an ecall in pages with X and U"),

  // restore(path): the image is valid but cannot become this process.
  RESTORE_NO_FILE(-40, When.RESTORE, "path names no file, or a directory or device"),
  RESTORE_FILE_MISSING(-41, When.RESTORE, "a file record's path no longer names anything"),
  RESTORE_FILE_INODE(
      -42,
      When.RESTORE,
      "a file record's path now names another inode, a device, or (writable record) a directory"),
  RESTORE_FILE_OFFSET(-43, When.RESTORE, "a file record's offset is beyond the file's size now"),
  RESTORE_NOMEM(-44, When.RESTORE, "not enough free memory for the image's pages and page tables");

  /** When a rule is checked: which system call refuses, and on what. */
  public enum When {
    CHECKPOINT("checkpoint"),
    IMAGE("image"),
    RESTORE("restore");

    private final String label;

    When(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final int code;
  private final When when;
  private final String description;

  Rule(int code, When when, String description) {
    this.code = code;
    this.when = when;
    this.description = description;
  }

  /** The negative value the system call returns. */
  public int code() {
    return code;
  }

  public When when() {
    return when;
  }

  /** What must hold (image rules) or what went wrong (the others), in one line. */
  public String description() {
    return description;
  }
}
