package xv6ckpt.harness.fuzz;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A7;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.harness.rig.Observe;
import xv6ckpt.harness.rig.UserPages;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Process;
import xv6ckpt.kernel.fs.Dinode;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.Superblock;
import xv6ckpt.specs.FileView;
import xv6ckpt.specs.Image;
import xv6ckpt.specs.ModelProcess;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.Xv6Abi;

/**
 * The machine restore-image and decoder-differential share: a runner whose process /r stands at its
 * {@code restore("/img")} ecall when the snapshot is taken. Per input: reset, the bytes become
 * /img's content by patching its inode's size and data blocks on the disk (the file was made at
 * full {@link #CAPACITY} by mkfs, so its blocks exist; nothing else is written), then the ecall
 * runs until the system call returns to user mode, before the next user instruction (the caller's
 * after a refusal, the image's first after a restore). The caller's and the restored process's
 * state are read back the harness's way (page table walked by the rig's UserPages, not through the
 * kernel's Vm).
 *
 * <p>Inputs longer than CAPACITY are cut to it (the targets judge the bytes the kernel sees).
 * /img's inode is number 16, in the second inode block, so restoring it is the first read of that
 * block after a reset (the buffer cache is remounted by reset anyway).
 */
final class RestoreRig {
  /** Largest image the rig stores: 12 direct + 36 indirect blocks (images up to 10 pages). */
  static final int CAPACITY = 48 * FsFormat.BSIZE;

  /** Plain files /f1../f13 (inums 3..15), each FILE_BYTES long: targets for file records. */
  static final int FILES = 13;

  static final int FILE_BYTES = 300;

  /** /f1's inode number (mkfs gives the root 1 and /r 2); /fN's is FIRST_FILE_INUM + N - 1. */
  static final long FIRST_FILE_INUM = 3;

  private static final long PATH_VA = 0x100;
  private static final long ECALL_PC = 8;

  final Machine m;
  private final Machine.Snapshot snap;
  final int pid;
  final int baselineFree;
  final ModelProcess caller;

  /** Page-table pages of the caller at the snapshot. */
  final int callerTables;

  private final long imgInodeBlock;
  private final int imgInodeOff;
  private final long[] imgBlocks;
  private final Map<String, FileView.Inode> rootEntries;
  private long writesAtStore;

  RestoreRig() {
    List<Mkfs.Node> nodes = new ArrayList<>();
    nodes.add(new Mkfs.FileNode("r", restorer()));
    for (int i = 1; i <= FILES; i++) {
      byte[] data = new byte[FILE_BYTES];
      Arrays.fill(data, (byte) ('a' + i));
      nodes.add(new Mkfs.FileNode("f" + i, data));
    }
    nodes.add(new Mkfs.FileNode("img", new byte[CAPACITY]));
    MemoryBlockDevice disk = Disks.make(Disks.SMALL, nodes);
    m = Machines.runner(disk, Machines.FUZZ);
    m.endConsoleInput();
    Superblock sb = m.fs().superblock();
    rootEntries = readRoot(disk, sb);
    for (int i = 1; i <= FILES; i++) {
      // the seeds' file records and the C target's inum mapping rely on these numbers
      if (rootEntries.get("f" + i).inum() != FIRST_FILE_INUM + i - 1) {
        throw new IllegalStateException(
            "restore rig: /f" + i + " is not inode " + (FIRST_FILE_INUM + i - 1));
      }
    }
    long inum = rootEntries.get("img").inum();
    imgInodeBlock = sb.inodestart() + inum / FsFormat.IPB;
    imgInodeOff = (int) (inum % FsFormat.IPB) * FsFormat.DINODE_SIZE;
    imgBlocks = fileBlocks(disk, dinode(disk, sb, inum));
    try {
      pid = m.spawn("/r", List.of("r"));
    } catch (Machine.BootException e) {
      throw new IllegalStateException("restore rig: /r does not start: " + e.getMessage(), e);
    }
    Process p = stepToEcall();
    baselineFree = m.kalloc().freePages();
    Observed o = observe(p);
    caller = o.process();
    callerTables = o.tablePages();
    snap = m.snapshot();
  }

