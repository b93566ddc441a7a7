package xv6ckpt.harness.rig;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.OpenFile;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.Restart;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Image.Registers;
import xv6ckpt.specs.Image.SyscallRestart;
import xv6ckpt.specs.ModelFile;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Xv6;

/**
 * A Java-kernel process seen as the spec's {@link ModelProcess}, read from the machine's public
 * state by code of the harness's own: the page table is walked by the rig ({@link UserPages}, Sv39
 * in emulated RAM), not by the kernel's Vm or Checkpoint, so a wrong walk in either shows. The one
 * reading that the laws and the image targets share.
 */
public final class Observe {
  private Observe() {}

  /** The process as the spec models it, in the kernel's state (a zombie has no pages left). */
  public static ModelProcess process(Machine m, Process p) {
    ModelProcess.State state = ModelProcess.State.valueOf(p.state().name());
    ModelProcess seen = process(m, p, state);
    if (p.state() != Process.State.ZOMBIE) {
      return seen;
    }
    return new ModelProcess(
        seen.pid(),
        seen.name(),
        seen.state(),
        seen.sz(),
        List.of(),
        seen.regs(),
        seen.files(),
        seen.inSyscall());
  }

  /** The process as the spec models it, with the given state. */
  public static ModelProcess process(Machine m, Process p, ModelProcess.State state) {
    long[] r = m.userRegisters(p);
    return new ModelProcess(
        p.pid(),
        p.name(),
        state,
        p.size(),
        pages(m, p),
        Registers.of(Arrays.copyOfRange(r, 1, 32), r[32]),
        files(p),
        inSyscall(m, p, r));
  }

  /** Every valid leaf PTE below PGROUNDUP(sz), read by the rig's walk. */
  public static List<Page> pages(Machine m, Process p) {
    return UserPages.pages(m.memory(), p.pagetable(), p.size());
  }

  /** The process's open files by descriptor, as the spec models them. */
  public static SortedMap<Integer, ModelFile> files(Process p) {
    SortedMap<Integer, ModelFile> out = new TreeMap<>();
    for (int fd = 0; fd < Xv6.NOFILE; fd++) {
      OpenFile f = p.openFile(fd);
      if (f != null) {
        out.put(fd, file(f));
      }
    }
    return out;
  }

  /** One open file as the spec models it. */
  public static ModelFile file(OpenFile f) {
    boolean r = f.readable();
    boolean w = f.writable();
    return switch (f.type()) {
      case INODE -> new ModelFile.InodeFile(f.path(), f.inum(), f.offset(), r, w);
      case DEVICE ->
          f.major() == Xv6.CONSOLE
              ? new ModelFile.Console(r, w)
              : new ModelFile.Device(f.major(), r, w);
      case PIPE -> new ModelFile.Pipe(r, w);
      case NONE -> throw new IllegalStateException("a descriptor on a free file-table entry");
    };
  }

  /**
   * The call the process is inside, from the kernel's public facts: SLEEPING or holding a restart
   * state means it re-issues the call in a7; sleep's progress is the ticks slept.
   */
  public static SyscallRestart inSyscall(Machine m, Process p, long[] r) {
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
    if (num == Xv6.SYS_sleep && p.restart() instanceof Restart.Sleep s) {
      progress = Math.max(0, (int) r[10]) - (s.until() - m.ticks());
    } else if (num == Xv6.SYS_read && p.restart() instanceof Restart.Transfer t) {
      progress = t.done();
    }
    return new SyscallRestart(num, args, progress);
  }
}
