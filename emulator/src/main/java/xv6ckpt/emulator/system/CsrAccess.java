package xv6ckpt.emulator.system;

import static xv6ckpt.emulator.system.Csrs.*;

import xv6ckpt.emulator.Hart;

/**
 * Who may access which CSR, what a read returns and what a write keeps (privileged spec 2.1 for the
 * address rules: bits 11..10 = 3 is read-only, bits 9..8 the lowest privilege that may access it).
 * Every refusal is the caller's illegal-instruction trap, never an exception.
 */
final class CsrAccess {
  private CsrAccess() {}

  /**
   * Whether the hart may access {@code csr} from its current mode, writing it if {@code write}.
   * Unknown CSRs, too little privilege, writes to read-only CSRs, satp under TVM, counters their
   * enables hide and stimecmp without Sstc enabled are all refused.
   */
  static boolean allowed(SystemHart h, int csr, boolean write) {
    int priv = h.hart.privilege();
    if (!exists(csr) || priv < ((csr >>> 8) & 3) || (write && (csr >>> 10) == 3)) {
      return false;
    }
    Csrs c = h.csrs;
    switch (csr) {
      case SATP:
        return !(priv == Hart.PRIV_S && (c.mstatus & MSTATUS_TVM) != 0);
      case CYCLE:
      case TIME:
      case INSTRET:
        return counterEnabled(c, priv, csr - CYCLE);
      case STIMECMP:
        return priv == Hart.PRIV_M || (c.stce() && (c.mcounteren & 2) != 0);
      default:
        return true;
    }
  }

  private static boolean counterEnabled(Csrs c, int priv, int bit) {
    if (priv == Hart.PRIV_M) return true;
    boolean m = (c.mcounteren >>> bit & 1) != 0;
    return priv == Hart.PRIV_S ? m : m && (c.scounteren >>> bit & 1) != 0;
  }

  private static boolean exists(int csr) {
    switch (csr) {
      case SSTATUS,
      SIE,
      STVEC,
      SCOUNTEREN,
      SENVCFG,
      SSCRATCH,
      SEPC,
      SCAUSE,
      STVAL,
      SIP,
      STIMECMP,
      SATP,
      MSTATUS,
      MISA,
      MEDELEG,
      MIDELEG,
      MIE,
      MTVEC,
      MCOUNTEREN,
      MENVCFG,
      MCOUNTINHIBIT,
      MSCRATCH,
      MEPC,
      MCAUSE,
      MTVAL,
      MIP,
      PMPCFG0,
      PMPCFG2,
      MCYCLE,
      MINSTRET,
      CYCLE,
      TIME,
      INSTRET,
      MVENDORID,
      MARCHID,
      MIMPID,
      MHARTID,
      MCONFIGPTR:
        return true;
      default:
        return csr >= PMPADDR0 && csr <= PMPADDR15;
    }
  }

  /** The value of an allowed CSR. */
  static long read(SystemHart h, int csr) {
    Csrs c = h.csrs;
    long instret = h.retired(); // also from the fast path, inside the hart's run
    switch (csr) {
      case SSTATUS:
        return c.mstatus & SSTATUS_MASK;
      case SIE:
        return c.mie & c.mideleg;
      case SIP:
        return c.mip(h.time()) & c.mideleg;
      case STVEC:
        return c.stvec;
      case SCOUNTEREN:
        return c.scounteren;
      case SENVCFG:
        return c.senvcfg;
      case SSCRATCH:
        return c.sscratch;
      case SEPC:
        return c.sepc;
      case SCAUSE:
        return c.scause;
      case STVAL:
        return c.stval;
      case STIMECMP:
        return c.stimecmp;
      case SATP:
        return h.hart.satp();
      case MSTATUS:
        return c.mstatus;
      case MISA:
        return MISA_VALUE;
      case MEDELEG:
        return c.medeleg;
      case MIDELEG:
        return c.mideleg;
      case MIE:
        return c.mie;
      case MIP:
        return c.mip(h.time());
      case MTVEC:
        return c.mtvec;
      case MCOUNTEREN:
        return c.mcounteren;
      case MENVCFG:
        return c.menvcfg;
      case MSCRATCH:
        return c.mscratch;
      case MEPC:
        return c.mepc;
      case MCAUSE:
        return c.mcause;
      case MTVAL:
        return c.mtval;
      case PMPCFG0:
        return c.pmpcfg0;
      case PMPCFG2:
        return c.pmpcfg2;
      case MCYCLE:
      case CYCLE:
        return instret + c.cycleOffset;
      case MINSTRET:
      case INSTRET:
        return instret + c.instretOffset;
      case TIME:
        return h.time();
      case MHARTID:
        return h.hartId;
      default: // pmpaddr0..15; mcountinhibit, mvendorid, marchid, mimpid, mconfigptr read 0
        return csr >= PMPADDR0 && csr <= PMPADDR15 ? c.pmpaddr[csr - PMPADDR0] : 0;
    }
  }

