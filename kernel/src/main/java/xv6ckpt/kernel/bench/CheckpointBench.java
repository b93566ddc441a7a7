package xv6ckpt.kernel.bench;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.T6;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Elf64Writer;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.fs.FsFormat;
import xv6ckpt.kernel.fs.Mkfs;
import xv6ckpt.kernel.fs.MkfsException;

/**
 * Checkpoint and restore throughput against image size (issue 5): a process grown with sbrk
 * checkpoints itself to a file on the in-memory disk, then restores itself from it.
 *
 * <p>How it is measured. The program (built here with the project's assembler) grows, then waits
 * for a console line; given one, it calls checkpoint(0, "/img") and waits again; given another, it
 * calls restore("/img"), and the restored process (which sees checkpoint return 1) waits for a
 * third. Each phase is one {@link Machine#run} between two console inputs, timed with the host's
 * monotonic clock (read only here, never inside the kernel); beside the call itself a phase runs a
 * handful of instructions and one console read (the garbage of earlier runs is collected before the
 * timing starts). The disk is a big-files file system (files up to 64.3 MiB) with xv6's 30-block
 * log; every checkpoint transaction reserves MAXOPBLOCKS, so the figures are for xv6-sized
 * transactions. Each size runs {@code runs} times on a fresh machine after one warm-up run; the
 * median is reported.
 */
public final class CheckpointBench {
  private CheckpointBench() {}

  /** The sizes of the standard run: 64 KiB to 64 MiB of process memory. */
  public static final List<Long> SIZES =
      List.of(64L << 10, 256L << 10, 1L << 20, 4L << 20, 16L << 20, 64L << 20);

  /** One size's figures; MB/s are 10^6 bytes of image per second. */
  public record Point(
      long processBytes,
      long imageBytes,
      double checkpointMillis,
      double restoreMillis,
      long transactions,
      int maxTransactionBlocks) {

    public double checkpointMBps() {
      return imageBytes / 1e3 / checkpointMillis;
    }

    public double restoreMBps() {
      return imageBytes / 1e3 / restoreMillis;
    }

    /** One line, "checkpoint.SIZE ...", for the bench command. */
    public String line() {
      return String.format(
          "checkpoint.%dKiB image %d B: checkpoint %.2f ms (%.0f MB/s), "
              + "restore %.2f ms (%.0f MB/s), %d transactions of at most %d blocks",
          processBytes >> 10,
          imageBytes,
          checkpointMillis,
          checkpointMBps(),
          restoreMillis,
          restoreMBps(),
          transactions,
          maxTransactionBlocks);
    }
  }

  /**
   * Measures every size in {@code sizes} (bytes of process memory, page multiples of at least 64
   * KiB and at most 64 MiB), the median of {@code runs} runs each.
   */
  public static List<Point> measure(List<Long> sizes, int runs) {
    if (runs < 1) {
      throw new IllegalArgumentException("runs must be at least 1, got " + runs);
    }
    for (long size : sizes) {
      if (size < (64 << 10) || size > (64 << 20) || size % 4096 != 0) {
        throw new IllegalArgumentException(
            "size " + size + ": need a multiple of 4096 from " + "64 KiB to 64 MiB");
      }
    }
    List<Point> out = new ArrayList<>();
    for (long size : List.of(4L << 20, 64L << 10, 64L << 10, 64L << 10)) {
      once(size); // warm-up: compile the paths, large and small, before any timing
    }
    for (long size : sizes) {
      once(size); // warm-up at this size
      Point[] p = new Point[runs];
      for (int i = 0; i < runs; i++) {
        p[i] = once(size);
      }
      out.add(median(p));
    }
    return out;
  }

  private static Point median(Point[] p) {
    double[] c = Arrays.stream(p).mapToDouble(Point::checkpointMillis).sorted().toArray();
    double[] r = Arrays.stream(p).mapToDouble(Point::restoreMillis).sorted().toArray();
    return new Point(
        p[0].processBytes(),
        p[0].imageBytes(),
        c[c.length / 2],
        r[r.length / 2],
        p[0].transactions(),
        p[0].maxTransactionBlocks());
  }

