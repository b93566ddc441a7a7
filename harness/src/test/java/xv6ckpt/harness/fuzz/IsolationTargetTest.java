package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.specs.Xv6;

/**
 * isolation on the Java kernel (CI has no xv6; the C kernel runs in {@code xv6-kit/judge.sh}): the
 * committed seeds are the generator's and pass; they reach every call kind; and each mistake
 * planted where the intruder's calls are done is reported by the check meant for it.
 */
class IsolationTargetTest {
  private static final Path CORPUS = Path.of("..", "corpus", "isolation");

  /** One target for the seeds: its setup (boot, spawn, snapshot) is done once. */
  private static final IsolationTarget CLEAN = new IsolationTarget();

  @Test
  void committedSeedsAreTheGeneratorsAndPass() throws IOException {
    Map<String, byte[]> want = IsolationSeeds.seeds();
    Map<String, byte[]> got = new TreeMap<>();
    try (Stream<Path> files = Files.list(CORPUS)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("seed-")).toList()) {
        got.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    assertThat(got.keySet()).containsExactlyElementsIn(want.keySet());
    for (Map.Entry<String, byte[]> e : want.entrySet()) {
      assertWithMessage(e.getKey()).that(got.get(e.getKey())).isEqualTo(e.getValue());
      FuzzTarget.Verdict v = CLEAN.run(e.getValue());
      assertWithMessage("%s: %s", e.getKey(), v.summary())
          .that(v)
          .isInstanceOf(FuzzTarget.Verdict.Pass.class);
      assertThat(v.summary()).contains("registers and pages unchanged");
    }
  }

  @Test
  void seedsReachEveryCallKindAndTheDecoderReadsWhatTheEncoderWrote() {
    java.util.Set<String> kinds = new java.util.HashSet<>();
    for (byte[] in : IsolationSeeds.seeds().values()) {
      List<IsolationTarget.Call> calls = IsolationTarget.decode(in);
      assertThat(IsolationTarget.encode(calls)).isEqualTo(in);
      for (IsolationTarget.Call c : calls) kinds.add(c.getClass().getSimpleName());
    }
    assertThat(kinds)
        .containsExactly(
            "WriteFrom", "ReadInto", "Sbrk", "ForkExit", "CkptVictim", "BadRestore", "BadExec");
  }

  private static final byte[] MIXED = IsolationSeeds.seeds().get("seed-mixed-0");

  @Test
  void aVictimPageChangedIsReportedByTheHarnessWalk() {
    IsolationTarget t =
        IsolationTarget.withPlant(
            (m, space) ->
                UserPages.write(
                    m.memory(), space, IsolationPrograms.V_SAVE + 0x800, new byte[] {0x42}));
    FuzzTarget.Verdict v = t.run(MIXED);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    assertThat(((FuzzTarget.Verdict.Fail) v).rule()).isEqualTo("victim-pages");
    assertThat(v.summary()).contains("page 0x3000: byte 0x800 is 0x42");
  }

  @Test
  void aVictimRegisterChangedIsReportedByTheVictim() {
    // The Java kernel keeps a blocked process's registers in its trapframe at xv6's offsets.
    IsolationTarget t =
        IsolationTarget.withPlant(
            (m, space) -> {
              long pte = UserPages.leafPte(m.memory(), space, Xv6.TRAPFRAME);
              long frame = (pte >>> 10) << 12;
              m.memory().write64(frame + 80, 12345); // t1 (x6)
            });
    FuzzTarget.Verdict v = t.run(MIXED);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    assertThat(((FuzzTarget.Verdict.Fail) v).rule()).isEqualTo("victim-registers");
    assertThat(v.summary()).contains("the victim found changed: x6 (t1)");
  }

  @Test
  void aLeakedPageIsReported() {
    IsolationTarget t = IsolationTarget.withPlant((m, space) -> m.kalloc().kalloc());
    FuzzTarget.Verdict v = t.run(MIXED);
    assertThat(v).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    assertThat(((FuzzTarget.Verdict.Fail) v).rule()).isEqualTo("page-leak");
  }

  @Test
  void victimVerdictNamesWhatChanged() {
    assertThat(IsolationTarget.victimVerdict("x\niv: 00000000\n")).isEmpty();
    assertThat(IsolationTarget.victimVerdict("iv: 00000401\n"))
        .hasValue("the victim found changed: its code and data pages' checksum, x10 (a0)");
    assertThat(IsolationTarget.victimVerdict("$ ")).hasValue("the victim printed no verdict");
  }
}
