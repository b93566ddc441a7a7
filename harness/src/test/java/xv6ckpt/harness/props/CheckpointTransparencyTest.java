package xv6ckpt.harness.props;

import xv6ckpt.harness.Xv6Abi;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.props.GenProgram.Op;
import xv6ckpt.kernel.Machine;
import xv6ckpt.specs.Image.Page;

/**
 * Invariant 2, checkpoint transparency: a generated program run without interruption ends
 * exactly like the same program checkpointed (by itself before operation k, or by another
 * process after k instructions), the machine thrown away, a new machine booted on the same
 * disk, the image restored and run to the end: the same console output (before the capture
 * on the first machine, after it on the second), the same registers, sz and pages when it
 * blocks in its last read, the same exit status. The program is pid 2 in every run (the
 * restorer on the second machine is pid 2 and restore keeps the caller's pid).
 */
@AddLifecycleHook(ScaledTries.class)
class CheckpointTransparencyTest {

  /** The end of a run: output, the state blocked in the final read, the exit status. */
  record End(String output, Rig.UserState state, Machine.Outcome exit) {}

  @Provide
  Arbitrary<List<Op>> programs() {
    return GenProgram.ops().list().ofMaxSize(30);
  }

  @Property(tries = 60)
  void selfCheckpointAtOperationKIsInvisible(@ForAll("programs") List<Op> ops,
      @ForAll @IntRange(min = 0, max = 30) int k) {
    int at = Math.min(k, ops.size());
    GenProgram.Built stand = GenProgram.build(ops, new GenProgram.Checkpoint(at, false));
    End plain = uninterrupted(stand.elf());
    MemoryBlockDevice disk = Rig.disk(Map.of(
        "prog", GenProgram.build(ops, new GenProgram.Checkpoint(at, true)).elf(),
        "rs", restorer()));
    Machine first = Rig.runner(disk);
    Rig.spawn(first, "prog");
    assertThat(Rig.finish(first)).isEqualTo(new Machine.Outcome.Exited(2, 0));
    String before = beforeMark(first.output());
    Statistics.label("capture").collect("self");
    collectMix(ops);
    compare(plain, before, restoredRun(disk), stand.ckptCall());
  }

  @Property(tries = 60)
  void externalCheckpointAfterKInstructionsIsInvisible(@ForAll("programs") List<Op> ops,
      @ForAll @IntRange(min = 1, max = 4000) int k) {
    byte[] prog = GenProgram.build(ops, null).elf();
    End plain = uninterrupted(prog);
    MemoryBlockDevice disk = Rig.disk(Map.of("prog", prog, "ck", checkpointer(2),
        "rs", restorer()));
    Machine first = Rig.runner(disk);
    Rig.spawn(first, "prog");
    Machine.Outcome o = first.run(k);
    Statistics.label("capture").collect(o instanceof Machine.Outcome.Idle
        ? "external, blocked in read" : "external, running");
    collectMix(ops);
    int ck = Rig.spawn(first, "ck");
    assertThat(Rig.finish(first)).isEqualTo(new Machine.Outcome.Exited(ck, 0));
    compare(plain, beforeMark(first.output()), restoredRun(disk), -1);
    Statistics.label("capture").coverage(c -> {
      c.check("external, running").count(n -> n >= 1);
      c.check("external, blocked in read").count(n -> n >= 1);
    });
  }

  /** Shows (and insists) that the programs reach the heap, loops and console writes. */
  private static void collectMix(List<Op> ops) {
    Statistics.label("sbrk").collect(ops.stream().anyMatch(o -> o instanceof GenProgram.Sbrk));
    Statistics.label("loop").collect(ops.stream().anyMatch(o -> o instanceof GenProgram.Loop));
    Statistics.label("print").collect(ops.stream().anyMatch(o -> o instanceof GenProgram.Print));
    for (String l : List.of("sbrk", "loop", "print")) {
      Statistics.label(l).coverage(c -> c.check(true).percentage(p -> p >= 10));
    }
  }

  private static void compare(End plain, String before, End restored, long ckptCall) {
    assertThat(before + restored.output()).isEqualTo(plain.output());
    assertThat(restored.state().pc()).isEqualTo(plain.state().pc());
    assertThat(restored.state().x()).isEqualTo(plain.state().x());
    assertThat(restored.state().sz()).isEqualTo(plain.state().sz());
    assertThat(restored.state().pages())
        .containsExactlyElementsIn(ckptCall >= 0 ? asCheckpointed(plain.state().pages(), ckptCall)
            : plain.state().pages()).inOrder();
    assertThat(restored.exit()).isEqualTo(plain.exit());
  }

  /**
   * The uninterrupted self-checkpoint program holds {@code li a0, 1} where the checkpointed
   * one holds its ecall (same layout, same effect on the restored path); put the ecall back
   * so that the pages compare.
   */
  private static List<Page> asCheckpointed(List<Page> pages, long at) {
    List<Page> out = new ArrayList<>();
    for (Page p : pages) {
      if (at >= p.va() && at < p.va() + 4096) {
        byte[] d = p.data();
        int off = (int) (at - p.va());
        d[off] = 0x73;
        d[off + 1] = 0;
        d[off + 2] = 0;
        d[off + 3] = 0;
        p = new Page(p.va(), p.perm(), d);
      }
      out.add(p);
    }
    return out;
  }

  private static End uninterrupted(byte[] prog) {
    Machine m = Rig.runner(Rig.disk(Map.of("prog", prog)));
    Rig.spawn(m, "prog");
    return toEnd(m, 2);
  }

  private static End restoredRun(MemoryBlockDevice disk) {
    Machine second = Rig.runner(disk);
    Rig.spawn(second, "rs");
    return toEnd(second, 2);
  }

  /** Runs to the final read, reads the state, ends the input and runs to the exit. */
  private static End toEnd(Machine m, int pid) {
    assertThat(Rig.finish(m)).isEqualTo(new Machine.Outcome.Idle(true));
    Rig.UserState s = Rig.userState(m, pid);
    m.endConsoleInput();
    Machine.Outcome exit = Rig.finish(m);
    return new End(m.output(), s, exit);
  }

  private static String beforeMark(String out) {
    int i = out.indexOf('@');
    assertThat(i).isAtLeast(0);
    assertThat(out.indexOf('@', i + 1)).isEqualTo(-1);
    return out.substring(0, i);
  }

  /** checkpoint(pid, "/img"); exit with its result unless 0; print "@"; exit 0. */
  private static byte[] checkpointer(int pid) {
    Prog p = new Prog().str("path", "/img").str("mark", "@");
    p.a.li(A0, pid).la(A1, "path");
    p.sys(Xv6Abi.SYS_checkpoint);
    p.check(0, 100);
    p.print("mark");
    return p.exit(0).elf();
  }

  /** restore("/img"); on failure exit with the code. */
  private static byte[] restorer() {
    Prog p = new Prog().str("path", "/img");
    p.a.la(A0, "path");
    p.sys(Xv6Abi.SYS_restore);
    p.sys(Xv6Abi.SYS_exit);
    return p.elf();
  }
}
