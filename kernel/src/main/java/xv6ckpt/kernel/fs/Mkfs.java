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
import static xv6ckpt.kernel.fs.Stat.T_DIR;
import static xv6ckpt.kernel.fs.Stat.T_FILE;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Param;

/**
 * mkfs: builds a file system image, block by block and without the log, the way xv6's {@code
 * mkfs/mkfs.c} does, so that with stock parameters and the same flat list of files the image is
 * byte for byte the one stock mkfs writes.
 *
 * <p>Order (it fixes every inode and block number): zero the disk; write the superblock; allocate
 * the root inode (1) and append its "." and ".."; then for each input in order: allocate its inode,
 * append its entry to the parent directory, append its content (for a directory: its "." and "..",
 * then its children in name order). Blocks are handed out in sequence from the first data block,
 * each index block just before the first block that needs it. Last, the root's size is rounded up
 * to a whole block (as stock mkfs does; not when it is already whole, where stock would leave a
 * hole) and the bitmap marks every block used so far.
 *
 * <p>Beyond stock mkfs: directories (nested), any size, inode count and log size, and the
 * doubly-indirect feature for files up to 64 MiB. Inode link counts follow xv6's mkdir: 1 for a
 * file, 1 plus the number of subdirectories for a directory.
 */
public final class Mkfs {

  /**
   * Geometry of the image.
   *
   * @param size blocks in the file system (stock: FSSIZE = 2000)
   * @param ninodes inodes (stock: 200)
   * @param logBlocks log blocks after the header (stock: LOGBLOCKS = 30)
   * @param dindirect whether files may have a doubly-indirect block
   */
  public record Options(long size, long ninodes, int logBlocks, boolean dindirect) {
    /** Exactly stock xv6's parameters. */
    public static Options stock() {
      return new Options(Param.FSSIZE, Param.NINODES, Param.LOGBLOCKS, false);
    }

    Superblock layout() {
      return Superblock.layout(
          size, ninodes, logBlocks, dindirect ? FsFormat.FEATURE_DINDIRECT : 0);
    }
  }

  /** What goes into the image: a file with its bytes, or a directory with its children. */
  public sealed interface Node permits FileNode, DirNode {
    String name();
  }

  public record FileNode(String name, byte[] data) implements Node {}

  public record DirNode(String name, List<Node> children) implements Node {}

  /** Reads a host file or directory tree (children in name order) into a Node. */
  public static Node fromHost(Path path) throws IOException {
    Path name = path.toAbsolutePath().normalize().getFileName();
    String n = name == null ? "" : name.toString();
    if (Files.isDirectory(path)) {
      List<Path> kids;
      try (Stream<Path> s = Files.list(path)) {
        kids = s.sorted().toList();
      }
      List<Node> children = new ArrayList<>();
      for (Path k : kids) {
        children.add(fromHost(k));
      }
      return new DirNode(n, children);
    }
    return new FileNode(n, Files.readAllBytes(path));
  }

  /** What mkfs built: the superblock, and the inodes and blocks in use. */
  public record Result(Superblock superblock, long inodesUsed, long blocksUsed) {}

  private final BlockDevice dev;
  private final Superblock sb;
  private long freeinode = 1;
  private long freeblock;

  private Mkfs(BlockDevice dev, Superblock sb) {
    this.dev = dev;
    this.sb = sb;
    this.freeblock = sb.dataStart(); // the first free block that we can allocate
  }

  /**
   * Builds the image on dev (its first {@code options.size()} blocks; the rest is zeroed too).
   *
   * @throws MkfsException if the options are unusable, a name is bad or repeated, or the inputs do
   *     not fit
   */
  public static Result make(BlockDevice dev, Options options, List<Node> inputs)
      throws MkfsException {
    checkOptions(dev, options);
    Mkfs m = new Mkfs(dev, options.layout());
    m.checkNames(inputs, "/");
    return m.build(inputs);
  }

  /**
   * A fresh in-memory disk of {@code options.size()} blocks built from the inputs: how the tests,
   * the fuzz targets and the built-in image make a disk without a file.
   *
   * @throws MkfsException as {@link #make}
   */
  public static MemoryBlockDevice image(Options options, List<Node> inputs) throws MkfsException {
    MemoryBlockDevice d = new MemoryBlockDevice(BSIZE, options.size());
    make(d, options, inputs);
    return d;
  }

