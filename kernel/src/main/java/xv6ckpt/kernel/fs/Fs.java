package xv6ckpt.kernel.fs;

import static xv6ckpt.kernel.fs.FsFormat.BPB;
import static xv6ckpt.kernel.fs.FsFormat.BSIZE;
import static xv6ckpt.kernel.fs.FsFormat.DINODE_SIZE;
import static xv6ckpt.kernel.fs.FsFormat.DIRENT_SIZE;
import static xv6ckpt.kernel.fs.FsFormat.DIRSIZ;
import static xv6ckpt.kernel.fs.FsFormat.IPB;
import static xv6ckpt.kernel.fs.FsFormat.NDIRECT;
import static xv6ckpt.kernel.fs.FsFormat.NINDIRECT;
import static xv6ckpt.kernel.fs.FsFormat.ROOTINO;
import static xv6ckpt.kernel.fs.Stat.T_DEVICE;
import static xv6ckpt.kernel.fs.Stat.T_DIR;
import static xv6ckpt.kernel.fs.Stat.T_FILE;

import java.util.Arrays;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

/**
 * xv6's {@code fs.c}: file system implementation. Five layers:
 *
 * <ul>
 *   <li>Blocks: allocator for raw disk blocks.
 *   <li>Log: crash recovery for multi-step updates ({@link Log}).
 *   <li>Files: inode allocator, reading, writing, metadata.
 *   <li>Directories: inode with special contents (list of other inodes!)
 *   <li>Names: paths like /usr/rtm/xv6/fs.c for convenient naming.
 * </ul>
 *
 * This class holds the low-level file system manipulation routines. It changes blocks only through
 * {@link Log#logWrite} and never opens a transaction: the operations that do (create, unlink, write
 * a file in chunks) are in {@link FileSystem}, as xv6 keeps them in sysfile.c.
 *
 * <p>Inodes: an inode is allocated if its on-disk type is non-zero; the in-memory table of NINODE
 * entries tracks references (see {@link Inode}). Typical use: {@code ip = iget(inum); ilock(ip);
 * ... examine and modify ip ...; iunlock(ip); iput(ip)}. Every call that can free an inode (iput,
 * iunlockput) must be inside a transaction.
 *
 * <p>Beyond xv6, every number read from the disk is checked before it is used: a block address
 * outside the data area, an i-number outside the inode area, an unknown inode type or a size beyond
 * the largest file is a {@link KernelPanic} naming the inode, never a wild access.
 */
public final class Fs {
  private final Bio bio;
  private final Log log;
  private final Superblock sb;
  private final Inode[] itable;

  /** No block below this is free: where balloc's search starts (a cache, not a policy). */
  private long allocHint;

  // Not in xv6: how often this mount ran out, for tests that must reach each exhaustion.
  private long iallocFailures;
  private long ballocFailures;

  private Fs(Bio bio, Superblock sb) {
    this(bio, sb, newInodeTable());
  }

  /** A mount over bio whose inode table is itable, every entry unused. */
  private Fs(Bio bio, Superblock sb, Inode[] itable) {
    this.bio = bio;
    this.sb = sb;
    this.itable = itable;
    this.allocHint = sb.dataStart();
    this.log = new Log(bio, sb);
  }

  /**
   * fsinit: reads the superblock, checks it, and recovers the log.
   *
   * @param nbuf buffers in the cache; it must hold a whole transaction pinned plus the blocks one
   *     operation reads, so it is raised to the log's capacity plus 2 * MAXOPBLOCKS if lower
   * @throws KernelPanic "invalid file system: ..." if block 1 is not a usable superblock for this
   *     disk, or a recovery panic if the log header is corrupt
   */
  public static Fs mount(BlockDevice dev, int nbuf) {
    Bio probe = new Bio(dev, 1);
    Superblock sb = readsb(probe);
    int needed = sb.logCapacity() + 2 * Param.MAXOPBLOCKS;
    return new Fs(new Bio(dev, Math.max(nbuf, needed)), sb);
  }

  /** Mounts with xv6's NBUF buffers (raised as {@link #mount(BlockDevice, int)} says). */
  public static Fs mount(BlockDevice dev) {
    return mount(dev, Param.NBUF);
  }

