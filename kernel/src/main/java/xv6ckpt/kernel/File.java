package xv6ckpt.kernel;

import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.ByteSource;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.Log;
import xv6ckpt.kernel.fs.Stat;

/**
 * xv6's {@code file.c}: the open-file table (NFILE entries) and reading, writing and closing an
 * open file, whatever it refers to: a pipe, an inode, or a device (only the console, major 1,
 * exists).
 *
 * <p>Writes to an inode are split into transactions of at most MAXOPBLOCKS blocks, as xv6 does.
 * Each chunk's begin_op could have to wait for log space; the bytes already written are then kept
 * as {@link Restart.Transfer} and the re-issued write continues after them.
 */
public final class File {
  /** xv6's devsw major number of the console. */
  public static final int CONSOLE = 1;

  private final Machine m;
  final OpenFile[] ftable = new OpenFile[Param.NFILE];

  File(Machine m) {
    this.m = m;
    for (int i = 0; i < ftable.length; i++) {
      ftable[i] = new OpenFile(i);
    }
  }

  /** Allocates a file structure, or returns null if the table is full. */
  OpenFile filealloc() {
    for (OpenFile f : ftable) {
      if (f.ref == 0) {
        f.ref = 1;
        return f;
      }
    }
    m.proc.exhausted(Exhaustion.OPEN_FILES);
    return null;
  }

  /** Increments the ref count for file f. */
  OpenFile filedup(OpenFile f) {
    if (f.ref < 1) {
      throw new KernelPanic("filedup");
    }
    f.ref++;
    return f;
  }

  /** Closes file f: decrements the ref count, and releases what it refers to at 0. */
  void fileclose(OpenFile f) {
    if (f.ref < 1) {
      throw new KernelPanic("fileclose");
    }
    if (--f.ref > 0) {
      return;
    }
    OpenFile.Type type = f.type;
    Pipe pipe = f.pipe;
    Inode ip = f.ip;
    boolean writable = f.writable;
    f.type = OpenFile.Type.NONE;
    f.pipe = null;
    f.ip = null;
    f.off = 0;
    f.path = null;
    if (type == OpenFile.Type.PIPE) {
      pipe.close(writable);
    } else if (type == OpenFile.Type.INODE || type == OpenFile.Type.DEVICE) {
      m.beginOpNow();
      m.fs.iput(ip);
      m.endOp();
    }
  }

  /** Number of file-table entries in use (for leak checks). */
  public int openFiles() {
    int n = 0;
    for (OpenFile f : ftable) {
      if (f.ref > 0) {
        n++;
      }
    }
    return n;
  }

  /**
   * Gets metadata about file f into user address addr (a struct stat: dev u32, ino u32, type i16,
   * nlink i16, pad, size u64).
   *
   * @return 0, or -1 if f is a pipe or addr is bad
   */
  int filestat(Process p, OpenFile f, long addr) {
    if (f.type != OpenFile.Type.INODE && f.type != OpenFile.Type.DEVICE) {
      return -1;
    }
    Fs fs = m.fs;
    fs.ilock(f.ip);
    Stat st = fs.stati(f.ip);
    fs.iunlock(f.ip);
    return m.vm.copyout(p.pagetable, p.sz, addr, encodeStat(st), 0, STAT_SIZE);
  }

  /** sizeof(struct stat) on RV64. */
  static final int STAT_SIZE = 24;

  static byte[] encodeStat(Stat st) {
    byte[] b = new byte[STAT_SIZE];
    putLe(b, 0, st.dev(), 4);
    putLe(b, 4, st.ino(), 4);
    putLe(b, 8, st.type(), 2);
    putLe(b, 10, st.nlink(), 2);
    putLe(b, 16, st.size(), 8);
    return b;
  }

  static void putLe(byte[] b, int off, long v, int n) {
    for (int i = 0; i < n; i++) {
      b[off + i] = (byte) (v >>> (8 * i));
    }
  }

  /**
   * Reads from file f into user address addr. A read re-issued with progress ({@link
   * Restart.Transfer}: a console read that blocked part-way, or a read restored from an image's
   * restart record) continues into {@code addr + done} for the {@code n - done} bytes left and
   * returns done plus what it reads; if the continuation fails (a bad buffer), the bytes already
   * read still count, as consoleread counts them. The console keeps its own progress.
   */
  SysResult fileread(Process p, OpenFile f, long addr, int n) {
    if (!f.readable) {
      return SysResult.MINUS_ONE;
    }
    long done = p.restart instanceof Restart.Transfer t ? t.done() : 0;
    // a fresh call passes n as it came (readi takes it as a uint: a negative n reads to the end)
    int left = done == 0 ? n : (int) Math.max(0, n - done);
    switch (f.type) {
      case PIPE:
        return continued(done, f.pipe.read(p, addr + done, left));
      case DEVICE:
        if (f.major != CONSOLE) {
          return SysResult.MINUS_ONE;
        }
        return m.console.read(p, addr, n);
      case INODE:
        {
          Fs fs = m.fs;
          fs.ilock(f.ip);
          int r = fs.readi(f.ip, userSink(p), addr + done, f.off, left);
          if (r > 0) {
            f.off += r;
          }
          fs.iunlock(f.ip);
          return continued(done, SysResult.ret(r));
        }
      default:
        throw new KernelPanic("fileread");
    }
  }

