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
    return runner(disk, CONFIG);
  }

  /** A runner machine over the disk with another configuration. */
  static Machine runner(BlockDevice disk, Machine.Config config) {
    try {
      return Machine.runner(disk, config);
    } catch (Machine.BootException e) {
      throw new AssertionError("boot failed", e);
    }
  }

  /** Starts /prog (argv = {prog}) as a child of init; its pid. */
  static int spawn(Machine m, String prog) {
    return spawn(m, List.of(prog));
  }

  /** Starts /argv[0] with argv as a child of init; its pid. */
  static int spawn(Machine m, List<String> argv) {
    try {
      return m.spawn("/" + argv.get(0), argv);
    } catch (Machine.BootException e) {
      throw new AssertionError("spawn " + argv + " failed", e);
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

  /** A process at its exit call: its state, and the console output up to that point. */
  record AtExit(UserState state, String output) {}

  /**
   * Runs m until process pid stands at its exit call (pc at an ecall with a7 = SYS_exit, the
   * call not yet made; nothing else in the machine may wait for input or time) and returns its
   * state there, leaving m at that point with its console output taken (it is in the result:
   * a reset does not take back what the undone run printed). A run is deterministic, so the
   * point is the largest instruction budget after which pid has not exited: m runs on in
   * chunks, each from a snapshot, and the chunk that sees the exit is halved from its
   * snapshot down to one instruction. This is how the harness sees the final registers and
   * memory of a program that exits, which the process table forgets at its exit.
   */
  static AtExit runToExitCall(Machine m, int pid) {
    StringBuilder out = new StringBuilder(m.takeOutput());
    long chunk = 1 << 14;
    Machine.Snapshot s = m.snapshot();
    for (int i = 0; !exitsWithin(m, pid, chunk); i++) {
      if (i == 2_000) {
        throw new AssertionError("pid " + pid + " runs on past 2000 chunks");
      }
      out.append(m.takeOutput());
      s = m.snapshot();
    }
    m.reset(s);
    m.takeOutput();
    for (long n = chunk; n > 1; ) { // from s, pid exits within n instructions, not within 0
      long half = n / 2;
      if (exitsWithin(m, pid, half)) {
        m.reset(s);
        m.takeOutput();
        n = half;
      } else {
        out.append(m.takeOutput());
        s = m.snapshot();
        n -= half;
      }
    }
    UserState u = userState(m, pid);
    Process p = process(m, pid);
    assertAt(fetch32(m.memory(), p.pagetable(), u.pc()) == ECALL && u.reg(17) == SYS_exit,
        "pid " + pid + " is not at an exit call: pc 0x" + Long.toHexString(u.pc()) + " a7 "
            + u.reg(17));
    return new AtExit(u, out.toString());
  }

  private static final int ECALL = 0x00000073;
  private static final int SYS_exit = xv6ckpt.testkit.Xv6Abi.SYS_exit;

  private static boolean exitsWithin(Machine m, int pid, long budget) {
    Machine.Outcome o = m.run(budget);
    if (o instanceof Machine.Outcome.BudgetSpent) {
      return false;
    }
    assertAt(o instanceof Machine.Outcome.Exited && ((Machine.Outcome.Exited) o).pid() == pid,
        "pid " + pid + " stopped before its exit: " + o);
    return true;
  }

  private static void assertAt(boolean ok, String why) {
    if (!ok) {
      throw new AssertionError(why);
    }
  }

  /** The 32-bit word at user address va (it must be mapped). */
  private static int fetch32(PhysicalMemory mem, long root, long va) {
    int w = 0;
    for (int i = 0; i < 4; i++) { // byte by byte: an instruction may cross a page
      long pte = leaf(mem, root, va + i);
      assertAt((pte & PTE_V) != 0, "address 0x" + Long.toHexString(va + i) + " is not mapped");
      long pa = ((pte >>> 10) << 12) + ((va + i) & 0xfff);
      w |= (mem.read8(pa) & 0xff) << (8 * i);
    }
    return w;
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
