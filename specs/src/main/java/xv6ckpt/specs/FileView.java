package xv6ckpt.specs;

import java.util.Map;
import java.util.Optional;

/**
 * What restore may ask the file system at the moment it runs: what a path names now. The harness
 * answers from the kernel's disk; tests answer from a map.
 */
public interface FileView {
  /** The inode path names now, or empty if it names nothing. */
  Optional<Inode> lookup(String path);

  /** An inode as stat shows it: number, type (T_DIR, T_FILE, T_DEVICE) and size in bytes. */
  record Inode(long inum, int type, long size) {}

  /** A view of a fixed set of paths. */
  static FileView of(Map<String, Inode> paths) {
    Map<String, Inode> copy = Map.copyOf(paths);
    return path -> Optional.ofNullable(copy.get(path));
  }
}
