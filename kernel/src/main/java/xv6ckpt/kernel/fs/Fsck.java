package xv6ckpt.kernel.fs;

import static xv6ckpt.kernel.fs.FsFormat.BSIZE;
import static xv6ckpt.kernel.fs.FsFormat.DINODE_SIZE;
import static xv6ckpt.kernel.fs.FsFormat.DIRENT_SIZE;
import static xv6ckpt.kernel.fs.FsFormat.IPB;
import static xv6ckpt.kernel.fs.FsFormat.NDIRECT;
import static xv6ckpt.kernel.fs.FsFormat.NINDIRECT;
import static xv6ckpt.kernel.fs.FsFormat.ROOTINO;
import static xv6ckpt.kernel.fs.Stat.T_DEVICE;
import static xv6ckpt.kernel.fs.Stat.T_DIR;
import static xv6ckpt.kernel.fs.Stat.T_FILE;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.DiskIoException;

/**
 * fsck: checks every on-disk invariant of an image and reports each violation in one line that
 * names the superblock field, inode, block or directory entry at fault. It reads the raw disk and
 * shares no code with {@link Fs} beyond the format's decoders, so it can catch Fs's bugs.
 *
 * <p>Rules, in report order:
 *
 * <ol>
 *   <li>superblock: magic, regions in order, inside the disk and large enough (if this fails,
 *       nothing else is checked);
 *   <li>log: the header is clean (n = 0) or replayable (n within the log, every entry a block after
 *       the log); a replayable log is not a violation: the rest is checked on the image as mounting
 *       would leave it, with the logged blocks in place;
 *   <li>inodes: a known type; size within the largest file; every block address in the data area;
 *       no block referenced twice; every file block below the size present and none beyond it;
 *   <li>bitmap: a block is marked in use iff it is metadata or referenced by an inode;
 *   <li>directories: size a multiple of 16; "." (itself) then ".." (its parent; the root's is
 *       itself) first, nowhere else; every entry names an allocated inode in range with a non-empty
 *       name unique in the directory; every directory reachable from the root by exactly one path;
 *       every allocated inode reachable;
 *   <li>link counts: nlink equals the number of entries naming the inode, "." not counted.
 * </ol>
 */
public final class Fsck {

  /** Violations (the image is inconsistent) and notes (facts worth knowing, not errors). */
  public record Report(List<String> violations, List<String> notes) {
    public boolean clean() {
      return violations.isEmpty();
    }
  }

  private final BlockDevice dev;

  /** Inodes a running kernel holds (empty for a disk at rest). */
  private final Set<Long> inUse;

  private final List<String> violations = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private Superblock sb;

  /** Log blocks that replay would install: home block number to contents. */
  private final Map<Long, byte[]> replay = new HashMap<>();

  private Dinode[] inodes;

  /** Which inode references each data block, and as what. */
  private final Map<Long, String> owner = new HashMap<>();

  private final Map<Long, Long> ownerInum = new HashMap<>();

  /** Data blocks of each directory, in file order (0 for a hole). */
  private final Map<Long, long[]> dirBlocks = new TreeMap<>();

  private Fsck(BlockDevice dev, Set<Long> inUse) {
    this.dev = dev;
    this.inUse = Set.copyOf(inUse);
  }

  /** Checks the image on dev; never throws for a bad image. */
  public static Report check(BlockDevice dev) {
    return checkLive(dev, Set.of());
  }

  /**
   * Checks the disk of a running kernel whose inode table holds {@code inUse} (see {@code
   * Fs.inUse}). xv6 frees an unlinked inode only at its last iput, so an inode in use with nlink 0
   * (say, a file removed while open) is allocated yet named by no directory: a note here, not a
   * violation. Any other unreachable inode still is one.
   */
  public static Report checkLive(BlockDevice dev, Set<Long> inUse) {
    Fsck f = new Fsck(dev, inUse);
    try {
      f.run();
    } catch (DiskIoException e) {
      f.violations.add("disk: " + e.getMessage());
    }
    return new Report(List.copyOf(f.violations), List.copyOf(f.notes));
  }

