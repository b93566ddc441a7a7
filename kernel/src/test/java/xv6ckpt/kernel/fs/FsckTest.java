package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static xv6ckpt.kernel.fs.Images.dir;
import static xv6ckpt.kernel.fs.Images.file;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Param;

/** Each corruption is reported, precisely, by the rule it breaks. */
class FsckTest {
  private static final int BS = FsFormat.BSIZE;

  /** root: README (inode 2, 3000 bytes), d/ (3) holding f (4, 40 KiB: uses the indirect). */
  private static MemoryBlockDevice image() {
    return Images.stock(
        file("README", "r".repeat(3000)), dir("d", file("f", "f".repeat(40 * 1024))));
  }

  private static Superblock sb(MemoryBlockDevice d) {
    byte[] b = new byte[BS];
    d.read(1, b);
    return Superblock.decode(b);
  }

  private static Dinode readInode(MemoryBlockDevice d, long inum) {
    byte[] b = new byte[BS];
    d.read(sb(d).iblock(inum), b);
    return Dinode.decode(b, (int) (inum % FsFormat.IPB) * 64);
  }

  private static void writeInode(MemoryBlockDevice d, long inum, Dinode din) {
    byte[] b = new byte[BS];
    long bn = sb(d).iblock(inum);
    d.read(bn, b);
    din.encode(b, (int) (inum % FsFormat.IPB) * 64);
    d.write(bn, b);
  }

  private static void flipBitmap(MemoryBlockDevice d, long blockno) {
    byte[] b = new byte[BS];
    long bn = sb(d).bblock(blockno);
    d.read(bn, b);
    int bi = (int) (blockno % FsFormat.BPB);
    b[bi / 8] ^= (byte) (1 << (bi % 8));
    d.write(bn, b);
  }

  private static List<String> violations(MemoryBlockDevice d) {
    return Fsck.check(d).violations();
  }

  @Test
  void cleanImageIsClean() {
    Fsck.Report r = Fsck.check(image());
    assertThat(r.violations()).isEmpty();
    assertThat(r.notes()).isEmpty();
  }

  @Test
  void badMagicStopsEverything() {
    MemoryBlockDevice d = image();
    byte[] b = new byte[BS];
    d.read(1, b);
    b[0] = 0;
    d.write(1, b);
    assertThat(violations(d))
        .containsExactly("superblock: bad magic 0x10203000 (an xv6 file system has 0x10203040)");
  }

  @Test
  void superblockLargerThanTheImage() {
    MemoryBlockDevice big = image();
    MemoryBlockDevice small = new MemoryBlockDevice(BS, 1500);
    byte[] b = new byte[BS];
    for (int i = 0; i < 1500; i++) {
      big.read(i, b);
      small.write(i, b);
    }
    assertThat(violations(small))
        .containsExactly("superblock: size 2000 blocks exceeds the disk's 1500 blocks");
  }

  @Test
  void referencedBlockMarkedFree() {
    MemoryBlockDevice d = image();
    long b = readInode(d, 2).addrs()[1];
    flipBitmap(d, b);
    assertThat(violations(d))
        .containsExactly(
            "bitmap: block " + b + " is marked free but referenced by inode 2 (addrs[1])");
  }

  @Test
  void everyKindOfBitmapMismatchIsReportedInBlockOrder() {
    MemoryBlockDevice d = image();
    Superblock sb = sb(d);
    long referenced = readInode(d, 2).addrs()[0];
    long lastFree = sb.size() - 1; // nothing references the disk's last block in a small image
    flipBitmap(d, sb.size() + 5); // beyond the file system, in the same bitmap block
    flipBitmap(d, lastFree);
    flipBitmap(d, referenced);
    flipBitmap(d, sb.inodestart()); // metadata
    flipBitmap(d, sb.dataStart() - 1); // the last metadata block
    assertThat(violations(d))
        .containsExactly(
            "bitmap: metadata block " + sb.inodestart() + " is marked free",
            "bitmap: metadata block " + (sb.dataStart() - 1) + " is marked free",
            "bitmap: block " + referenced + " is marked free but referenced by inode 2 (addrs[0])",
            "bitmap: block " + lastFree + " is marked in use but nothing references it",
            "bitmap: block "
                + (sb.size() + 5)
                + " is marked in use but lies beyond the size "
                + sb.size())
        .inOrder();
  }

