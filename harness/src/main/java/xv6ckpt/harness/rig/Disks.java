package xv6ckpt.harness.rig;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.FsError;
import xv6ckpt.kernel.fs.FsException;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/** In-memory disks for the machines, and the files on a machine's disk. */
public final class Disks {
  private Disks() {}

  /**
   * 800 blocks, 64 inodes, the stock log, no doubly-indirect blocks: small, so that a fuzz target's
   * fsck after every input and its resets stay cheap.
   */
  public static final Mkfs.Options SMALL = new Mkfs.Options(800, 64, Param.LOGBLOCKS, false);

  /** Blocks of the laws' usual disk (8 MiB; with big files, files up to 64 MiB). */
  public static final long LAW_BLOCKS = 8192;

  /** A fresh disk made by mkfs with options from nodes. */
  public static MemoryBlockDevice make(Mkfs.Options options, List<Mkfs.Node> nodes) {
    try {
      return Mkfs.image(options, nodes);
    } catch (MkfsException e) {
      throw new IllegalStateException("the rig's disk does not fit: " + e.getMessage(), e);
    }
  }

  /**
   * A big-files disk of {@code blocks} blocks (200 inodes, the stock log, files up to 64.3 MiB)
   * holding the files at the root, by name order.
   */
  public static MemoryBlockDevice withFiles(long blocks, Map<String, byte[]> files) {
    return make(new Mkfs.Options(blocks, 200, Param.LOGBLOCKS, true), Mkfs.rootFiles(files));
  }

  /**
   * A disk of {@code blocks} blocks in stock xv6's layout (200 inodes, the stock log, no
   * doubly-indirect block: files up to 268 KiB, so an image is written in the small chunks a stock
   * file system allows) holding the files at the root, by name order.
   */
  public static MemoryBlockDevice stockWithFiles(long blocks, Map<String, byte[]> files) {
    return make(new Mkfs.Options(blocks, 200, Param.LOGBLOCKS, false), Mkfs.rootFiles(files));
  }

  /** A big-files disk of {@link #LAW_BLOCKS} blocks holding the files at the root. */
  public static MemoryBlockDevice withFiles(Map<String, byte[]> files) {
    return withFiles(LAW_BLOCKS, files);
  }

  /**
   * The content of the regular file at path (absolute) on the machine's disk, if there is one, read
   * by the kernel's own {@link FileSystem#readFile} between the machine's runs.
   */
  public static Optional<byte[]> readFile(Machine m, String path) {
    try {
      return Optional.of(FileSystem.of(m.fs()).readFile(path));
    } catch (FsException e) {
      if (e.error() == FsError.NOT_FOUND) {
        return Optional.empty();
      }
      throw new IllegalStateException("reading " + path + ": " + e.getMessage(), e);
    }
  }
}