  private void run() {
    if (dev.blockSize() != BSIZE) {
      violations.add("disk block size is " + dev.blockSize() + ", not " + BSIZE);
      return;
    }
    if (dev.blockCount() < 2) {
      violations.add("image of " + dev.blockCount() + " blocks has no superblock");
      return;
    }
    sb = Superblock.decode(raw(1));
    for (String p : sb.problems(dev.blockCount())) {
      violations.add("superblock: " + p);
    }
    if (!violations.isEmpty()) {
      return;
    }
    checkLog();
    checkInodes();
    checkBitmap();
    checkDirectoriesAndLinks();
  }

  private byte[] raw(long b) {
    byte[] buf = new byte[BSIZE];
    dev.read(b, buf);
    return buf;
  }

  /** Block b as mounting would leave it: a logged copy if replay installs one. */
  private byte[] block(long b) {
    byte[] r = replay.get(b);
    return r != null ? r.clone() : raw(b);
  }

  // ---------------------------------------------------------------------------------------

  private void checkLog() {
    byte[] head = raw(sb.logstart());
    long n = FsFormat.u32(head, 0);
    if (n == 0) {
      return;
    }
    if (n > sb.logCapacity()) {
      violations.add("log header: n = " + n + " exceeds the log's " + sb.logCapacity() + " blocks");
      return;
    }
    long first = sb.logstart() + sb.nlog();
    boolean ok = true;
    for (int i = 0; i < n; i++) {
      long b = FsFormat.u32(head, 4 + 4 * i);
      if (b < first || b >= sb.size()) {
        violations.add(
            "log header: entry "
                + i
                + " names block "
                + b
                + ", outside "
                + first
                + ".."
                + (sb.size() - 1));
        ok = false;
      }
    }
    if (!ok) {
      return;
    }
    for (int i = 0; i < n; i++) {
      replay.put(FsFormat.u32(head, 4 + 4 * i), raw(sb.logstart() + 1 + i));
    }
    notes.add(
        "log holds a committed transaction of "
            + n
            + " blocks; checked as mounting would leave the image, after replay");
  }

  // ---------------------------------------------------------------------------------------

  private void checkInodes() {
    inodes = new Dinode[(int) sb.ninodes()];
    for (long inum = 0; inum < sb.ninodes(); inum++) {
      byte[] b = block(sb.iblock(inum));
      inodes[(int) inum] = Dinode.decode(b, (int) (inum % IPB) * DINODE_SIZE);
    }
    for (int inum = 1; inum < inodes.length; inum++) {
      Dinode d = inodes[inum];
      if (d.type() == 0) {
        continue;
      }
      if (d.type() != T_DIR && d.type() != T_FILE && d.type() != T_DEVICE) {
        violations.add("inode " + inum + ": unknown type " + d.type());
        continue;
      }
      long max = (long) sb.maxFileBlocks() * BSIZE;
      if (d.size() > max) {
        violations.add(
            "inode "
                + inum
                + ": size "
                + d.size()
                + " exceeds the largest file ("
                + max
                + " bytes)");
      }
      checkBlocks(inum, d);
    }
  }

  private boolean allocated(long inum) {
    if (inum <= 0 || inum >= inodes.length) {
      return false;
    }
    short t = inodes[(int) inum].type();
    return t == T_DIR || t == T_FILE || t == T_DEVICE;
  }

