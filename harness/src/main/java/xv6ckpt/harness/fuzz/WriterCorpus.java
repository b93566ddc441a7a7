package xv6ckpt.harness.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The seed corpus of checkpoint-writer: every way of capture to a new path, and replacing an image
 * with power cuts early, in the middle and after the swap; one way of capture through the other
 * paths, cut points and an allocation failure; the refusals (a pipe, a device open) and a closed
 * console. {@code main(dir)} writes them as "seed-MODE-PATH-FAULT" files (run from the repository
 * root with {@code corpus/checkpoint-writer}); {@code CheckpointWriterTargetTest} checks that the
 * committed files are these and pass.
 */
public final class WriterCorpus {
  private WriterCorpus() {}

  public static void main(String[] args) throws IOException {
    for (String dir : args) {
      Path d = Path.of(dir);
      Files.createDirectories(d);
      for (Map.Entry<String, byte[]> e : entries().entrySet()) {
        Files.write(d.resolve(e.getKey()), e.getValue());
      }
    }
  }

  /** Files: /f1 read at an offset, /f2 written, the root directory, fd 0 duplicated. */
  private static final int FILES = 1 | 2 | 4 | 16;

  static Map<String, byte[]> entries() {
    Map<String, byte[]> out = new LinkedHashMap<>();
    for (CheckpointWriterTarget.Mode mode : CheckpointWriterTarget.Mode.values()) {
      String m = mode.name().toLowerCase(Locale.ROOT).replace('_', '-');
      out.put("seed-" + m + "-new-none", input(mode, 0, FILES, 0, 0));
      out.put("seed-" + m + "-replace-d-cut3", input(mode, 3, FILES, 1, 3));
      out.put("seed-" + m + "-replace-cut90", input(mode, 1, FILES, 1, 90));
      out.put("seed-" + m + "-replace-cut210", input(mode, 1, FILES, 1, 210));
    }
    // One way of capture through the other paths, faults and cut points.
    CheckpointWriterTarget.Mode self = CheckpointWriterTarget.Mode.SELF_ZERO;
    out.put("seed-self-zero-replace-d-none", input(self, 3, FILES | 8, 0, 0));
    out.put("seed-self-zero-new-cut20", input(self, 0, FILES, 1, 20));
    out.put("seed-self-zero-replace-d-cut150", input(self, 3, FILES, 1, 150));
    out.put("seed-self-zero-replace-allocfail1", input(self, 1, FILES, 2, 0));
    out.put("seed-self-zero-pipe", input(self, 1, 32, 0, 0));
    out.put(
        "seed-child-sleeping-device",
        input(CheckpointWriterTarget.Mode.CHILD_SLEEPING, 1, 64, 0, 0));
    out.put(
        "seed-self-zero-console-closed", input(CheckpointWriterTarget.Mode.SELF_ZERO, 0, 8, 0, 0));
    return out;
  }

  /**
   * The input for a scenario: mode, path bits (1 replace, 2 in /d), 2 eager pages, a lazy region of
   * 12 pages touched at 1 and 7, files, 10 bytes moved, the fault and its n, ten registers.
   */
  private static byte[] input(
      CheckpointWriterTarget.Mode mode, int path, int files, int fault, int n) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(mode.ordinal());
    b.write(path);
    b.write(2);
    b.write(12);
    b.write(2);
    b.write(1);
    b.write(7);
    b.write(files);
    b.write(10);
    b.write(fault);
    b.write(n & 0xff);
    b.write(n >> 8);
    for (int i = 0; i < 10 * 8; i++) {
      b.write(i * 37 + 11);
    }
    return b.toByteArray();
  }
}
