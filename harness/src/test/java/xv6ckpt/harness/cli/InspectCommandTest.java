package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Xv6;

/** inspect as a user meets it: what it prints, in text and JSON, and its exit codes. */
class InspectCommandTest extends CommandTest {
  @TempDir Path dir;

  private static Page page(long va, int perm) {
    byte[] d = new byte[Xv6.PGSIZE];
    d[0x10] = 0x73; // an ecall at va + 0x10 (73 00 00 00)
    return new Page(va, perm, d);
  }

  /**
   * "counter", pid 7, blocked in read(0, 0x1000, 64) after 3 bytes, with text at 0, data at 0x1000,
   * a hole, a guard page at 0x3000 and two stack pages; consoles 0-2 and a file at 3. Its file is
   * 24608 bytes; the commit record's crc is at 24600.
   */
  private static Image sample() {
    int rxu = Xv6.PTE_R | Xv6.PTE_X | Xv6.PTE_U;
    int rwu = Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_U;
    List<Page> pages =
        List.of(
            page(0, rxu),
            page(0x1000, rwu),
            page(0x3000, Xv6.PTE_R | Xv6.PTE_W),
            page(0x4000, rwu),
            page(0x5000, rwu));
    Registers r =
        Registers.zero(0x10).with(17, Xv6.SYS_read).with(11, 0x1000).with(12, 64).with(2, 0x5ff0);
    Image.SyscallRestart s =
        new Image.SyscallRestart(Xv6.SYS_read, List.of(0L, 0x1000L, 64L, 0L, 0L, 0L), 3);
    List<OpenFile> files =
        List.of(
            OpenFile.console(0, true, false),
            OpenFile.console(1, false, true),
            OpenFile.console(2, false, true),
            OpenFile.file(3, true, true, "/data.txt", 5, 12));
    return new Image(
        new Image.Header(0x1234_5678_9abc_def0L, 7, "counter", 0x507b), r, s, files, pages);
  }

