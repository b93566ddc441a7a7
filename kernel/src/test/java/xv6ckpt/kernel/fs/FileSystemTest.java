package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static xv6ckpt.kernel.fs.Images.dir;
import static xv6ckpt.kernel.fs.Images.file;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

class FileSystemTest {

  private static void assertClean(MemoryBlockDevice d) {
    Fsck.Report r = Fsck.check(d);
    assertThat(r.violations()).isEmpty();
  }

  private static List<String> names(FileSystem fs, String path) throws FsException {
    List<String> out = new ArrayList<>();
    for (FileSystem.Entry e : fs.list(path)) {
      out.add(e.name());
    }
    return out;
  }

  @Test
  void mkfsTreeMountsAndReads() throws FsException {
    MemoryBlockDevice d =
        Images.stock(file("README", "hello"), dir("etc", file("motd", "hi there"), dir("empty")));
    assertClean(d);
    FileSystem fs = FileSystem.mount(d);
    assertThat(names(fs, "/")).containsExactly(".", "..", "README", "etc").inOrder();
    assertThat(names(fs, "/etc")).containsExactly(".", "..", "empty", "motd").inOrder();
    assertThat(Images.text(fs.readFile("/etc/motd"))).isEqualTo("hi there");
    assertThat(Images.text(fs.readFile("README"))).isEqualTo("hello");
    assertThat(fs.stat("/etc").type()).isEqualTo(Stat.T_DIR);
    assertThat(fs.stat("/etc").nlink()).isEqualTo(2); // its entry and empty's ".."
    assertThat(fs.stat("/").nlink()).isEqualTo(2); // root's ".." and etc's ".."
  }

  @Test
  void writeUnmountRemountRead() throws FsException {
    MemoryBlockDevice d = Images.stock();
    byte[] data = Images.pattern(50_000, 1); // into the indirect block
    FileSystem fs = FileSystem.mount(d);
    fs.mkdir("/a");
    fs.mkdir("/a/b");
    fs.writeFile("/a/b/f", data);
    FileSystem again = FileSystem.mount(d); // the first one just stops: nothing is pending
    assertThat(again.readFile("/a/b/f")).isEqualTo(data);
    assertThat(again.stat("/a/b/f").size()).isEqualTo(50_000);
    assertClean(d);
  }

  @Test
  void pathNamesAsXv6ParsesThem() throws FsException {
    MemoryBlockDevice d = Images.stock(dir("a", dir("b", file("c", "x"))));
    FileSystem fs = FileSystem.mount(d);
    assertThat(Images.text(fs.readFile("///a//b/c"))).isEqualTo("x");
    assertThat(Images.text(fs.readFile("a/./b/../b/c"))).isEqualTo("x");
    assertThat(fs.stat("/a/b/..").ino()).isEqualTo(fs.stat("/a").ino());
    assertThat(fs.stat("/..").ino()).isEqualTo(FsFormat.ROOTINO);
    FsException e = assertThrows(FsException.class, () -> fs.readFile("/a/b/c/d"));
    assertThat(e.error()).isEqualTo(FsError.NOT_FOUND);
    e = assertThrows(FsException.class, () -> fs.readFile("/a/b"));
    assertThat(e.error()).isEqualTo(FsError.IS_A_DIRECTORY);
  }

  @Test
  void namesAreCutAtDirsizLikeXv6() throws FsException {
    FileSystem fs = FileSystem.mount(Images.stock());
    fs.createFile("/abcdefghijklmnopq", false); // stored as its first 14 bytes
    assertThat(names(fs, "/")).contains("abcdefghijklmn");
    assertThat(fs.stat("/abcdefghijklmnXYZ").type()).isEqualTo(Stat.T_FILE);
  }

  @Test
  void unlinkFreesEverythingAndRefusesNonEmptyDirectories() throws FsException {
    MemoryBlockDevice d = Images.stock();
    byte[] pristine = d.contents();
    FileSystem fs = FileSystem.mount(d);
    fs.mkdir("/d");
    fs.writeFile("/d/f", Images.pattern(30_000, 2));
    FsException e = assertThrows(FsException.class, () -> fs.unlink("/d"));
    assertThat(e.error()).isEqualTo(FsError.DIRECTORY_NOT_EMPTY);
    e = assertThrows(FsException.class, () -> fs.unlink("/d/.."));
    assertThat(e.error()).isEqualTo(FsError.INVALID_NAME);
    fs.unlink("/d/f");
    fs.unlink("/d");
    assertClean(d);
    // Bitmap and inode blocks are as mkfs left them (the root's entry slots are zeroed).
    Superblock sb = fs.superblock();
    byte[] now = d.contents();
    int bs = FsFormat.BSIZE;
    for (long b = sb.bmapstart(); b < sb.dataStart(); b++) {
      assertThat(java.util.Arrays.copyOfRange(now, (int) b * bs, (int) (b + 1) * bs))
          .isEqualTo(java.util.Arrays.copyOfRange(pristine, (int) b * bs, (int) (b + 1) * bs));
    }
    assertThat(fs.stat("/").nlink()).isEqualTo(1);
  }