  /** One run for a process of {@code size} bytes (sz, text and stack included). */
  static Point once(long size) {
    Machine m = machine(size);
    try {
      m.spawn("/grow", List.of("grow"));
    } catch (Machine.BootException e) {
      throw new IllegalStateException("benchmark program: " + e.getMessage(), e);
    }
    untilWaiting(m, "grow");
    System.gc(); // the previous runs' machines are garbage: collect them outside the timing
    long commitsBefore = m.log().commits();
    long t0 = System.nanoTime();
    m.consoleInput("\n");
    untilWaiting(m, "checkpoint");
    long t1 = System.nanoTime();
    long commits = m.log().commits() - commitsBefore;
    int maxBlocks = m.log().maxCommitBlocks();
    long imageBytes = imageBytes(m);
    m.consoleInput("\n");
    untilWaiting(m, "restore");
    long t2 = System.nanoTime();
    return new Point(size, imageBytes, (t1 - t0) / 1e6, (t2 - t1) / 1e6, commits, maxBlocks);
  }

  private static long imageBytes(Machine m) {
    var fs = m.fs();
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    var root = fs.root();
    var ip =
        fs.namei("/img".getBytes(StandardCharsets.US_ASCII), root)
            .orElseThrow(() -> new IllegalStateException("benchmark: no /img after checkpoint"));
    fs.iput(root);
    fs.ilock(ip);
    long n = ip.size();
    fs.iunlockput(ip);
    fs.log().endOp(Param.MAXOPBLOCKS);
    return n;
  }

  private static void untilWaiting(Machine m, String phase) {
    Machine.Outcome o = m.run(Long.MAX_VALUE);
    if (!(o instanceof Machine.Outcome.Idle) || !((Machine.Outcome.Idle) o).waitingForInput()) {
      throw new IllegalStateException(
          "benchmark "
              + phase
              + ": expected a console read, got "
              + o
              + "; console: "
              + m.output());
    }
  }

  /**
   * A big-files disk large enough for two 64 MiB images, and RAM for the process twice over
   * (restore builds the new memory before it frees the old) plus 32 MiB.
   */
  private static Machine machine(long size) {
    Mkfs.Options opts = new Mkfs.Options(150_000, 200, Param.LOGBLOCKS, true);
    MemoryBlockDevice d = new MemoryBlockDevice(FsFormat.BSIZE, opts.size());
    try {
      Mkfs.make(d, opts, List.of(new Mkfs.FileNode("grow", program(size))));
      long ram = ((2 * size) >> 20 << 20) + (32L << 20);
      return Machine.runner(d, Machine.Config.defaults().withRam(ram));
    } catch (MkfsException | Machine.BootException e) {
      throw new IllegalStateException("benchmark machine: " + e.getMessage(), e);
    }
  }

  /**
   * Grows to size bytes with sbrk; reads a line; checkpoint(0, "/img"): a restored process reads a
   * line and exits 0; the original reads a line, then restore("/img"), which does not return unless
   * it fails (exit with its code). Failures exit non-zero.
   */
  private static byte[] program(long size) {
    Assembler a = new Assembler(0);
    a.li(A0, 0).li(A1, 1).li(A7, 12).ecall(); // sbrk(0): the size so far
    a.li(T6, size).sub(A0, T6, A0).li(A1, 1).li(A7, 12).ecall().bltz(A0, "fail");
    readLine(a);
    a.li(A0, 0).la(A1, "path").li(A7, 22).ecall();
    a.li(T6, 1).beq(A0, T6, "restored").bnez(A0, "fail");
    readLine(a);
    a.la(A0, "path").li(A7, 23).ecall().li(A7, 2).ecall();
    a.label("restored");
    readLine(a);
    a.li(A0, 0).li(A7, 2).ecall();
    a.label("fail").li(A0, 1).li(A7, 2).ecall();
    a.label("path").bytes("/img\0".getBytes(StandardCharsets.US_ASCII));
    while (a.size() % 8 != 0) {
      a.bytes(0);
    }
    a.label("buf");
    byte[] code = a.assemble();
    return new Elf64Writer()
        .segment(0, code, code.length + 64, Elf64Writer.PF_R | Elf64Writer.PF_W | Elf64Writer.PF_X)
        .entry(0)
        .write();
  }

  private static void readLine(Assembler a) {
    a.li(A0, 0).la(A1, "buf").li(A2, 64).li(A7, 5).ecall();
  }

  /** Runs the standard sizes (median of 3) and prints one line per size. */
  public static void main(String[] args) {
    for (Point p : measure(SIZES, 3)) {
      System.out.println(p.line());
    }
  }
}
