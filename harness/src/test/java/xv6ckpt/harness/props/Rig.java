package xv6ckpt.harness.props;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.disk.BlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.ByteSink;
import xv6ckpt.kernel.fs.Fs;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Inode;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;
import xv6ckpt.specs.Image.Page;
import xv6ckpt.specs.Xv6;

/**
 * The properties' test rig: disks, machines, the files on a machine's disk, and a process's
 * user state read the way the hardware sees it (its Sv39 page table walked here, in the
 * harness, not through the kernel's Vm), so that the kernel's images are compared with an
 * independent reading of the kernel's memory.
 */
final class Rig {
  private Rig() {}

  /** 16 MiB of RAM and a short quantum, so interleavings happen within small programs. */
  static final Machine.Config CONFIG =
      Machine.Config.defaults().withRam(16L << 20).withQuantum(5_000);

  /** A big-files disk of 8 MiB (files up to 64 MiB) holding the files at the root. */
  static MemoryBlockDevice disk(Map<String, byte[]> files) {
    long blocks = 8192;
    Mkfs.Options opts = new Mkfs.Options(blocks, 200, Param.LOGBLOCKS, true);
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, blocks);
    List<Mkfs.Node> nodes = new ArrayList<>();
    files.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> nodes.add(new Mkfs.FileNode(e.getKey(), e.getValue())));
    try {
      Mkfs.make(d, opts, nodes);
    } catch (MkfsException e) {
      throw new AssertionError("mkfs of the test disk failed", e);
    }
    return d;
  }

  /** A runner machine (pid 1 sleeps, the kernel reaps) over the disk. */
  static Machine runner(BlockDevice disk) {
    try {
      return Machine.runner(disk, CONFIG);
    } catch (Machine.BootException e) {
      throw new AssertionError("boot failed", e);
    }
  }

  /** Starts /prog (argv = {prog}) as a child of init; its pid. */
  static int spawn(Machine m, String prog) {
    try {
      return m.spawn("/" + prog, List.of(prog));
    } catch (Machine.BootException e) {
      throw new AssertionError("spawn " + prog + " failed", e);
    }
  }

  /** Runs until the watched process exits, the machine idles or panics, or 20M instructions. */
  static Machine.Outcome finish(Machine m) {
    for (int i = 0; i < 20; i++) {
      Machine.Outcome o = m.run(1_000_000);
      if (!(o instanceof Machine.Outcome.BudgetSpent)) {
        return o;
      }
    }
    return new Machine.Outcome.BudgetSpent();
  }

  /** The content of the regular file at path (absolute), if there is one. */
  static Optional<byte[]> read(Machine m, String path) {
    Fs fs = m.fs();
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    try {
      Inode root = fs.root();
      Optional<Inode> found = fs.namei(path.getBytes(StandardCharsets.ISO_8859_1), root);
      fs.iput(root);
      if (found.isEmpty()) {
        return Optional.empty();
      }
      Inode ip = found.get();
      fs.ilock(ip);
      byte[] b = new byte[(int) ip.size()];
      fs.readi(ip, ByteSink.of(b), 0, 0, b.length);
      fs.iunlockput(ip);
      return Optional.of(b);
    } finally {
      fs.log().endOp(Param.MAXOPBLOCKS);
    }
  }

  /** What a user process is, as far as a checkpoint can see it: registers, size, pages. */
  record UserState(long[] x, long pc, long sz, List<Page> pages) {
    long reg(int n) {
      return x[n];
    }
  }

  static Process process(Machine m, int pid) {
    return m.proc().byPid(pid)
        .orElseThrow(() -> new AssertionError("no process with pid " + pid));
  }

  /** Process pid's registers (x0..x31, pc), sz and every mapped page below PGROUNDUP(sz). */
  static UserState userState(Machine m, int pid) {
    Process p = process(m, pid);
    long[] r = m.userRegisters(p);
    long[] x = new long[32];
    System.arraycopy(r, 0, x, 0, 32);
    return new UserState(x, r[32], p.size(), pages(m.memory(), p.pagetable(), p.size()));
  }

  // Sv39 (privileged spec 4.4): three levels of 512 eight-byte PTEs, VPN[2..0] = va bits
  // 38..30, 29..21, 20..12; PPN in PTE bits 53..10; V = bit 0; R W X U = bits 1..4.
  private static final long PTE_V = 1;
  private static final int PERM_BITS = Xv6.PTE_R | Xv6.PTE_W | Xv6.PTE_X | Xv6.PTE_U;

  private static List<Page> pages(PhysicalMemory mem, long root, long sz) {
    List<Page> out = new ArrayList<>();
    for (long va = 0; va < Xv6.PGROUNDUP(sz); va += Xv6.PGSIZE) {
      long pte = leaf(mem, root, va);
      if ((pte & PTE_V) != 0) {
        byte[] d = new byte[Xv6.PGSIZE];
        mem.read((pte >>> 10) << 12, d, 0, d.length);
        out.add(new Page(va, (int) (pte & PERM_BITS), d));
      }
    }
    return out;
  }

  /** The level-0 PTE of va, or 0 when a level above is not valid. */
  private static long leaf(PhysicalMemory mem, long root, long va) {
    long table = root;
    for (int level = 2; level > 0; level--) {
      long pte = mem.read64(table + 8 * ((va >>> (12 + 9 * level)) & 0x1ff));
      if ((pte & PTE_V) == 0) {
        return 0;
      }
      table = (pte >>> 10) << 12;
    }
    return mem.read64(table + 8 * ((va >>> 12) & 0x1ff));
  }
}
