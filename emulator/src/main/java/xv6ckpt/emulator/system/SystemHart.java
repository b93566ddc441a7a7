package xv6ckpt.emulator.system;

import static xv6ckpt.emulator.system.Csrs.*;

import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.dev.Bus;

/**
 * A hart with M, S and U modes: a {@link Hart} in system mode, whose every {@link Trap} is taken
 * here architecturally (privileged spec 3.1.6-3.1.9, 3.3, 10.1), plus its {@link Csrs}.
 *
 * <p>The user-mode hart does the instructions; it stops on anything privileged (CSR accesses and
 * counter reads, mret, sret, wfi, sfence.vma decode as illegal there), and this class either
 * performs it, when the current mode may, or takes the illegal-instruction exception. So the hot
 * loop and the translation tier run unchanged in every mode; a privileged instruction costs an
 * exit.
 *
 * <p>Time. The machine's clock counts <em>steps</em>: one per retired instruction and one per trap
 * taken (so a hart stuck taking exceptions still moves time on and a bounded run ends). {@link
 * #run} is told the time it starts at; {@code time} and Sstc's {@code stimecmp} compare against
 * that plus the steps made since. Interrupts are sampled between instructions: before each
 * instruction this class runs itself (a trap or emulated instruction), whenever the hart stops
 * after a device access, and at the stimecmp deadline, to which every slice of the run is cut. That
 * is exactly when pending-and-enabled can change, so interrupts are taken at the first instruction
 * boundary at which they are pending and enabled, however a run is split.
 */
public final class SystemHart {

  final Hart hart;
  final Csrs csrs = new Csrs();
  final int hartId;

  /** After wfi, until an interrupt is pending and enabled in mie. */
  private boolean waiting;

  /** Whether {@link #run} ends at the user boundary (see {@link #watchUserBoundary}). */
  private boolean watchBoundary;

  /** The user boundary the last {@link #run} ended at, when watched; null if none. */
  private UserBoundary boundary;

  /** Traps taken (steps that retire nothing). */
  private long traps;

  /** time = timeBase + steps(); set by {@link #run}. */
  private long timeBase;

  private static final int MRET = 0x30200073, SRET = 0x10200073, WFI = 0x10500073;

  public SystemHart(PhysicalMemory memory, Bus bus, int hartId) {
    this.hart = new Hart(memory);
    this.hartId = hartId;
    hart.enableSystemMode(bus);
    hart.setPrivilege(Hart.PRIV_M, false, false);
    setCsrFastPath(!"off".equals(System.getProperty(FAST_PROPERTY, "on")));
  }

  /** System property: "off" makes every privileged instruction end the hart's run (A/B runs). */
  public static final String FAST_PROPERTY = "xv6ckpt.csrfast";

  /**
   * Whether CSR accesses that cannot change what the run loop watches (see {@link #fastCsr}) are
   * performed inside the hart's run instead of ending it. Either way a run is the same instruction
   * for instruction; on is only faster (xv6's scheduler toggles sstatus.SIE in a tight loop).
   */
  public void setCsrFastPath(boolean on) {
    hart.setPrivilegedFastPath(on ? this::fastCsr : null);
  }

  /**
   * The two architectural edges of user mode a harness watches to observe any kernel from outside:
   * an environment call taken from U-mode (cause 8; the trap is taken, so the registers are still
   * the user's and pc is the handler's), and an xRET that enters U-mode (pc is the user's).
   */
  public enum UserBoundary {
    ECALL_FROM_U,
    RETURN_TO_U
  }

  /**
   * With {@code on}, {@link #run} ends right after this hart crosses a {@link UserBoundary} (read
   * it with {@link #takeUserBoundary}). Off by default; it is looked at only where a trap is taken
   * or an xRET performed, never in the instruction loop, so off costs nothing. Stopping there is a
   * split of the run like any other: the machine's steps are the same with it on or off.
   */
  public void watchUserBoundary(boolean on) {
    watchBoundary = on;
  }

