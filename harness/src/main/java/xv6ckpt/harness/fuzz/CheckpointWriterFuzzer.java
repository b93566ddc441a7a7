package xv6ckpt.harness.fuzz;

/**
 * Jazzer's entry to checkpoint-writer ({@code
 * --target_class=xv6ckpt.harness.fuzz.CheckpointWriterFuzzer}); one target per JVM.
 */
public final class CheckpointWriterFuzzer {
  private CheckpointWriterFuzzer() {}

  private static final class Holder {
    static final CheckpointWriterTarget TARGET = new CheckpointWriterTarget();
  }

  /** Called by Jazzer's driver once before fuzzing starts. */
  public static void fuzzerInitialize() {
    Holder.TARGET.name(); // the first use of Holder builds the target
  }

  public static void fuzzerTestOneInput(byte[] input) {
    FuzzFinding.check(Holder.TARGET, input);
  }
}