  /**
   * A fresh mount of the same disk, as {@link #mount(BlockDevice)} makes one, that reuses this
   * mount's buffers (forgotten, see {@link Bio#forgetAll}) and inode table entries (every one
   * unused again) when the buffers are enough for the superblock now on the disk. For a machine
   * reset, where the disk went back to a snapshot under the caches: a reset then allocates no new
   * caches. This mount, and every Inode taken from it, must not be used afterwards.
   */
  public Fs remount() {
    bio.forgetAll();
    Superblock s = readsb(bio);
    bio.forgetAll(); // as mount: the superblock was read through a probe, not this cache
    if (s.logCapacity() + 2 * Param.MAXOPBLOCKS > bio.nbuf()) {
      return mount(bio.device());
    }
    for (Inode ip : itable) {
      ip.forget();
    }
    return new Fs(bio, s, itable);
  }

  private static Inode[] newInodeTable() {
    Inode[] t = new Inode[Param.NINODE];
    for (int i = 0; i < t.length; i++) {
      t[i] = new Inode();
    }
    return t;
  }

  private static Superblock readsb(Bio bio) {
    if (bio.diskBlocks() < 2) {
      throw new KernelPanic(
          "invalid file system: disk of " + bio.diskBlocks() + " blocks has no superblock");
    }
    Buf bp = bio.bread(1);
    Superblock sb = Superblock.decode(bp.data);
    bio.brelse(bp);
    var problems = sb.problems(bio.diskBlocks());
    if (!problems.isEmpty()) {
      throw new KernelPanic("invalid file system: " + String.join("; ", problems));
    }
    return sb;
  }

  public Superblock superblock() {
    return sb;
  }

  /** How many times ialloc found no free inode since this mount. */
  public long iallocFailures() {
    return iallocFailures;
  }

  /** How many times balloc found no free block since this mount. */
  public long ballocFailures() {
    return ballocFailures;
  }

  public Log log() {
    return log;
  }

  public Bio bio() {
    return bio;
  }

  // ---------------------------------------------------------------------------------------
  // Blocks.

  /** Zeroes a block (through the log). */
  private void bzero(long bno) {
    Buf bp = bio.bgetZeroed(bno);
    log.logWrite(bp);
    bio.brelse(bp);
  }

  /**
   * Allocates a zeroed disk block: the lowest-numbered free one, as xv6 does.
   *
   * @return its number, or 0 if out of disk space
   */
  long balloc() {
    long b = allocHint;
    while (b < sb.size()) {
      Buf bp = bio.bread(sb.bblock(b));
      long end = Math.min(sb.size(), (b / BPB + 1) * BPB);
      for (; b < end; b++) {
        int bi = (int) (b % BPB);
        if (bi % 8 == 0 && b + 8 <= end && bp.data[bi / 8] == (byte) 0xff) {
          b += 7; // a full byte: eight blocks in use
          continue;
        }
        int m = 1 << (bi % 8);
        if ((bp.data[bi / 8] & m) == 0) { // Is block free?
          bp.data[bi / 8] |= (byte) m; // Mark block in use.
          log.logWrite(bp);
          bio.brelse(bp);
          allocHint = b + 1;
          bzero(b);
          return b;
        }
      }
      bio.brelse(bp);
    }
    allocHint = sb.size();
    ballocFailures++;
    return 0; // balloc: out of blocks
  }

  /** Frees a disk block. */
  void bfree(long b) {
    Buf bp = bio.bread(sb.bblock(b));
    int bi = (int) (b % BPB);
    int m = 1 << (bi % 8);
    if ((bp.data[bi / 8] & m) == 0) {
      throw new KernelPanic("freeing free block " + b);
    }
    bp.data[bi / 8] &= (byte) ~m;
    log.logWrite(bp);
    bio.brelse(bp);
    allocHint = Math.min(allocHint, b);
  }

  /** A block number read from inode {@code ip} (or its index blocks) must be a data block. */
  private long checkAddr(Inode ip, long addr, String where) {
    if (addr != 0 && (addr < sb.dataStart() || addr >= sb.size())) {
      throw new KernelPanic(
          "bmap: inode "
              + ip.inum
              + " "
              + where
              + " holds block "
              + addr
              + ", outside the data area "
              + sb.dataStart()
              + ".."
              + (sb.size() - 1));
    }
    return addr;
  }

