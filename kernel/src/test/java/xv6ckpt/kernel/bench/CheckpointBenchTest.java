package xv6ckpt.kernel.bench;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.kernel.Param;

/** The checkpoint benchmark's program runs through all three phases; figures are sane. */
class CheckpointBenchTest {

  @Test
  void smallSizesReportImagesTransactionsAndTimes() {
    List<CheckpointBench.Point> points = CheckpointBench.measure(List.of(64L << 10, 256L << 10), 1);
    assertThat(points).hasSize(2);
    for (CheckpointBench.Point p : points) {
      assertThat(p.imageBytes()).isGreaterThan(p.processBytes()); // pages plus the records
      assertThat(p.checkpointMillis()).isGreaterThan(0.0);
      assertThat(p.restoreMillis()).isGreaterThan(0.0);
      assertThat(p.maxTransactionBlocks()).isAtMost(Param.MAXOPBLOCKS);
      assertThat(p.line()).startsWith("checkpoint." + (p.processBytes() >> 10) + "KiB");
    }
    // four times the pages: more transactions
    assertThat(points.get(1).transactions()).isGreaterThan(3 * points.get(0).transactions());
  }

  @Test
  void sizesOutsideTheRangeAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> CheckpointBench.measure(List.of(4096L), 1));
    assertThrows(
        IllegalArgumentException.class, () -> CheckpointBench.measure(List.of(65L << 20), 1));
    assertThrows(
        IllegalArgumentException.class, () -> CheckpointBench.measure(List.of(64L << 10), 0));
  }
}
