package xv6ckpt.kernel;

import static xv6ckpt.kernel.CheckpointImage.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import xv6ckpt.kernel.CheckpointImage.FileRecord;
import xv6ckpt.kernel.CheckpointImage.Image;
import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.ByteSource;
import xv6ckpt.kernel.fs.Dirent;
import xv6ckpt.kernel.fs.FileSystem;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.LargeFiles;
import xv6ckpt.kernel.fs.Stat;

/**
 * System calls 22 {@code checkpoint(pid, path)} and 23 {@code restore(path)}: a process written
 * to a file of the xv6 file system in image format v1, and a file turned back into the calling
 * process. The specification is {@code specs/FORMAT.md} (pre- and postconditions, error codes);
 * {@link CheckpointImage} is the format.
 *
 * <p>checkpoint, in order:
 *
 * <ol>
 *   <li>Refusals, in the spec's order, before anything is written: -1 for a bad path pointer,
 *       CKPT_NO_PROCESS, CKPT_ZOMBIE, CKPT_BUSY (a target inside a call other than wait, read,
 *       sleep), CKPT_PIPE / CKPT_DEVICE (lowest fd first), CKPT_PATH, CKPT_NOSPACE.
 *   <li>Capture: registers as the target will resume (self: a0 = 1, pc past the ecall; a target
 *       blocked in wait, read or sleep: pc at its ecall and the call's progress in the restart
 *       record), every mapped user page found by walking the page table, open files by path.
 *   <li>Write the image to the temporary file {@link #TMP} in path's directory, in chunks of
 *       one transaction each, every transaction reserving (and so logging at most) MAXOPBLOCKS
 *       blocks; the commit record goes last.
 *   <li>Swap the names in one transaction: path names the new image and TMP the old one (or,
 *       with no old image, TMP's entry is renamed to path). A power cut at any disk write leaves
 *       path naming the complete old image or the complete new one.
 *   <li>Free the old image under TMP in steps of one transaction each, then unlink TMP. A crash
 *       here leaves a stale TMP, which the next checkpoint into that directory reuses.
 * </ol>
 *
 * <p>restore reads the whole file, validates it ({@link CheckpointImage#check}), looks up
 * every file record, allocates a new page table with the image's pages and the file-table
 * entries it needs, and only then changes the caller (like exec): closes its descriptors but
 * the console ones among 0..2, installs the image's, replaces memory, registers, pc and restart
 * state. The caller keeps its pid, parent, children and current directory.
 *
 * <p>Every refusal returns the rule's negative code and prints one console line naming it.
 */
final class Checkpoint {
  /** The temporary name an image is written under, in the target path's directory. */
  static final byte[] TMP = ".ckpt.tmp".getBytes(StandardCharsets.ISO_8859_1);

  private final Machine m;

  Checkpoint(Machine m) {
    this.m = m;
  }

  // ---------------------------------------------------------------- checkpoint