  // ---------------------------------------------------------------------------------------
  // Inodes.

  /** Where inode 0's dinode keeps the checkpoint epoch: its addrs[0], a u32. */
  public static final int EPOCH_OFFSET = 12;

  /**
   * Not in xv6: the disk's checkpoint epoch, incremented and returned (inside a transaction). It
   * counts the boots that wrote a checkpoint image, so that image ids differ across boots and stay
   * a function of the disk and the seed. It lives in the dinode of inode 0, which xv6 never
   * allocates (i-number 0 means "no inode"; ialloc starts at 1) and which stock xv6, both mkfs and
   * our fsck never read; mkfs writes it as zeros, and its type stays 0 (free). The block is in the
   * inode area, so the write goes through the log like any other.
   */
  public long nextEpoch() {
    Buf bp = bio.bread(sb.iblock(0));
    long epoch = (FsFormat.u32(bp.data, EPOCH_OFFSET) + 1) & 0xffffffffL;
    FsFormat.put32(bp.data, EPOCH_OFFSET, epoch);
    log.logWrite(bp);
    bio.brelse(bp);
    return epoch;
  }

  /**
   * Allocates an inode: marks a free on-disk inode as having type {@code type}.
   *
   * @return the inode, referenced but not locked; empty if there is no free inode
   */
  public Optional<Inode> ialloc(short type) {
    for (long inum = 1; inum < sb.ninodes(); inum++) {
      Buf bp = bio.bread(sb.iblock(inum));
      int off = (int) (inum % IPB) * DINODE_SIZE;
      if (FsFormat.s16(bp.data, off) == 0) { // a free inode
        Arrays.fill(bp.data, off, off + DINODE_SIZE, (byte) 0);
        FsFormat.put16(bp.data, off, type);
        log.logWrite(bp); // mark it allocated on the disk
        bio.brelse(bp);
        return Optional.of(iget(inum));
      }
      bio.brelse(bp);
    }
    iallocFailures++;
    return Optional.empty(); // ialloc: no inodes
  }

  /**
   * Copies a modified in-memory inode to disk. Must be called after every change to a field that
   * lives on disk. Caller must hold ip locked.
   */
  public void iupdate(Inode ip) {
    Buf bp = bio.bread(sb.iblock(ip.inum));
    short major = ip.major;
    short minor = ip.minor;
    if (ip.type != T_DEVICE && sb.hasDindirect()) {
      major = (short) ip.dindirect;
      minor = (short) (ip.dindirect >>> 16);
    }
    new Dinode(ip.type, major, minor, ip.nlink, ip.size, ip.addrs)
        .encode(bp.data, (int) (ip.inum % IPB) * DINODE_SIZE);
    log.logWrite(bp);
    bio.brelse(bp);
  }

  /**
   * Finds the inode with number inum and returns the in-memory copy, referenced. Does not lock the
   * inode and does not read it from disk.
   */
  public Inode iget(long inum) {
    if (inum < 1 || inum >= sb.ninodes()) {
      throw new KernelPanic("iget: inode " + inum + " outside 1.." + (sb.ninodes() - 1));
    }
    Inode empty = null;
    for (Inode ip : itable) {
      if (ip.ref > 0 && ip.inum == inum) { // Is the inode already in the table?
        ip.ref++;
        return ip;
      }
      if (empty == null && ip.ref == 0) { // Remember empty slot.
        empty = ip;
      }
    }
    if (empty == null) {
      throw new KernelPanic("iget: no inodes");
    }
    empty.inum = inum;
    empty.ref = 1;
    empty.valid = false;
    return empty;
  }

  /**
   * The i-numbers the inode table holds referenced (open files, working directories, inodes an
   * operation is using): what a check of the live disk must know, because an unlinked inode stays
   * allocated on disk until its last {@link #iput}.
   */
  public SortedSet<Long> inUse() {
    SortedSet<Long> out = new TreeSet<>();
    for (Inode ip : itable) {
      if (ip.ref > 0) {
        out.add(ip.inum);
      }
    }
    return out;
  }

