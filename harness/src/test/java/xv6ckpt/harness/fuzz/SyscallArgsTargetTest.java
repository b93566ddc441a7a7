package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.Riscv;
import xv6ckpt.testkit.Xv6Abi;

/**
 * The syscall-args machine is small (8 MiB) for speed, but not so small that it caps what the
 * fuzzer reaches: a full process table of servers that each grew their heap still fits.
 */
class SyscallArgsTargetTest {
  private static final SyscallArgsTarget TARGET = new SyscallArgsTarget();

  /** Pages one more server process takes: its image, a trapframe and five page-table pages. */
  private static final int SERVER_PAGES = (int) (UserPrograms.SERVER_SIZE / Riscv.PGSIZE) + 1 + 5;

  /** Heap pages each of them may add and the table still fill before memory runs out. */
  private static final int HEAP_PAGES = 16;

  @Test
  void aFullProcessTableOfServersWithHeapsFitsInRam() {
    int others = Param.NPROC - 3; // init, the bystander and the server exist already
    assertThat(TARGET.baselineFreePages()).isAtLeast(others * (SERVER_PAGES + HEAP_PAGES));
  }

  /** One call: number byte, then six arguments as kind 1 (a raw i64). */
  private static void call(ByteArrayOutputStream out, int number, long... args) {
    out.write(number - 1); // number() maps byte b below 0xf0 to 1 + b % SYS_MAX_STOCK
    for (int i = 0; i < 6; i++) {
      out.write(1);
      long v = i < args.length ? args[i] : 0;
      for (int k = 0; k < 8; k++) {
        out.write((int) (v >>> (8 * k)));
      }
    }
  }

  @Test
  void forksUntilTheTableIsFullThenGrowingEveryHeapPasses() {
    ByteArrayOutputStream in = new ByteArrayOutputStream();
    in.write(0); // no fuzzed paths
    in.write(0);
    in.write(0); // an empty data buffer
    for (int i = 0; i < 6; i++) { // 2^6 servers wanted: more than the table holds
      call(in, Xv6Abi.SYS_fork);
    }
    call(in, Xv6Abi.SYS_sbrk, HEAP_PAGES * Riscv.PGSIZE, 1); // eager: every process, now
    call(in, Xv6Abi.SYS_sbrk, 1L << 30, 1); // and one that exhausts memory, in each of them
    FuzzTarget.Verdict v = TARGET.run(in.toByteArray());
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    assertThat(((FuzzTarget.Verdict.Pass) v).summary()).startsWith("8 calls, server exit 0");
  }

  @Test
  void campaignsScheduleSlowSyscallArgsSeedsLessAndOnlyThat() {
    assertThat(FuzzTargets.byName("syscall-args").orElseThrow().fuzzerOptions())
        .containsExactly("-entropic_scale_per_exec_time=1");
    for (FuzzTargets.Entry other : FuzzTargets.ALL) {
      if (!other.name().equals("syscall-args")) {
        assertThat(other.fuzzerOptions()).isEmpty();
      }
    }
  }
}
