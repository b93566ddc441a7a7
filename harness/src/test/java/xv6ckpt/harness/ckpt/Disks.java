package xv6ckpt.harness.ckpt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/** Disks and machines for the kernel-against-spec tests. */
final class Disks {
  private Disks() {}

  /** A big-files disk (files up to 64.3 MiB) holding the files, by name order. */
  static MemoryBlockDevice disk(long blocks, Map<String, byte[]> files) {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, blocks);
    List<Mkfs.Node> nodes = new ArrayList<>();
    files.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> nodes.add(new Mkfs.FileNode(e.getKey(), e.getValue())));
    try {
      Mkfs.make(d, new Mkfs.Options(blocks, 200, 30, true), nodes);
    } catch (MkfsException e) {
      throw new AssertionError(e);
    }
    return d;
  }

  static Machine runner(MemoryBlockDevice d) {
    try {
      return Machine.runner(d, Machine.Config.defaults().withRam(32L << 20));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  static int spawn(Machine m, String... argv) {
    try {
      return m.spawn("/" + argv[0], List.of(argv));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  /** Runs until the watched process exits, the machine idles or panics, or 100M instructions. */
  static Machine.Outcome finish(Machine m) {
    for (int i = 0; i < 100; i++) {
      Machine.Outcome o = m.run(1_000_000);
      if (!(o instanceof Machine.Outcome.BudgetSpent)) {
        return o;
      }
    }
    return new Machine.Outcome.BudgetSpent();
  }

  /** The file at path (absolute) on the machine's disk. */
  static byte[] read(Machine m, String path) {
    var fs = m.fs();
    fs.log().beginOpNow(10);
    try {
      var root = fs.root();
      var ip = fs.namei(path.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), root)
          .orElseThrow(() -> new AssertionError("no file " + path));
      fs.iput(root);
      fs.ilock(ip);
      byte[] b = new byte[(int) ip.size()];
      fs.readi(ip, xv6ckpt.kernel.fs.ByteSink.of(b), 0, 0, b.length);
      fs.iunlockput(ip);
      return b;
    } finally {
      fs.log().endOp(10);
    }
  }
}
