package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to kernel-differential ({@code
 * --target_class=xv6ckpt.harness.fuzz.KernelDifferentialFuzzer}): the Java kernel against the C
 * kernel the campaign passed in system properties, else against itself.
 */
public final class KernelDifferentialFuzzer {
  private KernelDifferentialFuzzer() {}

  private static final class Holder {
    static final FuzzTarget TARGET =
        KernelDifferentialTarget.fromProperties()
            .orElseGet(() -> KernelDifferentialTarget.ENTRY.factory().get());
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
