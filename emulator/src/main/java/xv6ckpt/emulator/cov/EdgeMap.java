package xv6ckpt.emulator.cov;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Guest edge coverage of one machine: {@code size} 8-bit counters (a power of two), shared by the
 * {@link EdgeRecorder}s of its harts, for control-transfer targets in [{@code lo}, {@code hi}).
 *
 * <p><b>What an edge is.</b> Every retired control-transfer instruction (a branch, taken or not,
 * JAL or JALR) whose next pc lies in the range counts the edge from the previous such pc of the
 * same hart to this one: {@code counters[(h(next) ^ h(prev) >>> 1) & (size - 1)]}, AFL's scheme
 * (the shift tells A&rarr;B from B&rarr;A). A counter wraps from 255 to 1, never to 0, so an edge
 * once taken stays visible. Counting at transfers, not at block entries, makes the map
 * architectural: the interpreter's blocks are cut also by page ends, slow paths and budgets, and
 * the translation tier's by its regions, but a retired transfer is the same instruction in every
 * tier and however a run is split. A not-taken branch counts (its fall-through is an edge): without
 * it, a chain of comparisons that each branch to one failure label would give the same map however
 * far an input gets through it. Traps, interrupts and xRET are not transfers here: the first
 * transfer after one counts the edge from the last transfer before it.
 *
 * <p>Deterministic (a function of the instructions retired); {@link #clear} empties the counters
 * and every recorder's previous location, as a machine reset must.
 */
public final class EdgeMap {
  /** The default number of counters: libFuzzer-sized, few collisions for a kernel's edges. */
  public static final int DEFAULT_SIZE = 1 << 16;

  private final byte[] counters;
  private final long lo;
  private final long span;
  private final List<EdgeRecorder> recorders = new ArrayList<>();

  /** A map of {@code size} counters (a power of two, 2^4..2^24) for targets in [lo, hi). */
  public EdgeMap(long lo, long hi, int size) {
    if (Long.compareUnsigned(hi, lo) <= 0) {
      throw new IllegalArgumentException(
          String.format("empty coverage range [0x%x, 0x%x)", lo, hi));
    }
    if (Integer.bitCount(size) != 1 || size < 16 || size > 1 << 24) {
      throw new IllegalArgumentException(
          "coverage map size " + size + " is not a power of two in 16..2^24");
    }
    this.counters = new byte[size];
    this.lo = lo;
    this.span = hi - lo;
  }

  public EdgeMap(long lo, long hi) {
    this(lo, hi, DEFAULT_SIZE);
  }

  /** A recorder for one more hart, writing into this map. */
  public EdgeRecorder recorder() {
    EdgeRecorder r = new EdgeRecorder(counters, lo, span);
    recorders.add(r);
    return r;
  }

  public long lo() {
    return lo;
  }

  public long hi() {
    return lo + span;
  }

  public int size() {
    return counters.length;
  }

  /** The live counters (read-only by contract: a fuzzer copies or scans them after a run). */
  public byte[] counters() {
    return counters;
  }

  /** A copy of the counters. */
  public byte[] snapshot() {
    return counters.clone();
  }

  /** Number of counters that are not zero. */
  public int edgesHit() {
    int n = 0;
    for (byte c : counters) {
      if (c != 0) {
        n++;
      }
    }
    return n;
  }

  /** Zeroes every counter and forgets every recorder's previous location. */
  public void clear() {
    Arrays.fill(counters, (byte) 0);
    for (EdgeRecorder r : recorders) {
      r.forget();
    }
  }

  /** Every target pc seen since the last clear, if recorders keep them ({@link #trackTargets}). */
  public long[] targets() {
    return recorders.stream().flatMapToLong(EdgeRecorder::targets).distinct().sorted().toArray();
  }

  /**
   * Makes every recorder also keep the set of distinct target pcs (for reports that name the
   * functions reached; costs a bit set per transfer, so fuzzers leave it off). Ranges of at most 4
   * GiB only: a bit per halfword.
   */
  public void trackTargets(boolean on) {
    if (on && Long.compareUnsigned(span, 1L << 32) > 0) {
      throw new IllegalArgumentException(
          "targets are tracked in ranges of at most 4 GiB, not 0x" + Long.toHexString(span));
    }
    for (EdgeRecorder r : recorders) {
      r.trackTargets(on);
    }
  }
}
