package xv6ckpt.kernel.fs;

import static com.google.common.truth.Truth.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.disk.FaultInjectingBlockDevice;
import xv6ckpt.emulator.disk.MemoryBlockDevice;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

class LogTest {

  /** A mounted stock file system and the first data block, for logging raw blocks. */
  private static Fs mountStock(MemoryBlockDevice d) {
    return Fs.mount(d);
  }

  private static void touch(Fs fs, long blockno, int value) {
    Buf b = fs.bio().bread(blockno);
    b.data()[0] = (byte) value;
    fs.log().logWrite(b);
    fs.bio().brelse(b);
  }

  @Test
  void transactionOfExactlyMaxopblocksCommits() {
    MemoryBlockDevice d = Images.stock();
    Fs fs = mountStock(d);
    long first = fs.superblock().dataStart() + 10;
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    for (int i = 0; i < Param.MAXOPBLOCKS; i++) {
      touch(fs, first + i, i + 1);
    }
    fs.log().endOp();
    assertThat(fs.log().lastCommit().get().blocks()).isEqualTo(Param.MAXOPBLOCKS);
    byte[] buf = new byte[FsFormat.BSIZE];
    d.read(first + 9, buf);
    assertThat(buf[0]).isEqualTo(10);
  }

  @Test
  void oneBlockMoreThanMaxopblocksPanics() {
    Fs fs = mountStock(Images.stock());
    long first = fs.superblock().dataStart() + 10;
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    for (int i = 0; i < Param.MAXOPBLOCKS; i++) {
      touch(fs, first + i, 1);
    }
    KernelPanic p = assertThrows(KernelPanic.class, () -> touch(fs, first + 10, 1));
    assertThat(p.panicMessage()).startsWith("too big a transaction");
  }

  @Test
  void repeatedWritesToOneBlockAreAbsorbed() {
    Fs fs = mountStock(Images.stock());
    long b = fs.superblock().dataStart() + 3;
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    for (int i = 0; i < 50; i++) {
      touch(fs, b, i);
    }
    touch(fs, b + 1, 1);
    assertThat(fs.log().blocksInTransaction()).isEqualTo(2);
    fs.log().endOp();
    assertThat(fs.log().lastCommit().get().blocks()).isEqualTo(2);
  }

  @Test
  void logWriteOutsideTransactionPanics() {
    Fs fs = mountStock(Images.stock());
    KernelPanic p =
        assertThrows(KernelPanic.class, () -> touch(fs, fs.superblock().dataStart(), 1));
    assertThat(p.panicMessage()).isEqualTo("log_write outside of trans");
  }

  @Test
  void beginOpWaitsWhileReservationsCouldOverflowTheLog() {
    Fs fs = mountStock(Images.stock()); // log capacity 30 = 3 * MAXOPBLOCKS
    Log log = fs.log();
    assertThat(log.capacity()).isEqualTo(30);
    assertThat(log.beginOp()).isEqualTo(Log.Begin.STARTED);
    assertThat(log.beginOp()).isEqualTo(Log.Begin.STARTED);
    assertThat(log.beginOp()).isEqualTo(Log.Begin.STARTED);
    assertThat(log.beginOp()).isEqualTo(Log.Begin.WAIT_LOG_SPACE);
    assertThat(log.outstanding()).isEqualTo(3);
    // One op ends having logged 4 blocks: 4 + 2*10 + 10 > 30, the fourth still waits.
    long b = fs.superblock().dataStart();
    for (int i = 0; i < 4; i++) {
      touch(fs, b + i, 1);
    }
    log.endOp();
    assertThat(log.beginOp()).isEqualTo(Log.Begin.WAIT_LOG_SPACE);
    log.endOp();
    // 4 + 10 + 10 <= 30: now it may start, joining the same transaction.
    assertThat(log.beginOp()).isEqualTo(Log.Begin.STARTED);
    log.endOp();
    assertThat(log.commits()).isEqualTo(0);
    log.endOp(); // last outstanding: group commit of all four operations
    assertThat(log.commits()).isEqualTo(1);
    assertThat(log.lastCommit().get().ops()).isEqualTo(4);
    assertThat(log.lastCommit().get().blocks()).isEqualTo(4);
    assertThat(log.waits()).isEqualTo(2);
    assertThat(log.beginOp()).isEqualTo(Log.Begin.STARTED);
    log.endOp();
  }

