package xv6ckpt.harness.fuzz;

import java.util.HexFormat;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Verdict;

/**
 * The Markdown bug report of a failing input, in the order someone fixing it reads it: the
 * command that reproduces it; expected against actual (for the image targets, the spec's
 * verdict on the image against what the kernel did); the input decoded (for the image targets,
 * by the spec's decoder, which names the broken field's rule and offset; for the others, call by
 * call or patch by patch); the raw bytes; the kernel's console; the Java stack.
 */
public final class BugReport {
  private BugReport() {}

  /** Section titles, in order; tests and readers can rely on them. */
  static final String REPRODUCE = "## Reproduce";
  static final String EXPECTED = "## Expected and actual";
  static final String INPUT = "## Input";
  static final String CONSOLE = "## Console";
  static final String STACK = "## Stack";

  public static String markdown(String target, String inputPath, byte[] input,
      FuzzTarget.Verdict.Fail f) {
    StringBuilder b = new StringBuilder();
    b.append("# ").append(target).append(": ").append(f.rule()).append("\n\n");
    b.append(REPRODUCE).append("\n\n```\n./xv6ckpt replay ").append(inputPath)
        .append("\n```\n\n");
    b.append(EXPECTED).append("\n\nExpected: ").append(expected(target, input)).append("\n\n");
    b.append("Actual: ").append(f.rule()).append(": ").append(f.detail()).append("\n\n");
    b.append(INPUT).append(" (").append(input.length).append(" bytes), decoded\n\n```\n")
        .append(decoded(target, input)).append("```\n\n");
    b.append("Raw: `").append(HexFormat.of().formatHex(input, 0, Math.min(input.length, 512)))
        .append(input.length > 512 ? "...`" : "`").append("\n\n");
    b.append(CONSOLE).append("\n\n```\n").append(f.console().isEmpty() ? "(nothing)\n"
        : f.console()).append(f.console().endsWith("\n") || f.console().isEmpty() ? "" : "\n")
        .append("```\n\n");
    b.append(STACK).append("\n\n```\n").append(f.stack().isEmpty() ? "(no Java exception)\n"
        : f.stack()).append("```\n");
    return b.toString();
  }

  private static boolean imageTarget(String target) {
    return target.equals("restore-image") || target.equals("decoder-differential");
  }

  /** What the oracle expected: for the image targets, the spec's verdict on the image. */
  private static String expected(String target, byte[] input) {
    if (!imageTarget(target)) {
      return "the oracle of " + target + " holds (no Java exception, no panic where none is "
          + "allowed, clean fsck, no leaked page, isolation).";
    }
    Verdict v = ImageCodec.decode(RestoreRig.stored(RestoreImages.bytes(input)));
    String spec = v instanceof Verdict.Valid ? "valid, so restore succeeds with exactly the "
        + "decoded process (files permitting)" : "invalid: " + v + ", so restore refuses with "
        + "code " + ((Verdict.Invalid) v).rule().code() + " and leaves the caller untouched";
    return "the spec reads the image as " + spec + "; no Java exception, no panic, no leaked "
        + "page.";
  }

  /** The input decoded for people; the image targets through the spec's decoder. */
  private static String decoded(String target, byte[] input) {
    if (!imageTarget(target)) {
      return InputDecoder.describe(target, input);
    }
    boolean structured = input.length >= 2 && (input[0] & 0xff) == RestoreImages.STRUCTURED;
    byte[] image = RestoreRig.stored(RestoreImages.bytes(input));
    StringBuilder b = new StringBuilder();
    b.append(structured ? "structure-aware form: seed " + (input[1] & 0xff) % RestoreImages.SEEDS
        .size() + " with up to " + RestoreImages.MAX_MUTATIONS + " edits, resealed" : "raw image")
        .append("; the kernel sees ").append(image.length).append(" bytes\n");
    Verdict v = ImageCodec.decode(image);
    if (v instanceof Verdict.Invalid) {
      b.append("spec: ").append(v).append('\n');
    } else {
      xv6ckpt.specs.Image im = ((Verdict.Valid) v).image();
      b.append("spec: valid: ").append(im.header()).append(", pc 0x")
          .append(Long.toHexString(im.regs().pc())).append(", ").append(im.pages().size())
          .append(" pages, ").append(im.files().size()).append(" open files, restart ")
          .append(im.restart()).append('\n');
    }
    return b.toString();
  }
}
