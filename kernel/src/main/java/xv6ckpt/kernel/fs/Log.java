package xv6ckpt.kernel.fs;

import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;
import xv6ckpt.kernel.KernelPanic;
import xv6ckpt.kernel.Param;

/**
 * xv6's {@code log.c}: simple logging that allows concurrent FS system calls.
 *
 * <p>A log transaction contains the updates of multiple FS system calls. The logging system only
 * commits when there are no FS system calls active. Thus there is never any reasoning required
 * about whether a commit might write an uncommitted system call's updates to disk.
 *
 * <p>A system call calls {@link #beginOp}/{@link #endOp} to mark its start and end. Usually beginOp
 * just counts the call in and returns {@link Begin#STARTED}. But if the log could run out of space,
 * or a commit is in progress, xv6 would sleep until the last outstanding end_op commits. This
 * kernel is single-threaded, so beginOp instead answers {@link Begin#WAIT_LOG_SPACE} or {@link
 * Begin#WAIT_COMMITTING} without starting the operation: the process layer blocks the caller and
 * calls beginOp again after the next endOp (xv6's wakeup).
 *
 * <p>Accounting, as xv6: each outstanding operation reserves MAXOPBLOCKS log blocks, and an
 * operation starts only if the blocks already logged plus all reservations fit the log. One
 * generalisation: {@link #beginOp(int)} reserves a different number of blocks, for large writes on
 * a file system with a large log; with the default reservation the rule is exactly xv6's {@code
 * lh.n + (outstanding+1)*MAXOPBLOCKS > LOGBLOCKS}. A transaction that logs more distinct blocks
 * than its operations reserved panics ("too big a transaction"), so one operation of exactly
 * MAXOPBLOCKS blocks passes and one more block panics.
 *
 * <p>The log is a physical re-do log containing disk blocks. The on-disk log format:
 *
 * <pre>
 *   header block (at sb.logstart): u32 n, then u32 block numbers A, B, C, ... (n of them)
 *   block A's new contents
 *   block B's new contents
 *   ...
 * </pre>
 *
 * Log appends are synchronous. Commit, in four steps: write the modified blocks to the log; write
 * the header (the commit point: from here recovery redoes the transaction); install the blocks at
 * their home locations; write a header with n = 0 (the transaction is gone). Recovery at mount
 * installs whatever a committed header lists, then clears it.
 */
public final class Log {

  /** What {@link #beginOp} did. */
  public enum Begin {
    /** The operation has started; call endOp when it is done. */
    STARTED,
    /** A commit is in progress; retry after it (cannot happen single-threaded, kept as xv6). */
    WAIT_COMMITTING,
    /** This operation might exhaust log space; retry after the next endOp. */
    WAIT_LOG_SPACE
  }

  /** One committed transaction: its sequence number, distinct blocks logged, operations in it. */
  public record Commit(long sequence, int blocks, int ops) {}

  private final Bio bio;
  private final long start; // header block
  private final int capacity; // log blocks after the header
  private final long firstHome; // blocks below this may not be logged (boot, super, the log)
  private final long endHome; // sb.size

  // The log's state (xv6: guarded by log.lock).
  private int outstanding; // how many FS sys calls are executing.
  private boolean committing; // in commit(), please wait.
  private int reserved; // log blocks reserved by the outstanding operations
  private int reservedInTrans; // reserved by every operation of the current transaction
  private int opsInTrans;
  private int n; // the in-memory log header: n block numbers
  private final long[] block;

  /** The same block numbers as a hash set (0 = empty slot), so absorption is not a scan. */
  private final long[] logged;

  // Counters, for the properties and benchmarks.
  private final int recovered;
  private long commits;
  private int maxCommitBlocks;
  private long loggedBlocks;
  private long waits;
  private Commit lastCommit; // null before the first commit
  private Consumer<Commit> commitListener = c -> {};

  /**
   * initlog: reads the header and recovers a committed transaction. The superblock must have passed
   * {@link Superblock#problems}.
   *
   * @throws KernelPanic if the header is not one this log could have written
   */
  public Log(Bio bio, Superblock sb) {
    this.bio = bio;
    this.start = sb.logstart();
    this.capacity = sb.logCapacity();
    this.firstHome = sb.logstart() + sb.nlog();
    this.endHome = sb.size();
    this.block = new long[capacity];
    this.logged = new long[Integer.highestOneBit(Math.max(1, capacity)) * 4];
    this.recovered = recoverFromLog();
  }

