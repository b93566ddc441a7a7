package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * {@code crash}: bad usage and kernels it cannot judge exit 2 with a message and leave the image as
 * it was. (A sweep of a real kernel needs xv6 with the kit: harness/README.md.)
 */
class CrashCommandTest extends CommandTest {
  @TempDir Path dir;

  private Path image() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), List.of());
    Path p = dir.resolve("fs.img");
    Files.write(p, d.contents());
    return p;
  }

  private Path kernel(byte[] elf) throws Exception {
    Path k = dir.resolve("kernel");
    Files.write(k, elf);
    return k;
  }

  @Test
  void aKernelThatNeverReadsItsDiskIsNotJudged() throws Exception {
    Path fs = image();
    byte[] before = Files.readAllBytes(fs);
    Path k = kernel(KernelCommandTest.shellKernel(KernelCommandTest.OnLine.ANSWER));
    assertThat(run("crash", "--kernel", k.toString(), "--fs", fs.toString())).isEqualTo(2);
    assertThat(stderr()).contains("reached its prompt without reading its disk");
    assertThat(stderr()).doesNotContain("Exception");
    assertThat(Files.readAllBytes(fs)).isEqualTo(before);
  }

  @Test
  void badUsageExitsTwoBeforeAnythingRuns() throws Exception {
    Path fs = image();
    Path notElf = dir.resolve("notelf");
    Files.writeString(notElf, "hello");
    assertThat(run("crash", "--kernel", notElf.toString(), "--fs", fs.toString())).isEqualTo(2);
    assertThat(stderr()).contains("not a kernel this machine can boot");
    assertThat(run("crash", "--fs", fs.toString())).isEqualTo(2);
    assertThat(stderr()).contains("--kernel");
    Path k = kernel(KernelCommandTest.silentKernel());
    assertThat(run("crash", "--kernel", k.toString(), "--fs", fs.toString(), "--points", "1"))
        .isEqualTo(2);
    assertThat(stderr()).contains("--points: at least 2");
    assertThat(run("crash", "--help")).isEqualTo(0);
    assertThat(stdout()).contains("RESTORE_NO_FILE");
  }
}
