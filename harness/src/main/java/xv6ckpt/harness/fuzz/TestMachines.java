package xv6ckpt.harness.fuzz;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/**
 * Machines and images shared by the fuzz targets: a small stock-layout file system (small so
 * that fsck after every input stays cheap) and a machine configuration with little RAM (so
 * that resets copy little).
 */
final class TestMachines {
  private TestMachines() {}

  /** 32 MiB of RAM, a 20,000-instruction quantum, no jitter. */
  static final Machine.Config CONFIG =
      Machine.Config.defaults().withRam(32L * 1024 * 1024).withQuantum(20_000);

  /** 800 blocks, 64 inodes, stock log: room for the targets' programs and what they create. */
  static final Mkfs.Options FS = new Mkfs.Options(800, 64, 30, false);

  /** A fresh in-memory disk holding nodes. */
  static MemoryBlockDevice image(List<Mkfs.Node> nodes) {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, FS.size());
    try {
      Mkfs.make(d, FS, new ArrayList<>(nodes));
    } catch (MkfsException e) {
      throw new IllegalStateException("fuzz target image does not fit: " + e.getMessage(), e);
    }
    return d;
  }

  /** A runner machine on disk, or an IllegalStateException naming why it did not boot. */
  static Machine runner(MemoryBlockDevice disk) {
    return runner(disk, CONFIG);
  }

  /** As {@link #runner(MemoryBlockDevice)}, with another configuration. */
  static Machine runner(MemoryBlockDevice disk, Machine.Config config) {
    try {
      return Machine.runner(disk, config);
    } catch (Machine.BootException e) {
      throw new IllegalStateException("fuzz target machine does not boot: " + e.getMessage(), e);
    }
  }

  static String stack(Throwable t) {
    StringWriter w = new StringWriter();
    t.printStackTrace(new PrintWriter(w));
    return w.toString();
  }

  /** The verdict for an exception that escaped the code under test. */
  static FuzzTarget.Verdict.Fail escaped(Throwable t, Machine m) {
    return new FuzzTarget.Verdict.Fail("java-exception", t.toString(), m.output(), stack(t));
  }

  /** The verdict for a panic; "kernel bug: ..." panics are Java exceptions the kernel caught. */
  static FuzzTarget.Verdict.Fail panicked(String message, Machine m, String context) {
    String rule = message.startsWith("kernel bug") ? "java-exception" : "panic";
    return new FuzzTarget.Verdict.Fail(rule, "kernel panic '" + message + "' " + context,
        m.output(), "");
  }
}
