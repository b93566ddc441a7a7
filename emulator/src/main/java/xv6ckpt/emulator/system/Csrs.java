package xv6ckpt.emulator.system;

/**
 * The machine- and supervisor-level CSRs of one hart (privileged spec, chapters 3 and 10, with Sstc
 * for {@code stimecmp}): their numbers, their fields and their state. Read/write rules live in
 * {@link CsrAccess}; traps and interrupts in {@link SystemHart}. satp and the privilege mode are
 * kept by the {@link xv6ckpt.emulator.Hart} itself, since translation reads them.
 *
 * <p>mstatus and sstatus are one register: sstatus reads and writes the bits of {@link
 * #SSTATUS_MASK}. mip is the OR of what software wrote ({@link #mipSoftware}: SSIP, STIP, SEIP),
 * the wires of the devices ({@link #mipWires}: MSIP, MTIP, MEIP from CLINT and PLIC, and SEIP from
 * the PLIC's supervisor context) and, with menvcfg.STCE, STIP = (time &ge; stimecmp).
 */
final class Csrs {

  // ---- CSR numbers
  static final int SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106;
  static final int SENVCFG = 0x10A, SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142;
  static final int STVAL = 0x143, SIP = 0x144, STIMECMP = 0x14D, SATP = 0x180;
  static final int MSTATUS = 0x300, MISA = 0x301, MEDELEG = 0x302, MIDELEG = 0x303;
  static final int MIE = 0x304, MTVEC = 0x305, MCOUNTEREN = 0x306, MENVCFG = 0x30A;
  static final int MCOUNTINHIBIT = 0x320, MSCRATCH = 0x340, MEPC = 0x341, MCAUSE = 0x342;
  static final int MTVAL = 0x343, MIP = 0x344, PMPCFG0 = 0x3A0, PMPCFG2 = 0x3A2;
  static final int PMPADDR0 = 0x3B0, PMPADDR15 = 0x3BF;
  static final int MCYCLE = 0xB00, MINSTRET = 0xB02, CYCLE = 0xC00, TIME = 0xC01, INSTRET = 0xC02;
  static final int MVENDORID = 0xF11, MARCHID = 0xF12, MIMPID = 0xF13, MHARTID = 0xF14;
  static final int MCONFIGPTR = 0xF15;

  // ---- mstatus fields
  static final long MSTATUS_SIE = 1L << 1, MSTATUS_MIE = 1L << 3;
  static final long MSTATUS_SPIE = 1L << 5, MSTATUS_MPIE = 1L << 7;
  static final long MSTATUS_SPP = 1L << 8;
  static final int MSTATUS_MPP_SHIFT = 11;
  static final long MSTATUS_MPP = 3L << MSTATUS_MPP_SHIFT;
  static final long MSTATUS_SUM = 1L << 18, MSTATUS_MXR = 1L << 19;
  static final long MSTATUS_TVM = 1L << 20, MSTATUS_TW = 1L << 21, MSTATUS_TSR = 1L << 22;

  /** UXL = SXL = 2: XLEN 64 in U and S, read-only. */
  static final long MSTATUS_XL = 2L << 32 | 2L << 34;

  /**
   * What M-mode may write. MPRV stays 0 (not implemented: xv6 never sets it); FS, VS, XS are 0 (no
   * F, D, V), so SD is 0 too.
   */
  static final long MSTATUS_WRITABLE =
      MSTATUS_SIE
          | MSTATUS_MIE
          | MSTATUS_SPIE
          | MSTATUS_MPIE
          | MSTATUS_SPP
          | MSTATUS_MPP
          | MSTATUS_SUM
          | MSTATUS_MXR
          | MSTATUS_TVM
          | MSTATUS_TW
          | MSTATUS_TSR;

  /** The sstatus view: SIE, SPIE, SPP, SUM, MXR writable; UXL readable. */
  static final long SSTATUS_WRITABLE =
      MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;

  static final long SSTATUS_MASK = SSTATUS_WRITABLE | 3L << 32;

  // ---- interrupts: bit numbers in mip/mie and the cause codes
  static final int IRQ_SSI = 1, IRQ_MSI = 3, IRQ_STI = 5, IRQ_MTI = 7, IRQ_SEI = 9, IRQ_MEI = 11;
  static final long SSIP = 1L << IRQ_SSI, MSIP = 1L << IRQ_MSI, STIP = 1L << IRQ_STI;
  static final long MTIP = 1L << IRQ_MTI, SEIP = 1L << IRQ_SEI, MEIP = 1L << IRQ_MEI;

