package xv6ckpt.emulator.cov;

import java.util.BitSet;
import java.util.stream.LongStream;

/**
 * One hart's writer into an {@link EdgeMap}: the previous location is per hart, so interleaved
 * harts do not make edges between each other's code. Called by the interpreter and by translated
 * code at every retired control transfer ({@link #transfer}), so it does the least it can.
 */
public final class EdgeRecorder {
  private final byte[] counters;
  private final int mask;
  private final long lo;
  private final long span;
  private int prev;

  /**
   * Targets reached, by halfword from {@code lo} (a report's "functions reached"); null unless
   * reports asked for them. A bit set, as transfers are many and targets few: a boxed set cost
   * replay against a C kernel a fifth of its time.
   */
  private BitSet targets;

  EdgeRecorder(byte[] counters, long lo, long span) {
    this.counters = counters;
    this.mask = counters.length - 1;
    this.lo = lo;
    this.span = span;
  }

  /** The hart retired a control transfer whose next instruction is at {@code target}. */
  public void transfer(long target) {
    if (Long.compareUnsigned(target - lo, span) >= 0) {
      return;
    }
    int cur = location(target);
    int i = (cur ^ prev) & mask;
    byte c = (byte) (counters[i] + 1);
    counters[i] = c == 0 ? 1 : c; // 255 + 1 wraps to 1: an edge once taken never reads as untaken
    prev = cur >>> 1;
    if (targets != null) {
      targets.set((int) ((target - lo) >>> 1));
    }
  }

  /**
   * The hart retired {@code times} control transfers to {@code target} in a row (a loop of one
   * block run in bulk): the same counters, previous location and targets as that many calls of
   * {@link #transfer}, in constant time. After the first, each lands on the same counter, which
   * runs through 1..255 in a cycle (255 + 1 wraps to 1).
   */
  public void transfer(long target, long times) {
    if (times <= 0) {
      return;
    }
    transfer(target);
    if (times == 1 || Long.compareUnsigned(target - lo, span) >= 0) {
      return;
    }
    int cur = location(target);
    int i = (cur ^ prev) & mask; // prev is cur >>> 1 now, and stays so
    int c = counters[i] & 0xFF; // 0 unless this edge (or one on its counter) was taken before
    long n = times - 1; // at least 1
    if (c == 0) { // the first takes the counter into its cycle 1..255
      c = 1;
      n--;
    }
    counters[i] = (byte) ((c - 1 + n % 255) % 255 + 1);
  }

  /** A well-mixed 32-bit hash of an instruction address (Fibonacci hashing of its halfword). */
  static int location(long pc) {
    return (int) (((pc >>> 1) * 0x9E37_79B9_7F4A_7C15L) >>> 32);
  }

  void forget() {
    prev = 0;
    if (targets != null) {
      targets.clear();
    }
  }

  void trackTargets(boolean on) {
    targets = on ? new BitSet() : null;
  }

  LongStream targets() {
    return targets == null ? LongStream.empty() : targets.stream().mapToLong(i -> lo + 2L * i);
  }
}
