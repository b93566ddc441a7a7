package xv6ckpt.harness.props;

import static com.google.common.truth.Truth.assertThat;
import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;
import static xv6ckpt.testkit.Xv6Abi.O_CREATE;
import static xv6ckpt.testkit.Xv6Abi.O_RDWR;
import static xv6ckpt.testkit.Xv6Abi.SYS_close;
import static xv6ckpt.testkit.Xv6Abi.SYS_open;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.harness.rig.Disks;
import xv6ckpt.harness.rig.Machines;
import xv6ckpt.kernel.Machine;
import xv6ckpt.kernel.Param;
import xv6ckpt.kernel.fs.Fsck;
import xv6ckpt.kernel.fs.Log;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Invariant 3, transaction limits: while a process checkpoints itself (images of a few KiB to over
 * 1 MiB on a big-files disk, up to 220 KiB on one in stock xv6's layout, where an image is written
 * in its 3 KiB chunks; to a new path and then, maybe, over the existing image) and others write
 * files at the same time, every committed transaction logs at most MAXOPBLOCKS distinct blocks per
 * operation in it (this disk's reservation is exactly MAXOPBLOCKS: one bitmap block), never more
 * than the log holds, nothing is left outstanding once the processes have exited, the kernel never
 * panics and fsck finds the disk clean.
 */
@AddLifecycleHook(ScaledTries.class)
class TransactionLimitsTest {

  /** A concurrent writer: {@code count} writes of {@code len} bytes to its own file. */
  record Writer(int len, int count) {}

  @Provide
  Arbitrary<List<Writer>> writers() {
    return Combinators.combine(
            Arbitraries.integers().between(1, (int) PAGED_BSS.bssBytes()),
            Arbitraries.integers().between(1, 6))
        .as(Writer::new)
        .list()
        .ofMaxSize(3);
  }

  /** The largest sbrk a stock-layout case asks for, leaving room for the program's pages. */
  private static final int STOCK_MAX_KIB = 220;

  @Property(tries = 30)
  void everyTransactionStaysWithinItsReservation(
      @ForAll @IntRange(min = 1, max = 1600) int sizeKiB,
      @ForAll boolean overwrite,
      @ForAll boolean stockLayout,
      @ForAll @IntRange(min = 0, max = 20_000) int delay,
      @ForAll("writers") List<Writer> writers) {
    // A stock-layout file holds at most 268 KiB: the image (the program's pages too) must fit.
    int imageKiB = stockLayout ? 1 + sizeKiB % STOCK_MAX_KIB : sizeKiB;
    Map<String, byte[]> files = new HashMap<>();
    files.put("ck", checkpointer(imageKiB << 10, overwrite, delay));
    for (int i = 0; i < writers.size(); i++) {
      files.put("w" + i, writer("/out" + i, writers.get(i)));
    }
    MemoryBlockDevice disk =
        stockLayout ? Disks.stockWithFiles(Disks.LAW_BLOCKS, files) : Disks.withFiles(files);
    Machine m = Machines.runner(disk, Machines.LAWS);
    List<Log.Commit> commits = new ArrayList<>();
    m.log().setCommitListener(commits::add);
    Set<Integer> pids = new HashSet<>();
    for (int i = 0; i < writers.size(); i++) {
      pids.add(Machines.spawn(m, "w" + i));
    }
    pids.add(Machines.spawn(m, "ck"));
    runAll(m, pids);

    int capacity = m.log().capacity();
    int most = 0;
    for (Log.Commit c : commits) {
      assertWithMessage("commit %s", c).that(c.blocks()).isAtMost(c.ops() * Param.MAXOPBLOCKS);
      assertWithMessage("commit %s", c).that(c.blocks()).isAtMost(capacity);
      most = Math.max(most, c.blocks());
    }
    assertThat(m.log().maxCommitBlocks()).isEqualTo(most);
    assertThat(m.log().outstanding()).isEqualTo(0);
    assertThat(m.log().blocksInTransaction()).isEqualTo(0);
    assertThat(Disks.readFile(m, "/img").orElseThrow().length).isGreaterThan(imageKiB << 10);
    assertThat(Fsck.check(disk).violations()).isEmpty();

    Statistics.label("image").collect(imageKiB > 1024 ? "over 1 MiB" : "at most 1 MiB");
    Statistics.label("layout").collect(stockLayout ? "stock" : "big files");
    Statistics.label("writers").collect(writers.isEmpty() ? "none" : "concurrent");
    Statistics.label("overwrite").collect(overwrite);
    // A write chunk of 3 data blocks that also allocates an index block logs 6 (with the
    // inode and the bitmap): the generator must reach commits that full.
    Statistics.label("fullest commit").collect(most >= 6 ? "6 or more blocks" : "fewer");
    Statistics.label("image").coverage(c -> c.check("over 1 MiB").count(n -> n >= 1));
    Statistics.label("writers").coverage(c -> c.check("concurrent").percentage(p -> p >= 30));
    Statistics.label("layout").coverage(c -> c.check("stock").percentage(p -> p >= 30));
    Statistics.label("layout").coverage(c -> c.check("big files").percentage(p -> p >= 30));
    Statistics.label("overwrite").coverage(c -> c.check(true).count(n -> n >= 1));
    Statistics.label("fullest commit")
        .coverage(c -> c.check("6 or more blocks").count(n -> n >= 1));
  }

  /**
   * Runs until nothing can run again (pid 1 sleeps for ever); every pid must be gone and have
   * printed its mark, which each program does only when all its calls succeeded (the machine
   * reports the exit status of the last spawned process only).
   */
  private static void runAll(Machine m, Set<Integer> pids) {
    Machine.Outcome o = new Machine.Outcome.BudgetSpent();
    for (int round = 0; round < 200 && !(o instanceof Machine.Outcome.Idle); round++) {
      o = m.run(1_000_000);
      if (o instanceof Machine.Outcome.Panicked) {
        throw new AssertionError(o + "; console: " + m.output());
      }
    }
    assertWithMessage("console: %s", m.output()).that(o).isEqualTo(new Machine.Outcome.Idle(false));
    for (int pid : pids) {
      assertWithMessage("pid %s still there", pid).that(m.proc().byPid(pid).isPresent()).isFalse();
    }
    assertThat(m.output().chars().filter(ch -> ch == '.').count()).isEqualTo(pids.size());
  }

  /**
   * Spins {@code delay} iterations (so the writers get ahead), sbrk(bytes), checkpoint(0, "/img")
   * and, if overwrite, the same again over the existing image; print "."; exit 0. A failed call
   * exits without the mark.
   */
  private static byte[] checkpointer(int bytes, boolean overwrite, int delay) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", "/img").str("mark", ".");
    String spin = p.fresh();
    p.a.li(S0, delay).label(spin).addi(S0, S0, -1).bgez(S0, spin);
    p.a.li(A0, bytes);
    p.sys(Xv6Abi.SYS_sbrk);
    p.a.li(S1, -1);
    String ok = p.fresh();
    p.a.bne(A0, S1, ok);
    p.exit(10);
    p.a.label(ok);
    for (int i = 0; i < (overwrite ? 2 : 1); i++) {
      p.a.li(A0, 0).la(A1, "path");
      p.sys(Xv6Abi.SYS_checkpoint);
      p.check(0, 11 + i);
    }
    return p.print("mark").exit(0).elf();
  }

  /** open(path, O_CREATE|O_RDWR); count times write(fd, bss, len); close; print "."; exit 0. */
  private static byte[] writer(String path, Writer w) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", path).str("mark", ".");
    p.a.la(A0, "path").li(A1, O_CREATE | O_RDWR);
    p.sys(SYS_open);
    String opened = p.fresh();
    p.a.bgez(A0, opened);
    p.exit(20);
    p.a.label(opened).mv(S0, A0).li(S1, w.count());
    String loop = p.fresh();
    p.a.label(loop).mv(A0, S0).la(A1, "bss").li(A2, w.len());
    p.sys(Xv6Abi.SYS_write);
    p.check(w.len(), 21);
    p.a.addi(S1, S1, -1).bnez(S1, loop);
    p.a.mv(A0, S0);
    p.sys(SYS_close);
    p.check(0, 22);
    return p.print("mark").exit(0).elf();
  }
}