  /** The supervisor interrupts: what mideleg may delegate, and the sie/sip view. */
  static final long S_INTERRUPTS = SSIP | STIP | SEIP;

  static final long ALL_INTERRUPTS = S_INTERRUPTS | MSIP | MTIP | MEIP;

  /** Bits the devices drive. */
  static final long WIRES = MSIP | MTIP | MEIP | SEIP;

  /** Decreasing priority, within M-level and within S-level interrupts (spec 3.1.9). */
  static final int[] PRIORITY = {IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI};

  // ---- exceptions: medeleg may delegate every implemented one but ecall from M (11)
  static final int CAUSE_ILLEGAL = 2, CAUSE_BREAKPOINT = 3;
  static final int CAUSE_ECALL_U = 8, CAUSE_ECALL_S = 9, CAUSE_ECALL_M = 11;
  static final long MEDELEG_WRITABLE = 0xB3FFL; // 0-9, 12, 13, 15

  static final long INTERRUPT = 1L << 63;

  /** misa: MXL 2 (64-bit), extensions A, C, I, M, S, U. */
  static final long MISA_VALUE =
      2L << 62
          | 1L << ('A' - 'A')
          | 1L << ('C' - 'A')
          | 1L << ('I' - 'A')
          | 1L << ('M' - 'A')
          | 1L << ('S' - 'A')
          | 1L << ('U' - 'A');

  /** menvcfg.STCE (Sstc): stimecmp is on and drives STIP. */
  static final long MENVCFG_STCE = 1L << 63;

  /** The counter-enable bits of cycle, time, instret. */
  static final long COUNTERS = 7;

  // ---- state (reset values: everything 0, mstatus with its read-only XLEN fields)
  long mstatus = MSTATUS_XL;
  long medeleg, mideleg, mie, mipSoftware, mipWires;
  long mtvec, stvec, mepc, sepc, mcause, scause, mtval, stval, mscratch, sscratch;
  long mcounteren, scounteren, menvcfg, senvcfg;
  long stimecmp = -1L; // never, until written
  long pmpcfg0, pmpcfg2;
  final long[] pmpaddr = new long[16];

  /** Added to the retired-instruction count for mcycle and minstret (written by M-mode). */
  long cycleOffset, instretOffset;

  /** Whether Sstc's timer is on. */
  boolean stce() {
    return (menvcfg & MENVCFG_STCE) != 0;
  }

  /** mip as software reads it at {@code time}. */
  long mip(long time) {
    long stip = stce() && Long.compareUnsigned(time, stimecmp) >= 0 ? STIP : 0;
    return mipSoftware | mipWires | stip;
  }

  /** mstatus.MPP, the mode mret returns to. */
  int mpp() {
    return (int) ((mstatus & MSTATUS_MPP) >>> MSTATUS_MPP_SHIFT);
  }

  /** The state as one array (a snapshot keeps it; never changed afterwards). */
  long[] save() {
    long[] f = {
      mstatus,
      medeleg,
      mideleg,
      mie,
      mipSoftware,
      mipWires,
      mtvec,
      stvec,
      mepc,
      sepc,
      mcause,
      scause,
      mtval,
      stval,
      mscratch,
      sscratch,
      mcounteren,
      scounteren,
      menvcfg,
      senvcfg,
      stimecmp,
      pmpcfg0,
      pmpcfg2,
      cycleOffset,
      instretOffset
    };
    long[] s = new long[f.length + pmpaddr.length];
    System.arraycopy(f, 0, s, 0, f.length);
    System.arraycopy(pmpaddr, 0, s, f.length, pmpaddr.length);
    return s;
  }

  /** Puts back a state {@link #save} returned, in the same order. */
  void restore(long[] s) {
    int i = 0;
    mstatus = s[i++];
    medeleg = s[i++];
    mideleg = s[i++];
    mie = s[i++];
    mipSoftware = s[i++];
    mipWires = s[i++];
    mtvec = s[i++];
    stvec = s[i++];
    mepc = s[i++];
    sepc = s[i++];
    mcause = s[i++];
    scause = s[i++];
    mtval = s[i++];
    stval = s[i++];
    mscratch = s[i++];
    sscratch = s[i++];
    mcounteren = s[i++];
    scounteren = s[i++];
    menvcfg = s[i++];
    senvcfg = s[i++];
    stimecmp = s[i++];
    pmpcfg0 = s[i++];
    pmpcfg2 = s[i++];
    cycleOffset = s[i++];
    instretOffset = s[i++];
    System.arraycopy(s, i, pmpaddr, 0, pmpaddr.length);
  }
}
