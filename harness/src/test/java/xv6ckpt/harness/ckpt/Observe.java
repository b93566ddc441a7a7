package xv6ckpt.harness.ckpt;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import xv6ckpt.emulator.PhysicalMemory;
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
 * A kernel process seen as the spec's {@link ModelProcess}, read from the machine's public
 * state by code of the harness's own: the page table is walked here (Sv39, three levels, in
 * emulated RAM), not by the kernel's Vm or Checkpoint, so a wrong walk in either shows.
 */
final class Observe {
  private Observe() {}

  static final int SYS_read = 5;
  static final int SYS_sleep = 13;

  /** The process as the spec models it, with the given state. */
  static ModelProcess process(Machine m, Process p, ModelProcess.State state) {
    long[] r = m.userRegisters(p);
    long[] x = java.util.Arrays.copyOfRange(r, 1, 32);
    return new ModelProcess(p.pid(), p.name(), state, p.size(), pages(m, p),
        Registers.of(x, r[32]), files(p), inSyscall(m, p, r));
  }

  /** Every valid leaf PTE below PGROUNDUP(sz): va, the R/W/X/U bits, the frame's bytes. */
  static List<Page> pages(Machine m, Process p) {
    PhysicalMemory mem = m.memory();
    long top = (p.size() + 4095) & ~4095L;
    List<Page> out = new ArrayList<>();
    walk(mem, p.pagetable(), 2, 0, top, out);
    return out;
  }

  private static void walk(PhysicalMemory mem, long table, int level, long base, long top,
      List<Page> out) {
    long span = 1L << (12 + 9 * level);
    for (int i = 0; i < 512 && base + i * span < top; i++) {
      long pte = mem.read64(table + 8L * i);
      if ((pte & 1) == 0) {
        continue;
      }
      long pa = (pte >>> 10) << 12;
      if (level > 0) {
        walk(mem, pa, level - 1, base + i * span, top, out);
      } else {
        byte[] data = new byte[4096];
        mem.read(pa, data, 0, data.length);
        out.add(new Page(base + i * span, (int) (pte & 0x1e), data));
      }
    }
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
        case DEVICE -> out.put(fd, f.major() == 1 ? new ModelFile.Console(r, w)
            : new ModelFile.Device(f.major(), r, w));
        case INODE -> out.put(fd, new ModelFile.InodeFile(f.path(), f.inum(), f.offset(), r, w));
        default -> throw new AssertionError("fd " + fd + " of pid " + p.pid() + " is free");
      }
    }
    return out;
  }

  /**
   * The call the process is inside, from the kernel's public facts: SLEEPING or holding a
   * restart state means it re-issues the call in a7; sleep's progress is the ticks slept.
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
