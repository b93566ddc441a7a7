package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to syscall-args ({@code --target_class=xv6ckpt.harness.fuzz.SyscallArgsFuzzer}).
 * libFuzzer's contract is a static function, so the one target object of this JVM lives in a holder
 * class, built at the first input; every input resets its machine to the same snapshot, so nothing
 * carries over from one input to the next.
 */
public final class SyscallArgsFuzzer {
  private SyscallArgsFuzzer() {}

  private static final class Holder {
    /** The C kernel the campaign passed in system properties, else the Java kernel. */
    static final FuzzTarget TARGET =
        SyscallArgsElfTarget.fromProperties().orElseGet(SyscallArgsTarget::new);
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
