package xv6ckpt.harness.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * checkpoint-writer as a Jazzer {@code @FuzzTest}: plain {@code mvn test} replays
 * corpus/checkpoint-writer (regression mode); {@code JAZZER_FUZZ=1 mvn test
 * -Dtest=CheckpointWriterFuzzTest} fuzzes it.
 */
class CheckpointWriterFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void checkpointWriter(byte[] input) {
    CheckpointWriterFuzzer.fuzzerTestOneInput(input);
  }
}
