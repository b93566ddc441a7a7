package xv6ckpt.emulator;

/**
 * The Sv39 page-table walk (privileged spec, 4.3.2 "Virtual Address Translation Process", with 4.4
 * for the Sv39 sizes). By default for accesses from user mode with MXR = 0, as the Java kernel's
 * harts make them; a hart in system mode sets {@link #supervisor}, {@link #sum} and {@link #mxr}
 * for supervisor accesses. Page tables live in emulated RAM.
 *
 * <pre>
 *  Virtual address (bits 63..39 must equal bit 38):
 *   38        30 29        21 20        12 11           0
 *  |  VPN[2]    |   VPN[1]   |   VPN[0]   |  page offset |
 *
 *  Page-table entry:
 *   63  54 53    28 27    19 18    10 9  8 7 6 5 4 3 2 1 0
 *  | rsvd | PPN[2] | PPN[1] | PPN[0] |RSW|D|A|G|U|X|W|R|V|
 * </pre>
 *
 * Bits 63..54 (N, PBMT and reserved) must be zero: none of Svnapot, Svpbmt is implemented.
 *
 * <p>A and D are managed by hardware, as QEMU does and as xv6 expects (it sets neither): a
 * successful walk whose leaf lacks A, or lacks D for a store, leaves the updated PTE in {@link
 * #updateAddr}/{@link #updatePte}; the caller writes it back only once the whole access is known
 * not to fault, so a faulting instruction changes no memory.
 *
 * <p>The walk keeps its result in fields rather than allocating (it runs on every TLB miss). One
 * instance per hart.
 */
final class Sv39 {

  static final long PTE_V = 1L << 0;
  static final long PTE_R = 1L << 1;
  static final long PTE_W = 1L << 2;
  static final long PTE_X = 1L << 3;
  static final long PTE_U = 1L << 4;
  static final long PTE_G = 1L << 5;
  static final long PTE_A = 1L << 6;
  static final long PTE_D = 1L << 7;

  static final int LEVELS = 3;
  static final int PTESIZE = 8;

  /** satp.MODE values (bits 63..60). */
  static final long SATP_MODE_BARE = 0, SATP_MODE_SV39 = 8;

  /** satp.PPN: bits 43..0. */
  static final long SATP_PPN_MASK = (1L << 44) - 1;

  /** PTE.PPN: bits 53..10. */
  private static final long PTE_PPN_MASK = ((1L << 44) - 1) << 10;

  /** Outcome of the last walk. */
  static final int OK = 0, PAGE_FAULT = 1, ACCESS_FAULT = 2;

  int fault;

  /** Physical address of the translated byte (valid when fault == OK). */
  long pa;

  /** Where to write back the leaf with A/D set, or -1 when it needs no update. */
  long updateAddr;

  long updatePte;

  /** The access is made from S-mode (U pages need SUM, and are never executable). */
  boolean supervisor;

  /** mstatus.SUM: S-mode loads and stores may touch U pages. */
  boolean sum;

  /** mstatus.MXR: loads may read pages that are executable but not readable. */
  boolean mxr;

  /**
   * Set with ACCESS_FAULT when the walk succeeded but its physical address is outside RAM (a device
   * may live there); updateAddr/updatePte then still hold the leaf's A/D update.
   */
  boolean outsideRam;

  private final PhysicalMemory memory;

  Sv39(PhysicalMemory memory) {
    this.memory = memory;
  }

  /** Walks the tables rooted at satp.PPN for a user {@code access} to {@code va}. */
  int walk(long satp, long va, Trap.Access access) {
    updateAddr = -1;
    outsideRam = false;
    if ((va << 25) >> 25 != va) {
      return fault = PAGE_FAULT; // not sign-extended from bit 38: no such Sv39 address
    }
    // Step 1: a = satp.ppn x PAGESIZE, i = LEVELS - 1.
    long a = (satp & SATP_PPN_MASK) << 12;
    int i = LEVELS - 1;
    long pte;
    for (; ; ) {
      // Step 2: pte = the PTE at a + va.vpn[i] x PTESIZE; leaving RAM is an access fault.
      long pteAddr = a + vpn(va, i) * PTESIZE;
      if (!memory.contains(pteAddr, PTESIZE)) {
        return fault = ACCESS_FAULT;
      }
      pte = memory.read64(pteAddr);
      // Step 3: invalid, W without R, or reserved bits set: page fault.
      if ((pte & PTE_V) == 0 || (pte & (PTE_R | PTE_W)) == PTE_W || (pte >>> 54) != 0) {
        return fault = PAGE_FAULT;
      }
      // Step 4: R or X set means a leaf; otherwise descend, and there is nothing below level 0.
      if ((pte & (PTE_R | PTE_X)) != 0) {
        updateAddr = pteAddr;
        break;
      }
      if (--i < 0) {
        return fault = PAGE_FAULT;
      }
      a = ppn(pte) << 12;
    }
    // Step 5: the leaf must allow the access from the current mode, with SUM and MXR.
    if (!allowed(pte, access)) {
      updateAddr = -1;
      return fault = PAGE_FAULT;
    }
    // Step 6: a superpage's PPN must be aligned to its size.
    long low = (1L << (9 * i)) - 1;
    if ((ppn(pte) & low) != 0) {
      updateAddr = -1;
      return fault = PAGE_FAULT;
    }
    // Step 7: hardware A/D update, written back by the caller with commit().
    long want = PTE_A | (access == Trap.Access.STORE ? PTE_D : 0);
    if ((pte & want) == want) {
      updateAddr = -1;
    } else {
      updatePte = pte | want;
    }
    // Step 8: pa = PPN with the superpage's low VPN fields taken from va, then the offset.
    long ppn = (ppn(pte) & ~low) | ((va >>> 12) & low);
    pa = ppn << 12 | (va & 0xFFF);
    if (!memory.contains(pa, 1)) {
      outsideRam = true; // the update stays pending: a device access commits it
      return fault = ACCESS_FAULT;
    }
    return fault = OK;
  }

  /** Step 5: U pages only from U-mode, or for S-mode loads/stores with SUM; R/W/X as asked. */
  private boolean allowed(long pte, Trap.Access access) {
    boolean userPage = (pte & PTE_U) != 0;
    if (supervisor ? userPage && (access == Trap.Access.FETCH || !sum) : !userPage) {
      return false;
    }
    long perm = permission(access);
    if (access == Trap.Access.LOAD && mxr) {
      perm |= PTE_X;
    }
    return (pte & perm) != 0;
  }

  private static long permission(Trap.Access access) {
    switch (access) {
      case FETCH:
        return PTE_X;
      case LOAD:
        return PTE_R;
      default:
        return PTE_W;
    }
  }

  static long vpn(long va, int level) {
    return (va >>> (12 + 9 * level)) & 0x1FF;
  }

  static long ppn(long pte) {
    return (pte & PTE_PPN_MASK) >>> 10;
  }
}
