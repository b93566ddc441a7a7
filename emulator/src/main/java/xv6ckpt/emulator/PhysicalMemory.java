package xv6ckpt.emulator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Emulated RAM: one flat little-endian {@code byte[]} mapped at {@link #BASE}, as on the QEMU
 * {@code virt} board xv6 targets. There are no devices: every other physical address is an access
 * fault for the hart and an {@link IllegalArgumentException} for the kernel-side methods here.
 *
 * <p>Besides the bytes, this class keeps two pieces of bookkeeping that every write path must
 * update, which is why all writes (kernel API, hart stores, AMOs, A/D updates) come through here:
 *
 * <ol>
 *   <li>Dirty pages since the last {@link #snapshot()} or {@link #reset(Snapshot)}, so that a reset
 *       copies back only what changed. Invariant: every page not marked dirty equals the same page
 *       of {@link #baseline}.
 *   <li>The decoded-instruction cache ({@link DecodedPage}, one per physical page that a hart has
 *       fetched from). It lives here, beside the bytes it was decoded from, so that no write can
 *       forget it: a kernel-side write or a reset drops the page's decoding, a hart store patches
 *       the slots it overwrote. The cache is not architectural; skipping it changes nothing a
 *       program can observe. Pages with the same bytes share one decoding ({@link DecodeCache}),
 *       which is what makes a forked child's first fetch of its copied code cheap.
 *   <li>Pages known to be all zeros ({@link #knownZero}), so that zeroing one again (kalloc'd pages
 *       are zeroed, and mostly were zero already) writes nothing and leaves it clean.
 * </ol>
 *
 * <p>{@link #epoch} counts events after which harts must forget their TLB entries (snapshot, reset,
 * a page becoming code): a hart compares it when {@code run} starts. Not thread-safe: one machine
 * is used by one thread at a time.
 */
public final class PhysicalMemory {

  /** Physical address of the first byte of RAM (xv6's KERNBASE). */
  public static final long BASE = 0x8000_0000L;

  /** Page size in bytes (xv6's PGSIZE). */
  public static final int PGSIZE = 4096;

  /** log2(PGSIZE) (xv6's PGSHIFT). */
  public static final int PGSHIFT = 12;

  /** Largest supported RAM: one Java array, kept a round power of two. */
  public static final long MAX_SIZE = 1L << 30;

  static final VarHandle SHORT =
      MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
  static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  final byte[] ram;
  private final int pages;

  // Dirty pages since the baseline: a flag per page plus the list of flagged pages, so that
  // a reset touches only them.
  private final boolean[] dirty;
  private final int[] dirtyList;
  private int dirtyCount;
  private Snapshot baseline;

  /** Decoded instructions per physical page, or null where no hart has fetched since a write. */
  final DecodedPage[] decoded;

  /**
   * Decodings by page contents, shared between pages with the same bytes ({@link DecodeCache}), and
   * between memories when their owner passed the same cache to each.
   */
  final DecodeCache decodeCache;

  /** Bumped whenever harts must flush their TLBs; see the class comment. */
  int epoch;

  /**
   * zero[p]: page p is all zeros. Set when a page is zeroed (fill, a reset to a zero page) and at
   * creation; cleared by every write to the page. A hart's store-TLB hit writes without telling
   * this class, so a hart gives no store entry to a known-zero page, and a page becoming known-zero
   * while it may have one (it is dirty) bumps {@link #epoch}.
   */
  private final boolean[] zero;

  /** Creates zeroed RAM of {@code sizeBytes} (a positive multiple of 4096, at most 1 GiB). */
  public PhysicalMemory(long sizeBytes) {
    this(sizeBytes, new DecodeCache());
  }

  /**
   * Creates zeroed RAM of {@code sizeBytes} whose decoded code (and with it the translation tier's
   * work) comes from and goes to {@code code}, which other memories of the same thread may share: a
   * machine booting a kernel another machine ran then finds its code already translated.
   */
  public PhysicalMemory(long sizeBytes, DecodeCache code) {
    if (sizeBytes <= 0 || sizeBytes % PGSIZE != 0 || sizeBytes > MAX_SIZE) {
      throw new IllegalArgumentException(
          "RAM size " + sizeBytes + " must be a positive multiple of 4096 and at most " + MAX_SIZE);
    }
    this.decodeCache = code;
    this.ram = new byte[(int) sizeBytes];
    this.pages = (int) (sizeBytes >>> PGSHIFT);
    this.dirty = new boolean[pages];
    this.dirtyList = new int[pages];
    this.decoded = new DecodedPage[pages];
    this.baseline = new Snapshot(new byte[pages][]);
    this.zero = new boolean[pages];
    Arrays.fill(zero, true);
  }

  /** RAM size in bytes. */
  public long size() {
    return ram.length;
  }

  /** Whether all of [pa, pa + len) is RAM. */
  public boolean contains(long pa, long len) {
    return len >= 0 && pa >= BASE && pa - BASE <= ram.length && len <= ram.length - (pa - BASE);
  }

  // ---------------------------------------------------------------- kernel-side reads

  public byte read8(long pa) {
    return ram[offset(pa, 1)];
  }

  public short read16(long pa) {
    return (short) SHORT.get(ram, offset(pa, 2));
  }

  public int read32(long pa) {
    return (int) INT.get(ram, offset(pa, 4));
  }

  public long read64(long pa) {
    return (long) LONG.get(ram, offset(pa, 8));
  }

  /** Copies [pa, pa + len) into {@code dst[off .. off + len)}. */
  public void read(long pa, byte[] dst, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, dst.length);
    System.arraycopy(ram, offset(pa, len), dst, off, len);
  }

  /**
   * Reads n little-endian 8-byte words at [pa, pa + 8n) into {@code dst[off .. off + n)}: a
   * trapframe's registers in one call, where a loop of {@link #read64} would check the range (and,
   * under the fuzzer's instrumentation, compare in kernel code) once per word.
   */
  public void readLongs(long pa, long[] dst, int off, int n) {
    java.util.Objects.checkFromIndexSize(off, n, dst.length);
    int o = offset(pa, 8L * n);
    for (int i = 0; i < n; i++) {
      dst[off + i] = (long) LONG.get(ram, o + 8 * i);
    }
  }

  /**
   * The address of the first 8-byte word in [pa, end) that is not zero, or {@code end} if there is
   * none; pa and end must be 8-byte aligned. A page-table walk uses it to visit only the PTEs that
   * are set (a zero PTE has PTE_V clear): a process's tables are mostly empty, and this scan of
   * them costs less than reading each of their 512 words one call at a time.
   */
  public long nextNonZero64(long pa, long end) {
    if ((pa & 7) != 0 || (end & 7) != 0 || Long.compareUnsigned(pa, end) > 0) {
      throw new IllegalArgumentException(
          String.format("word scan [0x%x, 0x%x) is not an 8-byte aligned range", pa, end));
    }
    int o = offset(pa, end - pa);
    for (int last = o + (int) (end - pa); o < last; o += PGSIZE) {
      int n = Math.min(PGSIZE, last - o);
      int i = Arrays.mismatch(ram, o, o + n, zeros, 0, n); // a vectorized scan
      if (i >= 0) {
        return BASE + o + (i & ~7);
      }
    }
    return end;
  }

  /** A page of zeros, never written: what {@link #nextNonZero64} compares RAM with. */
  private final byte[] zeros = new byte[PGSIZE];

  // ---------------------------------------------------------------- kernel-side writes

  public void write8(long pa, byte v) {
    ram[kernelWrite(pa, 1)] = v;
  }

  public void write16(long pa, short v) {
    SHORT.set(ram, kernelWrite(pa, 2), v);
  }

  public void write32(long pa, int v) {
    INT.set(ram, kernelWrite(pa, 4), v);
  }

  public void write64(long pa, long v) {
    LONG.set(ram, kernelWrite(pa, 8), v);
  }

  /** Writes {@code src[off .. off + n)} as n little-endian 8-byte words to [pa, pa + 8n). */
  public void writeLongs(long pa, long[] src, int off, int n) {
    java.util.Objects.checkFromIndexSize(off, n, src.length);
    offset(pa, 8L * n); // checked in longs first: 8n may not fit an int
    int o = kernelWrite(pa, 8 * n);
    for (int i = 0; i < n; i++) {
      LONG.set(ram, o + 8 * i, src[off + i]);
    }
  }

  /** Copies {@code src[off .. off + len)} to [pa, pa + len). */
  public void write(long pa, byte[] src, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, src.length);
    System.arraycopy(src, off, ram, kernelWrite(pa, len), len);
  }

  /**
   * Copies [src, src + len) to [dst, dst + len); the two ranges must not overlap. A whole page
   * copied from a page with decoded instructions shares that decoding (a forked child's code then
   * costs no decoding at all; see {@link DecodeCache} for why sharing is safe).
   */
  public void copy(long src, long dst, int len) {
    int from = offset(src, len);
    int to = offset(dst, len);
    if (len > 0 && Math.max(src, dst) < Math.min(src, dst) + len) {
      throw new IllegalArgumentException(
          String.format("copy of %d bytes from 0x%x to 0x%x: the ranges overlap", len, src, dst));
    }
    boolean wholePages = len == PGSIZE && ((from | to) & (PGSIZE - 1)) == 0;
    if (wholePages && zero[from >>> PGSHIFT]) {
      fill(dst, PGSIZE, (byte) 0); // a forked child's untouched heap page: often nothing to write
      return;
    }
    kernelWrite(dst, len);
    System.arraycopy(ram, from, ram, to, len);
    if (wholePages) {
      DecodedPage d = decoded[from >>> PGSHIFT];
      if (d != null) {
        d.shared = true; // from now on a store to either page patches a private copy
        decoded[to >>> PGSHIFT] = d;
        epoch++; // dst is code now: harts must drop store-TLB entries for it (see Hart)
      }
    }
  }

  /**
   * Sets [pa, pa + len) to {@code value}. Zeroing a whole page that is known to be zero ({@link
   * #knownZero}) writes nothing, so the page stays clean and a reset need not restore it: kalloc'd
   * pages are mostly pages no one has written since they were last zeroed.
   */
  public void fill(long pa, long len, byte value) {
    if (len < 0 || len > ram.length) {
      throw new IllegalArgumentException("fill length " + len + " out of range");
    }
    int o = offset(pa, len);
    boolean wholePage = len == PGSIZE && (o & (PGSIZE - 1)) == 0;
    int p = o >>> PGSHIFT;
    if (value == 0 && wholePage && zero[p]) {
      return;
    }
    kernelWrite(pa, (int) len);
    Arrays.fill(ram, o, o + (int) len, value);
    if (value == 0 && wholePage) {
      zero[p] = true;
      epoch++; // it is dirty (just marked), so a hart may hold a store entry for it: see zero
    }
  }

  /**
   * Whether page p is all zeros by the bookkeeping alone (zeroed, and not written since). Another
   * page may be all zeros without being known to be.
   */
  boolean knownZero(int p) {
    return zero[p];
  }

  /** Checks the range, then marks its pages dirty and drops their decoded instructions. */
  private int kernelWrite(long pa, int len) {
    int o = offset(pa, len);
    for (int p = o >>> PGSHIFT, last = (o + len - 1) >>> PGSHIFT; len > 0 && p <= last; p++) {
      markDirty(p);
      zero[p] = false;
      if (decoded[p] != null) { // (tested first: most kernel writes go to pages without code)
        decoded[p] = null; // the hart re-decodes on its next fetch (see class comment)
      }
    }
    return o;
  }

  /** Offset of pa in {@link #ram} after checking that [pa, pa + len) is RAM. */
  private int offset(long pa, long len) {
    if (!contains(pa, len)) {
      throw new IllegalArgumentException(
          String.format(
              "physical address 0x%x (length %d) is outside RAM [0x%x, 0x%x)",
              pa, len, BASE, BASE + ram.length));
    }
    return (int) (pa - BASE);
  }

  // ---------------------------------------------------------------- hart-side write bookkeeping

  /**
   * Patches a page's decoding takes from stores of a hart running other code before such a store
   * drops the decoding instead. A freed page that held user code is filled byte by byte by the
   * kernel (xv6's kfree, then kalloc, then the zeroing of a new mapping): patching it would send
   * every one of those stores through the slow path, and each patch re-computes the block lengths
   * below the store (quadratic in the page). A few patches first keep the decoding of a page that
   * mixes code with data its own program writes.
   */
  static final int PATCHES_BEFORE_DROP = 16;

  /**
   * Records that the hart has just written [off, off + len) of {@link #ram} (within one page):
   * marks the page dirty and re-decodes the overwritten instructions if the page holds code, or
   * drops the page's decoding if it is not {@code running} (the decoding the hart runs from) and
   * has been patched {@link #PATCHES_BEFORE_DROP} times (as a kernel-side write does: the next
   * fetch decodes it again, and the store-TLB may take the page). Returns whether it patched (the
   * hart then ends its current block).
   */
  boolean hartWrote(int off, int len, DecodedPage running) {
    int p = off >>> PGSHIFT;
    markDirty(p);
    zero[p] = false;
    DecodedPage d = decoded[p];
    if (d != null) {
      if (d != running && d.version >= PATCHES_BEFORE_DROP) {
        decoded[p] = null; // no run holds it: the hart's current block is on another page
        return false;
      }
      if (d.shared) { // other pages may hold the same decoding: patch this page's own copy
        d = d.privateCopy();
        decoded[p] = d;
      }
      d.patch(ram, p << PGSHIFT, off & (PGSIZE - 1), len);
      return true;
    }
    return false;
  }

  boolean isDirty(int page) {
    return dirty[page];
  }

  private void markDirty(int p) {
    if (!dirty[p]) {
      dirty[p] = true;
      dirtyList[dirtyCount++] = p;
    }
  }

  /** Number of pages written since the last snapshot or reset. */
  public int dirtyPageCount() {
    return dirtyCount;
  }

  /**
   * The snapshot taken or reset to last: every page not {@link #written} since holds what it holds
   * there, so a reader who knows something of it (a list threaded through its pages) need only look
   * again at the written pages.
   */
  public Snapshot baseline() {
    return baseline;
  }

  /** Whether the page holding {@code pa} was written since {@link #baseline()}. */
  public boolean written(long pa) {
    return dirty[offset(pa, 1) >>> PGSHIFT];
  }

  /** The pages written since {@link #baseline()}, as their first bytes' physical addresses. */
  public long[] writtenPages() {
    long[] pas = new long[dirtyCount];
    for (int i = 0; i < dirtyCount; i++) {
      pas[i] = BASE + ((long) dirtyList[i] << PGSHIFT);
    }
    return pas;
  }

  // ---------------------------------------------------------------- snapshots

  /**
   * An immutable copy of RAM, shareable by any number of machines with RAM of the same size. Pages
   * are held as arrays never written after creation; all-zero pages are null. Consecutive snapshots
   * of one memory share the pages that did not change.
   */
  public static final class Snapshot {
    private final byte[][] pages;

    private Snapshot(byte[][] pages) {
      this.pages = pages;
    }

    /** RAM size this snapshot was taken from. */
    public long size() {
      return (long) pages.length << PGSHIFT;
    }
  }

  /** Captures RAM; costs one page copy per page written since the last snapshot or reset. */
  public Snapshot snapshot() {
    byte[][] pages = baseline.pages.clone();
    for (int i = 0; i < dirtyCount; i++) {
      int p = dirtyList[i];
      int o = p << PGSHIFT;
      boolean zero = Arrays.mismatch(ram, o, o + PGSIZE, zeros, 0, PGSIZE) < 0;
      pages[p] = zero ? null : Arrays.copyOfRange(ram, o, o + PGSIZE); // see knownZero
    }
    clearDirty();
    baseline = new Snapshot(pages);
    epoch++; // clean pages again: harts must stop storing through TLB entries without marking
    return baseline;
  }

  /**
   * Makes RAM equal to {@code s}. Copies back only the pages written since the last snapshot or
   * reset when {@code s} is that baseline; otherwise also every page where the two differ.
   */
  public void reset(Snapshot s) {
    if (s.pages.length != pages) {
      throw new IllegalArgumentException(
          "snapshot of " + s.size() + " bytes does not fit RAM of " + ram.length + " bytes");
    }
    if (s != baseline) {
      for (int p = 0; p < pages; p++) {
        if (s.pages[p] != baseline.pages[p]) {
          markDirty(p);
        }
      }
    }
    for (int i = 0; i < dirtyCount; i++) {
      restorePage(s, dirtyList[i]);
    }
    clearDirty();
    baseline = s;
    epoch++;
  }

  private void restorePage(Snapshot s, int p) {
    byte[] src = s.pages[p];
    if (src == null) {
      if (!zero[p]) {
        Arrays.fill(ram, p << PGSHIFT, (p + 1) << PGSHIFT, (byte) 0);
      }
    } else {
      System.arraycopy(src, 0, ram, p << PGSHIFT, PGSIZE);
    }
    zero[p] = src == null;
    decoded[p] = null;
  }

  private void clearDirty() {
    for (int i = 0; i < dirtyCount; i++) {
      dirty[dirtyList[i]] = false;
    }
    dirtyCount = 0;
  }
}
