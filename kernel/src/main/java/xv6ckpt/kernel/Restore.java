package xv6ckpt.kernel;

import static xv6ckpt.kernel.CheckpointImage.*;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import xv6ckpt.kernel.CheckpointImage.FileRecord;
import xv6ckpt.kernel.CheckpointImage.Image;
import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.Stat;

/**
 * System call 23 {@code restore(path)}: an image written by {@link Checkpoint} turned back into the
 * calling process. All or nothing, like exec: read the whole file, validate it ({@link
 * CheckpointImage#check}), look up every file record, allocate a new page table with the image's
 * pages and the file-table entries it needs, and only then change the caller: close its descriptors
 * but the console ones among 0..2, install the image's, replace memory, registers, pc and restart
 * state. The caller keeps its pid, parent, children and current directory.
 *
 * <p>Every refusal returns the rule's negative code and prints one console line naming it; the
 * caller is then untouched and everything taken is given back.
 */
final class Restore {
  private final Machine m;

  Restore(Machine m) {
    this.m = m;
  }

  /** restore(char *path): does not return on success; -1 or a code on failure. */
  SysResult restore(Process p) {
    byte[] path = m.syscall.argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    String what = new String(path, StandardCharsets.ISO_8859_1);
    byte[] file = readFile(p, path);
    if (file == null) {
      return Checkpoint.refuse(m, "restore", RESTORE_NO_FILE, what + " is not a regular file");
    }
    Verdict v = check(file);
    if (v instanceof Invalid) {
      Invalid bad = (Invalid) v;
      return Checkpoint.refuse(
          m, "restore", bad.code(), what + ": " + bad.detail() + " (offset " + bad.offset() + ")");
    }
    Image im = ((Valid) v).image();
    Reopened files = reopen(p, im);
    if (files.refusal != 0) {
      return Checkpoint.refuse(m, "restore", files.refusal, what + ": " + files.why);
    }
    long pagetable = load(p, im, file);
    OpenFile[] entries = pagetable == 0 ? null : fileEntries(im.files().size());
    if (entries == null) {
      if (pagetable != 0) {
        m.proc.procFreepagetable(pagetable, im.sz());
      }
      release(files.inodes);
      return Checkpoint.refuse(m, "restore", RESTORE_NOMEM, what + ": " + im.npages() + " pages");
    }
    commit(p, im, pagetable, files.inodes, entries);
    return new SysResult.Replaced();
  }

  /** The whole content of the regular file at path, or null if path names none. */
  private byte[] readFile(Process p, byte[] path) {
    Fs fs = m.fs;
    m.beginOpNow();
    Optional<Inode> found = fs.namei(path, p.cwd);
    byte[] out = null;
    if (found.isPresent()) {
      Inode ip = found.get();
      fs.ilock(ip);
      if (ip.type() == Stat.T_FILE) {
        out = new byte[(int) ip.size()]; // a file's size is at most its largest (64.3 MiB)
        if (fs.readi(ip, ByteSink.of(out), 0, 0, out.length) != out.length) {
          throw new KernelPanic("restore: short read of a regular file");
        }
      }
      fs.iunlockput(ip);
    }
    m.endOp();
    return out;
  }

  /** Each record's inode, referenced (null for none yet), or the first record refused. */
  private static final class Reopened {
    Inode[] inodes;
    int refusal;
    String why;
  }

  /** Looks up every file record, in fd order, as FORMAT.md §6 says. */
  private Reopened reopen(Process p, Image im) {
    Reopened out = new Reopened();
    out.inodes = new Inode[im.files().size()];
    Fs fs = m.fs;
    m.beginOpNow();
    for (int k = 0; k < im.files().size() && out.refusal == 0; k++) {
      FileRecord f = im.files().get(k);
      if (f.kind() == KIND_CONSOLE) {
        out.inodes[k] = consoleInode(p);
        if (out.inodes[k] == null) {
          out.refusal = RESTORE_FILE_MISSING;
          out.why = "fd " + f.fd() + ": there is no console device /console";
        }
        continue;
      }
      Optional<Inode> found = fs.namei(f.path(), p.cwd);
      if (found.isEmpty()) {
        out.refusal = RESTORE_FILE_MISSING;
        out.why = "fd " + f.fd() + ": no file " + Checkpoint.text(f.path());
        continue;
      }
      Inode ip = found.get();
      out.inodes[k] = ip;
      fs.ilock(ip);
      boolean writable = (f.mode() & MODE_WRITE) != 0;
      if (ip.inum() != f.inum()
          || ip.type() == Stat.T_DEVICE
          || (ip.type() == Stat.T_DIR && writable)) {
        out.refusal = RESTORE_FILE_INODE;
        out.why = "fd " + f.fd() + ": " + Checkpoint.text(f.path()) + " is now another file";
      } else if (f.offset() > ip.size()) {
        out.refusal = RESTORE_FILE_OFFSET;
        out.why = "fd " + f.fd() + ": offset " + f.offset() + " beyond " + ip.size() + " bytes";
      }
      fs.iunlock(ip);
    }
    m.endOp();
    if (out.refusal != 0) {
      release(out.inodes);
    }
    return out;
  }

