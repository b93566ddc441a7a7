package xv6ckpt.specs;

import java.util.Arrays;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Regular files and one process's descriptors on them, as xv6's open, read, write and close change
 * them ({@code sysfile.c}, {@code file.c}): the files' bytes by absolute path, and per descriptor
 * the path it was opened by, its offset and its access. For the harness to hold the kernel against;
 * no directories, links or devices.
 *
 * <p>Descriptors 0, 1 and 2 are the console, which this model leaves out: open takes the lowest
 * free descriptor from {@link #FIRST_FD} on. A call on a descriptor that is not open (or not open
 * for that access) returns -1 and changes nothing.
 */
public final class FileModel {
  /** The lowest descriptor open can return (0..2 are the console). */
  public static final int FIRST_FD = 3;

  // fcntl.h: open's access modes and flags.
  public static final int O_RDONLY = 0x000;
  public static final int O_WRONLY = 0x001;
  public static final int O_RDWR = 0x002;
  public static final int O_CREATE = 0x200;

  /**
   * A descriptor: on a regular file its absolute path and offset; on anything else the kind's name
   * ("PIPE": paths all start with '/') and offset 0.
   */
  public record Fd(String path, long off, boolean readable, boolean writable) {}

  private final Map<String, byte[]> files = new TreeMap<>();
  private final SortedMap<Integer, Fd> fds = new TreeMap<>();

  /** The bytes of the file at path, if it exists. */
  public Optional<byte[]> file(String path) {
    return Optional.ofNullable(files.get(path)).map(byte[]::clone);
  }

  public boolean exists(String path) {
    return files.containsKey(path);
  }

  /** Makes path hold bytes (a file written by other means, such as checkpoint's image). */
  public void put(String path, byte[] bytes) {
    files.put(path, bytes.clone());
  }

  /** The open descriptors, in order. */
  public SortedMap<Integer, Fd> fds() {
    return Collections.unmodifiableSortedMap(fds);
  }

  /** The process's descriptors are gone (it exited, or was replaced by another). */
  public void closeAll() {
    fds.clear();
  }

  /** The descriptor fd takes on a file (a restored process's open files). */
  public void install(int fd, Fd f) {
    fds.put(fd, f);
  }

  /**
   * open(path, flags): the new descriptor, or -1 when path does not exist and O_CREATE is not
   * given. O_CREATE makes an empty file where none is; access is flags' low two bits.
   */
  public long open(String path, int flags) {
    if (!files.containsKey(path) && (flags & O_CREATE) == 0) {
      return -1;
    }
    files.putIfAbsent(path, new byte[0]);
    int mode = flags & 3;
    int fd = FIRST_FD;
    while (fds.containsKey(fd)) {
      fd++;
    }
    fds.put(fd, new Fd(path, 0, mode != O_WRONLY, mode == O_WRONLY || mode == O_RDWR));
    return fd;
  }

  /** write(fd, data): data.length, written at the offset (the file grows), or -1. */
  public long write(int fd, byte[] data) {
    Fd f = fds.get(fd);
    if (f == null || !f.writable()) {
      return -1;
    }
    files.put(f.path(), splice(files.get(f.path()), f.off(), data));
    fds.put(fd, new Fd(f.path(), f.off() + data.length, f.readable(), f.writable()));
    return data.length;
  }

  /** read(fd, n): up to n bytes from the offset (none at or past the end), or empty for -1. */
  public Optional<byte[]> read(int fd, int n) {
    Fd f = fds.get(fd);
    if (f == null || !f.readable()) {
      return Optional.empty();
    }
    byte[] content = files.get(f.path());
    int from = (int) Math.min(f.off(), content.length);
    int k = Math.min(n, content.length - from);
    fds.put(fd, new Fd(f.path(), f.off() + k, f.readable(), f.writable()));
    return Optional.of(Arrays.copyOfRange(content, from, from + k));
  }

  /** close(fd): 0, or -1 if fd is not open. */
  public long close(int fd) {
    return fds.remove(fd) == null ? -1 : 0;
  }

  /** b with data written at off (b grows when data runs past its end). */
  public static byte[] splice(byte[] b, long off, byte[] data) {
    byte[] out = Arrays.copyOf(b, Math.max(b.length, (int) off + data.length));
    System.arraycopy(data, 0, out, (int) off, data.length);
    return out;
  }
}