  /** Walks an inode's blocks: claims each, checks range and the size, keeps a dir's list. */
  private void checkBlocks(int inum, Dinode d) {
    long need = (d.size() + BSIZE - 1) / BSIZE;
    List<Long> fileBlocks = new ArrayList<>();
    for (int i = 0; i < NDIRECT; i++) {
      fileBlocks.add(claim(inum, d.addrs()[i], "addrs[" + i + "]") ? d.addrs()[i] : 0L);
    }
    long ind = d.addrs()[NDIRECT];
    if (claim(inum, ind, "indirect block")) {
      index(inum, ind, "indirect block " + ind, fileBlocks);
    } else {
      pad(fileBlocks, NINDIRECT);
    }
    if (sb.hasDindirect() && d.type() != T_DEVICE) {
      long dind = d.dindirect();
      if (claim(inum, dind, "doubly-indirect block")) {
        byte[] b = block(dind);
        for (int j = 0; j < NINDIRECT; j++) {
          long l1 = FsFormat.u32(b, 4 * j);
          if (claim(inum, l1, "doubly-indirect entry " + j)) {
            index(inum, l1, "index block " + l1, fileBlocks);
          } else {
            pad(fileBlocks, NINDIRECT);
          }
        }
      }
    }
    for (int fbn = 0; fbn < fileBlocks.size(); fbn++) {
      long b = fileBlocks.get(fbn);
      if (b != 0 && fbn >= need) {
        violations.add(
            "inode "
                + inum
                + ": file block "
                + fbn
                + " (block "
                + b
                + ") lies beyond its size "
                + d.size());
      }
    }
    long have = Math.min(need, fileBlocks.size());
    for (int fbn = 0; fbn < have; fbn++) {
      if (fileBlocks.get(fbn) == 0) {
        violations.add(
            "inode "
                + inum
                + ": file block "
                + fbn
                + " within its size "
                + d.size()
                + " has no block");
      }
    }
    if (d.type() == T_DIR) {
      long[] blocks = new long[(int) have];
      for (int i = 0; i < have; i++) {
        blocks[i] = fileBlocks.get(i);
      }
      dirBlocks.put((long) inum, blocks);
    }
  }

  private static void pad(List<Long> l, int n) {
    for (int i = 0; i < n; i++) {
      l.add(0L);
    }
  }

  private void index(int inum, long idx, String what, List<Long> fileBlocks) {
    byte[] b = block(idx);
    for (int j = 0; j < NINDIRECT; j++) {
      long a = FsFormat.u32(b, 4 * j);
      fileBlocks.add(claim(inum, a, what + " entry " + j) ? a : 0L);
    }
  }

  /** Records that inode inum references block b as role; false if b is 0 or unusable. */
  private boolean claim(int inum, long b, String role) {
    if (b == 0) {
      return false;
    }
    if (b < sb.dataStart() || b >= sb.size()) {
      violations.add(
          "inode "
              + inum
              + ": "
              + role
              + " = "
              + b
              + " is outside the data area "
              + sb.dataStart()
              + ".."
              + (sb.size() - 1));
      return false;
    }
    String prev = owner.putIfAbsent(b, "inode " + inum + " (" + role + ")");
    if (prev != null) {
      violations.add(
          "block "
              + b
              + " is referenced twice: by "
              + prev
              + " and by inode "
              + inum
              + " ("
              + role
              + ")");
      return false;
    }
    ownerInum.put(b, (long) inum);
    return true;
  }

  // ---------------------------------------------------------------------------------------

