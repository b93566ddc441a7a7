package xv6ckpt.emulator;

import static com.google.common.truth.Truth.assertWithMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import xv6ckpt.emulator.asm.Assembler;

/**
 * The translation tier is invisible: generated programs (a loop over a random body of ALU, M,
 * compressed, load/store, branch, call and counter-read instructions, with pointers that walk into
 * read-only and unmapped pages and across page ends, under Sv39 with some PTEs lacking A/D) run on
 * a hart with translation off and on a hart that translates everything at once, both split at the
 * same random budgets, stop at the same places with the same trap, pc, instret and registers, and
 * leave the same RAM (page tables included).
 *
 * <p>Programs are built from a seed with {@link Random} (deterministic): jqwik reports the seed of
 * a failing case, and {@link #program} rebuilds it.
 */
class TranslationDifferentialTest {
  static final long BASE = PhysicalMemory.BASE;
  static final long CODE_VA = 0x10000, DATA_VA = 0x40000;
  static final int DATA_PAGES = 4; // then one read-only page, then an unmapped one
  static final long RO_VA = DATA_VA + DATA_PAGES * 4096L, HOLE_VA = RO_VA + 4096;
  static final long PA_OFFSET = 0x100000; // pa = BASE + PA_OFFSET + va

  /** A generated program: its machine set-up is a function of the seed. */
  record Program(long seed, byte[] code, long entry, boolean[] dirtyBits) {}