  /** Copies committed blocks from the log to their home locations. */
  private void installTrans(boolean recovering) {
    for (int tail = 0; tail < n; tail++) {
      Buf lbuf = bio.bread(start + tail + 1); // read log block
      Buf dbuf = bio.bread(block[tail]); // read dst
      System.arraycopy(lbuf.data, 0, dbuf.data, 0, FsFormat.BSIZE);
      bio.bwrite(dbuf); // write dst to disk
      if (!recovering) {
        bio.bunpin(dbuf);
      }
      bio.brelse(lbuf);
      bio.brelse(dbuf);
    }
  }

  /** Reads the log header from disk into the in-memory header, refusing a corrupt one. */
  private void readHead() {
    Buf buf = bio.bread(start);
    try {
      long count = FsFormat.u32(buf.data, 0);
      if (count > capacity) {
        throw new KernelPanic(
            "recover_from_log: log header counts " + count + " blocks, the log holds " + capacity);
      }
      n = (int) count;
      for (int i = 0; i < n; i++) {
        long b = FsFormat.u32(buf.data, 4 + 4 * i);
        if (b < firstHome || b >= endHome) {
          throw new KernelPanic(
              "recover_from_log: log entry "
                  + i
                  + " names block "
                  + b
                  + ", outside "
                  + firstHome
                  + ".."
                  + (endHome - 1));
        }
        block[i] = b;
      }
    } finally {
      bio.brelse(buf);
    }
  }

  /**
   * Writes the in-memory log header to disk. This is the true point at which the current
   * transaction commits.
   */
  private void writeHead() {
    Buf buf = bio.bread(start);
    FsFormat.put32(buf.data, 0, n);
    for (int i = 0; i < n; i++) {
      FsFormat.put32(buf.data, 4 + 4 * i, block[i]);
    }
    bio.bwrite(buf);
    bio.brelse(buf);
  }

  private int recoverFromLog() {
    readHead();
    int found = n;
    installTrans(true); // if committed, copy from log to disk
    n = 0;
    writeHead(); // clear the log
    return found;
  }

  /** begin_op with xv6's reservation of MAXOPBLOCKS. */
  public Begin beginOp() {
    return beginOp(Param.MAXOPBLOCKS);
  }

  /**
   * Called at the start of each FS system call; reserves {@code reserve} log blocks.
   *
   * @return STARTED, or why the caller would have to sleep (nothing is started then)
   */
  public Begin beginOp(int reserve) {
    if (reserve < 1 || reserve > capacity) {
      throw new KernelPanic(
          "begin_op: reservation of " + reserve + " blocks, the log holds 1.." + capacity);
    }
    if (committing) {
      waits++;
      return Begin.WAIT_COMMITTING;
    }
    if (n + reserved + reserve > capacity) {
      // this op might exhaust log space; wait for commit.
      waits++;
      return Begin.WAIT_LOG_SPACE;
    }
    outstanding++;
    reserved += reserve;
    reservedInTrans += reserve;
    opsInTrans++;
    return Begin.STARTED;
  }

  /**
   * beginOp for a caller with nobody to wait for (host tools, tests, a kernel with one process in
   * the file system).
   *
   * @throws KernelPanic if the operation would have to wait: with no other thread of control,
   *     nothing could ever end the wait
   */
  public void beginOpNow(int reserve) {
    Begin b = beginOp(reserve);
    if (b != Begin.STARTED) {
      throw new KernelPanic(
          "begin_op: would wait ("
              + b
              + ") with "
              + outstanding
              + " operations outstanding and nobody else to run");
    }
  }

  /** end_op for an operation begun with {@link #beginOp()}. */
  public void endOp() {
    endOp(Param.MAXOPBLOCKS);
  }

  /**
   * Called at the end of each FS system call, with the reservation it began with; commits if this
   * was the last outstanding operation. Afterwards, waiting callers may retry beginOp.
   */
  public void endOp(int reserve) {
    if (outstanding < 1 || reserved < reserve) {
      throw new KernelPanic("end_op: no such operation outstanding");
    }
    outstanding--;
    reserved -= reserve;
    if (committing) {
      throw new KernelPanic("log.committing");
    }
    if (outstanding == 0) {
      committing = true;
      commit();
      committing = false;
    }
  }

  /** Copies modified blocks from the cache to the log. */
  private void writeLog() {
    for (int tail = 0; tail < n; tail++) {
      Buf to = bio.bgetZeroed(start + tail + 1); // log block, overwritten whole
      Buf from = bio.bread(block[tail]); // cache block
      System.arraycopy(from.data, 0, to.data, 0, FsFormat.BSIZE);
      bio.bwrite(to); // write the log
      bio.brelse(from);
      bio.brelse(to);
    }
  }

