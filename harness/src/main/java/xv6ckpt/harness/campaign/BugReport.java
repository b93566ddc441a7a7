package xv6ckpt.harness.campaign;

import java.util.HexFormat;
import xv6ckpt.harness.fuzz.FuzzTarget;
import xv6ckpt.harness.fuzz.FuzzTargets;

/**
 * The Markdown bug report of a failing input, in the order someone fixing it reads it: the command
 * that reproduces it; expected against actual (for the image targets, the spec's verdict on the
 * image against what the kernel did); the input decoded (each target decodes its own: the image
 * targets through the spec's decoder, which names the broken field's rule and offset; the others
 * call by call or patch by patch); the raw bytes; the kernel's console; the Java stack.
 */
public final class BugReport {
  private BugReport() {}

  /** Section titles, in order; tests and readers can rely on them. */
  static final String REPRODUCE = "## Reproduce";

  static final String EXPECTED = "## Expected and actual";
  static final String INPUT = "## Input";
  static final String CONSOLE = "## Console";
  static final String STACK = "## Stack";

  /** The report of f, a failure of target's input (stored at inputPath). */
  public static String markdown(
      FuzzTargets.Entry target, String inputPath, byte[] input, FuzzTarget.Verdict.Fail f) {
    StringBuilder b = new StringBuilder();
    b.append("# ").append(target.name()).append(": ").append(f.rule()).append("\n\n");
    b.append(REPRODUCE)
        .append("\n\n```\n")
        .append(reproduce(target, inputPath))
        .append("\n```\n\n");
    b.append("Kernel: ").append(target.kernel()).append("\n\n");
    b.append(EXPECTED)
        .append("\n\nExpected: ")
        .append(target.expected().apply(input))
        .append("\n\n");
    b.append("Actual: ").append(f.rule()).append(": ").append(f.detail()).append("\n\n");
    b.append(INPUT)
        .append(" (")
        .append(input.length)
        .append(" bytes), decoded\n\n```\n")
        .append(target.describe().apply(input))
        .append("```\n\n");
    b.append("Raw: `")
        .append(HexFormat.of().formatHex(input, 0, Math.min(input.length, 512)))
        .append(input.length > 512 ? "...`" : "`")
        .append("\n\n");
    b.append(CONSOLE)
        .append("\n\n```\n")
        .append(f.console().isEmpty() ? "(nothing)\n" : f.console())
        .append(f.console().endsWith("\n") || f.console().isEmpty() ? "" : "\n")
        .append("```\n\n");
    b.append(STACK)
        .append("\n\n```\n")
        .append(f.stack().isEmpty() ? "(no Java exception)\n" : f.stack())
        .append("```\n");
    return b.toString();
  }

  /** The command that replays the input at inputPath on the kernel target's inputs run on. */
  static String reproduce(FuzzTargets.Entry target, String inputPath) {
    StringBuilder cmd = new StringBuilder("./xv6ckpt replay");
    for (String flag : target.kernelFlags()) {
      cmd.append(' ').append(shellWord(flag));
    }
    return cmd.append(' ').append(shellWord(inputPath)).toString();
  }

  /** A word the shell reads back unchanged: quoted when it holds anything but plain characters. */
  static String shellWord(String w) {
    if (!w.isEmpty() && w.matches("[A-Za-z0-9_@%+=:,./-]+")) {
      return w;
    }
    return "'" + w.replace("'", "'\\''") + "'";
  }
}
