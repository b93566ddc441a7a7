package xv6ckpt.harness.system;

import static com.google.common.truth.Truth.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;

/**
 * The transparency sweep's parts that need no C kernel (CI has none): the subject prints exactly
 * the lines its arithmetic predicts and writes its values to /tpf; checkpointed by tc at a typed
 * line and restored by rt on the Java kernel (the reference), it prints the rest of them; the
 * console reading tolerates the echo and a kernel line breaking the last line, nothing else.
 */
class TransparencySweepTest {
  private static final long MUL = 6364136223846793005L;

  /** The subject's lines and file as its documented arithmetic predicts. */
  private static List<String> predicted(ByteBuffer file) {
    List<String> lines = new ArrayList<>();
    long x = 1;
    long[] words = new long[(int) ((SweepPrograms.END - SweepPrograms.DATA) / 8)];
    for (int i = 0; i < SweepPrograms.ITERATIONS; i++) {
      x = x * MUL + i;
      words[(i & 3) * 512 + (i >> 2)] = x;
      words[SweepPrograms.ITERATIONS] = x; // the file write's buffer word
      lines.add(String.format(Locale.ROOT, "tp %016x %016x", i, x));
      file.putLong(x);
    }
    long sum = 0;
    for (long w : words) sum += w;
    lines.add(String.format(Locale.ROOT, "tp %016x", sum));
    lines.add(SweepPrograms.SUBJECT_DONE);
    return lines;
  }

  private static Machine machine() throws Exception {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    Mkfs.make(d, Mkfs.Options.stock(), List.of());
    TransparencySweep.addPrograms(d);
    return Machines.runner(d, Machines.LARGE);
  }

  @Test
  void theSubjectPrintsAndWritesWhatItsArithmeticPredicts() throws Exception {
    Machine m = machine();
    Machines.spawn(m, "tp");
    Machines.finish(m, 2_000_000_000L);
    ByteBuffer file = ByteBuffer.allocate(8 * SweepPrograms.ITERATIONS);
    file.order(ByteOrder.LITTLE_ENDIAN);
    assertThat(TransparencySweep.subjectLines(m.takeOutput())).isEqualTo(predicted(file));
    assertThat(Disks.readFile(m, SweepPrograms.SUBJECT_FILE).orElseThrow()).isEqualTo(file.array());
  }

  @Test
  void checkpointedByTcAndRestoredByRtTheSubjectGoesOnAsUninterrupted() throws Exception {
    List<String> reference = predicted(ByteBuffer.allocate(8 * SweepPrograms.ITERATIONS));
    Machine m = machine();
    Machines.spawn(m, "tc");
    m.run(60_000_000); // a few iterations in
    m.consoleInput(SweepPrograms.GO + "\n");
    Machines.finish(m, 2_000_000_000L);
    String said = m.takeOutput();
    assertThat(TransparencySweep.checkpointResult(said)).isEqualTo(0);
    List<String> before = TransparencySweep.subjectLines(said);
    assertThat(before).isNotEmpty();
    assertThat(TransparencySweep.firstDifference(before, reference)).isEqualTo(-1);

    Machine after = Machines.runner(m.disk(), Machines.LARGE); // a reboot on the same disk
    Machines.spawn(after, "rt");
    Machines.finish(after, 2_000_000_000L);
    List<String> rest = TransparencySweep.subjectLines(after.takeOutput());
    int from = reference.indexOf(rest.get(0));
    assertThat(from).isAtLeast(0);
    assertThat(from).isAtMost(before.size());
    assertThat(rest).isEqualTo(reference.subList(from, reference.size()));
  }

  @Test
  void theConsoleReadingKeepsWholeSubjectLinesOnly() {
    String broken =
        "tc\ntp 0000000000000000 5851f42d4c957f2d\ntp 00000000checkpoint: CKPT_BUSY (-4): x\n"
            + "tc: checkpoint -04\n$ ";
    assertThat(TransparencySweep.subjectLines(broken))
        .containsExactly("tp 0000000000000000 5851f42d4c957f2d");
    assertThat(TransparencySweep.checkpointResult(broken)).isEqualTo(-4);
    assertThat(TransparencySweep.firstDifference(List.of("a", "x"), List.of("a", "b", "c")))
        .isEqualTo(1);
    assertThat(TransparencySweep.firstDifference(List.of("a", "b"), List.of("a", "b", "c")))
        .isEqualTo(-1);
    assertThat(TransparencySweep.instants(100, 4)).containsExactly(25L, 50L, 75L, 100L).inOrder();
  }
}
