package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.S3;
import static xv6ckpt.emulator.asm.Reg.SP;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/** Processes: fork, exit, wait, kill, sbrk, sleep, pipes, exec, and the console, end to end. */
class ProcTest {

  private static Machine.Outcome runAlone(UserProgram p, String... argv) {
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    return Machines.run(m, "prog", argv);
  }

  @Test
  void helloWritesToConsoleAndExitStatusComesBack() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("msg", "hello, xv6\n");
    p.print(1, "msg").exit(42);
    Machine m = Machines.runner(Map.of("hello", p.elf()));
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "hello")).isEqualTo(Machines.exited(42));
    assertThat(m.output()).isEqualTo("hello, xv6\n");
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    assertThat(m.kalloc().freePages()).isEqualTo(before);
    assertThat(m.files().openFiles()).isEqualTo(0);
    assertThat(m.log().outstanding()).isEqualTo(0);
  }

  @Test
  void forkWaitCollectsChildStatusThroughUserPointer() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String child = p.fresh();
    p.sys(SYS_fork).checkNonNegative(1);
    p.a.beqz(A0, child).mv(S1, A0);
    p.a.la(A0, "bss");
    p.sys(SYS_wait);
    p.a.bne(A0, S1, "bad");
    p.a.la(T0, "bss").lw(A0, 0, T0);
    p.check(37, 3).exit(0);
    p.a.label(child);
    p.sys(SYS_getpid).check(3, 4).exit(37);
    p.a.label("bad");
    p.exit(2);
    assertThat(runAlone(p)).isEqualTo(Machines.exited(0));
  }

  @Test
  void waitWithoutChildrenAndBadStatusPointerFail() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.a.li(A0, 0);
    p.sys(SYS_wait).check(-1, 1);
    String child = p.fresh();
    p.sys(SYS_fork);
    p.a.beqz(A0, child);
    p.a.li(A0, 0x80000000L);
    p.sys(SYS_wait).check(-1, 2); // status pointer into kernel space: -1, child not freed
    p.a.li(A0, 0);
    p.sys(SYS_wait).checkNonNegative(3);
    p.exit(0);
    p.a.label(child);
    p.exit(5);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    Machines.finish(m);
    assertThat(m.kalloc().freePages()).isEqualTo(before);
  }

  @Test
  void killWakesASleepingChildWhichDiesWithMinusOne() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String child = p.fresh();
    p.a.la(A0, "bss");
    p.sys(SYS_pipe).check(0, 1);
    p.sys(SYS_fork);
    p.a.beqz(A0, child).mv(S1, A0);
    p.a.li(A0, 1);
    p.sys(SYS_sleep); // let the child block in read
    p.a.mv(A0, S1);
    p.sys(SYS_kill).check(0, 2);
    p.a.la(A0, "bss").addi(A0, A0, 64);
    p.sys(SYS_wait);
    p.a.la(T0, "bss").lw(A0, 64, T0);
    p.check(-1, 3);
    p.a.li(A0, 999);
    p.sys(SYS_kill).check(-1, 4);
    p.exit(0);
    p.a.label(child);
    p.a.la(T0, "bss").lw(A0, 0, T0).addi(A1, T0, 128).li(A2, 10);
    p.sys(SYS_read); // blocks: the parent holds the write end open
    p.exit(9);
    assertThat(runAlone(p)).isEqualTo(Machines.exited(0));
  }

  @Test
  void sbrkGrowsShrinksAndAccessAfterShrinkKills() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("done", "survived\n");
    p.a.li(A0, 0).li(A1, 1);
    p.sys(SYS_sbrk);
    p.a.mv(S1, A0); // old break
    p.a.li(A0, 8192).li(A1, 1);
    p.sys(SYS_sbrk);
    p.a.bne(A0, S1, "bad");
    p.a.li(T1, 8000).add(T1, T1, S1).li(T0, 77).sd(T0, 0, T1).ld(A0, 0, T1);
    p.check(77, 2);
    p.a.li(A0, -8192).li(A1, 1);
    p.sys(SYS_sbrk);
    p.a.li(A0, 0).li(A1, 1);
    p.sys(SYS_sbrk);
    p.a.bne(A0, S1, "bad");
    p.a.sd(T0, 0, T1); // the page is gone: store page fault kills
    p.print(1, "done").exit(0);
    p.a.label("bad");
    p.exit(1);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(-1));
    assertThat(m.output()).contains("usertrap(): unexpected scause 0xf pid=2\n");
    assertThat(m.output()).contains("stval=0x");
    assertThat(m.output()).doesNotContain("survived");
    assertThat(m.kalloc().freePages()).isEqualTo(before);
  }

  @Test
  void lazySbrkAllocatesOnFirstTouchAndHugeGrowthFails() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.a.li(A0, 1 << 20).li(A1, SysProc.SBRK_LAZY);
    p.sys(SYS_sbrk);
    p.a.mv(S1, A0);
    p.a.li(T0, 0x5A).li(T1, 1 << 19).add(T1, T1, S1).sb(T0, 0, T1).lbu(A0, 0, T1);
    p.check(0x5A, 1);
    p.a.mv(A0, S1).li(A1, 1 << 18).add(A0, A0, A1).li(A1, 0);
    p.sys(SYS_open).checkNonNegative(2); // "" in a lazy page never touched: the cwd
    p.a.li(A0, 0x7fffffff).li(A1, 1);
    p.sys(SYS_sbrk).check(-1, 3); // more than 16 MiB of RAM
    p.exit(0);
    assertThat(runAlone(p)).isEqualTo(Machines.exited(0));
  }

  @Test
  void guardPageBelowTheStackFaults() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.a.li(T0, 4096 + 8).sub(T0, SP, T0).sd(T0, 0, T0);
    p.exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(-1));
    assertThat(m.output())
        .startsWith("usertrap(): unexpected scause 0xf pid=2\n            sepc=0x");
  }

  @Test
  void trapframeAndTrampolineAreNotUserAccessible() {
    for (long va : new long[] {Riscv.TRAPFRAME, Riscv.TRAMPOLINE}) {
      UserProgram p = new UserProgram(KERNEL_TESTS);
      p.a.li(T0, va).ld(A0, 0, T0);
      p.exit(0);
      Machine m = Machines.runner(Map.of("prog", p.elf()));
      assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(-1));
      assertThat(m.output()).contains(String.format("scause 0xd pid=2\n            sepc=0x"));
      assertThat(m.output()).contains(String.format("stval=0x%x", va));
    }
  }

  @Test
  void illegalInstructionAndEbreakKillWithXv6Message() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.a.raw32(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(-1));
    assertThat(m.output())
        .isEqualTo("usertrap(): unexpected scause 0x2 pid=2\n            sepc=0x0 stval=0x0\n");
  }

  @Test
  void forkUntilTheProcessTableIsFull() {
    // pid 1 (init) and the parent hold two of NPROC slots: 62 children fit.
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String loop = p.fresh();
    String full = p.fresh();
    String child = p.fresh();
    p.a.li(S1, 0).label(loop);
    p.sys(SYS_fork);
    p.a.beqz(A0, child).bltz(A0, full).addi(S1, S1, 1).j(loop);
    p.a.label(full).mv(A0, S1);
    p.check(Param.NPROC - 2, 1);
    String reap = p.fresh();
    String reaped = p.fresh();
    p.a.label(reap).li(A0, 0);
    p.sys(SYS_wait);
    p.a.bltz(A0, reaped).addi(S1, S1, -1).j(reap);
    p.a.label(reaped).mv(A0, S1);
    p.check(0, 2).exit(0);
    p.a.label(child);
    p.a.li(A0, 5);
    p.sys(SYS_sleep).exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    assertThat(m.kalloc().freePages()).isEqualTo(before);
  }

  /** The process table's slot sets say exactly which slots are used, sleeping and runnable. */
  private static void assertSlotSetsMatchStates(Machine m, String when) {
    Proc t = m.proc();
    for (Process q : t.procs) {
      String at = when + ", slot " + q.slot + " (" + q.state() + ")";
      assertWithMessage(at)
          .that(t.slots.used.get(q.slot))
          .isEqualTo(q.state() != Process.State.UNUSED);
      assertWithMessage(at)
          .that(t.slots.sleeping.get(q.slot))
          .isEqualTo(q.state() == Process.State.SLEEPING);
      assertWithMessage(at)
          .that(t.slots.runnable.get(q.slot))
          .isEqualTo(q.state() == Process.State.RUNNABLE);
    }
  }

  @Test
  void slotSetsFollowEveryStateChangeThroughForkSleepExitWaitAndReset() {
    // Children fork until the table is full, sleep, and are reaped; checked every few steps.
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String loop = p.fresh();
    String full = p.fresh();
    String child = p.fresh();
    String reap = p.fresh();
    String reaped = p.fresh();
    p.a.label(loop);
    p.sys(SYS_fork);
    p.a.beqz(A0, child).bltz(A0, full).j(loop);
    p.a.label(full).label(reap).li(A0, 0);
    p.sys(SYS_wait);
    p.a.bltz(A0, reaped).j(reap);
    p.a.label(reaped);
    p.exit(0);
    p.a.label(child);
    p.a.li(A0, 2);
    p.sys(SYS_sleep).exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    try {
      m.spawn("/prog", java.util.List.of("prog"));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    Machine.Snapshot start = m.snapshot();
    int maxLive = 0;
    int maxSleeping = 0;
    Machine.Outcome o = new Machine.Outcome.BudgetSpent();
    for (int step = 0; step < 20_000 && o instanceof Machine.Outcome.BudgetSpent; step++) {
      o = m.run(97);
      assertSlotSetsMatchStates(m, "step " + step);
      maxLive = Math.max(maxLive, m.proc().slots.used.cardinality());
      maxSleeping = Math.max(maxSleeping, m.proc().slots.sleeping.cardinality());
    }
    assertThat(o).isEqualTo(Machines.exited(0));
    assertThat(maxLive).isEqualTo(Param.NPROC); // the table was full at some point
    assertThat(maxSleeping).isGreaterThan(Param.NPROC / 2);
    m.reset(start);
    assertSlotSetsMatchStates(m, "after the reset");
    assertThat(m.proc().slots.runnable.cardinality()).isGreaterThan(0);
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0)); // the same run again
    assertSlotSetsMatchStates(m, "after the second run");
  }

  @Test
  void orphansAreReparentedToInit() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String child = p.fresh();
    p.sys(SYS_fork);
    p.a.beqz(A0, child);
    p.exit(0);
    p.a.label(child).li(A0, 3);
    p.sys(SYS_sleep).exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    Process orphan = m.proc().byPid(3).orElseThrow();
    assertThat(orphan.parentPid()).isEqualTo(1);
    assertThat(Machines.finish(m)).isEqualTo(new Machine.Outcome.Idle(false));
    assertThat(m.proc().byPid(3)).isEmpty();
    assertThat(m.kalloc().freePages()).isEqualTo(before);
  }

  @Test
  void pipeWithSeveralWritersDeliversEveryByte() {
    // Three children each write 700 bytes (more than PIPESIZE, so writers block part-way);
    // the parent counts 2100 bytes until end of file.
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String child = p.fresh();
    String forks = p.fresh();
    String read = p.fresh();
    String eof = p.fresh();
    p.a.la(A0, "bss");
    p.sys(SYS_pipe).check(0, 1);
    p.a.li(S2, 3).label(forks);
    p.sys(SYS_fork);
    p.a.beqz(A0, child).addi(S2, S2, -1).bnez(S2, forks);
    p.a.la(T0, "bss").lw(A0, 4, T0);
    p.sys(SYS_close);
    p.a.li(S1, 0).label(read);
    p.a.la(T0, "bss").lw(A0, 0, T0).addi(A1, T0, 1024).li(A2, 333);
    p.sys(SYS_read);
    p.a.beqz(A0, eof).add(S1, S1, A0).j(read);
    p.a.label(eof).mv(A0, S1);
    p.check(2100, 2).exit(0);
    p.a.label(child);
    p.a.la(T0, "bss").lw(A0, 4, T0).li(A1, 4096).add(A1, A1, T0).li(A2, 700);
    p.sys(SYS_write).check(700, 3).exit(0);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    int before = m.kalloc().freePages();
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
    Machines.finish(m);
    assertThat(m.kalloc().freePages()).isEqualTo(before);
  }

  @Test
  void execReplacesTheImageAndPassesArgv() {
    UserProgram target = new UserProgram(KERNEL_TESTS);
    // exit(argc * 10 + first byte of argv[1] - '0')
    target.a.mv(S1, A0).ld(T0, 8, A1).lbu(T0, 0, T0).addi(T0, T0, -'0');
    target.a.li(T1, 10).mul(S1, S1, T1).add(A0, S1, T0);
    target.sys(SYS_exit);
    UserProgram p =
        new UserProgram(KERNEL_TESTS).str("path", "/target").str("arg0", "target").str("arg1", "7");
    p.a.la(T0, "bss").la(T1, "arg0").sd(T1, 0, T0).la(T1, "arg1").sd(T1, 8, T0).sd(0, 16, T0);
    p.a.la(A0, "path").mv(A1, T0);
    p.sys(SYS_exec);
    p.exit(1);
    Machine m = Machines.runner(Map.of("prog", p.elf(), "target", target.elf()));
    assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(27));
    assertThat(m.proc().byPid(2)).isEmpty();
  }

  @Test
  void sleepAndUptimeCountQuanta() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.sys(SYS_uptime);
    p.a.mv(S1, A0);
    p.a.li(A0, 5);
    p.sys(SYS_sleep).check(0, 1);
    p.sys(SYS_uptime);
    p.a.sub(A0, A0, S1).addi(A0, A0, -5);
    p.a.sltz(A0, A0);
    p.check(0, 2).exit(0);
    assertThat(runAlone(p)).isEqualTo(Machines.exited(0));
  }

  @Test
  void consoleReadGetsScriptedLinesAndEndOfFile() {
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String loop = p.fresh();
    String eof = p.fresh();
    p.a.li(S1, 0).label(loop).li(A0, 0).la(A1, "bss").li(A2, 100);
    p.sys(SYS_read);
    p.a.beqz(A0, eof).add(S1, S1, A0).j(loop);
    p.a.label(eof).mv(A0, S1);
    p.sys(SYS_exit);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    m.consoleInput("ab\bc\nxyz\u0015uv\n");
    try {
      m.spawn("/prog", java.util.List.of("prog"));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    assertThat(m.run(1_000_000)).isEqualTo(new Machine.Outcome.Idle(true));
    m.endConsoleInput();
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(6)); // "ac\n" and "uv\n"
    assertThat(m.output()).isEqualTo("ab\b \bc\nxyz\b \b\b \b\b \buv\n");
  }

  @Test
  void sameInputsGiveTheSameRunInstructionForInstruction() {
    for (long seed : new long[] {0, 12345}) {
      long[] cycles = new long[2];
      for (int i = 0; i < 2; i++) {
        UserProgram p = new UserProgram(KERNEL_TESTS);
        String child = p.fresh();
        p.sys(SYS_fork);
        p.a.beqz(A0, child).li(A0, 0);
        p.sys(SYS_wait).exit(0);
        p.a.label(child).li(S3, 100000).label("spin").addi(S3, S3, -1).bnez(S3, "spin");
        p.exit(0);
        Machine m = Machine_withSeed(p, seed);
        assertThat(Machines.run(m, "prog")).isEqualTo(Machines.exited(0));
        cycles[i] = m.cycles();
      }
      assertThat(cycles[0]).isEqualTo(cycles[1]);
    }
  }

  private static Machine Machine_withSeed(UserProgram p, long seed) {
    try {
      return Machine.runner(
          Machines.image(Map.of("prog", p.elf())), Machines.CONFIG.withSeed(seed));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void aBlockedPipeWriteKeepsItsProgressAsRestartState() {
    // The writer puts 1000 bytes into a pipe nobody reads: it blocks after PIPESIZE bytes,
    // at its ecall, with Transfer(512) saved; once the reader drains, it finishes with 1000.
    UserProgram p = new UserProgram(KERNEL_TESTS);
    String child = p.fresh();
    String read = p.fresh();
    String eof = p.fresh();
    p.a.la(A0, "bss");
    p.sys(SYS_pipe).check(0, 1);
    p.sys(SYS_fork);
    p.a.beqz(A0, child);
    p.a.li(S2, 50_000).label("busy").addi(S2, S2, -1).bnez(S2, "busy"); // the child fills it
    p.a.la(T0, "bss").lw(A0, 4, T0);
    p.sys(SYS_close);
    p.a.li(S1, 0).label(read);
    p.a.la(T0, "bss").lw(A0, 0, T0).addi(A1, T0, 64).li(A2, 100);
    p.sys(SYS_read);
    p.a.beqz(A0, eof).add(S1, S1, A0).j(read);
    p.a.label(eof).mv(A0, S1);
    p.sys(SYS_exit);
    p.a.label(child);
    p.a.la(T0, "bss").lw(A0, 4, T0).li(A1, 0).li(A2, 1000);
    p.sys(SYS_write);
    p.sys(SYS_exit); // exit status = bytes written
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    try {
      m.spawn("/prog", java.util.List.of("prog"));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    Process writer = null;
    for (int i = 0; i < 100 && writer == null; i++) {
      m.run(1000);
      writer = m.proc().byPid(3).filter(w -> w.state() == Process.State.SLEEPING).orElse(null);
    }
    assertThat(writer).isNotNull();
    assertThat(writer.restart()).isEqualTo(new Restart.Transfer(Pipe.PIPESIZE));
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(1000));
  }

  @Test
  void aFileWriteThatMustWaitForLogSpaceBlocksAndIsReissued() {
    // The test holds the whole log with open operations: the program's write finds no room,
    // sleeps on the log at its ecall, and completes once the operations end. Those operations
    // stand for other threads of a kernel that has them, which this one never has: the
    // invariant at every system call return (no operation outstanding) is off here.
    UserProgram p = new UserProgram(KERNEL_TESTS).str("f", "out");
    p.a.la(A0, "f").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
    p.sys(SYS_open);
    p.a.mv(S1, A0);
    p.a.li(A0, 0).la(A1, "bss").li(A2, 10);
    p.sys(SYS_read); // waits for a console line: the test takes the log meanwhile
    p.a.mv(A0, S1).la(A1, "bss").li(A2, 5000);
    p.sys(SYS_write);
    p.check(5000, 1).exit(0);
    Machine m =
        Machines.runner(
            Machines.image(Map.of("prog", p.elf())), Machines.CONFIG.withInvariants(false));
    try {
      m.spawn("/prog", java.util.List.of("prog"));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    assertThat(m.run(1_000_000)).isEqualTo(new Machine.Outcome.Idle(true));
    int held = 0;
    while (m.fs().log().beginOp(m.reserveBlocks()) == xv6ckpt.kernel.fs.Log.Begin.STARTED) {
      held++;
    }
    assertThat(held).isAtLeast(1);
    m.consoleInput("go\n");
    Machine.Outcome o = m.run(1_000_000);
    assertWithMessage(m.output()).that(o).isEqualTo(new Machine.Outcome.Idle(false));
    Process w =
        m.proc()
            .byPid(2)
            .orElseThrow(
                () ->
                    new AssertionError(
                        m.proc().live().stream()
                                .map(q -> q.pid() + " " + q.state() + " " + q.name())
                                .toList()
                            + m.output()));
    assertThat(w.state()).isEqualTo(Process.State.SLEEPING);
    assertThat(w.restart()).isEqualTo(new Restart.Transfer(0));
    for (int i = 0; i < held; i++) {
      m.endOp(); // the last one commits and wakes the writer
    }
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
  }

  @Test
  void controlPListsProcessesAndControlDEndsAPartialLine() {
    // read() returns "ab" at ^D (kept for the next read, which returns 0), then the program
    // exits with the sum of the two counts.
    UserProgram p = new UserProgram(KERNEL_TESTS);
    p.a.li(A0, 0).la(A1, "bss").li(A2, 100);
    p.sys(SYS_read);
    p.a.mv(S1, A0).li(A0, 0).la(A1, "bss").li(A2, 100);
    p.sys(SYS_read);
    p.a.add(A0, A0, S1);
    p.sys(SYS_exit);
    Machine m = Machines.runner(Map.of("prog", p.elf()));
    m.consoleInput("\u0010ab\u0004");
    try {
      m.spawn("/prog", java.util.List.of("prog"));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(2));
    assertThat(m.output()).startsWith("\n1 sleep  init\n2 run    prog\n");
    assertThat(m.output()).endsWith("ab\u0004");
  }
}
