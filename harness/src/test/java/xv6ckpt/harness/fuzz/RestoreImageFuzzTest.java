package xv6ckpt.harness.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * restore-image as a Jazzer {@code @FuzzTest}: plain {@code mvn test} replays corpus/restore-image
 * (regression mode); {@code JAZZER_FUZZ=1 mvn test -Dtest=RestoreImageFuzzTest} fuzzes it.
 */
class RestoreImageFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void restoreImage(byte[] input) {
    RestoreImageFuzzer.fuzzerTestOneInput(input);
  }
}
