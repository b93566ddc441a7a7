package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.emulator.asm.Reg.T1;
import static xv6ckpt.testkit.UserProgram.PACKED;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.Observe;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Verdict;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Kernel writes, spec reads: every image the kernel writes decodes under the spec's decoder, and to
 * exactly the image {@link CheckpointModel#checkpoint} predicts for the process as the harness
 * observes it (its own page-table walk, the kernel's public registers and files).
 */
class KernelImagesTest {

  /**
   * Each law runs on both disk layouts: big files (doubly-indirect blocks, larger chunks) and stock
   * xv6's (a singly-indirect block only, so the image goes out in the stock layout's small chunks;
   * issue 15 item 5: every checkpoint test used big-files disks).
   */
  enum DiskLayout {
    BIG_FILES,
    STOCK;

    MemoryBlockDevice disk(Map<String, byte[]> files) {
      return this == BIG_FILES ? Disks.withFiles(8000, files) : Disks.stockWithFiles(8000, files);
    }
  }

  private static final Map<String, byte[]> DATA = Map.of("data", "0123456789".getBytes(ISO_8859_1));

  private static Image decoded(Machine m) {
    Verdict v =
        ImageCodec.decode(
            Disks.readFile(m, "/img").orElseThrow(() -> new AssertionError("no file /img")));
    assertWithMessage("the spec's verdict on the kernel's image")
        .that(v)
        .isInstanceOf(Verdict.Valid.class);
    return ((Verdict.Valid) v).image();
  }

  /**
   * A program that sets itself up (setup), checkpoints itself and spins: the caller is then
   * observed as it stood at its ecall (pc back on it; a0 was 0, the argument, and is 0, the
   * result), and the image must be the model's.
   */
  private static void selfCheckpoint(DiskLayout layout, Consumer<UserProgram> setup) {
    UserProgram p =
        new UserProgram(PACKED)
            .str("path", "img")
            .str("data", "data")
            .str("new", "new")
            .str("root", "/");
    setup.accept(p);
    p.a.li(A0, 0);
    long ecall = p.checkpoint("path");
    p.a.label("spin").j("spin");
    Map<String, byte[]> files = new TreeMap<>(DATA);
    files.put("prog", p.elf());
    Machine m = Machines.runner(layout.disk(files), Machines.LARGE);
    int pid = Machines.spawn(m, "prog");
    assertThat(m.run(5_000_000)).isEqualTo(new Machine.Outcome.BudgetSpent());
    Process caller = m.proc().byPid(pid).orElseThrow();
    ModelProcess now = Observe.process(m, caller, ModelProcess.State.RUNNING);
    ModelProcess atEcall =
        new ModelProcess(
            now.pid(),
            now.name(),
            now.state(),
            now.sz(),
            now.pages(),
            now.regs().withPc(ecall),
            now.files(),
            now.inSyscall());
    Image image = decoded(m);
    var expected = CheckpointModel.checkpoint(atEcall, List.of(), 0, image.header().imageId());
    assertThat(expected).isInstanceOf(CheckpointModel.CheckpointResult.Written.class);
    assertThat(image).isEqualTo(((CheckpointModel.CheckpointResult.Written) expected).image());
  }

  @ParameterizedTest
  @EnumSource(DiskLayout.class)
  void selfCheckpointOfAFreshProgram(DiskLayout layout) {
    selfCheckpoint(layout, p -> {});
  }

  @ParameterizedTest
  @EnumSource(DiskLayout.class)
  void selfCheckpointWithFilesOpenAtOffsets(DiskLayout layout) {
    selfCheckpoint(
        layout,
        p -> {
          p.a.la(A0, "data").li(A1, Xv6Abi.O_RDONLY);
          p.sys(Xv6Abi.SYS_open); // fd 3 at offset 4
          p.a.li(A0, 3).la(A1, "bss").li(A2, 4);
          p.sys(Xv6Abi.SYS_read);
          p.a.la(A0, "new").li(A1, Xv6Abi.O_CREATE | Xv6Abi.O_RDWR);
          p.sys(Xv6Abi.SYS_open); // fd 4 at offset 3
          p.a.li(A0, 4).la(A1, "bss").li(A2, 3);
          p.sys(Xv6Abi.SYS_write);
          p.a.la(A0, "root").li(A1, Xv6Abi.O_RDONLY);
          p.sys(Xv6Abi.SYS_open); // fd 5, a directory
        });
  }

  @ParameterizedTest
  @EnumSource(DiskLayout.class)
  void selfCheckpointWithHeapAndLazyHoles(DiskLayout layout) {
    selfCheckpoint(
        layout,
        p -> {
          p.a.li(A0, 64 << 10).li(A1, 1);
          p.sys(Xv6Abi.SYS_sbrk);
          p.a.li(A0, 1 << 20).li(A1, 2); // lazy: only touched pages are mapped
          p.sys(Xv6Abi.SYS_sbrk);
          p.a.mv(S1, A0).li(T1, 0x77).sd(T1, 0, S1).li(T0, 600 << 10).add(T0, T0, S1).sd(T1, 8, T0);
        });
  }

  /**
   * pid 2 forks the target (pid 3), lets it run for three ticks, checkpoints it and exits at once,
   * so the target is observed as the checkpoint saw it.
   */
  private static void externalCheckpoint(DiskLayout layout, Consumer<UserProgram> target) {
    UserProgram p = new UserProgram(PACKED).str("path", "img");
    p.sys(Xv6Abi.SYS_fork);
    p.a.beqz(A0, "target").mv(S1, A0).li(A0, 3);
    p.sys(Xv6Abi.SYS_sleep);
    p.a.mv(A0, S1);
    p.checkpoint("path");
    p.sys(Xv6Abi.SYS_exit);
    p.a.label("target");
    target.accept(p);
    Machine m = Machines.runner(layout.disk(Map.of("prog", p.elf())), Machines.LARGE);
    Machines.spawn(m, "prog");
    assertWithMessage(m.output())
        .that(Machines.finish(m, Machines.LONG_RUN))
        .isEqualTo(new Machine.Outcome.Exited(2, 0));
    Process t = m.proc().byPid(3).orElseThrow();
    ModelProcess target3 = Observe.process(m, t, ModelProcess.State.valueOf(t.state().name()));
    ModelProcess caller =
        new ModelProcess(
            2,
            "prog",
            ModelProcess.State.RUNNING,
            0,
            List.of(),
            Image.Registers.zero(0),
            new TreeMap<>(),
            Image.SyscallRestart.NONE);
    Image image = decoded(m);
    var expected =
        CheckpointModel.checkpoint(caller, List.of(target3), 3, image.header().imageId());
    assertThat(expected).isInstanceOf(CheckpointModel.CheckpointResult.Written.class);
    assertThat(image).isEqualTo(((CheckpointModel.CheckpointResult.Written) expected).image());
  }

  @ParameterizedTest
  @EnumSource(DiskLayout.class)
  void externalCheckpointOfAProcessComputing(DiskLayout layout) {
    externalCheckpoint(layout, p -> p.a.label("loop").addi(T0, T0, 1).j("loop"));
  }

  @ParameterizedTest
  @EnumSource(DiskLayout.class)
  void externalCheckpointOfAProcessAsleep(DiskLayout layout) {
    externalCheckpoint(
        layout,
        p -> {
          p.a.li(A0, 1000);
          p.sys(Xv6Abi.SYS_sleep);
          p.exit(0);
        });
  }

  @ParameterizedTest
  @EnumSource(DiskLayout.class)
  void externalCheckpointOfAProcessWaitingForItsChild(DiskLayout layout) {
    externalCheckpoint(
        layout,
        p -> {
          p.sys(Xv6Abi.SYS_fork);
          p.a.beqz(A0, "grandchild").la(A0, "bss");
          p.sys(Xv6Abi.SYS_wait);
          p.exit(0);
          p.a.label("grandchild").li(A0, 1000);
          p.sys(Xv6Abi.SYS_sleep);
          p.exit(0);
        });
  }

  @ParameterizedTest
  @EnumSource(DiskLayout.class)
  void externalCheckpointOfAProcessReadingTheConsole(DiskLayout layout) {
    externalCheckpoint(
        layout,
        p -> {
          p.a.li(A0, 0).la(A1, "bss").li(A2, 100);
          p.sys(Xv6Abi.SYS_read);
          p.exit(0);
        });
  }
}
