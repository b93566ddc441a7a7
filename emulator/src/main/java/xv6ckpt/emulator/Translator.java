package xv6ckpt.emulator;

import static org.objectweb.asm.Opcodes.*;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * The translation tier: turns a hot region of one {@link DecodedPage} into a {@link Translation}, a
 * hidden JVM class whose one method runs the region's RISC-V instructions with the registers in JVM
 * locals, so that HotSpot compiles a guest loop to a host loop. See {@link Translation} for what
 * the generated code promises; this class keeps those promises by construction:
 *
 * <ul>
 *   <li>A <b>region</b> is the basic blocks reachable from the hot slot through branches and JAL
 *       inside the page (and the return point of a JAL that links), breadth first, until {@link
 *       #MAX_INSNS} instructions. A block is the interpreter's block (same ends, same {@link
 *       DecodedPage#blen}); it is charged whole when entered, after checking that it fits the
 *       budget. The method starts with a switch on the entry slot, so that one class serves every
 *       block of the region (one class per loop nest, not one per jump target, keeps HotSpot's
 *       compile work small), and a JALR whose target is one of its blocks (a return inside the
 *       page) jumps there through the same kind of switch.
 *   <li>If the hot slot is on no such loop, the region may follow calls: a JAL or a fixed-target
 *       JALR ({@code auipc ra; jalr ra}) into this or another page (within {@link
 *       #MAX_PAGE_DISTANCE} pages, as the fetch TLB and decode cache hold them now, to slots
 *       reached before), counting a return as going to every return point of its calls, up to
 *       {@link #MAX_CALL_INSNS}: a C kernel's loop over its lock functions becomes one region.
 *       Before the code first enters another page's block in a run it checks that the fetch TLB
 *       still maps that page to the decoding translated, unpatched ({@link Translation#verify}),
 *       else it leaves there for the interpreter; so the translation stays keyed by its entry page,
 *       and a write to the other page (drop, private copy, patch) or a new mapping is seen.
 *   <li>If the hot slot is on no loop at all (a function entered often from interpreted code), its
 *       <b>straight-line region</b> is what it reaches following calls, up to {@link
 *       #MAX_STRAIGHT_INSNS}, without the blocks on a cycle (a loop it reaches gets its own region
 *       when hot) and what lies beyond them; it is entered only at its page's blocks, and a return
 *       leaves it.
 *   <li>Translated: RV64I ALU, LUI/AUIPC, loads and stores (TLB-hit path only), branches, JAL, JALR
 *       (to a block of the region, else it leaves), FENCE, the M extension, AMOs on a store-TLB hit
 *       ({@link Hart#amoHere}) and CSR accesses the hart's fast path performs ({@link
 *       Hart#csrHere}; a refusal leaves before the instruction, so an interrupt an sstatus write
 *       makes deliverable is taken where the interpreter takes it). Everything else (LR/SC,
 *       ecall/ebreak, illegal encodings, xRET, fence.i, counter reads, a 32-bit instruction
 *       crossing the page end) ends the translated code before it, for the interpreter to run.
 *   <li>A load or store whose TLB entry is missing, or that would cross the page end, leaves before
 *       the access, where the interpreter's fast path would take its slow path (which also takes
 *       the last 7 bytes of a page, for its 8-byte reads). So TLB contents, A/D bits and faults are
 *       the interpreter's own.
 * </ul>
 *
 * <p>Generated classes are hidden classes of this package, not strongly linked to a class loader:
 * they are unloaded when their page's decoding is dropped and nothing runs them. No state is kept
 * here; the cache is {@link DecodedPage#translations}.
 */
final class Translator {
  private Translator() {}

  /** Instructions per region before code-size checks (a loop body and its neighbours). */
  static final int MAX_INSNS = 64;

  /**
   * Bytecode bytes per generated method: HotSpot does not compile methods larger than 8000 bytes
   * (HugeMethodLimit), and an interpreted translation would be slower than the interpreter. A
   * region over this is formed again with half the instructions.
   */
  static final int MAX_CODE_BYTES = 7900;

  /** System property that sets the default of {@link Hart#setTranslation}: "on" or "off". */
  static final String PROPERTY = "xv6ckpt.translate";

  /** System property that sets the default of {@link Hart#setTranslationThreshold}. */
  static final String THRESHOLD_PROPERTY = "xv6ckpt.translate.threshold";

  /**
   * Visits before a slot is translated: enough that code run a few times (start-up, the kernel
   * calling a program once) stays interpreted, small next to any loop worth compiling.
   */
  static final int DEFAULT_THRESHOLD = 1000;

  /** The default for new harts, from {@link #PROPERTY} (the test suites run both ways). */
  static boolean defaultOn() {
    String v = System.getProperty(PROPERTY, "on");
    if (!v.equals("on") && !v.equals("off")) {
      throw new IllegalArgumentException(
          "system property " + PROPERTY + " is '" + v + "'; it must be 'on' or 'off'");
    }
    return v.equals("on");
  }

  /** The default threshold for new harts, from {@link #THRESHOLD_PROPERTY}. */
  static int defaultThreshold() {
    String v = System.getProperty(THRESHOLD_PROPERTY);
    if (v == null) {
      return DEFAULT_THRESHOLD;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        "system property " + THRESHOLD_PROPERTY + " is '" + v + "'; it must be an integer >= 1");
  }

  private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

  private static final String HART = "xv6ckpt/emulator/Hart";
  private static final String SUPER = "xv6ckpt/emulator/Translation";
  private static final String RUN_DESC = "(L" + HART + ";[J[B[JJJI)I";
  private static final String PAGE = "xv6ckpt/emulator/DecodedPage";
  private static final String MEMORY = "xv6ckpt/emulator/PhysicalMemory";

  /**
   * Instructions per region that follows calls into other pages ({@link Region#form} with a code
   * source): a loop such as xv6's {@code wakeup}, with the lock functions it calls, is ~150.
   */
  static final int MAX_CALL_INSNS = 256;

  /**
   * Instructions of a straight-line region ({@link Region#straight}): a function entered often from
   * interpreted code (xv6's {@code usertrap}, {@code bread}, {@code kalloc}) with what it calls.
   * 128 measured better than 64 and 256 on {@code usertests -q} (emulator README).
   */
  static final int MAX_STRAIGHT_INSNS = 128;

  /** Fewer instructions than this on no loop are left to the interpreter: entry and exit cost. */
  static final int MIN_STRAIGHT_INSNS = 12;

  /** Pages a region may reach on either side of its entry page (one bit each in a local). */
  static final int MAX_PAGE_DISTANCE = 15;

  /**
   * Where a region finds the code of other pages: the decoding of the page at pageVa + 4096 k, as
   * the hart's fetch TLB and the decode cache hold it now, or null. Nothing is walked or decoded
   * for a translation; the generated code checks the same before it runs that page's code.
   */
  @FunctionalInterface
  interface CodeSource {
    DecodedPage at(int k);
  }

  /**
   * Translates the region entered at slot {@code entry}; {@link Translation#NONE} if empty. With
   * {@code counts} the code records every transfer in the hart's coverage (it must then have a
   * recorder); without, it records none and is smaller, which is what lets a loop through several
   * functions fit {@link #MAX_CODE_BYTES} (a branch's two records are more code than the branch).
   */
  static Translation translate(DecodedPage page, int entry, CodeSource others, boolean counts) {
    if (!translatable(page.code[entry])) {
      return Translation.NONE;
    }
    ByteLoop bytes = ByteLoop.recognise(page, entry); // memset, memmove: run in bulk
    if (bytes != null) {
      return bytes;
    }
    // A loop inside the page, as always; else a loop that calls functions elsewhere (the lock path
    // of a C kernel: short calls and returns between pages). A loop inside the page that calls out
    // of itself would leave its translation at every call and run the callees interpreted (xv6's
    // wakeup calling acquire, release and myproc, 64 times per call): the region that follows the
    // calls comes first then. On no loop at all: the straight-line code of a hot function.
    Pages inPage = new Pages(page, null);
    if (others != null && callsOut(inPage, entry)) {
      Translation t = translate(new Pages(page, others), entry, MAX_CALL_INSNS, counts);
      if (t != Translation.NONE) {
        return t;
      }
    }
    Translation t = translate(inPage, entry, MAX_INSNS, counts);
    if (t == Translation.NONE && others != null) {
      t = translate(new Pages(page, others), entry, MAX_CALL_INSNS, counts);
    }
    if (t == Translation.NONE && others != null) {
      t = translateStraight(new Pages(page, others), entry, counts);
    }
    return t;
  }

  /** Whether the one-page loop around the entry makes a call (its callee is never a member). */
  private static boolean callsOut(Pages inPage, int entry) {
    Region r = Region.form(inPage, entry, MAX_INSNS);
    return r.blocks().stream().anyMatch(b -> Region.returnPoint(inPage, b) != NO_KEY);
  }

  /** The straight-line region of a hot slot on no loop ({@link Region#straight}), if any. */
  private static Translation translateStraight(Pages pages, int entry, boolean counts) {
    return translate(
        pages, entry, MAX_STRAIGHT_INSNS, MIN_STRAIGHT_INSNS, counts, Region::straight);
  }

  private static Translation translate(Pages pages, int entry, int maxInsns, boolean counts) {
    return translate(pages, entry, maxInsns, 1, counts, Region::form);
  }

  /** How a region is formed from an entry within a limit of instructions. */
  @FunctionalInterface
  private interface Shape {
    Region form(Pages pages, int entry, int limit);
  }

  /**
   * The region of this shape at the entry, formed again with half the instructions while its class
   * exceeds {@link #MAX_CODE_BYTES}; none when it is empty (not in a loop, for {@link Region#form})
   * or under {@code minInsns} instructions.
   */
  private static Translation translate(
      Pages pages, int entry, int maxInsns, int minInsns, boolean counts, Shape shape) {
    for (int limit = maxInsns; limit >= minInsns; limit /= 2) {
      Region region = shape.form(pages, entry, limit);
      int n = region.blocks().stream().mapToInt(b -> b.slots().length).sum();
      if (region.blocks().isEmpty() || n < minInsns) {
        return Translation.NONE;
      }
      byte[] cls = new Emitter(pages, region, counts).emit();
      if (cls != null) {
        return define(pages, region, cls);
      }
    }
    return Translation.NONE;
  }

  /** Loads the class of a region and records where it may be entered and what it runs. */
  private static Translation define(Pages pages, Region region, byte[] cls) {
    Translation t = define(cls);
    t.entries = entries(pages, region);
    int[] others = region.otherPages();
    t.pages = new DecodedPage[others.length];
    t.versions = new int[others.length];
    t.offsets = others;
    for (int i = 0; i < others.length; i++) {
      t.pages[i] = pages.page(others[i]);
      t.versions[i] = t.pages[i].version;
    }
    return t;
  }

  /**
   * The slots of the entry page where the run loop may enter the region: every block's start in a
   * one-page loop; only the hot slot in a region that follows calls, so that its method has one
   * entry into one loop (many entries into a large region made HotSpot's compiles much dearer).
   */
  private static int[] entries(Pages pages, Region region) {
    return region.blocks().stream().filter(b -> b.page() == 0).mapToInt(Block::start).toArray();
  }

  /** Whether the translated code runs this instruction itself (else it exits before it). */
  static boolean translatable(long d) {
    int op = Insn.op(d);
    if ((op >= RvI.LUI && op <= RvI.FENCE) || (op >= RvM.MUL && op <= RvM.REMUW)) {
      return true;
    }
    if (op == RvA.ATOMIC) { // AMOs on a store-TLB hit, as the interpreter's amoHere
      int f5 = (int) (d >> 32) & 0x1F;
      return f5 != RvA.LR && f5 != RvA.SC;
    }
    return op == Decoder.ILLEGAL && isCsrAccess(Insn.imm(d)); // the CSR fast path, if any
  }

  /** csrrw/s/c and their immediate forms (not mret, sret, wfi, sfence.vma or a bad funct3). */
  private static boolean isCsrAccess(int bits) {
    int f3 = (bits >>> 12) & 7;
    return (bits & 0x7F) == 0x73 && f3 != 0 && f3 != 4;
  }

  private static boolean isBranch(int op) {
    return op >= RvI.BEQ && op <= RvI.BGEU;
  }

  private static Translation define(byte[] cls) {
    try {
      MethodHandles.Lookup hidden = LOOKUP.defineHiddenClass(cls, true);
      return (Translation)
          hidden.findConstructor(hidden.lookupClass(), MethodType.methodType(void.class)).invoke();
    } catch (Throwable e) { // a verify error here is a bug in the emitter: say so loudly
      throw new IllegalStateException("translator produced an unloadable class: " + e, e);
    }
  }

  // ---------------------------------------------------------------- regions

  /**
   * A slot of a region is named by a key: {@code SLOTS k + slot} for the slot of the page at pageVa
   * + 4096 k, so that 2 key is its address less pageVa on every page.
   */
  private static int pageOf(int key) {
    return Math.floorDiv(key, DecodedPage.SLOTS);
  }

  private static int slotOf(int key) {
    return Math.floorMod(key, DecodedPage.SLOTS);
  }

  /** The pages a region is formed from: the entry page (k = 0) and, with a source, others. */
  private static final class Pages {
    private final DecodedPage entry;
    private final CodeSource others;
    private final Map<Integer, DecodedPage> seen = new HashMap<>();

    Pages(DecodedPage entry, CodeSource others) {
      this.entry = entry;
      this.others = others;
    }

    /** Whether regions may follow calls (static AUIPC + JALR) and go into other pages. */
    boolean followsCalls() {
      return others != null;
    }

    /** The decoding of page k, or null if there is none to use. */
    DecodedPage page(int k) {
      if (k == 0) {
        return entry;
      }
      if (others == null || Math.abs(k) > MAX_PAGE_DISTANCE) {
        return null;
      }
      return seen.computeIfAbsent(k, others::at);
    }

    long code(int key) {
      return page(pageOf(key)).code[slotOf(key)];
    }

    int blen(int key) {
      return page(pageOf(key)).blen[slotOf(key)];
    }
  }

  /** One basic block of a region: its page, its instruction slots and how it ends. */
  private record Block(int page, int start, int[] slots, boolean terminated) {
    int key() {
      return key(start);
    }

    /** The key of slot j of this block's page. */
    int key(int j) {
      return page * DecodedPage.SLOTS + j;
    }

    /** The slot after the last translated instruction (where an unterminated block exits). */
    int next(long[] code) {
      int last = slots[slots.length - 1];
      return last + Insn.halfwords(code[last]);
    }
  }

  /** The blocks of a region, entry first, by key. */
  private record Region(List<Block> blocks, Map<Integer, Block> byKey) {
    boolean member(int key) {
      return byKey.containsKey(key);
    }

    /** The pages other than the entry's that hold blocks, ascending. */
    int[] otherPages() {
      return blocks.stream()
          .mapToInt(Block::page)
          .filter(k -> k != 0)
          .distinct()
          .sorted()
          .toArray();
    }

    static Region form(Pages pages, int entry, int limit) {
      return loops(pages, reached(pages, entry, limit));
    }

    /**
     * For a hot slot on no loop, following calls: the blocks reached from it that lie on no cycle
     * (a loop it reaches gets its own region when it is hot) and are reached without passing one;
     * so a function entered often from interpreted code, with what it calls, runs translated.
     */
    static Region straight(Pages pages, int entry, int limit) {
      Region all = reached(pages, entry, limit);
      List<Block> kept = new ArrayList<>();
      Map<Integer, Block> keptByKey = new HashMap<>();
      ArrayDeque<Block> work = new ArrayDeque<>();
      if (!all.blocks().isEmpty()) {
        work.add(all.blocks().get(0));
        keptByKey.put(all.blocks().get(0).key(), all.blocks().get(0));
      }
      while (!work.isEmpty()) {
        Block b = work.poll();
        kept.add(b);
        for (int t : successors(pages, b)) {
          Block n = all.byKey().get(t);
          if (n != null && !keptByKey.containsKey(t) && !onCycle(pages, all, n)) {
            keptByKey.put(t, n);
            work.add(n);
          }
        }
      }
      return new Region(kept, keptByKey);
    }

    /** Whether block b reaches itself through members of the region. */
    private static boolean onCycle(Pages pages, Region all, Block b) {
      java.util.Set<Integer> seen = new java.util.HashSet<>();
      ArrayDeque<Integer> work = new ArrayDeque<>(successors(pages, b));
      while (!work.isEmpty()) {
        int k = work.poll();
        if (k == b.key()) {
          return true;
        }
        Block n = all.byKey().get(k);
        if (n != null && seen.add(k)) {
          work.addAll(successors(pages, n));
        }
      }
      return false;
    }

    /** The blocks reached from the entry, breadth first, up to about {@code limit} instructions. */
    private static Region reached(Pages pages, int entry, int limit) {
      List<Block> blocks = new ArrayList<>();
      Map<Integer, Block> byKey = new HashMap<>();
      java.util.Set<Integer> queued = new java.util.HashSet<>();
      ArrayDeque<Integer> work = new ArrayDeque<>();
      work.add(entry);
      queued.add(entry);
      int insns = 0;
      while (!work.isEmpty()) {
        int key = work.poll();
        Block b = walk(pages, key, Math.max(1, limit - insns));
        blocks.add(b);
        byKey.put(key, b);
        insns += b.slots().length;
        if (insns >= limit) {
          break; // blocks still queued are not members
        }
        for (int t : successors(pages, b)) {
          if (queued.add(t)) {
            work.add(t);
          }
        }
      }
      return new Region(blocks, byKey);
    }

    /**
     * Keeps the blocks that lie on a cycle through the entry (the loop nest around the hot slot);
     * none if the entry is on no cycle (then {@link #straight} may take it, following calls). A
     * region that follows calls counts a return (a JALR it cannot follow) as going to every return
     * point of its calls, so the functions a loop calls are on its cycle.
     */
    private static Region loops(Pages pages, Region all) {
      List<Block> blocks = all.blocks();
      int entry = blocks.get(0).key();
      List<Integer> returnPoints = new ArrayList<>();
      if (pages.followsCalls()) {
        for (Block b : blocks) {
          int rp = returnPoint(pages, b);
          if (rp != NO_KEY) {
            returnPoints.add(rp);
          }
        }
      }
      java.util.Set<Integer> reaches = new java.util.HashSet<>(); // reach the entry via members
      for (boolean changed = true; changed; ) {
        changed = false;
        for (Block b : blocks) {
          if (reaches.contains(b.key())) {
            continue;
          }
          List<Integer> next = successors(pages, b);
          if (pages.followsCalls() && isReturn(pages, b)) {
            next = returnPoints;
          }
          for (int t : next) {
            if (all.member(t) && (t == entry || reaches.contains(t))) {
              reaches.add(b.key());
              changed = true;
              break;
            }
          }
        }
      }
      List<Block> kept = new ArrayList<>();
      Map<Integer, Block> keptByKey = new HashMap<>();
      if (reaches.contains(entry)) {
        for (Block b : blocks) {
          if (reaches.contains(b.key())) {
            kept.add(b);
            keptByKey.put(b.key(), b);
          }
        }
      }
      return new Region(kept, keptByKey);
    }

    /**
     * The translatable instructions from the key's slot on, up to the block's end (kept) or the
     * first instruction that is not translated (not kept), at most {@code max} of them.
     */
    private static Block walk(Pages pages, int key, int max) {
      int k = pageOf(key);
      long[] code = pages.page(k).code;
      List<Integer> slots = new ArrayList<>();
      int j = slotOf(key);
      while (slots.size() < max) {
        long d = code[j];
        if (!translatable(d)) {
          break;
        }
        slots.add(j);
        if (DecodedPage.endsBlock(Insn.op(d))) {
          return new Block(k, slotOf(key), toArray(slots), true);
        }
        j += Insn.halfwords(d);
      }
      return new Block(k, slotOf(key), toArray(slots), false);
    }

    private static int[] toArray(List<Integer> slots) {
      return slots.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Keys a terminated block may continue at whose first instruction translates: in its page, or
     * (following calls) in another page the source holds. Following calls, a jump's target must
     * have been reached before (its heat is not 0), so that a panic path is not translated.
     */
    private static List<Integer> successors(Pages pages, Block b) {
      List<Integer> next = new ArrayList<>();
      if (!b.terminated()) {
        return next;
      }
      int j = b.slots()[b.slots().length - 1];
      long[] code = pages.page(b.page()).code;
      long d = code[j];
      int op = Insn.op(d);
      int fallThrough = b.key(j + Insn.halfwords(d));
      if (isBranch(op) || op == Decoder.ILLEGAL) {
        next.add(fallThrough); // ILLEGAL here is a CSR access, which ends its block
      }
      int target = NO_KEY;
      if (isBranch(op) || op == RvI.JAL) {
        target = b.key(j) + (Insn.imm(d) >> 1);
      } else if (op == RvI.JALR) {
        target = staticTarget(pages, b, b.slots().length - 1);
      }
      if (target != NO_KEY && (!pages.followsCalls() || heat(pages, target) != 0)) {
        next.add(target);
      }
      if (returnPoint(pages, b) != NO_KEY) {
        next.add(fallThrough); // a call: its return lands here
      }
      next.removeIf(
          t -> {
            DecodedPage p = pages.page(pageOf(t));
            return p == null || !translatable(p.code[slotOf(t)]);
          });
      return next;
    }

    private static int heat(Pages pages, int key) {
      DecodedPage p = pages.page(pageOf(key));
      return p == null ? 0 : p.heat[slotOf(key)];
    }

    /** Where the block's call returns to (the slot after its linking jump), or NO_KEY. */
    static int returnPoint(Pages pages, Block b) {
      if (!b.terminated()) {
        return NO_KEY;
      }
      int i = b.slots().length - 1;
      int j = b.slots()[i];
      long d = pages.page(b.page()).code[j];
      int op = Insn.op(d);
      boolean call =
          Insn.rd(d) != Insn.X_SINK
              && (op == RvI.JAL || (op == RvI.JALR && staticTarget(pages, b, i) != NO_KEY));
      return call ? b.key(j + Insn.halfwords(d)) : NO_KEY;
    }

    /** A JALR whose target the region does not know (a return, or a call through a pointer). */
    private static boolean isReturn(Pages pages, Block b) {
      if (!b.terminated()) {
        return false;
      }
      int i = b.slots().length - 1;
      long d = pages.page(b.page()).code[b.slots()[i]];
      return Insn.op(d) == RvI.JALR && staticTarget(pages, b, i) == NO_KEY;
    }
  }

  /** No key: keys lie within {@link #MAX_PAGE_DISTANCE} pages, far from this. */
  static final int NO_KEY = Integer.MIN_VALUE;

  /**
   * The key the JALR at index i of block b jumps to if an AUIPC just before it in the block set its
   * base register (a call {@code auipc ra, hi; jalr ra, lo(ra)}: the target is fixed by the code),
   * when the region follows calls; else NO_KEY.
   */
  private static int staticTarget(Pages pages, Block b, int i) {
    if (!pages.followsCalls() || i == 0) {
      return NO_KEY;
    }
    long[] code = pages.page(b.page()).code;
    int j = b.slots()[i];
    int a = b.slots()[i - 1];
    long d = code[j];
    long auipc = code[a];
    int base = Insn.rs1(d);
    if (Insn.op(auipc) != RvI.AUIPC || base == 0 || Insn.rd(auipc) != base) {
      return NO_KEY;
    }
    long offset = 2L * b.key(a) + Insn.imm(auipc) + Insn.imm(d); // from pageVa
    long key = offset >> 1; // JALR clears bit 0
    if (Math.abs(Math.floorDiv(key, DecodedPage.SLOTS)) > MAX_PAGE_DISTANCE) {
      return NO_KEY;
    }
    return (int) key;
  }

  // ---------------------------------------------------------------- bytecode

  /**
   * Writes the class for one region. Locals of {@code run}: the parameters (this, h, x, ram, tlb,
   * pageVa, left, entry; entry is also the key a JALR dispatches on), then idx (the exit's return
   * value), va, e and off (scratch of one access), verified (a bit per other page whose mapping
   * this run has checked, bit k + {@link #MAX_PAGE_DISTANCE} for page k), then x1..x31 as longs. x0
   * has no local: it reads as the constant 0, and writes to it (rd = {@link Insn#X_SINK}) are
   * dropped after the value is computed.
   */
  private static final class Emitter {
    private static final int THIS = 0, H = 1, X = 2, RAM = 3, TLB = 4, PAGE_VA = 5, LEFT = 7;
    private static final int ENTRY = 9, IDX = 10, VA = 11, OFF = 14, VERIFIED = 15;

    /** Local of x1 is at REG0 + 2; x0 has none. */
    private static final int REG0 = 14;

    private final Pages pages;
    private final Region region;
    private final Map<Integer, Label> blockLabel = new HashMap<>();

    /** Where a jump from another page enters a block of page k != 0: its mapping check first. */
    private final Map<Integer, Label> guardLabel = new HashMap<>();

    private final int[] otherPages;
    private final Label tail = new Label();

    /** Where a JALR dispatches on the key in ENTRY; null until one needs it. */
    private Label jalrDispatch;

    /** Out-of-line exits, emitted after the body, one per distinct kind and operands. */
    private final Map<List<Long>, Label> stubs = new HashMap<>();

    private final List<Runnable> stubCode = new ArrayList<>();
    private MethodVisitor mv;

    /** The block being emitted. */
    private Block current;

    /** [coverage] Whether the code records transfers ({@link #translate}). */
    private final boolean counts;

    Emitter(Pages pages, Region region, boolean counts) {
      this.pages = pages;
      this.region = region;
      this.counts = counts;
      this.otherPages = region.otherPages();
      for (Block b : region.blocks()) {
        blockLabel.put(b.key(), new Label());
      }
    }

    /** The class file, or null if its method exceeds {@link #MAX_CODE_BYTES}. */
    byte[] emit() {
      ClassWriter cw =
          new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected String getCommonSuperClass(String a, String b) {
              return "java/lang/Object"; // locals never merge two different reference types
            }
          };
      cw.visit(V17, ACC_FINAL | ACC_SUPER, "xv6ckpt/emulator/Region", null, SUPER, null);
      MethodVisitor init = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
      init.visitCode();
      init.visitVarInsn(ALOAD, 0);
      init.visitMethodInsn(INVOKESPECIAL, SUPER, "<init>", "()V", false);
      init.visitInsn(RETURN);
      init.visitMaxs(0, 0);
      init.visitEnd();

      mv = cw.visitMethod(0, "run", RUN_DESC, null, null);
      mv.visitCode();
      boolean[] used = new boolean[33];
      boolean[] written = new boolean[33];
      registers(used, written);
      for (int r = 1; r < 32; r++) {
        if (used[r]) {
          mv.visitVarInsn(ALOAD, X);
          iconst(r);
          mv.visitInsn(LALOAD);
          mv.visitVarInsn(LSTORE, reg(r));
        }
      }
      iconst(0);
      mv.visitVarInsn(ISTORE, VERIFIED); // the entry page was just fetched: it needs no check
      // Enter at the block asked for (one of the entry page's); any other slot runs nothing.
      Label notEntry = new Label();
      int[] entries = entries(pages, region).clone();
      java.util.Arrays.sort(entries);
      dispatch(entries, notEntry);
      mv.visitLabel(notEntry);
      mv.visitVarInsn(ILOAD, ENTRY);
      mv.visitVarInsn(ISTORE, IDX);
      mv.visitJumpInsn(GOTO, tail);
      for (Block b : region.blocks()) {
        block(b);
      }
      if (jalrDispatch != null) {
        // A JALR to the key in ENTRY: a block of the region, or leave for it.
        mv.visitLabel(jalrDispatch);
        Label elsewhere = new Label();
        dispatch(region.blocks().stream().mapToInt(Block::key).sorted().toArray(), elsewhere);
        mv.visitLabel(elsewhere);
        exitJumpToEntryKey();
      }
      for (int i = 0; i < stubCode.size(); i++) { // a stub may add stubs
        stubCode.get(i).run();
      }
      mv.visitLabel(tail);
      for (int r = 1; r < 32; r++) {
        if (written[r]) {
          mv.visitVarInsn(ALOAD, X);
          iconst(r);
          mv.visitVarInsn(LLOAD, reg(r));
          mv.visitInsn(LASTORE);
        }
      }
      mv.visitVarInsn(ALOAD, H);
      mv.visitVarInsn(LLOAD, LEFT);
      mv.visitFieldInsn(PUTFIELD, HART, "exitLeft", "J");
      mv.visitVarInsn(ILOAD, IDX);
      mv.visitInsn(IRETURN);
      Label end = new Label();
      mv.visitLabel(end);
      mv.visitMaxs(0, 0);
      mv.visitEnd();
      if (end.getOffset() > MAX_CODE_BYTES) {
        return null;
      }
      cw.visitEnd();
      return cw.toByteArray();
    }

    /** Jumps to the block whose key (one of {@code keys}, sorted) is in ENTRY, else elsewhere. */
    private void dispatch(int[] keys, Label otherwise) {
      Label[] labels = new Label[keys.length];
      for (int k = 0; k < keys.length; k++) {
        labels[k] = enter(keys[k]);
      }
      mv.visitVarInsn(ILOAD, ENTRY);
      mv.visitLookupSwitchInsn(otherwise, keys, labels);
    }

    /**
     * Where a jump from anywhere enters the block at key: on page 0 the block itself, elsewhere its
     * page's mapping check first ({@link Translation#verify}), an out-of-line stub made on first
     * use that leaves for the interpreter at the block (nothing charged) if the check fails.
     */
    private Label enter(int key) {
      int k = pageOf(key);
      if (k == 0) {
        return blockLabel.get(key);
      }
      return guardLabel.computeIfAbsent(
          key,
          unused -> {
            Label l = new Label();
            int index = java.util.Arrays.binarySearch(otherPages, k);
            stubCode.add(
                () -> {
                  mv.visitLabel(l);
                  // Checked already in this run: straight in, with no call (HotSpot does not
                  // inline verify into a large region, and a call spills every live register).
                  mv.visitVarInsn(ILOAD, VERIFIED);
                  iconst(1 << (k + MAX_PAGE_DISTANCE));
                  mv.visitInsn(IAND);
                  mv.visitJumpInsn(IFNE, blockLabel.get(key));
                  mv.visitVarInsn(ALOAD, THIS);
                  mv.visitVarInsn(ALOAD, H);
                  mv.visitVarInsn(LLOAD, PAGE_VA);
                  mv.visitVarInsn(ILOAD, VERIFIED);
                  iconst(index);
                  mv.visitMethodInsn(INVOKEVIRTUAL, SUPER, "verify", "(L" + HART + ";JII)I", false);
                  mv.visitInsn(DUP);
                  mv.visitVarInsn(ISTORE, VERIFIED);
                  mv.visitJumpInsn(IFGE, blockLabel.get(key));
                  leave(0, key);
                });
            return l;
          });
    }

    /** Registers the region reads or writes (all must be in locals) and those it writes. */
    private void registers(boolean[] used, boolean[] written) {
      for (Block b : region.blocks()) {
        for (int j : b.slots()) {
          long d = code(b.key(j));
          if (Insn.op(d) == Decoder.ILLEGAL) { // a CSR access: fields of its raw bits
            int bits = Insn.imm(d);
            int rd = (bits >>> 7) & 31;
            used[rd] = true;
            written[rd] = true;
            used[csrSource(bits)] = true;
            continue;
          }
          used[Insn.rs1(d)] = true;
          used[Insn.rs2(d)] = true;
          used[Insn.rd(d)] = true;
          written[Insn.rd(d)] = true;
        }
      }
    }

    /** The register a CSR access reads (x0 for the immediate forms). */
    private static int csrSource(int bits) {
      return ((bits >>> 12) & 7) >= 5 ? 0 : (bits >>> 15) & 31;
    }

    private long code(int key) {
      return pages.code(key);
    }

    private int blen(int key) {
      return pages.blen(key);
    }

    private static int reg(int r) {
      return REG0 + 2 * r;
    }

    // ---- one block

    private void block(Block b) {
      current = b;
      int s = b.key();
      mv.visitLabel(blockLabel.get(s));
      // Charge the whole block, or leave before it (nothing charged) if it does not fit.
      long n = blen(s);
      mv.visitVarInsn(LLOAD, LEFT);
      lconst(n);
      mv.visitInsn(LCMP);
      mv.visitJumpInsn(IFLT, exitAt(s, 0));
      mv.visitVarInsn(LLOAD, LEFT);
      lconst(n);
      mv.visitInsn(LSUB);
      mv.visitVarInsn(LSTORE, LEFT);
      for (int j : b.slots()) {
        long d = code(b.key(j));
        insn(b.key(j), d);
      }
      if (!b.terminated()) {
        long[] code = pages.page(b.page()).code;
        int j = b.next(code);
        if (Insn.op(code[j]) == Decoder.PAGE_EXIT) {
          exitJumpInline(2L * b.key(j)); // ran off the page end: blen[j] is 0
        } else {
          mv.visitJumpInsn(GOTO, exitAt(b.key(j), blen(b.key(j)))); // give back the unrun rest
        }
      }
    }

    /**
     * Label of an exit to the interpreter at key j, giving back {@code giveBack} (the unrun rest of
     * a charged block): a stub of a few bytes that jumps to the shared exit.
     */
    private Label exitAt(int j, int giveBack) {
      return stubs.computeIfAbsent(
          List.of((long) j, (long) giveBack),
          k -> {
            Label l = new Label();
            stubCode.add(
                () -> {
                  mv.visitLabel(l);
                  leave(giveBack, j);
                });
            return l;
          });
    }

    /** Label of an exit at a block boundary, key j (nothing to give back). */
    private Label exitJump(int j) {
      return exitAt(j, 0);
    }

    /** Goes to the shared exit with the give-back and key on the operand stack. */
    private void leave(int giveBack, int key) {
      iconst(giveBack);
      iconst(key);
      mv.visitJumpInsn(GOTO, exitCommon());
    }

    private Label exitCommon;

    /**
     * The shared exit: gives back what the stack says, then returns the slot if the key is on the
     * entry page (the interpreter goes on there) or leaves for pageVa + 2 key.
     */
    private Label exitCommon() {
      if (exitCommon == null) {
        exitCommon = new Label();
        stubCode.add(
            () -> {
              mv.visitLabel(exitCommon);
              mv.visitVarInsn(ISTORE, ENTRY);
              mv.visitInsn(I2L);
              mv.visitVarInsn(LLOAD, LEFT);
              mv.visitInsn(LADD);
              mv.visitVarInsn(LSTORE, LEFT);
              mv.visitVarInsn(ILOAD, ENTRY);
              mv.visitVarInsn(ISTORE, IDX);
              mv.visitVarInsn(ILOAD, ENTRY);
              iconst(11);
              mv.visitInsn(IUSHR);
              mv.visitJumpInsn(IFEQ, tail); // 0 <= key < SLOTS: a slot of the entry page
              exitJumpToEntryKey();
            });
      }
      return exitCommon;
    }

    /** Leaves for pageVa + 2 ENTRY. */
    private void exitJumpToEntryKey() {
      mv.visitVarInsn(ALOAD, H);
      mv.visitVarInsn(LLOAD, PAGE_VA);
      mv.visitVarInsn(ILOAD, ENTRY);
      mv.visitInsn(I2L);
      iconst(1);
      mv.visitInsn(LSHL);
      mv.visitInsn(LADD);
      mv.visitFieldInsn(PUTFIELD, HART, "exitPc", "J");
      jumpExit();
    }

    private void exitJumpInline(long off) {
      mv.visitVarInsn(ALOAD, H);
      mv.visitVarInsn(LLOAD, PAGE_VA);
      lconst(off);
      mv.visitInsn(LADD);
      mv.visitFieldInsn(PUTFIELD, HART, "exitPc", "J");
      jumpExit();
    }

    private void jumpExit() {
      iconst(Translation.EXIT_JUMP);
      mv.visitVarInsn(ISTORE, IDX);
      mv.visitJumpInsn(GOTO, tail);
    }

    /**
     * Where control goes to continue at key t from the current block: its block's label (past the
     * mapping check if it is on the same page or the entry page), or an exit.
     */
    private Label target(int t) {
      if (!region.member(t)) {
        return exitJump(t);
      }
      return pageOf(t) == current.page() ? blockLabel.get(t) : enter(t);
    }

    // ---- one instruction

    private void insn(int j, long d) {
      int op = Insn.op(d);
      int rd = Insn.rd(d), rs1 = Insn.rs1(d), rs2 = Insn.rs2(d);
      long imm = d >> 32;
      switch (op) {
        // ====================================================== RV64I
        case RvI.LUI:
          lconst(imm);
          put(rd);
          return;
        case RvI.AUIPC:
          mv.visitVarInsn(LLOAD, PAGE_VA);
          lconst(2L * j + imm);
          mv.visitInsn(LADD);
          put(rd);
          return;
        case RvI.JAL:
          link(j, d, rd);
          coverage(2L * j + imm); // [coverage]
          mv.visitJumpInsn(GOTO, target(j + (int) (imm >> 1)));
          return;
        case RvI.JALR:
          get(rs1);
          lconst(imm);
          mv.visitInsn(LADD);
          lconst(~1L);
          mv.visitInsn(LAND);
          mv.visitVarInsn(LSTORE, VA); // the target, before rd is written: rd may be rs1
          link(j, d, rd);
          coverageAtVa(); // [coverage]
          jalr();
          return;
        case RvA.ATOMIC:
          atomic(j, d, rd, rs1, rs2);
          return;
        case Decoder.ILLEGAL:
          csr(j, d);
          return;
        case RvI.BEQ:
        case RvI.BNE:
        case RvI.BLT:
        case RvI.BGE:
        case RvI.BLTU:
        case RvI.BGEU:
          branch(j, d, op, rs1, rs2);
          return;
        case RvI.LOAD:
          load(j, d, rd, rs1);
          return;
        case RvI.STORE:
          store(j, d, rs1, rs2);
          return;
        case RvI.ADDI:
          immOp(rd, rs1, imm, LADD);
          return;
        case RvI.SLTI:
          get(rs1);
          lconst(imm);
          mv.visitInsn(LCMP);
          lessThanZeroBit(rd);
          return;
        case RvI.SLTIU:
          get(rs1);
          lconst(imm);
          compareUnsigned();
          lessThanZeroBit(rd);
          return;
        case RvI.XORI:
          immOp(rd, rs1, imm, LXOR);
          return;
        case RvI.ORI:
          immOp(rd, rs1, imm, LOR);
          return;
        case RvI.ANDI:
          immOp(rd, rs1, imm, LAND);
          return;
        case RvI.SLLI:
          shiftImm(rd, rs1, imm, LSHL);
          return;
        case RvI.SRLI:
          shiftImm(rd, rs1, imm, LUSHR);
          return;
        case RvI.SRAI:
          shiftImm(rd, rs1, imm, LSHR);
          return;
        case RvI.ADD:
          regOp(rd, rs1, rs2, LADD);
          return;
        case RvI.SUB:
          regOp(rd, rs1, rs2, LSUB);
          return;
        case RvI.SLL:
          shiftReg(rd, rs1, rs2, LSHL); // the JVM masks a long shift to 6 bits, as RV64 does
          return;
        case RvI.SLT:
          get(rs1);
          get(rs2);
          mv.visitInsn(LCMP);
          lessThanZeroBit(rd);
          return;
        case RvI.SLTU:
          get(rs1);
          get(rs2);
          compareUnsigned();
          lessThanZeroBit(rd);
          return;
        case RvI.XOR:
          regOp(rd, rs1, rs2, LXOR);
          return;
        case RvI.SRL:
          shiftReg(rd, rs1, rs2, LUSHR);
          return;
        case RvI.SRA:
          shiftReg(rd, rs1, rs2, LSHR);
          return;
        case RvI.OR:
          regOp(rd, rs1, rs2, LOR);
          return;
        case RvI.AND:
          regOp(rd, rs1, rs2, LAND);
          return;
        case RvI.ADDIW:
          get(rs1);
          lconst(imm);
          mv.visitInsn(LADD);
          mv.visitInsn(L2I);
          mv.visitInsn(I2L);
          put(rd);
          return;
        case RvI.SLLIW:
          shiftImmW(rd, rs1, imm, ISHL);
          return;
        case RvI.SRLIW:
          shiftImmW(rd, rs1, imm, IUSHR);
          return;
        case RvI.SRAIW:
          shiftImmW(rd, rs1, imm, ISHR);
          return;
        case RvI.ADDW:
          regOpW(rd, rs1, rs2, IADD);
          return;
        case RvI.SUBW:
          regOpW(rd, rs1, rs2, ISUB);
          return;
        case RvI.SLLW:
          regOpW(rd, rs1, rs2, ISHL); // an int shift is masked to 5 bits, as the W forms are
          return;
        case RvI.SRLW:
          regOpW(rd, rs1, rs2, IUSHR);
          return;
        case RvI.SRAW:
          regOpW(rd, rs1, rs2, ISHR);
          return;
        case RvI.FENCE:
          return; // one hart, in order: nothing to order

        // ====================================================== M
        case RvM.MUL:
          regOp(rd, rs1, rs2, LMUL);
          return;
        case RvM.MULH:
          call(rd, rs1, rs2, "java/lang/Math", "multiplyHigh");
          return;
        case RvM.MULHSU:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "mulhsu");
          return;
        case RvM.MULHU:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "mulhu");
          return;
        case RvM.DIV:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "div");
          return;
        case RvM.DIVU:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "divu");
          return;
        case RvM.REM:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "rem");
          return;
        case RvM.REMU:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "remu");
          return;
        case RvM.MULW:
          regOpW(rd, rs1, rs2, IMUL);
          return;
        case RvM.DIVW:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "divw");
          return;
        case RvM.DIVUW:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "divuw");
          return;
        case RvM.REMW:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "remw");
          return;
        case RvM.REMUW:
          call(rd, rs1, rs2, "xv6ckpt/emulator/RvM", "remuw");
          return;
        default:
          throw new IllegalStateException("operation " + op + " is not translatable");
      }
    }

    /**
     * Goes to the target in VA: straight to its block if it is the call this JALR makes (the code
     * fixes it, {@link #staticTarget}), else through the dispatch on its key if it lies within the
     * region's keys, else leaves.
     */
    private void jalr() {
      int fixed = staticTarget(pages, current, current.slots().length - 1);
      if (fixed != NO_KEY && region.member(fixed)) {
        mv.visitVarInsn(LLOAD, VA);
        mv.visitVarInsn(LLOAD, PAGE_VA);
        lconst(2L * fixed);
        mv.visitInsn(LADD);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, target(fixed));
      }
      if (jalrDispatch == null) {
        jalrDispatch = new Label();
      }
      int lo = region.blocks().stream().mapToInt(Block::key).min().orElseThrow();
      int hi = region.blocks().stream().mapToInt(Block::key).max().orElseThrow();
      Label away = new Label();
      mv.visitVarInsn(LLOAD, VA);
      mv.visitVarInsn(LLOAD, PAGE_VA);
      mv.visitInsn(LSUB);
      mv.visitInsn(DUP2);
      lconst(2L * lo);
      mv.visitInsn(LCMP);
      mv.visitJumpInsn(IFLT, away);
      mv.visitInsn(DUP2);
      lconst(2L * hi);
      mv.visitInsn(LCMP);
      mv.visitJumpInsn(IFGT, away);
      iconst(1);
      mv.visitInsn(LSHR);
      mv.visitInsn(L2I);
      mv.visitVarInsn(ISTORE, ENTRY);
      mv.visitJumpInsn(GOTO, jalrDispatch);
      mv.visitLabel(away);
      mv.visitInsn(POP2);
      mv.visitVarInsn(ALOAD, H);
      mv.visitVarInsn(LLOAD, VA);
      mv.visitFieldInsn(PUTFIELD, HART, "exitPc", "J");
      jumpExit();
    }

    /**
     * An AMO at key j: {@link Hart#amoHere} on the registers' array, the interpreter's own test (a
     * store-TLB hit, aligned); on a miss it changed nothing and the code leaves before the AMO, so
     * the interpreter's slow path walks, sets A/D or traps.
     */
    private void atomic(int j, long d, int rd, int rs1, int rs2) {
      spill(rs1);
      spill(rs2);
      mv.visitVarInsn(ALOAD, H);
      mv.visitVarInsn(ALOAD, X);
      lconst(d);
      mv.visitMethodInsn(INVOKEVIRTUAL, HART, "amoHere", "([JJ)Z", false);
      mv.visitJumpInsn(IFEQ, exitAt(j, blen(j)));
      reload(rd);
    }

    /**
     * A CSR access at key j (it ends its block): offered to the hart's fast path ({@link
     * Hart#csrHere}), which refuses what the interpreter's would (then nothing changed and the code
     * leaves before it: the ordinary path takes it, and the interrupt an sstatus write makes
     * deliverable is taken exactly after it); else goes on with the next block.
     */
    private void csr(int j, long d) {
      int bits = Insn.imm(d);
      spill(csrSource(bits));
      mv.visitVarInsn(ALOAD, H);
      lconst(d);
      mv.visitVarInsn(LLOAD, LEFT);
      mv.visitMethodInsn(INVOKEVIRTUAL, HART, "csrHere", "(JJ)Z", false);
      mv.visitJumpInsn(IFEQ, exitAt(j, blen(j)));
      reload((bits >>> 7) & 31);
      mv.visitJumpInsn(GOTO, target(j + Insn.halfwords(d)));
    }

    /** x[r] = the local of r, for a helper that reads registers from the array. */
    private void spill(int r) {
      if (r == 0 || r == Insn.X_SINK) {
        return;
      }
      mv.visitVarInsn(ALOAD, X);
      iconst(r);
      mv.visitVarInsn(LLOAD, reg(r));
      mv.visitInsn(LASTORE);
    }

    /** The local of r = x[r], after a helper wrote r in the array. */
    private void reload(int r) {
      if (r == 0 || r == Insn.X_SINK) {
        return;
      }
      mv.visitVarInsn(ALOAD, X);
      iconst(r);
      mv.visitInsn(LALOAD);
      mv.visitVarInsn(LSTORE, reg(r));
    }

    /** rd = the address after the jump at slot j. */
    private void link(int j, long d, int rd) {
      if (rd == Insn.X_SINK) {
        return;
      }
      mv.visitVarInsn(LLOAD, PAGE_VA);
      lconst(2L * (j + Insn.halfwords(d)));
      mv.visitInsn(LADD);
      put(rd);
    }

    private void branch(int j, long d, int op, int rs1, int rs2) {
      get(rs1);
      get(rs2);
      if (op == RvI.BLTU || op == RvI.BGEU) {
        compareUnsigned();
      } else {
        mv.visitInsn(LCMP);
      }
      int taken;
      switch (op) {
        case RvI.BEQ:
          taken = IFEQ;
          break;
        case RvI.BNE:
          taken = IFNE;
          break;
        case RvI.BLT:
        case RvI.BLTU:
          taken = IFLT;
          break;
        default: // BGE, BGEU
          taken = IFGE;
          break;
      }
      if (!counts) {
        mv.visitJumpInsn(taken, target(j + (Insn.imm(d) >> 1)));
        mv.visitJumpInsn(GOTO, target(j + Insn.halfwords(d)));
        return;
      }
      // [coverage] each way records its own edge: taken to a stub that records, then goes on
      Label takenWay = new Label();
      mv.visitJumpInsn(taken, takenWay);
      coverage(2L * (j + Insn.halfwords(d)));
      mv.visitJumpInsn(GOTO, target(j + Insn.halfwords(d)));
      mv.visitLabel(takenWay);
      coverage(2L * j + Insn.imm(d));
      mv.visitJumpInsn(GOTO, target(j + (Insn.imm(d) >> 1)));
    }

    // ---- guest coverage (issue 13): calls Hart.coverage.transfer(target) if it is set

    /** Records a transfer to pageVa + {@code off} if the hart has a recorder. */
    private void coverage(long off) {
      recordTransfer(
          () -> {
            mv.visitVarInsn(LLOAD, PAGE_VA);
            lconst(off);
            mv.visitInsn(LADD);
          });
    }

    /** Records a transfer to the address in local VA if the hart has a recorder. */
    private void coverageAtVa() {
      recordTransfer(() -> mv.visitVarInsn(LLOAD, VA));
    }

    /**
     * {@code if (h.coverage != null) h.coverage.transfer(target)}; pushTarget emits the long.
     * Nothing in a translation that does not count: it runs only on harts without a recorder.
     */
    private void recordTransfer(Runnable pushTarget) {
      if (!counts) {
        return;
      }
      mv.visitVarInsn(ALOAD, H);
      pushTarget.run();
      mv.visitMethodInsn(INVOKESTATIC, SUPER, "transfer", "(L" + HART + ";J)V", false);
    }

    /**
     * Computes va and looks up its TLB entry for a {@code size}-byte access ({@link
     * Translation#loadOffset}, {@link Translation#storeOffset}); leaves for the interpreter at key
     * j on a miss or if the access would cross the page end; else leaves the RAM offset in OFF. The
     * page-end test is the access's own, not the interpreter's (which reads 8 bytes and so leaves
     * in the last 7 of any size): a loop sweeping an array of words or bytes then stays here at
     * every page's end, where it used to leave once per page per sweep (bench_sort 49k and
     * bench_crc 38k exits per run). One static call per access keeps the bytecode small, so that a
     * region through several functions fits in one compiled method (HotSpot inlines it only into
     * small regions). With {@code size} above 1, the access's VarHandle ({@link PhysicalMemory})
     * goes on the stack first, for the access itself.
     */
    private void address(int j, long offset, int rs1, String lookup, int size) {
      mv.visitVarInsn(ALOAD, TLB);
      get(rs1);
      lconst(offset);
      mv.visitInsn(LADD);
      iconst(PhysicalMemory.PGSIZE - size);
      mv.visitMethodInsn(INVOKESTATIC, SUPER, lookup, "([JJI)I", false);
      mv.visitInsn(DUP);
      mv.visitVarInsn(ISTORE, OFF);
      mv.visitJumpInsn(IFLT, exitAt(j, blen(j)));
      if (size > 1) {
        String view = size == 2 ? "SHORT" : size == 4 ? "INT" : "LONG";
        mv.visitFieldInsn(GETSTATIC, MEMORY, view, "Ljava/lang/invoke/VarHandle;");
      }
      mv.visitVarInsn(ALOAD, RAM);
      mv.visitVarInsn(ILOAD, OFF);
    }

    /**
     * {@code VarHandle.get} or {@code set} (the view, the RAM and the offset are stacked), called
     * from the region itself: HotSpot inlines a VarHandle's access into any method (it is forced
     * to), where a helper around it, like any method, stops being inlined into a large region, and
     * each call spills every live register.
     */
    private void view(String descriptor, boolean set) {
      mv.visitMethodInsn(
          INVOKEVIRTUAL, "java/lang/invoke/VarHandle", set ? "set" : "get", descriptor, false);
    }

    /** A decoded LOAD (layout in {@link RvI#LOAD}): reads exactly its size, extends as asked. */
    private void load(int j, long d, int rd, int rs1) {
      int size = RvI.loadSize(d);
      address(j, d >> 52, rs1, "loadOffset", size);
      boolean unsigned = ((int) (d >>> 38) & 63) != 0;
      if (size == 1) {
        mv.visitInsn(BALOAD);
        if (unsigned) {
          iconst(0xFF);
          mv.visitInsn(IAND);
        }
        mv.visitInsn(I2L);
      } else if (size == 8) {
        view("([BI)J", false);
      } else {
        view(size == 2 ? "([BI)S" : "([BI)I", false); // sign-extended to int
        if (unsigned && size == 2) {
          iconst(0xFFFF);
          mv.visitInsn(IAND);
        }
        mv.visitInsn(I2L);
        if (unsigned && size == 4) {
          lconst(0xFFFF_FFFFL);
          mv.visitInsn(LAND);
        }
      }
      put(rd);
    }

    /** A decoded STORE: its offset is kept negated (see {@link RvI#STORE}). */
    private void store(int j, long d, int rs1, int rs2) {
      int size = RvI.storeSize(d);
      address(j, -(d >> 32), rs1, "storeOffset", size);
      get(rs2);
      if (size == 1) {
        mv.visitInsn(L2I);
        mv.visitInsn(BASTORE);
      } else if (size == 8) {
        view("([BIJ)V", true);
      } else {
        mv.visitInsn(L2I);
        if (size == 2) {
          mv.visitInsn(I2S);
        }
        view(size == 2 ? "([BIS)V" : "([BII)V", true);
      }
    }

    // ---- operand patterns

    private void immOp(int rd, int rs1, long imm, int opcode) {
      get(rs1);
      lconst(imm);
      mv.visitInsn(opcode);
      put(rd);
    }

    private void regOp(int rd, int rs1, int rs2, int opcode) {
      get(rs1);
      get(rs2);
      mv.visitInsn(opcode);
      put(rd);
    }

    private void shiftImm(int rd, int rs1, long shamt, int opcode) {
      get(rs1);
      iconst((int) shamt & 63);
      mv.visitInsn(opcode);
      put(rd);
    }

    private void shiftReg(int rd, int rs1, int rs2, int opcode) {
      get(rs1);
      get(rs2);
      mv.visitInsn(L2I);
      mv.visitInsn(opcode);
      put(rd);
    }

    /** 32-bit shift by a constant, result sign-extended. */
    private void shiftImmW(int rd, int rs1, long shamt, int opcode) {
      get(rs1);
      mv.visitInsn(L2I);
      iconst((int) shamt & 31);
      mv.visitInsn(opcode);
      mv.visitInsn(I2L);
      put(rd);
    }

    /** 32-bit operation on the low words, result sign-extended. */
    private void regOpW(int rd, int rs1, int rs2, int opcode) {
      get(rs1);
      mv.visitInsn(L2I);
      get(rs2);
      mv.visitInsn(L2I);
      mv.visitInsn(opcode);
      mv.visitInsn(I2L);
      put(rd);
    }

    private void call(int rd, int rs1, int rs2, String owner, String name) {
      get(rs1);
      get(rs2);
      mv.visitMethodInsn(INVOKESTATIC, owner, name, "(JJ)J", false);
      put(rd);
    }

    private void compareUnsigned() {
      mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
    }

    /** rd = 1 if the comparison result (-1, 0, 1) on the stack is negative, else 0. */
    private void lessThanZeroBit(int rd) {
      iconst(31);
      mv.visitInsn(IUSHR);
      mv.visitInsn(I2L);
      put(rd);
    }

    // ---- registers and constants

    private void get(int r) {
      if (r == 0) {
        mv.visitInsn(LCONST_0);
      } else {
        mv.visitVarInsn(LLOAD, reg(r));
      }
    }

    /** Pops the value into rd; for x0 (the sink) drops it. */
    private void put(int rd) {
      if (rd == Insn.X_SINK) {
        mv.visitInsn(POP2);
      } else {
        mv.visitVarInsn(LSTORE, reg(rd));
      }
    }

    private void lconst(long v) {
      if (v == 0) {
        mv.visitInsn(LCONST_0);
      } else if (v == 1) {
        mv.visitInsn(LCONST_1);
      } else if (v == (int) v && v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
        iconst((int) v);
        mv.visitInsn(I2L);
      } else {
        mv.visitLdcInsn(v);
      }
    }

    private void iconst(int v) {
      if (v >= -1 && v <= 5) {
        mv.visitInsn(ICONST_0 + v);
      } else if (v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE) {
        mv.visitIntInsn(BIPUSH, v);
      } else if (v >= Short.MIN_VALUE && v <= Short.MAX_VALUE) {
        mv.visitIntInsn(SIPUSH, v);
      } else {
        mv.visitLdcInsn(v);
      }
    }
  }
}
