package xv6ckpt.emulator.dev;

/**
 * The platform-level interrupt controller of the QEMU {@code virt} board (SiFive PLIC layout):
 * device interrupt lines in, one external-interrupt request per context out, where context 2h is
 * hart h in M-mode and context 2h+1 is hart h in S-mode.
 *
 * <p>Window: {@link #VIRT_BASE} (0x0c00_0000), {@link #SIZE} bytes.
 *
 * <pre>
 *   0x000000 + 4*s            priority of source s (3 bits, WARL; source 0 is hardwired 0)
 *   0x001000 + 4*w            pending bits of sources 32w .. 32w+31 (read-only)
 *   0x002000 + 0x80*c + 4*w   context c's enable bits for sources 32w .. 32w+31
 *   0x200000 + 0x1000*c       context c's priority threshold (3 bits, WARL)
 *   0x200004 + 0x1000*c       context c's claim (read) / complete (write)
 * </pre>
 *
 * <p>The gateway, per source, as QEMU's {@code sifive_plic} behaves for xv6:
 *
 * <ul>
 *   <li>A source becomes pending while its line is high and it is not in flight (claimed and not
 *       yet completed); a line that drops before the claim withdraws the request.
 *   <li>A claim returns the pending source enabled for the context whose priority is highest and
 *       above the context's threshold (ties: the lowest id), or 0 if there is none; it clears the
 *       pending bit and puts the source in flight, so that it cannot be claimed again.
 *   <li>A completion of a source enabled for the context (others are ignored, as the spec says)
 *       ends the flight; a line still high makes the source pending again at once.
 * </ul>
 *
 * <p>Priority 0 means "never interrupt". Only 4-byte accesses reach registers (QEMU refuses other
 * widths); other widths read 0 and write nothing, as do the holes. A claim is a read with a side
 * effect, so only the claim register's own 4-byte read claims.
 *
 * <p>Besides the spec's registers, {@link #onClaim} lets a device learn that its request was
 * claimed: the 16550's transmitter-empty interrupt is an event that its claim consumes (see {@link
 * Uart16550}).
 */
public final class Plic implements Mmio {

  /** Physical base address on the QEMU {@code virt} board (xv6's PLIC). */
  public static final long VIRT_BASE = 0x0c00_0000L;

  /** Bytes of address space, as QEMU maps the virt board's PLIC. */
  public static final long SIZE = 0x60_0000L;

  /** Source ids on the virt board, 0 included (QEMU's VIRT_IRQCHIP_NUM_SOURCES). */
  public static final int VIRT_SOURCES = 96;

  /** Highest priority and threshold: the virt board's PLIC has 3 priority bits. */
  public static final int MAX_PRIORITY = 7;

  public static final long PRIORITY = 0x0;
  public static final long PENDING = 0x1000;
  public static final long ENABLE = 0x2000;
  public static final long ENABLE_STRIDE = 0x80;
  public static final long CONTEXT = 0x20_0000;
  public static final long CONTEXT_STRIDE = 0x1000;

  /** Largest source count: the layout has room for 1024 ids. */
  public static final int MAX_SOURCES = 1024;

  private final int harts;
  private final int sources;
  private final int words;

  private final int[] priority;
  private final int[] level;
  private final int[] pending;
  private final int[] inFlight;
  private final int[] enable; // [context * words + word]
  private final int[] threshold;
  private final Runnable[] claimActions;

  /** Best claimable source per context, valid while !stale (queries are frequent, changes rare). */
  private final int[] best;

  private boolean stale = true;

  /**
   * A PLIC for harts 0 .. harts-1 (two contexts each) and source ids 0 .. sources-1, where 0 is
   * reserved (it never interrupts): {@code new Plic(harts, VIRT_SOURCES)} for the virt board.
   */
  public Plic(int harts, int sources) {
    if (harts < 1 || 2L * harts * ENABLE_STRIDE > CONTEXT - ENABLE) {
      throw new IllegalArgumentException("hart count " + harts + " does not fit the PLIC layout");
    }
    if (sources < 2 || sources > MAX_SOURCES) {
      throw new IllegalArgumentException("source count " + sources + " not in 2.." + MAX_SOURCES);
    }
    this.harts = harts;
    this.sources = sources;
    this.words = (sources + 31) / 32;
    this.priority = new int[sources];
    this.level = new int[words];
    this.pending = new int[words];
    this.inFlight = new int[words];
    this.enable = new int[2 * harts * words];
    this.threshold = new int[2 * harts];
    this.claimActions = new Runnable[sources];
    this.best = new int[2 * harts];
  }