  @Test
  void leakedBlockMarkedInUse() {
    MemoryBlockDevice d = image();
    flipBitmap(d, 1500);
    assertThat(violations(d))
        .containsExactly("bitmap: block 1500 is marked in use but nothing references it");
  }

  @Test
  void blockReferencedTwice() {
    MemoryBlockDevice d = image();
    Dinode readme = readInode(d, 2);
    Dinode f = readInode(d, 4);
    long[] addrs = f.addrs().clone();
    long lost = addrs[0];
    addrs[0] = readme.addrs()[0];
    writeInode(d, 4, new Dinode(f.type(), f.major(), f.minor(), f.nlink(), f.size(), addrs));
    assertThat(violations(d))
        .containsAtLeast(
            "block "
                + readme.addrs()[0]
                + " is referenced twice: by inode 2 (addrs[0]) and by "
                + "inode 4 (addrs[0])",
            "bitmap: block " + lost + " is marked in use but nothing references it");
  }

  @Test
  void wildBlockNumberAndBadType() {
    MemoryBlockDevice d = image();
    Dinode f = readInode(d, 4);
    long[] addrs = f.addrs().clone();
    addrs[2] = 123456;
    writeInode(d, 4, new Dinode(f.type(), f.major(), f.minor(), f.nlink(), f.size(), addrs));
    Dinode r = readInode(d, 2);
    writeInode(d, 2, new Dinode((short) 7, r.major(), r.minor(), r.nlink(), r.size(), r.addrs()));
    List<String> v = violations(d);
    assertThat(v).contains("inode 2: unknown type 7");
    assertThat(v).contains("inode 4: addrs[2] = 123456 is outside the data area 47..1999");
    assertThat(v).contains("inode 4: file block 2 within its size 40960 has no block");
    assertThat(v).contains("directory inode 1 entry \"README\" (offset 32) names free inode 2");
  }

  @Test
  void sizeInconsistentWithBlocks() {
    MemoryBlockDevice d = image();
    Dinode r = readInode(d, 2); // 3000 bytes: 3 blocks
    writeInode(d, 2, new Dinode(r.type(), r.major(), r.minor(), r.nlink(), 1000, r.addrs()));
    List<String> v = violations(d);
    assertThat(v)
        .containsExactly(
            "inode 2: file block 1 (block " + r.addrs()[1] + ") lies beyond its size 1000",
            "inode 2: file block 2 (block " + r.addrs()[2] + ") lies beyond its size 1000");
  }

  @Test
  void wrongLinkCount() {
    MemoryBlockDevice d = image();
    Dinode r = readInode(d, 2);
    writeInode(d, 2, new Dinode(r.type(), r.major(), r.minor(), (short) 2, r.size(), r.addrs()));
    assertThat(violations(d)).containsExactly("inode 2: nlink 2 but 1 directory entries name it");
  }

  @Test
  void directoryWithoutDotAndWithGarbageEntry() {
    MemoryBlockDevice d = image();
    long blk = readInode(d, 3).addrs()[0];
    byte[] b = new byte[BS];
    d.read(blk, b);
    new Dirent(3, "x".getBytes(ISO_8859_1)).encode(b, 0); // "." renamed
    new Dirent(999, "junk".getBytes(ISO_8859_1)).encode(b, 32); // f's entry made garbage
    d.write(blk, b);
    List<String> v = violations(d);
    assertThat(v).contains("directory inode 3: first entry is not \".\"");
    assertThat(v)
        .contains(
            "directory inode 3 entry \"junk\" (offset 32) names inode 999, beyond the 200 inodes");
    assertThat(v).contains("inode 4 (file) is allocated but not reachable from the root");
  }