  @Property(tries = 300)
  void translatedRunsMatchInterpretedRuns(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 3) int threshold,
      @ForAll("budgets") List<Integer> budgets) {
    Program p = program(seed);
    Machine off = machine(p);
    off.hart.setTranslation(false);
    Machine on = machine(p);
    on.hart.setTranslation(true);
    on.hart.setTranslationThreshold(threshold);

    Trap last = runAlike(off, on, budgets, 400, seed);
    assertSameRam(on, off, seed);
    Statistics.label("stop").collect(last.getClass().getSimpleName());
    Statistics.label("translated").collect(translatedPages(on) > 0);
    // The generator is worth something only if most programs run translated code.
    Statistics.label("translated").coverage(c -> c.check(true).percentage(pct -> pct >= 50));
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<List<Integer>> budgets() {
    return net.jqwik.api.Arbitraries.integers().between(1, 300).list().ofMinSize(1).ofMaxSize(6);
  }

  /**
   * Runs both machines in the same slices, cycling through {@code budgets}, for at most {@code
   * steps} slices or until one stops on something other than its budget; asserts after every slice
   * that both stopped alike (trap, instret, pc, registers). The last trap.
   */
  static Trap runAlike(Machine off, Machine on, List<Integer> budgets, int steps, long seed) {
    Trap last = null;
    for (int step = 0; step < steps; step++) {
      long budget = budgets.get(step % budgets.size());
      Trap a = off.hart.run(budget);
      Trap b = on.hart.run(budget);
      String at = "seed " + seed + ", step " + step;
      assertWithMessage("trap, %s", at).that(b).isEqualTo(a);
      assertWithMessage("instret, %s", at).that(on.hart.instret()).isEqualTo(off.hart.instret());
      assertWithMessage("pc, %s", at).that(on.hart.pc()).isEqualTo(off.hart.pc());
      for (int r = 0; r < 32; r++) {
        assertWithMessage("x%s, %s", r, at).that(on.hart.x(r)).isEqualTo(off.hart.x(r));
      }
      last = a;
      if (!(a instanceof Trap.Timer)) {
        break;
      }
    }
    return last;
  }

  /** Asserts that the two machines' RAM (page tables included) is byte for byte the same. */
  static void assertSameRam(Machine a, Machine b, long seed) {
    assertWithMessage("first RAM byte that differs, seed %s", seed)
        .that(firstDifference(ram(a), ram(b)))
        .isEqualTo(-1L);
  }

  // ---------------------------------------------------------------- machines

  static Machine machine(Program p) {
    return machine(p, new PhysicalMemory(Machine.RAM));
  }

  /** The machine of program p over {@code mem} (fresh RAM, maybe sharing a decode cache). */
  static Machine machine(Program p, PhysicalMemory mem) {
    Machine m = new Machine(mem);
    m.sv39();
    long codeFlags = Machine.V | Machine.R | Machine.X | Machine.U | Machine.A;
    for (long va = CODE_VA; va < CODE_VA + p.code().length + 4096; va += 4096) {
      m.map(va & ~0xFFFL, pa(va & ~0xFFFL), codeFlags);
    }
    // Data pages in reverse physical order, so an access crossing a page end that forgot the
    // second translation would read or write the wrong physical page.
    for (int k = 0; k < DATA_PAGES; k++) {
      long va = DATA_VA + 4096L * k;
      long ad = p.dirtyBits()[k] ? Machine.A | Machine.D : 0; // else the hart sets them
      m.map(
          va,
          pa(DATA_VA + 4096L * (DATA_PAGES - k)),
          Machine.V | Machine.R | Machine.W | Machine.U | ad);
    }
    m.map(RO_VA, pa(DATA_VA), Machine.V | Machine.R | Machine.U);
    Random r = new Random(p.seed() ^ 0x5DEECE66DL);
    byte[] data = new byte[(DATA_PAGES + 1) * 4096];
    r.nextBytes(data);
    m.mem.write(pa(DATA_VA), data, 0, data.length);
    m.mem.write(pa(p.entry() & ~0xFFFL), p.code(), 0, p.code().length);
    m.hart.setPc(p.entry());
    return m;
  }

  static long pa(long va) {
    return BASE + PA_OFFSET + va;
  }

  static byte[] ram(Machine m) {
    byte[] b = new byte[Machine.RAM];
    m.mem.read(BASE, b, 0, b.length);
    return b;
  }

  /** Physical address of the first byte where a and b differ, or -1. */
  static long firstDifference(byte[] a, byte[] b) {
    int i = java.util.Arrays.mismatch(a, b);
    return i < 0 ? -1 : BASE + i;
  }

  /** Decoded pages holding at least one real translation. */
  static int translatedPages(Machine m) {
    int n = 0;
    for (DecodedPage d : m.mem.decoded) {
      if (d != null && d.translations != null) {
        for (Translation t : d.translations) {
          if (t != null && t != Translation.NONE) {
            n++;
            break;
          }
        }
      }
    }
    return n;
  }

  // ---------------------------------------------------------------- programs

  /** Data registers (x8..x15 also fit compressed forms); x16, x17 are pointers. */
  static final int[] DATA = {5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

  static final int P1 = 16, P2 = 17, COUNT = 20, LIMIT = 21, RA = 1;

  static Program program(long seed) {
    Random r = new Random(seed);
    long entry = CODE_VA + 2L * r.nextInt(0x7F0); // anywhere in the first page: may cross
    Assembler a = new Assembler(entry);
    for (int reg : DATA) {
      a.li(reg, r.nextInt(4) == 0 ? r.nextInt(64) - 32 : r.nextLong());
    }
    a.li(P1, DATA_VA + r.nextInt(DATA_PAGES * 4096 - 256));
    a.li(P2, RO_VA - 16 + r.nextInt(16)); // near the read-only page: crossings and faults
    a.li(COUNT, 0);
    a.li(LIMIT, 1 + r.nextInt(30));
    a.label("loop");
    int items = 5 + r.nextInt(50);
    List<String> pending = new ArrayList<>(); // forward-branch labels, with their positions
    List<Integer> due = new ArrayList<>();
    for (int i = 0; i < items; i++) {
      for (int k = pending.size() - 1; k >= 0; k--) {
        if (due.get(k) == i) {
          a.label(pending.remove(k));
          due.remove(k);
        }
      }
      item(a, r, i, pending, due);
    }
    for (String l : pending) {
      a.label(l);
    }
    a.addi(COUNT, COUNT, 1);
    a.blt(COUNT, LIMIT, "loop");
    a.ecall();
    a.label("fn"); // a leaf function the body calls
    a.add(DATA[0], DATA[0], DATA[1]);
    a.xori(DATA[2], DATA[2], 0x55);
    a.ret();
    boolean[] dirty = new boolean[DATA_PAGES];
    for (int k = 0; k < DATA_PAGES; k++) {
      dirty[k] = r.nextBoolean();
    }
    byte[] body = a.assemble();
    byte[] code = new byte[(int) (entry & 0xFFF) + body.length];
    System.arraycopy(body, 0, code, (int) (entry & 0xFFF), body.length);
    return new Program(seed, code, entry, dirty);
  }

  private static int data(Random r) {
    return DATA[r.nextInt(DATA.length)];
  }

  private static int compressible(Random r) {
    return 8 + r.nextInt(8);
  }

  private static void item(Assembler a, Random r, int i, List<String> pending, List<Integer> due) {
    int rd = data(r), rs1 = data(r), rs2 = data(r);
    int c = compressible(r), c2 = compressible(r);
    switch (r.nextInt(24)) {
      case 0 -> a.add(rd, rs1, rs2);
      case 1 -> a.sub(rd, rs1, rs2);
      case 2 -> a.sll(rd, rs1, rs2);
      case 3 -> a.sra(rd, rs1, rs2);
      case 4 -> a.sltu(rd, rs1, rs2);
      case 5 -> a.slt(rd, rs1, rs2);
      case 6 -> a.addw(rd, rs1, rs2);
      case 7 -> a.srlw(rd, rs1, rs2);
      case 8 -> {
        switch (r.nextInt(8)) {
          case 0 -> a.mul(rd, rs1, rs2);
          case 1 -> a.mulh(rd, rs1, rs2);
          case 2 -> a.mulhsu(rd, rs1, rs2);
          case 3 -> a.mulhu(rd, rs1, rs2);
          case 4 -> a.div(rd, rs1, rs2);
          case 5 -> a.remu(rd, rs1, rs2);
          case 6 -> a.divw(rd, rs1, rs2);
          default -> a.remuw(rd, rs1, rs2);
        }
      }
      case 9 -> a.addi(rd, rs1, r.nextInt(4096) - 2048);
      case 10 -> a.sltiu(rd, rs1, r.nextInt(4096) - 2048);
      case 11 -> a.srai(rd, rs1, r.nextInt(64));
      case 12 -> a.sraiw(rd, rs1, r.nextInt(32));
      case 13 -> a.lui(rd, r.nextInt(1 << 20));
      case 14 -> {
        switch (r.nextInt(6)) {
          case 0 -> a.cAddi(c, 1 + r.nextInt(31));
          case 1 -> a.cMv(c, c2);
          case 2 -> a.cAdd(c, c2);
          case 3 -> a.cSrli(c, 1 + r.nextInt(63));
          case 4 -> a.cSubw(c, c2);
          default -> a.cAndi(c, r.nextInt(64) - 32);
        }
      }
      case 15, 16 -> load(a, r, r.nextInt(8) == 0 ? 0 : rd); // x0 too: it must still fault
      case 17, 18 -> store(a, r, rs2);
      case 19 -> a.addi(r.nextBoolean() ? P1 : P2, r.nextBoolean() ? P1 : P2, r.nextInt(200) - 72);
      case 20, 21 -> {
        String l = "f" + i + "_" + r.nextInt(1 << 20);
        pending.add(l);
        due.add(i + 1 + r.nextInt(6));
        switch (r.nextInt(6)) {
          case 0 -> a.beq(rs1, rs2, l);
          case 1 -> a.bne(rs1, rs2, l);
          case 2 -> a.blt(rs1, rs2, l);
          case 3 -> a.bge(rs1, rs2, l);
          case 4 -> a.bltu(rs1, rs2, l);
          default -> a.bgeu(rs1, rs2, l);
        }
      }
      case 22 -> a.jal(RA, "fn");
      default -> {
        if (r.nextInt(4) == 0) {
          a.rdinstret(rd);
        } else {
          a.cNop();
        }
      }
    }
  }

  private static void load(Assembler a, Random r, int rd) {
    int base = r.nextBoolean() ? P1 : P2;
    long off = base == P1 ? r.nextInt(160) - 64 : r.nextInt(24) - 16; // P2: the page end
    switch (r.nextInt(7)) {
      case 0 -> a.lb(rd, off, base);
      case 1 -> a.lh(rd, off, base);
      case 2 -> a.lw(rd, off, base);
      case 3 -> a.ld(rd, off, base);
      case 4 -> a.lbu(rd, off, base);
      case 5 -> a.lhu(rd, off, base);
      default -> a.lwu(rd, off, base);
    }
  }

  private static void store(Assembler a, Random r, int rs2) {
    int base = r.nextBoolean() ? P1 : P2;
    long off = base == P1 ? r.nextInt(160) - 64 : r.nextInt(24) - 16; // P2: the page end
    switch (r.nextInt(4)) {
      case 0 -> a.sb(rs2, off, base);
      case 1 -> a.sh(rs2, off, base);
      case 2 -> a.sw(rs2, off, base);
      default -> a.sd(rs2, off, base);
    }
  }
}
