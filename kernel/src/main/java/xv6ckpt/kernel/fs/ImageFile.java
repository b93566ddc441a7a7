package xv6ckpt.kernel.fs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

/**
 * Not in xv6: replacing a file larger than one transaction so that a power cut at any disk write
 * leaves its path naming the complete old content or the complete new one, never a mix (checkpoint
 * images). The protocol, in the order of its transactions:
 *
 * <ol>
 *   <li>Release the kernel's leftovers in path's directory (see below), then link a new empty file
 *       as the temporary {@link #TMP} (one transaction).
 *   <li>Write the new content into it, in chunks of one transaction each, every transaction
 *       reserving (and so logging at most) MAXOPBLOCKS blocks.
 *   <li>The commit point, one transaction: path's entry gets the new inode and TMP's the old one
 *       (or, with no old file, TMP's entry is renamed to path).
 *   <li>Release the old file's name TMP.
 * </ol>
 *
 * <p>Releasing a kernel name from a file ({@link #release}), so that no other name loses its bytes
 * and no crash leaves a file that no directory names:
 *
 * <ul>
 *   <li>the file has other links (a user's hard links): only the kernel's name goes, one
 *       transaction; the other names keep the bytes;
 *   <li>the kernel's name is its last and no open file holds it: its blocks are freed from the end
 *       ({@link LargeFiles#truncateStep}), one transaction per step, each leaving a consistent
 *       shorter file still named, then the unlink frees the empty inode;
 *   <li>the kernel's name is its last and an open file holds it: it is <em>parked</em>, its entry
 *       renamed to {@code .ckpt/<inum in 8 hex digits>} (one transaction), and keeps its blocks;
 *       the first replacement in that directory after its last close releases it. It is not
 *       unlinked while open because a power cut would then leave an allocated inode that no
 *       directory names (xv6 keeps no orphan list), which fsck rightly reports.
 * </ul>
 *
 * <p>Every replacement first releases, by the same rule, each entry of path's directory whose name
 * starts with {@code .ckpt/}: a stale TMP left by a power cut, and parked files.
 *
 * <p>Why those names are the kernel's own: they contain a '/', which no directory entry made
 * through a path can (namei splits paths at '/', so open, mkdir, link and mknod never create such a
 * name and no path ever names it). A file under such a name was therefore put there by this
 * protocol, and releasing it cannot touch a user's name; a user's own {@code .ckpt.tmp} is an
 * ordinary file. The names fit DIRSIZ, so stock xv6 and fsck read the directory as usual (stock
 * {@code ls} lists them and cannot stat them).
 *
 * <p>Invariant: no directory entry other than path's and the kernel's names changes; a file's
 * blocks are freed only once its last name is gone and no open file holds it; every allocated inode
 * stays named by some directory entry at every disk write.
 *
 * <p>The caller brackets each transaction ({@link Caller#begin}, {@link Caller#end}): like {@link
 * Fs}, this class changes blocks only inside transactions it does not open itself, so transactions
 * still begin only where the kernel begins them. The log refuses ("too big a transaction") to log
 * more than the reservation, so the chunking is checked on every run.
 */
public final class ImageFile {
  /**
   * The temporary name a file is written under, in the target path's directory: it holds a '/', so
   * no path can name it (see the class comment).
   */
  public static final byte[] TMP = ".ckpt/tmp".getBytes(StandardCharsets.ISO_8859_1);

  /** What every name of the kernel's own starts with: TMP and the parked names. */
  private static final byte[] PREFIX = ".ckpt/".getBytes(StandardCharsets.ISO_8859_1);

  /** Whether a directory entry's name is one of the kernel's own (TMP or parked). */
  public static boolean isKernelName(byte[] n) {
    return n.length >= PREFIX.length
        && Arrays.equals(n, 0, PREFIX.length, PREFIX, 0, PREFIX.length);
  }

  /** The name a file still open is parked under: {@code .ckpt/} and its inum in hex. */
  static byte[] parkedName(long inum) {
    return String.format(".ckpt/%08x", inum).getBytes(StandardCharsets.ISO_8859_1);
  }

  /** What the protocol needs from the kernel. */
  public interface Caller {
    /** begin_op reserving MAXOPBLOCKS; the log must have room (it does between calls). */
    void begin();

    /** end_op of {@link #begin}'s reservation. */
    void end();

    /** Whether an open file still holds inode inum (its blocks then stay until it closes). */
    boolean openElsewhere(long inum);
  }

  /** How a replacement ended. */
  public enum Result {
    REPLACED,
    /** path names no directory entry that can be a regular file (CKPT_PATH). */
    BAD_PATH,
    /** The content does not fit the free blocks or inodes (CKPT_NOSPACE); nothing changed. */
    NO_SPACE,
    /**
     * The content is larger than the file system's largest file (CKPT_NOSPACE as well): 268 KiB on
     * a stock file system, which {@code mkfs --big-files} lifts; nothing changed.
     */
    TOO_BIG
  }

