package xv6ckpt.harness.fuzz;

/** Jazzer's entry to the test-only {@link PlantedBugTarget} (its buggy build). */
public final class PlantedBugFuzzer {
  private PlantedBugFuzzer() {}

  private static final class Holder {
    static final PlantedBugTarget TARGET = new PlantedBugTarget(PlantedBugTarget.NAME, false);
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
