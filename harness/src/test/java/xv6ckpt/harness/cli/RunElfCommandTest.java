package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-elf command as a user meets it: output, exit codes, and messages for bad input. */
class RunElfCommandTest extends CommandTest {

  @Test
  void runsTheBundledDemoAndPassesArgumentsDashesIncluded() {
    int code = run("run-elf", "builtin:demo", "one", "--two");
    assertThat(stderr()).isEmpty();
    assertThat(code).isEqualTo(0);
    assertThat(stdout()).contains("arg: one\narg: --two\n");
    assertThat(stdout()).contains("primes below 2000000: 148933");
  }

  @Test
  void statsGoToStderr() {
    int code = run("run-elf", "--stats", "builtin:bench_alu", "1000");
    assertThat(code).isEqualTo(0);
    assertThat(stdout()).startsWith("alu 0x");
    assertThat(stderr()).containsMatch("^instructions \\d+ seconds [0-9.]+ mips [0-9.]+\\n$");
  }

  @Test
  void instructionLimitStopsTheProgramWithExit124() {
    int code = run("run-elf", "--max-instructions", "5000", "builtin:demo");
    assertThat(code).isEqualTo(RunElfCommand.EXIT_LIMIT);
    assertThat(stderr()).contains("still running after 5000 instructions");
  }

  @Test
  void missingFileIsBadInputWithoutAStackTrace() {
    int code = run("run-elf", "/nonexistent/prog");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("/nonexistent/prog: no such file");
    assertThat(stderr()).doesNotContain("Exception");
  }

  @Test
  void aFileThatIsNotAnElfIsNamedAsSuch(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("notes.txt");
    Files.writeString(f, "this is not a program, just some text long enough to be read");
    int code = run("run-elf", f.toString());
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("not an ELF file");
  }

  @Test
  void unknownBuiltinListsTheBundledPrograms() {
    int code = run("run-elf", "builtin:nope");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("there are: demo, bench_alu");
  }

  @Test
  void wrongFlagIsAUsageError() {
    int code = run("run-elf", "--ram", "zero", "builtin:demo");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--ram");
  }

  @Test
  void noSubcommandIsAUsageErrorAndHelpSucceeds() {
    assertThat(run()).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("subcommand is required");
    assertThat(run("run-elf", "--help")).isEqualTo(0);
    assertThat(stdout()).contains("Exit status");
  }
}
