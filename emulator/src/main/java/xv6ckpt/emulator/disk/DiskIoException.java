package xv6ckpt.emulator.disk;

/** The medium failed a read or a write of one block (an injected fault or a host I/O error). */
public final class DiskIoException extends RuntimeException {
  private final boolean write;
  private final long blockno;

  public DiskIoException(boolean write, long blockno, String detail) {
    super((write ? "write" : "read") + " of block " + blockno + " failed: " + detail);
    this.write = write;
    this.blockno = blockno;
  }

  public boolean isWrite() {
    return write;
  }

  public long blockno() {
    return blockno;
  }
}
