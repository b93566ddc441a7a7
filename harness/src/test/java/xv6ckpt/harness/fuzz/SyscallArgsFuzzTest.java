package xv6ckpt.harness.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * syscall-args as a Jazzer {@code @FuzzTest}: plain {@code mvn test} replays corpus/syscall-args
 * (regression mode); {@code JAZZER_FUZZ=1 mvn test -Dtest=SyscallArgsFuzzTest} fuzzes it.
 */
class SyscallArgsFuzzTest {
  @FuzzTest(maxDuration = "30s")
  void syscallArgs(byte[] input) {
    SyscallArgsFuzzer.fuzzerTestOneInput(input);
  }
}