  /** checkpoint(int pid, char *path): 0, -1 for a bad path pointer, or a CKPT_* code. */
  SysResult checkpoint(Process p) {
    int pid = m.syscall.argint(0);
    byte[] path = m.syscall.argstr(p, 1, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    Process t = pid == 0 || pid == p.pid ? p : started(pid);
    if (t == null) {
      return refuse("checkpoint", CKPT_NO_PROCESS, "pid " + pid + " names no process");
    }
    if (t.state() == Process.State.ZOMBIE) {
      return refuse("checkpoint", CKPT_ZOMBIE, "pid " + pid + " has exited");
    }
    Resume r = t == p ? resumeSelf() : resumeOther(t);
    if (r == null) {
      return refuse("checkpoint", CKPT_BUSY, "pid " + pid + " is inside system call "
          + m.userRegisters(t)[17]);
    }
    Files files = files(t);
    if (files.refusal != 0) {
      return refuse("checkpoint", files.refusal, files.why);
    }
    Pages pages = pages(t);
    Image im = new Image(m.nextImageId(), t.pid, t.name.getBytes(StandardCharsets.ISO_8859_1),
        t.sz, r.x, r.pc, r.sysnum, r.args, r.progress, files.records, pages.va, pages.perm);
    int res = new Writer(p, path, im, pages.pa).write();
    if (res == CKPT_PATH) {
      return refuse("checkpoint", res, text(path) + " cannot be created as a regular file");
    } else if (res == CKPT_NOSPACE) {
      return refuse("checkpoint", res, text(path) + ": no room for an image of " + im.size()
          + " bytes");
    }
    return SysResult.ZERO;
  }

  /** The process with this pid if it has started (not UNUSED, not USED), else null. */
  private Process started(int pid) {
    for (Process q : m.proc.procs) {
      if (q.pid == pid && q.state() != Process.State.UNUSED && q.state() != Process.State.USED) {
        return q;
      }
    }
    return null;
  }

  /** Registers and restart record of a process as it will resume. */
  private record Resume(long[] x, long pc, int sysnum, long[] args, long progress) {}

  /** The caller (registers in the hart, pc already past its ecall): its call returns 1. */
  private Resume resumeSelf() {
    long[] x = new long[31];
    for (int n = 1; n <= 31; n++) {
      x[n - 1] = m.hart.x(n);
    }
    x[10 - 1] = 1;
    return new Resume(x, m.hart.pc(), 0, new long[6], 0);
  }

  /**
   * Another process, from its trapframe: at user level, or inside a system call it will re-issue
   * (SLEEPING, or woken with a restart state). Only wait, read and sleep are restartable.
   *
   * @return null if the process is inside another call (CKPT_BUSY)
   */
  private Resume resumeOther(Process t) {
    long[] r = m.userRegisters(t);
    long[] x = Arrays.copyOfRange(r, 1, 32);
    long pc = r[32];
    boolean inCall = t.state() == Process.State.SLEEPING || t.restart != null;
    if (!inCall) {
      return new Resume(x, pc, 0, new long[6], 0);
    }
    long num = r[17];
    long[] args = Arrays.copyOfRange(r, 10, 16);
    if (num == Syscall.SYS_wait && t.restart == null) {
      return new Resume(x, pc, Syscall.SYS_wait, args, 0);
    }
    if (num == Syscall.SYS_read && (t.restart == null || t.restart instanceof Restart.Transfer)) {
      long done = t.restart == null ? 0 : ((Restart.Transfer) t.restart).done();
      return new Resume(x, pc, Syscall.SYS_read, args, done);
    }
    if (num == Syscall.SYS_sleep && t.restart instanceof Restart.Sleep) {
      long left = ((Restart.Sleep) t.restart).until() - m.ticks();
      if (left <= 0) { // the sleep is over: it has, in effect, returned 0
        x[10 - 1] = 0;
        return new Resume(x, pc + 4, 0, new long[6], 0);
      }
      int n = Math.max(0, (int) args[0]);
      return new Resume(x, pc, Syscall.SYS_sleep, args, Math.max(0, n - left));
    }
    return null;
  }

  /** The file records of a process, or the first descriptor that cannot be checkpointed. */
  private static final class Files {
    final List<FileRecord> records = new ArrayList<>();
    int refusal;
    String why;
  }

  private Files files(Process t) {
    Files out = new Files();
    for (int fd = 0; fd < Param.NOFILE; fd++) {
      OpenFile f = t.ofile[fd];
      if (f == null) {
        continue;
      }
      int mode = (f.readable ? MODE_READ : 0) | (f.writable ? MODE_WRITE : 0);
      if (f.type == OpenFile.Type.PIPE) {
        out.refusal = CKPT_PIPE;
        out.why = "pid " + t.pid + " fd " + fd + " is a pipe";
        return out;
      } else if (f.type == OpenFile.Type.DEVICE && f.major != File.CONSOLE) {
        out.refusal = CKPT_DEVICE;
        out.why = "pid " + t.pid + " fd " + fd + " is device " + f.major;
        return out;
      } else if (f.type == OpenFile.Type.DEVICE) {
        out.records.add(new FileRecord(fd, KIND_CONSOLE, mode, 0, 0, new byte[0]));
      } else if (f.path == null || f.path.length >= PATH_SIZE) {
        out.refusal = CKPT_PATH; // the record cannot name the file (FORMAT.md: 127 bytes)
        out.why = "pid " + t.pid + " fd " + fd + ": its path is longer than 127 bytes";
        return out;
      } else {
        out.records.add(new FileRecord(fd, KIND_FILE, mode, f.ip.inum(), f.off, f.path));
      }
    }
    return out;
  }

  /** The mapped user pages of a process, in address order: va, permission bits, frame. */
  private record Pages(long[] va, int[] perm, long[] pa) {}

  /**
   * Walks t's page table below PGROUNDUP(sz) (xv6 maps no user page above), level by level so
   * that a missing page-table page skips its whole span: holes cost nothing, however large.
   */
  private Pages pages(Process t) {
    long top = Math.min(Riscv.pgroundup(t.sz), Riscv.TRAPFRAME);
    PageList out = new PageList();
    walk(t.pagetable, 2, 0, top, out);
    return new Pages(Arrays.copyOf(out.va, out.n), Arrays.copyOf(out.perm, out.n),
        Arrays.copyOf(out.pa, out.n));
  }

  private static final class PageList {
    long[] va = new long[64];
    int[] perm = new int[64];
    long[] pa = new long[64];
    int n;

    void add(long v, int p, long frame) {
      if (n == va.length) {
        va = Arrays.copyOf(va, 2 * n);
        perm = Arrays.copyOf(perm, 2 * n);
        pa = Arrays.copyOf(pa, 2 * n);
      }
      va[n] = v;
      perm[n] = p;
      pa[n++] = frame;
    }
  }

  private void walk(long table, int level, long base, long top, PageList out) {
    long span = 1L << (Riscv.PGSHIFT + 9 * level);
    for (int i = 0; i < 512 && base + i * span < top; i++) {
      long va = base + i * span;
      long pte = m.mem.read64(table + 8L * i);
      if ((pte & Riscv.PTE_V) == 0) {
        continue;
      }
      boolean leaf = (pte & (Riscv.PTE_R | Riscv.PTE_W | Riscv.PTE_X)) != 0;
      long pa = Riscv.pte2pa(pte);
      if (!m.mem.contains(pa, PGSIZE) || (leaf != (level == 0))) {
        throw new KernelPanic(String.format("checkpoint: bad PTE 0x%x for va 0x%x", pte, va));
      }
      if (level == 0) {
        out.add(va, (int) (pte & PERM_BITS), pa);
      } else {
        walk(pa, level - 1, va, top, out);
      }
    }
  }

  /**
   * Writes one image to path, crash-safely (see the class comment). Transactions reserve
   * exactly MAXOPBLOCKS and the log refuses ("too big a transaction") to log more, so the
   * chunking is checked on every run, not only by tests.
   */
  private final class Writer {
    private final Process p;
    private final byte[] path;
    private final Image im;
    private final long[] pa;
    private final Fs fs = m.fs;
    private Inode dp; // path's directory, referenced
    private byte[] name; // path's last element

    Writer(Process p, byte[] path, Image im, long[] pa) {
      this.p = p;
      this.path = path;
      this.im = im;
      this.pa = pa;
    }

    /** @return 0, or CKPT_PATH or CKPT_NOSPACE */
    int write() {
      begin();
      Optional<Fs.Parent> parent = fs.nameiparent(path, p.cwd);
      end();
      if (parent.isEmpty()) {
        return CKPT_PATH;
      }
      dp = parent.get().dir();
      name = parent.get().name();
      int r = writeIn();
      begin();
      fs.iput(dp);
      end();
      return r;
    }

    private int writeIn() {
      if (name.length == 0 || isDotOrDotDot(name) || Arrays.equals(name, TMP)) {
        return CKPT_PATH;
      }
      begin();
      Entry old = lookup(name);
      Entry tmp = lookup(TMP);
      end();
      if ((old != null && old.type != Stat.T_FILE) || (tmp != null && tmp.type != Stat.T_FILE)
          || (old != null && tmp != null && old.inum == tmp.inum)) {
        return CKPT_PATH; // not a regular file, or linked as TMP too
      }
      if (!roomFor(tmp)) {
        return CKPT_NOSPACE;
      }
      Inode ip = tmp != null ? emptied(tmp.inum) : created();
      if (ip == null) {
        return CKPT_NOSPACE;
      }
      if (!writeImage(ip)) {
        discard(ip);
        return CKPT_NOSPACE;
      }
      swap(ip, old);
      if (old != null) {
        discard(reference(old.inum));
      }
      return 0;
    }

    /** A directory entry of dp: the inode's number, type and size; null if absent. */
    private record Entry(long inum, short type, long size) {}

    /** Looks name up in dp (inside a transaction). */
    private Entry lookup(byte[] n) {
      fs.ilock(dp);
      Optional<Fs.Found> f = fs.dirlookup(dp, n);
      fs.iunlock(dp);
      if (f.isEmpty()) {
        return null;
      }
      Inode ip = f.get().ip();
      fs.ilock(ip);
      Entry e = new Entry(ip.inum(), ip.type(), ip.size());
      fs.iunlockput(ip);
      return e;
    }

    /**
     * CKPT_NOSPACE's test, before anything is written: the image fits a file, and the free
     * blocks plus those of a stale TMP (freed first) hold it, its index blocks and one more
     * directory block. The old image stays until the swap, so its blocks do not count.
     */
    private boolean roomFor(Entry tmp) {
      long size = im.size();
      if (size > (long) fs.superblock().maxFileBlocks() * FsFormat.BSIZE) {
        return false;
      }
      long free = LargeFiles.freeBlocks(fs);
      long stale = tmp == null ? 0 : LargeFiles.blocksFor(tmp.size);
      return free + stale >= LargeFiles.blocksFor(size) + 1;
    }

    /** The stale TMP, referenced, with its blocks freed step by step. */
    private Inode emptied(long inum) {
      Inode ip = reference(inum);
      truncate(ip);
      return ip;
    }

    /** A new empty file linked as TMP in dp, referenced; null if the disk is full. */
    private Inode created() {
      begin();
      Optional<Inode> made = fs.ialloc(Stat.T_FILE);
      if (made.isEmpty()) {
        end();
        return null;
      }
      Inode ip = made.get();
      fs.ilock(ip);
      ip.setNlink((short) 1);
      fs.iupdate(ip);
      fs.ilock(dp);
      boolean linked = fs.dirlink(dp, TMP, ip.inum());
      fs.iunlock(dp);
      if (!linked) { // undo: the inode is freed by the iput
        ip.setNlink((short) 0);
        fs.iupdate(ip);
        fs.iunlockput(ip);
        end();
        return null;
      }
      fs.iunlock(ip);
      end();
      return ip;
    }

    /** Writes the whole image into the empty file ip, one transaction per chunk. */
    private boolean writeImage(Inode ip) {
      ImageSource src = new ImageSource(im, pa);
      long size = im.size();
      int chunk = FileSystem.maxWriteBytes(Param.MAXOPBLOCKS, fs.superblock().hasDindirect());
      for (long off = 0; off < size; ) {
        int n = (int) Math.min(chunk, size - off);
        begin();
        fs.ilock(ip);
        int w = fs.writei(ip, src, off, off, n);
        fs.iunlock(ip);
        end();
        if (w != n) {
          return false;
        }
        off += n;
      }
      return true;
    }

    /**
     * The commit point of an overwrite, one transaction: path's entry gets the new inode, TMP's
     * the old one (or, with no old image, TMP's entry is renamed to path).
     */
    private void swap(Inode ip, Entry old) {
      begin();
      fs.ilock(dp);
      long tmpOff = entryOffset(TMP);
      if (old == null) {
        setEntry(tmpOff, name, ip.inum());
      } else {
        setEntry(entryOffset(name), name, ip.inum());
        setEntry(tmpOff, TMP, old.inum);
      }
      fs.iunlock(dp);
      fs.iput(ip);
      end();
    }

    private long entryOffset(byte[] n) {
      Fs.Found f = fs.dirlookup(dp, n).orElseThrow(() -> new KernelPanic(
          "checkpoint: directory entry vanished during the call"));
      fs.iput(f.ip());
      return f.off();
    }

    private void setEntry(long off, byte[] n, long inum) {
      byte[] de = new byte[FsFormat.DIRENT_SIZE];
      new Dirent((int) inum, n).encode(de, 0);
      if (fs.writei(dp, ByteSource.of(de), 0, off, de.length) != de.length) {
        throw new KernelPanic("checkpoint: directory write");
      }
    }

    /**
     * Removes the file under TMP (ip, referenced by us): frees its blocks in steps unless
     * another open file still reads it, then unlinks TMP; our reference is dropped.
     */
    private void discard(Inode ip) {
      if (!openElsewhere(ip.inum())) {
        truncate(ip);
      }
      begin();
      fs.ilock(dp);
      long off = entryOffset(TMP);
      setEntry(off, new byte[0], 0);
      fs.iunlock(dp);
      fs.ilock(ip);
      ip.setNlink((short) (ip.nlink() - 1));
      fs.iupdate(ip);
      fs.iunlockput(ip); // frees the (empty) inode unless an open file holds it
      end();
    }

    /** Frees ip's blocks, each step its own transaction within MAXOPBLOCKS. */
    private void truncate(Inode ip) {
      for (boolean empty = false; !empty; ) {
        begin();
        fs.ilock(ip);
        empty = LargeFiles.truncateStep(fs, ip, Param.MAXOPBLOCKS);
        fs.iunlock(ip);
        end();
      }
    }

    private boolean openElsewhere(long inum) {
      for (OpenFile f : m.files.ftable) {
        if (f.ref > 0 && f.ip != null && f.ip.inum() == inum) {
          return true;
        }
      }
      return false;
    }

    private Inode reference(long inum) {
      return fs.iget(inum);
    }
  }

  /**
   * The image as a stream of bytes for writei, computed as it is asked for: the front (header
   * to padding) from an array, the page data straight from the frames, the commit record last.
   * The CRC-32C accumulates over every byte handed out; writei asks for each byte once, in
   * order, which is checked.
   */
  private final class ImageSource implements ByteSource {
    private final byte[] front;
    private final long[] pa;
    private final long dataEnd;
    private final long imageId;
    private final CRC32C crc = new CRC32C();
    private long next; // the next address expected
    private byte[] commit;

    ImageSource(Image im, long[] pa) {
      this.front = encodeFront(im);
      this.pa = pa;
      this.dataEnd = front.length + (long) pa.length * PGSIZE;
      this.imageId = im.imageId();
    }

    @Override
    public boolean copyIn(long addr, byte[] dst, int off, int n) {
      if (addr != next) {
        throw new KernelPanic("checkpoint: image bytes asked out of order");
      }
      int done = 0;
      while (done < n) {
        long a = addr + done;
        int len;
        if (a < front.length) {
          len = (int) Math.min(n - done, front.length - a);
          System.arraycopy(front, (int) a, dst, off + done, len);
        } else if (a < dataEnd) {
          long inData = a - front.length;
          int k = (int) (inData / PGSIZE);
          int within = (int) (inData % PGSIZE);
          len = Math.min(n - done, PGSIZE - within);
          m.mem.read(pa[k] + within, dst, off + done, len);
        } else {
          if (commit == null) {
            commit = commitRecord(dataEnd + COMMIT_SIZE, imageId, crc.getValue());
          }
          len = n - done;
          System.arraycopy(commit, (int) (a - dataEnd), dst, off + done, len);
          done += len;
          continue;
        }
        crc.update(dst, off + done, len);
        done += len;
      }
      next = addr + n;
      return true;
    }
  }

  // ---------------------------------------------------------------- restore

  /** restore(char *path): does not return on success; -1 or a code on failure. */
  SysResult restore(Process p) {
    byte[] path = m.syscall.argstr(p, 0, Param.MAXPATH);
    if (path == null) {
      return SysResult.MINUS_ONE;
    }
    String what = new String(path, StandardCharsets.ISO_8859_1);
    byte[] file = readFile(p, path);
    if (file == null) {
      return refuse("restore", RESTORE_NO_FILE, what + " is not a regular file");
    }
    Verdict v = check(file);
    if (v instanceof Invalid) {
      Invalid bad = (Invalid) v;
      return refuse("restore", bad.code(), what + ": " + bad.detail() + " (offset "
          + bad.offset() + ")");
    }
    Image im = ((Valid) v).image();
    Reopened files = reopen(p, im);
    if (files.refusal != 0) {
      return refuse("restore", files.refusal, what + ": " + files.why);
    }
    long pagetable = load(p, im, file);
    OpenFile[] entries = pagetable == 0 ? null : fileEntries(im.files().size());
    if (entries == null) {
      if (pagetable != 0) {
        m.proc.procFreepagetable(pagetable, im.sz());
      }
      release(files.inodes);
      return refuse("restore", RESTORE_NOMEM, what + ": " + im.npages() + " pages");
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
        out.why = "fd " + f.fd() + ": no file " + text(f.path());
        continue;
      }
      Inode ip = found.get();
      out.inodes[k] = ip;
      fs.ilock(ip);
      boolean writable = (f.mode() & MODE_WRITE) != 0;
      if (ip.inum() != f.inum() || ip.type() == Stat.T_DEVICE
          || (ip.type() == Stat.T_DIR && writable)) {
        out.refusal = RESTORE_FILE_INODE;
        out.why = "fd " + f.fd() + ": " + text(f.path()) + " is now another file";
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
   * The console's inode, referenced: the one an open console file uses (the caller's first),
   * else the device /console; null if there is none.
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
   * A new page table for p (its trampoline and trapframe mapped, as exec makes one) holding
   * the image's pages with their permissions; 0 if memory ran out (everything freed again).
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
      boolean keep = fd <= 2 && f != null && f.type == OpenFile.Type.DEVICE
          && f.major == File.CONSOLE;
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

  // ---------------------------------------------------------------- shared

  /** Prints the rule's console line and returns its code. */
  private SysResult refuse(String call, int code, String detail) {
    m.printf(call + ": " + ruleName(code) + " (" + code + "): " + detail + "\n");
    return SysResult.ret(code);
  }

  private void begin() {
    m.fs.log().beginOpNow(Param.MAXOPBLOCKS);
  }

  private void end() {
    m.fs.log().endOp(Param.MAXOPBLOCKS);
    m.proc.wakeup(Chan.LOG);
  }

  private static boolean isDotOrDotDot(byte[] name) {
    return (name.length == 1 && name[0] == '.')
        || (name.length == 2 && name[0] == '.' && name[1] == '.');
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /**
   * The normalized absolute path of {@code path} (a C string: it ends at its first NUL) taken
   * from directory {@code cwd} (itself normalized and absolute): "." and empty elements dropped,
   * ".." going up (never above the root), each element cut to DIRSIZ bytes as namei cuts it.
   * xv6 directories cannot be linked twice, so ".." is the lexical parent and the result names
   * the same inode as namei(path) did when the call was made.
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