  /**
   * Why the file system is not at rest, or empty if it is. Between system calls: the log has no
   * operation open ({@link Log#notAtRest}); no buffer is referenced (one still pinned would hold an
   * uncommitted block, one still held a missing brelse); no inode is locked, and the inode table's
   * references add up to {@code holders}, the references the kernel's holders (open files, working
   * directories) own. More is a reference an operation forgot to put (the entry can never be
   * recycled, nor an unlinked file freed); fewer, one put twice.
   */
  public Optional<String> notAtRest(int holders) {
    Optional<String> logState = log.notAtRest();
    if (logState.isPresent()) {
      return logState;
    }
    if (bio.heldBuffers() != 0) {
      return Optional.of(bio.heldBuffers() + " buffers still referenced or locked");
    }
    int refs = 0;
    for (Inode ip : itable) {
      refs += ip.ref;
      if (ip.locked) {
        return Optional.of("inode " + ip.inum + " left locked");
      }
    }
    if (refs != holders) {
      return Optional.of(
          "inode table holds " + refs + " references, open files and cwds own " + holders);
    }
    return Optional.empty();
  }

  /** Increments the reference count; returns ip for the {@code ip = idup(ip1)} idiom. */
  public Inode idup(Inode ip) {
    ip.ref++;
    return ip;
  }

  /** Locks the inode, reading it from disk if necessary. */
  public void ilock(Inode ip) {
    if (ip == null || ip.ref < 1) {
      throw new KernelPanic("ilock");
    }
    if (ip.locked) {
      throw new KernelPanic("ilock: inode " + ip.inum + " is already locked by the caller");
    }
    ip.locked = true;
    if (!ip.valid) {
      Buf bp = bio.bread(sb.iblock(ip.inum));
      Dinode d = Dinode.decode(bp.data, (int) (ip.inum % IPB) * DINODE_SIZE);
      bio.brelse(bp);
      checkDinode(ip.inum, d);
      ip.type = d.type();
      ip.major = d.major();
      ip.minor = d.minor();
      ip.nlink = d.nlink();
      ip.size = d.size();
      System.arraycopy(d.addrs(), 0, ip.addrs, 0, ip.addrs.length);
      ip.dindirect = (d.type() != T_DEVICE && sb.hasDindirect()) ? d.dindirect() : 0;
      ip.valid = true;
    }
  }

  private void checkDinode(long inum, Dinode d) {
    if (d.type() == 0) {
      throw new KernelPanic("ilock: no type (inode " + inum + " is free)");
    }
    if (d.type() != T_DIR && d.type() != T_FILE && d.type() != T_DEVICE) {
      throw new KernelPanic("ilock: inode " + inum + " has unknown type " + d.type());
    }
    if (d.size() > (long) sb.maxFileBlocks() * BSIZE) {
      throw new KernelPanic(
          "ilock: inode "
              + inum
              + " has size "
              + d.size()
              + ", beyond the largest file of "
              + (long) sb.maxFileBlocks() * BSIZE
              + " bytes");
    }
  }

  /** Unlocks the given inode. */
  public void iunlock(Inode ip) {
    if (ip == null || !ip.locked || ip.ref < 1) {
      throw new KernelPanic("iunlock");
    }
    ip.locked = false;
  }

  /**
   * Drops a reference to an in-memory inode. If that was the last reference, the table entry can be
   * recycled; if the inode also has no links, it is freed on disk with its content. Must be inside
   * a transaction in case it has to free the inode.
   */
  public void iput(Inode ip) {
    if (ip.ref < 1) {
      throw new KernelPanic("iput: inode " + ip.inum + " is not referenced");
    }
    if (ip.ref == 1 && ip.valid && ip.nlink == 0) {
      // inode has no links and no other references: truncate and free.
      // ip.ref == 1 means no other caller can have ip locked; if the caller does, xv6 would
      // deadlock in acquiresleep.
      if (ip.locked) {
        throw new KernelPanic("iput: inode " + ip.inum + " is locked by the caller");
      }
      ip.locked = true;
      itrunc(ip);
      ip.type = 0;
      iupdate(ip);
      ip.valid = false;
      ip.locked = false;
    }
    ip.ref--;
  }

