package xv6ckpt.emulator.disk;

/**
 * A disk: a fixed number of equally sized blocks, read and written whole.
 *
 * <p>This is the only way the kernel reaches persistent storage, and therefore the one place where
 * crashes and I/O faults are injected ({@code FaultInjectingBlockDevice}). A write that returns has
 * reached the medium; there is no write-back cache below this interface, so a power cut loses
 * exactly the writes that had not returned.
 *
 * <p>Errors: a block number out of range is a caller bug and throws {@link
 * IllegalArgumentException}; a failing medium throws {@link DiskIoException}, which the kernel
 * turns into its panic outcome (xv6 has no recovery from a failed disk request).
 */
public interface BlockDevice extends AutoCloseable {

  /** Bytes per block; every buffer passed to read and write has exactly this length. */
  int blockSize();

  /** Number of blocks; valid block numbers are 0 to blockCount() - 1. */
  long blockCount();

  /** Fills {@code dst} with block {@code blockno}. */
  void read(long blockno, byte[] dst);

  /** Writes {@code src} to block {@code blockno}; when this returns, the block is on the medium. */
  void write(long blockno, byte[] src);

  /** Releases host resources (a file handle); the device is unusable afterwards. */
  @Override
  void close();
}
