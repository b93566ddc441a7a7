package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;

/**
 * restore-image and decoder-differential on hand-made inputs: the seed images are valid and
 * restore as the model predicts, broken images are refused by the rule the spec names, and the
 * oracle notices a kernel that differs (a mismatch is reported, not passed).
 */
class RestoreTargetsTest {
  private static final RestoreImageTarget RESTORE = new RestoreImageTarget();
  private static final DecoderDifferentialTarget DIFF = new DecoderDifferentialTarget();

  @Test
  void everySeedIsValidAndRestoresAsPredicted() {
    for (int i = 0; i < RestoreImages.SEEDS.size(); i++) {
      byte[] in = {(byte) RestoreImages.STRUCTURED, (byte) i};
      assertThat(ImageCodec.decode(RestoreImages.bytes(in))).isInstanceOf(Verdict.Valid.class);
      FuzzTarget.Verdict v = RESTORE.run(in);
      // Seed 0 maps nothing: its first fetch faults and kills it; seed 6 names a missing file.
      String expect = i == 0 ? "restored, then ended by its first instruction"
          : i == 6 ? "refused RESTORE_FILE_MISSING" : "restored";
      assertThat(v.summary()).isEqualTo(expect);
      assertThat(v).isInstanceOf(FuzzTarget.Verdict.Pass.class);
      assertThat(DIFF.run(in).summary()).isEqualTo("both valid");
    }
  }

  @Test
  void aSeedWithAMissingFileIsRefusedByTheModelsRule() {
    byte[] in = {(byte) RestoreImages.STRUCTURED, 6};
    assertThat(RESTORE.run(in).summary()).isEqualTo("refused RESTORE_FILE_MISSING");
  }

  @Test
  void brokenImagesAreRefusedByTheSpecsRule() {
    byte[] seed = RestoreImages.SEEDS.get(2);
    // pid 0 (HDR_PID, offset 24), resealed through the structured form: 'S', seed, mutations.
    byte[] hdrPid = {(byte) RestoreImages.STRUCTURED, 2, 24, 0, 0, 25, 0, 0, 26, 0, 0, 27, 0, 0};
    assertThat(RESTORE.run(hdrPid).summary()).isEqualTo("refused HDR_PID");
    assertThat(DIFF.run(hdrPid).summary()).isEqualTo("both HDR_PID at 24");
    // A torn file (no commit record) and a damaged one (no reseal).
    byte[] torn = Arrays.copyOf(seed, seed.length - 1);
    assertThat(RESTORE.run(torn).summary()).isEqualTo("refused COMMIT_MISSING");
    byte[] damaged = seed.clone();
    damaged[100] ^= 1;
    assertThat(RESTORE.run(damaged).summary()).isEqualTo("refused CRC_MISMATCH");
    assertThat(DIFF.run(damaged).summary()).startsWith("both CRC_MISMATCH");
    assertThat(RESTORE.run(new byte[] {1, 2, 3}).summary()).isEqualTo("refused HDR_MAGIC");
  }

  @Test
  void sameInputSameVerdict() {
    byte[] in = {(byte) RestoreImages.STRUCTURED, 3, 0x40, 1, 7, 0x41, 1, 9};
    assertThat(RESTORE.run(in)).isEqualTo(RESTORE.run(in));
    assertThat(DIFF.run(in)).isEqualTo(DIFF.run(in));
  }

  /** The seed corpus reaches every image rule, and the kernel-made images are valid. */
  @Test
  void seedCorpusBreaksEveryImageRule() {
    java.util.Set<Rule> seen = java.util.EnumSet.noneOf(Rule.class);
    for (java.util.Map.Entry<String, byte[]> e : RestoreCorpus.entries().entrySet()) {
      Verdict v = ImageCodec.decode(RestoreImages.bytes(e.getValue()));
      if (e.getKey().startsWith("kernel-")) {
        assertThat(v).isInstanceOf(Verdict.Valid.class);
      }
      if (v instanceof Verdict.Invalid) {
        Rule r = ((Verdict.Invalid) v).rule();
        assertThat(e.getKey()).isEqualTo(r.name());
        seen.add(r);
      }
      FuzzTarget.Verdict run = RESTORE.run(e.getValue());
      assertThat(run).isInstanceOf(FuzzTarget.Verdict.Pass.class);
      if (e.getKey().startsWith("RESTORE_")) {
        assertThat(run.summary()).isEqualTo("refused " + e.getKey());
      }
      assertThat(DIFF.run(e.getValue())).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    }
    for (Rule r : Rule.values()) {
      if (r.when() == Rule.When.IMAGE) {
        assertThat(seen).contains(r);
      }
    }
  }
}
