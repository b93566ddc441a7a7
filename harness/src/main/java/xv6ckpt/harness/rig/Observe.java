package xv6ckpt.harness.props;

import static xv6ckpt.testkit.Xv6Abi.SYS_read;
import static xv6ckpt.testkit.Xv6Abi.SYS_sleep;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.OpenFile;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.Restart;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ModelFile;
import xv6ckpt.specs.ModelProcess;

/**
 * A kernel process seen as the spec's {@link ModelProcess}, read from the machine's public state by
 * code of the harness's own: the page table is walked by the rig ({@link UserPages}, Sv39 in
 * emulated RAM), not by the kernel's Vm or Checkpoint, so a wrong walk in either shows.
 */
final class Observe {
  private Observe() {}

  /** The process as the spec models it, with the given state. */
  static ModelProcess process(Machine m, Process p, ModelProcess.State state) {
    long[] r = m.userRegisters(p);
    long[] x = java.util.Arrays.copyOfRange(r, 1, 32);
    return new ModelProcess(
        p.pid(),
        p.name(),
        state,
        p.size(),
        pages(m, p),
        Registers.of(x, r[32]),
        files(p),
        inSyscall(m, p, r));
  }

  /** Every valid leaf PTE below PGROUNDUP(sz), read by the rig's walk. */
  static List<Page> pages(Machine m, Process p) {
    return UserPages.pages(m.memory(), p.pagetable(), p.size());
  }

  static SortedMap<Integer, ModelFile> files(Process p) {
    SortedMap<Integer, ModelFile> out = new TreeMap<>();
    for (int fd = 0; fd < 16; fd++) {
      OpenFile f = p.openFile(fd);
      if (f == null) {
        continue;
      }
      boolean r = f.readable();
      boolean w = f.writable();
      switch (f.type()) {
        case PIPE -> out.put(fd, new ModelFile.Pipe(r, w));
        case DEVICE ->
            out.put(
                fd,
                f.major() == 1
                    ? new ModelFile.Console(r, w)
                    : new ModelFile.Device(f.major(), r, w));
        case INODE -> out.put(fd, new ModelFile.InodeFile(f.path(), f.inum(), f.offset(), r, w));
        default -> throw new AssertionError("fd " + fd + " of pid " + p.pid() + " is free");
      }
    }
    return out;
  }

  /**
   * The call the process is inside, from the kernel's public facts: SLEEPING or holding a restart
   * state means it re-issues the call in a7; sleep's progress is the ticks slept.
   */
  static SyscallRestart inSyscall(Machine m, Process p, long[] r) {
    boolean in = p.state() == Process.State.SLEEPING || p.restart() != null;
    if (!in) {
      return SyscallRestart.NONE;
    }
    int num = (int) r[17];
    List<Long> args = new ArrayList<>();
    for (int i = 10; i < 16; i++) {
      args.add(r[i]);
    }
    long progress = 0;
    if (num == SYS_sleep && p.restart() instanceof Restart.Sleep s) {
      progress = Math.max(0, (int) r[10]) - (s.until() - m.ticks());
    } else if (num == SYS_read && p.restart() instanceof Restart.Transfer t) {
      progress = t.done();
    }
    return new SyscallRestart(num, args, progress);
  }
}
