package xv6ckpt.kernel.bench;

import static com.google.common.truth.Truth.assertThat;

import org.junit.jupiter.api.Test;

/** The benchmark's counts (not its speed, which only the bench command measures). */
class FsBenchTest {

  @Test
  void largeWritesCostAboutTwoDiskWritesPerDataBlockAndNeverOverflowTheLog() {
    FsBench.Figures f = FsBench.measure(4 << 20);
    assertThat(f.fileBytes()).isEqualTo(4 << 20);
    // log + home for each data block, plus headers and a few metadata blocks per transaction
    assertThat(f.diskWritesPerDataBlock()).isAtLeast(2.0);
    assertThat(f.diskWritesPerDataBlock()).isAtMost(2.1);
    assertThat(f.maxBlocksPerTransaction()).isAtMost(f.logCapacity());
    assertThat(f.transactions()).isAtLeast(4096 / 130);
    assertThat(f.lines()).hasSize(6);
  }
}
