package xv6ckpt.harness.system;

/**
 * A sweep could not judge the kernel: it reaches no prompt, reads no disk, panics before the sweep
 * begins, or refuses the workload's checkpoint outright. Bad input for the command line (exit 2),
 * never a finding.
 */
public final class CannotJudge extends RuntimeException {
  CannotJudge(String message) {
    super(message);
  }
}