  @Test
  void hardLinksCountAndSurviveUnlinkOfTheOtherName() throws FsException {
    MemoryBlockDevice d = Images.stock(file("f", "data"));
    FileSystem fs = FileSystem.mount(d);
    fs.link("/f", "/g");
    assertThat(fs.stat("/f").nlink()).isEqualTo(2);
    assertThat(assertThrows(FsException.class, () -> fs.link("/f", "/g")).error())
        .isEqualTo(FsError.EXISTS);
    assertThat(fs.stat("/f").nlink()).isEqualTo(2); // the failed link undid its count
    fs.mkdir("/dir");
    assertThat(assertThrows(FsException.class, () -> fs.link("/dir", "/x")).error())
        .isEqualTo(FsError.IS_A_DIRECTORY);
    fs.unlink("/f");
    assertThat(Images.text(fs.readFile("/g"))).isEqualTo("data");
    assertThat(fs.stat("/g").nlink()).isEqualTo(1);
    assertClean(d);
  }

  @Test
  void createErrors() throws FsException {
    FileSystem fs = FileSystem.mount(Images.stock(dir("d"), file("f", "")));
    assertThat(assertThrows(FsException.class, () -> fs.mkdir("/d")).error())
        .isEqualTo(FsError.EXISTS);
    assertThat(assertThrows(FsException.class, () -> fs.mkdir("/nope/x")).error())
        .isEqualTo(FsError.NOT_FOUND);
    assertThat(assertThrows(FsException.class, () -> fs.mkdir("/f/x")).error())
        .isEqualTo(FsError.NOT_FOUND); // f is not a directory: namex fails
    assertThat(assertThrows(FsException.class, () -> fs.createFile("/d", false)).error())
        .isEqualTo(FsError.IS_A_DIRECTORY);
    assertThat(assertThrows(FsException.class, () -> fs.mkdir("/")).error())
        .isEqualTo(FsError.NOT_FOUND);
  }

  /**
   * Not in xv6: a directory that was removed while still held (a process's cwd) takes no new
   * entries: create (open O_CREATE, mkdir, mknod) and link refuse as Linux does (ENOENT). Stock xv6
   * makes them, and they are never reachable or freed again.
   */
  @Test
  void aRemovedDirectoryTakesNoNewEntries() throws FsException {
    MemoryBlockDevice d = Images.stock(dir("d"), file("f", "x"));
    FileSystem fs = FileSystem.mount(d);
    Fs f = fs.fs();
    Inode root = f.root();
    Inode held = f.namei("/d".getBytes(ISO_8859_1), root).orElseThrow(); // a cwd's reference
    fs.unlink("/d");
    f.log().beginOpNow(Param.MAXOPBLOCKS);
    for (short type : new short[] {Stat.T_DIR, Stat.T_FILE, Stat.T_DEVICE}) {
      assertThat(FileSystem.create(f, held, "x".getBytes(ISO_8859_1), type, (short) 1, (short) 0))
          .isEqualTo(new FileSystem.Refusal(FsError.NOT_FOUND, 0));
    }
    assertThat(FileSystem.link(f, held, "/f".getBytes(ISO_8859_1), "y".getBytes(ISO_8859_1)))
        .hasValue(new FileSystem.Refusal(FsError.NOT_FOUND, 1));
    f.iput(held); // the last reference: the directory is freed
    f.iput(root);
    f.log().endOp(Param.MAXOPBLOCKS);
    assertClean(d);
    assertThat(fs.stat("/f").nlink()).isEqualTo(1);
  }

  @Test
  void runningOutOfInodesAndBlocksIsARefusalNotACorruption() throws FsException {
    MemoryBlockDevice d = Images.make(new Mkfs.Options(200, 20, 30, false));
    FileSystem fs = FileSystem.mount(d);
    int made = 0;
    FsException e = null;
    while (e == null) {
      try {
        fs.createFile("/f" + made, false);
        made++;
      } catch (FsException x) {
        e = x;
      }
    }
    assertThat(e.error()).isEqualTo(FsError.NO_INODES);
    assertThat(made).isEqualTo(18); // inodes 2..19
    e = assertThrows(FsException.class, () -> fs.writeFile("/f0", new byte[200 * 1024]));
    assertThat(e.error()).isEqualTo(FsError.NO_SPACE);
    assertClean(d);
    fs.unlink("/f0");
    assertClean(d);
  }

