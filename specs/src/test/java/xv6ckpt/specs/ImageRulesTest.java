package xv6ckpt.specs;

import static com.google.common.truth.Truth.assertThat;
import static xv6ckpt.specs.ImageCodec.encode;
import static xv6ckpt.specs.ImageCodec.resealed;
import static xv6ckpt.specs.Samples.*;
import static xv6ckpt.specs.Xv6.PTE_R;
import static xv6ckpt.specs.Xv6.PTE_U;
import static xv6ckpt.specs.Xv6.PTE_W;
import static xv6ckpt.specs.Xv6.PTE_X;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import xv6ckpt.specs.Image.OpenFile;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;

/**
 * Every image rule, broken on purpose: each case changes a valid sample in one place (then reseals
 * it, unless the rule is about the seal) and expects exactly that rule at the offset FORMAT.md
 * gives for the field (worked out in {@link Samples}).
 *
 * <p>Three rules cannot be broken alone: 17 file records need an fd of 16 (FILE_FD too), and more
 * than MAX_PAGES pages cannot be held in memory (IMAGE_LENGTH too); there the decoder must still
 * name the earlier rule.
 */
class ImageRulesTest {
  record Case(String what, byte[] bytes, Rule rule, long offset) {}

  private static final byte[] PLAIN = encode(plain());
  private static final byte[] BLOCKED = encode(blocked());

