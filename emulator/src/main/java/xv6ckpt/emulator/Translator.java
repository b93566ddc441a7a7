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
 *   <li>Translated: RV64I ALU, LUI/AUIPC, loads and stores (TLB-hit path only), branches, JAL, JALR
 *       (which leaves the region), FENCE, the M extension. Everything else (atomics, ecall/ebreak,
 *       illegal encodings, fence.i, counter reads, a 32-bit instruction crossing the page end) ends
 *       the translated code before it, for the interpreter to run.
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

  /** Translates the region entered at slot {@code entry}; {@link Translation#NONE} if empty. */
  static Translation translate(DecodedPage page, int entry) {
    if (!translatable(Insn.op(page.code[entry]))) {
      return Translation.NONE;
    }
    for (int limit = MAX_INSNS; limit >= 1; limit /= 2) {
      Region region = Region.form(page, entry, limit);
      if (region.blocks().isEmpty()) {
        return Translation.NONE; // not in a loop (within the limit)
      }
      byte[] cls = new Emitter(page, region).emit();
      if (cls != null) {
        Translation t = define(cls);
        t.entries = region.blocks().stream().mapToInt(Block::start).toArray();
        return t;
      }
    }
    return Translation.NONE;
  }

  /** Whether the translated code runs this operation itself (else it exits before it). */
  static boolean translatable(int op) {
    return (op >= RvI.LUI && op <= RvI.FENCE) || (op >= RvM.MUL && op <= RvM.REMUW);
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

  /** One basic block of a region: its instruction slots and how it ends. */
  private record Block(int start, int[] slots, boolean terminated) {
    /** The slot after the last translated instruction (where an unterminated block exits). */
    int next(long[] code) {
      int last = slots[slots.length - 1];
      return last + Insn.halfwords(code[last]);
    }
  }

  /** The blocks of a region, entry first, and which slots start one of them. */
  private record Region(List<Block> blocks, boolean[] member) {
    static Region form(DecodedPage page, int entry, int limit) {
      long[] code = page.code;
      List<Block> blocks = new ArrayList<>();
      boolean[] member = new boolean[DecodedPage.SLOTS];
      ArrayDeque<Integer> work = new ArrayDeque<>();
      work.add(entry);
      member[entry] = true;
      int insns = 0;
      while (!work.isEmpty()) {
        int s = work.poll();
        Block b = walk(code, s, Math.max(1, limit - insns));
        blocks.add(b);
        insns += b.slots().length;
        if (insns >= limit) {
          break; // queued blocks stay members only if already formed: unmark the rest
        }
        for (int t : successors(code, b)) {
          if (!member[t]) {
            member[t] = true;
            work.add(t);
          }
        }
      }
      for (int s : work) {
        member[s] = false;
      }
      return loops(code, blocks, member);
    }

    /**
     * Keeps the blocks that lie on a cycle through the entry (the loop nest around the hot slot);
     * none if the entry is on no cycle. Straight-line code between loops is left to the
     * interpreter: entering and leaving a translation costs more than it would save there, and
     * every extra path is extra work for HotSpot's compiler on every new machine.
     */
    private static Region loops(long[] code, List<Block> blocks, boolean[] member) {
      int entry = blocks.get(0).start();
      boolean[] reaches = new boolean[DecodedPage.SLOTS]; // reaches the entry through members
      for (boolean changed = true; changed; ) {
        changed = false;
        for (Block b : blocks) {
          if (reaches[b.start()]) {
            continue;
          }
          for (int t : successors(code, b)) {
            if (member[t] && (t == entry || reaches[t])) {
              reaches[b.start()] = true;
              changed = true;
              break;
            }
          }
        }
      }
      List<Block> kept = new ArrayList<>();
      boolean[] keptMember = new boolean[DecodedPage.SLOTS];
      if (reaches[entry]) {
        for (Block b : blocks) {
          if (reaches[b.start()]) {
            kept.add(b);
            keptMember[b.start()] = true;
          }
        }
      }
      return new Region(kept, keptMember);
    }

    /**
     * The translatable instructions from slot s on, up to the block's end (kept) or the first
     * instruction that is not translated (not kept), at most {@code max} of them.
     */
    private static Block walk(long[] code, int s, int max) {
      List<Integer> slots = new ArrayList<>();
      int j = s;
      while (slots.size() < max) {
        int op = Insn.op(code[j]);
        if (!translatable(op)) {
          break;
        }
        slots.add(j);
        if (DecodedPage.endsBlock(op)) {
          return new Block(s, slots.stream().mapToInt(Integer::intValue).toArray(), true);
        }
        j += Insn.halfwords(code[j]);
      }
      return new Block(s, slots.stream().mapToInt(Integer::intValue).toArray(), false);
    }

    /** In-page block starts a terminated block may continue at, whose first op translates. */
    private static List<Integer> successors(long[] code, Block b) {
      List<Integer> next = new ArrayList<>();
      if (!b.terminated()) {
        return next;
      }
      int j = b.slots()[b.slots().length - 1];
      long d = code[j];
      int op = Insn.op(d);
      if (isBranch(op)) {
        next.add(j + Insn.halfwords(d));
      }
      if (isBranch(op) || op == RvI.JAL) {
        next.add(j + (Insn.imm(d) >> 1));
      }
      if (op == RvI.JAL && Insn.rd(d) != Insn.X_SINK) {
        next.add(j + Insn.halfwords(d)); // a call: its return lands here
      }
      next.removeIf(t -> t < 0 || t >= DecodedPage.SLOTS || !translatable(Insn.op(code[t])));
      return next;
    }
  }

  // ---------------------------------------------------------------- bytecode

  /**
   * Writes the class for one region. Locals of {@code run}: the parameters (this, h, x, ram, tlb,
   * pageVa, left, entry; entry is also the slot a JALR dispatches on), then idx (the exit's return
   * value), va, e and off (scratch of one access), then x1..x31 as longs. x0 has no local: it reads
   * as the constant 0, and writes to it (rd = {@link Insn#X_SINK}) are dropped after the value is
   * computed.
   */
  private static final class Emitter {
    private static final int H = 1, X = 2, RAM = 3, TLB = 4, PAGE_VA = 5, LEFT = 7, ENTRY = 9;
    private static final int IDX = 10, VA = 11, E = 13, OFF = 14;

    /** Local of x1 is at REG0 + 2; x0 has none. */
    private static final int REG0 = 14;

    private final long[] code;
    private final int[] blen;
    private final Region region;
    private final Label[] blockLabel = new Label[DecodedPage.SLOTS];
    private final Label tail = new Label();

    /** Where a JALR inside the page dispatches; null until one needs it. */
    private Label jalrDispatch;

    /** Out-of-line exits, emitted after the body, one per distinct (slot, give-back). */
    private final Map<Long, Label> stubs = new HashMap<>();

    private final List<Runnable> stubCode = new ArrayList<>();
    private MethodVisitor mv;

    Emitter(DecodedPage page, Region region) {
      this.code = page.code;
      this.blen = page.blen;
      this.region = region;
      for (Block b : region.blocks()) {
        blockLabel[b.start()] = new Label();
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
      // Enter at the block asked for; any other slot runs nothing and interprets.
      Label notEntry = new Label();
      dispatch(notEntry);
      mv.visitLabel(notEntry);
      mv.visitVarInsn(ILOAD, ENTRY);
      mv.visitVarInsn(ISTORE, IDX);
      mv.visitJumpInsn(GOTO, tail);
      for (Block b : region.blocks()) {
        block(b);
      }
      if (jalrDispatch != null) {
        // A JALR to this page, at slot ENTRY: a block of the region, or leave for it.
        mv.visitLabel(jalrDispatch);
        Label elsewhere = new Label();
        dispatch(elsewhere);
        mv.visitLabel(elsewhere);
        mv.visitVarInsn(ALOAD, H);
        mv.visitVarInsn(LLOAD, PAGE_VA);
        mv.visitVarInsn(ILOAD, ENTRY);
        mv.visitInsn(ICONST_1);
        mv.visitInsn(ISHL);
        mv.visitInsn(I2L);
        mv.visitInsn(LADD);
        mv.visitFieldInsn(PUTFIELD, HART, "exitPc", "J");
        jumpExit();
      }
      for (Runnable stub : stubCode) {
        stub.run();
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

    /** Jumps to the block whose start slot is in ENTRY, else to {@code otherwise}. */
    private void dispatch(Label otherwise) {
      int[] keys = region.blocks().stream().mapToInt(Block::start).sorted().toArray();
      Label[] labels = new Label[keys.length];
      for (int k = 0; k < keys.length; k++) {
        labels[k] = blockLabel[keys[k]];
      }
      mv.visitVarInsn(ILOAD, ENTRY);
      mv.visitLookupSwitchInsn(otherwise, keys, labels);
    }

    /** Registers the region reads or writes (all must be in locals) and those it writes. */
    private void registers(boolean[] used, boolean[] written) {
      for (Block b : region.blocks()) {
        for (int j : b.slots()) {
          long d = code[j];
          used[Insn.rs1(d)] = true;
          used[Insn.rs2(d)] = true;
          used[Insn.rd(d)] = true;
          written[Insn.rd(d)] = true;
        }
      }
    }

    private static int reg(int r) {
      return REG0 + 2 * r;
    }

    // ---- one block

    private void block(Block b) {
      int s = b.start();
      mv.visitLabel(blockLabel[s]);
      // Charge the whole block, or leave before it (nothing charged) if it does not fit.
      long n = blen[s];
      mv.visitVarInsn(LLOAD, LEFT);
      lconst(n);
      mv.visitInsn(LCMP);
      mv.visitJumpInsn(IFLT, exitAt(s, 0));
      mv.visitVarInsn(LLOAD, LEFT);
      lconst(n);
      mv.visitInsn(LSUB);
      mv.visitVarInsn(LSTORE, LEFT);
      for (int j : b.slots()) {
        insn(j, code[j]);
      }
      if (!b.terminated()) {
        int j = b.next(code);
        if (Insn.op(code[j]) == Decoder.PAGE_EXIT) {
          exitJumpInline(2L * j); // ran off the page end: blen[j] is 0
        } else {
          mv.visitJumpInsn(GOTO, exitAt(j, blen[j])); // give back the block's unrun rest
        }
      }
    }

    /** Label of an exit to the interpreter at slot j, giving back {@code giveBack}. */
    private Label exitAt(int j, int giveBack) {
      return stubs.computeIfAbsent(
          (long) giveBack << 32 | j,
          k -> {
            Label l = new Label();
            stubCode.add(
                () -> {
                  mv.visitLabel(l);
                  if (giveBack != 0) {
                    mv.visitVarInsn(LLOAD, LEFT);
                    lconst(giveBack);
                    mv.visitInsn(LADD);
                    mv.visitVarInsn(LSTORE, LEFT);
                  }
                  iconst(j);
                  mv.visitVarInsn(ISTORE, IDX);
                  mv.visitJumpInsn(GOTO, tail);
                });
            return l;
          });
    }

    /** Label of an exit to pc = pageVa + {@code off} (a block boundary: nothing to give back). */
    private Label exitJump(long off) {
      return stubs.computeIfAbsent(
          off << 1 | 1L << 63, // keys of exitAt have bit 63 clear
          k -> {
            Label l = new Label();
            stubCode.add(
                () -> {
                  mv.visitLabel(l);
                  exitJumpInline(off);
                });
            return l;
          });
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

    /** Where control goes to continue at slot t: its block's label, or an exit. */
    private Label target(int t) {
      if (t >= 0 && t < DecodedPage.SLOTS && region.member()[t]) {
        return blockLabel[t];
      }
      return exitJump(2L * t);
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

    /** Goes to the target in VA: through the dispatch if it is in this page, else leaves. */
    private void jalr() {
      if (jalrDispatch == null) {
        jalrDispatch = new Label();
      }
      Label away = new Label();
      mv.visitVarInsn(LLOAD, VA);
      mv.visitVarInsn(LLOAD, PAGE_VA);
      mv.visitInsn(LSUB);
      mv.visitInsn(DUP2);
      iconst(12);
      mv.visitInsn(LUSHR);
      mv.visitInsn(LCONST_0);
      mv.visitInsn(LCMP);
      mv.visitJumpInsn(IFNE, away);
      mv.visitInsn(L2I);
      iconst(1);
      mv.visitInsn(IUSHR);
      mv.visitVarInsn(ISTORE, ENTRY);
      mv.visitJumpInsn(GOTO, jalrDispatch);
      mv.visitLabel(away);
      mv.visitInsn(POP2);
      mv.visitVarInsn(ALOAD, H);
      mv.visitVarInsn(LLOAD, VA);
      mv.visitFieldInsn(PUTFIELD, HART, "exitPc", "J");
      jumpExit();
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

    private static final String RECORDER = "xv6ckpt/emulator/cov/EdgeRecorder";

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

    /** {@code if (h.coverage != null) h.coverage.transfer(target)}; pushTarget emits the long. */
    private void recordTransfer(Runnable pushTarget) {
      Label done = new Label();
      Label none = new Label();
      mv.visitVarInsn(ALOAD, H);
      mv.visitFieldInsn(GETFIELD, HART, "coverage", "L" + RECORDER + ";");
      mv.visitInsn(DUP);
      mv.visitJumpInsn(IFNULL, none);
      pushTarget.run();
      mv.visitMethodInsn(INVOKEVIRTUAL, RECORDER, "transfer", "(J)V", false);
      mv.visitJumpInsn(GOTO, done);
      mv.visitLabel(none);
      mv.visitInsn(POP);
      mv.visitLabel(done);
    }

    /**
     * Computes va and the TLB entry of a {@code size}-byte access; leaves for the interpreter at
     * slot j on a miss or if the access would cross the page end; else leaves the RAM offset on the
     * stack. The page-end test is the access's own, not the interpreter's (which reads 8 bytes and
     * so leaves in the last 7 of any size): a loop sweeping an array of words or bytes then stays
     * here at every page's end, where it used to leave once per page per sweep (bench_sort 49k and
     * bench_crc 38k exits per run).
     */
    private void address(int j, long offset, int rs1, int tag, int base, int size) {
      Label miss = exitAt(j, blen[j]);
      get(rs1);
      lconst(offset);
      mv.visitInsn(LADD);
      mv.visitVarInsn(LSTORE, VA);
      mv.visitVarInsn(LLOAD, VA);
      iconst(12);
      mv.visitInsn(LUSHR);
      mv.visitInsn(L2I);
      iconst(Tlb.MASK);
      mv.visitInsn(IAND);
      iconst(2);
      mv.visitInsn(ISHL);
      mv.visitVarInsn(ISTORE, E);
      mv.visitVarInsn(ALOAD, TLB);
      mv.visitVarInsn(ILOAD, E);
      if (tag != 0) {
        iconst(tag);
        mv.visitInsn(IADD);
      }
      mv.visitInsn(LALOAD);
      mv.visitVarInsn(LLOAD, VA);
      iconst(12);
      mv.visitInsn(LUSHR);
      mv.visitInsn(LCMP);
      mv.visitJumpInsn(IFNE, miss);
      mv.visitVarInsn(LLOAD, VA);
      mv.visitInsn(L2I);
      iconst(0xFFF);
      mv.visitInsn(IAND);
      mv.visitVarInsn(ISTORE, OFF);
      if (size > 1) { // a byte never crosses
        mv.visitVarInsn(ILOAD, OFF);
        iconst(PhysicalMemory.PGSIZE - size);
        mv.visitJumpInsn(IF_ICMPGT, miss);
      }
      mv.visitVarInsn(ALOAD, RAM);
      mv.visitVarInsn(ALOAD, TLB);
      mv.visitVarInsn(ILOAD, E);
      iconst(base);
      mv.visitInsn(IADD);
      mv.visitInsn(LALOAD);
      mv.visitInsn(L2I);
      mv.visitVarInsn(ILOAD, OFF);
      mv.visitInsn(IADD);
    }

    /** A decoded LOAD (layout in {@link RvI#LOAD}): reads exactly its size, extends as asked. */
    private void load(int j, long d, int rd, int rs1) {
      int size = RvI.loadSize(d);
      address(j, d >> 52, rs1, Tlb.LOAD_TAG, Tlb.LOAD_BASE, size);
      boolean unsigned = ((int) (d >>> 38) & 63) != 0;
      if (size == 1) {
        mv.visitInsn(BALOAD);
        if (unsigned) {
          iconst(0xFF);
          mv.visitInsn(IAND);
        }
        mv.visitInsn(I2L);
      } else {
        String name = size == 2 ? "lh" : size == 4 ? "lw" : "ld";
        if (unsigned) {
          name += "u";
        }
        mv.visitMethodInsn(INVOKESTATIC, SUPER, name, "([BI)J", false);
      }
      put(rd);
    }

    /** A decoded STORE: its offset is kept negated (see {@link RvI#STORE}). */
    private void store(int j, long d, int rs1, int rs2) {
      int size = RvI.storeSize(d);
      address(j, -(d >> 32), rs1, Tlb.STORE_TAG, Tlb.STORE_BASE, size);
      get(rs2);
      if (size == 1) {
        mv.visitInsn(L2I);
        mv.visitInsn(BASTORE);
      } else {
        String name = size == 2 ? "sh" : size == 4 ? "sw" : "sd";
        mv.visitMethodInsn(INVOKESTATIC, SUPER, name, "([BIJ)V", false);
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
