package xv6ckpt.kernel;

import java.util.Optional;

/**
 * Not in xv6: the kernel-wide invariant that holds whenever a system call returns to user space (or
 * blocks, or exits). The kernel is single-threaded and a call never sleeps inside a transaction, so
 * at that moment every room is at rest:
 *
 * <ul>
 *   <li>the log: no operation outstanding, nothing reserved or logged (the last end_op committed);
 *   <li>the buffer cache: no buffer referenced or locked (a pinned one would be an uncommitted
 *       block);
 *   <li>the inode table: nothing locked, and the references are exactly those the open files and
 *       the processes' working directories own;
 *   <li>the file table: the references are exactly the processes' descriptors, each naming an entry
 *       in use.
 * </ul>
 *
 * A violation is a {@link KernelPanic} whose message starts with {@link #PREFIX}: the run ends as
 * {@code Outcome.Panicked}, and a harness can tell it from xv6's own panics by that prefix. It
 * catches the error paths that forget an end_op, an iput, an iunlock or a fileclose, which no
 * result of the call shows. Machine.Config#invariants turns it off (measurements: kernel README).
 */
final class Invariants {
  /** How every violation's panic message starts. */
  static final String PREFIX = "invariant: ";

  private Invariants() {}

  /** Checks the invariant after system call num of p; throws the named panic if it is broken. */
  static void atSyscallReturn(Machine m, Process p, long num) {
    Optional<String> broken = check(m);
    if (broken.isPresent()) {
      throw new KernelPanic(
          PREFIX + "after system call " + num + " of pid " + p.pid + ": " + broken.get());
    }
  }

  private static Optional<String> check(Machine m) {
    int inodeHolders = 0;
    int fileRefs = 0;
    for (OpenFile f : m.files.ftable) {
      fileRefs += f.ref;
      if (f.ref > 0 && f.ip != null) {
        inodeHolders++;
      }
    }
    int descriptors = 0;
    Proc proc = m.proc;
    for (int s = proc.slots.used.nextSetBit(0); s >= 0; s = proc.slots.used.nextSetBit(s + 1)) {
      Process q = proc.procs[s];
      if (q.cwd != null) {
        inodeHolders++;
      }
      for (OpenFile f : q.ofile) {
        if (f != null) {
          if (f.ref < 1) {
            return Optional.of("pid " + q.pid + " holds a descriptor of a free file-table entry");
          }
          descriptors++;
        }
      }
    }
    if (fileRefs != descriptors) {
      return Optional.of(
          "file table holds " + fileRefs + " references, processes hold " + descriptors + " fds");
    }
    return m.fs.notAtRest(inodeHolders);
  }
}
