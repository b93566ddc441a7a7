package xv6ckpt.harness.fuzz;

import java.util.HexFormat;

/**
 * The Markdown bug report of a failing input: which target, the input decoded field by field,
 * expected against actual, the console, the stack, and the one command that reproduces it.
 */
public final class BugReport {
  private BugReport() {}

  public static String markdown(String target, String inputPath, byte[] input,
      FuzzTarget.Verdict.Fail f) {
    StringBuilder b = new StringBuilder();
    b.append("# ").append(target).append(": ").append(f.rule()).append("\n\n");
    b.append("Expected: the oracle of ").append(target).append(" holds (no Java exception, ")
        .append("no panic where none is allowed, clean fsck, no leaked page, isolation).\n\n");
    b.append("Actual: ").append(f.detail()).append("\n\n");
    b.append("## Reproduce\n\n```\n./xv6ckpt replay ").append(inputPath).append("\n```\n\n");
    b.append("## Input (").append(input.length).append(" bytes), decoded\n\n```\n")
        .append(InputDecoder.describe(target, input)).append("```\n\n");
    b.append("Raw: `").append(HexFormat.of().formatHex(input, 0, Math.min(input.length, 512)))
        .append(input.length > 512 ? "...`" : "`").append("\n\n");
    b.append("## Console\n\n```\n").append(f.console().isEmpty() ? "(nothing)\n" : f.console())
        .append(f.console().endsWith("\n") || f.console().isEmpty() ? "" : "\n").append("```\n\n");
    b.append("## Stack\n\n```\n").append(f.stack().isEmpty() ? "(no Java exception)\n"
        : f.stack()).append("```\n");
    return b.toString();
  }
}
