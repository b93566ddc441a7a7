package xv6ckpt.harness.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * kernel-differential as a Jazzer {@code @FuzzTest}: plain {@code mvn test} replays
 * corpus/kernel-differential with the Java kernel on both sides (regression mode).
 */
class KernelDifferentialFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void kernelDifferential(byte[] input) {
    KernelDifferentialFuzzer.fuzzerTestOneInput(input);
  }
}
