package xv6ckpt.harness.fuzz;

/**
 * Thrown by the Jazzer entry points when a target's oracle fails, so that Jazzer (and libFuzzer
 * behind it) records the input as a crash. The message is the verdict's one-line summary, which is
 * also the first line of the stack Jazzer prints and hashes for deduplication: the rule name comes
 * first so that findings breaking the same rule at the same place group together.
 */
public final class FuzzFinding extends AssertionError {
  private final FuzzTarget.Verdict.Fail verdict;

  public FuzzFinding(String target, FuzzTarget.Verdict.Fail verdict) {
    super(
        target
            + ": "
            + verdict.rule()
            + ": "
            + verdict.detail()
            + (verdict.stack().isEmpty() ? "" : "\n" + verdict.stack()));
    this.verdict = verdict;
  }

  public FuzzTarget.Verdict.Fail verdict() {
    return verdict;
  }

  /** Runs target on input; throws a finding if the oracle fails. */
  public static void check(FuzzTarget target, byte[] input) {
    FuzzTarget.Verdict v = target.run(input);
    if (v instanceof FuzzTarget.Verdict.Fail) {
      throw new FuzzFinding(target.name(), (FuzzTarget.Verdict.Fail) v);
    }
  }
}
