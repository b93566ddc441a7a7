package xv6ckpt.kernel;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsError;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.ImageFile;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/** Helpers of the checkpoint tests: big disks, machines, images on the disk. */
final class Ckpt {
  private Ckpt() {}

  /** A big-files disk of {@code blocks} blocks (files up to 64.3 MiB) holding the files. */
  static MemoryBlockDevice bigDisk(long blocks, Map<String, byte[]> files) {
    return Machines.disk(new Mkfs.Options(blocks, 200, Param.LOGBLOCKS, true), files);
  }

  static Machine runner(BlockDevice disk, long ramMiB) {
    return Machines.runner(disk, Machines.CONFIG.withRam(ramMiB << 20));
  }

  /** read(0, buf label, n). */
  static void readConsole(UserProgram p, String buf, int n) {
    p.a.li(A0, 0).la(A1, buf).li(A2, n);
    p.sys(Xv6Abi.SYS_read);
  }

  /** The content of the regular file at path on the machine's disk, if there is one. */
  static Optional<byte[]> read(Machine m, String path) {
    try {
      return Optional.of(FileSystem.of(m.fs()).readFile(path));
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return Optional.empty();
      }
      throw new AssertionError(e);
    }
  }

  /** Whether directory dir holds an entry under the kernel's temporary name (ImageFile.TMP). */
  static boolean hasTemporary(Machine m, String dir) {
    String tmp = new String(ImageFile.TMP, StandardCharsets.ISO_8859_1);
    try {
      return FileSystem.of(m.fs()).list(dir).stream().anyMatch(e -> e.name().equals(tmp));
    } catch (FsException e) {
      throw new AssertionError(e);
    }
  }

  /** The kernel's own reading of an image it wrote (kernel-only facts; the spec is in harness). */
  static CheckpointImage.Image image(byte[] file) {
    CheckpointImage.Verdict v = CheckpointImage.check(file);
    if (!(v instanceof CheckpointImage.Valid)) {
      throw new AssertionError("not a valid image: " + v);
    }
    return ((CheckpointImage.Valid) v).image();
  }
}
