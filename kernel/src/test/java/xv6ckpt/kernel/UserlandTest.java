package xv6ckpt.kernel;

import static com.google.common.truth.Truth.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;

/**
 * The project's C user-land (kernel/user/bin, packed into the built-in image by the build) on this
 * kernel: init starts sh, sh runs pipelines, and ktest's checks all pass with no page leaked and a
 * clean file system afterwards.
 */
class UserlandTest {

  private static MemoryBlockDevice builtin() throws Exception {
    byte[] image =
        BuiltinImage.load()
            .orElseThrow(
                () -> new AssertionError("the build made no built-in image from kernel/user/bin"));
    return new MemoryBlockDevice(FsFormat.BSIZE, image);
  }

  @Test
  void initStartsTheShellWhichRunsAPipeline() throws Exception {
    Machine m = Machine.boot(builtin(), Machines.CONFIG);
    assertThat(m.run(50_000_000)).isEqualTo(new Machine.Outcome.Idle(true));
    assertThat(m.output()).endsWith("$ ");
    m.takeOutput();
    m.consoleInput("echo one two | wc\n");
    assertThat(m.run(50_000_000)).isEqualTo(new Machine.Outcome.Idle(true));
    assertThat(m.output()).startsWith("echo one two | wc\n");
    assertThat(m.output()).contains("1 2 8");
    assertThat(m.output()).endsWith("$ ");
  }

  @Test
  void ktestPassesWithoutLeaks() throws Exception {
    MemoryBlockDevice disk = builtin();
    Machine m = Machine.runner(disk, Machines.CONFIG);
    int before = m.kalloc().freePages();
    m.spawn("/ktest", List.of("ktest"));
    Machine.Outcome o = null;
    for (int i = 0; i < 100 && !(o instanceof Machine.Outcome.Exited); i++) {
      o = m.run(10_000_000);
    }
    assertThat(o).isEqualTo(new Machine.Outcome.Exited(2, 0));
    assertThat(m.output()).contains("ALL OK");
    assertThat(m.output()).doesNotContain("FAIL");
    assertThat(m.kalloc().freePages()).isEqualTo(before);
    assertThat(Fsck.check(disk).violations()).isEmpty();
  }
}
