package xv6ckpt.emulator.disk;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A block device wrapped with deterministic crash and fault injection, for the crash-consistency
 * tests and fuzzers.
 *
 * <ul>
 *   <li>Ordinals: reads and writes are numbered separately, from 1, in the order they arrive.
 *   <li>Power cut: after {@code cutPowerAfterWrite(k)}, writes numbered above k are accepted and
 *       silently dropped: the medium never sees them, and reads keep seeing the medium. This is
 *       what a machine sees up to the instant its power goes; what it does afterwards does not
 *       matter, because the test then mounts the medium afresh. k = 0 drops every write.
 *   <li>Failures: chosen reads or writes (by ordinal, or every access to a block number) throw
 *       {@link DiskIoException} and do not reach the medium. A write past the power cut is dropped,
 *       not failed: a powered-off disk reports nothing.
 *   <li>Record: every write is logged in order (ordinal, block number, outcome, and its contents if
 *       asked for at construction), so a test can replay any prefix of the write sequence.
 * </ul>
 */
public final class FaultInjectingBlockDevice implements BlockDevice {

  /** What became of one write. */
  public enum Outcome {
    /** It reached the medium. */
    WRITTEN,
    /** The power had been cut: dropped without a trace on the medium. */
    DROPPED,
    /** An injected failure: the caller got a {@link DiskIoException}. */
    FAILED
  }

  /** One write as it arrived; {@code contents} is null unless contents are recorded. */
  public record WriteRecord(long ordinal, long blockno, Outcome outcome, byte[] contents) {}

  private final BlockDevice medium;
  private final boolean recordContents;
  private final List<WriteRecord> writeLog = new ArrayList<>();

  private long reads;
  private long writes;
  private long writesReachedMedium;

  /** Writes numbered above this are dropped; Long.MAX_VALUE while the power is on. */
  private long lastPoweredWrite = Long.MAX_VALUE;

  private final Set<Long> failingReadOrdinals = new HashSet<>();
  private final Set<Long> failingWriteOrdinals = new HashSet<>();
  private final Set<Long> failingReadBlocks = new HashSet<>();
  private final Set<Long> failingWriteBlocks = new HashSet<>();

  /**
   * @param medium the device that holds the data (closed when this one is)
   * @param recordContents whether {@link #writeLog()} keeps a copy of each written block
   */
  public FaultInjectingBlockDevice(BlockDevice medium, boolean recordContents) {
    this.medium = medium;
    this.recordContents = recordContents;
  }

  /** Wraps {@code medium}, recording block numbers but not contents. */
  public FaultInjectingBlockDevice(BlockDevice medium) {
    this(medium, false);
  }

  /** The wrapped device, which holds exactly the writes that reached the medium. */
  public BlockDevice medium() {
    return medium;
  }

  @Override
  public int blockSize() {
    return medium.blockSize();
  }

  @Override
  public long blockCount() {
    return medium.blockCount();
  }

  @Override
  public void read(long blockno, byte[] dst) {
    long ordinal = ++reads;
    if (failingReadOrdinals.contains(ordinal) || failingReadBlocks.contains(blockno)) {
      throw new DiskIoException(false, blockno, "injected fault (read #" + ordinal + ")");
    }
    medium.read(blockno, dst);
  }

  @Override
  public void write(long blockno, byte[] src) {
    long ordinal = ++writes;
    byte[] copy = recordContents ? src.clone() : null;
    if (ordinal > lastPoweredWrite) {
      writeLog.add(new WriteRecord(ordinal, blockno, Outcome.DROPPED, copy));
      return;
    }
    if (failingWriteOrdinals.contains(ordinal) || failingWriteBlocks.contains(blockno)) {
      writeLog.add(new WriteRecord(ordinal, blockno, Outcome.FAILED, copy));
      throw new DiskIoException(true, blockno, "injected fault (write #" + ordinal + ")");
    }
    medium.write(blockno, src);
    writesReachedMedium++;
    writeLog.add(new WriteRecord(ordinal, blockno, Outcome.WRITTEN, copy));
  }

  /**
   * Cuts the power after write number {@code k}: that write and the ones before it are kept (if
   * nothing else stops them), every later one is dropped.
   */
  public void cutPowerAfterWrite(long k) {
    if (k < 0) {
      throw new IllegalArgumentException("write number must not be negative, got " + k);
    }
    lastPoweredWrite = k;
  }

  /** True once a write has been dropped because the power was cut. */
  public boolean powerWasCut() {
    return writes > lastPoweredWrite;
  }

  /** Makes read number {@code ordinal} (counting from 1) fail. */
  public void failRead(long ordinal) {
    failingReadOrdinals.add(ordinal);
  }

  /** Makes write number {@code ordinal} (counting from 1) fail. */
  public void failWrite(long ordinal) {
    failingWriteOrdinals.add(ordinal);
  }

  /** Makes every read of block {@code blockno} fail. */
  public void failReadsOfBlock(long blockno) {
    failingReadBlocks.add(blockno);
  }

  /** Makes every write of block {@code blockno} fail. */
  public void failWritesOfBlock(long blockno) {
    failingWriteBlocks.add(blockno);
  }

  /** Restores the power and removes every injected failure; counters and log are kept. */
  public void clearFaults() {
    lastPoweredWrite = Long.MAX_VALUE;
    failingReadOrdinals.clear();
    failingWriteOrdinals.clear();
    failingReadBlocks.clear();
    failingWriteBlocks.clear();
  }

  /** Reads requested so far, failed ones included. */
  public long reads() {
    return reads;
  }

  /** Writes requested so far, dropped and failed ones included. */
  public long writes() {
    return writes;
  }

  /** Writes that reached the medium. */
  public long writesReachedMedium() {
    return writesReachedMedium;
  }

  /** Every write so far, in order (a read-only view that grows as writes arrive). */
  public List<WriteRecord> writeLog() {
    return Collections.unmodifiableList(writeLog);
  }

  @Override
  public void close() {
    medium.close();
  }
}
