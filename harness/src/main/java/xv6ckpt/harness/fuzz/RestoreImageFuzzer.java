package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to restore-image ({@code --target_class=xv6ckpt.harness.fuzz.RestoreImageFuzzer});
 * one target per JVM, built before fuzzing starts (or at the first input, under JUnit), its machine
 * reset for every input.
 */
public final class RestoreImageFuzzer {
  private RestoreImageFuzzer() {}

  private static final class Holder {
    /** The C kernel the campaign passed in system properties, else the Java kernel. */
    static final FuzzTarget TARGET =
        RestoreImageElfTarget.fromProperties().orElseGet(RestoreImageTarget::new);
  }

  /**
   * Called by Jazzer's driver once before fuzzing starts: builds the target (mkfs, boot, the
   * snapshot) so that its setup is not counted as the first execution's time.
   */
  public static void fuzzerInitialize() {
    Holder.TARGET.name(); // the first use of Holder builds the target
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
