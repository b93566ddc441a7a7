package xv6ckpt.harness.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A test-only fuzz target with two bugs planted on purpose, so that campaigns, findings and replay
 * can be tested on real failures (the real targets have none known). It fails on an input holding
 * the bytes "BUG" (rule "planted", the offset in the detail, so inputs with the marker at different
 * offsets share one stack hash) or "OOPS" (rule "planted-oops"), unless built {@code fixed}, which
 * stands for the same target after the bugs were fixed.
 *
 * <p>Registered only in {@link #REGISTRY} and {@link #FIXED_REGISTRY}, never in {@link
 * FuzzTargets#ALL}; {@link PlantedBugFuzzer} is its Jazzer entry.
 */
public final class PlantedBugTarget implements FuzzTarget {
  public static final String NAME = "planted-bug";

  /** A second name for the same target, for campaigns of two targets. */
  public static final String OTHER = "planted-bug-b";

  public static final List<FuzzTargets.Entry> REGISTRY = registry(false);
  public static final List<FuzzTargets.Entry> FIXED_REGISTRY = registry(true);

  private final String name;
  private final boolean fixed;

  public PlantedBugTarget(String name, boolean fixed) {
    this.name = name;
    this.fixed = fixed;
  }

  private static List<FuzzTargets.Entry> registry(boolean fixed) {
    return List.of(entry(NAME, fixed), entry(OTHER, fixed));
  }

  private static FuzzTargets.Entry entry(String name, boolean fixed) {
    return new FuzzTargets.Entry(
        name,
        () -> new PlantedBugTarget(name, fixed),
        PlantedBugFuzzer.class,
        PlantedBugTarget.class.getPackageName() + ".PlantedBug*",
        List.of(),
        input -> "(no decoder for target " + name + ")\n",
        FuzzTargets.Entry.commonExpectation(name),
        "",
        "");
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Verdict run(byte[] input) {
    int bug = indexOf(input, "BUG");
    if (bug >= 0 && !fixed) {
      return new Verdict.Fail(
          "planted", "the bytes BUG at offset " + bug, "planted: console of the failing run\n", "");
    }
    int oops = indexOf(input, "OOPS");
    if (oops >= 0 && !fixed) {
      return new Verdict.Fail("planted-oops", "the bytes OOPS at offset " + oops, "", "");
    }
    return new Verdict.Pass("no planted bug hit (" + input.length + " bytes)");
  }

  static int indexOf(byte[] input, String marker) {
    byte[] m = marker.getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i + m.length <= input.length; i++) {
      int k = 0;
      while (k < m.length && input[i + k] == m[k]) {
        k++;
      }
      if (k == m.length) {
        return i;
      }
    }
    return -1;
  }
}
