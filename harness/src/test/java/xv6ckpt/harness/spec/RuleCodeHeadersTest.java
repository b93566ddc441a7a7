package xv6ckpt.harness.spec;

import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import xv6ckpt.specs.Rule;

/**
 * The rule codes have two C copies that cannot share one header: {@code kernel/user/ckptfmt.h} (our
 * user-land, built against {@code abi.h}) and {@code xv6-kit/kernel/checkpoint.h} (copied into a
 * user's xv6-riscv tree by {@code apply.sh}, built against xv6's own headers). Both must name
 * exactly the spec's {@link Rule}s with FORMAT.md's codes, in the spec's order.
 */
class RuleCodeHeadersTest {
  private static final Pattern CODE = Pattern.compile("^#define\\s+([A-Z_]+)\\s+(-\\d+)\\b");

  /** The header's negative defines, name to code, in header order. */
  private static Map<String, Integer> codes(Path header) throws IOException {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (String line : Files.readAllLines(header)) {
      Matcher m = CODE.matcher(line);
      if (m.find()) {
        out.put(m.group(1), Integer.parseInt(m.group(2)));
      }
    }
    return out;
  }

  private static Map<String, Integer> spec() {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (Rule r : Rule.values()) {
      out.put(r.name(), r.code());
    }
    return out;
  }

  @Test
  void theUserLandHeaderHasTheSpecsCodes() throws IOException {
    Path h = Path.of("../kernel/user/ckptfmt.h"); // surefire runs in harness/
    assertWithMessage("%s", h).that(codes(h)).containsExactlyEntriesIn(spec()).inOrder();
  }

  @Test
  void theKitHeaderHasTheSpecsCodes() throws IOException {
    Path h = Path.of("../xv6-kit/kernel/checkpoint.h");
    assertWithMessage("%s", h).that(codes(h)).containsExactlyEntriesIn(spec()).inOrder();
  }
}
