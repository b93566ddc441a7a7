package xv6ckpt.harness.system;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.specs.ImageCodec;
import xv6ckpt.specs.Rule;
import xv6ckpt.specs.Verdict;

/** What the sweeps read from a disk, through our own file-system reader, fsck and the spec. */
final class Sweeps {
  private Sweeps() {}

  /** The file at path on a copy of disk (the disk itself is not mounted), or empty. */
  static Optional<byte[]> readFile(MemoryBlockDevice disk, String path) {
    try {
      MemoryBlockDevice copy = new MemoryBlockDevice(disk.blockSize(), disk.contents());
      return Optional.of(FileSystem.mount(copy).readFile(path));
    } catch (FsException e) {
      return Optional.empty();
    }
  }

  /** The inode number of path (the console device, which a live kernel holds open). */
  static long inum(MemoryBlockDevice disk, String path) {
    try {
      MemoryBlockDevice copy = new MemoryBlockDevice(disk.blockSize(), disk.contents());
      return FileSystem.mount(copy).stat(path).ino();
    } catch (FsException e) {
      throw new CannotJudge(path + " after the first boot: " + e.getMessage());
    }
  }

  /** Adds {name, ELF} programs to the root of disk. */
  static void addPrograms(MemoryBlockDevice disk, List<Object[]> programs) {
    try {
      FileSystem fs = FileSystem.mount(disk);
      for (Object[] p : programs) fs.writeFile("/" + p[0], (byte[]) p[1]);
    } catch (FsException e) {
      throw new CannotJudge("adding the sweep's programs to the image: " + e.getMessage());
    }
  }

  /**
   * fsck of a disk the kernel still runs on (root and console in use), and the spec's verdict on
   * each image at {@code images} that exists.
   */
  static List<String> diskViolations(MemoryBlockDevice disk, long consoleInum, String... images) {
    List<String> v = new ArrayList<>();
    Fsck.Report r = Fsck.checkLive(disk, Set.of((long) FsFormat.ROOTINO, consoleInum));
    for (String s : r.violations()) v.add("fsck: " + s);
    for (String p : images) {
      Optional<byte[]> image = readFile(disk, p);
      if (image.isPresent() && ImageCodec.decode(image.get()) instanceof Verdict.Invalid bad) {
        v.add(p + " is not a valid image under the spec: " + bad);
      }
    }
    return v;
  }

  /** FORMAT.md's name of a result code. */
  static String ruleName(int code) {
    if (code == 0) return "success";
    for (Rule r : Rule.values()) {
      if (r.code() == code) return r.name();
    }
    return "no rule of FORMAT.md";
  }
}
