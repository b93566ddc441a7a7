package xv6ckpt.kernel;

import static xv6ckpt.kernel.CheckpointImage.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import xv6ckpt.kernel.CheckpointImage.FileRecord;
import xv6ckpt.kernel.CheckpointImage.Image;
import xv6ckpt.kernel.fs.ImageFile;

/**
 * System call 22 {@code checkpoint(pid, path)}: a process written to a file of the xv6 file system
 * in image format v1 (like exec.c, one call in one room; its inverse is {@link Restore}). The
 * specification is {@code specs/FORMAT.md} (pre- and postconditions, error codes); {@link
 * CheckpointImage} is the format; {@link ImageFile} writes the file crash-safely.
 *
 * <p>In order:
 *
 * <ol>
 *   <li>Refusals, in the spec's order, before anything is written: -1 for a bad path pointer,
 *       CKPT_NO_PROCESS, CKPT_ZOMBIE, CKPT_BUSY (a target inside a call other than wait, read,
 *       sleep), CKPT_PIPE / CKPT_DEVICE (lowest fd first), CKPT_PATH, CKPT_NOSPACE.
 *   <li>Capture: registers as the target will resume (self: a0 = 1, pc past the ecall; a target
 *       blocked in wait, read or sleep: pc at its ecall and the call's progress in the restart
 *       record), every mapped user page found by walking the page table, open files by path.
 *   <li>Write: {@link ImageFile#replace} streams the image ({@link ImageSource}: the commit record
 *       last) into a temporary file, one transaction of at most MAXOPBLOCKS blocks per chunk, then
 *       swaps it in under path in one transaction and frees the old image in steps. A power cut at
 *       any disk write leaves path naming the complete old image or the new one.
 * </ol>
 *
 * <p>Every refusal returns the rule's negative code and prints one console line naming it.
 */
final class Checkpoint {
  private final Machine m;

  Checkpoint(Machine m) {
    this.m = m;
  }

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
      return refuse(
          "checkpoint",
          CKPT_BUSY,
          "pid " + pid + " is inside system call " + Syscall.number(m.userRegisters(t)[17]));
    }
    Files files = files(t);
    if (files.refusal != 0) {
      return refuse("checkpoint", files.refusal, files.why);
    }
    Pages pages = pages(t);
    byte[] name = t.name.getBytes(StandardCharsets.ISO_8859_1);
    Image im =
        new Image(
            0,
            t.pid,
            name,
            t.sz,
            r.x,
            r.pc,
            r.sysnum,
            r.args,
            r.progress,
            files.records,
            pages.va,
            pages.perm);
    // The id is drawn only when the image is about to be written (after every refusal), since
    // drawing the first one of a boot writes the disk's epoch.
    ImageFile.Result res =
        ImageFile.replace(
            m.fs,
            p.cwd,
            path,
            im.size(),
            () -> new ImageSource(m.mem, im.withId(nextImageId()), pages.pa()),
            new Transactions());
    if (res == ImageFile.Result.BAD_PATH) {
      return refuse("checkpoint", CKPT_PATH, text(path) + " cannot be created as a regular file");
    } else if (res == ImageFile.Result.TOO_BIG) {
      return refuse(
          "checkpoint",
          CKPT_NOSPACE,
          text(path)
              + ": an image of "
              + im.size()
              + " bytes is larger than this file system's largest file ("
              + ImageFile.maxFileBytes(m.fs)
              + " bytes"
              + (m.fs.superblock().hasDindirect()
                  ? ")"
                  : "; a disk made with mkfs --big-files holds files up to 64.3 MiB)"));
    } else if (res == ImageFile.Result.NO_SPACE) {
      return refuse(
          "checkpoint",
          CKPT_NOSPACE,
          text(path)
              + ": no room for an image of "
              + im.size()
              + " bytes (the disk is out of free blocks or inodes)");
    }
    return SysResult.ZERO;
  }

  /**
   * A fresh image id: the next value of a splitmix64 sequence seeded with the machine's seed, mixed
   * with the instructions run so far and with the disk's checkpoint epoch, which the boot's first
   * image id increments on the disk ({@code Fs.nextEpoch}, its own transaction; no transaction may
   * be open). A machine booted again on the same disk therefore draws other ids even with the same
   * seed and the same instruction counts, and the same disk and seed still give the same ids.
   */
  private long nextImageId() {
    SchedState s = m.proc.sched;
    if (s.epoch == 0) {
      m.fs.log().beginOpNow(Param.MAXOPBLOCKS);
      s.epoch = m.fs.nextEpoch();
      m.fs.log().endOp(Param.MAXOPBLOCKS);
      m.proc.wakeup(Chan.LOG);
    }
    s.imageIds += 0x9E3779B97F4A7C15L;
    long z = s.imageIds ^ (s.cycles * 0xD1B54A32D192ED03L) ^ (s.epoch * 0x8CB92BA72F3D8DD7L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The image file's transactions: each reserves exactly MAXOPBLOCKS, and the log refuses ("too big
   * a transaction") to log more, so the chunking is checked on every run.
   */
  private final class Transactions implements ImageFile.Caller {
    @Override
    public void begin() {
      m.fs.log().beginOpNow(Param.MAXOPBLOCKS);
    }

    @Override
    public void end() {
      m.fs.log().endOp(Param.MAXOPBLOCKS);
      m.proc.wakeup(Chan.LOG);
    }

    @Override
    public boolean openElsewhere(long inum) {
      for (OpenFile f : m.files.ftable) {
        if (f.ref > 0 && f.ip != null && f.ip.inum() == inum) {
          return true;
        }
      }
      return false;
    }
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
    int num = Syscall.number(r[17]); // the call xv6 dispatched: a7 as an int
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
   * Walks t's page table below PGROUNDUP(sz) (xv6 maps no user page above), level by level so that
   * a missing page-table page skips its whole span: holes cost nothing, however large.
   */
  private Pages pages(Process t) {
    long top = Math.min(Riscv.pgroundup(t.sz), Riscv.TRAPFRAME);
    PageList out = new PageList();
    walk(t.pagetable, 2, 0, top, out);
    return new Pages(
        Arrays.copyOf(out.va, out.n), Arrays.copyOf(out.perm, out.n), Arrays.copyOf(out.pa, out.n));
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

  private SysResult refuse(String call, int code, String detail) {
    return refuse(m, call, code, detail);
  }

  /** Prints the rule's console line and returns its code (restore's refusals too). */
  static SysResult refuse(Machine m, String call, int code, String detail) {
    m.console.printf(call + ": " + ruleName(code) + " (" + code + "): " + detail + "\n");
    return SysResult.ret(code);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }
}
