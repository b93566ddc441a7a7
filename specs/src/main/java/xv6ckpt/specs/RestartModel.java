package xv6ckpt.specs;

import java.util.Arrays;
import xv6ckpt.specs.Image.SyscallRestart;

/**
 * FORMAT.md section 2 ("Restart state") as a model: what a call re-issued from an image's restart
 * record does when the restored process resumes, given what the same call would find if it were
 * issued afresh for the part still to do. The kernel may not redo or lose progress:
 *
 * <ul>
 *   <li>read(fd, buf, n) with progress p continues into {@code buf + p} for at most {@code n - p}
 *       bytes and returns p plus what it then reads; the first p bytes of buf are left as the image
 *       holds them. This holds for every kind of file a read can name (console, regular file,
 *       pipe): the file decides only how many bytes the continuation gets.
 *   <li>sleep(n) with progress p sleeps {@code n - p} more ticks and returns 0.
 *   <li>wait(addr) has progress 0 and is simply issued again.
 * </ul>
 */
public final class RestartModel {
  private RestartModel() {}

  /** What a continued read returns and what its buffer then holds. */
  public record Read(long returned, byte[] buffer) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Read r && r.returned == returned && Arrays.equals(r.buffer, buffer);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(returned) * 31 + Arrays.hashCode(buffer);
    }

    @Override
    public String toString() {
      return "Read[returned=" + returned + ", buffer=" + Arrays.toString(buffer) + "]";
    }
  }

  /** The bytes a read of at most this many bytes may still deliver: {@code n - progress}. */
  public static int readLeft(SyscallRestart r) {
    requireSysnum(r, Xv6.SYS_read);
    return (int) Math.max(0, (int) (long) r.args().get(2) - r.progress());
  }

  /**
   * A read re-issued with r's progress, whose buffer held {@code before} (from {@code buf}) when
   * restored and whose file delivers {@code delivered} (at most {@link #readLeft} bytes: what a
   * fresh read of that many bytes would return, as the file's own model says).
   */
  public static Read read(SyscallRestart r, byte[] before, byte[] delivered) {
    requireSysnum(r, Xv6.SYS_read);
    if (delivered.length > readLeft(r)) {
      throw new IllegalArgumentException("a continuation reads at most n - progress bytes");
    }
    byte[] after = before.clone();
    System.arraycopy(delivered, 0, after, (int) r.progress(), delivered.length);
    return new Read(r.progress() + delivered.length, after);
  }

  /** The ticks a sleep re-issued with r's progress still sleeps: {@code n - progress}. */
  public static long sleepLeft(SyscallRestart r) {
    requireSysnum(r, Xv6.SYS_sleep);
    return Math.max(0, (int) (long) r.args().get(0) - r.progress());
  }

  private static void requireSysnum(SyscallRestart r, int sysnum) {
    if (r.sysnum() != sysnum) {
      throw new IllegalArgumentException("not a restart of call " + sysnum + ": " + r);
    }
  }
}
