package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import xv6ckpt.kernel.CheckpointImage;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;

/**
 * The kernel's validator (what restore runs before touching the caller) and the spec's decoder
 * judge every damaged image alike: both valid, or both the same first rule at the same offset.
 */
class ValidatorAgreementPropertyTest {

  /**
   * One kind of damage: whole little-endian words (of 1, 2, 4 or 8 bytes) set at offsets, then
   * maybe a new commit record, or a cut.
   */
  record Damage(List<Integer> offsets, List<Long> values, int width, boolean reseal, int cut) {
    byte[] apply(byte[] good) {
      byte[] b = good.clone();
      for (int i = 0; i < offsets.size(); i++) {
        int at = offsets.get(i) / width * width % b.length;
        for (int j = 0; j < width && at + j < b.length; j++) {
          b[at + j] = (byte) (values.get(i) >>> (8 * j));
        }
      }
      if (reseal) {
        b = ImageCodec.resealed(b);
      }
      return cut > 0 ? java.util.Arrays.copyOf(b, Math.max(0, b.length - cut)) : b;
    }
  }

  private static final byte[] GOOD = ImageCodec.encode(SpecImages.image(0xc0ffee, 2, 1));

  @Provide
  Arbitrary<Damage> damage() {
    // Offsets weighted to the front (the records) where most rules live, but anywhere.
    Arbitrary<Integer> offset =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0, 1100),
            Arbitraries.integers().between(0, 1100),
            Arbitraries.integers().between(0, GOOD.length - 1));
    // small numbers, page addresses, anything
    Arbitrary<Long> value =
        Arbitraries.oneOf(
            Arbitraries.longs().between(0, 20),
            Arbitraries.longs().between(0, 16).map(k -> k * 0x1000 + (k % 3 == 0 ? 8 : 0)),
            Arbitraries.longs());
    Arbitrary<Integer> count = Arbitraries.integers().between(1, 3);
    return count.flatMap(
        n ->
            Combinators.combine(
                    offset.list().ofSize(n),
                    value.list().ofSize(n),
                    Arbitraries.of(1, 2, 4, 8),
                    Arbitraries.of(true, true, false),
                    Arbitraries.oneOf(
                        Arbitraries.just(0),
                        Arbitraries.just(0),
                        Arbitraries.integers().between(1, GOOD.length)))
                .as(Damage::new));
  }

  @Property(tries = 1500)
  void theKernelNamesTheSpecsRuleAtTheSpecsOffset(@ForAll("damage") Damage d) {
    byte[] b = d.apply(GOOD);
    Verdict spec = ImageCodec.decode(b);
    CheckpointImage.Verdict kernel = CheckpointImage.check(b);
    if (spec instanceof Verdict.Invalid bad) {
      assertWithMessage("spec: %s", bad).that(kernel).isInstanceOf(CheckpointImage.Invalid.class);
      CheckpointImage.Invalid k = (CheckpointImage.Invalid) kernel;
      assertWithMessage("spec: %s; kernel: %s", bad, k).that(k.code()).isEqualTo(bad.rule().code());
      assertWithMessage("spec: %s; kernel: %s", bad, k).that(k.offset()).isEqualTo(bad.offset());
    } else {
      assertWithMessage("the spec calls it valid")
          .that(kernel)
          .isNotInstanceOf(CheckpointImage.Invalid.class);
    }
  }
}