  @Test
  void waitingWithNobodyToWakeUsIsAPanicForBeginOpNow() {
    Fs fs = mountStock(Images.stock());
    fs.log().beginOpNow(30);
    KernelPanic p = assertThrows(KernelPanic.class, () -> fs.log().beginOpNow(10));
    assertThat(p.panicMessage()).contains("would wait");
  }

  @Test
  void reservationLargerThanTheLogPanics() {
    Fs fs = mountStock(Images.stock());
    assertThrows(KernelPanic.class, () -> fs.log().beginOp(31));
  }

  @Test
  void commitWritesLogHeaderHomeAndClearedHeaderInThatOrder() {
    MemoryBlockDevice mem = Images.stock();
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(mem);
    Fs fs = Fs.mount(d);
    long before = d.writes();
    long h = fs.superblock().dataStart() + 5;
    fs.log().beginOpNow(Param.MAXOPBLOCKS);
    touch(fs, h, 1);
    touch(fs, h + 7, 2);
    fs.log().endOp();
    List<Long> order = new ArrayList<>();
    d.writeLog().stream().skip(before).forEach(w -> order.add(w.blockno()));
    long ls = fs.superblock().logstart();
    assertThat(order).containsExactly(ls + 1, ls + 2, ls, h, h + 7, ls).inOrder();
  }

  @Test
  void recoveryInstallsACommittedTransactionAndDropsAnUncommittedOne() {
    for (int cut = 0; cut <= 6; cut++) {
      MemoryBlockDevice mem = Images.stock();
      FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(mem);
      Fs fs = Fs.mount(d);
      long h = fs.superblock().dataStart() + 5;
      d.cutPowerAfterWrite(d.writes() + cut);
      fs.log().beginOpNow(Param.MAXOPBLOCKS);
      touch(fs, h, 7);
      touch(fs, h + 1, 8);
      fs.log().endOp();
      // Writes: log, log, header (commit point, write 3), home, home, clear.
      Fs after = Fs.mount(mem);
      byte[] b0 = new byte[FsFormat.BSIZE];
      byte[] b1 = new byte[FsFormat.BSIZE];
      mem.read(h, b0);
      mem.read(h + 1, b1);
      boolean committed = cut >= 3;
      assertThat(b0[0]).isEqualTo(committed ? 7 : 0);
      assertThat(b1[0]).isEqualTo(committed ? 8 : 0);
      assertThat(after.log().recoveredBlocks()).isEqualTo(committed && cut < 6 ? 2 : 0);
    }
  }

  /**
   * The log's limit exactly: one operation reserving the whole log logs as many blocks as the log
   * holds; cut after its commit point, the next mount recovers every one of them (a header that
   * fills the log is a committed transaction, not a corrupt one).
   */
  @Test
  void aTransactionFillingTheLogExactlyIsRecoveredWhole() {
    MemoryBlockDevice mem = Images.stock();
    FaultInjectingBlockDevice d = new FaultInjectingBlockDevice(mem);
    Fs fs = Fs.mount(d);
    int capacity = fs.log().capacity();
    long h = fs.superblock().dataStart() + 5;
    d.cutPowerAfterWrite(d.writes() + capacity + 1); // the log blocks, then the header
    fs.log().beginOpNow(capacity);
    for (int i = 0; i < capacity; i++) {
      touch(fs, h + i, i + 1);
    }
    assertThat(fs.log().blocksInTransaction()).isEqualTo(capacity);
    fs.log().endOp(capacity);
    Fs after = Fs.mount(mem);
    assertThat(after.log().recoveredBlocks()).isEqualTo(capacity);
    byte[] b = new byte[FsFormat.BSIZE];
    for (int i = 0; i < capacity; i++) {
      mem.read(h + i, b);
      assertThat(b[0]).isEqualTo(i + 1);
    }
  }

  @Test
  void corruptLogHeaderIsANamedPanicAtMount() {
    MemoryBlockDevice d = Images.stock();
    byte[] head = new byte[FsFormat.BSIZE];
    FsFormat.put32(head, 0, 1000);
    d.write(2, head);
    KernelPanic p = assertThrows(KernelPanic.class, () -> Fs.mount(d));
    assertThat(p.panicMessage()).contains("recover_from_log");
    FsFormat.put32(head, 0, 1);
    FsFormat.put32(head, 4, 1); // would overwrite the superblock
    d.write(2, head);
    p = assertThrows(KernelPanic.class, () -> Fs.mount(d));
    assertThat(p.panicMessage()).contains("names block 1");
  }
}
