package xv6ckpt.specs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The file system as xv6's system calls see it ({@code fs.c}, the bodies of {@code sysfile.c}):
 * inodes by number with their type, link count, references and contents, directories as their
 * 16-byte slots, and path lookup as namei does it. For {@link SyscallModel}; every method is a
 * plain statement of one xv6 rule.
 *
 * <p>Inode numbers are exact: ialloc takes the lowest free number. A directory's size is its slot
 * count times 16; dirlink reuses the first empty slot. Blocks are counted (a file of s bytes holds
 * ceil(s / BSIZE) data blocks, plus the indirect block past NDIRECT) so that the model can say when
 * the disk may be full, which it then does not guess: {@link Unknown}.
 *
 * <p>This project's rules beyond stock xv6: unlinking a directory clears its ".." slot (so a
 * process still inside it cannot reach a freed parent), and creating a name in a directory whose
 * link count is 0 is refused.
 */
public final class FsModel {
  // fs.h and param.h.
  public static final int BSIZE = 1024;
  public static final int DIRSIZ = 14;
  public static final int DIRENT = 16;
  public static final int NDIRECT = 12;
  public static final int NINDIRECT = BSIZE / 4;
  public static final int MAXFILE = NDIRECT + NINDIRECT;
  public static final int ROOTINO = 1;

  /** Blocks kept in reserve before the model calls the disk possibly full. */
  static final int FULL_MARGIN = 24;

