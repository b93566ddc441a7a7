package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.testkit.Xv6Abi.*;

import org.junit.jupiter.api.Test;

/**
 * The pages an allocating call can need at most ({@link KernelDifferentialTrace#need}), which the
 * out-of-memory rule holds a failing side's free pages against, and the path an exec names.
 */
class KernelDifferentialTraceTest {
  private static long need(long number, long a0, int pages, long image) {
    return KernelDifferentialTrace.need(new long[] {number, a0, 0, 0, 0, 0, 0}, pages, image);
  }

  @Test
  void forkNeedsTheCallersPagesItsTablesAndFourMore() {
    // trapframe, root and the trampoline's two tables; one level-1 and one level-0 table
    assertThat(need(SYS_fork, 0, 10, -1)).isEqualTo(4 + 10 + 2);
    // 1,024 pages span at least two level-0 tables, three when unaligned
    assertThat(need(SYS_fork, 0, 1024, -1)).isEqualTo(4 + 1024 + 1 + 3);
  }

  @Test
  void sbrkNeedsWhatItGrowsByAsArgintReadsIt() {
    assertThat(need(SYS_sbrk, 1, 3, -1)).isEqualTo(1 + 2);
    assertThat(need(SYS_sbrk, 8192, 3, -1)).isEqualTo(2 + 2);
    assertThat(need(SYS_sbrk, 0x1_0000_1000L, 3, -1)).isEqualTo(1 + 2); // the int is 4096
    assertThat(need(SYS_sbrk, -4096, 3, -1)).isEqualTo(0);
    assertThat(need(SYS_sbrk, 0, 3, -1)).isEqualTo(0);
  }

  @Test
  void pipeNeedsOnePageAndExecItsImageStackAndTables() {
    assertThat(need(SYS_pipe, 0x3000, 3, -1)).isEqualTo(1);
    // proc_pagetable's 3, pages 0..4 of the image with their 2 tables, stack and guard
    assertThat(need(SYS_exec, 0x3000, 3, 0x4800)).isEqualTo(3 + 5 + 2 + 2);
    assertThat(need(SYS_exec, 0x3000, 3, -1)).isEqualTo(-1); // the image is not known
    assertThat(need(SYS_dup, 1, 3, -1)).isEqualTo(-1);
  }

  @Test
  void aPathIsReadUpToItsNulWithinMaxpath() {
    byte[][] mem = {new byte[4096], new byte[4096], null};
    byte[] s = "/server".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(s, 0, mem[0], 4093, 3);
    System.arraycopy(s, 3, mem[1], 0, 4);
    assertThat(KernelDifferentialTrace.cString(mem, 4093, 128)).hasValue("/server");
    assertThat(KernelDifferentialTrace.cString(mem, 4093, 7)).isEmpty(); // no NUL within 7
    java.util.Arrays.fill(mem[1], (byte) 'x');
    assertThat(KernelDifferentialTrace.cString(mem, 4093, 10_000)).isEmpty(); // runs off the map
  }
}
