package xv6ckpt.harness.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * fs-image as a Jazzer {@code @FuzzTest}: plain {@code mvn test} replays corpus/fs-image
 * (regression mode); {@code JAZZER_FUZZ=1 mvn test -Dtest=FsImageFuzzTest} fuzzes it.
 */
class FsImageFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void fsImage(byte[] input) {
    FsImageFuzzer.fuzzerTestOneInput(input);
  }
}