  /** A continued read's result: done plus what the continuation read (see fileread). */
  private static SysResult continued(long done, SysResult r) {
    if (done == 0 || !(r instanceof SysResult.Ret ret)) {
      return r; // a Block keeps p.restart, and so done, for the re-issued call
    }
    return SysResult.ret(done + Math.max(0, ret.value()));
  }

  /** Writes to file f from user address addr. */
  SysResult filewrite(Process p, OpenFile f, long addr, int n) {
    if (!f.writable) {
      return SysResult.MINUS_ONE;
    }
    switch (f.type) {
      case PIPE:
        return f.pipe.write(p, addr, n);
      case DEVICE:
        if (f.major != CONSOLE) {
          return SysResult.MINUS_ONE;
        }
        return SysResult.ret(m.console.write(p, addr, n));
      case INODE:
        return writeInode(p, f, addr, n);
      default:
        throw new KernelPanic("filewrite");
    }
  }

  /**
   * Writes a few blocks at a time to avoid exceeding the maximum log transaction size, including
   * i-node, indirect block, allocation blocks, and 2 blocks of slop for non-aligned writes. A
   * buffer that runs into a bad address writes what xv6 writes (see {@link #countedBeforeFault})
   * and returns -1; the copies themselves never fail half-way.
   */
  private SysResult writeInode(Process p, OpenFile f, long addr, int n) {
    Fs fs = m.fs;
    Log log = fs.log();
    int max = FileSystem.maxWriteBytes(Param.MAXOPBLOCKS, fs.superblock().hasDindirect());
    long i = p.restart instanceof Restart.Transfer ? ((Restart.Transfer) p.restart).done() : 0;
    long good = i + m.vm.readablePrefix(p.pagetable, p.sz, addr + i, Math.max(0, n - i));
    long counted = good < n ? countedBeforeFault(f.off - i, good, max, i) : n;
    while (i < counted) {
      int n1 = (int) Math.min(counted - i, max);
      if (log.beginOp(m.reserveBlocks()) != Log.Begin.STARTED) {
        p.restart = new Restart.Transfer(i);
        return new SysResult.Block(Chan.LOG);
      }
      fs.ilock(f.ip);
      int r = fs.writei(f.ip, userSource(p), addr + i, f.off, n1);
      if (r > 0) {
        f.off += r;
      }
      fs.iunlock(f.ip);
      m.endOp();
      if (r != n1) {
        return SysResult.MINUS_ONE; // error from writei
      }
      i += r;
    }
    if (good > counted) {
      writeTornChunk(p, f, addr + counted, good - counted);
    }
    return SysResult.ret(i == n ? n : -1);
  }

  /**
   * xv6's writei copies a block chunk from the user and fails when the copy hits a bad page; the
   * chunks before it count (the offset and size advance), the failing chunk does not, though the
   * bytes copied before the fault are logged with its block. With the fault at relative position
   * {@code good}, this is where the failing chunk starts: the last block boundary of the file
   * ({@code base} is the offset of relative position 0) or filewrite chunk boundary at or below it.
   */
  private static long countedBeforeFault(long base, long good, int max, long done) {
    long blockStart = good - Math.floorMod(base + good, FsFormat.BSIZE);
    long chunkStart = (good / max) * max;
    return Math.max(done, Math.max(blockStart, chunkStart));
  }

  /**
   * The bytes of the failing chunk that were copied before the fault: stored where they fall inside
   * the file (beyond its end xv6 leaves them invisible), without moving the offset.
   */
  private void writeTornChunk(Process p, OpenFile f, long addr, long len) {
    Fs fs = m.fs;
    m.beginOpNow();
    fs.ilock(f.ip);
    long inside = Math.min(len, Math.max(0, f.ip.size() - f.off));
    if (inside > 0) {
      fs.writei(f.ip, userSource(p), addr, f.off, (int) inside);
    }
    fs.iunlock(f.ip);
    m.endOp();
  }

  /** either_copyout to the user memory of p. */
  ByteSink userSink(Process p) {
    return (va, src, off, len) -> m.vm.copyout(p.pagetable, p.sz, va, src, off, len) == 0;
  }

  /** either_copyin from the user memory of p. */
  ByteSource userSource(Process p) {
    return (va, dst, off, len) -> m.vm.copyin(p.pagetable, p.sz, dst, off, va, len) == 0;
  }
}
