package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to fs-image ({@code --target_class=xv6ckpt.harness.fuzz.FsImageFuzzer}).
 * libFuzzer's contract is a static function, so the one target object of this JVM lives in a holder
 * class, built at the first input; every input resets its machine to the same snapshot, so nothing
 * carries over from one input to the next.
 */
public final class FsImageFuzzer {
  private FsImageFuzzer() {}

  private static final class Holder {
    static final FsImageTarget TARGET = new FsImageTarget();
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
