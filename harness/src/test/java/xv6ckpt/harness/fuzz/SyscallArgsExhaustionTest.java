package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import xv6ckpt.kernel.Exhaustion;

/**
 * syscall-args reaches every fixed table (issue 15, item 2): each seed of {@link SyscallArgsSeeds}
 * is committed in the corpus byte for byte (so every campaign starts from it and every {@code mvn
 * test} replays it) and still fills its table: the machine reports the exhaustion, and the target
 * passes (xv6's -1 to the calls that found it full; no leak; fsck clean; the kernel-wide invariant
 * held at every call's return), or meets its accepted panic by name.
 */
class SyscallArgsExhaustionTest {
  private static final SyscallArgsTarget TARGET = new SyscallArgsTarget();
  private static final Path CORPUS = Path.of("..", "corpus", "syscall-args");

  @Test
  void everySeedIsInTheCorpusAndReachesItsTable() throws IOException {
    Set<Exhaustion> reached = EnumSet.noneOf(Exhaustion.class);
    for (SyscallArgsSeeds.Seed s : SyscallArgsSeeds.all()) {
      Path file = CORPUS.resolve("seed-exhaust-" + s.name());
      assertWithMessage("%s (write it with SyscallArgsSeeds.main)", file)
          .that(Files.exists(file) ? Files.readAllBytes(file) : new byte[0])
          .isEqualTo(s.input());
      FuzzTarget.Verdict v = TARGET.run(s.input());
      assertWithMessage(s.name()).that(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
      if (s.acceptedPanic().isPresent()) {
        assertWithMessage(s.name())
            .that(v.summary())
            .startsWith(Verdicts.ACCEPTED + s.acceptedPanic().get());
      } else {
        Exhaustion e = s.reaches().orElseThrow();
        assertWithMessage(s.name() + ": " + v.summary())
            .that(TARGET.machine().exhausted())
            .contains(e);
        assertWithMessage(s.name()).that(v.summary()).doesNotContain(Verdicts.ACCEPTED);
        reached.add(e);
      }
    }
    assertThat(reached).containsExactlyElementsIn(EnumSet.allOf(Exhaustion.class));
  }

  @Test
  void anEmptyInputFillsNoTable() {
    TARGET.run(new byte[0]);
    assertThat(TARGET.machine().exhausted()).isEmpty();
  }
}
