package xv6ckpt.kernel.fs;

import java.nio.charset.StandardCharsets;
import java.util.List;
import xv6ckpt.emulator.disk.MemoryBlockDevice;

/** Test images: mkfs onto an in-memory disk. */
final class Images {
  private Images() {}

  static MemoryBlockDevice make(Mkfs.Options o, Mkfs.Node... nodes) {
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, o.size());
    try {
      Mkfs.make(d, o, List.of(nodes));
    } catch (MkfsException e) {
      throw new AssertionError(e);
    }
    return d;
  }

  static MemoryBlockDevice stock(Mkfs.Node... nodes) {
    return make(Mkfs.Options.stock(), nodes);
  }

  /** A file system with the doubly-indirect feature, a bigger disk and a bigger log. */
  static MemoryBlockDevice big(long size, int logBlocks, Mkfs.Node... nodes) {
    return make(new Mkfs.Options(size, 200, logBlocks, true), nodes);
  }

  static Mkfs.FileNode file(String name, String text) {
    return new Mkfs.FileNode(name, text.getBytes(StandardCharsets.UTF_8));
  }

  static Mkfs.DirNode dir(String name, Mkfs.Node... kids) {
    return new Mkfs.DirNode(name, List.of(kids));
  }

  /** Deterministic bytes, different for different seeds. */
  static byte[] pattern(int n, int seed) {
    byte[] b = new byte[n];
    long x = seed * 0x9E3779B97F4A7C15L + 1;
    for (int i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      b[i] = (byte) x;
    }
    return b;
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
