package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;

/**
 * restore-image and decoder-differential on hand-made inputs: the seed images are valid and
 * restore as the model predicts, broken images are refused by the rule the spec names, the
 * comparison reports differences (exactly, or up to one instruction for a restore) and the rig's
 * view of the file system resolves paths as namei does.
 */
class RestoreTargetsTest {
  private static final RestoreImageTarget RESTORE = new RestoreImageTarget();
  private static final DecoderDifferentialTarget DIFF = new DecoderDifferentialTarget();
  private static final RestoreRig RESTORE_RIG = new RestoreRig();

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

  /** The comparison reports what differs, exactly for refusals, up to one step for restores. */
  @Test
  void diffReportsDifferences() {
    xv6ckpt.specs.ModelProcess c = RESTORE_RIG.caller;
    assertThat(Diff.of(c, c)).isEmpty();
    xv6ckpt.specs.ModelProcess oneReg = withRegs(c, c.regs().with(5, 12345));
    assertThat(Diff.of(c, oneReg)).contains("x5");
    assertThat(Diff.ofRestored(c, oneReg)).isEmpty();
    xv6ckpt.specs.ModelProcess twoRegs = withRegs(oneReg, oneReg.regs().with(6, 1));
    assertThat(Diff.ofRestored(c, twoRegs)).contains("2 registers differ");
    java.util.List<xv6ckpt.specs.Image.Page> pages = new java.util.ArrayList<>(c.pages());
    xv6ckpt.specs.Image.Page p0 = pages.get(0);
    byte[] d = p0.data();
    d[0] ^= 1;
    d[100] ^= 1;
    pages.set(0, new xv6ckpt.specs.Image.Page(p0.va(), p0.perm(), d));
    xv6ckpt.specs.ModelProcess twoStores = new xv6ckpt.specs.ModelProcess(c.pid(), c.name(),
        c.state(), c.sz(), pages, c.regs(), c.files(), c.inSyscall());
    assertThat(Diff.ofRestored(c, twoStores)).contains("page bytes differ");
    assertThat(Diff.of(c, twoStores)).contains("pages");
  }

  /** Paths resolve as xv6's namei: repeated slashes, ".", "..", names cut to DIRSIZ. */
  @Test
  void fileViewResolvesLikeNamei() {
    xv6ckpt.specs.FileView v = RESTORE_RIG.view(5000);
    long f1 = v.lookup("/f1").orElseThrow().inum();
    assertThat(v.lookup("//f1").orElseThrow().inum()).isEqualTo(f1);
    assertThat(v.lookup("/./../f1").orElseThrow().inum()).isEqualTo(f1);
    assertThat(v.lookup("/f1/x")).isEmpty();
    assertThat(v.lookup("/f1/")).isPresent();
    assertThat(v.lookup("/nosuch")).isEmpty();
    assertThat(v.lookup("/img").orElseThrow().size()).isEqualTo(5000);
    assertThat(v.lookup("/").orElseThrow().type()).isEqualTo(xv6ckpt.specs.Xv6.T_DIR);
  }

  private static xv6ckpt.specs.ModelProcess withRegs(xv6ckpt.specs.ModelProcess p,
      xv6ckpt.specs.Image.Registers r) {
    return new xv6ckpt.specs.ModelProcess(p.pid(), p.name(), p.state(), p.sz(), p.pages(), r,
        p.files(), p.inSyscall());
  }
}
