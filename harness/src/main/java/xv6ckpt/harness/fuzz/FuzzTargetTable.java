package xv6ckpt.harness.fuzz;

import java.io.PrintStream;
import java.util.List;

/**
 * The fuzz targets as a table for scripts: one line per target of {@link FuzzTargets#ALL}, {@code
 * name TAB jazzer-entry-class TAB instrumentation-includes}. This is how
 * .clusterfuzzlite/package.sh learns which launchers to write, so that the Java list stays the one
 * place a target is registered.
 *
 * <p>The includes column is never empty: a target that takes Jazzer's default (every class on the
 * class path) gets {@value #OUR_CLASSES}, which is the same set in practice (the targets load no
 * other library code) and is explicit, as OSS-Fuzz's JVM launchers are.
 */
public final class FuzzTargetTable {
  private FuzzTargetTable() {}

  /** Every class of this project: emulator, kernel, specs and harness. */
  static final String OUR_CLASSES = "xv6ckpt.**";

  public static void main(String[] args) {
    write(FuzzTargets.ALL, System.out);
  }

  static void write(List<FuzzTargets.Entry> entries, PrintStream out) {
    for (FuzzTargets.Entry e : entries) {
      out.println(e.name() + "\t" + e.jazzerClass().getName() + "\t" + includes(e));
    }
    out.flush();
  }

  /** The --instrumentation_includes a launcher passes for this target. */
  static String includes(FuzzTargets.Entry e) {
    return e.instrument().isEmpty() ? OUR_CLASSES : e.instrument();
  }
}
