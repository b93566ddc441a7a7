package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.Riscv;
import xv6ckpt.specs.CheckpointModel;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;

/**
 * restore-image and decoder-differential on hand-made inputs: the seed images are valid and restore
 * as the model predicts, broken images are refused by the rule the spec names, the comparison is
 * exact and catches mistakes planted in the kernel's result, and the rig's view of the file system
 * resolves paths as namei does.
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
      // Seed 6 names a missing file; every other seed restores (seed 0 with no page at all).
      String expect = i == 6 ? "refused RESTORE_FILE_MISSING" : "restored";
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

  /** A valid image whose registers look like a refusal (a0 a rule's code, pc past the ecall). */
  @Test
  void aRestoredImageThatLooksLikeARefusalIsValid() {
    Image one = ((Verdict.Valid) ImageCodec.decode(RestoreImages.SEEDS.get(1))).image();
    long next = RESTORE_RIG.caller.regs().pc() + 4;
    Image mimic =
        new Image(
            one.header(),
            one.regs().with(Image.Registers.A0, Rule.CRC_MISMATCH.code()).withPc(next),
            one.restart(),
            one.files(),
            one.pages());
    byte[] b = ImageCodec.encode(mimic);
    assertThat(DIFF.run(b).summary()).isEqualTo("both valid");
    assertThat(RESTORE.run(b).summary()).isEqualTo("restored");
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

  /**
   * The field-wise form sets the field it names to the value it names: each decodes to the rule
   * FORMAT.md gives that value (or valid at the bound itself), and both targets agree.
   */
  @Test
  void fieldWiseEditsReachTheirBounds() {
    Map<String, byte[]> b = BoundaryCorpus.entries();
    Map<String, String> want = new java.util.LinkedHashMap<>();
    want.put("guarded-header.sz-TRAPFRAME", "valid");
    want.put("guarded-header.sz-TRAPFRAME+1", "HDR_SZ");
    want.put("guarded-header.sz-lastva", "PAGE_VA_RANGE");
    want.put("guarded-header.sz-lastva+1", "valid");
    want.put("guarded-header.npages-MAX_PAGES", "IMAGE_LENGTH");
    want.put("guarded-header.npages-MAX_PAGES+1", "HDR_NPAGES");
    want.put("guarded-header.nfiles-NOFILE", "FILE_FD"); // the same D: the page map read as files
    want.put("guarded-header.nfiles-NOFILE+1", "HDR_NFILES");
    want.put("guarded-header.pid-INT_MAX", "valid");
    want.put("guarded-header.pid-INT_MAX+1", "HDR_PID");
    want.put("guarded-header.name-maxlen", "valid");
    want.put("guarded-header.name-maxlen+1", "HDR_NAME");
    want.put("guarded-regs.pc-TRAPFRAME-1", "REGS_PC");
    want.put("guarded-regs.pc-TRAPFRAME", "REGS_PC");
    want.put("guarded-file2.path-maxlen", "valid");
    want.put("guarded-file2.path-maxlen+1", "FILE_PATH");
    want.put("guarded-file2.fd-prevfd", "FILE_FD");
    want.put("guarded-file0.fd-NOFILE", "FILE_FD");
    want.put("guarded-page3.va-top+1", "PAGE_VA_ALIGNED");
    want.put("guarded-page0.perm-bit5", "PAGE_PERM");
    want.put("guarded-page0.perm-RW", "valid");
    want.put("read-restart.progress-n-read-1", "valid");
    want.put("read-regs.pc-PGSIZE", "RESTART_PC");
    want.put("read-restart.progress-n-read", "RESTART_PROGRESS");
    want.put("guarded-commit.length-length+1", "COMMIT_LENGTH");
    want.put("guarded-seal-stale", "CRC_MISMATCH");
    want.put("guarded-seal-crc_zero", "CRC_MISMATCH");
    want.put("guarded-seal-crc_flip31", "CRC_MISMATCH");
    for (Map.Entry<String, String> e : want.entrySet()) {
      byte[] in = b.get("bound-" + e.getKey());
      assertWithMessage(e.getKey()).that(in).isNotNull();
      Verdict v = ImageCodec.decode(RestoreImages.bytes(in));
      String got = v instanceof Verdict.Invalid ? ((Verdict.Invalid) v).rule().name() : "valid";
      assertWithMessage(e.getKey()).that(got).isEqualTo(e.getValue());
      assertWithMessage(e.getKey()).that(DIFF.run(in)).isInstanceOf(FuzzTarget.Verdict.Pass.class);
    }
    assertThat(RestoreImages.describe(b.get("bound-guarded-header.sz-TRAPFRAME+1")))
        .contains("header.sz = TRAPFRAME+1");
  }

  /**
   * corpus/restore-image and corpus/decoder-differential hold exactly BoundaryCorpus's files (so
   * the generator and the corpus cannot drift), each passes both targets, and together they break
   * every image rule the field rules and the commit record name.
   */
  @Test
  void boundaryCorpusIsCommittedAndPasses() throws java.io.IOException {
    java.util.Set<Rule> seen = java.util.EnumSet.noneOf(Rule.class);
    for (Map.Entry<String, byte[]> e : BoundaryCorpus.entries().entrySet()) {
      for (String target : List.of("restore-image", "decoder-differential")) {
        java.nio.file.Path f = java.nio.file.Path.of("..", "corpus", target, e.getKey());
        assertWithMessage("%s (run BoundaryCorpus)", f)
            .that(java.nio.file.Files.exists(f))
            .isTrue();
        assertWithMessage("%s", f)
            .that(java.nio.file.Files.readAllBytes(f))
            .isEqualTo(e.getValue());
      }
      assertWithMessage(e.getKey())
          .that(RESTORE.run(e.getValue()))
          .isInstanceOf(FuzzTarget.Verdict.Pass.class);
      Verdict v = ImageCodec.decode(RestoreImages.bytes(e.getValue()));
      if (v instanceof Verdict.Invalid) {
        seen.add(((Verdict.Invalid) v).rule());
      }
    }
    for (Rule r : Rule.values()) {
      if (r.when() == Rule.When.IMAGE && r != Rule.HDR_MAGIC && r != Rule.COMMIT_MISSING) {
        assertWithMessage("no boundary seed breaks %s", r).that(seen).contains(r);
      }
    }
  }

  /** The comparison is exact: one register, the pc, one byte or one permission bit differs. */
  @Test
  void diffReportsEveryDifference() {
    ModelProcess c = RESTORE_RIG.caller;
    assertThat(Diff.of(c, c)).isEmpty();
    assertThat(Diff.of(c, withRegs(c, c.regs().with(5, 12345)))).contains("x5");
    assertThat(Diff.of(c, withRegs(c, c.regs().withPc(c.regs().pc() + 2)))).contains("pc");
    List<Image.Page> pages = new ArrayList<>(c.pages());
    Image.Page p0 = pages.get(0);
    byte[] d = p0.data();
    d[100] ^= 1;
    pages.set(0, new Image.Page(p0.va(), p0.perm(), d));
    assertThat(Diff.of(c, withPages(c, pages))).contains("page 0x0 byte 100");
    pages.set(0, new Image.Page(p0.va(), p0.perm() ^ Xv6.PTE_W, p0.data()));
    assertThat(Diff.of(c, withPages(c, pages))).contains("pages");
  }

  /**
   * Mistakes planted in the kernel's result (after the restore returned, before the judgment, as a
   * buggy restore would leave them) are each reported: a register, the pc, a byte of a page, a
   * permission bit, a leaked page; for a refusal, the caller's a0.
   */
  @Test
  void plantedMistakesAreCaught() {
    byte[] guarded = {(byte) RestoreImages.STRUCTURED, 2}; // four pages, files, a guard page
    assertThat(plant(guarded, m -> {})).isEqualTo(new FuzzTarget.Verdict.Pass("restored"));
    assertThat(plant(guarded, m -> m.hart().setX(5, m.hart().x(5) + 1)).summary()).contains("x5");
    assertThat(plant(guarded, m -> m.hart().setPc(m.hart().pc() + 4)).summary()).contains("pc");
    assertThat(
            plant(
                    guarded,
                    m ->
                        UserPages.write(
                            m.memory(), RESTORE.rig.process(), 0x2000 + 9, new byte[] {42}))
                .summary())
        .contains("page 0x2000 byte 9");
    assertThat(plant(guarded, m -> flipPte(m, 0x3000, Riscv.PTE_W)).summary()).contains("pages");
    FuzzTarget.Verdict leak = plant(guarded, m -> m.kalloc().kalloc());
    assertThat(leak).isInstanceOf(FuzzTarget.Verdict.Fail.class);
    assertThat(((FuzzTarget.Verdict.Fail) leak).rule()).isEqualTo("page-leak");

    byte[] torn = Arrays.copyOf(RestoreImages.SEEDS.get(2), RestoreImages.SEEDS.get(2).length - 1);
    assertThat(plant(torn, m -> {}))
        .isEqualTo(new FuzzTarget.Verdict.Pass("refused COMMIT_MISSING"));
    assertThat(plant(torn, m -> m.hart().setX(10, -1)).summary()).contains("x10");
  }

  /**
   * The rig's walk of a restored process: its pages are the image's, and its tree has five table
   * pages (the root, then one level-1 and one level-0 table for the low pages and again for
   * TRAPFRAME and TRAMPOLINE at the top).
   */
  @Test
  void theRigsWalkSeesTheImagesPagesAndFiveTables() {
    byte[] guarded = {(byte) RestoreImages.STRUCTURED, 2};
    assertThat(RESTORE.run(guarded)).isEqualTo(new FuzzTarget.Verdict.Pass("restored"));
    RestoreRig.Observed seen = RESTORE.rig.observe(RESTORE.rig.process());
    Image image = ((Verdict.Valid) ImageCodec.decode(RestoreImages.bytes(guarded))).image();
    assertThat(seen.process().pages()).containsExactlyElementsIn(image.pages()).inOrder();
    assertThat(seen.tablePages()).isEqualTo(5);
  }

  /** A restored process blocked in sleep is compared with its restart state too. */
  @Test
  void aRestoredSleeperSleepsTheRestOfItsTicks() {
    byte[] sleeper = {(byte) RestoreImages.STRUCTURED, 4};
    assertThat(RESTORE.run(sleeper)).isEqualTo(new FuzzTarget.Verdict.Pass("restored"));
    Process p = RESTORE.rig.process();
    assertThat(p.restart()).isInstanceOf(xv6ckpt.kernel.Restart.Sleep.class);
    // The seed sleeps 10 ticks and had slept 2.
    assertThat(((xv6ckpt.kernel.Restart.Sleep) p.restart()).until())
        .isEqualTo(RESTORE.rig.m.ticks() + 10 - 2);
  }

  /** Runs restore-image's steps on input, with mistake applied to the machine before judging. */
  private static FuzzTarget.Verdict plant(byte[] input, Consumer<Machine> mistake) {
    byte[] file = RestoreRig.stored(RestoreImages.bytes(input));
    CheckpointModel.RestoreResult want = RESTORE.predict(file);
    Machine.Outcome ran = RESTORE.rig.restore(file);
    mistake.accept(RESTORE.rig.m);
    return RESTORE.judge(want, ran);
  }

  /** Flips bits in the leaf PTE of va in the restored process's page table. */
  private static void flipPte(Machine m, long va, long bits) {
    long at = UserPages.pteAddress(m.memory(), RESTORE.rig.process().pagetable(), va);
    assertThat(at).isAtLeast(0L);
    m.memory().write64(at, m.memory().read64(at) ^ bits);
  }

  /**
   * Campaigns instrument the restore path, not the emulator or the rig; every class named exactly
   * in the include list exists (a rename would silently drop its coverage).
   */
  @Test
  void restoreCampaignsInstrumentTheRestorePath() throws ClassNotFoundException {
    for (String name : List.of("restore-image", "decoder-differential")) {
      String inc = FuzzTargets.byName(name).orElseThrow().instrument();
      assertThat(inc).contains("xv6ckpt.kernel.Checkpoint*");
      assertThat(inc).contains("xv6ckpt.specs.ImageDecoder*");
      assertThat(inc).contains("xv6ckpt.specs.CheckpointModel*");
      assertThat(inc).doesNotContain("emulator");
      assertThat(inc).doesNotContain("RestoreRig");
      for (String glob : inc.split(":")) {
        // A class named exactly, or by its name and a '*' (itself and its nested classes).
        String cls = glob.endsWith("*") ? glob.substring(0, glob.length() - 1) : glob;
        assertThat(Class.forName(cls).getName()).isEqualTo(cls);
      }
    }
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

  private static ModelProcess withRegs(ModelProcess p, Image.Registers r) {
    return new ModelProcess(
        p.pid(), p.name(), p.state(), p.sz(), p.pages(), r, p.files(), p.inSyscall());
  }

  private static ModelProcess withPages(ModelProcess p, List<Image.Page> pages) {
    return new ModelProcess(
        p.pid(), p.name(), p.state(), p.sz(), pages, p.regs(), p.files(), p.inSyscall());
  }
}
