package xv6ckpt.harness.cli;

import static com.google.common.truth.Truth.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.fuzz.FuzzTargets;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * {@code --kernel} admits kernel-differential (the Java kernel against the C kernel) beside
 * syscall-args, without building either target before it runs.
 */
class KernelDifferentialOptionsTest {
  @TempDir Path dir;

  @Test
  void aCKernelRegistryHasKernelDifferential() throws Exception {
    Path k = dir.resolve("kernel");
    Files.write(k, KernelCommandTest.silentKernel());
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), List.of());
    Path fs = dir.resolve("fs.img");
    Files.write(fs, d.contents());
    KernelTargetOptions o = new KernelTargetOptions();
    o.kernel = k;
    o.fs = fs;
    List<FuzzTargets.Entry> r = o.registry(List.of("kernel-differential"), FuzzTargets.ALL);
    assertThat(r.stream().map(FuzzTargets.Entry::name).toList()).contains("kernel-differential");
    assertThat(o.childJvmFlags()).contains("-Dxv6ckpt.kernel=" + k.toAbsolutePath());
    assertThat(FuzzTargets.names()).contains("kernel-differential"); // the Java-only entry too
  }
}
