package xv6ckpt.specs;

import static com.google.common.truth.Truth.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Torn and truncated files, exhaustively on the samples: a prefix cut at any byte, and an overwrite
 * in place cut at any byte (the new image's head over the old image's tail).
 */
class TornImageTest {
  @Test
  void everyTruncationIsCommitMissingWhereTheCommitShouldBe() {
    byte[] file = ImageCodec.encode(Samples.plain());
    for (int n = 0; n < file.length; n++) {
      Verdict v = ImageCodec.decode(Arrays.copyOf(file, n));
      assertThat(v).isInstanceOf(Verdict.Invalid.class);
      Verdict.Invalid bad = (Verdict.Invalid) v;
      assertThat(bad.rule()).isEqualTo(Rule.COMMIT_MISSING);
      assertThat(bad.offset()).isEqualTo(n < 4128 ? n : n - 32);
    }
  }

  @Test
  void everyTornOverwriteIsTheOldImageTheNewOneOrRejected() {
    Image old = Samples.blocked();
    Image neu =
        new Image(
            new Image.Header(Samples.ID + 1, 8, "counter", Samples.SZ),
            Samples.plain().regs(),
            Samples.plain().restart(),
            Samples.files(),
            Samples.pages());
    byte[] a = ImageCodec.encode(old);
    byte[] b = ImageCodec.encode(neu);
    assertThat(b.length).isEqualTo(a.length);
    int oldSeen = 0;
    for (int cut = 0; cut <= b.length; cut++) {
      byte[] torn = a.clone();
      System.arraycopy(b, 0, torn, 0, cut);
      Verdict v = ImageCodec.decode(torn);
      if (v instanceof Verdict.Valid ok) {
        assertThat(ok.image()).isAnyOf(old, neu);
        oldSeen += ok.image().equals(old) ? 1 : 0;
        assertThat(ok.image().equals(neu)).isEqualTo(cut > b.length - 32);
      } else {
        assertThat(((Verdict.Invalid) v).rule()).isAnyOf(Rule.COMMIT_ID, Rule.CRC_MISMATCH);
      }
    }
    // Cuts inside the identical leading bytes (the magic, version, hdrlen) leave the old image.
    assertThat(oldSeen).isEqualTo(17);
  }
}