  /** Common idiom: unlock, then put. */
  public void iunlockput(Inode ip) {
    iunlock(ip);
    iput(ip);
  }

  // ---------------------------------------------------------------------------------------
  // Inode content.
  //
  // The content of each inode is stored in blocks on the disk. The first NDIRECT block
  // numbers are in ip.addrs[]; the next NINDIRECT in block ip.addrs[NDIRECT]; with the
  // extension, the next NINDIRECT * NINDIRECT through ip.dindirect: a block of NINDIRECT
  // numbers of blocks of NINDIRECT numbers.

  /**
   * Returns the disk block address of the bn-th block of ip, allocating it if there is none.
   *
   * @return the block, or 0 if out of disk space
   */
  private long bmap(Inode ip, long bn) {
    if (bn < NDIRECT) {
      int i = (int) bn;
      if (checkAddr(ip, ip.addrs[i], "addrs[" + i + "]") == 0) {
        ip.addrs[i] = balloc();
      }
      return ip.addrs[i];
    }
    bn -= NDIRECT;
    if (bn < NINDIRECT) {
      // Load indirect block, allocating if necessary.
      if (checkAddr(ip, ip.addrs[NDIRECT], "indirect pointer") == 0) {
        ip.addrs[NDIRECT] = balloc();
        if (ip.addrs[NDIRECT] == 0) {
          return 0;
        }
      }
      return indexEntry(ip, ip.addrs[NDIRECT], (int) bn);
    }
    bn -= NINDIRECT;
    if (sb.hasDindirect() && bn < (long) NINDIRECT * NINDIRECT) {
      if (checkAddr(ip, ip.dindirect, "doubly-indirect pointer") == 0) {
        ip.dindirect = balloc();
        if (ip.dindirect == 0) {
          return 0;
        }
      }
      long level1 = indexEntry(ip, ip.dindirect, (int) (bn / NINDIRECT));
      if (level1 == 0) {
        return 0;
      }
      return indexEntry(ip, level1, (int) (bn % NINDIRECT));
    }
    throw new KernelPanic(
        "bmap: out of range (inode " + ip.inum + " block " + (bn + NDIRECT + NINDIRECT) + ")");
  }

  /** Entry {@code slot} of index block {@code index}, allocating the block it names if 0. */
  private long indexEntry(Inode ip, long index, int slot) {
    Buf bp = bio.bread(index);
    long addr = FsFormat.u32(bp.data, 4 * slot);
    try {
      checkAddr(ip, addr, "index block " + index + " entry " + slot);
    } catch (KernelPanic e) {
      bio.brelse(bp);
      throw e;
    }
    if (addr == 0) {
      addr = balloc();
      if (addr != 0) {
        FsFormat.put32(bp.data, 4 * slot, addr);
        log.logWrite(bp);
      }
    }
    bio.brelse(bp);
    return addr;
  }

  /** Truncates the inode (discards its contents). Caller must hold ip locked. */
  public void itrunc(Inode ip) {
    for (int i = 0; i < NDIRECT; i++) {
      if (checkAddr(ip, ip.addrs[i], "addrs[" + i + "]") != 0) {
        bfree(ip.addrs[i]);
        ip.addrs[i] = 0;
      }
    }
    if (checkAddr(ip, ip.addrs[NDIRECT], "indirect pointer") != 0) {
      freeIndex(ip, ip.addrs[NDIRECT], 1);
      ip.addrs[NDIRECT] = 0;
    }
    if (checkAddr(ip, ip.dindirect, "doubly-indirect pointer") != 0) {
      freeIndex(ip, ip.dindirect, 2);
      ip.dindirect = 0;
    }
    ip.size = 0;
    iupdate(ip);
  }

