package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.elf.Elf64.ElfException;

/** What the fuzzer is handed for the toy kernel, and the functions a report names. */
class GuestCoverageTest {
  /** The (edge, hit class) features of one run, as Jazzer would receive them. */
  private static Set<Long> features(String input) {
    Set<Long> got = new HashSet<>();
    GuestMagicKernel k = new GuestMagicKernel((edge, c) -> got.add((long) edge << 8 | c));
    k.run(input.getBytes(StandardCharsets.ISO_8859_1));
    k.coverage.feed();
    return got;
  }

  @Test
  void eachMagicBytePassedIsANewFeature() {
    Set<Long> seen = new HashSet<>();
    for (String in : new String[] {"xxxxxx", "Cxxxxx", "CKxxxx", "CKPxxx", "CKPTxx"}) {
      Set<Long> f = features(in);
      assertThat(f).isNotEmpty();
      assertThat(seen.containsAll(f)).isFalse(); // something libFuzzer has not seen before
      seen.addAll(f);
    }
    assertThat(features("CKPxxx")).isEqualTo(features("CKPxxx"));
  }

  @Test
  void hitClassesAreAfls() {
    int[] want = {0, 1, 2, 3, 4, 4, 4, 4, 5};
    for (int c = 0; c < want.length; c++) {
      assertThat(GuestCoverage.hitClass(c)).isEqualTo(want[c]);
    }
    assertThat(GuestCoverage.hitClass(15)).isEqualTo(5);
    assertThat(GuestCoverage.hitClass(16)).isEqualTo(6);
    assertThat(GuestCoverage.hitClass(127)).isEqualTo(7);
    assertThat(GuestCoverage.hitClass(255)).isEqualTo(8);
  }

  @Test
  void reportsNameTheFunctionsReached() {
    GuestMagicKernel k = new GuestMagicKernel((edge, c) -> {});
    k.coverage.trackFunctions(true);
    assertThat(k.run("nope".getBytes(StandardCharsets.ISO_8859_1))).isFalse();
    k.coverage.feed();
    assertThat(k.coverage.functionNamesReached())
        .containsExactly("_entry", "scan", "check_magic")
        .inOrder();
    assertThat(k.run(GuestMagicKernel.MAGIC)).isTrue();
    k.coverage.feed();
    List<String> names = k.coverage.functionNamesReached();
    assertThat(names).containsExactly("_entry", "scan", "check_magic", "found").inOrder();
    assertThat(k.coverage.report()).startsWith("kernel functions reached: 4 of 4\n");
  }

  @Test
  void aKernelWithoutCodeIsRefused() {
    byte[] dataOnly =
        new Elf64Writer()
            .segment(0x8000_0000L, new byte[16], Elf64Writer.PF_R | Elf64Writer.PF_X)
            .segment(0x8000_1000L, new byte[16], Elf64Writer.PF_R | Elf64Writer.PF_W)
            .entry(0x8000_0000L)
            .write();
    dataOnly[64 + 4] = Elf64Writer.PF_R; // the text segment's p_flags lose X
    ElfException e =
        assertThrows(ElfException.class, () -> GuestCoverage.forKernel(dataOnly, (a, b) -> {}));
    assertThat(e).hasMessageThat().contains("no executable");
  }

  /** The toy kernel as a fuzz target on a C kernel: its coverage is the target's guest coverage. */
  private static FuzzTarget toyTarget(GuestMagicKernel toy) {
    return new FuzzTarget() {
      @Override
      public String name() {
        return "toy";
      }

      @Override
      public Verdict run(byte[] input) {
        toy.run(input);
        toy.coverage.feed();
        return new Verdict.Pass("ran");
      }

      @Override
      public java.util.Optional<GuestCoverage> guestCoverage() {
        return java.util.Optional.of(toy.coverage);
      }
    };
  }

  @Test
  void aCorpusNamesTheKernelFunctionsItsInputsReach() {
    byte[] wrong = "xxxxx".getBytes(StandardCharsets.ISO_8859_1);
    String some =
        GuestCoverage.functionsReachedBy(
                toyTarget(new GuestMagicKernel((edge, hits) -> {})), List.of(wrong))
            .orElseThrow();
    assertThat(some).contains("check_magic");
    assertThat(some).doesNotContain("found");
    String all =
        GuestCoverage.functionsReachedBy(
                toyTarget(new GuestMagicKernel((edge, hits) -> {})),
                List.of(wrong, GuestMagicKernel.MAGIC))
            .orElseThrow();
    assertThat(all).contains("found");
    assertThat(all).startsWith("kernel functions reached: 4 of 4");
    // a target on the Java kernel has no guest functions to name
    assertThat(GuestCoverage.functionsReachedBy(new IsolationTarget(), List.of(wrong))).isEmpty();
  }
}
