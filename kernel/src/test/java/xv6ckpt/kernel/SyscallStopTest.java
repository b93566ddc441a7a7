package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.T6;
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.testkit.UserProgram;

/**
 * {@link Machine#run(long, Machine.Stop)} with {@link Machine.Stop.SyscallReturn}: the run ends
 * right after the process's system call returns to user mode, before its next instruction; a
 * blocked call stops only once re-issued and completed; exit is no stop; and stopping changes
 * nothing about the run that follows.
 */
class SyscallStopTest {
  private static final int PID = 2; // the runner's first spawned process

  private static Machine spawned(UserProgram p) {
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    Machines.spawn(m, "prog");
    return m;
  }

  private static Machine.Outcome stopAtReturn(Machine m) {
    return m.run(1_000_000, new Machine.Stop.SyscallReturn(PID));
  }

  private static long reg(Machine m, int n) {
    return m.userRegisters(m.proc().byPid(PID).orElseThrow())[n];
  }

  @Test
  void stopsAfterEachReturnBeforeTheNextInstruction() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("msg", "hello\n");
    p.a.li(S1, 77);
    p.sys(SYS_getpid);
    long afterGetpid = p.a.pc();
    p.a.li(S1, 78);
    p.print(1, "msg");
    long afterWrite = p.a.pc();
    p.exit(0);
    Machine m = spawned(p);

    assertThat(stopAtReturn(m)).isEqualTo(new Machine.Outcome.SyscallReturned(PID, SYS_getpid));
    assertThat(reg(m, 32)).isEqualTo(afterGetpid);
    assertThat(reg(m, 10)).isEqualTo(PID);
    assertThat(reg(m, 9)).isEqualTo(77); // s1: the instruction after the ecall has not run
    assertThat(m.output()).isEmpty();

    assertThat(stopAtReturn(m)).isEqualTo(new Machine.Outcome.SyscallReturned(PID, SYS_write));
    assertThat(reg(m, 32)).isEqualTo(afterWrite);
    assertThat(reg(m, 10)).isEqualTo(6);
    assertThat(reg(m, 9)).isEqualTo(78);
    assertThat(m.output()).isEqualTo("hello\n");

    // exit does not return to user mode: the run goes on to the process's end.
    assertThat(stopAtReturn(m)).isEqualTo(Machines.exited(0));
  }

  @Test
  void aBlockedCallStopsOnlyOnceReissuedAndCompleted() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.a.li(A0, 3);
    p.sys(SYS_sleep);
    long after = p.a.pc();
    p.exit(0);
    Machine m = spawned(p);
    long ticks = m.ticks();

    assertThat(stopAtReturn(m)).isEqualTo(new Machine.Outcome.SyscallReturned(PID, SYS_sleep));
    assertThat(m.ticks()).isAtLeast(ticks + 3);
    assertThat(reg(m, 32)).isEqualTo(after);
    assertThat(reg(m, 10)).isEqualTo(0);
  }

  @Test
  void anotherProcessesCallsAndTheBudgetAreNoStop() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.sys(SYS_getpid);
    p.sys(SYS_getpid);
    p.exit(5);
    byte[] elf = p.elf();
    Machine m = Machines.runner(Map.of("prog", elf));
    Machines.spawn(m, "prog");
    assertThat(m.run(1_000_000, new Machine.Stop.SyscallReturn(PID + 40)))
        .isEqualTo(Machines.exited(5));

    Machine n = Machines.runner(Map.of("prog", elf));
    Machines.spawn(n, "prog");
    // li a7 then ecall: one instruction retires before the first call, so a budget of 1 ends
    // the run at the ecall, not after it.
    assertThat(n.run(1, new Machine.Stop.SyscallReturn(PID)))
        .isEqualTo(new Machine.Outcome.BudgetSpent());
    assertThat(n.syscallCount()).isEqualTo(0);
  }

  /** A parent that forks three children, each printing, waits for each and writes a file. */
  private static UserProgram family() {
    return TestPrograms.forkingWriter(3, 700, "child\n");
  }

  @Test
  void stoppingChangesNothingAboutTheRun() {
    Machine whole = spawned(family());
    Machine.Outcome end = Machines.finish(whole);
    assertThat(end).isEqualTo(Machines.exited(0));

    Machine stepped = spawned(family());
    int stops = 0;
    Machine.Outcome o = stopAtReturn(stepped);
    while (o instanceof Machine.Outcome.SyscallReturned) {
      stops++;
      o = stopAtReturn(stepped);
    }
    assertThat(o).isEqualTo(end);
    // open, then fork, wait and write three times: each returns to the parent (exit does not).
    assertThat(stops).isEqualTo(1 + 3 * 3);
    assertThat(stepped.output()).isEqualTo(whole.output());
    assertThat(stepped.cycles()).isEqualTo(whole.cycles());
    assertThat(stepped.syscallCount()).isEqualTo(whole.syscallCount());
    assertThat(stepped.kalloc().freePages()).isEqualTo(whole.kalloc().freePages());
  }

  @Test
  void anyProcessStopsAtEveryReturnOfEveryProcessAndChangesNothing() {
    Machine whole = spawned(family());
    Machine.Outcome end = Machines.finish(whole);

    Machine stepped = spawned(family());
    java.util.List<Integer> pids = new java.util.ArrayList<>();
    Machine.Outcome o = stepped.run(1_000_000, new Machine.Stop.AnySyscallReturn());
    while (o instanceof Machine.Outcome.SyscallReturned r) {
      pids.add(r.pid());
      o = stepped.run(1_000_000, new Machine.Stop.AnySyscallReturn());
    }
    assertThat(o).isEqualTo(end);
    // The parent's 10 returns as above, and each child's write (its exit does not return).
    assertThat(pids.stream().filter(pid -> pid == PID).count()).isEqualTo(1 + 3 * 3);
    assertThat(pids.stream().filter(pid -> pid != PID).distinct().count()).isEqualTo(3);
    assertThat(pids).hasSize(1 + 3 * 3 + 3);
    assertThat(stepped.output()).isEqualTo(whole.output());
    assertThat(stepped.cycles()).isEqualTo(whole.cycles());
    assertThat(stepped.syscallCount()).isEqualTo(whole.syscallCount());
  }

  @Test
  void aRestoreStopsAtTheImagesFirstInstruction() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("path", "img");
    p.a.li(S1, 5).li(A0, 0);
    p.checkpoint("path");
    long resume = p.a.pc();
    p.a.li(T6, 1).beq(A0, T6, "restored");
    p.a.li(S1, 6);
    p.restore("path");
    p.exit(3);
    p.a.label("restored");
    p.exit(0);
    Machine m = spawned(p);

    assertThat(stopAtReturn(m)).isEqualTo(new Machine.Outcome.SyscallReturned(PID, SYS_checkpoint));
    assertThat(reg(m, 10)).isEqualTo(0);
    assertThat(stopAtReturn(m)).isEqualTo(new Machine.Outcome.SyscallReturned(PID, SYS_restore));
    assertThat(reg(m, 32)).isEqualTo(resume);
    assertThat(reg(m, 10)).isEqualTo(1);
    assertThat(reg(m, 9)).isEqualTo(5); // s1 as checkpointed, not the 6 set before restore
    assertThat(stopAtReturn(m)).isEqualTo(Machines.exited(0));
  }
}
