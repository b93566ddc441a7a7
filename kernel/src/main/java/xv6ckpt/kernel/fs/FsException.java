package xv6ckpt.kernel.fs;

/**
 * An expected refusal of a whole file-system operation ({@link FileSystem}): a missing path, a full
 * disk, a name that exists. The file system is consistent afterwards; the operation had no effect,
 * except that a write may have written a prefix (see {@link FileSystem#writeChunked}).
 */
public final class FsException extends Exception {
  private final FsError error;
  private final String path;

  public FsException(FsError error, String path) {
    super(path + ": " + error.text());
    this.error = error;
    this.path = path;
  }

  public FsError error() {
    return error;
  }

  public String path() {
    return path;
  }
}
