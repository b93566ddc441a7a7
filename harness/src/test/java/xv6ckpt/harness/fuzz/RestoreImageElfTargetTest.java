package xv6ckpt.harness.fuzz;

import static com.google.common.truth.Truth.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.elf.Elf64;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;

/**
 * What of restore-image on a C kernel runs without one (CI has no xv6; the judging against a real
 * kernel is {@code xv6-kit/judge.sh}, harness README "restore-image on a C kernel"): the input
 * forms, /kr's layout, the kit's allowed difference for holes, the memory rule for RESTORE_NOMEM,
 * and reading the rule from the kernel's console line.
 */
class RestoreImageElfTargetTest {
  private static final int RWU = Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_U;

  @Test
  void sceneFormIsKAndOneByteEverythingElseIsAnImage() {
    assertThat(RestoreImageElfTarget.scene(new byte[] {'K', 2}))
        .hasValue(RestoreImageElfTarget.Scene.ZOMBIE);
    assertThat(RestoreImageElfTarget.scene(new byte[] {'K', 5}))
        .hasValue(RestoreImageElfTarget.Scene.SLEEPER);
    assertThat(RestoreImageElfTarget.scene(new byte[] {'K', 2, 0})).isEmpty();
    assertThat(RestoreImageElfTarget.scene(new byte[] {'S', 2})).isEmpty();
    assertThat(RestoreImageElfTarget.describe(new byte[] {'K', 3})).contains("NO_PROCESS");
    assertThat(RestoreImageElfTarget.expected(new byte[] {'K', 2}))
        .contains("checkpoint returns " + Rule.CKPT_ZOMBIE.code());
  }

  /** The addresses the oracle reads are /kr's ecalls and its path, below the harness's pages. */
  @Test
  void programLayoutPutsEcallsWhereTheOracleLooks() throws Exception {
    RestoreImageElfScene.Program p = RestoreImageElfScene.program();
    Elf64.Header h = Elf64.parseHeader(p.elf());
    Elf64.ProgramHeader seg = Elf64.parseProgramHeader(p.elf(), (int) h.phoff());
    assertThat(seg.vaddr()).isEqualTo(0);
    assertThat(seg.memsz()).isEqualTo(RestoreImageElfScene.END);
    for (long pc : new long[] {p.sleepPc(), p.ckptPc(), p.restorePc()}) {
      assertThat(pc).isLessThan(RestoreImageElfScene.CTRL);
      int at = (int) (seg.offset() + pc);
      int insn = (p.elf()[at] & 0xff) | (p.elf()[at + 1] & 0xff) << 8;
      assertThat(insn).isEqualTo(0x73); // ecall's low half; its high half is zero
      assertThat(p.elf()[at + 2] | p.elf()[at + 3]).isEqualTo(0);
    }
    int path = (int) (seg.offset() + p.pathVa());
    assertThat(new String(Arrays.copyOfRange(p.elf(), path, path + 5), StandardCharsets.ISO_8859_1))
        .isEqualTo("/img\0");
  }

  /** The seeds' file records name the Java rig's /fN; on a C disk they must name its /fN. */
  @Test
  void fileRecordsAreMappedToTheDisksInodesAndKeepTheirSeal() {
    Map<Long, Long> inums = Map.of(3L, 40L, 4L, 41L, 5L, 42L);
    byte[] guarded = RestoreImages.SEEDS.get(2);
    Image before = ((Verdict.Valid) ImageCodec.decode(guarded)).image();
    Verdict v = ImageCodec.decode(RestoreImageElfTarget.withInums(guarded, inums));
    assertThat(v).isInstanceOf(Verdict.Valid.class);
    Image after = ((Verdict.Valid) v).image();
    assertThat(after.files())
        .containsExactly(
            before.files().get(0),
            before.files().get(1),
            Image.OpenFile.file(3, true, false, "/f1", 40, 10),
            Image.OpenFile.file(5, true, true, "/f2", 41, 300))
        .inOrder();
    assertThat(after.pages()).isEqualTo(before.pages());
    assertThat(after.regs()).isEqualTo(before.regs());
    // the root (inode 1) and an inum the rig does not have stay; /f3 is mapped
    Image files =
        ((Verdict.Valid)
                ImageCodec.decode(
                    RestoreImageElfTarget.withInums(RestoreImages.SEEDS.get(6), inums)))
            .image();
    assertThat(files.files().stream().map(Image.OpenFile::inum).toList())
        .containsExactly(42L, 1L, 9L)
        .inOrder();
  }

