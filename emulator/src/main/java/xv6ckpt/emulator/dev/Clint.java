package xv6ckpt.emulator.dev;

import java.util.Arrays;

/**
 * The core-local interruptor of the QEMU {@code virt} board (SiFive CLINT layout, ACLINT MTIMER and
 * MSWI in one window): per hart a software-interrupt bit and a timer compare register, and one
 * shared real-time counter.
 *
 * <p>Window: {@link #VIRT_BASE} (0x0200_0000), {@link #SIZE} bytes.
 *
 * <pre>
 *   0x0000 + 4*h   msip[h]      32 bits, bit 0 is hart h's MSIP, the rest read 0
 *   0x4000 + 8*h   mtimecmp[h]  64 bits (also as two 32-bit halves)
 *   0xbff8         mtime        64 bits, read-only here (see below)
 * </pre>
 *
 * <p>Time is the machine's, never the host's: the machine derives it from the instruction count and
 * hands it over with {@link #setTime} before the guest can observe it (before each access to this
 * window and before it asks {@link #mtip}). Writes to mtime are ignored: a guest setting the clock
 * would have to move the machine's instruction-count time, which is not the CLINT's to move (xv6
 * never writes it). mtimecmp starts at all ones (unsigned: never), so no timer is pending before a
 * kernel programs one.
 *
 * <p>Registers are byte lanes of aligned 64-bit words, so 1-, 2-, 4- and 8-byte accesses all see
 * the little-endian layout above; holes read 0 and ignore writes.
 */
public final class Clint implements Mmio {

  /** Physical base address on the QEMU {@code virt} board (xv6's CLINT). */
  public static final long VIRT_BASE = 0x0200_0000L;

  /** Bytes of address space: up to mtime's last byte, rounded as QEMU maps it. */
  public static final long SIZE = 0x1_0000L;

  /** Offset of msip[0]; hart h's at MSIP + 4*h. */
  public static final long MSIP = 0x0;

  /** Offset of mtimecmp[0]; hart h's at MTIMECMP + 8*h (xv6's CLINT_MTIMECMP). */
  public static final long MTIMECMP = 0x4000;

  /** Offset of mtime (xv6's CLINT_MTIME). */
  public static final long MTIME = 0xbff8;

  /** The largest hart count whose registers fit the layout (4095 as in the ACLINT). */
  public static final int MAX_HARTS = 4095;

  private final int harts;
  private final boolean[] msip;
  private final long[] mtimecmp;
  private long time;

  /** A CLINT for harts 0 .. harts-1, with time 0, no software interrupts and no timer set. */
  public Clint(int harts) {
    if (harts < 1 || harts > MAX_HARTS) {
      throw new IllegalArgumentException("hart count " + harts + " not in 1.." + MAX_HARTS);
    }
    this.harts = harts;
    this.msip = new boolean[harts];
    this.mtimecmp = new long[harts];
    Arrays.fill(mtimecmp, -1L);
  }

  public int harts() {
    return harts;
  }

  // ---------------------------------------------------------------- the machine's side

  /** Sets mtime: the machine's time, an instruction count (unsigned). */
  public void setTime(long now) {
    time = now;
  }

  public long time() {
    return time;
  }

  /** Whether hart h's machine timer interrupt is pending: mtime >= mtimecmp[h], unsigned. */
  public boolean mtip(int hart) {
    return Long.compareUnsigned(time, mtimecmp[hart]) >= 0;
  }

  /** Whether hart h's machine software interrupt is pending (its msip bit). */
  public boolean msip(int hart) {
    return msip[hart];
  }

  /** Hart h's mtimecmp. */
  public long mtimecmp(int hart) {
    return mtimecmp[hart];
  }

  /**
   * The earliest mtimecmp of any hart that lies after the current time, so that a machine whose
   * harts all wait for an interrupt can skip ahead to it; {@link Long#MAX_VALUE} if no hart's timer
   * will ever fire (none lies ahead below 2^63, which instruction-count time never reaches). A
   * timer already pending is not an event ahead: its mtip is already true.
   */
  public long nextTimerEvent() {
    long next = Long.MAX_VALUE;
    for (long cmp : mtimecmp) {
      if (Long.compareUnsigned(cmp, time) > 0 && cmp >= 0 && cmp < next) {
        next = cmp;
      }
    }
    return next;
  }

  // ---------------------------------------------------------------- the bus's side

  @Override
  public long size() {
    return SIZE;
  }

  @Override
  public long read(long offset, int width) {
    int shift = (int) (offset & 7) * 8;
    return (word(offset & ~7L) >>> shift) & mask(width);
  }

  @Override
  public void write(long offset, int width, long value) {
    long at = offset & ~7L;
    int shift = (int) (offset & 7) * 8;
    long lanes = mask(width) << shift;
    long merged = (word(at) & ~lanes) | ((value << shift) & lanes);
    setWord(at, merged);
  }

  /** The aligned 64-bit word at {@code at}: two msip registers, a mtimecmp, mtime, or a hole. */
  private long word(long at) {
    if (at < MTIMECMP) {
      int h = (int) (at / 4);
      return msipBit(h) | (msipBit(h + 1) << 32);
    }
    if (at < MTIMECMP + 8L * harts) {
      return mtimecmp[(int) ((at - MTIMECMP) / 8)];
    }
    return at == MTIME ? time : 0;
  }

  private void setWord(long at, long v) {
    if (at < MTIMECMP) {
      int h = (int) (at / 4);
      setMsip(h, (v & 1) != 0);
      setMsip(h + 1, ((v >>> 32) & 1) != 0);
    } else if (at < MTIMECMP + 8L * harts) {
      mtimecmp[(int) ((at - MTIMECMP) / 8)] = v;
    }
    // mtime and holes: ignored (see the class comment).
  }

  private long msipBit(int h) {
    return h < harts && msip[h] ? 1 : 0;
  }

  private void setMsip(int h, boolean v) {
    if (h < harts) {
      msip[h] = v;
    }
  }

  static long mask(int width) {
    return width == 8 ? -1L : (1L << (8 * width)) - 1;
  }

  // ---------------------------------------------------------------- snapshots

  /** The CLINT's whole state; immutable (the arrays are copies, read through copies). */
  public record Snapshot(long time, boolean[] msip, long[] mtimecmp) {
    public Snapshot {
      msip = msip.clone();
      mtimecmp = mtimecmp.clone();
    }

    @Override
    public boolean[] msip() {
      return msip.clone();
    }

    @Override
    public long[] mtimecmp() {
      return mtimecmp.clone();
    }
  }

  public Snapshot snapshot() {
    return new Snapshot(time, msip, mtimecmp);
  }

  /** Returns to {@code s}, which must come from a CLINT with the same number of harts. */
  public void restore(Snapshot s) {
    if (s.mtimecmp.length != harts) {
      throw new IllegalArgumentException(
          "snapshot of a " + s.mtimecmp.length + "-hart CLINT restored into " + harts + " harts");
    }
    time = s.time;
    System.arraycopy(s.msip, 0, msip, 0, harts);
    System.arraycopy(s.mtimecmp, 0, mtimecmp, 0, harts);
  }
}
