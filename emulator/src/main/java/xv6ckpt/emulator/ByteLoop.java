package xv6ckpt.emulator;

import java.util.Arrays;

/**
 * A loop that fills or copies memory one byte per iteration, run many iterations at a time: the
 * translation of the one-block loops C compilers make of xv6's {@code memset} and {@code memmove}
 * (and user programs' own), where a C kernel spends most of its instructions (kinit fills all of
 * RAM byte by byte; every page kalloc'd, freed or copied by fork costs 4096 iterations).
 *
 * <p>The shape, recognised on decoded instructions whatever the registers, order and instruction
 * lengths: one basic block, from the entry slot to a {@code bne} back to it, of
 *
 * <ul>
 *   <li>{@code addi r, r, +1} or {@code -1}: a <em>stepped</em> register, at most once each;
 *   <li>at most one byte load {@code lb/lbu t, off(p)}, p stepped, t written by nothing else;
 *   <li>exactly one byte store {@code sb v, off(q)}, q stepped, v either t (loaded before it in the
 *       block, so a copy) or a register the block does not write (a fill);
 *   <li>the {@code bne} comparing a stepped register with one the block does not write.
 * </ul>
 *
 * <p>Why it is exact: iteration k of the block loads from (and stores to) its base's value at the
 * loop's entry plus k steps plus a displacement fixed by the block, and the branch is taken until
 * the compared register reaches the limit, a count known at entry. {@link #run} performs whole
 * iterations only, and only as many as fit the budget and stay inside one page per access stream
 * whose TLB entry hits: the store half of the data TLB promises a RAM page that is writable, dirty,
 * holds no decoded code and no reservation (so no bookkeeping is skipped), the load half a readable
 * RAM page. Accesses are byte-sized, so never misaligned. Overlapping source and destination (by
 * physical offset, so aliases count too) are copied byte after byte in order, as the loop would.
 * Anything else (a miss, a page end, a budget smaller than one iteration) returns to the
 * interpreter at the loop's head, which runs the iteration through its slow path; its branch back
 * re-enters here. So the effect is the interpreter's, instruction for instruction, with the budget
 * charged per iteration: {@code TranslationDifferentialTest} and {@code ByteLoopTest} check it.
 */
final class ByteLoop extends Translation {
  /** Most instructions a recognised iteration may hold (a copy needs five). */
  static final int MAX_LEN = 8;

  private final int len; // instructions per iteration
  private final int head; // the entry slot
  private final int after; // the slot after the branch (SLOTS: the next page)
  private final int[] stepped; // registers the block steps, with their steps
  private final int[] steps;
  private final int counter; // the stepped register the branch compares
  private final int counterStep;
  private final int limit; // the register it is compared with
  private final int store; // store base, stepped
  private final long storeDisp; // store address = x[store] at the loop's entry + storeDisp
  private final int value; // fill: the register stored; copy: -1
  private final int load; // copy: load base, stepped; fill: -1
  private final long loadDisp;
  private final int temp; // copy: the register loaded into
  private final boolean signed; // copy: lb rather than lbu
  private final int step; // the access streams' step (both the same for a copy)

  private ByteLoop(Shape s, int head, int after) {
    this.len = s.len;
    this.head = head;
    this.after = after;
    this.stepped = Arrays.copyOf(s.stepped, s.nStepped);
    this.steps = Arrays.copyOf(s.steps, s.nStepped);
    this.counter = s.counter;
    this.counterStep = s.stepOf(s.counter);
    this.limit = s.limit;
    this.store = s.store;
    this.storeDisp = s.storeDisp;
    this.value = s.load < 0 ? s.value : -1;
    this.load = s.load;
    this.loadDisp = s.loadDisp;
    this.temp = s.temp;
    this.signed = s.signed;
    this.step = s.stepOf(s.store);
    this.entries = new int[] {head};
  }

  /** The byte loop whose block starts at slot {@code head} of page, or null if it is none. */
  static ByteLoop recognise(DecodedPage page, int head) {
    int n = page.blen[head];
    if (n < 2 || n > MAX_LEN) {
      return null;
    }
    Shape s = new Shape(n);
    int j = head;
    for (int i = 0; i < n - 1; i++) {
      if (!s.add(page.code[j])) {
        return null;
      }
      j += Insn.halfwords(page.code[j]);
    }
    long b = page.code[j];
    if (Insn.op(b) != RvI.BNE || 2 * j + Insn.imm(b) != 2 * head || !s.branch(b)) {
      return null;
    }
    return s.complete() ? new ByteLoop(s, head, j + Insn.halfwords(b)) : null;
  }

  /** The block's instructions as they are added, checked against the shape as they come. */
  private static final class Shape {
    final int len;
    final int[] stepped = new int[MAX_LEN];
    final int[] steps = new int[MAX_LEN];
    int nStepped;
    int counter = -1, limit = -1;
    int store = -1, value = -1, load = -1, temp = -1;
    long storeDisp, loadDisp;
    boolean signed;

    Shape(int len) {
      this.len = len;
    }

    int stepOf(int r) {
      for (int i = 0; i < nStepped; i++) {
        if (stepped[i] == r) {
          return steps[i];
        }
      }
      return 0;
    }

    /** The step taken so far in this iteration by r (0 before its addi), for displacements. */
    private final boolean[] steppedYet = new boolean[33];

    private long done(int r) {
      return steppedYet[r] ? stepOf(r) : 0;
    }

