package xv6ckpt.kernel.fs;

import static xv6ckpt.kernel.fs.FsFormat.BSIZE;
import static xv6ckpt.kernel.fs.FsFormat.DIRENT_SIZE;
import static xv6ckpt.kernel.fs.Stat.T_DEVICE;
import static xv6ckpt.kernel.fs.Stat.T_DIR;
import static xv6ckpt.kernel.fs.Stat.T_FILE;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

/**
 * A mounted file system and its whole operations: the bodies of xv6's {@code sysfile.c} (create,
 * link, unlink, mkdir, open with O_TRUNC) and of {@code filewrite}'s chunked writing, on
 * kernel-side arguments (path strings, byte arrays) instead of user memory.
 *
 * <p>Every method here opens and closes its own transactions, as a system call does, so it must
 * not be called inside one. Paths are UTF-8 and resolved from the root directory (a relative
 * path is taken as relative to the root). An expected refusal is an {@link FsException} and
 * leaves the file system unchanged; corruption found on the disk is a {@link KernelPanic}, after
 * which this object is not to be used.
 *
 * <p>Used by the host tools (mkfs's neighbours ls, cat, put, get), the crash-consistency tests
 * and the benchmark today, and by the process layer's system calls and Checkpoint later, which
 * call {@link #writeChunked} for images larger than one transaction.
 */
public final class FileSystem {
  private final Fs fs;
  private final Log log;

  private FileSystem(Fs fs) {
    this.fs = fs;
    this.log = fs.log();
  }

  /** Mounts the file system on dev (recovering its log), with nbuf buffers (at least). */
  public static FileSystem mount(BlockDevice dev, int nbuf) {
    return new FileSystem(Fs.mount(dev, nbuf));
  }

  /** Mounts with the default buffer cache. */
  public static FileSystem mount(BlockDevice dev) {
    return new FileSystem(Fs.mount(dev));
  }

  /**
   * The whole operations over a file system already mounted, such as a running machine's
   * ({@code Machine.fs()}): how a test reads what the machine's programs wrote.
   */
  public static FileSystem of(Fs fs) {
    return new FileSystem(fs);
  }

  public Fs fs() {
    return fs;
  }

  public Log log() {
    return log;
  }

  public Superblock superblock() {
    return fs.superblock();
  }

  // ---------------------------------------------------------------------------------------
  // Transaction budgets.

  /**
   * Bytes of file one transaction of {@code opBlocks} reserved log blocks may write: xv6's
   * filewrite bound {@code ((MAXOPBLOCKS-1-1-2) / 2) * BSIZE} (the inode, the indirect block,
   * two blocks of slop for unaligned writes, and for each data block the block and its bitmap
   * block), with MAXOPBLOCKS replaced by the reservation. With the doubly-indirect feature a
   * chunk may touch three index blocks (the indirect block, the doubly-indirect block and one
   * of its children, or the doubly-indirect block and two children), so 3 replaces the 1.
   * Always at least one block, so a write makes progress.
   */
  public static int maxWriteBytes(int opBlocks, boolean dindirect) {
    int indexBlocks = dindirect ? 3 : 1;
    return Math.max(1, (opBlocks - 1 - indexBlocks - 2) / 2) * BSIZE;
  }

  /** The reservation for one large write: the whole log (it waits for an idle log). */
  public int largeOpBlocks() {
    return log.capacity();
  }

  /**
   * The reservation of an operation that may free a file: freeing touches every bitmap block
   * the file's blocks fall in, besides the inode and directory blocks of a normal operation.
   * Capped at the log's capacity: freeing a huge file scattered over more bitmap blocks than
   * the log holds panics ("too big a transaction"), as it would in xv6.
   */
  int freeingOpBlocks() {
    Superblock sb = fs.superblock();
    long bitmapBlocks = sb.dataStart() - sb.bmapstart();
    return (int) Math.min(log.capacity(), Param.MAXOPBLOCKS + bitmapBlocks);
  }