  private final Fs fs;
  private final Caller c;
  private Inode dp; // path's directory, referenced
  private byte[] name; // path's last element

  private ImageFile(Fs fs, Caller c) {
    this.fs = fs;
    this.c = c;
  }

  /**
   * Makes path (resolved from cwd) a regular file holding the {@code size} bytes content gives
   * (asked for once, in order, after the refusals), by the protocol above. No transaction may be
   * open.
   */
  public static Result replace(
      Fs fs, Inode cwd, byte[] path, long size, Supplier<ByteSource> content, Caller c) {
    return new ImageFile(fs, c).replace(cwd, path, size, content);
  }

  /** The largest file this file system holds, in bytes. */
  public static long maxFileBytes(Fs fs) {
    return (long) fs.superblock().maxFileBlocks() * FsFormat.BSIZE;
  }

  private Result replace(Inode cwd, byte[] path, long size, Supplier<ByteSource> content) {
    c.begin();
    Optional<Fs.Parent> parent = fs.nameiparent(path, cwd);
    c.end();
    if (parent.isEmpty()) {
      return Result.BAD_PATH;
    }
    dp = parent.get().dir();
    name = parent.get().name();
    Result r = replaceIn(size, content);
    c.begin();
    fs.iput(dp);
    c.end();
    return r;
  }

  private Result replaceIn(long size, Supplier<ByteSource> content) {
    if (name.length == 0 || Dirent.isDotOrDotDot(name)) {
      return Result.BAD_PATH; // (name is never the kernel's: a path element holds no '/')
    }
    c.begin();
    Optional<Entry> old = lookup(name);
    List<Entry> leftovers = kernelEntries();
    c.end();
    if (old.isPresent() && old.get().type != Stat.T_FILE) {
      return Result.BAD_PATH; // not a regular file
    }
    for (Entry e : leftovers) {
      if (e.type != Stat.T_FILE) {
        return Result.BAD_PATH; // only a corrupt disk has a kernel name on a non-file
      }
    }
    if (size > maxFileBytes(fs)) {
      return Result.TOO_BIG;
    }
    if (!roomFor(size, leftovers)) {
      return Result.NO_SPACE;
    }
    for (Entry e : leftovers) {
      release(fs.iget(e.inum), e.name);
    }
    Optional<Inode> ip = created();
    if (ip.isEmpty()) {
      return Result.NO_SPACE;
    }
    if (!write(ip.get(), content.get(), size)) {
      release(ip.get(), TMP);
      return Result.NO_SPACE;
    }
    swap(ip.get(), old);
    if (old.isPresent()) {
      release(fs.iget(old.get().inum), TMP);
    }
    return Result.REPLACED;
  }

  /** A directory entry of dp: its name, the inode's number, type, size and link count. */
  private record Entry(byte[] name, long inum, short type, long size, short nlink) {}

