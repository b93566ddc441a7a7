package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The sweeps' progress: rewritten in place on a terminal, whole lines per tenth in a log. */
class SweepProgressTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream err = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private String judge(int points, boolean terminal) {
    SweepOptions.Progress p = new SweepOptions.Progress(err, "crash", points, terminal);
    for (int n = 1; n <= points; n++) p.accept(n);
    p.end();
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aLogGetsALinePerTenthAndNoCarriageReturn() {
    String log = judge(40, false);
    assertThat(log).doesNotContain("\r");
    assertThat(log.lines().count()).isEqualTo(10);
    assertThat(log).startsWith("crash: 4 of 40 points judged\n");
    assertThat(log).endsWith("crash: 40 of 40 points judged\n");
  }

  @Test
  void fewPointsInALogGetALineEach() {
    assertThat(judge(3, false))
        .isEqualTo(
            "crash: 1 of 3 points judged\ncrash: 2 of 3 points judged\n"
                + "crash: 3 of 3 points judged\n");
  }

  @Test
  void aTerminalGetsOneLineRewritten() {
    String tty = judge(12, true);
    assertThat(tty.chars().filter(c -> c == '\r').count()).isEqualTo(12);
    assertThat(tty.chars().filter(c -> c == '\n').count()).isEqualTo(1);
    assertThat(tty).endsWith("\rcrash: 12 of 12 points judged\n");
  }
}
