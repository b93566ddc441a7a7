package xv6ckpt.harness.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import xv6ckpt.emulator.system.SystemMachine;

/**
 * {@code boot --kernel}: a C kernel's UART console on this terminal. The machine runs in slices;
 * between two slices every byte that has arrived on stdin is handed to the UART, in arrival order
 * (a reader thread only queues them, the machine's thread alone touches the machine). Output bytes
 * go to stdout as the kernel writes them.
 *
 * <p>Ctrl-C (a byte, the terminal being raw) ends the session at once with 130. End of input ends
 * it with 0 once the kernel has read every byte typed and gone quiet at a prompt ("$ "), so a
 * script piped in runs to its end. A kernel that has printed nothing for {@link #QUIET_SLICES}
 * slices (or gone idle) by then ends it too: with 0 if it ever showed a prompt, else as bad input
 * (exit 2, nothing written): it never offered a shell to type at.
 */
final class ConsoleSession {
  static final int EXIT_INTERRUPTED = 130;
  private static final long SLICE = 5_000_000;
  static final int QUIET_SLICES = 200;
  private static final int CTRL_C = 3;
  private static final byte[] EOF = new byte[0];

  private final FullSystem fs;
  private final PrintStream out;
  private final PrintStream err;

  ConsoleSession(FullSystem fs, PrintStream out, PrintStream err) {
    this.fs = fs;
    this.out = out;
    this.err = err;
  }

  int run(InputStream in) {
    LinkedBlockingQueue<byte[]> arrived = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> pump(in, arrived), "console-reader");
    reader.setDaemon(true);
    reader.start();
    fs.echoTo(out);
    boolean ended = false;
    boolean idle = false;
    int quiet = 0;
    for (; ; ) {
      // an idle machine (every hart in wfi, no timer) waits for the next input, not the CPU
      for (byte[] b = idle && !ended ? take(arrived) : arrived.poll();
          b != null;
          b = arrived.poll()) {
        if (b == EOF) {
          ended = true;
          continue;
        }
        for (byte x : b) {
          if (x == CTRL_C) {
            out.println();
            out.flush();
            return EXIT_INTERRUPTED;
          }
        }
        fs.type(b);
      }
      int before = fs.consoleLength();
      idle = fs.machine.run(SLICE) == SystemMachine.Stop.IDLE;
      out.flush();
      String panic = fs.panicLine(before);
      if (panic != null) {
        err.println("\r\nxv6ckpt: the kernel panicked: " + panic);
        return Main.EXIT_FINDING;
      }
      quiet = fs.consoleLength() == before ? quiet + 1 : 0;
      if (ended && fs.board.uart.unreadInput() == 0 && (idle || atRest(fs.console(), quiet))) {
        if (!fs.console().contains("$ ")) {
          throw CliError.badInput(noPrompt(idle)); // --fs-out is not written then
        }
        return Main.EXIT_OK;
      }
    }
  }

  /** The input ended and the kernel never printed a prompt: not a kernel to talk to. */
  private String noPrompt(boolean idle) {
    return "the kernel did not reach a prompt ('$ ') in "
        + fs.machine.time()
        + " steps"
        + (idle
            ? ": the machine went idle (every hart waits in wfi and no timer or device can wake"
                + " one)"
            : ", and printed nothing for the last " + QUIET_SLICES * SLICE + " steps");
  }

  /**
   * Quiet at a prompt; or quiet for {@link #QUIET_SLICES}, for a kernel that never printed "init:
   * starting sh" (it may have no xv6 prompt), or for {@link #QUIET_SLICES_SHELL} once it did: a
   * long command under xv6's shell (usertests counting free pages) prints nothing for billions of
   * steps, and is cut off only where {@code run --kernel} would give up too.
   */
  static boolean atRest(String console, long quiet) {
    if (quiet > 0 && console.endsWith("$ ")) return true;
    boolean shell = console.contains(SHELL_START);
    return quiet >= (shell ? QUIET_SLICES_SHELL : QUIET_SLICES);
  }

  static final long QUIET_SLICES_SHELL = RunCommand.DEFAULT_MAX_STEPS / SLICE;

  private static final String SHELL_START = "init: starting sh";

  private static byte[] take(LinkedBlockingQueue<byte[]> q) {
    try {
      return q.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EOF;
    }
  }

  /** The reader thread: stdin's bytes into the queue as they come, then {@link #EOF}. */
  private static void pump(InputStream in, LinkedBlockingQueue<byte[]> arrived) {
    byte[] buf = new byte[256];
    try {
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        if (n > 0) arrived.add(Arrays.copyOf(buf, n));
      }
    } catch (IOException e) {
      // an unreadable stdin is the end of input
    }
    arrived.add(EOF);
  }
}