  /** restore("/img"); exit(code) if it returns. The path string sits at PATH_VA. */
  private static byte[] restorer() {
    Assembler a = new Assembler(0);
    a.li(A0, PATH_VA).li(A7, Xv6.SYS_restore).ecall();
    a.li(A7, Xv6Abi.SYS_exit).ecall();
    byte[] code = a.assemble();
    byte[] seg = new byte[(int) PATH_VA + 8];
    System.arraycopy(code, 0, seg, 0, code.length);
    byte[] path = "/img".getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(path, 0, seg, (int) PATH_VA, path.length);
    return new Elf64Writer()
        .segment(0, seg, 0x1000, Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X)
        .entry(0)
        .write();
  }

  /** Runs single instructions until /r's next instruction is its restore ecall. */
  private Process stepToEcall() {
    for (int i = 0; i < 64; i++) {
      Process p =
          m.proc()
              .byPid(pid)
              .orElseThrow(
                  () -> new IllegalStateException("restore rig: /r vanished: " + m.output()));
      if (p.state() == Process.State.RUNNING && m.hart().pc() == ECALL_PC) {
        return p;
      }
      m.run(1);
    }
    throw new IllegalStateException("restore rig: /r never reached its ecall: " + m.output());
  }

  private static Dinode dinode(MemoryBlockDevice disk, Superblock sb, long inum) {
    byte[] block = new byte[FsFormat.BSIZE];
    disk.read(sb.inodestart() + inum / FsFormat.IPB, block);
    return Dinode.decode(block, (int) (inum % FsFormat.IPB) * FsFormat.DINODE_SIZE);
  }

  /** The data blocks of a file of at most NDIRECT + NINDIRECT blocks, in file order. */
  private static long[] fileBlocks(MemoryBlockDevice disk, Dinode d) {
    int n = (int) ((d.size() + FsFormat.BSIZE - 1) / FsFormat.BSIZE);
    long[] out = new long[n];
    byte[] ind = new byte[FsFormat.BSIZE];
    if (n > FsFormat.NDIRECT) {
      disk.read(d.addrs()[FsFormat.NDIRECT], ind);
    }
    for (int i = 0; i < n; i++) {
      out[i] = i < FsFormat.NDIRECT ? d.addrs()[i] : u32(ind, 4 * (i - FsFormat.NDIRECT));
    }
    return out;
  }

  /** The root directory's entries (mkfs made no subdirectory): name to inode as stat sees it. */
  private static Map<String, FileView.Inode> readRoot(MemoryBlockDevice disk, Superblock sb) {
    Dinode root = dinode(disk, sb, FsFormat.ROOTINO);
    Map<String, FileView.Inode> out = new HashMap<>();
    byte[] block = new byte[FsFormat.BSIZE];
    for (long b : fileBlocks(disk, root)) {
      disk.read(b, block);
      for (int off = 0; off < FsFormat.BSIZE; off += FsFormat.DIRENT_SIZE) {
        int inum = (block[off] & 0xff) | (block[off + 1] & 0xff) << 8;
        if (inum == 0) {
          continue;
        }
        int end = off + 2;
        while (end < off + 2 + FsFormat.DIRSIZ && block[end] != 0) {
          end++;
        }
        String name = new String(block, off + 2, end - off - 2, StandardCharsets.ISO_8859_1);
        Dinode d = dinode(disk, sb, inum);
        out.put(name, new FileView.Inode(inum, d.type(), d.size()));
      }
    }
    return Map.copyOf(out);
  }

  private static long u32(byte[] b, int off) {
    return (b[off] & 0xffL)
        | (b[off + 1] & 0xffL) << 8
        | (b[off + 2] & 0xffL) << 16
        | (b[off + 3] & 0xffL) << 24;
  }

  /** The bytes the kernel will see for input (cut to CAPACITY). */
  static byte[] stored(byte[] input) {
    return input.length <= CAPACITY ? input : Arrays.copyOf(input, CAPACITY);
  }

