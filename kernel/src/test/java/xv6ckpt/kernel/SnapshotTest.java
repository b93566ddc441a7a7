package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.kernel.Syscall.*;
import static xv6ckpt.testkit.UserProgram.KERNEL_TESTS;

import java.util.Map;
import org.junit.jupiter.api.Test;
import xv6ckpt.testkit.UserProgram;

/** Machine snapshot and reset: a reset machine runs on exactly as it did the first time. */
class SnapshotTest {

  /** Writes a file in 20 rounds, forking a child that writes to a pipe each round. */
  private static UserProgram busyProgram() {
    return TestPrograms.forkingWriter(20, 1000, "round\n");
  }

  @Test
  void resetReplaysTheSameRun() {
    Machine m = Machines.runner(Map.of("prog", busyProgram().elf()));
    try {
      m.spawn("/prog", java.util.List.of("prog"));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    assertThat(m.run(200)).isEqualTo(new Machine.Outcome.BudgetSpent());
    Machine.Snapshot s = m.snapshot();
    long cycles = m.cycles();
    int free = m.kalloc().freePages();
    m.takeOutput();

    Machine.Outcome first = Machines.finish(m);
    String out1 = m.takeOutput();
    long end1 = m.cycles();
    long calls1 = m.syscallCount();
    assertThat(first).isEqualTo(Machines.exited(0));

    for (int round = 0; round < 3; round++) {
      m.reset(s);
      assertThat(m.cycles()).isEqualTo(cycles);
      assertThat(m.kalloc().freePages()).isEqualTo(free);
      assertThat(Machines.finish(m)).isEqualTo(first);
      assertThat(m.takeOutput()).isEqualTo(out1);
      assertThat(m.cycles()).isEqualTo(end1);
      assertThat(m.syscallCount()).isEqualTo(calls1);
    }
    assertThat(out1).contains("round\n");
  }

  /** A reset writes the snapshot into the machine's own tables: the same objects, old state. */
  @Test
  void resetRestoresTheProcessTableInPlace() throws Exception {
    Machine m = Machines.runner(Map.of("prog", busyProgram().elf()));
    m.spawn("/prog", java.util.List.of("prog"));
    assertThat(m.run(200)).isEqualTo(new Machine.Outcome.BudgetSpent());
    Machine.Snapshot s = m.snapshot();
    Process p = m.proc().byPid(2).orElseThrow();
    long sz = p.size();
    Process.State state = p.state();
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    assertThat(m.proc().byPid(2)).isEmpty(); // reaped
    m.reset(s);
    assertThat(m.proc().byPid(2).orElseThrow()).isSameInstanceAs(p);
    assertThat(p.size()).isEqualTo(sz);
    assertThat(p.state()).isEqualTo(state);
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
  }

  @Test
  void resetUndoesFileSystemChanges() throws Exception {
    Machine m = Machines.runner(Map.of("prog", busyProgram().elf()));
    Machine.Snapshot s = m.snapshot();
    m.spawn("/prog", java.util.List.of("prog"));
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    m.reset(s);
    m.spawn("/prog", java.util.List.of("prog"));
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
    // The second run starts from an empty file again: 20 writes of 1000 bytes.
    var ip = m.fs().namei("/out".getBytes(ISO_8859_1), m.fs().root());
    assertThat(ip).isPresent();
    m.fs().ilock(ip.get());
    assertThat(ip.get().size()).isEqualTo(20_000);
    m.fs().iunlock(ip.get());
  }

  @Test
  void aSnapshotBelongsToItsMachine() {
    Machine a = Machines.runner(Map.of("prog", busyProgram().elf()));
    Machine b = Machines.runner(Map.of("prog", busyProgram().elf()));
    Machine.Snapshot s = a.snapshot();
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.reset(s));
  }

  @Test
  void takingASnapshotDoesNotChangeTheRun() {
    // Two machines run the same program; one is snapshotted every 777 instructions, in the
    // middle of quanta. Both end at the same instruction count with the same output.
    long[] cycles = new long[2];
    String[] out = new String[2];
    for (int k = 0; k < 2; k++) {
      Machine m = Machines.runner(Map.of("prog", twoSpinners().elf()));
      try {
        m.spawn("/prog", java.util.List.of("prog"));
      } catch (Machine.BootException e) {
        throw new AssertionError(e);
      }
      Machine.Outcome o;
      do {
        o = m.run(7777);
        if (k == 1 && o instanceof Machine.Outcome.BudgetSpent) {
          String states =
              m.proc().live().stream()
                  .map(q -> q.pid() + ":" + q.state())
                  .reduce("", String::concat);
          m.snapshot();
          assertThat(
                  m.proc().live().stream()
                      .map(q -> q.pid() + ":" + q.state())
                      .reduce("", String::concat))
              .isEqualTo(states);
        }
      } while (o instanceof Machine.Outcome.BudgetSpent);
      assertThat(o).isEqualTo(Machines.exited(0));
      cycles[k] = m.cycles();
      out[k] = m.output();
    }
    assertThat(cycles[1]).isEqualTo(cycles[0]);
    assertThat(out[1]).isEqualTo(out[0]);
    assertThat(out[0]).contains("P");
    assertThat(out[0]).contains("C");
  }

