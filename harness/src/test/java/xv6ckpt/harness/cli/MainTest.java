package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit codes every command shares, and how an internal error reaches the user. */
class MainTest extends CommandTest {
  @TempDir Path tmp;

  @Test
  void anInternalErrorHasItsOwnCodeOneLineAndItsTraceInAFile() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = Main.report(new IllegalStateException("boom"), errStream, tmp.resolve("reports"));

    assertThat(code).isEqualTo(Main.EXIT_INTERNAL);
    assertThat(code).isNotEqualTo(Main.EXIT_FINDING);
    String printed = bytes.toString(StandardCharsets.UTF_8);
    if (System.getenv("XV6CKPT_DEBUG") == null) {
      assertThat(printed.lines().count()).isEqualTo(1);
      assertThat(printed).doesNotContain("\tat ");
    }
    assertThat(printed).contains("internal error");
    assertThat(printed).contains("java.lang.IllegalStateException: boom");
    List<Path> traces;
    try (Stream<Path> s = Files.list(tmp.resolve("reports"))) {
      traces = s.toList();
    }
    assertThat(traces).hasSize(1);
    assertThat(printed).contains(traces.get(0).toString());
    assertThat(Files.readString(traces.get(0))).contains("at xv6ckpt.harness.cli.MainTest");
  }

  @Test
  void aCliErrorKeepsItsCodeAndWritesNoTrace() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    int code = Main.report(CliError.badInput("no such file x"), errStream, tmp.resolve("r"));

    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("xv6ckpt: no such file x\n");
    assertThat(Files.exists(tmp.resolve("r"))).isFalse();
  }

  @Test
  void helpListsEveryExitCode() {
    assertThat(run("--help")).isEqualTo(Main.EXIT_OK);
    String help = stdout();
    assertThat(help).contains("Exit status:");
    for (String code : List.of("0", "1", "2", "3", "130")) {
      assertThat(help).containsMatch("(?m)^\\s+" + code + "\\s+\\S");
    }
    assertThat(help).contains("internal error");
    assertThat(run("campaign", "--help")).isEqualTo(Main.EXIT_OK);
    assertThat(stdout()).contains("3 internal error");
  }

  @Test
  void theExitCodesAreDistinct() {
    assertThat(List.of(Main.EXIT_OK, Main.EXIT_FINDING, Main.EXIT_USAGE, Main.EXIT_INTERNAL))
        .containsNoDuplicates();
  }
}