  /** The model cannot say what happens (a freed inode reached, the disk possibly full). */
  public static final class Unknown extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Unknown(String why) {
      super(why, null, false, false);
    }
  }

  /** One inode. {@code refs}: open files, working directories and holders outside the model. */
  public static final class Ino {
    final int inum;
    int type;
    int nlink;
    short major;
    short minor;
    byte[] data = new byte[0];
    int refs;

    Ino(int inum) {
      this.inum = inum;
    }

    public int inum() {
      return inum;
    }

    public int type() {
      return type;
    }

    public int nlink() {
      return nlink;
    }

    public short major() {
      return major;
    }

    public long size() {
      return type == Xv6.T_DEVICE ? 0 : data.length;
    }

    public byte[] data() {
      return data.clone();
    }

    Ino copy() {
      Ino c = new Ino(inum);
      c.type = type;
      c.nlink = nlink;
      c.major = major;
      c.minor = minor;
      c.data = data;
      c.refs = refs;
      return c;
    }
  }

  private final TreeMap<Integer, Ino> inodes = new TreeMap<>();
  private final int ninodes;
  private final long dataBlocks;

  /**
   * An empty model of a disk with {@code ninodes} inodes (numbers 1..ninodes-1 usable) and {@code
   * dataBlocks} data blocks; fill it with {@link #load}.
   */
  public FsModel(int ninodes, long dataBlocks) {
    this.ninodes = ninodes;
    this.dataBlocks = dataBlocks;
  }

  /** A deep copy. */
  public FsModel copy() {
    FsModel c = new FsModel(ninodes, dataBlocks);
    inodes.forEach((k, v) -> c.inodes.put(k, v.copy()));
    return c;
  }

  /**
   * Puts an inode as the disk holds it (contents: a file's bytes or a directory's raw slots), with
   * {@code refs} references held by processes the model does not run.
   */
  public void load(int inum, int type, int nlink, short major, short minor, byte[] data, int refs) {
    Ino i = new Ino(inum);
    i.type = type;
    i.nlink = nlink;
    i.major = major;
    i.minor = minor;
    i.data = data.clone();
    i.refs = refs;
    inodes.put(inum, i);
  }

  public Optional<Ino> inode(int inum) {
    Ino i = inodes.get(inum);
    return i == null || i.type == 0 ? Optional.empty() : Optional.of(i);
  }

  Ino live(int inum) {
    Ino i = inodes.get(inum);
    if (i == null || i.type == 0) {
      throw new Unknown("inode " + inum + " reached after it was freed (xv6 panics in ilock)");
    }
    return i;
  }

  // ------------------------------------------------------------------ references

  void idup(int inum) {
    live(inum).refs++;
  }

  /** iput: the last reference to an inode with no links frees it (itrunc, type 0). */
  void iput(int inum) {
    Ino i = live(inum);
    i.refs--;
    freeIfUnused(i);
  }

  private void freeIfUnused(Ino i) {
    if (i.refs == 0 && i.nlink == 0) {
      i.type = 0;
      i.data = new byte[0];
    }
  }

  // ------------------------------------------------------------------ path names

  /** A path split as namex's skipelem does: elements, each cut to DIRSIZ bytes. */
  static List<byte[]> elements(byte[] path) {
    List<byte[]> out = new ArrayList<>();
    int i = 0;
    while (i < path.length) {
      while (i < path.length && path[i] == '/') {
        i++;
      }
      int s = i;
      while (i < path.length && path[i] != '/') {
        i++;
      }
      if (i > s) {
        out.add(Arrays.copyOfRange(path, s, Math.min(i, s + DIRSIZ)));
      }
    }
    return out;
  }

  /** namei(path) from cwd: the inode number, or empty. */
  public Optional<Integer> namei(byte[] path, int cwd) {
    return walk(path, cwd, false).map(w -> w.inum);
  }

  /** nameiparent: the directory that would hold the last element, and that element. */
  Optional<Walk> nameiparent(byte[] path, int cwd) {
    return walk(path, cwd, true);
  }

  record Walk(int inum, byte[] name) {}

  private Optional<Walk> walk(byte[] path, int cwd, boolean parent) {
    int ip = path.length > 0 && path[0] == '/' ? ROOTINO : cwd;
    List<byte[]> elems = elements(path);
    for (int k = 0; k < elems.size(); k++) {
      if (live(ip).type != Xv6.T_DIR) {
        return Optional.empty();
      }
      if (parent && k == elems.size() - 1) {
        return Optional.of(new Walk(ip, elems.get(k)));
      }
      Optional<Integer> next = dirlookup(ip, elems.get(k));
      if (next.isEmpty()) {
        return Optional.empty();
      }
      ip = next.get();
    }
    live(ip);
    return parent ? Optional.empty() : Optional.of(new Walk(ip, new byte[0]));
  }

  /** The first used slot whose name equals name (compared on DIRSIZ bytes). */
  Optional<Integer> dirlookup(int dir, byte[] name) {
    int slot = slotOf(dir, name);
    return slot < 0 ? Optional.empty() : Optional.of(slotInum(live(dir).data, slot));
  }

  private int slotOf(int dir, byte[] name) {
    byte[] d = live(dir).data;
    byte[] want = Arrays.copyOf(name, DIRSIZ);
    for (int s = 0; s < d.length / DIRENT; s++) {
      if (slotInum(d, s) != 0
          && Arrays.equals(d, s * DIRENT + 2, s * DIRENT + DIRENT, want, 0, DIRSIZ)) {
        return s;
      }
    }
    return -1;
  }

  private static int slotInum(byte[] d, int slot) {
    return (d[slot * DIRENT] & 0xff) | (d[slot * DIRENT + 1] & 0xff) << 8;
  }

  /** dirlink: name into the first empty slot, or a new slot at the end. */
  private void dirlink(int dir, byte[] name, int inum) {
    Ino d = live(dir);
    byte[] de = new byte[DIRENT];
    de[0] = (byte) inum;
    de[1] = (byte) (inum >>> 8);
    System.arraycopy(name, 0, de, 2, Math.min(name.length, DIRSIZ));
    int slot = 0;
    while (slot < d.data.length / DIRENT && slotInum(d.data, slot) != 0) {
      slot++;
    }
    if (slot * DIRENT == d.data.length) {
      ensureBlocks(d.data.length, d.data.length + DIRENT);
    }
    d.data = FileModel.splice(d.data, (long) slot * DIRENT, de);
  }

  private void clearSlot(int dir, int slot) {
    Ino d = live(dir);
    d.data = FileModel.splice(d.data, (long) slot * DIRENT, new byte[DIRENT]);
  }

  private static boolean isDot(byte[] name) {
    String n = new String(name, StandardCharsets.ISO_8859_1);
    return n.equals(".") || n.equals("..");
  }

  // ------------------------------------------------------------------ sysfile.c bodies

  /**
   * create(path, type): for T_FILE an existing file or device is returned as it is; otherwise an
   * existing name refuses. A new inode takes the lowest free number (none free: refused).
   *
   * @return the inode number, or -1
   */
  int create(byte[] path, int cwd, int type, short major, short minor) {
    Optional<Walk> w = nameiparent(path, cwd);
    if (w.isEmpty()) {
      return -1;
    }
    int dp = w.get().inum;
    byte[] name = w.get().name;
    Optional<Integer> existing = dirlookup(dp, name);
    if (existing.isPresent()) {
      int t = live(existing.get()).type;
      return type == Xv6.T_FILE && (t == Xv6.T_FILE || t == Xv6.T_DEVICE) ? existing.get() : -1;
    }
    if (live(dp).nlink == 0) {
      return -1; // this project: no new names in an unlinked directory
    }
    int inum = lowestFree();
    if (inum < 0) {
      return -1;
    }
    Ino ip = new Ino(inum);
    ip.type = type;
    ip.major = major;
    ip.minor = minor;
    ip.nlink = 1;
    inodes.put(inum, ip);
    if (type == Xv6.T_DIR) {
      dirlink(inum, new byte[] {'.'}, inum);
      dirlink(inum, new byte[] {'.', '.'}, dp);
      live(dp).nlink++;
    }
    dirlink(dp, name, inum);
    return inum;
  }

  private int lowestFree() {
    for (int inum = 1; inum < ninodes; inum++) {
      Ino i = inodes.get(inum);
      if (i == null || i.type == 0) {
        return inum;
      }
    }
    return -1;
  }

  /** link(old, new): 0 or -1. */
  int link(byte[] oldPath, byte[] newPath, int cwd) {
    Optional<Integer> ip = namei(oldPath, cwd);
    if (ip.isEmpty() || live(ip.get()).type == Xv6.T_DIR) {
      return -1;
    }
    Optional<Walk> w = nameiparent(newPath, cwd);
    if (w.isEmpty() || dirlookup(w.get().inum, w.get().name).isPresent()) {
      return -1;
    }
    if (live(w.get().inum).nlink == 0) {
      throw new Unknown("link into an unlinked directory (this project refuses creates there)");
    }
    live(ip.get()).nlink++;
    dirlink(w.get().inum, w.get().name, ip.get());
    return 0;
  }

  /** unlink(path): 0 or -1 (not found, "." or "..", a directory not empty). */
  int unlink(byte[] path, int cwd) {
    Optional<Walk> w = nameiparent(path, cwd);
    if (w.isEmpty() || isDot(w.get().name)) {
      return -1;
    }
    int dp = w.get().inum;
    int slot = slotOf(dp, w.get().name);
    if (slot < 0) {
      return -1;
    }
    Ino ip = live(slotInum(live(dp).data, slot));
    if (ip.type == Xv6.T_DIR && !isDirEmpty(ip)) {
      return -1;
    }
    clearSlot(dp, slot);
    if (ip.type == Xv6.T_DIR) {
      live(dp).nlink--;
      int up = slotOf(ip.inum, new byte[] {'.', '.'});
      if (up >= 0) {
        clearSlot(ip.inum, up);
      }
    }
    ip.nlink--;
    freeIfUnused(ip);
    return 0;
  }

  /** Empty but for its first two slots ("." and ".." as mkdir makes them). */
  private static boolean isDirEmpty(Ino dir) {
    for (int s = 2; s < dir.data.length / DIRENT; s++) {
      if (slotInum(dir.data, s) != 0) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ contents

  /** O_TRUNC: the file's blocks are freed, size 0. */
  void truncate(int inum) {
    live(inum).data = new byte[0];
  }

  /**
   * writei's bounds for a write of n1 bytes at off: off past the end refuses, and so does a file
   * that would grow past MAXFILE blocks.
   */
  boolean writeFits(int inum, long off, long n1) {
    return off <= live(inum).data.length && off + n1 <= (long) MAXFILE * BSIZE;
  }

  /** Stores data at off (growing the file when it runs past the end). */
  void write(int inum, long off, byte[] data) {
    Ino i = live(inum);
    ensureBlocks(i.data.length, Math.max(i.data.length, off + data.length));
    i.data = FileModel.splice(i.data, off, data);
  }

  /** Stores data at off only where it falls inside the file (the file does not grow). */
  void overwriteInside(int inum, long off, byte[] data) {
    Ino i = live(inum);
    int inside = (int) Math.max(0, Math.min(data.length, i.data.length - off));
    if (inside > 0) {
      System.arraycopy(data, 0, i.data, (int) off, inside);
    }
  }

  /** What the model cannot follow: a write that may find the disk full. */
  private void ensureBlocks(long oldSize, long newSize) {
    long need = blocks(newSize) - blocks(oldSize);
    if (need > 0 && usedBlocks() + need > dataBlocks - FULL_MARGIN) {
      throw new Unknown("the disk may be full (balloc fails: a short write)");
    }
  }

  private long usedBlocks() {
    long n = 0;
    for (Ino i : inodes.values()) {
      if (i.type != 0) {
        n += blocks(i.data.length);
      }
    }
    return n;
  }

  /** Data blocks of a file of s bytes, and its indirect block when it needs one. */
  static long blocks(long s) {
    long b = (s + BSIZE - 1) / BSIZE;
    return b + (b > NDIRECT ? 1 : 0);
  }

  /** struct stat for an inode: dev, ino, type, nlink, pad, size (24 bytes, little-endian). */
  byte[] stat(int inum) {
    Ino i = live(inum);
    byte[] st = new byte[24];
    Le.put(st, 0, 4, 1); // ROOTDEV
    Le.put(st, 4, 4, inum);
    Le.put(st, 8, 2, i.type);
    Le.put(st, 10, 2, i.nlink);
    Le.put(st, 16, 8, i.size());
    return st;
  }
}
