package xv6ckpt.kernel;

import java.util.IdentityHashMap;
import java.util.Map;
import xv6ckpt.kernel.fs.Fs;

/**
 * The kernel's Java state in a {@link Machine.Snapshot}: deep copies of the process table and the
 * open-file table with its pipes, and whole copies of the console's input ({@link Console.Input})
 * and of the scheduler's state ({@link SchedState}). RAM, the hart, the allocator and the disk are
 * captured by their own snapshots; console output is not captured.
 *
 * <p>The buffer and inode caches are not copied: between system calls every transaction has
 * committed, so the caches hold nothing the disk lacks, and a reset mounts the file system afresh.
 * Inode references (open files, working directories) are kept here as i-numbers and taken again
 * with iget at reset, one reference per holder, as before.
 *
 * <p>The copies are bound to their machine (their methods would act on it) but never used in place:
 * a reset copies them again, into the machine's own tables, so one snapshot can be restored any
 * number of times.
 */
final class KernelState {
  private final Proc proc;
  private final File files;
  private final Console.Input console;
  private final SchedState sched;

  private KernelState(Proc proc, File files, Console.Input console, SchedState sched) {
    this.proc = proc;
    this.files = files;
    this.console = console;
    this.sched = sched;
  }

  /** Copies m's kernel state. */
  static KernelState capture(Machine m) {
    Tables t = copyTables(m, m.proc, m.files, null, new Tables(new Proc(m), new File(m)));
    return new KernelState(t.proc(), t.files(), m.console.in.copy(), m.proc.sched.copy());
  }

  /**
   * Makes m's kernel state a copy of this one; m's file system must be freshly mounted. The copy
   * goes into m's own process and file tables, every field of every slot overwritten (a reset then
   * allocates no new tables): a Process or OpenFile object taken from m before the reset shows the
   * snapshot's state afterwards.
   */
  void restoreInto(Machine m) {
    copyTables(m, proc, files, m.fs, new Tables(m.proc, m.files));
    m.console.in = console.copy();
    m.proc.sched = sched.copy(); // after the tables: it names their processes
  }

  private record Tables(Proc proc, File files) {}

  /**
   * Deep-copies a process table and a file table (and the pipes they share) into the tables {@code
   * into}, every field of every slot. With {@code fs} null the copy is for a snapshot: inode
   * references become i-numbers; otherwise i-numbers become references taken from fs.
   */
  private static Tables copyTables(
      Machine owner, Proc fromProc, File fromFiles, Fs fs, Tables into) {
    File nf = into.files();
    Map<Pipe, Pipe> pipes = new IdentityHashMap<>();
    for (OpenFile f : fromFiles.ftable) {
      OpenFile g = nf.ftable[f.slot];
      g.type = f.type;
      g.ref = f.ref;
      g.readable = f.readable;
      g.writable = f.writable;
      g.off = f.off;
      g.major = f.major;
      g.path = f.path; // immutable once set
      g.pipe = f.pipe == null ? null : pipes.computeIfAbsent(f.pipe, pi -> pi.copy(owner));
      if (fs == null) {
        g.ipInum = f.ip == null ? 0 : f.ip.inum();
        g.ip = null;
      } else {
        g.ip = f.ipInum == 0 ? null : fs.iget(f.ipInum);
        g.ipInum = 0;
      }
    }
    Proc np = into.proc();
    for (Process p : fromProc.procs) {
      copyProcess(p, np.procs[p.slot], np, nf, fs);
    }
    np.nextpid = fromProc.nextpid;
    np.initproc = fromProc.initproc == null ? null : np.procs[fromProc.initproc.slot];
    return new Tables(np, nf);
  }

  private static void copyProcess(Process p, Process q, Proc np, File nf, Fs fs) {
    q.setState(p.state());
    q.chan = p.chan;
    q.killed = p.killed;
    q.xstate = p.xstate;
    q.pid = p.pid;
    q.parent = p.parent == null ? null : np.procs[p.parent.slot];
    q.sz = p.sz;
    q.pagetable = p.pagetable;
    q.trapframe = p.trapframe;
    for (int i = 0; i < Param.NOFILE; i++) {
      q.ofile[i] = p.ofile[i] == null ? null : nf.ftable[p.ofile[i].slot];
    }
    if (fs == null) {
      q.cwdInum = p.cwd == null ? 0 : p.cwd.inum();
      q.cwd = null;
    } else {
      q.cwd = p.cwdInum == 0 ? null : fs.iget(p.cwdInum);
      q.cwdInum = 0;
    }
    q.name = p.name;
    q.cwdPath = p.cwdPath; // immutable once set
    q.instret = p.instret;
    q.restart = p.restart; // an immutable value
  }
}