    boolean add(long d) {
      int op = Insn.op(d);
      if (op == RvI.ADDI) {
        int r = Insn.rd(d);
        long imm = Insn.imm(d);
        if (r != Insn.rs1(d) || (imm != 1 && imm != -1) || stepOf(r) != 0 || r == temp) {
          return false; // x0 as rd is X_SINK, never rs1: refused here too
        }
        stepped[nStepped] = r;
        steps[nStepped++] = (int) imm;
        steppedYet[r] = true;
        return true;
      }
      if (op == RvI.LOAD && RvI.loadSize(d) == 1 && load < 0 && store < 0) {
        temp = Insn.rd(d);
        load = Insn.rs1(d);
        loadDisp = (d >> 52) + done(load); // see RvI.LOAD for the layout
        signed = ((int) (d >>> 38) & 63) == 0;
        return temp != Insn.X_SINK && stepOf(temp) == 0;
      }
      if (op == RvI.STORE && RvI.storeSize(d) == 1 && store < 0) {
        store = Insn.rs1(d);
        value = Insn.rs2(d);
        storeDisp = -(d >> 32) + done(store); // negated offset: see RvI.STORE
        return true;
      }
      return false;
    }

    boolean branch(long b) {
      int a = Insn.rs1(b), c = Insn.rs2(b);
      counter = stepOf(a) != 0 ? a : c;
      limit = counter == a ? c : a;
      return stepOf(counter) != 0 && stepOf(limit) == 0 && limit != temp;
    }

    /**
     * Whether the whole block is a fill or a copy, checked once every stepped register is known (an
     * access may come before its base's addi).
     */
    boolean complete() {
      if (store < 0 || stepOf(store) == 0) {
        return false;
      }
      if (load < 0) { // a fill: the value stays the same through the loop (x0 is never stepped)
        return stepOf(value) == 0;
      }
      // a copy: what was loaded is stored, the temporary is written by the load alone, and both
      // streams go the same way
      return value == temp
          && stepOf(temp) == 0
          && stepOf(load) != 0
          && stepOf(load) == stepOf(store);
    }
  }

  @Override
  int run(Hart h, long[] x, byte[] ram, long[] tlb, long pageVa, long left, int entry) {
    for (; ; ) {
      long trips = trips(x);
      long m = Long.min(left / len, trips);
      long sa = x[store] + storeDisp;
      int so = storeOffset(tlb, sa, PhysicalMemory.PGSIZE - 1);
      m = Long.min(m, room(sa));
      int lo = -1;
      if (load >= 0) {
        long la = x[load] + loadDisp;
        lo = loadOffset(tlb, la, PhysicalMemory.PGSIZE - 1);
        m = Long.min(m, room(la));
      }
      if (m == 0 || so < 0 || (load >= 0 && lo < 0)) {
        h.exitLeft = left; // the interpreter runs this iteration (and finds the page, or not)
        return head;
      }
      boolean ends = m == trips;
      if (load < 0) {
        fill(ram, so, (int) m, (byte) x[value]);
      } else {
        byte last = copy(ram, lo, so, (int) m);
        x[temp] = signed ? last : last & 0xFFL;
      }
      for (int i = 0; i < stepped.length; i++) {
        x[stepped[i]] += m * steps[i];
      }
      left -= m * len;
      if (h.coverage != null) {
        record(h, pageVa, m, ends);
      }
      if (ends) {
        h.exitLeft = left;
        if (after < DecodedPage.SLOTS) {
          return after;
        }
        h.exitPc = pageVa + 2L * after;
        return EXIT_JUMP;
      }
    }
  }

  /** Iterations from now to the one whose branch falls through (Long.MAX_VALUE if beyond 2^63). */
  private long trips(long[] x) {
    long t = (x[limit] - x[counter]) * counterStep; // unsigned: a count modulo 2^64
    return t <= 0 ? Long.MAX_VALUE : t; // 0: 2^64 iterations; negative: at least 2^63
  }

  /** Iterations whose access stays in the page of va, going this loop's way. */
  private long room(long va) {
    int off = (int) va & (PhysicalMemory.PGSIZE - 1);
    return step > 0 ? PhysicalMemory.PGSIZE - off : off + 1;
  }

  /** m bytes from offset o, going this loop's way, set to v. */
  private void fill(byte[] ram, int o, int m, byte v) {
    int from = step > 0 ? o : o - m + 1;
    Arrays.fill(ram, from, from + m, v);
  }

  /** m bytes copied from lo to so going this loop's way, as the loop would; the last byte read. */
  private byte copy(byte[] ram, int lo, int so, int m) {
    int l = step > 0 ? lo : lo - m + 1;
    int s = step > 0 ? so : so - m + 1;
    if (l + m <= s || s + m <= l) { // apart: order does not matter
      System.arraycopy(ram, l, ram, s, m);
      return ram[step > 0 ? l + m - 1 : l];
    }
    byte b = 0;
    for (int k = 0; k < m; k++) { // overlapping: byte after byte, as the loop does
      b = ram[lo + k * step];
      ram[so + k * step] = b;
    }
    return b;
  }

  /** [coverage] The m branches the loop retired: taken back to its head, the last maybe not. */
  private void record(Hart h, long pageVa, long m, boolean ends) {
    xv6ckpt.emulator.cov.EdgeRecorder r = h.coverage;
    r.transfer(pageVa + 2L * head, ends ? m - 1 : m);
    if (ends) {
      r.transfer(pageVa + 2L * after);
    }
  }
}
