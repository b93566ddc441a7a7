package xv6ckpt.kernel.fs;

import static xv6ckpt.kernel.fs.FsFormat.DIRSIZ;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * {@code struct dirent}: a 16-byte directory entry. {@code name} holds the name's bytes without
 * padding: at most DIRSIZ, cut at the first NUL. An entry with inum 0 is free.
 */
public record Dirent(int inum, byte[] name) {

  /** Decodes the entry at byte {@code off} of a directory block. */
  public static Dirent decode(byte[] buf, int off) {
    int len = 0;
    while (len < DIRSIZ && buf[off + 2 + len] != 0) {
      len++;
    }
    return new Dirent(FsFormat.u16(buf, off), Arrays.copyOfRange(buf, off + 2, off + 2 + len));
  }

  /** Writes the entry at byte {@code off}, the name NUL-padded (or cut) to DIRSIZ bytes. */
  public void encode(byte[] buf, int off) {
    FsFormat.put16(buf, off, inum);
    Arrays.fill(buf, off + 2, off + 2 + DIRSIZ, (byte) 0);
    System.arraycopy(name, 0, buf, off + 2, Math.min(name.length, DIRSIZ));
  }

  /** The name as text (UTF-8, undecodable bytes replaced), for listings and messages. */
  public String displayName() {
    return new String(name, StandardCharsets.UTF_8);
  }

  /** xv6's namecmp: names equal in their first DIRSIZ bytes (both already cut at NUL). */
  static boolean sameName(byte[] a, byte[] b) {
    int la = Math.min(a.length, DIRSIZ);
    int lb = Math.min(b.length, DIRSIZ);
    return Arrays.equals(a, 0, la, b, 0, lb);
  }

  /** Whether a path element is "." or "..", which unlink and replacement must refuse. */
  public static boolean isDotOrDotDot(byte[] name) {
    return (name.length == 1 && name[0] == '.')
        || (name.length == 2 && name[0] == '.' && name[1] == '.');
  }
}
