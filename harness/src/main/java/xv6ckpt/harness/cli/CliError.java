package xv6ckpt.harness.cli;

/**
 * A failure to report to the user as one line on stderr, with the exit code it deserves: bad input
 * ({@link Main#EXIT_USAGE}) or a failed check ({@link Main#EXIT_FINDING}).
 */
public final class CliError extends RuntimeException {
  private final int exitCode;

  public CliError(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  /** Bad input: a missing file, a malformed image, a value out of range. */
  public static CliError badInput(String message) {
    return new CliError(Main.EXIT_USAGE, message);
  }

  public int exitCode() {
    return exitCode;
  }
}
