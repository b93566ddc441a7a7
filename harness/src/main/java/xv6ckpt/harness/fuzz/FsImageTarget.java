package xv6ckpt.harness.fuzz;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.Superblock;

/**
 * fs-image: a corrupted file system, then a fixed workload ({@link UserPrograms#fsWorkload}).
 *
 * <p>Input: patches, each {@code u16 block, u16 offset, u8 length, bytes}; the block is taken
 * modulo the blocks from the first inode block to the end (inodes, bitmap, directories, indirect
 * blocks, file data), the offset modulo BSIZE, the length as 1 + (length mod 16). At most {@link
 * #MAX_PATCHES}. The superblock and the log are read at mount, which happens at reset before the
 * patches land, so they are not fuzzed here (kernel's BadImageTest covers mounting corrupted
 * images).
 *
 * <p>Oracle: nothing escapes as a Java exception (neither from the kernel nor from fsck); the
 * outcome is the workload's exit, a named refusal to start it, or a KernelPanic; a panic on an
 * image that fsck calls clean is a finding (the kernel trusts something fsck does not check, or
 * panics on a valid disk); on a clean image the workload leaves fsck clean; after the workload and
 * any process it made exit (a patch to /work's code can make it fork), every page is free again.
 */
public final class FsImageTarget implements FuzzTarget {
  static final int MAX_PATCHES = 64;

  /** fs-image in the target table; Jazzer instruments every class (ALL_CLASSES). */
  static final FuzzTargets.Entry ENTRY =
      new FuzzTargets.Entry(
          "fs-image",
          FsImageTarget::new,
          FsImageFuzzer.class,
          FuzzTargets.ALL_CLASSES,
          List.of(),
          FsImageTarget::describe,
          FuzzTargets.Entry.commonExpectation("fs-image"),
          "xv6ckpt.harness.fuzz.FsImageFuzzTest",
          "fsImage");

  /**
   * One patch as the input spells it: {@code selector} picks the block (first inode block +
   * selector mod the span), {@code offset} is already mod BSIZE, {@code bytes} 1 to 16 of them.
   */
  record Patch(int selector, int offset, byte[] bytes) {}

  /** The input's patches: the one decoding that {@link #run} and {@link #describe} share. */
  static List<Patch> decode(byte[] input) {
    ByteInput in = new ByteInput(input);
    List<Patch> patches = new ArrayList<>();
    while (!in.exhausted() && patches.size() < MAX_PATCHES) {
      int selector = in.u16();
      int off = in.u16() % FsFormat.BSIZE;
      patches.add(new Patch(selector, off, in.bytes(1 + in.u8() % 16)));
    }
    return patches;
  }

  /** The input for people, patch by patch. */
  static String describe(byte[] input) {
    List<Patch> patches = decode(input);
    StringBuilder b = new StringBuilder();
    for (int n = 0; n < patches.size(); n++) {
      Patch p = patches.get(n);
      b.append(
          String.format(
              "patch %d: block selector %d (first inode block + %d mod span), " + "offset %d: %s%n",
              n, p.selector(), p.selector(), p.offset(), HexFormat.of().formatHex(p.bytes())));
    }
    return patches.isEmpty() ? "no patches: the clean image\n" : b.toString();
  }

  private static final long BUDGET = 2_000_000;

  private final Machine m;
  private final Machine.Snapshot snap;
  private final int baselineFree;
  private final Superblock sb;

