package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to restore-image ({@code --target_class=xv6ckpt.harness.fuzz.RestoreImageFuzzer});
 * one target per JVM, built at the first input, its machine reset for every input.
 */
public final class RestoreImageFuzzer {
  private RestoreImageFuzzer() {}

  private static final class Holder {
    static final RestoreImageTarget TARGET = new RestoreImageTarget();
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
