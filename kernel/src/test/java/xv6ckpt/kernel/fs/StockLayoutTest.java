package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

/**
 * Outside truth for the on-disk format. The resource stock-mkfs-fs.img.gz was made by xv6-riscv's
 * own mkfs (mkfs/mkfs.c as of LOGBLOCKS, FSSIZE 2000, built with host gcc) from the files {@link
 * #stockInputs()} recreates: {@code mkfs fs.img README numbers exact1k empty _cat}.
 */
class StockLayoutTest {

  private static byte[] stockImage() throws IOException {
    try (InputStream in = StockLayoutTest.class.getResourceAsStream("stock-mkfs-fs.img.gz");
        GZIPInputStream gz = new GZIPInputStream(in)) {
      return gz.readAllBytes();
    }
  }

  /** The inputs given to stock mkfs, rebuilt: printf, seq 1 3000, 'a' x 1024, empty, yes. */
  private static List<Mkfs.Node> stockInputs() {
    StringBuilder seq = new StringBuilder();
    for (int i = 1; i <= 3000; i++) {
      seq.append(i).append('\n');
    }
    byte[] yes = "xv6\n".repeat(4000).substring(0, 12345).getBytes(StandardCharsets.US_ASCII);
    return List.of(
        Images.file("README", "xv6 stock image for xv6-ckpt tests\n"),
        Images.file("numbers", seq.toString()),
        Images.file("exact1k", "a".repeat(1024)),
        Images.file("empty", ""),
        new Mkfs.FileNode("cat", yes)); // stock mkfs strips the leading '_'
  }

  @Test
  void stockParametersGiveStockGeometry() {
    // mkfs.c: nbitmap = FSSIZE/BPB + 1 = 1, ninodeblocks = NINODES/IPB + 1 = 13,
    // nlog = LOGBLOCKS + 1 = 31, nmeta = 2 + 31 + 13 + 1 = 47.
    Superblock sb = Mkfs.Options.stock().layout();
    assertThat(sb.size()).isEqualTo(2000);
    assertThat(sb.nlog()).isEqualTo(31);
    assertThat(sb.logstart()).isEqualTo(2);
    assertThat(sb.inodestart()).isEqualTo(33);
    assertThat(sb.bmapstart()).isEqualTo(46);
    assertThat(sb.nblocks()).isEqualTo(2000 - 47);
    assertThat(sb.ninodes()).isEqualTo(200);
    assertThat(sb.features()).isEqualTo(0);
  }

  @Test
  void stockImageMountsReadsAndPassesFsck() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, stockImage());
    assertThat(Fsck.check(d).violations()).isEmpty();
    FileSystem fs = FileSystem.mount(d);
    for (Mkfs.Node n : stockInputs()) {
      Mkfs.FileNode f = (Mkfs.FileNode) n;
      assertThat(fs.readFile("/" + f.name())).isEqualTo(f.data());
    }
    assertThat(fs.list("/")).hasSize(7);
    // and it keeps working: write, remount, fsck
    fs.writeFile("/new", Images.pattern(5000, 9));
    assertThat(FileSystem.mount(d).readFile("/new")).isEqualTo(Images.pattern(5000, 9));
    assertThat(Fsck.check(d).violations()).isEmpty();
  }

  @Test
  void ourMkfsWritesTheStockImageByteForByte() throws Exception {
    MemoryBlockDevice ours = Images.stock(stockInputs().toArray(new Mkfs.Node[0]));
    assertThat(ours.contents()).isEqualTo(stockImage());
  }

  @Test
  void olderStockLayoutWithALogOfLogsizeBlocksMounts() throws FsException {
    // Before 2024 mkfs made nlog = LOGSIZE = 30 (header included); such a log holds 29.
    // FSSIZE 1000: nmeta = 2 + 30 + 13 + 1 = 46.
    Superblock old = new Superblock(FsFormat.FSMAGIC, 1000, 1000 - 46, 200, 30, 2, 32, 45, 0);
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, 1000);
    byte[] b = new byte[FsFormat.BSIZE];
    old.encode(b);
    d.write(1, b);
    // root inode 1: a directory with "." and "..", in block 46 = the first data block
    byte[] ib = new byte[FsFormat.BSIZE];
    long[] addrs = new long[FsFormat.NDIRECT + 1];
    addrs[0] = 46;
    new Dinode(Stat.T_DIR, (short) 0, (short) 0, (short) 1, 1024, addrs).encode(ib, 64);
    d.write(32, ib);
    byte[] db = new byte[FsFormat.BSIZE];
    new Dirent(1, ".".getBytes(ISO_8859_1)).encode(db, 0);
    new Dirent(1, "..".getBytes(ISO_8859_1)).encode(db, 16);
    d.write(46, db);
    byte[] bm = new byte[FsFormat.BSIZE];
    for (int i = 0; i < 47; i++) {
      bm[i / 8] |= (byte) (1 << (i % 8));
    }
    d.write(45, bm);
    assertThat(Fsck.check(d).violations()).isEmpty();
    FileSystem fs = FileSystem.mount(d);
    assertThat(fs.log().capacity()).isEqualTo(29);
    fs.writeFile("/x", Images.pattern(40_000, 1));
    assertThat(FileSystem.mount(d).readFile("/x")).isEqualTo(Images.pattern(40_000, 1));
    assertThat(Fsck.check(d).violations()).isEmpty();
  }
}