  /**
   * Where the last boundary was crossed: the ecall's own address for {@link
   * UserBoundary#ECALL_FROM_U}, the user pc entered for {@link UserBoundary#RETURN_TO_U}.
   */
  public long boundaryPc() {
    return boundaryPc;
  }

  private long boundaryPc;

  /** The boundary the last run ended at, or null; clears it. */
  public UserBoundary takeUserBoundary() {
    UserBoundary b = boundary;
    boundary = null;
    return b;
  }

  /** The hart underneath: registers, pc, satp, privilege. */
  public Hart hart() {
    return hart;
  }

  public int hartId() {
    return hartId;
  }

  /** Retired instructions plus traps taken: this hart's contribution to the clock. */
  public long steps() {
    return hart.instret() + traps;
  }

  /** The time now, during or after a {@link #run} (also from a device the hart is accessing). */
  long time() {
    return timeBase + retired() + traps;
  }

  /**
   * Instructions retired so far, also inside {@link Hart#run} (from a device access or the CSR fast
   * path), where {@link Hart#instret} is only brought up to date when the run returns.
   */
  long retired() {
    return inHartRun ? hart.instretAtDeviceAccess() : hart.instret();
  }

  /** Inside {@link Hart#run}, whose instret is only brought up to date when it returns. */
  private boolean inHartRun;

  public boolean waiting() {
    return waiting;
  }

  /**
   * A waiting hart wakes when an interrupt is pending and enabled in mie (whatever MIE/SIE say).
   */
  public boolean wakeable(long now) {
    return (csrs.mip(now) & csrs.mie) != 0;
  }

  /** The first time after {@code now} at which Sstc's timer fires, or Long.MAX_VALUE. */
  public long nextTimerEvent(long now) {
    long cmp = csrs.stimecmp; // unsigned; beyond Long.MAX_VALUE is never, for this clock
    return csrs.stce() && cmp > now ? cmp : Long.MAX_VALUE;
  }

  /** Sets or clears a device-driven bit of mip (MSIP, MTIP, MEIP, SEIP). */
  public void setWire(long bit, boolean level) {
    if ((bit & ~WIRES) != 0 || Long.bitCount(bit) != 1) {
      throw new IllegalArgumentException("mip bit 0x" + Long.toHexString(bit) + " is not a wire");
    }
    csrs.mipWires = level ? csrs.mipWires | bit : csrs.mipWires & ~bit;
  }

  /**
   * Runs from time {@code now} for at most {@code budget} steps; stops early when the hart waits
   * (wfi) with nothing to wake it, and right after an access to a device (which may have changed
   * its next timed event or another hart's wires). Returns the steps made.
   */
  public long run(long now, long budget) {
    long start = steps();
    timeBase = now - start;
    for (long done = 0; done < budget; done = steps() - start) {
      if (waiting) {
        if (!wakeable(time())) break;
        waiting = false;
      }
      int irq = pendingInterrupt();
      if (irq >= 0) {
        takeTrap(INTERRUPT | irq, 0);
        continue;
      }
      long slice = Math.min(budget - done, untilTimer());
      long before = hart.instret();
      inHartRun = true;
      Trap t;
      try {
        t = hart.run(slice);
      } finally {
        inHartRun = false;
      }
      if (!(t instanceof Trap.Timer)) {
        take(t);
        if (boundary != null) break;
      } else if (hart.instret() - before < slice) {
        break; // a device was accessed: its next event may have moved, the machine must look
      }
    }
    return steps() - start;
  }

  /** Steps until stimecmp fires, at least 1; Long.MAX_VALUE when it is not armed. */
  private long untilTimer() {
    long t = time();
    long e = nextTimerEvent(t);
    return e == Long.MAX_VALUE ? Long.MAX_VALUE : e - t;
  }