  /** Blocks written to the disk since the rig stored the last input. */
  long diskWritesSinceStore() {
    return m.fs().bio().diskWrites() - writesAtStore;
  }

  /**
   * Resets the machine, stores file as /img and runs /r's restore ecall until the call returns to
   * user mode ({@link Machine.Stop.SyscallReturn}): the caller refused, or the image's process,
   * stands before its first instruction. The budget of one instruction only matters when the call
   * does not return (a bug): the run then ends at once, with whatever outcome.
   */
  Machine.Outcome restore(byte[] file) {
    m.reset(snap);
    m.takeOutput();
    store(file);
    writesAtStore = m.fs().bio().diskWrites();
    return m.run(1, new Machine.Stop.SyscallReturn(pid));
  }

  /** What a restore that returned to user mode returns: /r's pid and restore's number. */
  Machine.Outcome returned() {
    return new Machine.Outcome.SyscallReturned(pid, Xv6.SYS_restore);
  }

  /** /r's process (the caller, or what restore made of it), or null if it is gone. */
  Process process() {
    return m.proc().byPid(pid).orElse(null);
  }

  /** Writes file into /img's data blocks and its size into /img's inode, on the disk. */
  private void store(byte[] file) {
    MemoryBlockDevice disk = (MemoryBlockDevice) m.disk();
    byte[] block = new byte[FsFormat.BSIZE];
    disk.read(imgInodeBlock, block);
    Dinode d = Dinode.decode(block, imgInodeOff);
    new Dinode(d.type(), d.major(), d.minor(), d.nlink(), file.length, d.addrs())
        .encode(block, imgInodeOff);
    disk.write(imgInodeBlock, block);
    for (int k = 0; k * FsFormat.BSIZE < file.length; k++) {
      int n = Math.min(FsFormat.BSIZE, file.length - k * FsFormat.BSIZE);
      System.arraycopy(file, k * FsFormat.BSIZE, block, 0, n);
      Arrays.fill(block, n, FsFormat.BSIZE, (byte) 0); // the device copies what it is given
      disk.write(imgBlocks[k], block);
    }
  }

  /**
   * What restore may ask the file system: the root's entries (with /img at its new size), path
   * resolved as xv6's namei does (repeated slashes skipped, elements cut to DIRSIZ bytes, every
   * directory here is the root so "." and ".." are its own entries).
   */
  FileView view(long imgSize) {
    return path -> {
      if (!path.startsWith("/")) {
        return Optional.empty(); // /r's cwd is the root, but records are absolute (FILE_PATH)
      }
      FileView.Inode cur = rootEntries.get(".");
      for (String elem : path.split("/")) {
        if (elem.isEmpty()) {
          continue;
        }
        if (cur.type() != Xv6.T_DIR) {
          return Optional.empty();
        }
        String name = elem.length() > FsFormat.DIRSIZ ? elem.substring(0, FsFormat.DIRSIZ) : elem;
        cur = rootEntries.get(name);
        if (cur == null) {
          return Optional.empty();
        }
        if (name.equals("img")) {
          cur = new FileView.Inode(cur.inum(), cur.type(), imgSize);
        }
      }
      return Optional.of(cur);
    };
  }

  /** A process as the model describes it, and how many page-table pages its tree has. */
  record Observed(ModelProcess process, int tablePages) {}

  /** The process p as the model describes it, read from the hart, RAM and the file table. */
  Observed observe(Process p) {
    long[] r = m.userRegisters(p);
    long[] x = Arrays.copyOfRange(r, 1, 32);
    UserPages.Tree tree = UserPages.tree(m.memory(), p.pagetable());
    return new Observed(
        new ModelProcess(
            p.pid(),
            p.name(),
            ModelProcess.State.RUNNING,
            p.size(),
            tree.leaves(),
            Image.Registers.of(x, r[32]),
            Observe.files(p),
            Image.SyscallRestart.NONE),
        tree.tablePages());
  }
}
