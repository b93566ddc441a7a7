package xv6ckpt.kernel;

import java.util.List;
import java.util.Map;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/**
 * Test machines: disks made by the kernel's mkfs ({@link Mkfs#image}), runners, and runs to the end
 * ({@link Machine#runUntilStopped}); a stock-layout image and 16 MiB of RAM unless a test says
 * otherwise. Setup failures are AssertionErrors.
 */
final class Machines {
  private Machines() {}

  static final Machine.Config CONFIG =
      Machine.Config.defaults().withRam(16L * 1024 * 1024).withQuantum(20_000);

  /** A disk made by mkfs with options, holding the files at the root. */
  static MemoryBlockDevice disk(Mkfs.Options options, Map<String, byte[]> files) {
    try {
      return Mkfs.image(options, Mkfs.rootFiles(files));
    } catch (MkfsException e) {
      throw new AssertionError(e);
    }
  }

  static MemoryBlockDevice image(Map<String, byte[]> files) {
    return disk(Mkfs.Options.stock(), files);
  }

  static Machine runner(BlockDevice disk, Machine.Config config) {
    try {
      return Machine.runner(disk, config);
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  static Machine runner(Map<String, byte[]> files) {
    return runner(image(files), CONFIG);
  }

  /** Starts /prog with argv (default {prog}) as a child of init; its pid. */
  static int spawn(Machine m, String prog, String... argv) {
    try {
      return m.spawn("/" + prog, List.of(argv.length == 0 ? new String[] {prog} : argv));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs until the watched process exits, the machine idles or panics, or 50M instructions. */
  static Machine.Outcome finish(Machine m) {
    return m.runUntilStopped(50_000_000);
  }

  /** Spawns /prog with argv and runs it to the end. */
  static Machine.Outcome run(Machine m, String prog, String... argv) {
    spawn(m, prog, argv);
    return finish(m);
  }

  static Machine.Outcome exited(int status) {
    return new Machine.Outcome.Exited(2, status);
  }
}
