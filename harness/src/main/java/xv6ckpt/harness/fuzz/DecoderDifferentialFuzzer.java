package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to decoder-differential ({@code --target_class=xv6ckpt.harness.fuzz.DecoderDifferentialFuzzer});
 * one target per JVM, built at the first input, its machine reset for every input.
 */
public final class DecoderDifferentialFuzzer {
  private DecoderDifferentialFuzzer() {}

  private static final class Holder {
    static final DecoderDifferentialTarget TARGET = new DecoderDifferentialTarget();
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
