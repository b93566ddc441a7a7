package xv6ckpt.kernel.fs;

/**
 * {@code struct inode}: an entry of the in-memory inode table ({@link Fs}), a copy of a dinode plus
 * the bookkeeping xv6 keeps only in memory.
 *
 * <p>States, as in xv6's fs.c: referenced ({@code ref > 0}: the entry belongs to inode {@code
 * inum}; recycled when ref drops to 0), valid (the copy has been read from disk by ilock), locked
 * (the holder may read and change the copy and the file's content). Callers see an Inode only
 * between iget (or namei, ialloc, idup) and iput, and read its fields only while they hold it
 * locked.
 */
public final class Inode {
  // Guarded by the inode table: which inode this entry holds, and how many hold it.
  long inum;
  int ref;

  // Guarded by the inode's sleep-lock (locked).
  boolean locked;
  boolean valid; // inode has been read from disk?
  short type; // copy of disk inode
  short major;
  short minor;
  short nlink;
  long size;
  final long[] addrs = new long[FsFormat.NDIRECT + 1];
  long dindirect; // doubly-indirect block; 0 unless the file system has the feature

  /** The i-number. */
  public long inum() {
    return inum;
  }

  /** T_DIR, T_FILE or T_DEVICE (valid while locked). */
  public short type() {
    return type;
  }

  /** Size in bytes (valid while locked). */
  public long size() {
    return size;
  }

  /** Number of directory entries referring to it (valid while locked). */
  public short nlink() {
    return nlink;
  }

  /** Device numbers of a T_DEVICE inode (valid while locked). */
  public short major() {
    return major;
  }

  public short minor() {
    return minor;
  }

  /** Whether the caller holds the inode's lock (single-threaded: whether anyone does). */
  public boolean isLocked() {
    return locked;
  }

  /**
   * Sets the link count of the in-memory copy (the system calls link, unlink, mkdir do); caller
   * holds ip locked and calls {@link Fs#iupdate} after.
   */
  public void setNlink(short nlink) {
    this.nlink = nlink;
  }

  /** Back to the state of a new, unused table entry (for {@link Fs#remount}). */
  void forget() {
    inum = 0;
    ref = 0;
    locked = false;
    valid = false;
    type = 0;
    major = 0;
    minor = 0;
    nlink = 0;
    size = 0;
    java.util.Arrays.fill(addrs, 0);
    dindirect = 0;
  }

  /** Sets the device numbers of a new inode (create); caller holds ip locked, then iupdate. */
  public void setDevice(short major, short minor) {
    this.major = major;
    this.minor = minor;
  }
}
