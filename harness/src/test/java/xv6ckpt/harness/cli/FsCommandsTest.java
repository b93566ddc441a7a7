package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** mkfs, fsck, ls, cat, put, get as a user meets them: output, exit codes, messages. */
class FsCommandsTest extends CommandTest {
  @TempDir Path dir;

  private String img() {
    return dir.resolve("fs.img").toString();
  }

  private Path hostTree() throws IOException {
    Path t = dir.resolve("tree");
    Files.createDirectories(t.resolve("sub"));
    Files.writeString(t.resolve("hello.txt"), "hello, xv6\n");
    Files.writeString(t.resolve("sub").resolve("deep"), "deeper\n");
    return t;
  }

  @Test
  void mkfsThenLsCatAndAnUnchangedCleanImage() throws IOException {
    Path readme = dir.resolve("README");
    Files.writeString(readme, "read me\n");
    Path underscore = dir.resolve("_cat");
    Files.writeString(underscore, "not really cat\n");
    assertThat(
            run(
                "mkfs",
                "--bare",
                img(),
                readme.toString(),
                underscore.toString(),
                hostTree().toString()))
        .isEqualTo(0);
    assertThat(stdout())
        .contains(
            "nmeta 47 (boot, super, log blocks 31, inode blocks 13, "
                + "bitmap blocks 1) blocks 1953 total 2000");
    byte[] before = Files.readAllBytes(dir.resolve("fs.img"));
    assertThat(before.length).isEqualTo(2000 * 1024);

    assertThat(run("ls", img())).isEqualTo(0);
    assertThat(stdout())
        .isEqualTo(
            ".              1 1 1024\n"
                + "..             1 1 1024\n"
                + "README         2 2 8\n"
                + "cat            2 3 15\n"
                + "tree           1 4 64\n");
    assertThat(run("cat", img(), "/tree/sub/deep")).isEqualTo(0);
    assertThat(stdout()).isEqualTo("deeper\n");
    assertThat(run("fsck", img())).isEqualTo(0);
    assertThat(stdout()).isEmpty();
    assertThat(Files.readAllBytes(dir.resolve("fs.img"))).isEqualTo(before);
  }

  @Test
  void withoutBareTheBuiltInUserLandIsAddedAndAHostFileReplacesItsNamesake() throws IOException {
    Path myEcho = dir.resolve("echo");
    Files.writeString(myEcho, "not the built-in echo");
    Path extra = dir.resolve("notes");
    Files.writeString(extra, "mine");
    assertThat(run("mkfs", img(), myEcho.toString(), extra.toString())).isEqualTo(0);
    out.reset();
    assertThat(run("ls", img(), "/")).isEqualTo(0);
    String listing = stdout();
    for (String program : new String[] {"init", "sh", "ls", "cat", "ckpt", "restore", "notes"}) {
      assertThat(listing).containsMatch("(?m)^" + program + " +2 ");
    }
    out.reset();
    assertThat(run("cat", img(), "/echo")).isEqualTo(0);
    assertThat(stdout()).isEqualTo("not the built-in echo");
    assertThat(run("fsck", img())).isEqualTo(0);
  }

  @Test
  void putThenGetRoundTripsAndFsckStaysClean() throws IOException {
    assertThat(run("mkfs", "--big-files", "--size", "4000", "--log-blocks", "100", img()))
        .isEqualTo(0);
    byte[] data = new byte[600_000]; // past the stock limit of 268 KiB
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 7 + i / 1000);
    }
    Path host = dir.resolve("data.bin");
    Files.write(host, data);
    assertThat(run("put", img(), host.toString(), "/data.bin")).isEqualTo(0);
    Path back = dir.resolve("back.bin");
    assertThat(run("get", img(), "/data.bin", back.toString())).isEqualTo(0);
    assertThat(Files.readAllBytes(back)).isEqualTo(data);
    assertThat(run("fsck", img())).isEqualTo(0);
  }

  @Test
  void fsckReportsViolationsWithExitOne() throws IOException {
    assertThat(run("mkfs", img(), hostTree().toString())).isEqualTo(0);
    byte[] image = Files.readAllBytes(dir.resolve("fs.img"));
    image[46 * 1024 + 1000] = (byte) 0xff; // bitmap: mark blocks 8000..8007 in use
    Files.write(dir.resolve("fs.img"), image);
    assertThat(run("fsck", img())).isEqualTo(Main.EXIT_FINDING);
    assertThat(stdout())
        .contains("bitmap: block 8000 is marked in use but lies beyond the size 2000\n");
    assertThat(stderr()).contains("8 violations");
  }

  @Test
  void badInputIsOneLineAndExitTwo() throws IOException {
    assertThat(run("ls", dir.resolve("missing.img").toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).isEqualTo("xv6ckpt: " + dir.resolve("missing.img") + ": no such file\n");

    Files.write(dir.resolve("odd.img"), new byte[1500]);
    assertThat(run("fsck", dir.resolve("odd.img").toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("1500 bytes is not a multiple of the block size 1024");

    Files.write(dir.resolve("zero.img"), new byte[4096]);
    assertThat(run("fsck", dir.resolve("zero.img").toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("not an xv6 file system");
    assertThat(run("cat", dir.resolve("zero.img").toString(), "/x")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("kernel panic: invalid file system: bad magic");

    assertThat(run("mkfs", img())).isEqualTo(0);
    assertThat(run("cat", img(), "/nope")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).isEqualTo("xv6ckpt: " + img() + ": /nope: no such file or directory\n");
    assertThat(run("get", img(), "/", dir.resolve("x").toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("is a directory");
    assertThat(Files.exists(dir.resolve("x"))).isFalse();

    assertThat(run("mkfs", "--log-blocks", "5", dir.resolve("y.img").toString()))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("log size 5 blocks");
    assertThat(Files.exists(dir.resolve("y.img"))).isFalse();
    Path longName = dir.resolve("a-name-longer-than-fourteen");
    Files.writeString(longName, "x");
    assertThat(run("mkfs", dir.resolve("y.img").toString(), longName.toString()))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("xv6 names are at most 14");
    assertThat(stderr()).doesNotContain("Exception");
  }

  @Test
  void putIntoAFullImageIsRefusedAndLeavesItConsistent() throws IOException {
    assertThat(run("mkfs", "--bare", "--size", "300", img())).isEqualTo(0);
    Path big = dir.resolve("big");
    Files.write(big, new byte[260 * 1024]);
    assertThat(run("put", img(), big.toString(), "/big")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("/big: out of disk blocks");
    assertThat(run("fsck", img())).isEqualTo(0);
  }

  @Test
  void everyCommandHasHelp() {
    for (String c : new String[] {"mkfs", "fsck", "ls", "cat", "put", "get"}) {
      assertThat(run(c, "--help")).isEqualTo(0);
      assertThat(stdout()).startsWith("Usage: xv6ckpt " + c);
    }
  }
}