  /** Performs what the user-mode hart stopped at: a privileged instruction, or an exception. */
  private void take(Trap t) {
    if (t instanceof Trap.IllegalInstruction ii && execute((int) ii.bits())) {
      return;
    }
    if (t instanceof Trap.Ecall) {
      int from = hart.privilege();
      long pc = hart.pc();
      takeTrap(CAUSE_ECALL_U + from, 0); // 8, 9 or 11 by the mode it came from
      if (watchBoundary && from == Hart.PRIV_U) {
        boundary = UserBoundary.ECALL_FROM_U;
        boundaryPc = pc;
      }
    } else {
      takeTrap(t.cause(), t.tval());
    }
  }

  // ---------------------------------------------------------------- interrupts and traps

  /**
   * The interrupt to take now, or -1: M-level ones (not delegated) first, enabled below M or with
   * MIE; then S-level ones (delegated), enabled in U or in S with SIE, never in M. Within a level,
   * {@link Csrs#PRIORITY}.
   */
  int pendingInterrupt() {
    return pendingInterrupt(time());
  }

  /** {@link #pendingInterrupt()} at time {@code now}. */
  private int pendingInterrupt(long now) {
    long pend = csrs.mip(now) & csrs.mie;
    if (pend == 0) return -1;
    int priv = hart.privilege();
    long m = pend & ~csrs.mideleg;
    if (m != 0 && (priv < Hart.PRIV_M || (csrs.mstatus & MSTATUS_MIE) != 0)) {
      return highest(m);
    }
    long s = pend & csrs.mideleg;
    boolean sOn = priv == Hart.PRIV_U || (priv == Hart.PRIV_S && (csrs.mstatus & MSTATUS_SIE) != 0);
    return s != 0 && sOn ? highest(s) : -1;
  }

  private static int highest(long set) {
    for (int irq : PRIORITY) {
      if ((set >>> irq & 1) != 0) return irq;
    }
    throw new IllegalStateException("no interrupt in 0x" + Long.toHexString(set));
  }

  /**
   * Takes a trap at the current pc: to S if it comes from S or U and is delegated, else to M. Saves
   * pc, cause, tval and the interrupt-enable and mode into the target mode's CSRs, disables its
   * interrupts and jumps to its vector (base + 4 cause for interrupts in Vectored mode).
   */
  void takeTrap(long cause, long tval) {
    boolean interrupt = cause < 0;
    int code = (int) (cause & 63);
    int from = hart.privilege();
    long deleg = interrupt ? csrs.mideleg : csrs.medeleg;
    long pc = hart.pc();
    long st = csrs.mstatus;
    long tvec;
    int to;
    if (from <= Hart.PRIV_S && (deleg >>> code & 1) != 0) {
      to = Hart.PRIV_S;
      csrs.scause = cause;
      csrs.sepc = pc;
      csrs.stval = tval;
      st = set(st, MSTATUS_SPIE, (st & MSTATUS_SIE) != 0);
      st = set(st & ~MSTATUS_SIE, MSTATUS_SPP, from == Hart.PRIV_S);
      tvec = csrs.stvec;
    } else {
      to = Hart.PRIV_M;
      csrs.mcause = cause;
      csrs.mepc = pc;
      csrs.mtval = tval;
      st = set(st, MSTATUS_MPIE, (st & MSTATUS_MIE) != 0);
      st = (st & ~MSTATUS_MIE & ~MSTATUS_MPP) | (long) from << MSTATUS_MPP_SHIFT;
      tvec = csrs.mtvec;
    }
    csrs.mstatus = st;
    traps++;
    setMode(to);
    long base = tvec & ~3L;
    hart.setPc(interrupt && (tvec & 3) == 1 ? base + 4L * code : base);
  }

  private static long set(long v, long bit, boolean on) {
    return on ? v | bit : v & ~bit;
  }

  /** Enters mode {@code priv}: the hart translates for it, with mstatus's SUM and MXR. */
  private void setMode(int priv) {
    long st = csrs.mstatus;
    hart.setPrivilege(priv, (st & MSTATUS_SUM) != 0, (st & MSTATUS_MXR) != 0);
  }