  private static byte[] sealed(byte[] b) {
    return resealed(b);
  }

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    // Stage 1: identity.
    c.add(new Case("magic byte 3 lower-case", put8(PLAIN, 3, 'c'), Rule.HDR_MAGIC, 3));
    c.add(
        new Case(
            "an ELF file",
            "\u007fELF\2\1\1".getBytes(StandardCharsets.ISO_8859_1),
            Rule.HDR_MAGIC,
            0));
    c.add(new Case("empty file", new byte[0], Rule.COMMIT_MISSING, 0));
    c.add(new Case("magic only", Arrays.copyOf(PLAIN, 10), Rule.COMMIT_MISSING, 10));
    c.add(new Case("version 2", sealed(put32(PLAIN, 8, 2)), Rule.HDR_VERSION, 8));
    // Stage 2: integrity.
    c.add(new Case("cut inside the header", Arrays.copyOf(PLAIN, 100), Rule.COMMIT_MISSING, 100));
    c.add(
        new Case(
            "last byte missing",
            Arrays.copyOf(PLAIN, LENGTH - 1),
            Rule.COMMIT_MISSING,
            LENGTH - 1 - 32));
    c.add(
        new Case(
            "commit length one more",
            put64(PLAIN, COMMIT + 8, LENGTH + 1),
            Rule.COMMIT_LENGTH,
            COMMIT + 8));
    c.add(
        new Case(
            "commit of another image",
            put64(PLAIN, COMMIT + 16, ID + 1),
            Rule.COMMIT_ID,
            COMMIT + 16));
    c.add(
        new Case(
            "commit reserved word",
            put32(PLAIN, COMMIT + 28, 1),
            Rule.RESERVED_NONZERO,
            COMMIT + 28));
    c.add(
        new Case(
            "a flipped data bit",
            put8(PLAIN, DATA + 5000, PLAIN[DATA + 5000] ^ 4),
            Rule.CRC_MISMATCH,
            COMMIT + 24));
    c.add(new Case("a wrong crc", put32(PLAIN, COMMIT + 24, 0), Rule.CRC_MISMATCH, COMMIT + 24));
    // Stage 3: framing.
    c.add(new Case("hdrlen 72", sealed(put32(PLAIN, 12, 72)), Rule.HDR_LENGTH, 12));
    c.add(
        new Case("17 files", encode(withFiles(plain(), seventeenConsoles())), Rule.HDR_NFILES, 56));
    c.add(
        new Case(
            "npages MAX_PAGES + 1", sealed(put32(PLAIN, 60, (1L << 26) - 1)), Rule.HDR_NPAGES, 60));
    c.add(new Case("npages one short", sealed(put32(PLAIN, 60, 4)), Rule.IMAGE_LENGTH, 56));
    // One more file record still fits before the padded data: the length agrees, and the page
    // map's first entry (va 0) is then read as a file record with fd 0 after fd 3.
    c.add(new Case("nfiles one more", sealed(put32(PLAIN, 56, 5)), Rule.FILE_FD, MAP));
    // Stage 4: header fields.
    c.add(new Case("pid 0", sealed(put32(PLAIN, 24, 0)), Rule.HDR_PID, 24));
    c.add(new Case("pid 2^31", sealed(put32(PLAIN, 24, 1L << 31)), Rule.HDR_PID, 24));
    c.add(new Case("header reserved", sealed(put32(PLAIN, 28, 1)), Rule.RESERVED_NONZERO, 28));
    c.add(
        new Case("name of 16 bytes", encode(withName("sixteen-bytes-ab")), Rule.HDR_NAME, 32 + 15));
    c.add(new Case("name byte after NUL", sealed(put8(PLAIN, 32 + 9, 'x')), Rule.HDR_NAME, 32 + 9));
    c.add(
        new Case(
            "sz above TRAPFRAME",
            sealed(put64(PLAIN, 48, (1L << 38) - 8192 + 1)),
            Rule.HDR_SZ,
            48));
    // Registers.
    c.add(new Case("odd pc", sealed(put64(PLAIN, PC, 0x41)), Rule.REGS_PC, PC));
    c.add(
        new Case("pc at TRAPFRAME", sealed(put64(PLAIN, PC, (1L << 38) - 8192)), Rule.REGS_PC, PC));
    // Restart.
    Registers w = plain().regs().with(17, 16);
    c.add(
        new Case(
            "inside write",
            encode(withRestart(plain(), restart(16, w, 0), w)),
            Rule.RESTART_SYSCALL,
            320));
    c.add(
        new Case(
            "sysnum read, a7 wait",
            sealed(put64(BLOCKED, 64 + 16 * 8, 3)),
            Rule.RESTART_SYSCALL,
            320));
    c.add(
        new Case(
            "sysnum read, a7's low 32 bits wait",
            sealed(put64(BLOCKED, 64 + 16 * 8, (1L << 32) | 3)),
            Rule.RESTART_SYSCALL,
            320));
    c.add(new Case("restart reserved", sealed(put32(BLOCKED, 324, 9)), Rule.RESERVED_NONZERO, 324));
    c.add(
        new Case(
            "args[1] not a1", sealed(put64(BLOCKED, 328 + 8, 0x2000)), Rule.RESTART_ARGS, 336));
    c.add(
        new Case("args without sysnum", sealed(put64(PLAIN, 328 + 40, 1)), Rule.RESTART_ARGS, 368));
    c.add(
        new Case("read progress = n", sealed(put64(BLOCKED, 376, 64)), Rule.RESTART_PROGRESS, 376));
    c.add(
        new Case(
            "progress without sysnum", sealed(put64(PLAIN, 376, 1)), Rule.RESTART_PROGRESS, 376));
    c.add(
        new Case(
            "sleep progress past its ticks", encode(sleeping(5, 5)), Rule.RESTART_PROGRESS, 376));
    c.add(new Case("sleep of -1 ticks", encode(sleeping(-1, 0)), Rule.RESTART_PROGRESS, 376));
    // Files.
    c.add(
        new Case(
            "fd 16", sealed(put32(PLAIN, FILES + 3 * FILE, 16)), Rule.FILE_FD, FILES + 3 * FILE));
    c.add(
        new Case("fd 0 twice", sealed(put32(PLAIN, FILES + FILE, 0)), Rule.FILE_FD, FILES + FILE));
    c.add(
        new Case(
            "kind 3 (a pipe?)", sealed(put32(PLAIN, FILES + 4, 3)), Rule.FILE_KIND, FILES + 4));
    c.add(new Case("mode 0", sealed(put32(PLAIN, FILES + 8, 0)), Rule.FILE_MODE, FILES + 8));
    c.add(new Case("mode 4", sealed(put32(PLAIN, FILES + 8, 4)), Rule.FILE_MODE, FILES + 8));
    c.add(
        new Case(
            "console inum", sealed(put32(PLAIN, FILES + 12, 1)), Rule.FILE_CONSOLE, FILES + 12));
    c.add(
        new Case(
            "console offset",
            sealed(put32(PLAIN, FILES + FILE + 16, 1)),
            Rule.FILE_CONSOLE,
            FILES + FILE + 16));
    c.add(
        new Case(
            "console path",
            sealed(put8(PLAIN, FILES + 24 + 50, '/')),
            Rule.FILE_CONSOLE,
            FILES + 24 + 50));
    c.add(
        new Case(
            "file reserved",
            sealed(put32(PLAIN, FILES + 3 * FILE + 20, 1)),
            Rule.RESERVED_NONZERO,
            FILES + 3 * FILE + 20));
    c.add(
        new Case(
            "file inum 0",
            sealed(put32(PLAIN, FILES + 3 * FILE + 12, 0)),
            Rule.FILE_INUM,
            FILES + 3 * FILE + 12));
    c.add(
        new Case(
            "relative path",
            encode(withFiles(plain(), List.of(OpenFile.file(3, true, false, "data.txt", 5, 0)))),
            Rule.FILE_PATH,
            FILES + 24));
    c.add(
        new Case(
            "path of 128 bytes",
            encode(
                withFiles(
                    plain(), List.of(OpenFile.file(3, true, false, "/" + "p".repeat(127), 5, 0)))),
            Rule.FILE_PATH,
            FILES + 24 + 127));
    c.add(
        new Case(
            "path byte after NUL",
            sealed(put8(PLAIN, FILES + 3 * FILE + 24 + 20, 'z')),
            Rule.FILE_PATH,
            FILES + 3 * FILE + 24 + 20));
    // Page map.
    c.add(
        new Case(
            "va 0x1008", sealed(put64(PLAIN, MAP + 16, 0x1008)), Rule.PAGE_VA_ALIGNED, MAP + 16));
    c.add(
        new Case(
            "va at PGROUNDUP(sz)",
            sealed(put64(PLAIN, MAP + 4 * 16, 0x6000)),
            Rule.PAGE_VA_RANGE,
            MAP + 4 * 16));
    c.add(
        new Case(
            "va twice", sealed(put64(PLAIN, MAP + 2 * 16, 0x1000)), Rule.PAGE_ORDER, MAP + 2 * 16));
    c.add(
        new Case(
            "va descending",
            sealed(put64(PLAIN, MAP + 16, 0x4000)),
            Rule.PAGE_ORDER,
            MAP + 2 * 16));
    c.add(
        new Case(
            "perm with the A bit",
            sealed(put32(PLAIN, MAP + 8, PTE_R | PTE_U | 1 << 6)),
            Rule.PAGE_PERM,
            MAP + 8));
    c.add(
        new Case(
            "perm W without R",
            sealed(put32(PLAIN, MAP + 16 + 8, PTE_W | PTE_U)),
            Rule.PAGE_PERM,
            MAP + 16 + 8));
    c.add(
        new Case(
            "perm U only",
            sealed(put32(PLAIN, MAP + 16 + 8, PTE_U)),
            Rule.PAGE_PERM,
            MAP + 16 + 8));
    c.add(
        new Case(
            "page map reserved",
            sealed(put32(PLAIN, MAP + 16 + 12, 1)),
            Rule.RESERVED_NONZERO,
            MAP + 16 + 12));
    c.add(new Case("padding byte", sealed(put8(PLAIN, 2000, 1)), Rule.RESERVED_NONZERO, 2000));
    c.add(
        new Case(
            "last padding byte",
            sealed(put8(PLAIN, DATA - 1, 1)),
            Rule.RESERVED_NONZERO,
            DATA - 1));
    // Stage 5.
    c.add(
        new Case(
            "pc past the ecall", sealed(put64(BLOCKED, PC, ECALL_AT + 4)), Rule.RESTART_PC, PC));
    c.add(
        new Case(
            "ecall page not executable",
            sealed(put32(BLOCKED, MAP + 8, PTE_R | PTE_U)),
            Rule.RESTART_PC,
            PC));
    c.add(new Case("pc in the hole", sealed(put64(BLOCKED, PC, 0x2000)), Rule.RESTART_PC, PC));
    return c;
  }

  @TestFactory
  Stream<DynamicTest> eachCaseBreaksExactlyItsRuleAtItsOffset() {
    return cases().stream()
        .map(
            k ->
                DynamicTest.dynamicTest(
                    k.rule() + ": " + k.what(),
                    () -> {
                      Verdict v = ImageCodec.decode(k.bytes());
                      assertThat(v).isInstanceOf(Verdict.Invalid.class);
                      Verdict.Invalid bad = (Verdict.Invalid) v;
                      assertThat(bad.rule()).isEqualTo(k.rule());
                      assertThat(bad.offset()).isEqualTo(k.offset());
                      assertThat(bad.detail()).isNotEmpty();
                    }));
  }

  @Test
  void everyImageRuleHasACase() {
    Set<Rule> covered = cases().stream().map(Case::rule).collect(Collectors.toSet());
    Set<Rule> image = EnumSet.noneOf(Rule.class);
    for (Rule r : Rule.values()) {
      if (r.when() == Rule.When.IMAGE) {
        image.add(r);
      }
    }
    assertThat(covered).containsExactlyElementsIn(image);
  }

  @Test
  void theSamplesThemselvesAreValidAndLaidOutAsDocumented() {
    assertThat(PLAIN.length).isEqualTo(LENGTH);
    assertThat(ImageCodec.decode(PLAIN)).isEqualTo(new Verdict.Valid(plain()));
    assertThat(ImageCodec.decode(BLOCKED)).isEqualTo(new Verdict.Valid(blocked()));
    // The guard page's data sits at DATA + 2 * 4096 (third page), the ecall at DATA + 0x10.
    assertThat(PLAIN[DATA + 0x10]).isEqualTo((byte) 0x73);
    assertThat(PLAIN[DATA + 2 * 4096 + 1]).isEqualTo(page(0x3000, 0).at(1));
    assertThat(new String(PLAIN, COMMIT, 8, StandardCharsets.US_ASCII)).isEqualTo("XV6DONE\0");
  }

  /** xv6's syscall() reads a7 into an int: a blocked read's a7 may carry any bits above 31. */
  @Test
  void aSysnumIsA7sLow32Bits() {
    Verdict v = ImageCodec.decode(sealed(put64(BLOCKED, 64 + 16 * 8, (7L << 32) | 5)));
    assertThat(v).isInstanceOf(Verdict.Valid.class);
    assertThat(((Verdict.Valid) v).image().restart()).isEqualTo(blocked().restart());
  }

  @Test
  void restartAcrossAPageBoundaryIsReadFromBothPages() {
    // ecall bytes 73 00 | 00 00 split between pages 0x0 and 0x1000, both R X U.
    byte[] t = text().data();
    t[4094] = 0x73;
    t[4095] = 0;
    byte[] d = page(0x1000, 0).data();
    d[0] = 0;
    d[1] = 0;
    List<Image.Page> pages = new ArrayList<>(pages());
    pages.set(0, new Image.Page(0, PTE_R | PTE_X | PTE_U, t));
    pages.set(1, new Image.Page(0x1000, PTE_R | PTE_X | PTE_U, d));
    Registers r = blocked().regs().withPc(4094);
    Image img = withPages(withRestart(blocked(), blocked().restart(), r), pages);
    assertThat(ImageCodec.decode(encode(img))).isEqualTo(new Verdict.Valid(img));

    pages.set(1, new Image.Page(0x1000, PTE_R | PTE_W | PTE_U, d));
    Verdict v = ImageCodec.decode(encode(withPages(img, pages)));
    assertThat(((Verdict.Invalid) v).rule()).isEqualTo(Rule.RESTART_PC);
  }

  @Test
  void aGuardPageAndHolesAreKeptExactly() {
    Image.Page guard = pages().get(2);
    assertThat(guard.perm() & PTE_U).isEqualTo(0);
    Image back = ((Verdict.Valid) ImageCodec.decode(PLAIN)).image();
    assertThat(back.pages().stream().map(Image.Page::va).collect(Collectors.toList()))
        .containsExactly(0L, 0x1000L, 0x3000L, 0x4000L, 0x5000L)
        .inOrder();
    assertThat(back.pages().get(2).perm()).isEqualTo(PTE_R | PTE_W);
  }

  private static List<OpenFile> seventeenConsoles() {
    List<OpenFile> f = new ArrayList<>();
    for (int fd = 0; fd <= 16; fd++) {
      f.add(OpenFile.console(fd, true, true));
    }
    return f;
  }

  private static Image withName(String name) {
    Image p = plain();
    return new Image(
        new Image.Header(ID, 7, name, SZ), p.regs(), p.restart(), p.files(), p.pages());
  }

  /** Blocked in sleep(ticks) having slept progress ticks. */
  private static Image sleeping(int ticks, long progress) {
    Registers r = blocked().regs().with(17, Xv6.SYS_sleep).with(10, ticks);
    SyscallRestart s = restart(Xv6.SYS_sleep, r, progress);
    return withRestart(blocked(), s, r);
  }
}
