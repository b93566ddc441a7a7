package xv6ckpt.kernel;

import static xv6ckpt.kernel.fs.Stat.T_DEVICE;
import static xv6ckpt.kernel.fs.Stat.T_DIR;
import static xv6ckpt.kernel.fs.Stat.T_FILE;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Inode;

/**
 * xv6's {@code sysfile.c}: file-system system calls, mostly argument checking, since {@link File}
 * and {@link Fs} do the work. Every call that changes the file system runs inside one transaction
 * (begin_op/end_op) and undoes its partial work at one place before returning -1.
 *
 * <p>The bodies of create, link and unlink are {@link FileSystem}'s, shared with the host tools
 * (the file-system layer cannot call up into this one); here they get their arguments from user
 * memory, their transaction, and -1 for any refusal.
 */
final class SysFile {
  static final int O_RDONLY = 0x000;
  static final int O_WRONLY = 0x001;
  static final int O_RDWR = 0x002;
  static final int O_CREATE = 0x200;
  static final int O_TRUNC = 0x400;

  private final Machine m;

  SysFile(Machine m) {
    this.m = m;
  }

  private Syscall sc() {
    return m.syscall;
  }

  /** Allocates a file descriptor for the given file; -1 if p has NOFILE open. */
  private int fdalloc(Process p, OpenFile f) {
    for (int fd = 0; fd < Param.NOFILE; fd++) {
      if (p.ofile[fd] == null) {
        p.ofile[fd] = f;
        return fd;
      }
    }
    m.proc.exhausted(Exhaustion.DESCRIPTORS);
    return -1;
  }

  SysResult dup(Process p) {
    OpenFile f = sc().argfd(p, 0);
    if (f == null) {
      return SysResult.MINUS_ONE;
    }
    int fd = fdalloc(p, f);
    if (fd < 0) {
      return SysResult.MINUS_ONE;
    }
    m.files.filedup(f);
    return SysResult.ret(fd);
  }

  SysResult read(Process p) {
    long addr = sc().argaddr(1);
    int n = sc().argint(2);
    OpenFile f = sc().argfd(p, 0);
    if (f == null) {
      return SysResult.MINUS_ONE;
    }
    return m.files.fileread(p, f, addr, n);
  }

  SysResult write(Process p) {
    long addr = sc().argaddr(1);
    int n = sc().argint(2);
    OpenFile f = sc().argfd(p, 0);
    if (f == null) {
      return SysResult.MINUS_ONE;
    }
    return m.files.filewrite(p, f, addr, n);
  }

  SysResult close(Process p) {
    OpenFile f = sc().argfd(p, 0);
    if (f == null) {
      return SysResult.MINUS_ONE;
    }
    p.ofile[sc().argint(0)] = null;
    m.files.fileclose(f);
    return SysResult.ZERO;
  }

  SysResult fstat(Process p) {
    long st = sc().argaddr(1); // user pointer to struct stat
    OpenFile f = sc().argfd(p, 0);
    if (f == null) {
      return SysResult.MINUS_ONE;
    }
    return SysResult.ret(m.files.filestat(p, f, st));
  }

  /** Creates the path new as a link to the same inode as old. */
  SysResult link(Process p) {
    byte[] oldPath = sc().argstr(p, 0, Param.MAXPATH);
    byte[] newPath = sc().argstr(p, 1, Param.MAXPATH);
    if (oldPath == null || newPath == null) {
      return SysResult.MINUS_ONE;
    }
    m.beginOpNow();
    boolean linked = FileSystem.link(m.fs, p.cwd, oldPath, newPath).isEmpty();
    m.endOp();
    return linked ? SysResult.ZERO : SysResult.MINUS_ONE;
  }

  SysResult unlink(Process p) {
    byte[] path = sc().argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    m.beginOpNow();
    boolean unlinked = FileSystem.unlink(m.fs, p.cwd, path).isEmpty();
    m.endOp();
    return unlinked ? SysResult.ZERO : SysResult.MINUS_ONE;
  }

