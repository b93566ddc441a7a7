package xv6ckpt.kernel.fs;

/**
 * {@code struct buf}: one block of the buffer cache. Fields are touched only by {@link Bio} (the
 * cache bookkeeping), and, while the buffer is locked (between bread and brelse), its data by
 * {@link Log} and {@link Fs}.
 */
public final class Buf {
  // Guarded by the cache (Bio): identity and list links.
  long blockno = -1;
  int refcnt;
  Buf prev;
  Buf next; // list of unreferenced buffers (null while referenced)

  // Guarded by the buffer's sleep-lock (locked): contents.
  boolean locked;
  boolean valid; // has data been read from disk?
  final byte[] data = new byte[FsFormat.BSIZE];

  /** The block this buffer holds. */
  public long blockno() {
    return blockno;
  }

  /** The block's bytes; only for the holder of the buffer (between bread and brelse). */
  public byte[] data() {
    return data;
  }
}