  /** Frees the blocks index block {@code index} names (depth levels down), then the block. */
  private void freeIndex(Inode ip, long index, int depth) {
    Buf bp = bio.bread(index);
    long[] a = new long[NINDIRECT];
    for (int j = 0; j < NINDIRECT; j++) {
      a[j] = FsFormat.u32(bp.data, 4 * j);
    }
    bio.brelse(bp);
    for (int j = 0; j < NINDIRECT; j++) {
      if (checkAddr(ip, a[j], "index block " + index + " entry " + j) != 0) {
        if (depth > 1) {
          freeIndex(ip, a[j], depth - 1);
        } else {
          bfree(a[j]);
        }
      }
    }
    bfree(index);
  }

  /** Stat information of a locked inode. */
  public Stat stati(Inode ip) {
    return new Stat(Param.ROOTDEV, ip.inum, ip.type, ip.nlink, ip.size);
  }

  /**
   * Reads data from inode ip, as xv6: {@code off} and {@code n} are u32 values (a negative {@code
   * n} is a huge one); the read stops at the end of the file. Caller must hold ip locked.
   *
   * @return bytes read, or -1 if the sink refused an address
   */
  public int readi(Inode ip, ByteSink dst, long dstAddr, long off, int n) {
    long len = Integer.toUnsignedLong(n);
    if (off < 0 || off > ip.size || off + len > 0xffffffffL) {
      return 0;
    }
    if (off + len > ip.size) {
      len = ip.size - off;
    }
    long tot = 0;
    byte[] data;
    for (long m; tot < len; tot += m, off += m, dstAddr += m) {
      long addr = bmap(ip, off / BSIZE);
      if (addr == 0) {
        break;
      }
      Buf bp = bio.bread(addr);
      data = bp.data;
      m = Math.min(len - tot, BSIZE - off % BSIZE);
      boolean ok = dst.copyOut(dstAddr, data, (int) (off % BSIZE), (int) m);
      bio.brelse(bp);
      if (!ok) {
        return -1;
      }
    }
    return (int) tot;
  }

  /**
   * Writes data to inode ip, as xv6. Caller must hold ip locked and be inside a transaction; the
   * caller also keeps the write within its reservation (see {@link FileSystem}).
   *
   * @return bytes written (fewer than n if the disk filled up or the source refused an address), or
   *     -1 if off is beyond the end of the file or the file would grow too large
   */
  public int writei(Inode ip, ByteSource src, long srcAddr, long off, int n) {
    long len = Integer.toUnsignedLong(n);
    if (off < 0 || off > ip.size || off + len > 0xffffffffL) {
      return -1;
    }
    if (off + len > (long) sb.maxFileBlocks() * BSIZE) {
      return -1;
    }
    long tot = 0;
    for (long m; tot < len; tot += m, off += m, srcAddr += m) {
      long addr = bmap(ip, off / BSIZE);
      if (addr == 0) {
        break;
      }
      Buf bp = bio.bread(addr);
      m = Math.min(len - tot, BSIZE - off % BSIZE);
      if (!src.copyIn(srcAddr, bp.data, (int) (off % BSIZE), (int) m)) {
        bio.brelse(bp);
        break;
      }
      log.logWrite(bp);
      bio.brelse(bp);
    }
    if (off > ip.size) {
      ip.size = off;
    }
    // write the i-node back to disk even if the size didn't change because the loop above
    // might have called bmap() and added a new block to ip.addrs[].
    iupdate(ip);
    return (int) tot;
  }

  // ---------------------------------------------------------------------------------------
  // Directories.

  /** A directory entry found by {@link #dirlookup}: the inode (referenced) and its offset. */
  public record Found(Inode ip, long off) {}

  /** Looks for a directory entry named {@code name} in directory dp (locked). */
  public Optional<Found> dirlookup(Inode dp, byte[] name) {
    if (dp.type != T_DIR) {
      throw new KernelPanic("dirlookup not DIR (inode " + dp.inum + ")");
    }
    byte[] de = new byte[DIRENT_SIZE];
    for (long off = 0; off < dp.size; off += DIRENT_SIZE) {
      if (readi(dp, ByteSink.of(de), 0, off, DIRENT_SIZE) != DIRENT_SIZE) {
        throw new KernelPanic(
            "dirlookup read (directory inode "
                + dp.inum
                + " offset "
                + off
                + ", size "
                + dp.size
                + ")");
      }
      Dirent d = Dirent.decode(de, 0);
      if (d.inum() == 0) {
        continue;
      }
      if (Dirent.sameName(name, d.name())) {
        return Optional.of(new Found(iget(d.inum()), off)); // entry matches path element
      }
    }
    return Optional.empty();
  }