  // ---------------------------------------------------------------- privileged instructions

  /**
   * Performs the SYSTEM instruction {@code bits} if it is one this layer implements and the mode
   * may execute it: retires it and returns true. Otherwise returns false: an illegal instruction.
   */
  private boolean execute(int bits) {
    if ((bits & 0x7F) != 0x73) return false;
    int f3 = (bits >>> 12) & 7;
    if (f3 != 0) {
      return f3 != 4 && csrInstruction(bits, f3);
    }
    int priv = hart.privilege();
    boolean tsr = (csrs.mstatus & MSTATUS_TSR) != 0;
    boolean tvm = (csrs.mstatus & MSTATUS_TVM) != 0;
    boolean tw = (csrs.mstatus & MSTATUS_TW) != 0;
    if (bits == MRET && priv == Hart.PRIV_M) {
      mret();
    } else if (bits == SRET && (priv == Hart.PRIV_M || (priv == Hart.PRIV_S && !tsr))) {
      sret();
    } else if (bits == WFI && (priv == Hart.PRIV_M || (priv == Hart.PRIV_S && !tw))) {
      waiting = true;
      retireAt(hart.pc() + 4);
    } else if (isSfenceVma(bits) && (priv == Hart.PRIV_M || (priv == Hart.PRIV_S && !tvm))) {
      hart.sfenceVma();
      retireAt(hart.pc() + 4);
    } else {
      return false;
    }
    return true;
  }

  private static boolean isSfenceVma(int bits) {
    return (bits >>> 25) == 0x09 && ((bits >>> 7) & 0x1F) == 0;
  }

  private void retireAt(long nextPc) {
    hart.setInstret(hart.instret() + 1);
    hart.setPc(nextPc);
  }

  /** mret: back to MPP with MIE = MPIE; MPIE = 1, MPP = U. */
  private void mret() {
    int to = csrs.mpp();
    long st = csrs.mstatus;
    st = set(st, MSTATUS_MIE, (st & MSTATUS_MPIE) != 0) | MSTATUS_MPIE;
    csrs.mstatus = st & ~MSTATUS_MPP;
    long pc = csrs.mepc;
    retireAt(pc);
    setMode(to);
    enteredMode(to);
  }

  private void enteredMode(int to) {
    if (watchBoundary && to == Hart.PRIV_U) {
      boundary = UserBoundary.RETURN_TO_U;
      boundaryPc = hart.pc();
    }
  }

  /** sret: back to SPP with SIE = SPIE; SPIE = 1, SPP = U. */
  private void sret() {
    int to = (csrs.mstatus & MSTATUS_SPP) != 0 ? Hart.PRIV_S : Hart.PRIV_U;
    long st = csrs.mstatus;
    st = set(st, MSTATUS_SIE, (st & MSTATUS_SPIE) != 0) | MSTATUS_SPIE;
    csrs.mstatus = st & ~MSTATUS_SPP;
    retireAt(csrs.sepc);
    setMode(to);
    enteredMode(to);
  }

  /**
   * CSRRW/S/C and their immediate forms. RS and RC with x0 (or uimm 0) do not write, so they may
   * read read-only CSRs; every other refusal is {@link CsrAccess#allowed}'s.
   */
  private boolean csrInstruction(int bits, int f3) {
    int csr = bits >>> 20;
    int rd = (bits >>> 7) & 31;
    int field = (bits >>> 15) & 31;
    long src = f3 >= 5 ? field : hart.x(field);
    int kind = f3 & 3; // 1 RW, 2 RS, 3 RC
    boolean write = kind == 1 || field != 0;
    if (!CsrAccess.allowed(this, csr, write)) {
      return false;
    }
    long old = CsrAccess.read(this, csr);
    boolean contextChanged = false;
    if (write) {
      long v = kind == 1 ? src : kind == 2 ? old | src : old & ~src;
      contextChanged = CsrAccess.write(this, csr, v);
    }
    hart.setX(rd, old);
    retireAt(hart.pc() + 4);
    if (contextChanged) {
      setMode(hart.privilege());
    }
    return true;
  }