  public int harts() {
    return harts;
  }

  public int sources() {
    return sources;
  }

  /** Context number of hart h's M-mode. */
  public static int machineContext(int hart) {
    return 2 * hart;
  }

  /** Context number of hart h's S-mode. */
  public static int supervisorContext(int hart) {
    return 2 * hart + 1;
  }

  // ---------------------------------------------------------------- devices' side

  /** The interrupt wire of source {@code s} (1 .. sources-1), for a device to drive. */
  public IrqLine line(int source) {
    checkSource(source);
    return high -> setLevel(source, high);
  }

  /**
   * Runs {@code action} each time a context claims {@code source}; for a device whose request is an
   * event that the claim consumes. Replaces an earlier action; null removes it.
   */
  public void onClaim(int source, Runnable action) {
    checkSource(source);
    claimActions[source] = action;
  }

  private void checkSource(int source) {
    if (source < 1 || source >= sources) {
      throw new IllegalArgumentException(
          "interrupt source " + source + " not in 1.." + (sources - 1));
    }
  }

  private void setLevel(int source, boolean high) {
    int w = source >>> 5;
    int bit = 1 << (source & 31);
    level[w] = high ? level[w] | bit : level[w] & ~bit;
    if ((inFlight[w] & bit) == 0) {
      pending[w] = high ? pending[w] | bit : pending[w] & ~bit;
    }
    stale = true;
  }

  // ---------------------------------------------------------------- harts' side

  /** Whether hart h's M-mode context has a claimable source: its MEIP. */
  public boolean meip(int hart) {
    return claimable(machineContext(hart)) != 0;
  }

  /** Whether hart h's S-mode context has a claimable source: its SEIP. */
  public boolean seip(int hart) {
    return claimable(supervisorContext(hart)) != 0;
  }

  /** The source a claim by context {@code ctx} would return now (0: none); no side effect. */
  public int claimable(int ctx) {
    if (stale) {
      for (int c = 0; c < best.length; c++) {
        best[c] = highest(c);
      }
      stale = false;
    }
    return best[ctx];
  }

  /** Pending, enabled, not in flight, priority above the threshold: the highest, lowest id. */
  private int highest(int ctx) {
    int found = 0;
    int max = threshold[ctx];
    for (int w = 0; w < words; w++) {
      int candidates = pending[w] & ~inFlight[w] & enable[ctx * words + w];
      while (candidates != 0) {
        int s = 32 * w + Integer.numberOfTrailingZeros(candidates);
        candidates &= candidates - 1;
        if (priority[s] > max) { // strictly greater: the lower id wins ties
          max = priority[s];
          found = s;
        }
      }
    }
    return found;
  }

  /** Claims for context {@code ctx}, as a read of its claim register does. */
  public int claim(int ctx) {
    int s = claimable(ctx);
    if (s != 0) {
      pending[s >>> 5] &= ~(1 << (s & 31));
      inFlight[s >>> 5] |= 1 << (s & 31);
      stale = true;
      if (claimActions[s] != null) {
        claimActions[s].run();
      }
    }
    return s;
  }

  /** Completes {@code source} for context {@code ctx}, as a write of its claim register does. */
  public void complete(int ctx, int source) {
    if (source <= 0 || source >= sources) {
      return;
    }
    int w = source >>> 5;
    int bit = 1 << (source & 31);
    if ((enable[ctx * words + w] & bit) == 0) {
      return; // the spec: a completion for a source not enabled for the context is ignored
    }
    inFlight[w] &= ~bit;
    pending[w] |= level[w] & bit;
    stale = true;
  }

  // ---------------------------------------------------------------- the bus's side

  @Override
  public long size() {
    return SIZE;
  }

