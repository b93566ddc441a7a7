package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.fuzz.FuzzTargets;
import xv6ckpt.harness.rig.KernelIdentity;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * {@code campaign --kernel} and {@code replay --kernel}: the checks run before anything (exit 2,
 * nothing written), and targets not yet available for a C kernel are refused by name.
 */
class KernelTargetOptionsTest extends CommandTest {
  @TempDir Path dir;

  private Path kernel() throws Exception {
    Path k = dir.resolve("kernel");
    Files.write(k, KernelCommandTest.silentKernel());
    return k;
  }

  private Path image() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), List.of());
    Path p = dir.resolve("fs.img");
    Files.write(p, d.contents());
    return p;
  }

  @Test
  void campaignRefusesATargetCKernelsDoNotHaveYet() throws Exception {
    Path out = dir.resolve("reports");
    int code =
        run(
            "campaign",
            "--kernel",
            kernel().toString(),
            "--fs",
            image().toString(),
            "--targets",
            "fs-image",
            "--report-dir",
            out.toString());
    assertThat(code).isEqualTo(2);
    assertThat(stderr()).contains("target fs-image is not yet available for a C kernel");
    assertThat(Files.exists(out)).isFalse();
  }

  @Test
  void replayRefusesAnotherTargetsCorpus() throws Exception {
    Path entry = dir.resolve("corpus").resolve("decoder-differential").resolve("x");
    Files.createDirectories(entry.getParent());
    Files.write(entry, new byte[] {1});
    int code =
        run(
            "replay",
            "--kernel",
            kernel().toString(),
            "--fs",
            image().toString(),
            "--report-dir",
            dir.resolve("r").toString(),
            entry.toString());
    assertThat(code).isEqualTo(2);
    assertThat(stderr())
        .contains("target decoder-differential is not yet available for a C kernel");
    assertThat(stderr()).contains("available: syscall-args, restore-image");
  }

  /** restore-image is admitted: its C-kernel entry, with the guest coverage's value profile. */
  @Test
  void restoreImageGetsItsCKernelEntry() throws Exception {
    KernelTargetOptions o = new KernelTargetOptions();
    o.kernel = kernel();
    o.fs = image();
    List<FuzzTargets.Entry> r =
        o.registry(List.of("restore-image", "syscall-args"), FuzzTargets.ALL);
    assertThat(r.stream().map(FuzzTargets.Entry::name).toList())
        .containsExactly("restore-image", "syscall-args")
        .inOrder();
    FuzzTargets.Entry e = r.get(0);
    assertThat(e.jazzerClass().getSimpleName()).isEqualTo("RestoreImageFuzzer");
    assertThat(e.fuzzerOptions()).contains("-use_value_profile=1");
    assertThat(e.describe().apply(new byte[] {'K', 2})).contains("checkpoint scene ZOMBIE");
    assertThat(o.childJvmFlags()).contains("-Dxv6ckpt.kernel=" + o.kernel.toAbsolutePath());
  }

  @Test
  void theCKernelsEntryNamesTheKernelByHashAndByTheFlagsThatReplayIt() throws Exception {
    KernelTargetOptions o = new KernelTargetOptions();
    // A relative path on purpose: a reproduce command must work from any folder.
    o.kernel = Path.of("").toAbsolutePath().relativize(kernel());
    o.fs = image();
    o.harts = 3;
    FuzzTargets.Entry e = o.registry(List.of("syscall-args"), FuzzTargets.ALL).get(0);

    assertThat(e.kernel().sha256())
        .isEqualTo(KernelIdentity.sha256(KernelCommandTest.silentKernel()));
    assertThat(e.kernelFlags())
        .containsExactly(
            "--kernel", kernel().toString(), "--fs", image().toString(), "--harts", "3")
        .inOrder();
    o.harts = 1;
    assertThat(o.registry(List.of("syscall-args"), FuzzTargets.ALL).get(0).kernelFlags())
        .doesNotContain("--harts");
  }

  @Test
  void badKernelOrMissingFsIsBadInputBeforeAnythingRuns() throws Exception {
    Path notElf = dir.resolve("notelf");
    Files.writeString(notElf, "hello");
    assertThat(run("replay", "--kernel", notElf.toString(), "--fs", image().toString()))
        .isEqualTo(2);
    assertThat(stderr()).contains("not a kernel this machine can boot");
    assertThat(run("campaign", "--kernel", kernel().toString())).isEqualTo(2);
    assertThat(stderr()).contains("--kernel needs --fs IMAGE");
    Path bad = dir.resolve("bad.img");
    Files.write(bad, new byte[1000]);
    assertThat(run("replay", "--kernel", kernel().toString(), "--fs", bad.toString())).isEqualTo(2);
    assertThat(stderr()).contains("not a whole number");
  }
}