  /**
   * Every field of the scheduler's state, whatever it holds after the snapshot, holds the
   * snapshot's value after a reset: each field is changed by reflection (so a field added later is
   * covered without touching this test), then the machine is reset and compared field by field. The
   * console's input state, the other whole-copied object, gets the same treatment.
   */
  @Test
  void resetRestoresEveryFieldOfTheWholeCopiedState() throws Exception {
    Machine m = Machines.runner(Map.of("prog", busyProgram().elf()));
    m.spawn("/prog", java.util.List.of("prog"));
    assertThat(m.run(200)).isEqualTo(new Machine.Outcome.BudgetSpent());
    m.consoleInput("typed ahead\n");
    Machine.Snapshot s = m.snapshot();
    Map<String, Object> sched = fieldsOf(m.proc.sched);
    Map<String, Object> input = fieldsOf(m.console.in);
    assertThat(sched.keySet()).contains("cycles");
    assertThat(input.keySet()).contains("pending");

    perturb(m.proc.sched, m);
    perturb(m.console.in, m);
    assertThat(fieldsOf(m.proc.sched)).isNotEqualTo(sched);
    m.reset(s);

    assertSameFields(fieldsOf(m.proc.sched), sched);
    assertSameFields(fieldsOf(m.console.in), input);
    assertThat(Machines.finish(m)).isEqualTo(Machines.exited(0));
  }

  /**
   * State outside the whole-copied objects would be copied by hand or not at all: the kernel's
   * top-level objects hold none but these (each restored by KernelState or deliberately kept).
   */
  @Test
  void noMutableStateBesideTheCopiedObjects() {
    assertThat(mutableFields(Machine.class)).containsExactly("fs", "panicMessage");
    assertThat(mutableFields(Proc.class)).containsExactly("nextpid", "initproc", "sched");
    assertThat(mutableFields(Console.class)).containsExactly("in", "echo", "out", "outLen");
  }

  private static java.util.List<String> mutableFields(Class<?> c) {
    return java.util.Arrays.stream(c.getDeclaredFields())
        .filter(f -> !java.lang.reflect.Modifier.isStatic(f.getModifiers()))
        .filter(f -> !java.lang.reflect.Modifier.isFinal(f.getModifiers()))
        .map(java.lang.reflect.Field::getName)
        .toList();
  }

  private static java.util.List<java.lang.reflect.Field> instanceFields(Object o) {
    return java.util.Arrays.stream(o.getClass().getDeclaredFields())
        .filter(f -> !java.lang.reflect.Modifier.isStatic(f.getModifiers()))
        .peek(f -> f.setAccessible(true))
        .toList();
  }

  private static Map<String, Object> fieldsOf(Object o) throws IllegalAccessException {
    Map<String, Object> out = new java.util.TreeMap<>();
    for (java.lang.reflect.Field f : instanceFields(o)) {
      Object v = f.get(o);
      out.put(f.getName(), v instanceof byte[] b ? java.util.List.of(b.clone()) : v);
    }
    return out;
  }

  /** Gives every field a value it cannot have had at the snapshot. */
  private static void perturb(Object o, Machine m) throws IllegalAccessException {
    Process stranger = m.proc.procs[Param.NPROC - 1]; // never used by this run
    for (java.lang.reflect.Field f : instanceFields(o)) {
      Class<?> t = f.getType();
      if (t == long.class) {
        f.setLong(o, f.getLong(o) + 12345);
      } else if (t == int.class) {
        f.setInt(o, f.getInt(o) + 12345);
      } else if (t == boolean.class) {
        f.setBoolean(o, !f.getBoolean(o));
      } else if (t == byte[].class) {
        f.set(o, new byte[] {42});
      } else if (t == Process.class) {
        f.set(o, stranger);
      } else if (t == Machine.Outcome.class) {
        f.set(o, new Machine.Outcome.Exited(-7, -7));
      } else {
        throw new AssertionError("no way to perturb " + f + ": extend this test");
      }
    }
  }

  private static void assertSameFields(Map<String, Object> after, Map<String, Object> before) {
    assertThat(after.keySet()).isEqualTo(before.keySet());
    for (String name : before.keySet()) {
      Object a = after.get(name);
      Object b = before.get(name);
      if (a instanceof java.util.List<?> la && b instanceof java.util.List<?> lb) {
        assertWithMessage(name).that((byte[]) la.get(0)).isEqualTo((byte[]) lb.get(0));
      } else if (b instanceof Process) {
        assertWithMessage(name).that(a).isSameInstanceAs(b);
      } else {
        assertWithMessage(name).that(a).isEqualTo(b);
      }
    }
  }

  /** Parent and child each spin and print a letter, five times: quanta decide the order. */
  private static UserProgram twoSpinners() {
    UserProgram p = new UserProgram(KERNEL_TESTS).str("p", "P").str("c", "C");
    String child = p.fresh();
    p.sys(SYS_fork);
    p.a
        .mv(S2, A0)
        .li(S1, 5)
        .label("round")
        .li(A2, 30_000)
        .label("spin")
        .addi(A2, A2, -1)
        .bnez(A2, "spin")
        .beqz(S2, child);
    p.print(1, "p");
    p.a.j("next");
    p.a.label(child);
    p.print(1, "c");
    p.a.label("next").addi(S1, S1, -1).bnez(S1, "round").bnez(S2, "parent");
    p.exit(0);
    p.a.label("parent").li(A0, 0);
    p.sys(SYS_wait).exit(0);
    return p;
  }
}