  @Override
  public long read(long offset, int width) {
    if (width != 4) {
      return 0;
    }
    if (offset < PENDING) {
      int s = (int) (offset / 4);
      return s < sources ? priority[s] : 0;
    }
    if (offset < ENABLE) {
      int w = (int) ((offset - PENDING) / 4);
      return w < words ? pending[w] & 0xffff_ffffL : 0;
    }
    if (offset < CONTEXT) {
      int ctx = (int) ((offset - ENABLE) / ENABLE_STRIDE);
      int w = (int) ((offset - ENABLE) % ENABLE_STRIDE / 4);
      return ctx < threshold.length && w < words ? enable[ctx * words + w] & 0xffff_ffffL : 0;
    }
    int ctx = (int) ((offset - CONTEXT) / CONTEXT_STRIDE);
    long reg = (offset - CONTEXT) % CONTEXT_STRIDE;
    if (ctx >= threshold.length) {
      return 0;
    }
    if (reg == 0) {
      return threshold[ctx];
    }
    return reg == 4 ? claim(ctx) : 0;
  }

  @Override
  public void write(long offset, int width, long value) {
    if (width != 4) {
      return;
    }
    int v = (int) value;
    if (offset < PENDING) {
      int s = (int) (offset / 4);
      if (s > 0 && s < sources) {
        priority[s] = v & MAX_PRIORITY;
        stale = true;
      }
    } else if (offset < ENABLE) {
      return; // pending bits are read-only
    } else if (offset < CONTEXT) {
      writeEnable((offset - ENABLE) / ENABLE_STRIDE, (offset - ENABLE) % ENABLE_STRIDE / 4, v);
    } else {
      writeContext((offset - CONTEXT) / CONTEXT_STRIDE, (offset - CONTEXT) % CONTEXT_STRIDE, v);
    }
  }

  private void writeEnable(long ctx, long w, int v) {
    if (ctx >= threshold.length || w >= words) {
      return;
    }
    int valid = -1;
    if (w == 0) {
      valid &= ~1; // source 0 does not exist
    }
    if (w == words - 1 && sources % 32 != 0) {
      valid &= (1 << (sources % 32)) - 1;
    }
    enable[(int) (ctx * words + w)] = v & valid;
    stale = true;
  }

  private void writeContext(long ctx, long reg, int v) {
    if (ctx >= threshold.length) {
      return;
    }
    if (reg == 0) {
      threshold[(int) ctx] = v & MAX_PRIORITY;
      stale = true;
    } else if (reg == 4) {
      complete((int) ctx, v);
    }
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * The PLIC's whole state, line levels included; immutable (copies in, copies out). Claim actions
   * are wiring, not state: they stay as they are across a restore.
   */
  public record Snapshot(
      int[] priority, int[] level, int[] pending, int[] inFlight, int[] enable, int[] threshold) {
    public Snapshot {
      priority = priority.clone();
      level = level.clone();
      pending = pending.clone();
      inFlight = inFlight.clone();
      enable = enable.clone();
      threshold = threshold.clone();
    }

    @Override
    public int[] priority() {
      return priority.clone();
    }

    @Override
    public int[] level() {
      return level.clone();
    }

    @Override
    public int[] pending() {
      return pending.clone();
    }

    @Override
    public int[] inFlight() {
      return inFlight.clone();
    }

    @Override
    public int[] enable() {
      return enable.clone();
    }

    @Override
    public int[] threshold() {
      return threshold.clone();
    }
  }

  public Snapshot snapshot() {
    return new Snapshot(priority, level, pending, inFlight, enable, threshold);
  }

  /** Returns to {@code s}, which must come from a PLIC with the same harts and sources. */
  public void restore(Snapshot s) {
    if (s.priority.length != sources || s.threshold.length != threshold.length) {
      throw new IllegalArgumentException("snapshot of a PLIC of another shape");
    }
    System.arraycopy(s.priority, 0, priority, 0, sources);
    System.arraycopy(s.level, 0, level, 0, words);
    System.arraycopy(s.pending, 0, pending, 0, words);
    System.arraycopy(s.inFlight, 0, inFlight, 0, words);
    System.arraycopy(s.enable, 0, enable, 0, enable.length);
    System.arraycopy(s.threshold, 0, threshold, 0, threshold.length);
    stale = true;
  }
}
