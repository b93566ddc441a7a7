package xv6ckpt.harness.fuzz;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;
import xv6ckpt.specs.Xv6;

/**
 * The images restore fuzzing starts from, and the structure-aware input form. An input whose first
 * byte is {@link #STRUCTURED} is {@code u8 seed} then mutations {@code u16 offset, u8 value}
 * applied to that seed (offsets modulo the bytes before the commit record), after which {@link
 * ImageCodec#resealed} rewrites the commit record, so the mutated image passes the integrity stage
 * and reaches the field rules. An input whose first byte is {@link FieldEdits#FIELDWISE} is the
 * field-wise form ({@link FieldEdits}: seed, how to seal, then fields set to their bounds +/- 1, to
 * 0 or to all ones). Any other input is the image's bytes as they are.
 *
 * <p>Shared by the two targets that take an image (restore-image and decoder-differential): the
 * form, the instrumentation globs, and how an input reads in a bug report (through the spec's
 * decoder, which names the broken field's rule and offset).
 */
final class RestoreImages {
  private RestoreImages() {}

  /**
   * What a restore image steers: the kernel's restore and image validation ({@code Restore}, {@code
   * CheckpointImage} and their inner classes; {@code Checkpoint} for its refusal lines), the spec's
   * decoder, encoder and restore model, and the harness's parsing of the structure-aware form. Not
   * the emulator, nor the kernel's reset, allocator, page tables and file system, nor the spec's
   * value records, nor the rig's page-table walk: they do the same work for every input of a size,
   * and instrumented they cost most of each execution (JIT compilation of the instrumented code
   * included).
   */
  static final String RESTORE_PATH =
      "xv6ckpt.kernel.Checkpoint*:xv6ckpt.kernel.Restore*"
          + ":xv6ckpt.specs.ImageDecoder*:xv6ckpt.specs.ImageCodec*:xv6ckpt.specs.CheckpointModel*"
          + ":"
          + RestoreImages.class.getName()
          + ":"
          + FieldEdits.class.getName()
          + "*:"
          + ByteInput.class.getName();

  /** The restore path and the target's own class (with its nested classes). */
  static String instrument(Class<? extends FuzzTarget> target) {
    return RESTORE_PATH + ":" + target.getName();
  }

  /** What the oracle expected of an input: the spec's verdict on the image the kernel sees. */
  static String expected(byte[] input) {
    Verdict v = ImageCodec.decode(RestoreRig.stored(bytes(input)));
    String spec =
        v instanceof Verdict.Valid
            ? "valid, so restore succeeds with exactly the " + "decoded process (files permitting)"
            : "invalid: "
                + v
                + ", so restore refuses with "
                + "code "
                + ((Verdict.Invalid) v).rule().code()
                + " and leaves the caller untouched";
    return "the spec reads the image as "
        + spec
        + "; no Java exception, no panic, no leaked "
        + "page.";
  }

  /** The input for people: its form, and the image the kernel sees as the spec decodes it. */
  static String describe(byte[] input) {
    boolean structured = input.length >= 2 && (input[0] & 0xff) == STRUCTURED;
    boolean fieldwise = input.length >= 2 && (input[0] & 0xff) == FieldEdits.FIELDWISE;
    byte[] image = RestoreRig.stored(bytes(input));
    StringBuilder b = new StringBuilder();
    b.append(
            fieldwise
                ? FieldEdits.describe(
                    new ByteInput(java.util.Arrays.copyOfRange(input, 1, input.length)), SEEDS)
                : structured
                    ? "structure-aware form: seed "
                        + (input[1] & 0xff) % SEEDS.size()
                        + " with up to "
                        + MAX_MUTATIONS
                        + " edits, resealed"
                    : "raw image")
        .append("; the kernel sees ")
        .append(image.length)
        .append(" bytes\n");
    Verdict v = ImageCodec.decode(image);
    if (v instanceof Verdict.Invalid) {
      b.append("spec: ").append(v).append('\n');
    } else {
      Image im = ((Verdict.Valid) v).image();
      b.append("spec: valid: ")
          .append(im.header())
          .append(", pc 0x")
          .append(Long.toHexString(im.regs().pc()))
          .append(", ")
          .append(im.pages().size())
          .append(" pages, ")
          .append(im.files().size())
          .append(" open files, restart ")
          .append(im.restart())
          .append('\n');
    }
    return b.toString();
  }

  static final int STRUCTURED = 'S';
  static final int MAX_MUTATIONS = 32;
  private static final int ECALL = 0x00000073;
  private static final int NOP = 0x00000013;
  private static final int RX_U = Xv6.PTE_R | Xv6.PTE_X | Xv6.PTE_U;
  private static final int RW_U = Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_U;
  private static final int RW = Xv6.PTE_R | Xv6.PTE_W;

