package xv6ckpt.harness.props;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.specs.Image.Page;

/**
 * ModelConformanceTest's names for the rig ({@link xv6ckpt.harness.rig}), kept only until that
 * test is moved onto the rig directly (its rewrite is under way); delegates, nothing else. New
 * code uses the rig.
 */
final class Rig {
  private Rig() {}

  static MemoryBlockDevice disk(Map<String, byte[]> files) {
    return Disks.withFiles(files);
  }

  static Machine runner(BlockDevice disk) {
    return Machines.runner(disk, Machines.LAWS);
  }

  static int spawn(Machine m, String prog) {
    return Machines.spawn(m, prog);
  }

  static Machine.Outcome finish(Machine m) {
    return Machines.finish(m);
  }

  static Optional<byte[]> read(Machine m, String path) {
    return Disks.readFile(m, path);
  }

  static Process process(Machine m, int pid) {
    return xv6ckpt.harness.rig.UserState.process(m, pid);
  }

  /** The rig's {@link xv6ckpt.harness.rig.UserState}, under the name the test uses. */
  record UserState(long[] x, long pc, long sz, List<Page> pages) {}

  static UserState userState(Machine m, int pid) {
    xv6ckpt.harness.rig.UserState s = xv6ckpt.harness.rig.UserState.of(m, pid);
    return new UserState(s.x(), s.pc(), s.sz(), s.pages());
  }
}