  /**
   * The console's inode, referenced: the one an open console file uses (the caller's first), else
   * the device /console; null if there is none.
   */
  private Inode consoleInode(Process p) {
    for (OpenFile f : p.ofile) {
      if (f != null && f.type == OpenFile.Type.DEVICE && f.major == File.CONSOLE) {
        return m.fs.idup(f.ip);
      }
    }
    for (OpenFile f : m.files.ftable) {
      if (f.ref > 0 && f.type == OpenFile.Type.DEVICE && f.major == File.CONSOLE) {
        return m.fs.idup(f.ip);
      }
    }
    Optional<Inode> ip = m.fs.namei("/console".getBytes(StandardCharsets.ISO_8859_1), p.cwd);
    if (ip.isEmpty()) {
      return null;
    }
    m.fs.ilock(ip.get());
    boolean console = ip.get().type() == Stat.T_DEVICE && ip.get().major() == File.CONSOLE;
    m.fs.iunlock(ip.get());
    if (!console) {
      m.fs.iput(ip.get());
      return null;
    }
    return ip.get();
  }

  private void release(Inode[] inodes) {
    m.beginOpNow();
    for (Inode ip : inodes) {
      if (ip != null) {
        m.fs.iput(ip);
      }
    }
    m.endOp();
  }

  /**
   * A new page table for p (its trampoline and trapframe mapped, as exec makes one) holding the
   * image's pages with their permissions; 0 if memory ran out (everything freed again).
   */
  private long load(Process p, Image im, byte[] file) {
    long pagetable = m.proc.procPagetable(p);
    if (pagetable == 0) {
      return 0;
    }
    long data = im.dataOffset();
    for (int k = 0; k < im.npages(); k++) {
      long frame = m.kalloc.kalloc();
      if (frame == 0) {
        m.proc.procFreepagetable(pagetable, im.sz());
        return 0;
      }
      m.mem.write(frame, file, (int) (data + (long) k * PGSIZE), PGSIZE);
      if (m.vm.mappages(pagetable, im.va()[k], PGSIZE, frame, im.perm()[k]) != 0) {
        m.kalloc.kfree(frame);
        m.proc.procFreepagetable(pagetable, im.sz());
        return 0;
      }
    }
    return pagetable;
  }

  /** n free file-table entries (ref 1, type NONE), or null if the table has fewer. */
  private OpenFile[] fileEntries(int n) {
    OpenFile[] out = new OpenFile[n];
    for (int k = 0; k < n; k++) {
      out[k] = m.files.filealloc();
      if (out[k] == null) {
        for (int j = 0; j < k; j++) {
          out[j].ref = 0; // never used: nothing to release
        }
        return null;
      }
    }
    return out;
  }

  /** The point of no return: p becomes the image's process. Nothing here can fail. */
  private void commit(Process p, Image im, long pagetable, Inode[] inodes, OpenFile[] entries) {
    for (int fd = 0; fd < Param.NOFILE; fd++) {
      OpenFile f = p.ofile[fd];
      boolean keep =
          fd <= 2 && f != null && f.type == OpenFile.Type.DEVICE && f.major == File.CONSOLE;
      if (f != null && !keep) {
        p.ofile[fd] = null;
        m.files.fileclose(f);
      }
    }
    for (int k = 0; k < entries.length; k++) {
      FileRecord r = im.files().get(k);
      if (p.ofile[r.fd()] != null) { // a kept console, replaced by the record
        OpenFile f = p.ofile[r.fd()];
        p.ofile[r.fd()] = null;
        m.files.fileclose(f);
      }
      p.ofile[r.fd()] = install(entries[k], r, inodes[k]);
    }
    long oldPagetable = p.pagetable;
    long oldSz = p.sz;
    p.pagetable = pagetable;
    p.sz = im.sz();
    p.name = new String(im.name(), StandardCharsets.ISO_8859_1);
    m.proc.procFreepagetable(oldPagetable, oldSz);
    for (int n = 1; n <= 31; n++) {
      m.hart.setX(n, im.reg(n));
    }
    m.hart.setPc(im.pc());
    p.restart = restartState(im);
  }

  private static OpenFile install(OpenFile f, FileRecord r, Inode ip) {
    f.readable = (r.mode() & MODE_READ) != 0;
    f.writable = (r.mode() & MODE_WRITE) != 0;
    f.ip = ip;
    if (r.kind() == KIND_CONSOLE) {
      f.type = OpenFile.Type.DEVICE;
      f.major = File.CONSOLE;
    } else {
      f.type = OpenFile.Type.INODE;
      f.off = r.offset();
      f.path = r.path();
    }
    return f;
  }

  /** What the re-issued call continues from: bytes already read, the end of the sleep. */
  private Restart restartState(Image im) {
    if (im.sysnum() == Syscall.SYS_sleep) {
      int n = Math.max(0, (int) im.args()[0]);
      return new Restart.Sleep(m.ticks() + n - im.progress());
    }
    if (im.sysnum() == Syscall.SYS_read && im.progress() > 0) {
      return new Restart.Transfer(im.progress());
    }
    return null;
  }
}
