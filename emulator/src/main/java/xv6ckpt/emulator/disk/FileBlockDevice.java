package xv6ckpt.emulator.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A disk backed by a host file used in place, as QEMU uses {@code fs.img}: block b is the bytes at
 * offset b * blockSize, and every write goes straight to the file (what the kernel writes persists,
 * so a later run sees it: a reboot).
 *
 * <p>Opening checks the file once: it must exist and its length must be a whole number of blocks,
 * otherwise {@link #open} fails with an {@link IOException} whose message names the file and its
 * size. After that, a host I/O error on one block becomes a {@link DiskIoException}.
 */
public final class FileBlockDevice implements BlockDevice {
  private final Path path;
  private final FileChannel channel;
  private final int blockSize;
  private final long blockCount;
  private final boolean readOnly;

  private FileBlockDevice(
      Path path, FileChannel channel, int blockSize, long blockCount, boolean readOnly) {
    this.path = path;
    this.channel = channel;
    this.blockSize = blockSize;
    this.blockCount = blockCount;
    this.readOnly = readOnly;
  }

  /**
   * Opens an existing image file.
   *
   * @param readOnly if true, the file is opened for reading only and every write fails with a
   *     {@link DiskIoException}
   * @throws IOException if the file is missing, unreadable, or not a whole number of blocks
   */
  public static FileBlockDevice open(Path path, int blockSize, boolean readOnly)
      throws IOException {
    checkBlockSize(blockSize);
    if (!Files.exists(path)) {
      throw new NoSuchFileException(path.toString(), null, "no such disk image");
    }
    if (!Files.isRegularFile(path)) {
      throw new IOException(path + ": not a regular file");
    }
    long length = Files.size(path);
    if (length % blockSize != 0) {
      throw new IOException(
          path + ": size " + length + " bytes is not a multiple of the block size " + blockSize);
    }
    FileChannel ch =
        readOnly
            ? FileChannel.open(path, StandardOpenOption.READ)
            : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new FileBlockDevice(path, ch, blockSize, length / blockSize, readOnly);
  }

  /**
   * Creates (or truncates) {@code path} as a zero-filled image of {@code blockCount} blocks and
   * opens it for reading and writing.
   */
  public static FileBlockDevice create(Path path, int blockSize, long blockCount)
      throws IOException {
    checkBlockSize(blockSize);
    if (blockCount < 0) {
      throw new IllegalArgumentException("block count must not be negative, got " + blockCount);
    }
    FileChannel ch =
        FileChannel.open(
            path,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    try {
      if (blockCount > 0) {
        // Writing the last byte gives the file its length; the rest reads as zeros.
        ch.write(ByteBuffer.wrap(new byte[1]), blockCount * blockSize - 1);
      }
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return new FileBlockDevice(path, ch, blockSize, blockCount, false);
  }

  private static void checkBlockSize(int blockSize) {
    if (blockSize <= 0) {
      throw new IllegalArgumentException("block size must be positive, got " + blockSize);
    }
  }

  /** The host file this device reads and writes. */
  public Path path() {
    return path;
  }

  @Override
  public int blockSize() {
    return blockSize;
  }

  @Override
  public long blockCount() {
    return blockCount;
  }

  @Override
  public void read(long blockno, byte[] dst) {
    check(blockno, dst);
    ByteBuffer buf = ByteBuffer.wrap(dst);
    try {
      long pos = blockno * blockSize;
      while (buf.hasRemaining()) {
        int n = channel.read(buf, pos + buf.position());
        if (n < 0) {
          throw new DiskIoException(false, blockno, path + ": unexpected end of file");
        }
      }
    } catch (IOException e) {
      throw new DiskIoException(false, blockno, path + ": " + e.getMessage());
    }
  }

  @Override
  public void write(long blockno, byte[] src) {
    check(blockno, src);
    if (readOnly) {
      throw new DiskIoException(true, blockno, path + " is open read-only");
    }
    ByteBuffer buf = ByteBuffer.wrap(src);
    try {
      long pos = blockno * blockSize;
      while (buf.hasRemaining()) {
        channel.write(buf, pos + buf.position());
      }
    } catch (IOException e) {
      throw new DiskIoException(true, blockno, path + ": " + e.getMessage());
    }
  }

  private void check(long blockno, byte[] buf) {
    if (!channel.isOpen()) {
      throw new IllegalStateException(path + ": block device is closed");
    }
    if (blockno < 0 || blockno >= blockCount) {
      throw new IllegalArgumentException(
          path + ": block " + blockno + " out of range 0.." + (blockCount - 1));
    }
    if (buf.length != blockSize) {
      throw new IllegalArgumentException(
          "buffer of " + buf.length + " bytes, block size is " + blockSize);
    }
  }

  /** Closes the host file; a host error while closing is reported, as it may lose writes. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      throw new DiskIoException(true, -1, path + ": close failed: " + e.getMessage());
    }
  }
}
