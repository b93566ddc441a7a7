package xv6ckpt.specs;

import static com.google.common.truth.Truth.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FORMAT.md and the code cannot drift: the rules table must list exactly {@link Rule}'s entries
 * (name, code, when, description) in enum order, and each layout table exactly the fields of its
 * {@link Layout} list (offset, size, name), in order.
 */
class FormatDocTest {
  private static final Path DOC = Path.of("FORMAT.md"); // surefire runs in the module directory

  /** The rows of the table that follows the line {@code <!-- marker -->}, cells trimmed. */
  private static List<List<String>> table(String marker) throws IOException {
    List<String> lines = Files.readAllLines(DOC);
    int at = lines.indexOf("<!-- " + marker + " -->");
    assertThat(at).isAtLeast(0);
    List<List<String>> rows = new ArrayList<>();
    for (int i = at + 3; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String line = lines.get(i);
      List<String> cells = new ArrayList<>();
      for (String c : line.substring(1, line.length() - 1).split("\\|", -1)) {
        cells.add(c.trim());
      }
      rows.add(cells);
    }
    return rows;
  }

  @Test
  void theRulesTableIsTheRuleEnum() throws IOException {
    List<List<String>> rows = table("rules");
    List<List<String>> want = new ArrayList<>();
    for (Rule r : Rule.values()) {
      want.add(
          List.of(
              "`" + r.name() + "`", Integer.toString(r.code()), r.when().label(), r.description()));
    }
    assertThat(rows).containsExactlyElementsIn(want).inOrder();
  }

  @Test
  void everyLayoutTableIsItsFieldList() throws IOException {
    Map<String, List<Field>> layouts =
        Map.of(
            "header",
            Layout.HEADER,
            "registers",
            Layout.REGISTERS,
            "restart",
            Layout.RESTART,
            "file",
            Layout.FILE,
            "page",
            Layout.PAGE,
            "commit",
            Layout.COMMIT);
    for (Map.Entry<String, List<Field>> e : layouts.entrySet()) {
      List<List<String>> got = new ArrayList<>();
      for (List<String> row : table("layout: " + e.getKey())) {
        got.add(row.subList(0, 3));
      }
      List<List<String>> want = new ArrayList<>();
      for (Field f : e.getValue()) {
        want.add(List.of(Integer.toString(f.offset()), Integer.toString(f.size()), f.name()));
      }
      assertThat(got).containsExactlyElementsIn(want).inOrder();
    }
  }

  @Test
  void eachFieldListTilesItsRecord() {
    Map<List<Field>, Integer> sizes =
        Map.of(
            Layout.HEADER,
            Layout.HEADER_SIZE,
            Layout.REGISTERS,
            Layout.REGS_SIZE,
            Layout.RESTART,
            Layout.RESTART_SIZE,
            Layout.FILE,
            Layout.FILE_SIZE,
            Layout.PAGE,
            Layout.PAGE_ENTRY_SIZE,
            Layout.COMMIT,
            Layout.COMMIT_SIZE);
    for (Map.Entry<List<Field>, Integer> e : sizes.entrySet()) {
      int next = 0;
      for (Field f : e.getKey()) {
        assertThat(f.offset()).isEqualTo(next);
        next = f.end();
      }
      assertThat(next).isEqualTo(e.getValue());
    }
  }

  @Test
  void codesAreDistinctNegativeAndNeverMinusOne() {
    List<Integer> codes = new ArrayList<>();
    for (Rule r : Rule.values()) {
      assertThat(r.code()).isLessThan(-1);
      codes.add(r.code());
    }
    assertThat(codes).containsNoDuplicates();
  }

  @Test
  void theDocumentedSizesAreTheLayoutsSizes() {
    // Section 1's worked numbers.
    assertThat(Layout.MIN_IMAGE_SIZE).isEqualTo(4128);
    assertThat(Layout.MAX_PAGES).isEqualTo(67108862);
    assertThat(Xv6.TRAPFRAME).isEqualTo(0x3fffffe000L);
    assertThat(Layout.imageSize(4, 5)).isEqualTo(Samples.LENGTH);
  }

  @Test
  void theChecksumIsCastagnolis() {
    // The CRC-32C check value (RFC 3720 appendix / every CRC catalogue): writers in other
    // languages can test their CRC against it.
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(crc.getValue()).isEqualTo(0xe3069283L);
  }
}
