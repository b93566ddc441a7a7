package xv6ckpt.harness.fuzz;

/**
 * One fuzz target: a function from an input's bytes to a verdict. Contract: {@link #run} is
 * deterministic (the same bytes give the same verdict, in this JVM or another), accepts every byte
 * string (a useless input passes trivially), and never throws: a Java exception from the code under
 * test is itself a {@link Verdict.Fail}. One target object serves many inputs in a row; each run
 * starts from the same machine snapshot, so no input sees another's effects.
 */
public interface FuzzTarget {
  /** The target's name as the corpus and the command line spell it ("fs-image"). */
  String name();

  /** Runs one input and judges it. */
  Verdict run(byte[] input);

  /**
   * The guest kernel's coverage where this target runs a C kernel (fed to the fuzzer after each
   * input; reports name the kernel functions its inputs reach); empty on the Java kernel.
   */
  default java.util.Optional<GuestCoverage> guestCoverage() {
    return java.util.Optional.empty();
  }

  /** What one input did. */
  sealed interface Verdict {
    /** One line for the replay listing: what happened. */
    String summary();

    /** The oracle is satisfied. */
    record Pass(String summary) implements Verdict {}

    /**
     * The oracle is violated. {@code rule}: a short stable name of the broken invariant ("panic",
     * "java-exception", "page-leak", ...); {@code detail}: what was expected and what happened;
     * {@code console}: the machine's console output; {@code stack}: the Java stack when an
     * exception escaped, else empty.
     */
    record Fail(String rule, String detail, String console, String stack) implements Verdict {
      @Override
      public String summary() {
        return rule + ": " + detail;
      }
    }
  }
}