  private String write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p.toString();
  }

  @Test
  void aValidImageIsPrintedWithItsPageMapAndExitZero() throws IOException {
    String img = write("ckpt.img", ImageCodec.encode(sample()));
    assertThat(run("inspect", img)).isEqualTo(0);
    String o = stdout();
    assertThat(o).startsWith("image " + img + " (24608 bytes): valid\n");
    assertThat(o)
        .contains(
            "header    image_id 0x123456789abcdef0  pid 7  name \"counter\"  "
                + "sz 0x507b (20603 bytes)\n");
    assertThat(o).contains("registers pc  0x0000000000000010\n");
    assertThat(o).contains("sp   x2  0x0000000000005ff0");
    assertThat(o).contains("restart   read (5), progress 3, args 0x0 0x1000 0x40 0x0 0x0 0x0\n");
    assertThat(o).contains("  fd 0  r- console\n");
    assertThat(o).contains("  fd 3  rw file /data.txt  inum 5  offset 12\n");
    assertThat(o)
        .contains(
            "pages     5 (20480 bytes):\n"
                + "  0x0000000000-0x0000001000 r-xu 1 page\n"
                + "  0x0000001000-0x0000002000 rw-u 1 page\n"
                + "  0x0000003000-0x0000004000 rw-- 1 page (no U: guard)\n"
                + "  0x0000004000-0x0000006000 rw-u 2 pages\n");
    assertThat(stderr()).isEmpty();
  }

  @Test
  void jsonCarriesTheSameFactsWithHexAddresses() throws IOException {
    String img = write("ckpt.img", ImageCodec.encode(sample()));
    assertThat(run("inspect", "--json", img)).isEqualTo(0);
    JsonNode j = new ObjectMapper().readTree(stdout());
    assertThat(j.get("valid").asBoolean()).isTrue();
    assertThat(j.get("violation").isNull()).isTrue();
    assertThat(j.get("bytes").asLong()).isEqualTo(24608);
    assertThat(j.at("/header/pid").asInt()).isEqualTo(7);
    assertThat(j.at("/header/name").asText()).isEqualTo("counter");
    assertThat(j.at("/header/image_id").asText()).isEqualTo("0x123456789abcdef0");
    assertThat(j.at("/registers/pc").asText()).isEqualTo("0x10");
    assertThat(j.at("/registers/a7").asText()).isEqualTo("0x5");
    assertThat(j.at("/restart/syscall").asText()).isEqualTo("read");
    assertThat(j.at("/restart/progress").asLong()).isEqualTo(3);
    assertThat(j.at("/files/3/path").asText()).isEqualTo("/data.txt");
    assertThat(j.at("/files/0/kind").asText()).isEqualTo("console");
    assertThat(j.at("/npages").asInt()).isEqualTo(5);
    JsonNode last = j.at("/pages/3");
    assertThat(last.get("start").asText()).isEqualTo("0x4000");
    assertThat(last.get("end").asText()).isEqualTo("0x6000");
    assertThat(last.get("perm").asText()).isEqualTo("rw-u");
    assertThat(last.get("count").asInt()).isEqualTo(2);
  }

  @Test
  void anInvalidImageNamesItsRuleAndExitsOne() throws IOException {
    byte[] bytes = ImageCodec.encode(sample());
    bytes[5000] ^= 1;
    String img = write("bad.img", bytes);
    assertThat(run("inspect", img)).isEqualTo(Main.EXIT_FINDING);
    assertThat(stdout())
        .startsWith(
            "image "
                + img
                + " (24608 bytes): INVALID\n"
                + "violation CRC_MISMATCH (code -15) at offset 24600 (0x6018): CRC-32C of bytes");
    assertThat(stderr()).isEqualTo("inspect: " + img + ": invalid image: CRC_MISMATCH\n");

    assertThat(run("inspect", "--json", img)).isEqualTo(Main.EXIT_FINDING);
    JsonNode j = new ObjectMapper().readTree(stdout());
    assertThat(j.get("valid").asBoolean()).isFalse();
    assertThat(j.at("/violation/rule").asText()).isEqualTo("CRC_MISMATCH");
    assertThat(j.at("/violation/code").asInt()).isEqualTo(-15);
    assertThat(j.at("/violation/offset").asLong()).isEqualTo(24600);
    assertThat(j.at("/violation/offset_hex").asText()).isEqualTo("0x6018");
  }

  @Test
  void aTruncatedImageIsATornOne() throws IOException {
    byte[] bytes = ImageCodec.encode(sample());
    String img = write("torn.img", java.util.Arrays.copyOf(bytes, 10000));
    assertThat(run("inspect", img)).isEqualTo(Main.EXIT_FINDING);
    assertThat(stdout()).contains("violation COMMIT_MISSING (code -12) at offset 9968 (0x26f0)");
  }

  @Test
  void anImageInsideAnFsImgIsReadWithoutChangingIt() throws IOException {
    String ckpt = write("ckpt.img", ImageCodec.encode(sample()));
    String fs = dir.resolve("fs.img").toString();
    assertThat(run("mkfs", "--bare", fs, ckpt)).isEqualTo(0);
    byte[] before = Files.readAllBytes(Path.of(fs));
    assertThat(run("inspect", "--fs", fs, "/ckpt.img")).isEqualTo(0);
    assertThat(stdout()).startsWith("image " + fs + ":/ckpt.img (24608 bytes): valid\n");
    assertThat(stdout()).contains("rw-- 1 page (no U: guard)");
    assertThat(Files.readAllBytes(Path.of(fs))).isEqualTo(before);

    assertThat(run("inspect", "--fs", fs, "/nope")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).isEqualTo("xv6ckpt: " + fs + ": /nope: no such file or directory\n");
    assertThat(run("inspect", "--fs", fs, "/")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("is a directory");
  }

  @Test
  void badUsageAndUnreadableInputExitTwo() throws IOException {
    assertThat(run("inspect")).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("Missing required parameter: 'IMAGE'");
    assertThat(run("inspect", dir.resolve("missing").toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).isEqualTo("xv6ckpt: " + dir.resolve("missing") + ": no such file\n");
    assertThat(run("inspect", dir.toString())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("is a directory");
    assertThat(run("inspect", "--fs", dir.resolve("nofs.img").toString(), "/x"))
        .isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("no such file");
    assertThat(run("inspect", "--help")).isEqualTo(0);
    assertThat(stdout()).startsWith("Usage: xv6ckpt inspect");
  }

  @Test
  void namesWithOddBytesStayReadable() {
    assertThat(ImageReport.printable("a\"b\u0001\u00ff")).isEqualTo("a\\x22b\\x01\\xff");
    assertThat(ImageReport.quote("a\"b\\\u0001\u00ff")).isEqualTo("\"a\\\"b\\\\\\u0001\\u00ff\"");
  }
}
