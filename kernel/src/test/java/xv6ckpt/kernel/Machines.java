package xv6ckpt.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/** Test machines: a stock-layout image holding the given files, 16 MiB of RAM. */
final class Machines {
  private Machines() {}

  static final Machine.Config CONFIG =
      Machine.Config.defaults().withRam(16L * 1024 * 1024).withQuantum(20_000);

  static MemoryBlockDevice image(Map<String, byte[]> files) {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, Mkfs.Options.stock().size());
    List<Mkfs.Node> nodes = new ArrayList<>();
    files.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> nodes.add(new Mkfs.FileNode(e.getKey(), e.getValue())));
    try {
      Mkfs.make(d, Mkfs.Options.stock(), nodes);
    } catch (MkfsException e) {
      throw new AssertionError(e);
    }
    return d;
  }

  static Machine runner(Map<String, byte[]> files) {
    try {
      return Machine.runner(image(files), CONFIG);
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs until the watched process exits, the machine idles or panics, or 50M instructions. */
  static Machine.Outcome finish(Machine m) {
    for (int i = 0; i < 50; i++) {
      Machine.Outcome o = m.run(1_000_000);
      if (!(o instanceof Machine.Outcome.BudgetSpent)) {
        return o;
      }
    }
    return new Machine.Outcome.BudgetSpent();
  }

  /** Spawns /prog with argv and runs it to the end. */
  static Machine.Outcome run(Machine m, String prog, String... argv) {
    try {
      m.spawn("/" + prog, List.of(argv.length == 0 ? new String[] {prog} : argv));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
    return finish(m);
  }

  static Machine.Outcome exited(int status) {
    return new Machine.Outcome.Exited(2, status);
  }
}
