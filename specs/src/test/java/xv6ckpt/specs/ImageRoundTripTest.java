package xv6ckpt.specs;

import static com.google.common.truth.Truth.assertThat;

import java.util.Arrays;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/** The codec's laws over generated valid images. */
class ImageRoundTripTest {
  @Provide
  Arbitrary<Image> validImages() {
    return ImageArbitraries.validImages();
  }

  @Property(tries = 300)
  void decodingAnEncodedImageGivesItBack(@ForAll("validImages") Image image) {
    byte[] file = ImageCodec.encode(image);
    assertThat(ImageCodec.decode(file)).isEqualTo(new Verdict.Valid(image));
  }

  @Property(tries = 200)
  void theEncodingIsCanonical(@ForAll("validImages") Image image) {
    byte[] file = ImageCodec.encode(image);
    Image back = ((Verdict.Valid) ImageCodec.decode(file)).image();
    assertThat(ImageCodec.encode(back)).isEqualTo(file);
    assertThat(ImageCodec.resealed(file)).isEqualTo(file);
  }

  @Property(tries = 300)
  void everySingleByteChangeIsRejected(
      @ForAll("validImages") Image image,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where,
      @ForAll @IntRange(min = 1, max = 255) int xor) {
    byte[] file = ImageCodec.encode(image);
    int at = where % file.length;
    file[at] ^= (byte) xor;
    assertThat(ImageCodec.decode(file)).isInstanceOf(Verdict.Invalid.class);
  }

  @Property(tries = 300)
  void everyProperPrefixIsTorn(
      @ForAll("validImages") Image image,
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int where) {
    byte[] file = ImageCodec.encode(image);
    byte[] prefix = Arrays.copyOf(file, where % file.length);
    Verdict v = ImageCodec.decode(prefix);
    assertThat(v).isInstanceOf(Verdict.Invalid.class);
    // Page data may by chance hold the commit magic where the cut leaves it last.
    assertThat(((Verdict.Invalid) v).rule()).isAnyOf(Rule.COMMIT_MISSING, Rule.COMMIT_LENGTH);
  }
}
