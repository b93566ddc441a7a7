package xv6ckpt.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What every command-line test needs: run {@link Main} in process with its standard output and
 * error captured, one invocation at a time (each {@link #run} starts with empty streams).
 */
abstract class CommandTest {
  protected final ByteArrayOutputStream out = new ByteArrayOutputStream();
  protected final ByteArrayOutputStream err = new ByteArrayOutputStream();

  /** Runs the tool with these arguments; its exit status. */
  protected int run(String... args) {
    out.reset();
    err.reset();
    return Main.execute(args, new PrintStream(out, true), new PrintStream(err, true));
  }

  protected String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  protected String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
