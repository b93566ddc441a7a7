package xv6ckpt.kernel.bench;

import static com.google.common.truth.Truth.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The kernel benchmark's programs run to completion and report sane figures (not speed). */
class KernelBenchTest {

  @Test
  void figuresWithoutAnImage() {
    KernelBench.Figures f = KernelBench.measure(20, Optional.empty());
    assertThat(f.forkExecPerSecond()).isGreaterThan(0.0);
    assertThat(f.resetMicros()).isGreaterThan(0.0);
    assertThat(f.snapshotMicros()).isGreaterThan(0.0);
    // a round dirties at least the reader's stack, buffer and trapframe pages
    assertThat(f.resetDirtyPages()).isAtLeast(3);
    assertThat(Double.isNaN(f.bootMillis())).isTrue();
    assertThat(Double.isNaN(f.usertestsQuickSeconds())).isTrue();
    assertThat(f.lines()).hasSize(5);
  }
}