  /**
   * Bitmap rule, block by block in block order. The bits are read into a {@link BitSet} (the
   * bitmap's bit order: bit b % 8 of byte b / 8) and only the mismatches are visited: a clear bit
   * among the metadata, a used bit differing from "referenced" among the data blocks, a set bit
   * beyond the file system; a bit-by-bit loop with a map lookup per block costs more than the rest
   * of fsck on a small image.
   */
  private void checkBitmap() {
    BitSet referenced = new BitSet();
    for (long b : owner.keySet()) { // data blocks only (see claim)
      referenced.set((int) b);
    }
    long nbitmapBlocks = sb.dataStart() - sb.bmapstart();
    for (long k = 0; k < nbitmapBlocks; k++) {
      BitSet used = BitSet.valueOf(block(sb.bmapstart() + k)); // bit bi: block k * BPB + bi
      int first = Math.toIntExact(k * FsFormat.BPB);
      int dataStart = (int) Math.max(0, Math.min(sb.dataStart() - first, FsFormat.BPB));
      int size = (int) Math.max(0, Math.min(sb.size() - first, FsFormat.BPB));
      int meta = Math.min(dataStart, size);
      for (int bi = used.nextClearBit(0); bi < meta; bi = used.nextClearBit(bi + 1)) {
        violations.add("bitmap: metadata block " + (first + bi) + " is marked free");
      }
      BitSet differ = referenced.get(first, first + FsFormat.BPB);
      differ.xor(used);
      for (int bi = differ.nextSetBit(dataStart);
          bi >= 0 && bi < size;
          bi = differ.nextSetBit(bi + 1)) {
        long b = first + bi;
        if (used.get(bi)) {
          violations.add("bitmap: block " + b + " is marked in use but nothing references it");
        } else {
          violations.add(
              "bitmap: block " + b + " is marked free but referenced by " + owner.get(b));
        }
      }
      for (int bi = used.nextSetBit(size); bi >= 0; bi = used.nextSetBit(bi + 1)) {
        violations.add(
            "bitmap: block "
                + (first + bi)
                + " is marked in use but lies beyond "
                + "the size "
                + sb.size());
      }
    }
  }

  // ---------------------------------------------------------------------------------------

  /** One used directory entry. */
  private record Entry(long dir, long off, long inum, byte[] name) {
    String where() {
      return "directory inode "
          + dir
          + " entry \""
          + new String(name, java.nio.charset.StandardCharsets.UTF_8)
          + "\" (offset "
          + off
          + ")";
    }
  }