  /**
   * Writes an allowed, writable CSR; WARL fields keep only legal values. Returns true if the
   * translation context (SUM, MXR) or satp changed, so the hart must hear of it.
   */
  static boolean write(SystemHart h, int csr, long v) {
    Csrs c = h.csrs;
    switch (csr) {
      case SSTATUS:
        return setMstatus(c, (c.mstatus & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE));
      case MSTATUS:
        return setMstatus(c, v);
      case SIE:
        c.mie = (c.mie & ~c.mideleg) | (v & c.mideleg);
        return false;
      case SIP: // only SSIP is writable through sip, and only when delegated
        long w = SSIP & c.mideleg;
        c.mipSoftware = (c.mipSoftware & ~w) | (v & w);
        return false;
      case MIE:
        c.mie = v & ALL_INTERRUPTS;
        return false;
      case MIP: // SSIP, STIP (unless Sstc drives it) and SEIP; the rest are wires
        long mw = c.stce() ? SSIP | SEIP : S_INTERRUPTS;
        c.mipSoftware = (c.mipSoftware & ~mw) | (v & mw);
        return false;
      case MIDELEG:
        c.mideleg = v & S_INTERRUPTS;
        return false;
      case MEDELEG:
        c.medeleg = v & MEDELEG_WRITABLE;
        return false;
      case STVEC:
        c.stvec = tvec(v);
        return false;
      case MTVEC:
        c.mtvec = tvec(v);
        return false;
      case SEPC:
        c.sepc = v & ~1L;
        return false;
      case MEPC:
        c.mepc = v & ~1L;
        return false;
      case SATP:
        return h.writeSatp(v);
      default:
        writePlain(h, csr, v);
        return false;
    }
  }

  /** The CSRs that keep what is written (within their fields). */
  private static void writePlain(SystemHart h, int csr, long v) {
    Csrs c = h.csrs;
    long instret = h.hart.instret() + 1; // the writing instruction retires before the new value
    switch (csr) {
      case SCOUNTEREN -> c.scounteren = v & COUNTERS;
      case MCOUNTEREN -> c.mcounteren = v & COUNTERS;
      case SENVCFG -> c.senvcfg = 0; // no fields implemented
      case MENVCFG -> c.menvcfg = v & MENVCFG_STCE;
      case SSCRATCH -> c.sscratch = v;
      case MSCRATCH -> c.mscratch = v;
      case SCAUSE -> c.scause = v;
      case MCAUSE -> c.mcause = v;
      case STVAL -> c.stval = v;
      case MTVAL -> c.mtval = v;
      case STIMECMP -> c.stimecmp = v;
      case PMPCFG0 -> c.pmpcfg0 = v;
      case PMPCFG2 -> c.pmpcfg2 = v;
      case MCYCLE -> c.cycleOffset = v - instret;
      case MINSTRET -> c.instretOffset = v - instret;
      default -> {
        if (csr >= PMPADDR0 && csr <= PMPADDR15) {
          c.pmpaddr[csr - PMPADDR0] = v & ((1L << 54) - 1);
        } // mcountinhibit: no fields implemented
      }
    }
  }

  /** Keeps MODE Direct (0) or Vectored (1); a reserved MODE becomes Direct. */
  private static long tvec(long v) {
    return (v & 3) <= 1 ? v : v & ~3L;
  }

  /** Writes mstatus within its writable fields; MPP 2 (reserved) keeps the old MPP. */
  private static boolean setMstatus(Csrs c, long v) {
    long old = c.mstatus;
    long next = (v & MSTATUS_WRITABLE) | MSTATUS_XL;
    if ((next & MSTATUS_MPP) == 2L << MSTATUS_MPP_SHIFT) {
      next = (next & ~MSTATUS_MPP) | (old & MSTATUS_MPP);
    }
    c.mstatus = next;
    return ((old ^ next) & (MSTATUS_SUM | MSTATUS_MXR)) != 0;
  }
}
