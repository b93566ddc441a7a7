package xv6ckpt.kernel;

import static xv6ckpt.kernel.fs.Stat.T_DEVICE;
import static xv6ckpt.kernel.fs.Stat.T_DIR;
import static xv6ckpt.kernel.fs.Stat.T_FILE;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.ByteSource;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.Inode;

/**
 * xv6's {@code sysfile.c}: file-system system calls, mostly argument checking, since {@link
 * File} and {@link Fs} do the work. Every call that changes the file system runs inside one
 * transaction (begin_op/end_op) and undoes its partial work at one place before returning -1.
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
  private static int fdalloc(Process p, OpenFile f) {
    for (int fd = 0; fd < Param.NOFILE; fd++) {
      if (p.ofile[fd] == null) {
        p.ofile[fd] = f;
        return fd;
      }
    }
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
    Fs fs = m.fs;
    m.beginOpNow();
    Optional<Inode> found = fs.namei(oldPath, p.cwd);
    if (found.isEmpty()) {
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    Inode ip = found.get();
    fs.ilock(ip);
    if (ip.type() == T_DIR) {
      fs.iunlockput(ip);
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    ip.setNlink((short) (ip.nlink() + 1));
    fs.iupdate(ip);
    fs.iunlock(ip);
    Optional<Fs.Parent> parent = fs.nameiparent(newPath, p.cwd);
    if (parent.isPresent()) {
      Inode dp = parent.get().dir();
      fs.ilock(dp);
      if (fs.dirlink(dp, parent.get().name(), ip.inum())) {
        fs.iunlockput(dp);
        fs.iput(ip);
        m.endOp();
        return SysResult.ZERO;
      }
      fs.iunlockput(dp);
    }
    // bad: undo the link count.
    fs.ilock(ip);
    ip.setNlink((short) (ip.nlink() - 1));
    fs.iupdate(ip);
    fs.iunlockput(ip);
    m.endOp();
    return SysResult.MINUS_ONE;
  }

  /**
   * Clears the ".." entry of directory ip (locked), which is being unlinked: its link to the
   * parent was just dropped from the parent's count, and a process whose cwd it still is must
   * not reach the parent through it once the parent is gone too (usertests' unlinkcwd: xv6
   * would find a freed inode there and panic in ilock).
   */
  private void forgetParent(Inode ip) {
    Optional<Fs.Found> up = m.fs.dirlookup(ip, new byte[] {'.', '.'});
    if (up.isPresent()) {
      m.fs.iput(up.get().ip());
      byte[] de = new byte[FsFormat.DIRENT_SIZE];
      if (m.fs.writei(ip, ByteSource.of(de), 0, up.get().off(), de.length) != de.length) {
        throw new KernelPanic("unlink: writei");
      }
    }
  }

  /** Is the directory dp empty except for "." and ".." ? */
  private boolean isdirempty(Inode dp) {
    byte[] de = new byte[FsFormat.DIRENT_SIZE];
    for (long off = 2 * FsFormat.DIRENT_SIZE; off < dp.size(); off += FsFormat.DIRENT_SIZE) {
      if (m.fs.readi(dp, ByteSink.of(de), 0, off, de.length) != de.length) {
        throw new KernelPanic("isdirempty: readi");
      }
      if (((de[0] & 0xFF) | (de[1] & 0xFF) << 8) != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean isDotOrDotDot(byte[] name) {
    return (name.length == 1 && name[0] == '.')
        || (name.length == 2 && name[0] == '.' && name[1] == '.');
  }

  SysResult unlink(Process p) {
    byte[] path = sc().argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    Fs fs = m.fs;
    m.beginOpNow();
    Optional<Fs.Parent> parent = fs.nameiparent(path, p.cwd);
    if (parent.isEmpty()) {
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    Inode dp = parent.get().dir();
    byte[] name = parent.get().name();
    fs.ilock(dp);
    Optional<Fs.Found> found = isDotOrDotDot(name) ? Optional.empty() : fs.dirlookup(dp, name);
    if (found.isEmpty()) { // Cannot unlink "." or ".."; or no such name.
      fs.iunlockput(dp);
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    Inode ip = found.get().ip();
    fs.ilock(ip);
    if (ip.nlink() < 1) {
      throw new KernelPanic("unlink: nlink < 1");
    }
    if (ip.type() == T_DIR && !isdirempty(ip)) {
      fs.iunlockput(ip);
      fs.iunlockput(dp);
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    byte[] de = new byte[FsFormat.DIRENT_SIZE];
    if (fs.writei(dp, ByteSource.of(de), 0, found.get().off(), de.length) != de.length) {
      throw new KernelPanic("unlink: writei");
    }
    if (ip.type() == T_DIR) {
      dp.setNlink((short) (dp.nlink() - 1));
      fs.iupdate(dp);
      forgetParent(ip);
    }
    fs.iunlockput(dp);
    ip.setNlink((short) (ip.nlink() - 1));
    fs.iupdate(ip);
    fs.iunlockput(ip);
    m.endOp();
    return SysResult.ZERO;
  }

  /**
   * Makes path a new inode of the given type, or for T_FILE opens an existing file or device.
   * Inside a transaction.
   *
   * @return the inode, locked and referenced; empty on failure
   */
  private Optional<Inode> create(Process p, byte[] path, short type, short major, short minor) {
    Fs fs = m.fs;
    Optional<Fs.Parent> parent = fs.nameiparent(path, p.cwd);
    if (parent.isEmpty()) {
      return Optional.empty();
    }
    Inode dp = parent.get().dir();
    byte[] name = parent.get().name();
    fs.ilock(dp);
    Optional<Fs.Found> existing = fs.dirlookup(dp, name);
    if (existing.isPresent()) {
      fs.iunlockput(dp);
      Inode ip = existing.get().ip();
      fs.ilock(ip);
      if (type == T_FILE && (ip.type() == T_FILE || ip.type() == T_DEVICE)) {
        return Optional.of(ip);
      }
      fs.iunlockput(ip);
      return Optional.empty();
    }
    Optional<Inode> allocated = fs.ialloc(type);
    if (allocated.isEmpty()) {
      fs.iunlockput(dp);
      return Optional.empty();
    }
    Inode ip = allocated.get();
    fs.ilock(ip);
    ip.setDevice(major, minor);
    ip.setNlink((short) 1);
    fs.iupdate(ip);
    boolean ok = type != T_DIR // Create . and .. entries.
        || (fs.dirlink(ip, new byte[] {'.'}, ip.inum())
            && fs.dirlink(ip, new byte[] {'.', '.'}, dp.inum()));
    if (ok && fs.dirlink(dp, name, ip.inum())) {
      if (type == T_DIR) {
        // now that success is guaranteed:
        dp.setNlink((short) (dp.nlink() + 1)); // for ".."
        fs.iupdate(dp);
      }
      fs.iunlockput(dp);
      return Optional.of(ip);
    }
    // something went wrong. de-allocate ip.
    ip.setNlink((short) 0);
    fs.iupdate(ip);
    fs.iunlockput(ip);
    fs.iunlockput(dp);
    return Optional.empty();
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
      Optional<Inode> c = create(p, path, T_FILE, (short) 0, (short) 0);
      if (c.isEmpty()) {
        m.endOp();
        return SysResult.MINUS_ONE;
      }
      ip = c.get();
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
      f.path = Checkpoint.absolutePath(p.cwdPath, path);
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
    Optional<Inode> ip = create(p, path, T_DIR, (short) 0, (short) 0);
    if (ip.isEmpty()) {
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    m.fs.iunlockput(ip.get());
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
    Optional<Inode> ip = create(p, path, T_DEVICE, major, minor);
    if (ip.isEmpty()) {
      m.endOp();
      return SysResult.MINUS_ONE;
    }
    m.fs.iunlockput(ip.get());
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
    p.cwdPath = Checkpoint.absolutePath(p.cwdPath, path);
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
      OptionalLong uarg = sc().fetchaddr(p, uargv + 8L * i);
      if (uarg.isEmpty()) {
        return SysResult.MINUS_ONE;
      }
      if (uarg.getAsLong() == 0) {
        break;
      }
      byte[] arg = sc().fetchstr(p, uarg.getAsLong(), (int) Riscv.PGSIZE);
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
    Pipe pi = new Pipe(m, m.nextPipeId++, pa);
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
}