  private static boolean isName(byte[] n, String s) {
    return Arrays.equals(n, s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  private void checkDirectoriesAndLinks() {
    long[] refs = new long[inodes.length];
    Map<Long, List<Entry>> children = new TreeMap<>();
    for (Map.Entry<Long, long[]> e : dirBlocks.entrySet()) {
      long dir = e.getKey();
      List<Entry> entries = readDir(dir, e.getValue());
      List<Entry> kids = new ArrayList<>();
      Set<String> names = new HashSet<>();
      for (Entry en : entries) {
        if (en.inum() >= inodes.length) {
          violations.add(
              en.where()
                  + " names inode "
                  + en.inum()
                  + ", beyond the "
                  + inodes.length
                  + " inodes");
          continue;
        }
        if (!allocated(en.inum())) {
          violations.add(en.where() + " names free inode " + en.inum());
          continue;
        }
        if (en.name().length == 0) {
          violations.add(en.where() + " has an empty name");
        }
        if (!names.add(Arrays.toString(en.name()))) {
          violations.add(en.where() + " repeats a name in the directory");
        }
        boolean dot = isName(en.name(), ".");
        boolean dotdot = isName(en.name(), "..");
        if (!dot) {
          refs[(int) en.inum()]++;
        }
        if (!dot && !dotdot) {
          kids.add(en);
        }
      }
      checkDots(dir, entries);
      children.put(dir, kids);
    }
    checkTree(children);
    for (int inum = 1; inum < inodes.length; inum++) {
      if (allocated(inum) && inodes[inum].nlink() != refs[inum]) {
        violations.add(
            "inode "
                + inum
                + ": nlink "
                + inodes[inum].nlink()
                + " but "
                + refs[inum]
                + " directory entries name it");
      }
    }
  }

  /** Used entries of a directory; reports a size that is not whole entries. */
  private List<Entry> readDir(long dir, long[] blocks) {
    Dinode d = inodes[(int) dir];
    if (d.size() % DIRENT_SIZE != 0) {
      violations.add(
          "directory inode " + dir + ": size " + d.size() + " is not a multiple of " + DIRENT_SIZE);
    }
    List<Entry> out = new ArrayList<>();
    long end = Math.min(d.size(), (long) blocks.length * BSIZE) / DIRENT_SIZE * DIRENT_SIZE;
    byte[] b = null;
    for (long off = 0; off < end; off += DIRENT_SIZE) {
      int fbn = (int) (off / BSIZE);
      if (off % BSIZE == 0) {
        b = blocks[fbn] == 0 ? new byte[BSIZE] : block(blocks[fbn]);
      }
      Dirent de = Dirent.decode(b, (int) (off % BSIZE));
      if (de.inum() != 0) {
        out.add(new Entry(dir, off, de.inum(), de.name()));
      }
    }
    return out;
  }

  private void checkDots(long dir, List<Entry> entries) {
    boolean dotFirst =
        !entries.isEmpty() && entries.get(0).off() == 0 && isName(entries.get(0).name(), ".");
    boolean dotdotSecond =
        entries.size() > 1
            && entries.get(1).off() == DIRENT_SIZE
            && isName(entries.get(1).name(), "..");
    if (!dotFirst) {
      violations.add("directory inode " + dir + ": first entry is not \".\"");
    } else if (entries.get(0).inum() != dir) {
      violations.add(
          entries.get(0).where()
              + " names inode "
              + entries.get(0).inum()
              + ", not the directory itself");
    }
    if (!dotdotSecond) {
      violations.add("directory inode " + dir + ": second entry is not \"..\"");
    }
    for (int i = 0; i < entries.size(); i++) {
      Entry e = entries.get(i);
      boolean special = isName(e.name(), ".") || isName(e.name(), "..");
      if (special && e.off() >= 2 * DIRENT_SIZE) {
        violations.add(e.where() + " is a second \".\" or \"..\"");
      }
    }
  }

  /** Reachability from the root, one parent per directory, ".." naming that parent. */
  private void checkTree(Map<Long, List<Entry>> children) {
    if (!allocated(ROOTINO) || inodes[ROOTINO].type() != T_DIR) {
      violations.add("inode " + ROOTINO + " (the root) is not a directory");
      return;
    }
    Map<Long, Long> parent = new HashMap<>();
    Set<Long> reached = new HashSet<>();
    Deque<Long> todo = new ArrayDeque<>();
    parent.put((long) ROOTINO, (long) ROOTINO);
    reached.add((long) ROOTINO);
    todo.add((long) ROOTINO);
    while (!todo.isEmpty()) {
      long dir = todo.poll();
      for (Entry e : children.getOrDefault(dir, List.of())) {
        long child = e.inum();
        boolean isDir = inodes[(int) child].type() == T_DIR;
        if (isDir && reached.contains(child)) {
          violations.add(
              e.where()
                  + " names directory "
                  + child
                  + ", which already has parent "
                  + parent.get(child));
          continue;
        }
        if (reached.add(child) && isDir) {
          parent.put(child, dir);
          todo.add(child);
        }
      }
    }
    for (Map.Entry<Long, Long> p : new TreeMap<>(parent).entrySet()) {
      long dotdot = dotdotOf(p.getKey());
      if (dotdot >= 0 && dotdot != p.getValue()) {
        violations.add(
            "directory inode "
                + p.getKey()
                + ": \"..\" names inode "
                + dotdot
                + ", but its parent is "
                + p.getValue());
      }
    }
    for (int inum = 1; inum < inodes.length; inum++) {
      if (allocated(inum) && !reached.contains((long) inum)) {
        if (inodes[inum].nlink() == 0 && inUse.contains((long) inum)) {
          notes.add(
              "inode "
                  + inum
                  + " ("
                  + Stat.typeName(inodes[inum].type())
                  + ") is unlinked but open: freed at its last close");
          continue;
        }
        violations.add(
            "inode "
                + inum
                + " ("
                + Stat.typeName(inodes[inum].type())
                + ") is allocated but not reachable from the root");
      }
    }
  }

  private long dotdotOf(long dir) {
    long[] blocks = dirBlocks.get(dir);
    if (blocks == null
        || blocks.length == 0
        || blocks[0] == 0
        || inodes[(int) dir].size() < 2 * DIRENT_SIZE) {
      return -1;
    }
    Dirent d = Dirent.decode(block(blocks[0]), DIRENT_SIZE);
    return isName(d.name(), "..") ? d.inum() : -1;
  }
}
