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
 * xv6's {@code sysfile.c} bodies, once, and a mounted file system's whole operations on them.
 *
 * <p>The bodies ({@link #create}, {@link #link}, {@link #unlink}) are static and run inside the
 * caller's transaction, from the caller's working directory; a refusal is a value naming the {@link
 * FsError} (where xv6 answers -1), with the partial work undone. They live here, not in the
 * kernel's {@code SysFile}, because the file-system layer may not call up into the kernel while
 * both the kernel and the host tools need them: {@code SysFile} wraps them with argument fetching
 * and -1, the whole operations below with a transaction and an {@link FsException}.
 *
 * <p>The whole operations (mkdir, link, unlink, createFile, readFile, writeFile, ...) work on
 * kernel-side arguments (path strings, byte arrays) instead of user memory, and each opens and
 * closes its own transactions, as a system call does, so it must not be called inside one. Paths
 * are UTF-8 and resolved from the root directory (a relative path is taken as relative to the
 * root). An expected refusal is an {@link FsException} and leaves the file system unchanged;
 * corruption found on the disk is a {@link KernelPanic}, after which this object is not to be used.
 * Used by the host tools (ls, cat, put, get), the crash-consistency tests and the benchmarks; the
 * kernel uses {@link #writeChunked} and {@link #maxWriteBytes}.
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
   * The whole operations over a file system already mounted, such as a running machine's ({@code
   * Machine.fs()}): how a test reads what the machine's programs wrote.
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
   * filewrite bound {@code ((MAXOPBLOCKS-1-1-2) / 2) * BSIZE} (the inode, the indirect block, two
   * blocks of slop for unaligned writes, and for each data block the block and its bitmap block),
   * with MAXOPBLOCKS replaced by the reservation. With the doubly-indirect feature a chunk may
   * touch three index blocks (the indirect block, the doubly-indirect block and one of its
   * children, or the doubly-indirect block and two children), so 3 replaces the 1. Always at least
   * one block, so a write makes progress.
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
   * The reservation of an operation that may free a file: freeing touches every bitmap block the
   * file's blocks fall in, besides the inode and directory blocks of a normal operation. Capped at
   * the log's capacity: freeing a huge file scattered over more bitmap blocks than the log holds
   * panics ("too big a transaction"), as it would in xv6.
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

  // ---------------------------------------------------------------------------------------
  // sysfile.c's bodies, for the kernel's system calls and the whole operations below alike.

  /** Why a body refused: the error, and which path argument it is about (1: link's new path). */
  public record Refusal(FsError error, int arg) implements Created {}

  /** create's outcome: the inode made or found, or a refusal. */
  public sealed interface Created permits Made, Refusal {}

  /** The inode create made or found, locked and referenced. */
  public record Made(Inode ip) implements Created {}

  /**
   * xv6's create(): makes path (from cwd) a new inode of the given type, or for T_FILE returns the
   * existing file or device. Inside a transaction.
   */
  public static Created create(
      Fs fs, Inode cwd, byte[] path, short type, short major, short minor) {
    Optional<Fs.Parent> parent = fs.nameiparent(path, cwd);
    if (parent.isEmpty()) {
      return new Refusal(FsError.NOT_FOUND, 0);
    }
    Inode dp = parent.get().dir();
    byte[] name = parent.get().name();
    fs.ilock(dp);
    Optional<Fs.Found> existing = fs.dirlookup(dp, name);
    if (existing.isPresent()) {
      fs.iunlockput(dp);
      Inode ip = existing.get().ip();
      fs.ilock(ip);
      if (type == T_FILE && (ip.type == T_FILE || ip.type == T_DEVICE)) {
        return new Made(ip);
      }
      short found = ip.type;
      fs.iunlockput(ip);
      return new Refusal(
          found == T_DIR && type == T_FILE ? FsError.IS_A_DIRECTORY : FsError.EXISTS, 0);
    }
    if (dp.nlink < 1) { // not in xv6: no new entry in a removed directory (kernel README)
      fs.iunlockput(dp);
      return new Refusal(FsError.NOT_FOUND, 0);
    }
    Optional<Inode> allocated = fs.ialloc(type);
    if (allocated.isEmpty()) {
      fs.iunlockput(dp);
      return new Refusal(FsError.NO_INODES, 0);
    }
    Inode ip = allocated.get();
    fs.ilock(ip);
    ip.major = major;
    ip.minor = minor;
    ip.nlink = 1;
    fs.iupdate(ip);
    boolean linked =
        type != T_DIR
            || (fs.dirlink(ip, new byte[] {'.'}, ip.inum)
                && fs.dirlink(ip, new byte[] {'.', '.'}, dp.inum)); // Create . and .. entries.
    if (linked && fs.dirlink(dp, name, ip.inum)) {
      if (type == T_DIR) {
        // now that success is guaranteed:
        dp.nlink++; // for ".."
        fs.iupdate(dp);
      }
      fs.iunlockput(dp);
      return new Made(ip);
    }
    // something went wrong. de-allocate ip.
    ip.nlink = 0;
    fs.iupdate(ip);
    fs.iunlockput(ip);
    fs.iunlockput(dp);
    return new Refusal(FsError.NO_SPACE, 0);
  }

  /**
   * xv6's sys_link body: makes newPath (from cwd) another name for the file oldPath. Inside a
   * transaction.
   *
   * @return empty if linked, else the refusal
   */
  public static Optional<Refusal> link(Fs fs, Inode cwd, byte[] oldPath, byte[] newPath) {
    Optional<Inode> found = fs.namei(oldPath, cwd);
    if (found.isEmpty()) {
      return Optional.of(new Refusal(FsError.NOT_FOUND, 0));
    }
    Inode ip = found.get();
    fs.ilock(ip);
    if (ip.type == T_DIR) {
      fs.iunlockput(ip);
      return Optional.of(new Refusal(FsError.IS_A_DIRECTORY, 0));
    }
    ip.nlink++;
    fs.iupdate(ip);
    fs.iunlock(ip);
    Optional<Fs.Parent> parent = fs.nameiparent(newPath, cwd);
    FsError err = FsError.NOT_FOUND;
    if (parent.isPresent()) {
      Inode dp = parent.get().dir();
      fs.ilock(dp);
      if (dp.nlink < 1) { // not in xv6: no new entry in a removed directory (kernel README)
        err = FsError.NOT_FOUND;
      } else if (fs.dirlink(dp, parent.get().name(), ip.inum)) {
        fs.iunlockput(dp);
        fs.iput(ip);
        return Optional.empty();
      } else {
        err = nameTaken(fs, dp, parent.get().name()) ? FsError.EXISTS : FsError.NO_SPACE;
      }
      fs.iunlockput(dp);
    }
    // bad: undo the link count.
    fs.ilock(ip);
    ip.nlink--;
    fs.iupdate(ip);
    fs.iunlockput(ip);
    return Optional.of(new Refusal(err, 1));
  }

  /** Why dirlink failed: the name is taken (else the disk is full). Reads only. */
  private static boolean nameTaken(Fs fs, Inode dp, byte[] name) {
    Optional<Fs.Found> f = fs.dirlookup(dp, name);
    f.ifPresent(found -> fs.iput(found.ip()));
    return f.isPresent();
  }

  /** Is the directory dp (locked) empty except for "." and ".."? */
  private static boolean isdirempty(Fs fs, Inode dp) {
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

  /**
   * xv6's sys_unlink body: removes a name (from cwd); the file goes when its last link and
   * reference do. Inside a transaction.
   *
   * @return empty if unlinked, else the refusal
   */
  public static Optional<Refusal> unlink(Fs fs, Inode cwd, byte[] path) {
    Optional<Fs.Parent> parent = fs.nameiparent(path, cwd);
    if (parent.isEmpty()) {
      return Optional.of(new Refusal(FsError.NOT_FOUND, 0));
    }
    Inode dp = parent.get().dir();
    byte[] name = parent.get().name();
    fs.ilock(dp);
    if (Dirent.isDotOrDotDot(name)) { // Cannot unlink "." or "..".
      fs.iunlockput(dp);
      return Optional.of(new Refusal(FsError.INVALID_NAME, 0));
    }
    Optional<Fs.Found> found = fs.dirlookup(dp, name);
    if (found.isEmpty()) {
      fs.iunlockput(dp);
      return Optional.of(new Refusal(FsError.NOT_FOUND, 0));
    }
    Inode ip = found.get().ip();
    fs.ilock(ip);
    if (ip.nlink < 1) {
      throw new KernelPanic("unlink: nlink < 1");
    }
    if (ip.type == T_DIR && !isdirempty(fs, ip)) {
      fs.iunlockput(ip);
      fs.iunlockput(dp);
      return Optional.of(new Refusal(FsError.DIRECTORY_NOT_EMPTY, 0));
    }
    byte[] de = new byte[DIRENT_SIZE];
    if (fs.writei(dp, ByteSource.of(de), 0, found.get().off(), DIRENT_SIZE) != DIRENT_SIZE) {
      throw new KernelPanic("unlink: writei");
    }
    if (ip.type == T_DIR) {
      dp.nlink--;
      fs.iupdate(dp);
      forgetParent(fs, ip);
    }
    fs.iunlockput(dp);
    ip.nlink--;
    fs.iupdate(ip);
    fs.iunlockput(ip);
    return Optional.empty();
  }

  /**
   * Clears the ".." entry of directory ip (locked), which is being unlinked: its link to the parent
   * was just dropped from the parent's count, and a process whose cwd it still is must not reach
   * the parent through it once the parent is gone too (usertests' unlinkcwd: xv6 would find a freed
   * inode there and panic in ilock).
   */
  private static void forgetParent(Fs fs, Inode ip) {
    Optional<Fs.Found> up = fs.dirlookup(ip, new byte[] {'.', '.'});
    if (up.isPresent()) {
      fs.iput(up.get().ip());
      byte[] de = new byte[DIRENT_SIZE];
      if (fs.writei(ip, ByteSource.of(de), 0, up.get().off(), de.length) != de.length) {
        throw new KernelPanic("unlink: writei");
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Whole operations on the bodies: mkdir, mknod, createFile, truncate, link, unlink.

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

  /** The body's inode, or its refusal as an FsException about path. */
  private Inode create(String path, short type, short major, short minor) throws FsException {
    Root r = new Root();
    Created c = create(fs, r.ip, bytes(path), type, major, minor);
    r.put();
    if (c instanceof Refusal no) {
      throw new FsException(no.error(), path);
    }
    return ((Made) c).ip();
  }

  /** mkdir: makes a new, empty directory. @return its i-number */
  public long mkdir(String path) throws FsException {
    return inTransaction(
        Param.MAXOPBLOCKS,
        () -> {
          Inode ip = create(path, T_DIR, (short) 0, (short) 0);
          long inum = ip.inum;
          fs.iunlockput(ip);
          return inum;
        });
  }

  /** mknod: makes a device inode. @return its i-number */
  public long mknod(String path, short major, short minor) throws FsException {
    return inTransaction(
        Param.MAXOPBLOCKS,
        () -> {
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
   * open(path, O_CREATE | O_WRONLY | (truncate ? O_TRUNC : 0)) then close: makes path a file if it
   * is not one, emptying it if asked. @return its i-number
   */
  public long createFile(String path, boolean truncate) throws FsException {
    return inTransaction(
        truncate ? freeingOpBlocks() : Param.MAXOPBLOCKS,
        () -> {
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
    inTransaction(
        freeingOpBlocks(),
        () -> {
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
    inTransaction(
        Param.MAXOPBLOCKS,
        () -> {
          Root r = new Root();
          Optional<Refusal> no = link(fs, r.ip, bytes(oldPath), bytes(newPath));
          r.put();
          if (no.isPresent()) {
            throw new FsException(no.get().error(), no.get().arg() == 0 ? oldPath : newPath);
          }
          return null;
        });
  }

  /** unlink: removes a name; the file goes when its last link and reference do. */
  public void unlink(String path) throws FsException {
    inTransaction(
        freeingOpBlocks(),
        () -> {
          Root r = new Root();
          Optional<Refusal> no = unlink(fs, r.ip, bytes(path));
          r.put();
          if (no.isPresent()) {
            throw new FsException(no.get().error(), path);
          }
          return null;
        });
  }

  // ---------------------------------------------------------------------------------------
  // Reading and writing whole files, and listing directories.

  /** A directory entry with the stat of the inode it names. */
  public record Entry(String name, Stat stat) {}

  /** fstat of path. */
  public Stat stat(String path) throws FsException {
    return inTransaction(
        Param.MAXOPBLOCKS,
        () -> {
          Inode ip = namei(path).orElseThrow(() -> new FsException(FsError.NOT_FOUND, path));
          fs.ilock(ip);
          Stat st = fs.stati(ip);
          fs.iunlockput(ip);
          return st;
        });
  }

  /**
   * What xv6's ls shows: for a directory, each used entry ("." and ".." included) with the stat of
   * its inode, in directory order; for anything else, the one inode under its path.
   */
  public List<Entry> list(String path) throws FsException {
    return inTransaction(
        Param.MAXOPBLOCKS,
        () -> {
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
    Inode ip =
        inTransaction(
            Param.MAXOPBLOCKS,
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
      throw new KernelPanic(
          "read: inode " + ip.inum + " gave " + n + " of " + data.length + " bytes");
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
   * Makes path a file holding exactly {@code data}: created or truncated in one transaction, then
   * written in chunks of {@link #largeOpBlocks()} reservations.
   *
   * @throws FsException as create does, or NO_SPACE if the disk filled up (the file then holds a
   *     prefix of data), or FILE_TOO_LARGE
   */
  public void writeFile(String path, byte[] data) throws FsException {
    long max = (long) superblock().maxFileBlocks() * BSIZE;
    if (data.length > max) {
      throw new FsException(FsError.FILE_TOO_LARGE, path);
    }
    Inode ip =
        inTransaction(
            freeingOpBlocks(),
            () -> {
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
   * filewrite's loop: writes n bytes from src (at srcAddr) to inode ip at offset off, in chunks of
   * {@link #maxWriteBytes} bytes, each chunk its own transaction reserving opBlocks log blocks
   * (Param.MAXOPBLOCKS for xv6's own splitting; {@link #largeOpBlocks()} for big writes on a file
   * system with a big log). ip must be referenced and unlocked, and no transaction may be open. A
   * crash leaves a prefix of whole chunks written.
   *
   * @return bytes written: n, or fewer if the disk filled up, the file reached its largest size or
   *     the source refused an address (xv6's filewrite then returns -1); -1 if off is beyond the
   *     end of the file
   */
  public long writeChunked(Inode ip, long off, ByteSource src, long srcAddr, long n, int opBlocks) {
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
   * A referenced (unlocked) inode for path, for callers that read or write it with {@link Fs} and
   * {@link #writeChunked}; release it with {@link #close}.
   */
  public Inode open(String path) throws FsException {
    return inTransaction(
        Param.MAXOPBLOCKS,
        () -> namei(path).orElseThrow(() -> new FsException(FsError.NOT_FOUND, path)));
  }

  /** Drops the reference {@link #open} gave (freeing the file if it was unlinked). */
  public void close(Inode ip) {
    closeInode(ip);
  }
}
