package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * checkpoint-writer on its seeds: the committed corpus is exactly {@link WriterCorpus}'s, every
 * seed passes, and the seeds reach each outcome the oracle distinguishes (an image written and
 * checked, a refusal, the old image after a cut, the new one after a cut past the swap).
 */
class CheckpointWriterTargetTest {
  private static final CheckpointWriterTarget TARGET = new CheckpointWriterTarget();

  @Test
  void seedsAreCommittedPassAndReachEveryOutcome() throws IOException {
    Set<String> outcomes = new TreeSet<>();
    for (Map.Entry<String, byte[]> e : WriterCorpus.entries().entrySet()) {
      Path f = Path.of("..", "corpus", "checkpoint-writer", e.getKey());
      assertWithMessage("%s (run WriterCorpus)", f).that(Files.exists(f)).isTrue();
      assertWithMessage("%s", f).that(Files.readAllBytes(f)).isEqualTo(e.getValue());
      FuzzTarget.Verdict v = TARGET.run(e.getValue());
      assertWithMessage(e.getKey()).that(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
      String s = v.summary();
      outcomes.add(
          s.contains("refused")
              ? "refused"
              : s.contains("old image")
                  ? "old after cut"
                  : s.contains("power cut") ? "new after cut" : "written");
    }
    assertThat(outcomes).containsExactly("refused", "old after cut", "new after cut", "written");
  }

  @Test
  void sameInputSameVerdict() {
    byte[] in = WriterCorpus.entries().get("seed-child-sleeping-replace-cut90");
    assertThat(TARGET.run(in)).isEqualTo(TARGET.run(in));
  }

  @Test
  void everyByteStringIsAnInput() {
    for (byte[] in : new byte[][] {{}, {5}, {(byte) 0xff, (byte) 0xff, (byte) 0xff}}) {
      assertThat(TARGET.run(in)).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    }
  }
}