  /**
   * xv6's create (the body is {@link FileSystem#create}): path as a new inode of the given type, or
   * for T_FILE an existing file or device. Inside a transaction.
   *
   * @return the inode, locked and referenced; null on failure
   */
  private Inode create(Process p, byte[] path, short type, short major, short minor) {
    FileSystem.Created c = FileSystem.create(m.fs, p.cwd, path, type, major, minor);
    return c instanceof FileSystem.Made made ? made.ip() : null;
  }

  SysResult open(Process p) {
    int omode = sc().argint(1);
    byte[] path = sc().argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    Fs fs = m.fs;
    boolean trunc = (omode & O_TRUNC) != 0;
    m.beginOpNow();
    Inode ip;
    if ((omode & O_CREATE) != 0) {
      ip = create(p, path, T_FILE, (short) 0, (short) 0);
      if (ip == null) {
        m.endOp();
        return SysResult.MINUS_ONE;
      }
    } else {
      Optional<Inode> found = fs.namei(path, p.cwd);
      if (found.isEmpty()) {
        m.endOp();
        return SysResult.MINUS_ONE;
      }
      ip = found.get();
      fs.ilock(ip);
      if (ip.type() == T_DIR && omode != O_RDONLY) {
        fs.iunlockput(ip);
        m.endOp();
        return SysResult.MINUS_ONE;
      }
    }
    if (ip.type() == T_DEVICE && (ip.major() < 0 || ip.major() >= Param.NDEV)) {
      fs.iunlockput(ip);
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    OpenFile f = m.files.filealloc();
    int fd = f == null ? -1 : fdalloc(p, f);
    if (fd < 0) {
      if (f != null) {
        m.files.fileclose(f);
      }
      fs.iunlockput(ip);
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    if (ip.type() == T_DEVICE) {
      f.type = OpenFile.Type.DEVICE;
      f.major = ip.major();
    } else {
      f.type = OpenFile.Type.INODE;
      f.off = 0;
      f.path = absolutePath(p.cwdPath, path);
    }
    f.ip = ip;
    f.readable = (omode & O_WRONLY) == 0;
    f.writable = (omode & O_WRONLY) != 0 || (omode & O_RDWR) != 0;
    if (trunc && ip.type() == T_FILE) {
      fs.itrunc(ip);
    }
    fs.iunlock(ip);
    m.endOp();
    return SysResult.ret(fd);
  }

  SysResult mkdir(Process p) {
    byte[] path = sc().argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    m.beginOpNow();
    Inode ip = create(p, path, T_DIR, (short) 0, (short) 0);
    if (ip == null) {
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    m.fs.iunlockput(ip);
    m.endOp();
    return SysResult.ZERO;
  }

  SysResult mknod(Process p) {
    short major = (short) sc().argint(1);
    short minor = (short) sc().argint(2);
    byte[] path = sc().argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    m.beginOpNow();
    Inode ip = create(p, path, T_DEVICE, major, minor);
    if (ip == null) {
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    m.fs.iunlockput(ip);
    m.endOp();
    return SysResult.ZERO;
  }

  SysResult chdir(Process p) {
    byte[] path = sc().argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    Fs fs = m.fs;
    m.beginOpNow();
    Optional<Inode> found = fs.namei(path, p.cwd);
    if (found.isEmpty()) {
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    Inode ip = found.get();
    fs.ilock(ip);
    if (ip.type() != T_DIR) {
      fs.iunlockput(ip);
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    fs.iunlock(ip);
    fs.iput(p.cwd);
    m.endOp();
    p.cwd = ip;
    p.cwdPath = absolutePath(p.cwdPath, path);
    return SysResult.ZERO;
  }

  SysResult exec(Process p) {
    byte[] path = sc().argstr(p, 0, Param.MAXPATH);
    long uargv = sc().argaddr(1);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    List<byte[]> argv = new ArrayList<>();
    for (int i = 0; ; i++) {
      if (i >= Param.MAXARG) {
        return SysResult.MINUS_ONE;
      }
      Long uarg = sc().fetchaddr(p, uargv + 8L * i);
      if (uarg == null) {
        return SysResult.MINUS_ONE;
      }
      if (uarg == 0) {
        break;
      }
      byte[] arg = sc().fetchstr(p, uarg, (int) Riscv.PGSIZE);
      if (arg == null) {
        return SysResult.MINUS_ONE;
      }
      argv.add(arg);
    }
    return SysResult.ret(m.exec.exec(p, path, argv));
  }

  SysResult pipe(Process p) {
    long fdarray = sc().argaddr(0); // user pointer to array of two integers
    OpenFile rf = m.files.filealloc();
    OpenFile wf = rf == null ? null : m.files.filealloc();
    long pa = wf == null ? 0 : m.kalloc.kalloc();
    if (pa == 0) { // pipealloc failed
      if (rf != null) {
        rf.ref = 0;
      }
      if (wf != null) {
        wf.ref = 0;
      }
      return SysResult.MINUS_ONE;
    }
    Pipe pi = new Pipe(m, m.proc.sched.nextPipeId++, pa);
    rf.type = OpenFile.Type.PIPE;
    rf.readable = true;
    rf.writable = false;
    rf.pipe = pi;
    wf.type = OpenFile.Type.PIPE;
    wf.readable = false;
    wf.writable = true;
    wf.pipe = pi;
    int fd0 = fdalloc(p, rf);
    int fd1 = fd0 < 0 ? -1 : fdalloc(p, wf);
    if (fd0 < 0 || fd1 < 0) {
      if (fd0 >= 0) {
        p.ofile[fd0] = null;
      }
      m.files.fileclose(rf);
      m.files.fileclose(wf);
      return SysResult.MINUS_ONE;
    }
    byte[] fds = new byte[8];
    File.putLe(fds, 0, fd0, 4);
    File.putLe(fds, 4, fd1, 4);
    if (m.vm.copyout(p.pagetable, p.sz, fdarray, fds, 0, 8) < 0) {
      p.ofile[fd0] = null;
      p.ofile[fd1] = null;
      m.files.fileclose(rf);
      m.files.fileclose(wf);
      return SysResult.MINUS_ONE;
    }
    return SysResult.ZERO;
  }

  /**
   * Not in xv6: open and chdir keep the path they resolved (OpenFile.path, Process.cwdPath), so
   * that Checkpoint can record open files by path. That path is this one: the normalized absolute
   * path of {@code path} (a C string: it ends at its first NUL) taken from directory {@code cwd}
   * (itself normalized and absolute): "." and empty elements dropped, ".." going up (never above
   * the root), each element cut to DIRSIZ bytes as namei cuts it. xv6 directories cannot be linked
   * twice, so ".." is the lexical parent and the result names the same inode as namei(path) did
   * when the call was made.
   */
  static byte[] absolutePath(byte[] cwd, byte[] path) {
    List<byte[]> elems = new ArrayList<>();
    int end = 0;
    while (end < path.length && path[end] != 0) {
      end++;
    }
    if (end == 0 || path[0] != '/') {
      addElements(elems, cwd, cwd.length);
    }
    addElements(elems, path, end);
    if (elems.isEmpty()) {
      return new byte[] {'/'};
    }
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] e : elems) {
      out.write('/');
      out.write(e, 0, e.length);
    }
    return out.toByteArray();
  }

  private static void addElements(List<byte[]> elems, byte[] path, int end) {
    int i = 0;
    while (i < end) {
      while (i < end && path[i] == '/') {
        i++;
      }
      int s = i;
      while (i < end && path[i] != '/') {
        i++;
      }
      byte[] e = Arrays.copyOfRange(path, s, Math.min(i, s + FsFormat.DIRSIZ));
      if (e.length == 0 || (e.length == 1 && e[0] == '.')) {
        continue;
      }
      if (e.length == 2 && e[0] == '.' && e[1] == '.') {
        if (!elems.isEmpty()) {
          elems.remove(elems.size() - 1);
        }
        continue;
      }
      elems.add(e);
    }
  }
}
