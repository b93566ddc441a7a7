package xv6ckpt.emulator;

import static xv6ckpt.emulator.PhysicalMemory.INT;
import static xv6ckpt.emulator.PhysicalMemory.LONG;
import static xv6ckpt.emulator.PhysicalMemory.SHORT;

import xv6ckpt.emulator.Trap.Access;
import xv6ckpt.emulator.dev.Bus;

/**
 * One RV64IMAC hart in user mode: 32 integer registers, pc, the instret counter, satp, and an
 * interpreter ({@link #run}) over a {@link PhysicalMemory}. By default there is no supervisor mode:
 * the kernel is Java code that calls {@code run}, receives a {@link Trap} value, handles it and
 * calls {@code run} again. In system mode ({@link #enableSystemMode}) the same loop serves {@link
 * xv6ckpt.emulator.system.SystemHart}, which takes those traps architecturally in M and S; here
 * that adds only the privilege mode translations are made for, counter reads returned as traps, and
 * loads and stores outside RAM sent to a device bus.
 *
 * <p>Contract of {@link #run}: executes until an instruction traps or {@code budget} instructions
 * have retired. Traps are precise: the trapping instruction does not retire and changes no
 * register, no memory (not even a PTE's A/D bits) and not pc. {@link #instret()} counts retired
 * instructions exactly, so {@code run(k)} stops after exactly k of them and runs split at any
 * points behave the same as one run.
 *
 * <p>Caches, none of them architectural (each can be ignored when reading the semantics):
 *
 * <ul>
 *   <li>{@link DecodedPage}s, held by the memory and kept coherent with it (see there);
 *   <li>two {@link Tlb}s: fetch, and data with a load and a store half. A store entry exists only
 *       for a page that is already dirty, is not known to be zero, holds no decoded code and holds
 *       no LR reservation, so a store that hits it needs no bookkeeping. Entries are dropped by
 *       {@link #sfenceVma()}, {@link #setSatp}, and (through {@link PhysicalMemory#epoch}) by
 *       snapshots, resets, new code pages and pages zeroed again;
 *   <li>{@link Translation}s of hot loops, held by their {@link DecodedPage} ({@link Translator};
 *       {@link #setTranslation}): {@link #run} enters one at a slot where nothing is charged, and
 *       it hands back to the interpreter anything but ALU, M, branches, jumps and TLB-hit loads and
 *       stores, so it keeps this contract by construction.
 * </ul>
 *
 * <p>Misaligned loads and stores are performed, also across a page boundary: both pages are
 * translated before anything is written, and a fault on either faults the whole access, with tval
 * the first faulting byte's address (the access's own address, or the start of the second page).
 * Misaligned atomics trap ({@link RvA}).
 *
 * <p>Layout of this file: architectural state and its API; the interpreter ({@link #run} over
 * {@link #interpret}); fetch, translation, loads and stores off the hot path; LR/SC.
 */
public final class Hart {

  private final PhysicalMemory memory;
  private final byte[] ram;

  // ---- architectural state
  /** x0..x31, then {@link Insn#X_SINK} where writes to x0 go (never read); x[0] is always 0. */
  private final long[] x = new long[33];

  /**
   * {@link #interpret}'s copy of the registers (slots 32..63 only take writes: the sink and what a
   * 6-bit rd mask can reach, never read). One array per hart, not one per call: a run of bench_sort
   * 2 enters interpret some 475,000 times (after every exit of translated code), and a new 528-byte
   * array each time made 250 MB of garbage and two young collections, and costs the code that runs
   * before C2 has compiled interpret in full (issue 14: a one-shot sort's main-thread CPU fell by a
   * fifth; emulator/README.md, Performance).
   */
  private final long[] xl = new long[64];

  private long pc = PhysicalMemory.BASE;
  private long instret;
  private long satp;

  /** LR reservation: RAM offset and size in bytes; size 0 when there is none. */
  private int resOff;

  private int resSize;

  // ---- caches (not architectural)
  private final Tlb itlb = new Tlb(); // fetch: load half only
  private final Tlb dtlb = new Tlb();
  private final Sv39 mmu;

  /** The memory's epoch when the TLBs were last flushed. */
  private int seenEpoch;

  /** Where a 32-bit instruction that crosses into the next page is decoded to run once. */
  private final DecodedPage scratch = DecodedPage.empty();

  // ---- between the run loop and its slow paths
  /** The last fault of a slow path, turned into a Trap by the run loop, which knows pc. */
  private static final int PAGE_FAULT = 1, ACCESS_FAULT = 2, MISALIGNED = 3;

  private int faultKind;
  private Access faultAccess;
  private long faultAddr;

  /** Set when a store of this hart re-decoded cached code: the run loop ends its block. */
  private boolean codeWritten;

  // ---- translation tier (not architectural: on or off, a run is the same)
  private boolean translate = Translator.defaultOn();
  private int threshold = Translator.defaultThreshold();

  /** A slot whose heat exceeds this is hot; Integer.MAX_VALUE (never) with translation off. */
  private int hotLimit = translate ? threshold - 1 : Integer.MAX_VALUE;

  // ---- system mode (off by default: see enableSystemMode)
  /** Privilege modes, as the privileged spec encodes them (mstatus.MPP). */
  public static final int PRIV_U = 0, PRIV_S = 1, PRIV_M = 3;

  /** Counter reads trap to the caller (which knows time and the counter-enable CSRs). */
  private boolean system;

  private int priv = PRIV_U;

  /** Where physical accesses outside RAM go; null: they are access faults. */
  private Bus bus;

  /** Physical address outside RAM that the last failed translation reached, or -1. */
  private long ioPa = -1;

  /** The A/D update of that translation's leaf, written back if a device takes the access. */
  private long ioPteAddr = -1;

  private long ioPte;

  /** Set when a slow path accessed a device: the run loop stops after that instruction. */
  private boolean ioDone;

  /** Instructions retired before the slow path now running (instret is updated when run ends). */
  private long retiredBeforeSlow;

  public Hart(PhysicalMemory memory) {
    this.memory = memory;
    this.ram = memory.ram;
    this.mmu = new Sv39(memory);
    this.seenEpoch = memory.epoch;
  }

  /** The memory this hart runs on. */
  public PhysicalMemory memory() {
    return memory;
  }

  // ---------------------------------------------------------------- architectural state

  /** Register x{@code i} (x0 reads 0). */
  public long x(int i) {
    checkRegister(i);
    return x[i];
  }

  /** Sets register x{@code i}; writes to x0 are ignored. */
  public void setX(int i, long value) {
    checkRegister(i);
    if (i != 0) {
      x[i] = value;
    }
  }

