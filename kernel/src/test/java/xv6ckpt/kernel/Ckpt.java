package xv6ckpt.kernel;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/** Helpers of the checkpoint tests: disks, machines, program fragments, images on the disk. */
final class Ckpt {
  private Ckpt() {}

  /** A big-files disk of {@code blocks} blocks (files up to 64.3 MiB) holding the files. */
  static MemoryBlockDevice bigDisk(long blocks, Map<String, byte[]> files) {
    Mkfs.Options opts = new Mkfs.Options(blocks, 200, Param.LOGBLOCKS, true);
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, blocks);
    List<Mkfs.Node> nodes = new ArrayList<>();
    files.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> nodes.add(new Mkfs.FileNode(e.getKey(), e.getValue())));
    try {
      Mkfs.make(d, opts, nodes);
    } catch (MkfsException e) {
      throw new AssertionError(e);
    }
    return d;
  }

  static Machine runner(BlockDevice disk, long ramMiB) {
    try {
      return Machine.runner(disk, Machines.CONFIG.withRam(ramMiB << 20));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  static void spawn(Machine m, String prog, String... argv) {
    try {
      m.spawn("/" + prog, List.of(argv.length == 0 ? new String[] {prog} : argv));
    } catch (Machine.BootException e) {
      throw new AssertionError(e);
    }
  }

  /** checkpoint(pid in a0 already, path label): result in a0. */
  static void checkpoint(UProg p, String pathLabel) {
    p.a.la(A1, pathLabel);
    p.sys(Syscall.SYS_checkpoint);
  }

  /** restore(path label): returns only on failure, code in a0. */
  static void restore(UProg p, String pathLabel) {
    p.a.la(A0, pathLabel);
    p.sys(Syscall.SYS_restore);
  }

  /** read(0, buf label, n). */
  static void readConsole(UProg p, String buf, int n) {
    p.a.li(A0, 0).la(A1, buf).li(A2, n);
    p.sys(Syscall.SYS_read);
  }

  /** A program that restores the image at path and, if that fails, exits with the code. */
  static byte[] restorer(String path) {
    UProg p = new UProg().str("path", path);
    restore(p, "path");
    p.sys(Syscall.SYS_exit);
    return p.elf();
  }

  /** The content of the regular file at path on the machine's disk, if there is one. */
  static Optional<byte[]> read(Machine m, String path) {
    var fs = m.fs();
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    try {
      Inode root = fs.root();
      Optional<Inode> found = fs.namei(path.getBytes(StandardCharsets.ISO_8859_1), root);
      fs.iput(root);
      if (found.isEmpty()) {
        return Optional.empty();
      }
      Inode ip = found.get();
      fs.ilock(ip);
      byte[] b = new byte[(int) ip.size()];
      fs.readi(ip, xv6ckpt.kernel.fs.ByteSink.of(b), 0, 0, b.length);
      fs.iunlockput(ip);
      return Optional.of(b);
    } finally {
      fs.log().endOp(Param.MAXOPBLOCKS);
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

  static Machine.Outcome finish(Machine m) {
    return Machines.finish(m);
  }
}