  @Test
  void anUnsealedImageStaysUnsealedAndGarbagePassesThrough() {
    byte[] torn = RestoreImages.SEEDS.get(2).clone();
    torn[torn.length - 8] ^= 1; // the commit record's CRC
    byte[] mapped = RestoreImageElfTarget.withInums(torn, Map.of(3L, 40L));
    assertThat(mapped).isNotEqualTo(torn); // the record was mapped ...
    assertThat(((Verdict.Invalid) ImageCodec.decode(mapped)).rule())
        .isEqualTo(((Verdict.Invalid) ImageCodec.decode(torn)).rule()); // ... not resealed
    byte[] tiny = {1, 2, 3};
    assertThat(RestoreImageElfTarget.withInums(tiny, Map.of(3L, 40L))).isSameInstanceAs(tiny);
    byte[] noFiles = RestoreImages.SEEDS.get(0);
    assertThat(RestoreImageElfTarget.withInums(noFiles, Map.of(3L, 40L))).isEqualTo(noFiles);
  }

  @Test
  void holesBelowSzMayBeZeroFilledRwuPagesNothingElse() {
    ModelProcess want = process(0x4000, List.of(page(0, 5, 1), page(0x2000, RWU, 2)));
    List<Image.Page> got =
        List.of(page(0, 5, 1), page(0x1000, RWU, 0), page(0x2000, RWU, 2), page(0x3000, RWU, 0));
    assertThat(Diff.of(RestoreImageElfTarget.withHoles(want, got), process(0x4000, got))).isEmpty();
    // a hole filled with bytes, with other permissions, or above sz is a difference
    for (Image.Page bad : List.of(page(0x1000, RWU, 7), page(0x1000, 5, 0), page(0x4000, RWU, 0))) {
      List<Image.Page> g = new ArrayList<>(want.pages());
      g.add(bad);
      g.sort((a, b) -> Long.compare(a.va(), b.va()));
      assertThat(Diff.of(RestoreImageElfTarget.withHoles(want, g), process(0x4000, g)))
          .isNotEmpty();
    }
  }

  @Test
  void nomemIsAllowedOnlyWhenThePagesUpToSzCannotFit() {
    ModelProcess caller = process(0x3000, List.of(page(0, 5, 1)));
    RestoreImageElfTarget.Caller c = new RestoreImageElfTarget.Caller(caller, 3);
    ModelProcess small = process(10 * 4096, List.of());
    ModelProcess huge = process(1L << 30, List.of()); // 262,144 pages
    assertThat(RestoreImageElfTarget.fits(small, c, OptionalInt.of(100))).isTrue();
    assertThat(RestoreImageElfTarget.fits(huge, c, OptionalInt.of(30_000))).isFalse();
    assertThat(RestoreImageElfTarget.fits(small, c, OptionalInt.of(5))).isFalse();
    assertThat(RestoreImageElfTarget.fits(small, c, OptionalInt.empty())).isFalse();
  }

  @Test
  void consoleLineNamesTheRule() {
    assertThat(
            RestoreImageElfTarget.ruleNamed(
                "x\nrestore: CRC_MISMATCH (-15): CRC-32C differs (offset 98328)\n"))
        .hasValue("CRC_MISMATCH");
    assertThat(RestoreImageElfTarget.ruleNamed("$ ")).isEmpty();
  }

  private static Image.Page page(long va, int perm, int fill) {
    byte[] d = new byte[Xv6.PGSIZE];
    Arrays.fill(d, (byte) fill);
    return new Image.Page(va, perm, d);
  }

  private static ModelProcess process(long sz, List<Image.Page> pages) {
    return new ModelProcess(
        1,
        "p",
        ModelProcess.State.RUNNING,
        sz,
        pages,
        Image.Registers.of(new long[31], 0),
        new TreeMap<>(),
        Image.SyscallRestart.NONE);
  }
}