  private void commit() {
    int blocks = n;
    if (n > 0) {
      writeLog(); // Write modified blocks from cache to log
      writeHead(); // Write header to disk -- the real commit
      installTrans(false); // Now install writes to home locations
      n = 0;
      Arrays.fill(logged, 0);
      writeHead(); // Erase the transaction from the log
      recordCommit(blocks);
    }
    reservedInTrans = 0;
    opsInTrans = 0;
  }

  private void recordCommit(int blocks) {
    commits++;
    loggedBlocks += blocks;
    maxCommitBlocks = Math.max(maxCommitBlocks, blocks);
    lastCommit = new Commit(commits, blocks, opsInTrans);
    commitListener.accept(lastCommit);
  }

  /**
   * log_write: the caller has modified b's data and is done with the buffer. Records the block
   * number and pins it in the cache; commit will do the disk write. Replaces bwrite; a typical use
   * is: {@code bp = bread(...); modify bp.data; logWrite(bp); brelse(bp)}.
   */
  public void logWrite(Buf b) {
    if (outstanding < 1) {
      throw new KernelPanic("log_write outside of trans");
    }
    if (b.blockno < firstHome || b.blockno >= endHome) {
      throw new KernelPanic("log_write: block " + b.blockno + " cannot be logged");
    }
    int slot = slotOf(b.blockno);
    if (logged[slot] == b.blockno) { // log absorption
      return;
    }
    if (n >= capacity || n >= reservedInTrans) {
      throw new KernelPanic(
          "too big a transaction: block "
              + b.blockno
              + " would be block "
              + (n + 1)
              + " of a transaction whose "
              + opsInTrans
              + " operations reserved "
              + reservedInTrans
              + " (log holds "
              + capacity
              + ")");
    }
    block[n++] = b.blockno; // Add new block to log
    logged[slot] = b.blockno;
    bio.bpin(b);
  }

  /** The slot of block b in the hash set: where it is, or the empty slot it would take. */
  private int slotOf(long b) {
    int mask = logged.length - 1;
    int i = (int) (b * 0x9E3779B97F4A7C15L >>> 40) & mask;
    while (logged[i] != 0 && logged[i] != b) {
      i = (i + 1) & mask;
    }
    return i;
  }

  /**
   * Why the log is not at rest, or empty if it is. Between system calls every operation has ended
   * and the last end_op has committed (this kernel is single-threaded, so no operation can still be
   * running elsewhere): nothing outstanding, reserved, committing or logged in memory.
   */
  public Optional<String> notAtRest() {
    if (outstanding == 0 && reserved == 0 && n == 0 && !committing && opsInTrans == 0) {
      return Optional.empty();
    }
    return Optional.of(
        "log not at rest: "
            + outstanding
            + " operations outstanding, "
            + reserved
            + " blocks reserved, "
            + n
            + " blocks logged by an uncommitted transaction"
            + (committing ? ", committing" : ""));
  }

  /** Blocks one transaction can log: the log area less its header. */
  public int capacity() {
    return capacity;
  }

  /** Operations begun and not yet ended. */
  public int outstanding() {
    return outstanding;
  }

  /** Distinct blocks logged by the transaction in progress. */
  public int blocksInTransaction() {
    return n;
  }

  /** Block numbers logged by the transaction in progress, in order. */
  public long[] transactionBlocks() {
    return Arrays.copyOf(block, n);
  }

  /** Blocks recovery installed when this log was opened (0 after a clean shutdown). */
  public int recoveredBlocks() {
    return recovered;
  }

  /** Transactions committed (those that logged at least one block). */
  public long commits() {
    return commits;
  }

  /** Most distinct blocks any committed transaction logged; never above capacity(). */
  public int maxCommitBlocks() {
    return maxCommitBlocks;
  }

  /** Sum over committed transactions of the distinct blocks each logged. */
  public long loggedBlocks() {
    return loggedBlocks;
  }

  /** How many times beginOp answered that the caller would have to wait. */
  public long waits() {
    return waits;
  }

  /** The last committed transaction (empty before the first). */
  public Optional<Commit> lastCommit() {
    return Optional.ofNullable(lastCommit);
  }

  /** Called with every committed transaction, in order (replaces the previous listener). */
  public void setCommitListener(Consumer<Commit> listener) {
    this.commitListener = listener;
  }
}
