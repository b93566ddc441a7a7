package xv6ckpt.harness.fuzz;

import java.io.PrintWriter;
import java.io.StringWriter;
import xv6ckpt.kernel.Machine;

/** The fuzz targets' verdicts for what escaped the kernel under test. */
final class Verdicts {
  private Verdicts() {}

  static String stack(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** The verdict for an exception that escaped the code under test. */
  static FuzzTarget.Verdict.Fail escaped(Throwable t, Machine m) {
    return new FuzzTarget.Verdict.Fail("java-exception", t.toString(), m.output(), stack(t));
  }

  /** The verdict for a panic; "kernel bug: ..." panics are Java exceptions the kernel caught. */
  static FuzzTarget.Verdict.Fail panicked(String message, Machine m, String context) {
    String rule = message.startsWith("kernel bug") ? "java-exception" : "panic";
    return new FuzzTarget.Verdict.Fail(
        rule, "kernel panic '" + message + "' " + context, m.output(), "");
  }
}
