package xv6ckpt.harness.campaign;

import java.util.Arrays;
import xv6ckpt.harness.fuzz.FuzzTarget;

/**
 * Shrinks a failing input while it keeps failing with the same stack hash: removes chunks of
 * halving size (ddmin's complement step), then zeroes single bytes. Deterministic and bounded by
 * {@code maxRuns} target executions.
 */
public final class Minimizer {
  private Minimizer() {}

  public static byte[] minimize(FuzzTarget t, byte[] input, String hash, int maxRuns) {
    byte[] best = input;
    int runs = 0;
    for (int chunk = Math.max(1, best.length / 2); chunk >= 1 && runs < maxRuns; chunk /= 2) {
      for (int at = 0; at + chunk <= best.length && runs < maxRuns; ) {
        byte[] cand = new byte[best.length - chunk];
        System.arraycopy(best, 0, cand, 0, at);
        System.arraycopy(best, at + chunk, cand, at, best.length - at - chunk);
        runs++;
        if (sameFailure(t, cand, hash)) {
          best = cand;
        } else {
          at += chunk;
        }
      }
    }
    for (int i = 0; i < best.length && runs < maxRuns; i++) {
      if (best[i] != 0) {
        byte[] cand = Arrays.copyOf(best, best.length);
        cand[i] = 0;
        runs++;
        if (sameFailure(t, cand, hash)) {
          best = cand;
        }
      }
    }
    return best;
  }

  private static boolean sameFailure(FuzzTarget t, byte[] input, String hash) {
    FuzzTarget.Verdict v = t.run(input);
    return v instanceof FuzzTarget.Verdict.Fail
        && Findings.stackHash((FuzzTarget.Verdict.Fail) v).equals(hash);
  }
}
