package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

class MkfsTest {

  private static MkfsException refuse(Mkfs.Options o, Mkfs.Node... nodes) {
    return assertThrows(
        MkfsException.class,
        () -> Mkfs.make(new MemoryBlockDevice(FsFormat.BSIZE, o.size()), o, List.of(nodes)));
  }

  @Test
  void badNamesAreRefused() {
    Mkfs.Options o = Mkfs.Options.stock();
    assertThat(refuse(o, Images.file("fifteen-bytes-x", "")).getMessage()).contains("at most 14");
    assertThat(refuse(o, Images.dir("d", Images.file("a", ""), Images.file("a", ""))).getMessage())
        .contains("\"a\" appears twice in /d/");
    assertThat(refuse(o, Images.file("..", "")).getMessage()).contains("bad name");
  }

  @Test
  void contentsThatDoNotFitAreRefused() {
    assertThat(
            refuse(
                    Mkfs.Options.stock(),
                    new Mkfs.FileNode("big", new byte[FsFormat.MAXFILE * 1024 + 1]))
                .getMessage())
        .contains("doubly-indirect");
    assertThat(
            refuse(
                    new Mkfs.Options(100, 200, 30, false),
                    new Mkfs.FileNode("big", new byte[60 * 1024]))
                .getMessage())
        .contains("out of blocks");
    Mkfs.Node[] many = new Mkfs.Node[20];
    for (int i = 0; i < many.length; i++) {
      many[i] = Images.file("f" + i, "");
    }
    assertThat(refuse(new Mkfs.Options(2000, 16, 30, false), many).getMessage())
        .contains("out of inodes");
    assertThat(refuse(new Mkfs.Options(2000, 200, 9, false)).getMessage()).contains("log size 9");
    assertThat(refuse(new Mkfs.Options(40, 200, 30, false)).getMessage())
        .contains("no data blocks");
  }

  @Test
  void nestedDirectoriesGetXv6LinkCountsAndPassFsck() throws FsException {
    MemoryBlockDevice d =
        Images.stock(
            Images.dir("a", Images.dir("b"), Images.dir("c", Images.dir("d"))),
            Images.file("z", "z"));
    assertThat(Fsck.check(d).violations()).isEmpty();
    FileSystem fs = FileSystem.mount(d);
    assertThat(fs.stat("/").nlink()).isEqualTo(2);
    assertThat(fs.stat("/a").nlink()).isEqualTo(3);
    assertThat(fs.stat("/a/c").nlink()).isEqualTo(2);
    assertThat(fs.stat("/a/c/d").nlink()).isEqualTo(1);
    assertThat(fs.stat("/a/c/d/..").ino()).isEqualTo(fs.stat("/a/c").ino());
  }

  @Test
  void aRootOfExactlyOneBlockKeepsItsSizeWithoutAHole() throws FsException {
    List<Mkfs.Node> files = new ArrayList<>();
    for (int i = 0; i < 62; i++) { // with . and ..: 64 entries, 1024 bytes
      files.add(Images.file("f" + i, ""));
    }
    MemoryBlockDevice d = Images.stock(files.toArray(new Mkfs.Node[0]));
    assertThat(Fsck.check(d).violations()).isEmpty();
    FileSystem fs = FileSystem.mount(d);
    assertThat(fs.stat("/").size()).isEqualTo(1024);
    fs.createFile("/one-more", false); // the 65th entry grows the root by a block
    assertThat(fs.stat("/").size()).isEqualTo(1040);
    assertThat(Fsck.check(d).violations()).isEmpty(); // 1040 bytes in 2 blocks
  }
}
