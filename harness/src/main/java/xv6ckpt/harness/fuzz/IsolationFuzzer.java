package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to isolation ({@code --target_class=xv6ckpt.harness.fuzz.IsolationFuzzer}): one
 * target per JVM, on the C kernel a campaign names in system properties, else the Java kernel.
 */
public final class IsolationFuzzer {
  private IsolationFuzzer() {}

  private static final class Holder {
    static final FuzzTarget TARGET =
        IsolationTarget.fromProperties().orElseGet(IsolationTarget::new);
  }

  /** Builds the target (boot, the scene, the snapshot) before fuzzing starts. */
  public static void fuzzerInitialize() {
    Holder.TARGET.name();
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