  /** Runs one transaction's body; a refusal ends the transaction, a panic does not. */
  private <T> T inTransaction(int reserve, Body<T> body) throws FsException {
    log.beginOpNow(reserve);
    T result;
    try {
      result = body.run();
    } catch (FsException e) {
      log.endOp(reserve); // the body undid its partial work before refusing
      throw e;
    }
    log.endOp(reserve);
    return result;
  }

  @FunctionalInterface
  private interface Body<T> {
    T run() throws FsException;
  }

  private static byte[] bytes(String path) {
    return path.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean isDotOrDotDot(byte[] name) {
    return (name.length == 1 && name[0] == '.')
        || (name.length == 2 && name[0] == '.' && name[1] == '.');
  }

  // ---------------------------------------------------------------------------------------
  // sysfile.c: create, mkdir, link, unlink, open's truncate.

  /**
   * xv6's create(): makes path a new inode of the given type, or for T_FILE returns the
   * existing file or device. Inside a transaction.
   *
   * @return the inode, locked and referenced
   */
  private Inode create(String path, short type, short major, short minor) throws FsException {
    Root r = new Root();
    Optional<Fs.Parent> p = fs.nameiparent(bytes(path), r.ip);
    r.put();
    if (p.isEmpty()) {
      throw new FsException(FsError.NOT_FOUND, path);
    }
    Inode dp = p.get().dir();
    byte[] name = p.get().name();
    fs.ilock(dp);
    Optional<Fs.Found> existing = fs.dirlookup(dp, name);
    if (existing.isPresent()) {
      fs.iunlockput(dp);
      Inode ip = existing.get().ip();
      fs.ilock(ip);
      if (type == T_FILE && (ip.type == T_FILE || ip.type == T_DEVICE)) {
        return ip;
      }
      short found = ip.type;
      fs.iunlockput(ip);
      throw new FsException(found == T_DIR && type == T_FILE ? FsError.IS_A_DIRECTORY
          : FsError.EXISTS, path);
    }
    Optional<Inode> allocated = fs.ialloc(type);
    if (allocated.isEmpty()) {
      fs.iunlockput(dp);
      throw new FsException(FsError.NO_INODES, path);
    }
    Inode ip = allocated.get();
    fs.ilock(ip);
    ip.major = major;
    ip.minor = minor;
    ip.nlink = 1;
    fs.iupdate(ip);
    boolean linked = type != T_DIR || (fs.dirlink(ip, new byte[] {'.'}, ip.inum)
        && fs.dirlink(ip, new byte[] {'.', '.'}, dp.inum)); // Create . and .. entries.
    if (linked && fs.dirlink(dp, name, ip.inum)) {
      if (type == T_DIR) {
        dp.nlink++; // for ".."
        fs.iupdate(dp);
      }
      fs.iunlockput(dp);
      return ip;
    }
    // something went wrong. de-allocate ip.
    ip.nlink = 0;
    fs.iupdate(ip);
    fs.iunlockput(ip);
    fs.iunlockput(dp);
    throw new FsException(FsError.NO_SPACE, path);
  }

  /** A reference to the root directory, the cwd of host-side operations. */
  private final class Root {
    final Inode ip = fs.root();

    void put() {
      fs.iput(ip);
    }
  }

  private Optional<Inode> namei(String path) {
    Root r = new Root();
    Optional<Inode> ip = fs.namei(bytes(path), r.ip);
    r.put();
    return ip;
  }

  /** mkdir: makes a new, empty directory. @return its i-number */
  public long mkdir(String path) throws FsException {
    return inTransaction(Param.MAXOPBLOCKS, () -> {
      Inode ip = create(path, T_DIR, (short) 0, (short) 0);
      long inum = ip.inum;
      fs.iunlockput(ip);
      return inum;
    });
  }

  /** mknod: makes a device inode. @return its i-number */
  public long mknod(String path, short major, short minor) throws FsException {
    return inTransaction(Param.MAXOPBLOCKS, () -> {
      Inode ip = create(path, T_DEVICE, major, minor);
      if (ip.type != T_DEVICE) {
        fs.iunlockput(ip);
        throw new FsException(FsError.EXISTS, path);
      }
      long inum = ip.inum;
      fs.iunlockput(ip);
      return inum;
    });
  }

  /**
   * open(path, O_CREATE | O_WRONLY | (truncate ? O_TRUNC : 0)) then close: makes path a file if
   * it is not one, emptying it if asked. @return its i-number
   */
  public long createFile(String path, boolean truncate) throws FsException {
    return inTransaction(truncate ? freeingOpBlocks() : Param.MAXOPBLOCKS, () -> {
      Inode ip = create(path, T_FILE, (short) 0, (short) 0);
      if (truncate && ip.type == T_FILE) {
        fs.itrunc(ip);
      }
      long inum = ip.inum;
      fs.iunlockput(ip);
      return inum;
    });
  }

  /** open(path, O_TRUNC) then close: empties an existing file. */
  public void truncate(String path) throws FsException {
    inTransaction(freeingOpBlocks(), () -> {
      Inode ip = namei(path).orElseThrow(() -> new FsException(FsError.NOT_FOUND, path));
      fs.ilock(ip);
      if (ip.type == T_DIR) {
        fs.iunlockput(ip);
        throw new FsException(FsError.IS_A_DIRECTORY, path);
      }
      if (ip.type == T_FILE) {
        fs.itrunc(ip);
      }
      fs.iunlockput(ip);
      return null;
    });
  }

  /** link: makes newPath another name for the file oldPath. */
  public void link(String oldPath, String newPath) throws FsException {
    inTransaction(Param.MAXOPBLOCKS, () -> {
      Inode ip = namei(oldPath).orElseThrow(() -> new FsException(FsError.NOT_FOUND, oldPath));
      fs.ilock(ip);
      if (ip.type == T_DIR) {
        fs.iunlockput(ip);
        throw new FsException(FsError.IS_A_DIRECTORY, oldPath);
      }
      ip.nlink++;
      fs.iupdate(ip);
      fs.iunlock(ip);
      Root r = new Root();
      Optional<Fs.Parent> p = fs.nameiparent(bytes(newPath), r.ip);
      r.put();
      FsError err = null;
      if (p.isEmpty()) {
        err = FsError.NOT_FOUND;
      } else {
        Inode dp = p.get().dir();
        fs.ilock(dp);
        if (!fs.dirlink(dp, p.get().name(), ip.inum)) {
          err = fs.dirlookup(dp, p.get().name()).map(f -> {
            fs.iput(f.ip());
            return FsError.EXISTS;
          }).orElse(FsError.NO_SPACE);
        }
        fs.iunlockput(dp);
      }
      if (err != null) { // bad: undo the link count
        fs.ilock(ip);
        ip.nlink--;
        fs.iupdate(ip);
        fs.iunlockput(ip);
        throw new FsException(err, newPath);
      }
      fs.iput(ip);
      return null;
    });
  }

  /** Is the directory dp (locked) empty except for "." and ".."? */
  private boolean isdirempty(Inode dp) {
    byte[] de = new byte[DIRENT_SIZE];
    for (long off = 2 * DIRENT_SIZE; off < dp.size; off += DIRENT_SIZE) {
      if (fs.readi(dp, ByteSink.of(de), 0, off, DIRENT_SIZE) != DIRENT_SIZE) {
        throw new KernelPanic("isdirempty: readi");
      }
      if (FsFormat.u16(de, 0) != 0) {
        return false;
      }
    }
    return true;
  }

  /** unlink: removes a name; the file goes when its last link and reference do. */
  public void unlink(String path) throws FsException {
    inTransaction(freeingOpBlocks(), () -> {
      Root r = new Root();
      Optional<Fs.Parent> p = fs.nameiparent(bytes(path), r.ip);
      r.put();
      if (p.isEmpty()) {
        throw new FsException(FsError.NOT_FOUND, path);
      }
      Inode dp = p.get().dir();
      byte[] name = p.get().name();
      fs.ilock(dp);
      if (isDotOrDotDot(name)) { // Cannot unlink "." or "..".
        fs.iunlockput(dp);
        throw new FsException(FsError.INVALID_NAME, path);
      }
      Optional<Fs.Found> f = fs.dirlookup(dp, name);
      if (f.isEmpty()) {
        fs.iunlockput(dp);
        throw new FsException(FsError.NOT_FOUND, path);
      }
      Inode ip = f.get().ip();
      fs.ilock(ip);
      if (ip.nlink < 1) {
        throw new KernelPanic("unlink: nlink < 1 (inode " + ip.inum + ")");
      }
      if (ip.type == T_DIR && !isdirempty(ip)) {
        fs.iunlockput(ip);
        fs.iunlockput(dp);
        throw new FsException(FsError.DIRECTORY_NOT_EMPTY, path);
      }
      byte[] zero = new byte[DIRENT_SIZE];
      if (fs.writei(dp, ByteSource.of(zero), 0, f.get().off(), DIRENT_SIZE) != DIRENT_SIZE) {
        throw new KernelPanic("unlink: writei");
      }
      if (ip.type == T_DIR) {
        dp.nlink--;
        fs.iupdate(dp);
      }
      fs.iunlockput(dp);
      ip.nlink--;
      fs.iupdate(ip);
      fs.iunlockput(ip);
      return null;
    });
  }

  // ---------------------------------------------------------------------------------------
  // Reading and writing whole files, and listing directories.

  /** A directory entry with the stat of the inode it names. */
  public record Entry(String name, Stat stat) {}

  /** fstat of path. */
  public Stat stat(String path) throws FsException {
    return inTransaction(Param.MAXOPBLOCKS, () -> {
      Inode ip = namei(path).orElseThrow(() -> new FsException(FsError.NOT_FOUND, path));
      fs.ilock(ip);
      Stat st = fs.stati(ip);
      fs.iunlockput(ip);
      return st;
    });
  }

  /**
   * What xv6's ls shows: for a directory, each used entry ("." and ".." included) with the
   * stat of its inode, in directory order; for anything else, the one inode under its path.
   */
  public List<Entry> list(String path) throws FsException {
    return inTransaction(Param.MAXOPBLOCKS, () -> {
      Inode ip = namei(path).orElseThrow(() -> new FsException(FsError.NOT_FOUND, path));
      fs.ilock(ip);
      List<Entry> out = new ArrayList<>();
      if (ip.type != T_DIR) {
        out.add(new Entry(path, fs.stati(ip)));
      } else {
        byte[] de = new byte[DIRENT_SIZE];
        for (long off = 0; off + DIRENT_SIZE <= ip.size; off += DIRENT_SIZE) {
          if (fs.readi(ip, ByteSink.of(de), 0, off, DIRENT_SIZE) != DIRENT_SIZE) {
            throw new KernelPanic("ls: cannot read directory inode " + ip.inum);
          }
          Dirent d = Dirent.decode(de, 0);
          if (d.inum() == 0) {
            continue;
          }
          out.add(new Entry(d.displayName(), statOf(ip, d.inum())));
        }
      }
      fs.iunlockput(ip);
      return out;
    });
  }

  private Stat statOf(Inode dir, long inum) {
    if (inum == dir.inum) {
      return fs.stati(dir); // "." : already locked
    }
    Inode ip = fs.iget(inum);
    fs.ilock(ip);
    Stat st = fs.stati(ip);
    fs.iunlockput(ip);
    return st;
  }

  /** The whole content of a file (or device inode's data), as cat reads it. */
  public byte[] readFile(String path) throws FsException {
    Inode ip = inTransaction(Param.MAXOPBLOCKS,
        () -> namei(path).orElseThrow(() -> new FsException(FsError.NOT_FOUND, path)));
    fs.ilock(ip);
    if (ip.type == T_DIR) {
      fs.iunlock(ip);
      closeInode(ip);
      throw new FsException(FsError.IS_A_DIRECTORY, path);
    }
    byte[] data = new byte[(int) ip.size];
    int n = fs.readi(ip, ByteSink.of(data), 0, 0, data.length);
    fs.iunlock(ip);
    closeInode(ip);
    if (n != data.length) {
      throw new KernelPanic("read: inode " + ip.inum + " gave " + n + " of " + data.length
          + " bytes");
    }
    return data;
  }

  /** fileclose's iput, in its own transaction. */
  private void closeInode(Inode ip) {
    log.beginOpNow(freeingOpBlocks());
    fs.iput(ip);
    log.endOp(freeingOpBlocks());
  }

  /**
   * Makes path a file holding exactly {@code data}: created or truncated in one transaction,
   * then written in chunks of {@link #largeOpBlocks()} reservations.
   *
   * @throws FsException as create does, or NO_SPACE if the disk filled up (the file then holds
   *     a prefix of data), or FILE_TOO_LARGE
   */
  public void writeFile(String path, byte[] data) throws FsException {
    long max = (long) superblock().maxFileBlocks() * BSIZE;
    if (data.length > max) {
      throw new FsException(FsError.FILE_TOO_LARGE, path);
    }
    Inode ip = inTransaction(freeingOpBlocks(), () -> {
      Inode created = create(path, T_FILE, (short) 0, (short) 0);
      if (created.type != T_FILE) {
        fs.iunlockput(created);
        throw new FsException(FsError.EXISTS, path);
      }
      fs.itrunc(created);
      fs.iunlock(created);
      return created;
    });
    long written = writeChunked(ip, 0, ByteSource.of(data), 0, data.length, largeOpBlocks());
    closeInode(ip);
    if (written != data.length) {
      throw new FsException(FsError.NO_SPACE, path);
    }
  }

  /**
   * filewrite's loop: writes n bytes from src (at srcAddr) to inode ip at offset off, in
   * chunks of {@link #maxWriteBytes} bytes, each chunk its own transaction reserving opBlocks
   * log blocks (Param.MAXOPBLOCKS for xv6's own splitting; {@link #largeOpBlocks()} for big
   * writes on a file system with a big log). ip must be referenced and unlocked, and no
   * transaction may be open. A crash leaves a prefix of whole chunks written.
   *
   * @return bytes written: n, or fewer if the disk filled up, the file reached its largest
   *     size or the source refused an address (xv6's filewrite then returns -1); -1 if off is
   *     beyond the end of the file
   */
  public long writeChunked(Inode ip, long off, ByteSource src, long srcAddr, long n,
      int opBlocks) {
    int max = maxWriteBytes(opBlocks, superblock().hasDindirect());
    long i = 0;
    while (i < n) {
      int n1 = (int) Math.min(n - i, max);
      log.beginOpNow(opBlocks);
      fs.ilock(ip);
      int r = fs.writei(ip, src, srcAddr + i, off + i, n1);
      fs.iunlock(ip);
      log.endOp(opBlocks);
      if (r < 0) {
        return i == 0 ? -1 : i;
      }
      i += r;
      if (r != n1) {
        break; // error from writei
      }
    }
    return i;
  }

  /**
   * A referenced (unlocked) inode for path, for callers that read or write it with {@link Fs}
   * and {@link #writeChunked}; release it with {@link #close}.
   */
  public Inode open(String path) throws FsException {
    return inTransaction(Param.MAXOPBLOCKS,
        () -> namei(path).orElseThrow(() -> new FsException(FsError.NOT_FOUND, path)));
  }

  /** Drops the reference {@link #open} gave (freeing the file if it was unlinked). */
  public void close(Inode ip) {
    closeInode(ip);
  }
}
