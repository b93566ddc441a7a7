package xv6ckpt.harness.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Machine.Outcome;

/**
 * {@code boot}: xv6 with its shell on this terminal. The machine runs until every process waits for
 * console input; then what the user types is handed to the console. In a real terminal the line
 * discipline is xv6's (the terminal is put in raw mode, so ^C arrives as a byte and ends the
 * session, as does ^D at an empty prompt... of the host: end of input).
 */
@Command(
    name = "boot",
    mixinStandardHelpOptions = true,
    description = {
      "Boot xv6 (pid 1 is /init from the image, which starts sh) with the console on this",
      "terminal. Ctrl-C, or the end of this process's input, ends the session.",
    },
    footer = {
      "",
      "Exit status: 0 at the end of the session; 1 if the kernel panicked or hung;",
      "2 on bad usage or a bad image. With --kernel: Ctrl-C ends the session with 130;",
      "--fs-out FILE then keeps the disk as the session left it; 2 (and nothing written) if",
      "the input ended and the kernel never printed a prompt ('$ ')."
    })
final class BootCommand implements Callable<Integer> {
  private static final long SLICE = 10_000_000;
  private static final int CTRL_C = 3;

  @ParentCommand Main main;

  @Mixin MachineOptions machine;

  @Override
  public Integer call() throws Exception {
    if (machine.kernel != null) {
      FullSystem fs = machine.fullSystem();
      int code;
      try (Terminal term = Terminal.raw()) {
        code = new ConsoleSession(fs, main.out, main.err).run(System.in);
      }
      if (machine.fsOut != null) {
        fs.writeDisk(machine.fsOut);
      }
      return code;
    }
    Machine.Config config = machine.config();
    try (BlockDevice disk = machine.disk();
        Terminal term = Terminal.raw()) {
      Machine m;
      try {
        m = Machine.boot(disk, config);
      } catch (Machine.BootException e) {
        throw CliError.badInput(e.getMessage());
      }
      m.echoOutputTo(main.out);
      return session(m, System.in);
    }
  }

  private int session(Machine m, InputStream in) throws IOException {
    byte[] buf = new byte[256];
    for (; ; ) {
      Outcome o = m.run(SLICE);
      main.out.flush();
      if (o instanceof Outcome.Panicked) {
        main.err.println("\r\nxv6ckpt: the kernel panicked: " + ((Outcome.Panicked) o).message());
        return Main.EXIT_FINDING;
      }
      if (o instanceof Outcome.Idle && !((Outcome.Idle) o).waitingForInput()) {
        main.err.println("\r\nxv6ckpt: every process is asleep and nothing can wake one");
        return Main.EXIT_FINDING;
      }
      if (o instanceof Outcome.Idle) {
        int n = in.read(buf);
        if (n < 0) {
          return Main.EXIT_OK; // end of input: the session is over
        }
        for (int i = 0; i < n; i++) {
          if (buf[i] == CTRL_C) {
            main.out.println();
            return Main.EXIT_OK;
          }
        }
        m.consoleInput(Arrays.copyOf(buf, n));
      }
    }
  }

  /** The host terminal in raw mode while the session lasts (nothing to do if not a tty). */
  private static final class Terminal implements AutoCloseable {
    private final boolean changed;

    private Terminal(boolean changed) {
      this.changed = changed;
    }

    static Terminal raw() {
      return new Terminal(
          System.console() != null && stty("-icanon", "-echo", "-isig", "min", "1"));
    }

    private static boolean stty(String... args) {
      String[] cmd = new String[args.length + 1];
      cmd[0] = "stty";
      System.arraycopy(args, 0, cmd, 1, args.length);
      try {
        Process p =
            new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/tty")))
                .start();
        return p.waitFor() == 0;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }

    @Override
    public void close() {
      if (changed) {
        stty("sane");
      }
    }
  }
}