  /**
   * Writes a new directory entry (name, inum) into directory dp (locked).
   *
   * @return false if the name is already present or the disk is full
   */
  public boolean dirlink(Inode dp, byte[] name, long inum) {
    Optional<Found> f = dirlookup(dp, name); // Check that name is not present.
    if (f.isPresent()) {
      iput(f.get().ip());
      return false;
    }
    byte[] de = new byte[DIRENT_SIZE];
    long off;
    for (off = 0; off < dp.size; off += DIRENT_SIZE) { // Look for an empty dirent.
      if (readi(dp, ByteSink.of(de), 0, off, DIRENT_SIZE) != DIRENT_SIZE) {
        throw new KernelPanic("dirlink read (directory inode " + dp.inum + ")");
      }
      if (FsFormat.u16(de, 0) == 0) {
        break;
      }
    }
    new Dirent((int) inum, name).encode(de, 0);
    return writei(dp, ByteSource.of(de), 0, off, DIRENT_SIZE) == DIRENT_SIZE;
  }

  // ---------------------------------------------------------------------------------------
  // Paths.

  /** One path element and where the rest of the path starts. */
  private record Elem(byte[] name, int rest) {}

  /**
   * Copies the next path element of path[pos..] (cut to DIRSIZ bytes). The rest has no leading
   * slashes, so rest == end means the element was the last. Empty if there is no element.
   * skipelem("a/bb/c") = "a" then "bb/c"; skipelem("///a//bb") = "a" then "bb".
   */
  private static Optional<Elem> skipelem(byte[] path, int pos, int end) {
    while (pos < end && path[pos] == '/') {
      pos++;
    }
    if (pos == end) {
      return Optional.empty();
    }
    int s = pos;
    while (pos < end && path[pos] != '/') {
      pos++;
    }
    byte[] name = Arrays.copyOfRange(path, s, s + Math.min(pos - s, DIRSIZ));
    while (pos < end && path[pos] == '/') {
      pos++;
    }
    return Optional.of(new Elem(name, pos));
  }

  /** The parent directory of a path's last element, and that element. */
  public record Parent(Inode dir, byte[] name) {}

  /**
   * Looks up and returns the inode for a path name (a C string: it ends at its first NUL). Relative
   * paths start at cwd. Must be inside a transaction, since it calls iput.
   *
   * @return the inode, referenced and unlocked; empty if a component is missing or not a directory
   */
  public Optional<Inode> namei(byte[] path, Inode cwd) {
    return namex(path, false, cwd).map(Parent::dir);
  }

  /** The directory holding path's last element, and the element; empty as for namei. */
  public Optional<Parent> nameiparent(byte[] path, Inode cwd) {
    return namex(path, true, cwd);
  }

  private Optional<Parent> namex(byte[] path, boolean parent, Inode cwd) {
    int end = 0;
    while (end < path.length && path[end] != 0) {
      end++;
    }
    Inode ip = (end > 0 && path[0] == '/') ? iget(ROOTINO) : idup(cwd);
    byte[] name = new byte[0];
    Optional<Elem> e;
    int pos = 0;
    while ((e = skipelem(path, pos, end)).isPresent()) {
      name = e.get().name();
      pos = e.get().rest();
      ilock(ip);
      if (ip.type != T_DIR) {
        iunlockput(ip);
        return Optional.empty();
      }
      if (parent && pos == end) {
        iunlock(ip); // Stop one level early.
        return Optional.of(new Parent(ip, name));
      }
      Optional<Found> next = dirlookup(ip, name);
      iunlockput(ip);
      if (next.isEmpty()) {
        return Optional.empty();
      }
      ip = next.get().ip();
    }
    if (parent) {
      iput(ip);
      return Optional.empty();
    }
    return Optional.of(new Parent(ip, name));
  }

  /** The root directory, referenced (the cwd of a process that never called chdir). */
  public Inode root() {
    return iget(ROOTINO);
  }
}