  /** Copies x0..x31 into {@code dst[0 .. 32)} (a context switch saves them in one call). */
  public void registers(long[] dst) {
    if (dst.length < 32) {
      throw new IllegalArgumentException("register array of " + dst.length + " words, need 32");
    }
    System.arraycopy(x, 0, dst, 0, 32);
    dst[0] = 0;
  }

  /** Sets x1..x31 from {@code src[1 .. 32)}; src[0] is ignored, as a write to x0 is. */
  public void setRegisters(long[] src) {
    if (src.length < 32) {
      throw new IllegalArgumentException("register array of " + src.length + " words, need 32");
    }
    System.arraycopy(src, 1, x, 1, 31);
  }

  private static void checkRegister(int i) {
    if (i < 0 || i > 31) {
      throw new IllegalArgumentException("no register x" + i);
    }
  }

  public long pc() {
    return pc;
  }

  /** Sets pc; it must be even (IALIGN = 16 with the C extension). */
  public void setPc(long pc) {
    if ((pc & 1) != 0) {
      throw new IllegalArgumentException(String.format("pc 0x%x is not 2-byte aligned", pc));
    }
    this.pc = pc;
  }

  /** Instructions retired so far (also what cycle, time and instret read). */
  public long instret() {
    return instret;
  }

  public void setInstret(long n) {
    this.instret = n;
  }

  public long satp() {
    return satp;
  }

  /**
   * Sets satp: MODE in bits 63..60 (0 Bare: user va = pa; 8 Sv39), ASID in 59..44 (kept, not used:
   * every write flushes the TLBs), root page-table PPN in 43..0.
   */
  public void setSatp(long satp) {
    long mode = satp >>> 60;
    if (mode != Sv39.SATP_MODE_BARE && mode != Sv39.SATP_MODE_SV39) {
      throw new IllegalArgumentException(
          String.format("satp 0x%x: MODE %d is neither Bare (0) nor Sv39 (8)", satp, mode));
    }
    this.satp = satp;
    flushTlbs();
  }

  /** The kernel's sfence.vma: forget all cached translations. */
  public void sfenceVma() {
    flushTlbs();
  }

  // ---- guest coverage (issue 13): null = off; read by translated code too (Translator.coverage)
  xv6ckpt.emulator.cov.EdgeRecorder coverage;

  /**
   * Records every retired control transfer (branch taken or not, JAL, JALR) into {@code r}, or
   * nothing when null (the default). See {@link xv6ckpt.emulator.cov.EdgeMap}.
   */
  public void setCoverage(xv6ckpt.emulator.cov.EdgeRecorder r) {
    coverage = r;
  }

  /**
   * Turns the translation tier on or off ({@link Translator}; default on, or as the system property
   * {@value Translator#PROPERTY} says). Not architectural: a run has the same instructions,
   * registers, memory, traps and instret either way, only its speed differs.
   */
  public void setTranslation(boolean on) {
    translate = on;
    hotLimit = on ? threshold - 1 : Integer.MAX_VALUE;
  }

  public boolean translation() {
    return translate;
  }

