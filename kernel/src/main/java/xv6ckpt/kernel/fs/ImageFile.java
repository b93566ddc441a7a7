package xv6ckpt.kernel.fs;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Supplier;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

/**
 * Not in xv6: replacing a file larger than one transaction so that a power cut at any disk
 * write leaves its path naming the complete old content or the complete new one, never a mix
 * (checkpoint images). The protocol, in the order of its transactions:
 *
 * <ol>
 *   <li>Drop a stale temporary {@link #TMP} in path's directory (a crash's leftover) by the
 *       rule of the last step, then link a new empty file as TMP (one transaction).
 *   <li>Write the new content into it, in chunks of one transaction each, every transaction
 *       reserving (and so logging at most) MAXOPBLOCKS blocks.
 *   <li>The commit point, one transaction: path's entry gets the new inode and TMP's the old
 *       one (or, with no old file, TMP's entry is renamed to path).
 *   <li>Drop the name TMP from the old file. If it has other links (a user's hard links) or an
 *       open file holds it, only the name goes: every other name keeps the old bytes, and the
 *       last close frees an unnamed one. If TMP was its last name and it is not open, its
 *       blocks are freed from the end first ({@link LargeFiles#truncateStep}), one transaction
 *       per step, each leaving a consistent shorter file still named TMP; then the unlink frees
 *       the empty inode. A crash here leaves a stale TMP, which the next replacement in that
 *       directory drops by the same rule.
 * </ol>
 *
 * <p>Why TMP is the kernel's own: it contains a '/', which no directory entry made through a
 * path can (namei splits paths at '/', so open, mkdir, link and mknod never create such a name
 * and no path ever names it). A file named TMP was therefore linked there by this protocol, and
 * dropping it cannot touch a user's file; a user's own {@code .ckpt.tmp} is an ordinary file.
 * The name fits DIRSIZ, so stock xv6 and fsck read the directory as usual (stock {@code ls}
 * lists the entry and cannot stat it).
 *
 * <p>Invariant: no directory entry other than path's and TMP's changes, and a file's blocks
 * are freed only once its last name is gone and no open file holds it.
 *
 * <p>The caller brackets each transaction ({@link Caller#begin}, {@link Caller#end}): like
 * {@link Fs}, this class changes blocks only inside transactions it does not open itself, so
 * transactions still begin only where the kernel begins them. The log refuses ("too big a
 * transaction") to log more than the reservation, so the chunking is checked on every run.
 */
public final class ImageFile {
  /**
   * The temporary name a file is written under, in the target path's directory: it holds a
   * '/', so no path can name it (see the class comment).
   */
  public static final byte[] TMP = ".ckpt/tmp".getBytes(StandardCharsets.ISO_8859_1);

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
     * The content is larger than the file system's largest file (CKPT_NOSPACE as well): 268 KiB
     * on a stock file system, which {@code mkfs --big-files} lifts; nothing changed.
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
   * (asked for once, in order, after the refusals), by the protocol above. No transaction may
   * be open.
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
      return Result.BAD_PATH; // (name is never TMP: a path element holds no '/')
    }
    c.begin();
    Optional<Entry> old = lookup(name);
    Optional<Entry> tmp = lookup(TMP);
    c.end();
    if ((old.isPresent() && old.get().type != Stat.T_FILE)
        || (tmp.isPresent() && tmp.get().type != Stat.T_FILE)) {
      return Result.BAD_PATH; // not a regular file (a TMP that is not one: a corrupt disk)
    }
    if (size > maxFileBytes(fs)) {
      return Result.TOO_BIG;
    }
    if (!roomFor(size, tmp)) {
      return Result.NO_SPACE;
    }
    if (tmp.isPresent()) {
      discard(fs.iget(tmp.get().inum));
    }
    Optional<Inode> ip = created();
    if (ip.isEmpty()) {
      return Result.NO_SPACE;
    }
    if (!write(ip.get(), content.get(), size)) {
      discard(ip.get());
      return Result.NO_SPACE;
    }
    swap(ip.get(), old);
    if (old.isPresent()) {
      discard(fs.iget(old.get().inum));
    }
    return Result.REPLACED;
  }

  /** A directory entry of dp: the inode's number, type, size and link count. */
  private record Entry(long inum, short type, long size, short nlink) {}

  /** Looks n up in dp (inside a transaction). */
  private Optional<Entry> lookup(byte[] n) {
    fs.ilock(dp);
    Optional<Fs.Found> f = fs.dirlookup(dp, n);
    fs.iunlock(dp);
    if (f.isEmpty()) {
      return Optional.empty();
    }
    Inode ip = f.get().ip();
    fs.ilock(ip);
    Entry e = new Entry(ip.inum(), ip.type(), ip.size(), ip.nlink());
    fs.iunlockput(ip);
    return Optional.of(e);
  }

  /**
   * NO_SPACE's test, before anything is written: the free blocks, plus those of a stale TMP
   * that dropping it frees (its last name, not open), hold the content, its index blocks and
   * one more directory block. The old file stays until the swap, so its blocks do not count.
   */
  private boolean roomFor(long size, Optional<Entry> tmp) {
    long free = LargeFiles.freeBlocks(fs);
    boolean freed = tmp.isPresent() && tmp.get().nlink == 1 && !c.openElsewhere(tmp.get().inum);
    long stale = freed ? LargeFiles.blocksFor(tmp.get().size) : 0;
    return free + stale >= LargeFiles.blocksFor(size) + 1;
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
   * The commit point of a replacement, one transaction: path's entry gets the new inode, TMP's
   * the old one (or, with no old file, TMP's entry is renamed to path).
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
    Fs.Found f = fs.dirlookup(dp, n).orElseThrow(() -> new KernelPanic(
        "checkpoint: directory entry vanished during the call"));
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
   * Drops the name TMP from ip (referenced by us; our reference is dropped too). Its blocks
   * are freed, step by step while TMP still names it, only if TMP is its last link and no open
   * file holds it; otherwise its other names (or the last close) keep the content.
   */
  private void discard(Inode ip) {
    c.begin();
    fs.ilock(ip);
    boolean last = ip.nlink() == 1 && !c.openElsewhere(ip.inum());
    fs.iunlock(ip);
    c.end();
    if (last) {
      truncate(ip);
    }
    c.begin();
    fs.ilock(dp);
    long off = entryOffset(TMP);
    setEntry(off, new byte[0], 0);
    fs.iunlock(dp);
    fs.ilock(ip);
    ip.setNlink((short) (ip.nlink() - 1));
    fs.iupdate(ip);
    fs.iunlockput(ip); // frees the (empty) inode unless a link or an open file holds it
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
