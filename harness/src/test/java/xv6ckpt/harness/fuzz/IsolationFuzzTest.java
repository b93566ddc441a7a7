package xv6ckpt.harness.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * isolation as a Jazzer {@code @FuzzTest}: plain {@code mvn test} replays corpus/isolation on the
 * Java kernel (regression mode); {@code JAZZER_FUZZ=1 mvn test -Dtest=IsolationFuzzTest} fuzzes it.
 */
class IsolationFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void isolation(byte[] input) {
    IsolationFuzzer.fuzzerTestOneInput(input);
  }
}
