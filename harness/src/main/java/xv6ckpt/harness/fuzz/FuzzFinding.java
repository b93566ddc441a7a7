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

  /**
   * The line a driver prints on stderr the first time in its JVM that an input meets an accepted
   * panic ({@link Verdicts#ACCEPTED_PANICS}), followed by the panic's message: the campaign counts
   * accepted panics by name from its driver's log.
   */
  public static final String ACCEPTED_LINE = "xv6ckpt: accepted panic: ";

  /**
   * Accepted panics this JVM has announced (a driver runs one target; the harness is not kernel).
   */
  private static final java.util.Set<String> ANNOUNCED =
      java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** Runs target on input; throws a finding if the oracle fails. */
  public static void check(FuzzTarget target, byte[] input) {
    FuzzTarget.Verdict v = target.run(input);
    if (v instanceof FuzzTarget.Verdict.Fail) {
      throw new FuzzFinding(target.name(), (FuzzTarget.Verdict.Fail) v);
    }
    announceAccepted(v.summary());
  }

  private static void announceAccepted(String summary) {
    if (!summary.startsWith(Verdicts.ACCEPTED)) {
      return;
    }
    for (Verdicts.AcceptedPanic a : Verdicts.ACCEPTED_PANICS) {
      if (summary.startsWith(Verdicts.ACCEPTED + a.message()) && ANNOUNCED.add(a.message())) {
        System.err.println(ACCEPTED_LINE + a.message());
      }
    }
  }
}
