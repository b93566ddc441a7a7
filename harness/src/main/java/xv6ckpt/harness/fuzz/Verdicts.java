package xv6ckpt.harness.fuzz;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import xv6ckpt.kernel.Machine;

/** The fuzz targets' verdicts for what escaped the kernel under test. */
final class Verdicts {
  private Verdicts() {}

  /**
   * A panic the project accepts because stock xv6 panics at the same point for the same reason: the
   * kernel stays faithful to xv6 where xv6 panics on exhaustion of an in-memory table (issue 15,
   * item 4). {@code message}: the panic's exact message; {@code why}: why it is accepted; {@code
   * stock}: what stock xv6-riscv does there.
   */
  record AcceptedPanic(String message, String why, String stock) {}

  /**
   * Every accepted panic, by name. A target's verdict on one is a pass whose summary starts with
   * {@link #ACCEPTED} and the message, which the campaign counts per target (never a finding, never
   * silence); any other panic is a finding.
   */
  static final List<AcceptedPanic> ACCEPTED_PANICS =
      List.of(
          new AcceptedPanic(
              "iget: no inodes",
              "NINODE (50) in-memory inodes are all referenced: many processes each holding a"
                  + " different directory as cwd or a different file open. The table is fixed in"
                  + " size and xv6 has no error path from iget; the project keeps xv6's tables and"
                  + " panics (kernel README, 'Exhaustion').",
              "fs.c iget() calls panic(\"iget: no inodes\") when no entry has ref == 0"));

  /** How the summary of a pass on an accepted panic starts. */
  static final String ACCEPTED = "accepted panic: ";

  /** How the kernel's invariant panics start (the kernel's Invariants.PREFIX). */
  static final String INVARIANT = "invariant: ";

  /** The accepted panic with exactly this message, if it is one. */
  static Optional<AcceptedPanic> accepted(String message) {
    return ACCEPTED_PANICS.stream().filter(a -> a.message().equals(message)).findFirst();
  }

  /** Whether a panic is a broken kernel-wide invariant rather than one of xv6's panics. */
  static boolean isInvariant(String message) {
    return message.startsWith(INVARIANT);
  }

  static String stack(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** The verdict for an exception that escaped the code under test. */
  static FuzzTarget.Verdict.Fail escaped(Throwable t, Machine m) {
    return escaped(t, m.output());
  }

  /** A Java exception that escaped a target, with the console {@code output} it had printed. */
  static FuzzTarget.Verdict.Fail escaped(Throwable t, String output) {
    return new FuzzTarget.Verdict.Fail("java-exception", t.toString(), output, stack(t));
  }

  /**
   * The verdict for a panic: an accepted one passes by name; a broken invariant is rule {@code
   * invariant}; "kernel bug: ..." panics are Java exceptions the kernel caught; any other is {@code
   * panic}.
   */
  static FuzzTarget.Verdict panicked(String message, Machine m, String context) {
    if (accepted(message).isPresent()) {
      return new FuzzTarget.Verdict.Pass(ACCEPTED + message + " " + context);
    }
    String rule =
        message.startsWith("kernel bug")
            ? "java-exception"
            : isInvariant(message) ? "invariant" : "panic";
    return new FuzzTarget.Verdict.Fail(
        rule, "kernel panic '" + message + "' " + context, m.output(), "");
  }
}