  /**
   * The fast path, called from inside {@link Hart#run} (see {@link Hart.PrivilegedFastPath}):
   * performs a CSR instruction if it is allowed and changes nothing the run loop of {@link #run}
   * looks at between slices, so that continuing the slice is what stopping and resuming would do.
   * That is any read, and writes of the trap-handling CSRs and of mstatus/sstatus unless SUM or MXR
   * change or an interrupt becomes deliverable (then the write is undone and the instruction takes
   * the ordinary path). Writes of satp, mie/sie, mip/sip, mideleg, stimecmp, menvcfg, counters and
   * the rest always take the ordinary path. Returns false, having changed nothing, to decline.
   */
  private boolean fastCsr(int bits) {
    int f3 = (bits >>> 12) & 7;
    if ((bits & 0x7F) != 0x73 || f3 == 0 || f3 == 4) {
      return false; // mret, sret, wfi, sfence.vma and the rest change the mode or the schedule
    }
    int csr = bits >>> 20;
    int field = (bits >>> 15) & 31;
    int kind = f3 & 3; // 1 RW, 2 RS, 3 RC
    boolean write = kind == 1 || field != 0;
    if ((write && !fastWritable(csr)) || !CsrAccess.allowed(this, csr, write)) {
      return false; // a refusal is a trap: the ordinary path takes it
    }
    // Once this instruction retires (time + 1) an interrupt may be due anyway, at a slice's end:
    // leave that write to the ordinary path, so that below only mstatus can have made one due.
    if (write && pendingInterrupt(time() + 1) >= 0) {
      return false;
    }
    long old = CsrAccess.read(this, csr);
    if (write) {
      long src = f3 >= 5 ? field : hart.x(field);
      long v = kind == 1 ? src : kind == 2 ? old | src : old & ~src;
      long mstatus = csrs.mstatus;
      if (CsrAccess.write(this, csr, v) || pendingInterrupt(time() + 1) >= 0) {
        csrs.mstatus = mstatus; // only an mstatus write gets here: undo it
        return false;
      }
    }
    hart.setX((bits >>> 7) & 31, old);
    return true;
  }

  /** CSRs whose writes cannot change the privilege, translation, timers or interrupt wiring. */
  private static boolean fastWritable(int csr) {
    switch (csr) {
      case SSTATUS, MSTATUS, SSCRATCH, MSCRATCH, SEPC, MEPC, SCAUSE, MCAUSE, STVAL, MTVAL:
        return true;
      default:
        return false;
    }
  }

  /** satp is WARL: a MODE other than Bare or Sv39 leaves it unchanged; no ASID bits. */
  boolean writeSatp(long v) {
    long mode = v >>> 60;
    if (mode != 0 && mode != 8) {
      return false;
    }
    hart.setSatp(v & ~(0xFFFFL << 44)); // flushes the TLBs
    return false;
  }

  // ---------------------------------------------------------------- snapshots

  /** Everything architectural of this hart, as an immutable value. */
  public record State(
      long[] x,
      long pc,
      long instret,
      long satp,
      int priv,
      long[] csrs,
      boolean waiting,
      long traps,
      long reservation) {}

  public State save() {
    long[] x = new long[32];
    hart.registers(x);
    return new State(
        x,
        hart.pc(),
        hart.instret(),
        hart.satp(),
        hart.privilege(),
        csrs.save(),
        waiting,
        traps,
        hart.reservationState());
  }

  public void restore(State s) {
    hart.setRegisters(s.x());
    hart.setPc(s.pc());
    hart.setInstret(s.instret());
    hart.setSatp(s.satp());
    csrs.restore(s.csrs());
    waiting = s.waiting();
    traps = s.traps();
    boundary = null;
    setMode(s.priv());
    hart.setReservationState(s.reservation()); // after setSatp and setMode, which flush TLBs
  }
}