  /** The files as inputs of the root directory, by name order (so a disk is one per map). */
  public static List<Node> rootFiles(Map<String, byte[]> files) {
    List<Node> nodes = new ArrayList<>();
    files.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> nodes.add(new FileNode(e.getKey(), e.getValue())));
    return nodes;
  }

  private static void checkOptions(BlockDevice dev, Options o) throws MkfsException {
    if (dev.blockSize() != BSIZE) {
      throw new MkfsException("disk block size " + dev.blockSize() + ", need " + BSIZE);
    }
    if (o.logBlocks() < Param.MAXOPBLOCKS || o.logBlocks() > FsFormat.LOGHEADER_MAX) {
      throw new MkfsException(
          "log size "
              + o.logBlocks()
              + " blocks: must be "
              + Param.MAXOPBLOCKS
              + ".."
              + FsFormat.LOGHEADER_MAX);
    }
    if (o.ninodes() < 2 || o.ninodes() > 65536) {
      throw new MkfsException(
          "inode count "
              + o.ninodes()
              + ": must be 2..65536 (a directory entry holds a 16-bit i-number)");
    }
    if (o.size() > 0xffffffffL) {
      throw new MkfsException("size " + o.size() + " blocks: block numbers are 32 bits");
    }
    Superblock sb = o.layout();
    if (sb.nblocks() < 1) {
      throw new MkfsException(
          "size "
              + o.size()
              + " blocks leaves no data blocks: the metadata"
              + " alone takes "
              + sb.dataStart());
    }
    if (dev.blockCount() < o.size()) {
      throw new MkfsException(
          "disk of "
              + dev.blockCount()
              + " blocks is smaller than the "
              + o.size()
              + " blocks asked for");
    }
  }

  private void checkNames(List<Node> nodes, String where) throws MkfsException {
    Set<String> seen = new HashSet<>();
    for (Node n : nodes) {
      byte[] name = n.name().getBytes(StandardCharsets.UTF_8);
      if (name.length == 0
          || n.name().equals(".")
          || n.name().equals("..")
          || n.name().indexOf('/') >= 0
          || n.name().indexOf('\0') >= 0) {
        throw new MkfsException("bad name \"" + n.name() + "\" in " + where);
      }
      if (name.length > DIRSIZ) {
        throw new MkfsException(
            "name \""
                + n.name()
                + "\" in "
                + where
                + " is "
                + name.length
                + " bytes; xv6 names are at most "
                + DIRSIZ);
      }
      if (!seen.add(n.name())) {
        throw new MkfsException("name \"" + n.name() + "\" appears twice in " + where);
      }
      if (n instanceof DirNode d) {
        checkNames(d.children(), where + n.name() + "/");
      }
    }
  }

  private Result build(List<Node> inputs) throws MkfsException {
    byte[] zeroes = new byte[BSIZE];
    for (long i = 0; i < dev.blockCount(); i++) {
      dev.write(i, zeroes);
    }
    byte[] buf = new byte[BSIZE];
    sb.encode(buf);
    dev.write(1, buf);

    long rootino = ialloc(T_DIR);
    if (rootino != ROOTINO) {
      throw new IllegalStateException("root inode is " + rootino); // ialloc starts at 1
    }
    appendEntry(rootino, rootino, ".");
    appendEntry(rootino, rootino, "..");
    for (Node n : inputs) {
      add(rootino, n);
    }
    // fix size of root inode dir, as stock mkfs (but leave a whole last block whole)
    Dinode root = rinode(rootino);
    long off = root.size();
    if (off % BSIZE != 0) {
      off = (off / BSIZE + 1) * BSIZE;
    }
    winode(rootino, withSize(root, off));
    markUsed(freeblock);
    return new Result(sb, freeinode - 1, freeblock);
  }

  private void add(long parent, Node n) throws MkfsException {
    if (n instanceof FileNode f) {
      long inum = ialloc(T_FILE);
      appendEntry(parent, inum, f.name());
      if ((long) f.data().length > (long) sb.maxFileBlocks() * BSIZE) {
        throw new MkfsException(
            f.name()
                + ": "
                + f.data().length
                + " bytes exceed the largest "
                + "file ("
                + (long) sb.maxFileBlocks() * BSIZE
                + " bytes"
                + (sb.hasDindirect() ? ")" : "; see the doubly-indirect option)"));
      }
      iappend(inum, f.data());
      return;
    }
    DirNode d = (DirNode) n;
    long inum = ialloc(T_DIR);
    appendEntry(parent, inum, d.name());
    appendEntry(inum, inum, ".");
    appendEntry(inum, parent, "..");
    Dinode p = rinode(parent);
    winode(parent, withNlink(p, (short) (p.nlink() + 1))); // for ".."
    List<Node> kids = new ArrayList<>(d.children());
    kids.sort(
        (a, b) ->
            Arrays.compareUnsigned(
                a.name().getBytes(StandardCharsets.UTF_8),
                b.name().getBytes(StandardCharsets.UTF_8)));
    for (Node k : kids) {
      add(inum, k);
    }
  }

  private long ialloc(short type) throws MkfsException {
    if (freeinode >= sb.ninodes()) {
      throw new MkfsException(
          "out of inodes: the image has "
              + sb.ninodes()
              + " (inode 0 unused); raise the inode count");
    }
    long inum = freeinode++;
    winode(inum, new Dinode(type, (short) 0, (short) 0, (short) 1, 0, new long[NDIRECT + 1]));
    return inum;
  }

  private long allocBlock() throws MkfsException {
    if (freeblock >= sb.size()) {
      throw new MkfsException(
          "out of blocks: the image has " + sb.nblocks() + " data blocks; raise the size");
    }
    return freeblock++;
  }

  private void appendEntry(long dir, long inum, String name) throws MkfsException {
    byte[] de = new byte[DIRENT_SIZE];
    new Dirent((int) inum, name.getBytes(StandardCharsets.UTF_8)).encode(de, 0);
    iappend(dir, de);
  }

  /** Appends data to inode inum, allocating blocks in file order. */
  private void iappend(long inum, byte[] data) throws MkfsException {
    Dinode din = rinode(inum);
    long[] addrs = din.addrs().clone();
    long[] dind = {din.dindirect()};
    long off = din.size();
    byte[] buf = new byte[BSIZE];
    int p = 0;
    while (p < data.length) {
      long fbn = off / BSIZE;
      long x = blockFor(addrs, dind, fbn);
      int n1 = (int) Math.min(data.length - p, (fbn + 1) * BSIZE - off);
      dev.read(x, buf);
      System.arraycopy(data, p, buf, (int) (off - fbn * BSIZE), n1);
      dev.write(x, buf);
      p += n1;
      off += n1;
    }
    short major = din.major();
    short minor = din.minor();
    if (sb.hasDindirect()) {
      major = (short) dind[0];
      minor = (short) (dind[0] >>> 16);
    }
    winode(inum, new Dinode(din.type(), major, minor, din.nlink(), off, addrs));
  }

  /** The block holding file block fbn, allocating it (and index blocks) on first use. */
  private long blockFor(long[] addrs, long[] dind, long fbn) throws MkfsException {
    if (fbn < NDIRECT) {
      if (addrs[(int) fbn] == 0) {
        addrs[(int) fbn] = allocBlock();
      }
      return addrs[(int) fbn];
    }
    fbn -= NDIRECT;
    if (fbn < NINDIRECT) {
      if (addrs[NDIRECT] == 0) {
        addrs[NDIRECT] = allocBlock();
      }
      return entry(addrs[NDIRECT], (int) fbn);
    }
    fbn -= NINDIRECT;
    if (dind[0] == 0) {
      dind[0] = allocBlock();
    }
    long level1 = entry(dind[0], (int) (fbn / NINDIRECT));
    return entry(level1, (int) (fbn % NINDIRECT));
  }

  /** Entry slot of index block idx, allocating the block it names if 0. */
  private long entry(long idx, int slot) throws MkfsException {
    byte[] b = new byte[BSIZE];
    dev.read(idx, b);
    long x = FsFormat.u32(b, 4 * slot);
    if (x == 0) {
      x = allocBlock();
      FsFormat.put32(b, 4 * slot, x);
      dev.write(idx, b);
    }
    return x;
  }

  private Dinode rinode(long inum) {
    byte[] b = new byte[BSIZE];
    dev.read(sb.iblock(inum), b);
    return Dinode.decode(b, (int) (inum % IPB) * DINODE_SIZE);
  }

  private void winode(long inum, Dinode d) {
    byte[] b = new byte[BSIZE];
    long bn = sb.iblock(inum);
    dev.read(bn, b);
    d.encode(b, (int) (inum % IPB) * DINODE_SIZE);
    dev.write(bn, b);
  }

  private static Dinode withSize(Dinode d, long size) {
    return new Dinode(d.type(), d.major(), d.minor(), d.nlink(), size, d.addrs());
  }

  private static Dinode withNlink(Dinode d, short nlink) {
    return new Dinode(d.type(), d.major(), d.minor(), nlink, d.size(), d.addrs());
  }

  /** Marks blocks 0..used-1 in use in the bitmap. */
  private void markUsed(long used) {
    byte[] buf = new byte[BSIZE];
    for (long base = 0; base < used; base += BPB) {
      Arrays.fill(buf, (byte) 0);
      for (long b = base; b < Math.min(used, base + BPB); b++) {
        int bi = (int) (b % BPB);
        buf[bi / 8] |= (byte) (1 << (bi % 8));
      }
      dev.write(sb.bblock(base), buf);
    }
  }
}
