package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.system.SystemMachine;
import xv6ckpt.harness.rig.ElfKernel;
import xv6ckpt.harness.rig.KernelIdentity;

/**
 * What syscall-args on a C kernel relies on without xv6 (CI has none): its campaign turns value
 * profiles on, and guest coverage attached before an {@link ElfKernel}'s snapshot is emptied by
 * each reset and filled again by the run, so each input's features are its own.
 */
class SyscallArgsElfTargetTest {
  @Test
  void theCKernelsCampaignTurnsValueProfilesOn() {
    FuzzTargets.Entry e = SyscallArgsElfTarget.entry(Path.of("k"), Path.of("fs"), 1);
    assertThat(e.fuzzerOptions()).contains("-use_value_profile=1");
    assertThat(e.fuzzerOptions())
        .containsAtLeastElementsIn(SyscallArgsTarget.ENTRY.fuzzerOptions());
  }

  @Test
  void eachResetEmptiesTheEdgesAndEachRunFillsThem() throws Exception {
    byte[] elf = GuestMagicKernel.elf();
    ElfKernel k =
        new ElfKernel(
            KernelIdentity.ofElf("magic", elf),
            elf,
            new MemoryBlockDevice(1024, 16),
            new SystemMachine.Config(1 << 20, 1, 1, 10_000));
    GuestCoverage cov = GuestCoverage.forKernel(elf, (edge, c) -> {});
    cov.attach(k.machine());
    ElfKernel.Snapshot snap = k.snapshot();
    byte[][] seen = new byte[3][];
    String[] inputs = {"xxxxx", "CKPxx", "xxxxx"};
    for (int i = 0; i < inputs.length; i++) {
      k.reset(snap);
      assertThat(cov.feed()).isEqualTo(0);
      byte[] in = inputs[i].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
      k.machine().memory().write64(GuestMagicKernel.INPUT - 8, in.length);
      k.machine().memory().write(GuestMagicKernel.INPUT, in, 0, in.length);
      k.run(100_000);
      assertThat(cov.feed()).isGreaterThan(0);
      seen[i] = cov.map().counters().clone();
    }
    assertThat(Arrays.equals(seen[0], seen[1])).isFalse(); // the counters follow the input
    assertThat(seen[2]).isEqualTo(seen[0]); // and nothing of the run before is left
  }
}