  public FsImageTarget() {
    byte[] data = new byte[20_000];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) (i * 31 + (i >> 8));
    }
    MemoryBlockDevice disk =
        Disks.make(
            Disks.SMALL,
            List.of(
                new Mkfs.FileNode("work", UserPrograms.fsWorkload()),
                new Mkfs.FileNode("data", data),
                new Mkfs.DirNode(
                    "dir",
                    List.of(new Mkfs.FileNode("f", "seventeen bytes!\n".getBytes(ISO_8859_1))))));
    m = Machines.runner(disk, Machines.FUZZ);
    m.endConsoleInput(); // a device inode made by corruption reads end of file, not for ever
    baselineFree = m.kalloc().freePages();
    sb = m.fs().superblock();
    snap = m.snapshot();
  }

  @Override
  public String name() {
    return ENTRY.name();
  }

  @Override
  public Verdict run(byte[] input) {
    m.reset(snap);
    m.takeOutput();
    try {
      int patches = corrupt(input);
      return judge(patches);
    } catch (RuntimeException | StackOverflowError e) {
      return Verdicts.escaped(e, m);
    }
  }

  /** Applies the input's patches to the disk; returns how many. */
  private int corrupt(byte[] input) {
    MemoryBlockDevice disk = (MemoryBlockDevice) m.disk();
    long first = sb.inodestart();
    long span = sb.size() - first;
    byte[] block = new byte[FsFormat.BSIZE];
    List<Patch> patches = decode(input);
    for (Patch p : patches) {
      long b = first + p.selector() % span;
      disk.read(b, block);
      System.arraycopy(
          p.bytes(), 0, block, p.offset(), Math.min(p.bytes().length, FsFormat.BSIZE - p.offset()));
      disk.write(b, block);
    }
    return patches.size();
  }

  private Verdict judge(int patches) {
    Fsck.Report before = Fsck.check(m.disk());
    String fsck =
        before.clean() ? "fsck clean" : "fsck: " + before.violations().size() + " violations";
    try {
      m.spawn("/work", List.of("work"));
    } catch (Machine.BootException e) {
      return new Verdict.Pass(patches + " patches, " + fsck + "; refused: " + e.getMessage());
    }
    long start = m.cycles();
    Machine.Outcome o = m.run(BUDGET);
    if (o instanceof Machine.Outcome.Exited e) {
      o = afterWorkload(e, BUDGET - (m.cycles() - start));
    }
    if (o instanceof Machine.Outcome.Panicked) {
      String msg = ((Machine.Outcome.Panicked) o).message();
      if (before.clean() || msg.startsWith("kernel bug") || Verdicts.isInvariant(msg)) {
        return Verdicts.panicked(msg, m, "on an image fsck calls clean: " + before.clean());
      }
      return new Verdict.Pass(patches + " patches, " + fsck + "; panic: " + msg);
    }
    if (o instanceof Machine.Outcome.BudgetSpent) {
      // Only user code runs instructions: a corrupted /work can loop; that is not the kernel's.
      return new Verdict.Pass(patches + " patches, " + fsck + "; workload still running");
    }
    if (o instanceof Machine.Outcome.Idle) {
      return new Verdict.Fail(
          "stuck", "the workload sleeps for ever (" + o + "), " + fsck, m.output(), "");
    }
    return afterExit((Machine.Outcome.Exited) o, before, patches, fsck);
  }

  /**
   * The workload exited; a corrupted /work may have forked first (a patched instruction), and its
   * children still hold their pages. Runs on, within the budget, until init alone is left, so that
   * the leak check counts what the kernel kept, not what live processes hold. Exited if they all
   * went, else how the machine stopped (budget: user code still running, as above).
   */
  private Machine.Outcome afterWorkload(Machine.Outcome.Exited e, long left) {
    long start = m.cycles();
    while (othersLive()) {
      long rest = left - (m.cycles() - start);
      if (rest <= 0) {
        return new Machine.Outcome.BudgetSpent();
      }
      Machine.Outcome o = m.run(rest);
      if (o instanceof Machine.Outcome.Panicked
          || (o instanceof Machine.Outcome.Idle && othersLive())) {
        return o; // (init alone, waiting for children that will not come, is Idle too: done)
      }
    }
    return e;
  }

  private boolean othersLive() {
    return m.proc().live().stream().anyMatch(p -> p.pid() != 1);
  }

  private Verdict afterExit(
      Machine.Outcome.Exited e, Fsck.Report before, int patches, String fsck) {
    int free = m.kalloc().freePages();
    if (free != baselineFree) {
      return new Verdict.Fail(
          "page-leak",
          (baselineFree - free) + " pages not freed after " + "the workload exited, " + fsck,
          m.output(),
          "");
    }
    if (before.clean()) {
      Fsck.Report after = Fsck.check(m.disk());
      if (!after.clean()) {
        return new Verdict.Fail(
            "fsck-after",
            "the workload left a clean file system with " + "violations: " + after.violations(),
            m.output(),
            "");
      }
    }
    return new Verdict.Pass(patches + " patches, " + fsck + "; exit " + e.status());
  }
}