  /**
   * Code entered at one place {@code n} times (as a jump target or a page entry) is translated
   * (default {@value Translator#DEFAULT_THRESHOLD}, or the system property {@value
   * Translator#THRESHOLD_PROPERTY}). Tests use 1 to translate everything they run.
   */
  public void setTranslationThreshold(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("translation threshold " + n + " must be at least 1");
    }
    threshold = n;
    setTranslation(translate);
  }

  /**
   * Turns system mode on: counter reads ({@code rdtime} ...) end the run as {@link
   * Trap.IllegalInstruction} with the bits of the equivalent {@code csrrs rd, csr, x0}, for the
   * privileged layer to emulate, and loads and stores whose physical address is outside RAM go to
   * {@code bus} (a device access ends the run after that instruction, as a {@link Trap.Timer} with
   * budget left, so the caller sees at once what the device changed). Everything else is as in user
   * mode: every trap is returned as a value, and the caller takes it architecturally.
   */
  public void enableSystemMode(Bus bus) {
    this.system = true;
    this.bus = bus;
  }

  public boolean systemMode() {
    return system;
  }

  /**
   * During a device access (a {@link xv6ckpt.emulator.dev.Mmio} call made from {@link #run}): the
   * instructions retired before the accessing one, which {@link #instret()} does not show until the
   * run returns. A device that reads the machine's time needs it.
   */
  public long instretAtDeviceAccess() {
    return retiredBeforeSlow;
  }

  /** The privilege mode loads, stores and fetches are made from ({@link #PRIV_U} by default). */
  public int privilege() {
    return priv;
  }

  /**
   * Sets the privilege mode and mstatus.SUM and MXR, everything a translation depends on besides
   * satp; flushes the TLBs (their entries were checked for the old mode). In {@link #PRIV_M} there
   * is no translation (no MPRV).
   */
  public void setPrivilege(int priv, boolean sum, boolean mxr) {
    if (priv != PRIV_U && priv != PRIV_S && priv != PRIV_M) {
      throw new IllegalArgumentException("no privilege mode " + priv);
    }
    if (priv != PRIV_U && !system) {
      throw new IllegalStateException("privilege mode " + priv + " needs system mode");
    }
    this.priv = priv;
    mmu.supervisor = priv == PRIV_S;
    mmu.sum = sum;
    mmu.mxr = mxr;
    flushTlbs();
  }

  /**
   * The LR reservation as one value, for machine snapshots: 0 when there is none, else its RAM
   * offset shifted left 8 bits, or'ed with its size.
   */
  public long reservationState() {
    return resSize == 0 ? 0 : (long) resOff << 8 | resSize;
  }

  /** Puts back a reservation {@link #reservationState} returned. */
  public void setReservationState(long state) {
    if (state == 0) {
      resSize = 0;
    } else {
      reserve((int) (state >>> 8), (int) (state & 0xFF));
    }
  }

  /** Drops any LR reservation (the kernel does it on a context switch). */
  public void clearReservation() {
    resSize = 0;
  }

  private void flushTlbs() {
    itlb.flush();
    dtlb.flush();
    seenEpoch = memory.epoch;
  }

  // ---------------------------------------------------------------- the interpreter

  /**
   * Runs at most {@code budget} instructions; returns why it stopped ({@link Trap.Timer} when the
   * budget is spent).
   *
   * <p>Two levels. {@link #interpret} runs instructions from one decoded page, with the budget
   * charged per basic block, and returns an EXIT_* code for anything it cannot do without a method
   * call; this loop does that (page lookup, slow paths, trap values) and calls it again. Invariant:
   * {@code left} is the budget not yet charged, minus the instructions of the current block that
   * were charged but will not run (negative only in a block cut short by the budget), so an exit at
   * slot s, whose block still holds blen[s] instructions from s on, gives back blen[s]: after a
   * trap there, left + blen[s] is exactly what the run did not use.
   */
  public Trap run(long budget) {
    if (budget < 0) {
      throw new IllegalArgumentException("negative instruction budget " + budget);
    }
    if (memory.epoch != seenEpoch) {
      flushTlbs();
    }
    runBudget = budget;
    long pc = this.pc;
    long left = budget;
    Trap stop;
    outer:
    for (; ; ) {
      if (left == 0) {
        stop = new Trap.Timer(pc);
        break;
      }
      DecodedPage page = fetchPage(pc);
      if (page == null) {
        stop = fault(pc);
        break;
      }
      long[] code = page.code;
      int[] blen = page.blen;
      long pageVa = pc & ~0xFFFL;
      int idx = (int) (pc & 0xFFF) >>> 1;
      // interpret() charges the block it starts in: add what is already paid for to left.
      long paid = 0;
      // At a slot where nothing is charged, run translated code if there is some (below).
      boolean tryTranslation = translate;
      for (; ; ) {
        if (tryTranslation) {
          tryTranslation = false;
          Translation t = hotTranslation(page, idx, pageVa);
          if (t != null && blen[idx] <= left) {
            int r = t.run(this, x, ram, dtlb.slots, pageVa, left, idx);
            left = exitLeft;
            if (r == Translation.EXIT_JUMP) {
              pc = exitPc;
              continue outer;
            }
            idx = r; // interpret from here (not the translation again: it just left here)
          }
        }
        curPage = page;
        curBlen = blen;
        curHeat = code == page.code ? page.heat : scratch.heat;
        curPageVa = pageVa;
        exitLeft = left + paid;
        int why = interpret(code, idx);
        idx = exitIdx;
        left = exitLeft;
        if (curBlen != blen) { // interpret went on into another page (or back, from scratch)
          page = curPage;
          code = page.code;
          blen = page.blen;
          pageVa = curPageVa;
        }
        long d = code[idx];
        pc = pageVa + (idx << 1);
        switch (why) {
          case EXIT_JUMP:
            pc = exitPc;
            continue outer;
          case EXIT_HOT: // a jump inside the page to a hot slot: nothing of it is charged
            code = page.code;
            blen = page.blen;
            paid = 0;
            tryTranslation = true;
            continue;
          case EXIT_SLOW:
            {
              int rest = blen[idx];
              retiredBeforeSlow = instret + budget - (left + rest);
              int status = slowPath(x, d, pageVa);
              if (status == SLOW_OK) {
                idx += Insn.halfwords(d);
                paid = blen[idx]; // the rest of the block was charged with it
                continue;
              }
              if (status == SLOW_CROSS) {
                code = scratch.code; // same pageVa and idx: only this slot is not PAGE_EXIT
                blen = scratch.blen;
                paid = 0;
                continue;
              }
              if (status == SLOW_IO) { // retired; stop so the caller sees the device's change
                left += rest - 1;
                pc += 2 * Insn.halfwords(d);
                stop = new Trap.Timer(pc);
                break outer;
              }
              if (status == SLOW_CODE_WRITTEN) {
                left += rest - 1; // retired; charge again from the next pc
                pc += 2 * Insn.halfwords(d);
                continue outer;
              }
              left += rest; // trapped (a CROSS has rest 0: nothing was charged)
              stop = fault(pc);
              break outer;
            }
          case EXIT_TIMER:
            if (left > 0) { // only a block cut short (left < 0) or a CROSS (left 0) stop here
              throw new IllegalStateException("block at pc 0x" + Long.toHexString(pc) + " overran");
            }
            left = 0;
            stop = new Trap.Timer(pc);
            break outer;
          default: // EXIT_TRAP: ecall, ebreak, illegal instruction, system-mode counter read
            if (privileged != null && performedInRun(d, budget - left - 1)) {
              pc += 2 * Insn.halfwords(d); // retired (it was charged); the slice goes on
              continue outer;
            }
            left += 1;
            stop = trapAt(pc, d);
            break outer;
        }
      }
    }
    this.pc = pc;
    this.instret += budget - left;
    return stop;
  }

  /**
   * Offers the SYSTEM instruction {@code d} (a CSR access or counter read that stopped the run) to
   * the {@link #setPrivilegedFastPath} handler, {@code retired} instructions into the run. True if
   * it performed the instruction, which then retires without ending the run.
   */
  private boolean performedInRun(long d, long retired) {
    int op = Insn.op(d);
    int bits;
    if (op == Zicsr.RDCOUNTER) {
      bits = Zicsr.readBits(d);
    } else if (op == Decoder.ILLEGAL) {
      bits = Insn.imm(d);
    } else {
      return false;
    }
    retiredBeforeSlow = instret + retired;
    return privileged.perform(bits);
  }

  /**
   * Performs, inside {@link #run}, a privileged instruction that changes nothing the run loop
   * depends on; see {@link #setPrivilegedFastPath}.
   */
  @FunctionalInterface
  public interface PrivilegedFastPath {
    /**
     * Performs the 32-bit instruction {@code bits} (its rd written through {@link #setX}) and
     * returns true, or changes nothing and returns false (the run then stops at it as an illegal
     * instruction, as without a handler). During the call {@link #instretAtDeviceAccess} is the
     * count retired before it; {@link #pc} and {@link #instret} are stale and must not be used.
     */
    boolean perform(int bits);
  }

  /** System mode only; null (the default) ends the run at every privileged instruction. */
  private PrivilegedFastPath privileged;

  /**
   * System mode: lets {@code handler} perform privileged instructions inside the run. It may only
   * accept an instruction that changes nothing but registers and CSRs the run does not read (no
   * privilege, satp, SUM/MXR, timer or interrupt change), so the run goes on exactly as if it had
   * stopped there and been resumed.
   */
  public void setPrivilegedFastPath(PrivilegedFastPath handler) {
    if (handler != null && !system) {
      throw new IllegalStateException("a privileged fast path needs system mode");
    }
    privileged = handler;
  }

  /** The Trap for the decoded instruction {@code d} at pc that traps by its nature. */
  private static Trap trapAt(long pc, long d) {
    switch (Insn.op(d)) {
      case RvI.ECALL:
        return new Trap.Ecall(pc);
      case RvI.EBREAK:
        return new Trap.Breakpoint(pc);
      case Zicsr.RDCOUNTER: // system mode: csrrs rd, csr, x0, for the privileged layer
        return new Trap.IllegalInstruction(pc, Zicsr.readBits(d) & 0xFFFF_FFFFL);
      default:
        return new Trap.IllegalInstruction(pc, Insn.imm(d) & 0xFFFF_FFFFL);
    }
  }

  // Why interpret returned; it leaves idx in exitIdx (and pc in exitPc). exitLeft holds the
  // budget left (the run loop's left) while it runs, charged per block.
  private static final int EXIT_JUMP = 0; // continue at exitPc, on another page (or refetch)
  private static final int EXIT_SLOW = 1; // the instruction at idx needs a slow path
  private static final int EXIT_TIMER = 2; // the budget is spent before the instruction at idx
  private static final int EXIT_TRAP = 3; // the instruction at idx traps (ecall, ...)
  private static final int EXIT_HOT = 4; // a jump reached idx, a hot slot: try translated code

  private int exitIdx;

  /** Also where a {@link Translation} leaves the budget and its jump target. */
  long exitLeft;

  long exitPc;

  /**
   * The decoded page, block lengths, heat and virtual page of the code interpret() runs (off its
   * registers). interpret() changes them when it goes on into another page.
   */
  private DecodedPage curPage;

  private int[] curBlen;

  private int[] curHeat;
  private long curPageVa;

  /** The budget of the current run, for the counters. */
  private long runBudget;

  /** Leaves interpret(): nothing is live across the copy (a call), so nothing is spilled for it. */
  private int exit(long[] x, int why, int idx) {
    exitIdx = idx;
    System.arraycopy(x, 0, this.x, 0, 32);
    return why;
  }

  /**
   * The hot loop: runs instructions from decoded pages until one needs what only {@link #run} does.
   * A jump (or the fall-through) to a page that the fetch TLB and the decode cache already hold
   * goes on inside it ({@link #curPage} and the fields beside it change); a hot target goes back to
   * run() for its translation. Its ordinary instructions make no calls (the JIT then keeps its
   * state in registers); only AMOs ({@link #amoHere}) and, in system mode, privileged instructions
   * ({@link #performedHere}) call out, on paths user programs seldom or never take. Invariants: the
   * next instruction is slot {@code idx} of {@code code}, whose virtual page starts at {@link
   * #curPageVa} (pc = pageVa + 2 idx, computed only when needed); {@link #exitLeft} is the budget
   * not yet charged; on entering a block its {@link #curBlen}[idx] instructions are charged at
   * once.
   *
   * <p>Shape, for the JIT. The first switch holds only what most instructions need (ALU, M, the
   * TLB-hit path of loads and stores, branch tests) and its cases share nothing but the register
   * operands and the immediate: an expression used by several cases would be hoisted above the
   * dispatch and computed for every instruction. Taken branches, jumps and the rest fall through to
   * the second switch.
   */
  private int interpret(long[] code, int idx) {
    // A copy of the registers in a local: exit() writes it back. Its length is a field's, so the
    // JIT checks masked register numbers against it; measured no slower than a new long[64] per
    // call in the steady state, and far cheaper before C2 (see xl).
    final long[] x = xl;
    System.arraycopy(this.x, 0, x, 0, 32);
    final byte[] ram = this.ram;
    final long[] tlb = dtlb.slots;
    final long[] fetchTlb = itlb.slots;
    final DecodedPage[] decoded = memory.decoded;
    final xv6ckpt.emulator.cov.EdgeRecorder cov = coverage; // [coverage] null when off
    block:
    for (; ; ) {
      // Charge the block; run its n instructions plus the slot after them, which is either
      // the terminator's target (reached by continue block) or PAGE_EXIT/CROSS (blen 0). A
      // block longer than the budget runs only what the budget allows; left goes negative by
      // what is not run. The counted loop also spares the JIT a safepoint poll per instruction.
      int n = curBlen[idx];
      long left = exitLeft; // a field, not a local: one register fewer in the loop below
      int k;
      if (n <= left) {
        k = n + 1;
      } else {
        k = (int) left;
      }
      exitLeft = left - n;
      for (; k > 0; k--) {
        final long d = code[idx];
        final int w = (int) d;
        switch (w & 0x7F) {
          // ====================================================== RV64I
          case RvI.LUI:
            x[(w >>> 7) & 63] = d >> 32;
            idx += w >>> 30;
            continue;
          case RvI.BEQ:
            if (x[(w >>> 13) & 31] == x[(w >>> 18) & 31]) break; // taken: below
            idx += w >>> 30;
            if (cov != null) cov.transfer(curPageVa + (idx << 1)); // [coverage] fall-through
            continue block;
          case RvI.BNE:
            if (x[(w >>> 13) & 31] != x[(w >>> 18) & 31]) break; // taken: below
            idx += w >>> 30;
            if (cov != null) cov.transfer(curPageVa + (idx << 1)); // [coverage] fall-through
            continue block;
          case RvI.BLT:
            if (x[(w >>> 13) & 31] < x[(w >>> 18) & 31]) break; // taken: below
            idx += w >>> 30;
            if (cov != null) cov.transfer(curPageVa + (idx << 1)); // [coverage] fall-through
            continue block;
          case RvI.BGE:
            if (x[(w >>> 13) & 31] >= x[(w >>> 18) & 31]) break; // taken: below
            idx += w >>> 30;
            if (cov != null) cov.transfer(curPageVa + (idx << 1)); // [coverage] fall-through
            continue block;
          case RvI.BLTU:
            if (Long.compareUnsigned(x[(w >>> 13) & 31], x[(w >>> 18) & 31]) < 0) break;
            idx += w >>> 30;
            if (cov != null) cov.transfer(curPageVa + (idx << 1)); // [coverage] fall-through
            continue block;
          case RvI.BGEU:
            if (Long.compareUnsigned(x[(w >>> 13) & 31], x[(w >>> 18) & 31]) >= 0) break;
            idx += w >>> 30;
            if (cov != null) cov.transfer(curPageVa + (idx << 1)); // [coverage] fall-through
            continue block;
          case RvI.LOAD:
            {
              long va = x[(w >>> 13) & 31] + (d >> 52); // see RvI.LOAD for the layout
              long vpn = va >>> 12;
              int e = Tlb.entry(vpn);
              int off = (int) va & 0xFFF;
              if (tlb[e + Tlb.LOAD_TAG] != vpn || off > PhysicalMemory.PGSIZE - 8) {
                return exit(x, EXIT_SLOW, idx); // TLB miss, or near the page end
              }
              long v = (long) LONG.get(ram, (int) tlb[e + Tlb.LOAD_BASE] + off);
              int sh = (int) (d >>> 32) & 63;
              // The shift count is masked to 6 bits: d >>> 38 yields MSH.
              x[(w >>> 7) & 63] = ((v << sh) >> sh) & (-1L >>> (d >>> 38));
              idx += w >>> 30;
              continue;
            }
          case RvI.STORE:
            {
              long va = x[(w >>> 13) & 31] - (d >> 32); // negated offset: see RvI.STORE
              long vpn = va >>> 12;
              int e = Tlb.entry(vpn);
              int off = (int) va & 0xFFF;
              if (tlb[e + Tlb.STORE_TAG] != vpn || off > PhysicalMemory.PGSIZE - 8) {
                return exit(x, EXIT_SLOW, idx);
              }
              int o = (int) tlb[e + Tlb.STORE_BASE] + off;
              long m = -1L >>> (w >>> 23); // MSH, bits 28..23 (bit 29 is 0)
              LONG.set(ram, o, ((long) LONG.get(ram, o) & ~m) | (x[(w >>> 18) & 31] & m));
              idx += w >>> 30;
              continue;
            }
          case RvI.ADDI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] + (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.SLTI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] < (d >> 32) ? 1 : 0;
            idx += w >>> 30;
            continue;
          case RvI.SLTIU:
            x[(w >>> 7) & 63] = Long.compareUnsigned(x[(w >>> 13) & 31], d >> 32) < 0 ? 1 : 0;
            idx += w >>> 30;
            continue;
          case RvI.XORI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] ^ (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.ORI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] | (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.ANDI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] & (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.SLLI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] << (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.SRLI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] >>> (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.SRAI:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] >> (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.ADD:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] + x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.SUB:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] - x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.SLL:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] << x[(w >>> 18) & 31]; // masked to 6 bits
            idx += w >>> 30;
            continue;
          case RvI.SLT:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] < x[(w >>> 18) & 31] ? 1 : 0;
            idx += w >>> 30;
            continue;
          case RvI.SLTU:
            x[(w >>> 7) & 63] =
                Long.compareUnsigned(x[(w >>> 13) & 31], x[(w >>> 18) & 31]) < 0 ? 1 : 0;
            idx += w >>> 30;
            continue;
          case RvI.XOR:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] ^ x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.SRL:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] >>> x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.SRA:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] >> x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.OR:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] | x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.AND:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] & x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.ADDIW:
            x[(w >>> 7) & 63] = (int) (x[(w >>> 13) & 31] + (d >> 32));
            idx += w >>> 30;
            continue;
          case RvI.SLLIW:
            x[(w >>> 7) & 63] = (int) x[(w >>> 13) & 31] << (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.SRLIW:
            x[(w >>> 7) & 63] = (int) x[(w >>> 13) & 31] >>> (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.SRAIW:
            x[(w >>> 7) & 63] = (int) x[(w >>> 13) & 31] >> (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.ADDW:
            x[(w >>> 7) & 63] = (int) (x[(w >>> 13) & 31] + x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvI.SUBW:
            x[(w >>> 7) & 63] = (int) (x[(w >>> 13) & 31] - x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvI.SLLW:
            x[(w >>> 7) & 63] = (int) x[(w >>> 13) & 31] << x[(w >>> 18) & 31]; // masked to 5 bits
            idx += w >>> 30;
            continue;
          case RvI.SRLW:
            x[(w >>> 7) & 63] = (int) x[(w >>> 13) & 31] >>> x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.SRAW:
            x[(w >>> 7) & 63] = (int) x[(w >>> 13) & 31] >> x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvI.FENCE:
            idx += w >>> 30; // one hart, in order: nothing to order
            continue;

          // ====================================================== M
          case RvM.MUL:
            x[(w >>> 7) & 63] = x[(w >>> 13) & 31] * x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvM.MULH:
            x[(w >>> 7) & 63] = Math.multiplyHigh(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.MULHSU:
            x[(w >>> 7) & 63] = RvM.mulhsu(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.MULHU:
            x[(w >>> 7) & 63] = RvM.mulhu(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.DIV:
            x[(w >>> 7) & 63] = RvM.div(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.DIVU:
            x[(w >>> 7) & 63] = RvM.divu(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.REM:
            x[(w >>> 7) & 63] = RvM.rem(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.REMU:
            x[(w >>> 7) & 63] = RvM.remu(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.MULW:
            x[(w >>> 7) & 63] = (int) x[(w >>> 13) & 31] * (int) x[(w >>> 18) & 31];
            idx += w >>> 30;
            continue;
          case RvM.DIVW:
            x[(w >>> 7) & 63] = RvM.divw(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.DIVUW:
            x[(w >>> 7) & 63] = RvM.divuw(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.REMW:
            x[(w >>> 7) & 63] = RvM.remw(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          case RvM.REMUW:
            x[(w >>> 7) & 63] = RvM.remuw(x[(w >>> 13) & 31], x[(w >>> 18) & 31]);
            idx += w >>> 30;
            continue;
          default: // A, Zicsr, jumps, system, pseudo-operations: below
            break;
        }
        // -------------------------------------------------------------- off the dispatch path
        final long pageVa = curPageVa;
        switch (w & 0x7F) {
          // ====================================================== RV64I
          case RvI.BEQ:
          case RvI.BNE:
          case RvI.BLT:
          case RvI.BGE:
          case RvI.BLTU:
          case RvI.BGEU:
            {
              if (cov != null) cov.transfer(pageVa + (idx << 1) + (d >> 32)); // [coverage] taken
              int t = idx + (int) (d >> 33); // the offset in slots; not shared with d >> 32
              if ((t >>> 11) == 0) {
                if (++curHeat[t] > hotLimit) {
                  return exit(x, EXIT_HOT, t);
                }
                idx = t;
                continue block;
              }
              exitPc = pageVa + (idx << 1) + (d >> 32);
              break; // to another page: below
            }
          case RvI.AUIPC:
            x[(w >>> 7) & 63] = pageVa + (idx << 1) + (d >> 32);
            idx += w >>> 30;
            continue;
          case RvI.JAL:
            {
              long here = pageVa + (idx << 1);
              if (cov != null) cov.transfer(here + (d >> 32)); // [coverage]
              x[(w >>> 7) & 63] = here + ((w >>> 30) << 1);
              int t = idx + (int) (d >> 33); // the offset in slots; not shared with d >> 32
              if ((t >>> 11) == 0) {
                if (++curHeat[t] > hotLimit) {
                  return exit(x, EXIT_HOT, t);
                }
                idx = t;
                continue block;
              }
              exitPc = here + (d >> 32);
              break; // to another page: below
            }
          case RvI.JALR:
            {
              long target = (x[(w >>> 13) & 31] + (d >> 32)) & ~1L; // before rd: rd may be rs1
              if (cov != null) cov.transfer(target); // [coverage]
              x[(w >>> 7) & 63] = pageVa + (idx << 1) + ((w >>> 30) << 1);
              long delta = target - pageVa;
              if ((delta >>> 12) == 0) {
                int t = (int) delta >>> 1;
                if (++curHeat[t] > hotLimit) {
                  return exit(x, EXIT_HOT, t);
                }
                idx = t;
                continue block;
              }
              exitPc = target;
              break; // to another page: below
            }
          case RvI.FENCE_I:
            exitPc = pageVa + ((idx + (w >>> 30)) << 1); // look the next instruction up afresh
            return exit(x, EXIT_JUMP, idx);
          case RvI.ECALL:
          case RvI.EBREAK:
            return exit(x, EXIT_TRAP, idx);
          case Decoder.ILLEGAL:
            if (privileged != null && performedHere(x, d)) {
              idx += w >>> 30; // retired; it ended its block
              continue block;
            }
            return exit(x, EXIT_TRAP, idx);

          // ====================================================== A
          case RvA.ATOMIC:
            if (amoHere(x, d)) {
              idx += w >>> 30;
              continue;
            }
            return exit(x, EXIT_SLOW, idx);

          // ====================================================== Zicsr
          case Zicsr.RDCOUNTER:
            if (system) {
              if (privileged != null && performedHere(x, d)) {
                idx += w >>> 30; // retired; it ended its block
                continue block;
              }
              return exit(x, EXIT_TRAP, idx); // time and counter enables are the caller's
            }
            // Ends its block, so all before it retired.
            x[(w >>> 7) & 63] = instret + (runBudget - exitLeft) - 1;
            idx += w >>> 30;
            continue block;

          // ====================================================== pseudo-operations
          case Decoder.PAGE_EXIT:
            exitPc = pageVa + (idx << 1);
            break; // the next page: below
          case Decoder.CROSS:
            if (exitLeft == 0) { // the budget ended with the block before: stop before fetching
              return exit(x, EXIT_TIMER, idx);
            }
            return exit(x, EXIT_SLOW, idx);
          default: // LOAD or STORE that missed: slow paths
            return exit(x, EXIT_SLOW, idx);
        }
        // -------------------------------------------------------------- into another page
        // A jump or the fall-through left the page for exitPc: go on there if the fetch TLB and
        // the decode cache already hold it and the slot is not hot (a hot slot goes back to run(),
        // which looks for its translation); else run() fetches it.
        final long target = exitPc;
        final long vpn = target >>> 12;
        final int e = Tlb.entry(vpn);
        if (fetchTlb[e + Tlb.LOAD_TAG] == vpn) {
          final DecodedPage next = decoded[(int) fetchTlb[e + Tlb.LOAD_BASE] >>> 12];
          final int t = (int) (target & 0xFFF) >>> 1;
          if (next != null && ++next.heat[t] <= hotLimit) {
            code = next.code;
            curPage = next;
            curBlen = next.blen;
            curHeat = next.heat;
            curPageVa = target & ~0xFFFL;
            idx = t;
            continue block;
          }
        }
        return exit(x, EXIT_JUMP, idx);
      }
      return exit(x, EXIT_TIMER, idx); // only a block cut short by the budget gets here
    }
  }

  /**
   * From interpret(): performs the atomic {@code d} if it is an AMO whose page has a store-TLB
   * entry and returns true; else changes nothing and returns false (the slow path runs it). That
   * entry promises write (so read) permission, A and D set, and a dirty page without code or
   * reservation, so the access needs none of the slow path's bookkeeping. A method of its own: a
   * call site user programs never reach is not inlined, so interpret() stays small for the JIT.
   */
  boolean amoHere(long[] x, long d) {
    int w = (int) d;
    int f = (int) (d >> 32); // funct5 | DOUBLE
    int f5 = f & 0x1F;
    long va = x[(w >>> 13) & 31];
    long vpn = va >>> 12;
    int e = Tlb.entry(vpn);
    boolean dbl = (f & RvA.DOUBLE) != 0;
    long[] tlb = dtlb.slots;
    if (f5 == RvA.LR
        || f5 == RvA.SC
        || (va & (dbl ? 7 : 3)) != 0
        || tlb[e + Tlb.STORE_TAG] != vpn) {
      return false;
    }
    int o = (int) tlb[e + Tlb.STORE_BASE] + ((int) va & 0xFFF);
    long src = x[(w >>> 18) & 31];
    long old = dbl ? (long) LONG.get(ram, o) : (int) INT.get(ram, o);
    long v = RvA.operate(f5, old, dbl ? src : (int) src, dbl ? 8 : 4);
    if (dbl) {
      LONG.set(ram, o, v);
    } else {
      INT.set(ram, o, (int) v);
    }
    x[(w >>> 7) & 63] = old;
    return true;
  }

  /**
   * From interpret(): offers the privileged instruction {@code d}, which ends its block, to the
   * fast path with the registers in place; true if it was performed (it then has retired).
   */
  private boolean performedHere(long[] x, long d) {
    System.arraycopy(x, 0, this.x, 0, 32);
    if (!performedInRun(d, runBudget - exitLeft - 1)) {
      return false; // nothing changed: interpret() exits with its registers
    }
    System.arraycopy(this.x, 1, x, 1, 31);
    return true;
  }

  /**
   * From translated code: the CSR instruction {@code d} (which ends its block) offered to the fast
   * path, with its source register in {@link #x} and {@code left} the budget not yet charged (as
   * the interpreter's exitLeft). True if performed (rd is in {@link #x}); false changes nothing,
   * and the translated code leaves before it for the interpreter, which takes the ordinary path.
   */
  boolean csrHere(long d, long left) {
    return privileged != null && performedInRun(d, runBudget - left - 1);
  }

  /**
   * From translated code, before it first goes on into another page in a run: whether the fetch TLB
   * maps va's page to RAM whose decoding is still {@code page} at {@code version} (the interpreter
   * follows a jump to another page on the same test). Nothing inside a translation can change
   * either: satp, sfence.vma and privilege changes end the run, and translated stores reach only
   * store-TLB pages, which hold no code.
   */
  boolean codeMapped(long va, DecodedPage page, int version) {
    long vpn = va >>> 12;
    int e = Tlb.entry(vpn);
    long[] s = itlb.slots;
    return s[e + Tlb.LOAD_TAG] == vpn
        && memory.decoded[(int) s[e + Tlb.LOAD_BASE] >>> 12] == page
        && page.version == version;
  }

  /** The decoding the fetch TLB and the decode cache hold for va's page, or null (no walk). */
  private DecodedPage cachedCode(long va) {
    long vpn = va >>> 12;
    int base = itlb.lookupLoad(vpn);
    return base < 0 ? null : memory.decoded[base >>> 12];
  }

  /**
   * The translation to run at slot idx of page (at virtual pageVa), translating it if the slot has
   * just become hot; null if there is none (yet). Counts the visit.
   */
  private Translation hotTranslation(DecodedPage page, int idx, long pageVa) {
    boolean counts = coverage != null; // [coverage] a translation that records transfers
    Translation t = page.translation(idx, counts);
    if (t == null) {
      if (++page.heat[idx] <= hotLimit) {
        return null;
      }
      t = Translator.translate(page, idx, k -> cachedCode(pageVa + ((long) k << 12)), counts);
      page.setTranslation(idx, counts, t);
      for (int s : t.entries) { // its other blocks: enter it there too, from now on
        if (page.translation(s, counts) == null) {
          page.setTranslation(s, counts, t);
          page.heat[s] = hotLimit;
        }
      }
    }
    if (t == Translation.NONE) {
      page.heat[idx] = Integer.MIN_VALUE; // interpreted for good (until the page changes)
      return null;
    }
    page.heat[idx] = hotLimit; // so the interpreter's next jump here comes back to it
    return t;
  }

  private static final int SLOW_OK = 0, SLOW_TRAP = 1, SLOW_CODE_WRITTEN = 2, SLOW_CROSS = 3;
  private static final int SLOW_IO = 4;

  /**
   * The run loop's slow paths, behind one call site: a load or store that missed the TLB (or
   * crosses a page), an atomic, a 32-bit instruction crossing into the next page. Returns SLOW_OK,
   * SLOW_TRAP (fault recorded), SLOW_CODE_WRITTEN (done, and decoded code changed) or SLOW_CROSS
   * (the scratch page now holds the crossing instruction), or SLOW_IO (done, through a device).
   */
  private int slowPath(long[] x, long d, long pageVa) {
    boolean ok;
    switch (Insn.op(d)) {
      case RvI.LOAD:
        ok = loadSlow(x, d, x[Insn.rs1(d)] + (d >> 52));
        break;
      case RvI.STORE:
        ok = storeSlow(d, x[Insn.rs1(d)] - Insn.imm(d), x[Insn.rs2(d)]);
        break;
      case RvA.ATOMIC:
        ok = RvA.execute(this, x, d);
        break;
      case Decoder.CROSS:
        return fetchCross(pageVa, Insn.imm(d)) ? SLOW_CROSS : SLOW_TRAP;
      default:
        throw new IllegalStateException("no operation " + Insn.op(d));
    }
    if (!ok) {
      return SLOW_TRAP;
    }
    if (ioDone) {
      ioDone = false;
      codeWritten = false; // the run stops after this instruction anyway
      return SLOW_IO;
    }
    if (codeWritten) {
      codeWritten = false;
      return SLOW_CODE_WRITTEN;
    }
    return SLOW_OK;
  }

  /** The Trap for the fault a slow path recorded, at the instruction at {@code pc}. */
  private Trap fault(long pc) {
    switch (faultKind) {
      case PAGE_FAULT:
        return new Trap.PageFault(pc, faultAccess, faultAddr);
      case ACCESS_FAULT:
        return new Trap.AccessFault(pc, faultAccess, faultAddr);
      case MISALIGNED:
        return new Trap.Misaligned(pc, faultAccess, faultAddr);
      default:
        throw new IllegalStateException("no fault recorded at pc 0x" + Long.toHexString(pc));
    }
  }

  private boolean recordFault(int kind, Access access, long va) {
    faultKind = kind;
    faultAccess = access;
    faultAddr = va;
    return false;
  }

  /** Records a misaligned-atomic fault; returns false for the caller to pass on. */
  boolean misaligned(Access access, long va) {
    return recordFault(MISALIGNED, access, va);
  }

  // ---------------------------------------------------------------- fetch (slow paths)

  /** The decoded page holding pc, decoding it if needed; null with a fault recorded if denied. */
  private DecodedPage fetchPage(long pc) {
    long vpn = pc >>> 12;
    int base = itlb.lookupLoad(vpn);
    if (base < 0) {
      int o = translate(pc, Access.FETCH, true);
      if (o < 0) {
        return null;
      }
      base = o & ~0xFFF;
      itlb.fillLoad(vpn, base);
    }
    DecodedPage page = memory.decoded[base >>> 12];
    return page != null ? page : decodePage(base);
  }

  /**
   * Decodes the page at RAM offset {@code base}, or finds the decoding of a page with the same
   * bytes ({@link DecodeCache}); from now on stores to it take the slow path.
   */
  private DecodedPage decodePage(int base) {
    DecodedPage page = memory.decodeCache.lookup(ram, base);
    memory.decoded[base >>> 12] = page;
    dtlb.flushStoresTo(base);
    memory.epoch++; // other harts on this memory may hold store-TLB entries for it
    seenEpoch = memory.epoch;
    return page;
  }

  /**
   * Fetches the upper half of the 32-bit instruction at pageVa + 4094 from the next page and puts
   * the whole instruction in the scratch page. A fault there is the second page's: tval is that
   * page's first address.
   */
  private boolean fetchCross(long pageVa, int low) {
    long next = pageVa + PhysicalMemory.PGSIZE;
    long vpn = next >>> 12;
    int o = itlb.lookupLoad(vpn);
    if (o < 0) {
      o = translate(next, Access.FETCH, true);
      if (o < 0) {
        return false;
      }
      itlb.fillLoad(vpn, o & ~0xFFF);
    }
    int high = (short) SHORT.get(ram, o) & 0xFFFF;
    scratch.setLast(low | high << 16);
    return true;
  }

  // ---------------------------------------------------------------- translation

  /**
   * Translates {@code va} for a user {@code access}. Returns the byte's offset in RAM, or -1 with
   * the fault recorded. With {@code commit} false a needed A/D update is left pending for {@link
   * #commitWalk()}, so that an access that may still fail changes no memory.
   */
  int translate(long va, Access access, boolean commit) {
    ioPa = -1;
    if (satp >>> 60 == Sv39.SATP_MODE_BARE || priv == PRIV_M) {
      pendingPteAddr = -1;
      if (!memory.contains(va, 1)) {
        ioPa = va;
        ioPteAddr = -1;
        return fail(ACCESS_FAULT, access, va);
      }
      return (int) (va - PhysicalMemory.BASE);
    }
    int r = mmu.walk(satp, va, access);
    if (r != Sv39.OK) {
      if (mmu.outsideRam) {
        ioPa = mmu.pa;
        ioPteAddr = mmu.updateAddr;
        ioPte = mmu.updatePte;
      }
      return fail(r == Sv39.PAGE_FAULT ? PAGE_FAULT : ACCESS_FAULT, access, va);
    }
    pendingPteAddr = mmu.updateAddr;
    pendingPte = mmu.updatePte;
    if (commit) {
      commitWalk();
    }
    return (int) (mmu.pa - PhysicalMemory.BASE);
  }

  private long pendingPteAddr = -1;
  private long pendingPte;

  /** Writes back the A/D update of the last translation, if it needed one. */
  void commitWalk() {
    if (pendingPteAddr >= 0) {
      int o = (int) (pendingPteAddr - PhysicalMemory.BASE);
      LONG.set(ram, o, pendingPte);
      codeWritten |= memory.hartWrote(o, 8, curPage);
      pendingPteAddr = -1;
    }
  }

  private int fail(int kind, Access access, long va) {
    recordFault(kind, access, va);
    return -1;
  }

  // ---------------------------------------------------------------- loads and stores (slow paths)

  /**
   * The decoded LOAD {@code d} at va that missed the TLB, crosses a page or lies in the last 7
   * bytes of one: writes rd, or returns false with the fault recorded.
   */
  private boolean loadSlow(long[] x, long d, long va) {
    int w = (int) d;
    int size = RvI.loadSize(d);
    int off = (int) va & 0xFFF;
    long raw;
    if (off + size <= PhysicalMemory.PGSIZE) {
      int o = translate(va, Access.LOAD, true);
      if (o < 0) return ioLoad(x, d, size);
      dtlb.fillLoad(va >>> 12, o & ~0xFFF);
      raw = readRam(o, size);
    } else {
      long va2 = (va | 0xFFF) + 1;
      int o1 = translate(va, Access.LOAD, false);
      if (o1 < 0) return false;
      long addr1 = pendingPteAddr, pte1 = pendingPte;
      int o2 = translate(va2, Access.LOAD, true);
      if (o2 < 0) return false;
      commitPending(addr1, pte1);
      int n1 = PhysicalMemory.PGSIZE - off;
      raw = 0;
      for (int i = size - 1; i >= 0; i--) {
        raw = raw << 8 | (ram[i < n1 ? o1 + i : o2 + i - n1] & 0xFFL);
      }
    }
    int sh = (int) (d >>> 32) & 63;
    x[(w >>> 7) & 63] = ((raw << sh) >> sh) & (-1L >>> (d >>> 38)); // as the fast path
    return true;
  }

  private void commitPending(long addr, long pte) {
    pendingPteAddr = addr;
    pendingPte = pte;
    commitWalk();
  }

  /** As {@link #loadSlow}, for the decoded STORE {@code d} of {@code v} at va. */
  private boolean storeSlow(long d, long va, long v) {
    int size = RvI.storeSize(d);
    int off = (int) va & 0xFFF;
    if (off + size <= PhysicalMemory.PGSIZE) {
      int o = translate(va, Access.STORE, true);
      if (o < 0) return ioStore(size, v);
      writeRam(o, size, v);
      maybeFillStoreTlb(va >>> 12, o & ~0xFFF);
      return true;
    }
    long va2 = (va | 0xFFF) + 1;
    int o1 = translate(va, Access.STORE, false);
    if (o1 < 0) return false;
    long addr1 = pendingPteAddr, pte1 = pendingPte;
    int o2 = translate(va2, Access.STORE, true);
    if (o2 < 0) return false;
    commitPending(addr1, pte1);
    int n1 = PhysicalMemory.PGSIZE - off;
    for (int i = 0; i < size; i++) {
      ram[i < n1 ? o1 + i : o2 + i - n1] = (byte) (v >>> (8 * i));
    }
    wrote(o1, n1);
    wrote(o2, size - n1);
    return true;
  }

  // ---------------------------------------------------------------- devices (system mode)

  /**
   * After a load's translation failed: if it reached a device that takes the access, performs it
   * and writes rd; otherwise returns false with the access fault as recorded.
   */
  private boolean ioLoad(long[] x, long d, int size) {
    if (!ioReady(size)) return false;
    long raw = bus.read(ioPa, size);
    commitIo();
    int w = (int) d;
    int sh = (int) (d >>> 32) & 63;
    x[(w >>> 7) & 63] = ((raw << sh) >> sh) & (-1L >>> (d >>> 38)); // as the fast path
    return true;
  }

  /** As {@link #ioLoad}, for a store of the low {@code size} bytes of v. */
  private boolean ioStore(int size, long v) {
    if (!ioReady(size)) return false;
    bus.write(ioPa, size, v);
    commitIo();
    return true;
  }

  /** The failed translation was an access fault at a physical address the bus answers for. */
  private boolean ioReady(int size) {
    return bus != null && ioPa >= 0 && faultKind == ACCESS_FAULT && bus.accepts(ioPa, size);
  }

  /** The device access happened: write back the leaf's A/D update; the run loop stops. */
  private void commitIo() {
    commitPending(ioPteAddr, ioPte);
    ioDone = true;
  }

  /**
   * The store-TLB promise: page already dirty, not known to be zero, no decoded code, no
   * reservation (a store hitting the entry then changes nothing the memory keeps track of).
   */
  void maybeFillStoreTlb(long vpn, int pageBase) {
    int page = pageBase >>> 12;
    boolean reserved = resSize != 0 && (resOff >>> 12) == page;
    if (memory.isDirty(page)
        && !memory.knownZero(page)
        && memory.decoded[page] == null
        && !reserved) {
      dtlb.fillStore(vpn, pageBase);
    }
  }

  /** Reads {@code size} (1, 2, 4, 8) bytes at RAM offset {@code o}, zero-extended. */
  long readRam(int o, int size) {
    switch (size) {
      case 1:
        return ram[o] & 0xFFL;
      case 2:
        return (short) SHORT.get(ram, o) & 0xFFFFL;
      case 4:
        return (int) INT.get(ram, o) & 0xFFFF_FFFFL;
      default:
        return (long) LONG.get(ram, o);
    }
  }

  /** Writes {@code size} bytes within one page at RAM offset {@code o}, with all bookkeeping. */
  void writeRam(int o, int size, long v) {
    switch (size) {
      case 1:
        ram[o] = (byte) v;
        break;
      case 2:
        SHORT.set(ram, o, (short) v);
        break;
      case 4:
        INT.set(ram, o, (int) v);
        break;
      default:
        LONG.set(ram, o, v);
        break;
    }
    wrote(o, size);
  }

  /** Bookkeeping after this hart stored [o, o + len): reservation, dirty page, decoded code. */
  private void wrote(int o, int len) {
    if (resSize != 0 && o < resOff + resSize && resOff < o + len) {
      resSize = 0;
    }
    codeWritten |= memory.hartWrote(o, len, curPage);
  }

  // ---------------------------------------------------------------- LR/SC reservation

  /** LR: reserve [o, o + size); stores to that page now take the slow path, which checks it. */
  void reserve(int o, int size) {
    resOff = o;
    resSize = size;
    dtlb.flushStoresTo(o & ~0xFFF);
  }

  boolean holdsReservation(int o, int size) {
    return resSize == size && resOff == o;
  }
}
