package xv6ckpt.specs;

/**
 * What an open descriptor of a model process refers to: the four kinds of xv6 file the checkpoint
 * rules tell apart. Only {@link Console} and {@link InodeFile} can be checkpointed.
 */
public sealed interface ModelFile {
  boolean readable();

  boolean writable();

  /** The console device (major CONSOLE). */
  record Console(boolean readable, boolean writable) implements ModelFile {}

  /**
   * A regular file or directory, with the absolute path it was opened by, its inode number and the
   * descriptor's offset.
   */
  record InodeFile(String path, long inum, long offset, boolean readable, boolean writable)
      implements ModelFile {}

  /** One end of a pipe. */
  record Pipe(boolean readable, boolean writable) implements ModelFile {}

  /** A device other than the console. */
  record Device(int major, boolean readable, boolean writable) implements ModelFile {
    public Device {
      if (major == Xv6.CONSOLE) {
        throw new IllegalArgumentException("the console is ModelFile.Console, not a Device");
      }
    }
  }
}