  /** Looks n up in dp (inside a transaction). */
  private Optional<Entry> lookup(byte[] n) {
    fs.ilock(dp);
    Optional<Fs.Found> f = fs.dirlookup(dp, n);
    fs.iunlock(dp);
    if (f.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(entry(n, f.get().ip()));
  }

  /** The entry for n naming ip (referenced; the reference is dropped). */
  private Entry entry(byte[] n, Inode ip) {
    fs.ilock(ip);
    Entry e = new Entry(n, ip.inum(), ip.type(), ip.size(), ip.nlink());
    fs.iunlockput(ip);
    return e;
  }

  /** Every entry of dp under a kernel name, in directory order (inside a transaction). */
  private List<Entry> kernelEntries() {
    List<Dirent> found = new ArrayList<>();
    byte[] de = new byte[FsFormat.DIRENT_SIZE];
    fs.ilock(dp);
    for (long off = 0; off + de.length <= dp.size(); off += de.length) {
      if (fs.readi(dp, ByteSink.of(de), 0, off, de.length) != de.length) {
        throw new KernelPanic("checkpoint: directory read");
      }
      Dirent d = Dirent.decode(de, 0);
      if (d.inum() != 0 && isKernelName(d.name())) {
        found.add(d);
      }
    }
    fs.iunlock(dp);
    List<Entry> out = new ArrayList<>();
    for (Dirent d : found) {
      out.add(entry(d.name(), fs.iget(d.inum())));
    }
    return out;
  }

  /**
   * NO_SPACE's test, before anything is written: the free blocks, plus those that releasing the
   * leftovers frees (files whose last name they are, not open), hold the content, its index blocks
   * and one more directory block. The old file stays until the swap, so its blocks do not count.
   */
  private boolean roomFor(long size, List<Entry> leftovers) {
    long free = LargeFiles.freeBlocks(fs);
    for (Entry e : leftovers) {
      if (e.nlink == 1 && !c.openElsewhere(e.inum)) {
        free += LargeFiles.blocksFor(e.size);
      }
    }
    return free >= LargeFiles.blocksFor(size) + 1;
  }

  /** A new empty file linked as TMP in dp, referenced; empty if the disk is full. */
  private Optional<Inode> created() {
    c.begin();
    Optional<Inode> made = fs.ialloc(Stat.T_FILE);
    if (made.isEmpty()) {
      c.end();
      return Optional.empty();
    }
    Inode ip = made.get();
    fs.ilock(ip);
    ip.setNlink((short) 1);
    fs.iupdate(ip);
    fs.ilock(dp);
    boolean linked = fs.dirlink(dp, TMP, ip.inum());
    fs.iunlock(dp);
    if (!linked) { // undo: the inode is freed by the iput
      ip.setNlink((short) 0);
      fs.iupdate(ip);
      fs.iunlockput(ip);
      c.end();
      return Optional.empty();
    }
    fs.iunlock(ip);
    c.end();
    return Optional.of(ip);
  }

  /** Writes the whole content into the empty file ip, one transaction per chunk. */
  private boolean write(Inode ip, ByteSource src, long size) {
    int chunk = FileSystem.maxWriteBytes(Param.MAXOPBLOCKS, fs.superblock().hasDindirect());
    for (long off = 0; off < size; ) {
      int n = (int) Math.min(chunk, size - off);
      c.begin();
      fs.ilock(ip);
      int w = fs.writei(ip, src, off, off, n);
      fs.iunlock(ip);
      c.end();
      if (w != n) {
        return false;
      }
      off += n;
    }
    return true;
  }

  /**
   * The commit point of a replacement, one transaction: path's entry gets the new inode, TMP's the
   * old one (or, with no old file, TMP's entry is renamed to path).
   */
  private void swap(Inode ip, Optional<Entry> old) {
    c.begin();
    fs.ilock(dp);
    long tmpOff = entryOffset(TMP);
    if (old.isEmpty()) {
      setEntry(tmpOff, name, ip.inum());
    } else {
      setEntry(entryOffset(name), name, ip.inum());
      setEntry(tmpOff, TMP, old.get().inum);
    }
    fs.iunlock(dp);
    fs.iput(ip);
    c.end();
  }

  private long entryOffset(byte[] n) {
    Fs.Found f =
        fs.dirlookup(dp, n)
            .orElseThrow(
                () -> new KernelPanic("checkpoint: directory entry vanished during the call"));
    fs.iput(f.ip());
    return f.off();
  }

  private void setEntry(long off, byte[] n, long inum) {
    byte[] de = new byte[FsFormat.DIRENT_SIZE];
    new Dirent((int) inum, n).encode(de, 0);
    if (fs.writei(dp, ByteSource.of(de), 0, off, de.length) != de.length) {
      throw new KernelPanic("checkpoint: directory write");
    }
  }

  /**
   * Releases the kernel's name n in dp from file ip (referenced by us; the reference is dropped),
   * by the rule in the class comment: drop the name if ip has other links; free the blocks in steps
   * and unlink if n is its last name and no open file holds it; park it if an open file does.
   */
  private void release(Inode ip, byte[] n) {
    c.begin();
    fs.ilock(ip);
    boolean last = ip.nlink() == 1;
    fs.iunlock(ip);
    c.end();
    if (last && c.openElsewhere(ip.inum())) {
      park(ip, n);
      return;
    }
    if (last) {
      truncate(ip);
    }
    c.begin();
    fs.ilock(dp);
    setEntry(entryOffset(n), new byte[0], 0);
    fs.iunlock(dp);
    fs.ilock(ip);
    ip.setNlink((short) (ip.nlink() - 1));
    fs.iupdate(ip);
    fs.iunlockput(ip); // frees the (empty) inode if that was its last link
    c.end();
  }

  /** Renames ip's entry n in dp to ip's parked name (one transaction); drops our reference. */
  private void park(Inode ip, byte[] n) {
    byte[] parked = parkedName(ip.inum());
    c.begin();
    if (!Arrays.equals(n, parked)) {
      fs.ilock(dp);
      Optional<Fs.Found> clash = fs.dirlookup(dp, parked);
      if (clash.isPresent()) { // a file is parked once: only its own name can be there
        fs.iput(clash.get().ip());
        throw new KernelPanic("checkpoint: inode " + ip.inum() + " is parked twice");
      }
      setEntry(entryOffset(n), parked, ip.inum());
      fs.iunlock(dp);
    }
    fs.iput(ip);
    c.end();
  }

  /** Frees ip's blocks, each step its own transaction within MAXOPBLOCKS. */
  private void truncate(Inode ip) {
    for (boolean empty = false; !empty; ) {
      c.begin();
      fs.ilock(ip);
      empty = LargeFiles.truncateStep(fs, ip, Param.MAXOPBLOCKS);
      fs.iunlock(ip);
      c.end();
    }
  }
}
