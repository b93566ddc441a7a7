package xv6ckpt.harness.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * decoder-differential as a Jazzer {@code @FuzzTest}: plain {@code mvn test} replays
 * corpus/decoder-differential (regression mode); {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=DecoderDifferentialFuzzTest} fuzzes it.
 */
class DecoderDifferentialFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void decoderDifferential(byte[] input) {
    DecoderDifferentialFuzzer.fuzzerTestOneInput(input);
  }
}
