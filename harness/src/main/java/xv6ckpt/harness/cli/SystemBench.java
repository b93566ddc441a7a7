package xv6ckpt.harness.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import xv6ckpt.emulator.system.SystemMachine;

/**
 * {@code bench}'s full-system figures for a C kernel ({@code --kernel K --fs F}): the boot to xv6's
 * first prompt and one command line under its shell, on our machine, and the same two under
 * qemu-system-riscv64 when it is on PATH. Wall time is read here, in the tool; the machine itself
 * only counts steps.
 */
final class SystemBench {
  private SystemBench() {}

  static final String SHELL_START = "init: starting sh";
  static final String PROMPT = "$ ";

  /**
   * One boot, or one command, on our machine: wall milliseconds, the machine's steps, and the
   * instructions each hart retired (steps less traps taken; the harts' sum over wall time is the
   * full-system MIPS).
   */
  record Run(double millis, long steps, long[] retired, String output) {
    long instructions() {
      long sum = 0;
      for (long r : retired) sum += r;
      return sum;
    }

    double mips() {
      return instructions() / (millis * 1e3);
    }
  }

  /** Boots to the shell's first prompt; null if none came within {@code maxSteps}. */
  static Run boot(FullSystem fs, long maxSteps) {
    long[] before = retired(fs);
    long t0 = System.nanoTime();
    int at = waitForPrompt(fs, 0, true, maxSteps);
    double ms = (System.nanoTime() - t0) / 1e6;
    return at < 0 ? null : new Run(ms, fs.machine.time(), minus(retired(fs), before), "");
  }

  /** Types {@code line} at the prompt and runs to the next; null if it did not come back. */
  static Run command(FullSystem fs, String line, long maxSteps) {
    int from = fs.consoleLength();
    long steps = fs.machine.time();
    long[] before = retired(fs);
    long t0 = System.nanoTime();
    fs.type((line + "\n").getBytes(StandardCharsets.UTF_8));
    int at = waitForPrompt(fs, from, false, maxSteps);
    double ms = (System.nanoTime() - t0) / 1e6;
    if (at < 0) return null;
    String out = fs.console().substring(from, at);
    return new Run(ms, fs.machine.time() - steps, minus(retired(fs), before), out);
  }

  /**
   * Steps between looks at the console: a command (usertests -q runs some 3e10 steps) is timed to
   * within a slice of 10M, a boot (about 4.3e8) to within 1M, where 10M of an idle kernel's
   * spinning would be a tenth of the figure.
   */
  private static final long SLICE = 10_000_000, BOOT_SLICE = 1_000_000;

  /** Where the prompt ending the console after {@code from} starts, or -1 on running out. */
  private static int waitForPrompt(FullSystem fs, int from, boolean boot, long maxSteps) {
    long end = fs.machine.time() + maxSteps;
    long slice = boot ? BOOT_SLICE : SLICE;
    while (fs.machine.time() < end) {
      SystemMachine.Stop stop = fs.machine.run(Math.min(slice, end - fs.machine.time()));
      String c = fs.console();
      boolean started = !boot || c.contains(SHELL_START);
      if (started
          && c.endsWith(PROMPT)
          && c.length() - PROMPT.length() > from
          && fs.board.uart.unreadInput() == 0) {
        return c.length() - PROMPT.length();
      }
      if (fs.panicLine(from) != null || stop == SystemMachine.Stop.IDLE) return -1;
    }
    return -1;
  }

  private static long[] retired(FullSystem fs) {
    long[] r = new long[fs.machine.hartCount()];
    for (int i = 0; i < r.length; i++) r[i] = fs.machine.hart(i).hart().instret();
    return r;
  }

  private static long[] minus(long[] a, long[] b) {
    long[] d = new long[a.length];
    for (int i = 0; i < a.length; i++) d[i] = a[i] - b[i];
    return d;
  }

  // ---------------------------------------------------------------- qemu-system, for comparison

  /** qemu-system's boot (from its process start) and command, in wall milliseconds. */
  record QemuRun(double bootMillis, double commandMillis, String output) {}

  /**
   * Boots the same kernel under {@code qemu} (qemu-system-riscv64) over a copy of {@code fs} with
   * the options xv6's Makefile uses, types {@code line} at the first prompt and times it to the
   * next. The console is a pipe, so the bytes are the kernel's own (no terminal's CR).
   */
  static QemuRun qemu(String qemu, Path kernel, Path fs, int harts, String line, long timeoutSec)
      throws IOException, InterruptedException {
    Path dir = Files.createTempDirectory("xv6ckpt-qemu");
    Path img = dir.resolve("fs.img");
    Files.copy(fs, img);
    List<String> cmd =
        new ArrayList<>(
            List.of(
                qemu,
                "-machine",
                "virt",
                "-bios",
                "none",
                "-kernel",
                kernel.toString(),
                "-m",
                "128M",
                "-smp",
                String.valueOf(harts),
                "-nographic",
                "-global",
                "virtio-mmio.force-legacy=false",
                "-drive",
                "file=" + img + ",if=none,format=raw,id=x0",
                "-device",
                "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0"));
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      Console console = new Console(p.getInputStream());
      long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSec);
      int at = console.await(0, true, deadline);
      double boot = (System.nanoTime() - t0) / 1e6;
      if (at < 0) return null;
      int from = console.length();
      long t1 = System.nanoTime();
      OutputStream in = p.getOutputStream();
      in.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      in.flush();
      int end = console.await(from, false, t1 + TimeUnit.SECONDS.toNanos(timeoutSec));
      double ms = (System.nanoTime() - t1) / 1e6;
      return end < 0 ? null : new QemuRun(boot, ms, console.text().substring(from, end));
    } finally {
      p.destroyForcibly().waitFor();
      Files.deleteIfExists(img);
      Files.deleteIfExists(dir);
    }
  }

  /** qemu's console, read by a thread as it comes. */
  private static final class Console {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    Console(InputStream in) {
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[4096];
                try {
                  for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                    synchronized (bytes) {
                      bytes.write(buf, 0, n);
                      bytes.notifyAll();
                    }
                  }
                } catch (IOException e) {
                  // the process ended: the console is complete
                }
              },
              "qemu-console");
      t.setDaemon(true);
      t.start();
    }

    String text() {
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.ISO_8859_1);
      }
    }

    int length() {
      synchronized (bytes) {
        return bytes.size();
      }
    }

    /** Waits until the console after {@code from} ends with the prompt; its start, or -1. */
    int await(int from, boolean boot, long deadlineNanos) throws InterruptedException {
      synchronized (bytes) {
        for (; ; ) {
          String c = bytes.toString(StandardCharsets.ISO_8859_1);
          if ((!boot || c.contains(SHELL_START))
              && c.endsWith(PROMPT)
              && c.length() - PROMPT.length() > from) {
            return c.length() - PROMPT.length();
          }
          long left = deadlineNanos - System.nanoTime();
          if (left <= 0) return -1;
          bytes.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      }
    }
  }
}