  /** Valid images of several shapes, each fitting {@link RestoreRig#CAPACITY}. */
  static final List<byte[]> SEEDS =
      List.of(
          ImageCodec.encode(image("empty", 0, 0, Image.SyscallRestart.NONE, List.of(), List.of())),
          ImageCodec.encode(
              image(
                  "one",
                  4096,
                  4,
                  Image.SyscallRestart.NONE,
                  List.of(Image.OpenFile.console(1, false, true)),
                  List.of(code(0, RX_U)))),
          ImageCodec.encode(
              image(
                  "guarded",
                  3 * 4096 + 100,
                  0,
                  Image.SyscallRestart.NONE,
                  List.of(
                      Image.OpenFile.console(0, true, false),
                      Image.OpenFile.console(2, true, true),
                      Image.OpenFile.file(3, true, false, "/f1", 3, 10),
                      Image.OpenFile.file(5, true, true, "/f2", 4, 300)),
                  List.of(
                      code(0, RX_U),
                      data(4096, RW, 7),
                      data(2 * 4096, RW_U, 9),
                      data(3 * 4096, RW_U, 11)))),
          ImageCodec.encode(blocked(Xv6.SYS_read, new long[] {0, 0x1000, 100, 0, 0, 0}, 3)),
          ImageCodec.encode(blocked(Xv6.SYS_sleep, new long[] {10, 0, 0, 0, 0, 0}, 2)),
          ImageCodec.encode(blocked(Xv6.SYS_wait, new long[] {0, 0, 0, 0, 0, 0}, 0)),
          ImageCodec.encode(
              image(
                  "files",
                  2 * 4096,
                  0,
                  Image.SyscallRestart.NONE,
                  List.of(
                      Image.OpenFile.file(4, true, false, "/f3", 5, 0),
                      Image.OpenFile.file(6, true, false, "/", 1, 0),
                      Image.OpenFile.file(7, true, false, "/nosuch", 9, 0)),
                  List.of(code(0, RX_U), data(4096, RW_U, 1)))));

  /** The bytes input stands for: a mutated, resealed seed, or the input itself. */
  static byte[] bytes(byte[] input) {
    if (input.length >= 2 && (input[0] & 0xff) == FieldEdits.FIELDWISE) {
      return FieldEdits.apply(
          new ByteInput(java.util.Arrays.copyOfRange(input, 1, input.length)), SEEDS);
    }
    if (input.length < 2 || (input[0] & 0xff) != STRUCTURED) {
      return input;
    }
    ByteInput in = new ByteInput(java.util.Arrays.copyOfRange(input, 1, input.length));
    byte[] b = SEEDS.get(in.u8() % SEEDS.size()).clone();
    int body = b.length - 32;
    for (int n = 0; n < MAX_MUTATIONS && !in.exhausted(); n++) {
      int off = in.u16() % body;
      b[off] = (byte) in.u8();
    }
    return ImageCodec.resealed(b);
  }

  private static Image image(
      String name,
      long sz,
      long pc,
      Image.SyscallRestart r,
      List<Image.OpenFile> files,
      List<Image.Page> pages) {
    long[] x = new long[31];
    for (int i = 0; i < 31; i++) {
      x[i] = 0x1000L * (i + 1) + i;
    }
    if (r.sysnum() != 0) {
      for (int i = 0; i < 6; i++) {
        x[Image.Registers.A0 - 1 + i] = r.args().get(i);
      }
      x[Image.Registers.A7 - 1] = r.sysnum();
    }
    return new Image(
        new Image.Header(0x5eed0000L + name.length(), 7, name, sz),
        Image.Registers.of(x, pc),
        r,
        files,
        pages);
  }

  /** A process blocked in sysnum at the ecall at 8 of its code page. */
  private static Image blocked(int sysnum, long[] args, long progress) {
    List<Long> a = new ArrayList<>();
    for (long v : args) {
      a.add(v);
    }
    return image(
        "blocked" + sysnum,
        2 * 4096,
        8,
        new Image.SyscallRestart(sysnum, Collections.unmodifiableList(a), progress),
        List.of(Image.OpenFile.console(0, true, false)),
        List.of(code(0, RX_U), data(4096, RW_U, 3)));
  }

  /** A code page: nops (addi x0, x0, 0) but an ecall at 8, where blocked images stand. */
  private static Image.Page code(long va, int perm) {
    byte[] d = new byte[Xv6.PGSIZE];
    for (int i = 0; i < d.length; i += 4) {
      d[i] = (byte) (i == 8 ? ECALL : NOP);
    }
    return new Image.Page(va, perm, d);
  }

  private static Image.Page data(long va, int perm, int seed) {
    byte[] d = new byte[Xv6.PGSIZE];
    for (int i = 0; i < d.length; i++) {
      d[i] = (byte) (i * seed + (i >> 7));
    }
    return new Image.Page(va, perm, d);
  }
}
