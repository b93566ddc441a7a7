package xv6ckpt.emulator.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.emulator.elf.Elf64;

/**
 * A bare runner for the full-system machine until the CLI has {@code --kernel}: {@code BootMain
 * KERNEL FS.IMG STEPS [HARTS] [INPUT]} boots the kernel ELF over a copy of FS.IMG in memory (the
 * file is never written), feeds INPUT (a string, {@code \n} for newlines) to the console once the
 * machine is idle or has run STEPS/2, runs STEPS steps in all and prints the console to stdout and
 * the figures to stderr.
 */
public final class BootMain {
  private BootMain() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 3) {
      System.err.println("usage: BootMain KERNEL FS.IMG STEPS [HARTS] [INPUT]");
      System.exit(2);
    }
    byte[] elf = Files.readAllBytes(Path.of(args[0]));
    byte[] fs = Files.readAllBytes(Path.of(args[1]));
    long steps = Long.parseLong(args[2]);
    int harts = args.length > 3 ? Integer.parseInt(args[3]) : 1;
    String input = args.length > 4 ? args[4].replace("\\n", "\n") : "";
    SystemMachine m = new SystemMachine(SystemMachine.Config.defaults().withHarts(harts));
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    VirtBoard board = new VirtBoard(m, new MemoryBlockDevice(1024, fs), console::write);
    try {
      m.loadKernel(elf, 0);
    } catch (Elf64.ElfException e) {
      System.err.println("BootMain: " + args[0] + ": " + e.getMessage());
      System.exit(2);
    }
    long t0 = System.nanoTime(); // the runner's own speed figure, outside the machine
    SystemMachine.Stop stop = m.run(input.isEmpty() ? steps : steps / 2);
    if (!input.isEmpty()) {
      board.uart.receive(input.getBytes(StandardCharsets.UTF_8));
      stop = m.run(steps - m.time());
    }
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.print(console.toString(StandardCharsets.UTF_8));
    long retired = 0;
    for (int i = 0; i < m.hartCount(); i++) retired += m.hart(i).hart().instret();
    System.err.printf(
        "%nstop %s time %d retired %d seconds %.2f mips %.1f%n",
        stop, m.time(), retired, s, retired / s / 1e6);
    for (int i = 0; i < m.hartCount(); i++) {
      System.err.printf(
          "hart %d pc 0x%x priv %d%n", i, m.hart(i).hart().pc(), m.hart(i).hart().privilege());
    }
  }
}