  @Test
  void anUnlinkedOpenFileIsANoteOnTheLiveDiskAndFreedAtItsLastClose() throws FsException {
    MemoryBlockDevice d = image();
    FileSystem fsys = FileSystem.mount(d);
    Fs fs = fsys.fs();
    Inode open = fs.iget(2); // README held as an open file holds it
    fsys.unlink("/README");
    assertThat(fs.inUse()).contains(2L);

    String orphan = "inode 2 (file) is allocated but not reachable from the root";
    assertThat(violations(d)).containsExactly(orphan); // at rest: nothing will ever free it
    Fsck.Report live = Fsck.checkLive(d, fs.inUse());
    assertThat(live.violations()).isEmpty();
    assertThat(live.notes())
        .containsExactly("inode 2 (file) is unlinked but open: freed at its last close");
    // only the inodes the kernel holds are excused
    assertThat(Fsck.checkLive(d, Set.of(3L)).violations()).containsExactly(orphan);

    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    fs.iput(open); // the last close frees it
    fs.log().endOp(Param.MAXOPBLOCKS);
    assertThat(fs.inUse()).doesNotContain(2L);
    Fsck.Report after = Fsck.check(d);
    assertThat(after.violations()).isEmpty();
    assertThat(after.notes()).isEmpty();
  }

  @Test
  void unreachableInodeAndWrongDotDot() {
    MemoryBlockDevice d = image();
    long dirBlock = readInode(d, 3).addrs()[0];
    byte[] b = new byte[BS];
    d.read(dirBlock, b);
    new Dirent(3, "..".getBytes(ISO_8859_1)).encode(b, 16); // ".." names itself
    new Dirent(0, new byte[0]).encode(b, 32); // f's entry removed
    d.write(dirBlock, b);
    List<String> v = violations(d);
    assertThat(v).contains("directory inode 3: \"..\" names inode 3, but its parent is 1");
    assertThat(v).contains("inode 4 (file) is allocated but not reachable from the root");
    assertThat(v).contains("inode 4: nlink 1 but 0 directory entries name it");
    // held open or not, an unreachable inode that still has a link is lost, not unlinked
    assertThat(Fsck.checkLive(d, Set.of(4L)).violations())
        .contains("inode 4 (file) is allocated but not reachable from the root");
  }

  @Test
  void logHeaderCleanReplayableOrCorrupt() {
    MemoryBlockDevice d = image();
    Superblock sb = sb(d);
    // A committed transaction that frees README's second block in the bitmap: replayable,
    // and fsck judges the image as replay would leave it.
    long victim = readInode(d, 2).addrs()[1];
    byte[] bm = new byte[BS];
    d.read(sb.bmapstart(), bm);
    bm[(int) (victim / 8)] &= (byte) ~(1 << (victim % 8));
    d.write(sb.logstart() + 1, bm);
    byte[] head = new byte[BS];
    FsFormat.put32(head, 0, 1);
    FsFormat.put32(head, 4, sb.bmapstart());
    d.write(sb.logstart(), head);
    Fsck.Report r = Fsck.check(d);
    assertThat(r.notes()).hasSize(1);
    assertThat(r.violations())
        .containsExactly(
            "bitmap: block " + victim + " is marked free but referenced by inode 2 (addrs[1])");
    FsFormat.put32(head, 0, 31);
    d.write(sb.logstart(), head);
    assertThat(violations(d)).containsExactly("log header: n = 31 exceeds the log's 30 blocks");
  }

  @Test
  void garbageNeverThrows() {
    // Seeded random corruption of metadata: fsck reports, never throws.
    for (int seed = 0; seed < 200; seed++) {
      MemoryBlockDevice d = image();
      byte[] noise = Images.pattern(64, seed);
      long blk = 1 + Math.floorMod(noise[0], 79); // superblock .. root dir data
      byte[] b = new byte[BS];
      d.read(blk, b);
      for (int i = 1; i < 64; i += 3) {
        b[Math.floorMod(noise[i] * 31 + noise[i + 1], BS)] = noise[i + 2];
      }
      d.write(blk, b);
      Fsck.check(d);
    }
  }
}
