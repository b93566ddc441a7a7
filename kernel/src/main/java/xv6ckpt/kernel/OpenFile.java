package xv6ckpt.kernel;

import xv6ckpt.kernel.fs.Inode;

/**
 * xv6's {@code struct file} (file.h): one entry of the open-file table, shared by every file
 * descriptor (in any process) that dup or fork made from the same open. Free while ref is 0.
 */
public final class OpenFile {

  /** What the entry refers to. */
  public enum Type {
    NONE,
    PIPE,
    INODE,
    DEVICE
  }

  final int slot; // index in the file table
  Type type = Type.NONE;
  int ref; // reference count
  boolean readable;
  boolean writable;
  Pipe pipe; // PIPE
  Inode ip; // INODE and DEVICE
  long off; // INODE: the read/write offset
  short major; // DEVICE
  long ipInum; // in a machine snapshot only: ip's i-number
  byte[] path; // INODE: the absolute path it was opened by (xv6 keeps none; checkpoint needs it)

  OpenFile(int slot) {
    this.slot = slot;
  }

  public Type type() {
    return type;
  }

  public int ref() {
    return ref;
  }

  public boolean readable() {
    return readable;
  }

  public boolean writable() {
    return writable;
  }

  /** INODE: the read/write offset. */
  public long offset() {
    return off;
  }

  /** DEVICE: the major device number. */
  public int major() {
    return major;
  }

  /** INODE and DEVICE: the i-number (0 for a pipe or a free entry). */
  public long inum() {
    return ip == null ? 0 : ip.inum();
  }

  /** INODE: the normalized absolute path the file was opened by (ISO-8859-1), else empty. */
  public String path() {
    return path == null ? "" : new String(path, java.nio.charset.StandardCharsets.ISO_8859_1);
  }
}