  @Test
  void xv6FilewriteSplitsIntoThreeBlockTransactions() throws FsException {
    MemoryBlockDevice d = Images.stock(file("f", ""));
    FileSystem fs = FileSystem.mount(d);
    assertThat(FileSystem.maxWriteBytes(Param.MAXOPBLOCKS, false)).isEqualTo(3 * 1024);
    List<Log.Commit> commits = new ArrayList<>();
    fs.log().setCommitListener(commits::add);
    Inode ip = fs.open("/f");
    commits.clear();
    byte[] data = Images.pattern(20_000, 3);
    long n = fs.writeChunked(ip, 0, ByteSource.of(data), 0, data.length, Param.MAXOPBLOCKS);
    fs.close(ip);
    assertThat(n).isEqualTo(data.length);
    // 20000 bytes in chunks of 3072: 7 transactions, then close's (which logs nothing).
    assertThat(commits).hasSize(7);
    for (Log.Commit c : commits) {
      assertThat(c.blocks()).isAtMost(Param.MAXOPBLOCKS);
    }
    assertThat(fs.readFile("/f")).isEqualTo(data);
    assertThat(fs.log().maxCommitBlocks()).isAtMost(Param.MAXOPBLOCKS);
  }

  @Test
  void stockFileSystemStopsAtMaxfile() throws FsException {
    FileSystem fs = FileSystem.mount(Images.make(new Mkfs.Options(1000, 200, 30, false)));
    byte[] data = Images.pattern(FsFormat.MAXFILE * 1024 + 1, 4);
    assertThat(assertThrows(FsException.class, () -> fs.writeFile("/big", data)).error())
        .isEqualTo(FsError.FILE_TOO_LARGE);
    byte[] max = java.util.Arrays.copyOf(data, FsFormat.MAXFILE * 1024);
    fs.writeFile("/big", max);
    assertThat(fs.readFile("/big")).isEqualTo(max);
    Inode ip = fs.open("/big");
    long n = fs.writeChunked(ip, max.length, ByteSource.of(new byte[1]), 0, 1, 10);
    fs.close(ip);
    assertThat(n).isEqualTo(-1); // writei refuses to pass MAXFILE
  }

  @Test
  void doublyIndirectFilesGrowPastTheStockLimitAndFreeCompletely() throws FsException {
    MemoryBlockDevice d = Images.big(4000, 100);
    FileSystem fs = FileSystem.mount(d);
    byte[] data = Images.pattern(FsFormat.MAXFILE * 1024 + 600 * 1024 + 17, 5);
    fs.writeFile("/big", data);
    assertThat(fs.readFile("/big")).isEqualTo(data);
    assertClean(d);
    assertThat(FileSystem.mount(d).readFile("/big")).isEqualTo(data);
    fs.unlink("/big");
    assertClean(d);
    assertThat(fs.log().maxCommitBlocks()).isAtMost(fs.log().capacity());
  }

  @Test
  void smallFilesOnADoublyIndirectFileSystemKeepTheStockInodeLayout() throws FsException {
    MemoryBlockDevice d = Images.big(4000, 100, file("small", "abc"));
    Superblock sb = FileSystem.mount(d).superblock();
    byte[] ib = new byte[FsFormat.BSIZE];
    d.read(sb.iblock(2), ib);
    Dinode din = Dinode.decode(ib, 2 * FsFormat.DINODE_SIZE);
    assertThat(din.major()).isEqualTo(0);
    assertThat(din.minor()).isEqualTo(0);
    assertThat(din.size()).isEqualTo(3);
  }

  @Test
  void mountRefusesANonFileSystem() {
    MemoryBlockDevice d = new MemoryBlockDevice(1024, 100);
    KernelPanic p = assertThrows(KernelPanic.class, () -> FileSystem.mount(d));
    assertThat(p.panicMessage()).startsWith("invalid file system: bad magic");
    KernelPanic tiny =
        assertThrows(KernelPanic.class, () -> FileSystem.mount(new MemoryBlockDevice(1024, 1)));
    assertThat(tiny.panicMessage()).contains("no superblock");
  }

  @Test
  void truncateEmptiesAndFreesBlocks() throws FsException {
    MemoryBlockDevice d = Images.stock(file("f", "x".repeat(40_000)));
    FileSystem fs = FileSystem.mount(d);
    fs.truncate("/f");
    assertThat(fs.stat("/f").size()).isEqualTo(0);
    assertClean(d);
    fs.writeFile("/f", "new".getBytes(ISO_8859_1));
    assertThat(Images.text(fs.readFile("/f"))).isEqualTo("new");
  }
}
