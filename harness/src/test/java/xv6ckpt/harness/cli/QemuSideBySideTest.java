package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.emulator.pk.BundledPrograms;

/**
 * bench's side-by-side mode without depending on a real qemu-riscv64: a stand-in script plays qemu,
 * so what is checked is the choice of command, the output comparison and the arithmetic.
 */
class QemuSideBySideTest extends CommandTest {

  @Test
  void offMeansNoneAndAMissingCommandIsBadInput(@TempDir Path dir) {
    assertThat(QemuSideBySide.resolve("off")).isNull();
    CliError missingPath =
        assertThrows(CliError.class, () -> QemuSideBySide.resolve(dir + "/no-qemu"));
    assertThat(missingPath.exitCode()).isEqualTo(Main.EXIT_USAGE);
    assertThat(missingPath).hasMessageThat().contains("no such executable file");
    CliError directory = assertThrows(CliError.class, () -> QemuSideBySide.resolve(dir.toString()));
    assertThat(directory).hasMessageThat().contains("no such executable file");
    CliError missingName =
        assertThrows(CliError.class, () -> QemuSideBySide.resolve("no-such-qemu-riscv64-here"));
    assertThat(missingName).hasMessageThat().contains("not found on PATH");
  }

  @Test
  void benchRefusesAMissingQemuBeforeRunningAnything() {
    int code = run("bench", "--no-fork", "--only", "alu", "--qemu", "/nonexistent/qemu");
    assertThat(code).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("--qemu /nonexistent/qemu: no such executable file");
    assertThat(stdout()).isEmpty();
  }

  @Test
  void everyBenchmarkHasALinuxTwinThatIsAnotherRv64Executable() throws Exception {
    for (String name : BundledPrograms.TWINS) {
      byte[] twin = BundledPrograms.linuxTwin(name).orElseThrow();
      byte[] ours = BundledPrograms.load(name).orElseThrow();
      Elf64.Header h = Elf64.parseHeader(twin);
      assertThat(h.machine()).isEqualTo(Elf64.parseHeader(ours).machine());
      assertThat(h.entry()).isEqualTo(0x10000L); // linked low, as Linux loads it
      assertThat(Elf64.parseHeader(ours).entry()).isNotEqualTo(0x10000L);
    }
    assertThat(BundledPrograms.linuxTwin("demo")).isEmpty();
  }

  @Test
  void aTwinWhoseOutputDiffersFromOursIsAFinding(@TempDir Path dir) throws Exception {
    Path fake = standIn(dir, "sort 0x0"); // right for the start-up probe, wrong for the real run
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    try (QemuSideBySide q =
        QemuSideBySide.start(
            fake.toString(),
            "bench_sort",
            0,
            1,
            new PrintStream(progress, true, StandardCharsets.UTF_8))) {
      byte[] ours = "sort 0x7ff1853b\n".getBytes(StandardCharsets.US_ASCII);
      CliError e = assertThrows(CliError.class, () -> q.mips(List.of("1"), ours, 1000));
      assertThat(e.exitCode()).isEqualTo(Main.EXIT_FINDING);
      assertThat(e).hasMessageThat().contains("output 'sort 0x0'");
      assertThat(e).hasMessageThat().contains("ours was 0 and 'sort 0x7ff1853b'");
      double mips = q.mips(List.of("0"), "sort 0x0\n".getBytes(StandardCharsets.US_ASCII), 1000);
      assertThat(mips).isGreaterThan(0.0);
    }
  }

  /** A shell script that prints one line and exits 0, whatever it is asked to run. */
  private static Path standIn(Path dir, String line) throws Exception {
    Path script = dir.resolve("qemu-riscv64");
    Files.writeString(script, "#!/bin/sh\necho '" + line + "'\n", StandardCharsets.US_ASCII);
    assertThat(script.toFile().setExecutable(true, true)).isTrue();
    return script;
  }
}
