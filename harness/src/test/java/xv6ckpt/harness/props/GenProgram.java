package xv6ckpt.harness.props;

import static xv6ckpt.emulator.asm.Reg.A0;
import static xv6ckpt.emulator.asm.Reg.A1;
import static xv6ckpt.emulator.asm.Reg.A2;
import static xv6ckpt.emulator.asm.Reg.A7;
import static xv6ckpt.emulator.asm.Reg.S0;
import static xv6ckpt.emulator.asm.Reg.S1;
import static xv6ckpt.emulator.asm.Reg.S2;
import static xv6ckpt.emulator.asm.Reg.T0;
import static xv6ckpt.testkit.UserProgram.PAGED_BSS;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import xv6ckpt.emulator.asm.Assembler;
import xv6ckpt.emulator.asm.Reg;
import xv6ckpt.specs.Xv6;
import xv6ckpt.testkit.UserProgram;
import xv6ckpt.testkit.Xv6Abi;

/**
 * Generated user programs for the transparency law: a list of operations (ALU mixes, loads and
 * stores across the four bss pages and an sbrk'd heap, sbrk, counted loops, getpid, console
 * writes), then a console read that blocks (the harness looks at the process there), then exit with
 * s2's low 7 bits. Registers: the operations use s2..s11 and t3..t5; s0 counts loops, s1 holds the
 * heap's base, t0 and t1 are address scratch.
 *
 * <p>Output uses only the letters of {@link #WORDS}, never '@', which the harness uses as the mark
 * of the moment of capture.
 */
final class GenProgram {
  private GenProgram() {}

  static final int[] POOL = {
    Reg.S2, Reg.S3, Reg.S4, Reg.S5, Reg.S6, Reg.S7, Reg.S8, Reg.S9, Reg.S10, Reg.S11, Reg.T3,
    Reg.T4, Reg.T5
  };

  /** Doublewords of bss a generated store may address. */
  private static final int BSS_WORDS = (int) PAGED_BSS.bssBytes() / 8;

  static final List<String> WORDS = List.of("a", "bc", "def\n");

  /** One operation; shrinking removes whole operations. */
  sealed interface Op permits Alu, Imm, Li, Mem, Sbrk, Loop, GetPid, Print {}

  /** rd = rs1 (kind) rs2 for kind in add sub xor or and sll srl sra mul mulh divu remw. */
  record Alu(int kind, int rd, int rs1, int rs2) implements Op {}

  /** rd = rs1 (kind) imm for kind in addi xori ori andi slli srai addiw. */
  record Imm(int kind, int rd, int rs1, int imm) implements Op {}

  record Li(int rd, long value) implements Op {}

  /** A doubleword store (or load) at a byte offset of bss, or of the heap when there is one. */
  record Mem(boolean store, boolean heap, int offset, int reg) implements Op {}

  record Sbrk(int pages) implements Op {}

  record Loop(int count, List<Alu> body) implements Op {}

  record GetPid() implements Op {}

  record Print(int word) implements Op {}

  static Arbitrary<Op> ops() {
    Arbitrary<Integer> r = Arbitraries.integers().between(0, POOL.length - 1);
    Arbitrary<Alu> alu =
        Combinators.combine(Arbitraries.integers().between(0, 11), r, r, r).as(Alu::new);
    return Arbitraries.frequencyOf(
        Tuple.of(6, alu),
        Tuple.of(
            4,
            Combinators.combine(
                    Arbitraries.integers().between(0, 6),
                    r,
                    r,
                    Arbitraries.integers().between(-2048, 2047))
                .as(Imm::new)),
        Tuple.of(3, Combinators.combine(r, Arbitraries.longs()).as(Li::new)),
        Tuple.of(
            5,
            Combinators.combine(
                    Arbitraries.of(true, false),
                    Arbitraries.of(true, false),
                    Arbitraries.integers().between(0, BSS_WORDS - 1).map(w -> 8 * w),
                    r)
                .as(Mem::new)),
        Tuple.of(2, Arbitraries.integers().between(1, 3).map(Sbrk::new)),
        // weight 3: at 1 a seed could leave loops in under a tenth of the programs, short
        // of the transparency properties' coverage check
        Tuple.of(
            3,
            Combinators.combine(
                    Arbitraries.integers().between(1, 40), alu.list().ofMinSize(1).ofMaxSize(4))
                .as(Loop::new)),
        Tuple.of(1, Arbitraries.just(new GetPid())),
        Tuple.of(2, Arbitraries.integers().between(0, WORDS.size() - 1).map(Print::new)));
  }

  /** Where the self-checkpoint sits: before operation {@code at}; -1 for none. */
  record Checkpoint(int at, boolean real) {}

  /** The label of the checkpoint's ecall (or of the instruction standing in for it). */
  static final String CKPT_CALL = "ckptcall";

  /**
   * The program. With a checkpoint: before operation at, checkpoint(0, "/img") (real) or the same
   * instructions with the ecall replaced by {@code li a0, 1}, what the restored process sees;
   * either way a0 == 0 (only the real original) prints "@" and exits 0.
   */
  /** A built program and the address of its checkpoint call (-1 without one). */
  record Built(byte[] elf, long ckptCall) {}

  static Built build(List<Op> ops, Checkpoint ck) {
    UserProgram p = new UserProgram(PAGED_BSS).str("path", "/img").str("mark", "@");
    for (int i = 0; i < WORDS.size(); i++) {
      p.str("w" + i, WORDS.get(i));
    }
    p.a.li(S1, 0);
    int heapPages = 0;
    for (int i = 0; i <= ops.size(); i++) {
      if (ck != null && ck.at() == i) {
        checkpoint(p, ck.real());
      }
      if (i < ops.size()) {
        heapPages += emit(p, ops.get(i), heapPages);
      }
    }
    p.a.li(A0, 0).la(A1, "bss").addi(A1, A1, 2047).li(A2, 1);
    p.sys(Xv6Abi.SYS_read);
    p.a.andi(A0, S2, 127);
    p.sys(Xv6Abi.SYS_exit);
    byte[] elf = p.elf();
    return new Built(elf, p.a.hasLabel(CKPT_CALL) ? p.a.address(CKPT_CALL) : -1);
  }

  private static void checkpoint(UserProgram p, boolean real) {
    String resumed = p.fresh();
    p.a.li(A0, 0).la(A1, "path").li(A7, Xv6Abi.SYS_checkpoint).label(CKPT_CALL);
    if (real) {
      p.a.ecall();
    } else {
      p.a.li(A0, 1); // one 4-byte instruction, like the ecall: the layouts stay equal
    }
    p.a.bnez(A0, resumed);
    p.print("mark");
    p.exit(0);
    p.a.label(resumed);
  }

  /** Emits op; returns the heap pages it added. */
  private static int emit(UserProgram p, Op op, int heapPages) {
    Assembler a = p.a;
    if (op instanceof Alu) {
      alu(a, (Alu) op);
    } else if (op instanceof Imm) {
      Imm o = (Imm) op;
      int rd = POOL[o.rd()];
      int rs = POOL[o.rs1()];
      switch (o.kind()) {
        case 0:
          a.addi(rd, rs, o.imm());
          break;
        case 1:
          a.xori(rd, rs, o.imm());
          break;
        case 2:
          a.ori(rd, rs, o.imm());
          break;
        case 3:
          a.andi(rd, rs, o.imm());
          break;
        case 4:
          a.slli(rd, rs, o.imm() & 63);
          break;
        case 5:
          a.srai(rd, rs, o.imm() & 63);
          break;
        default:
          a.addiw(rd, rs, o.imm());
          break;
      }
    } else if (op instanceof Li) {
      a.li(POOL[((Li) op).rd()], ((Li) op).value());
    } else if (op instanceof Mem) {
      mem(a, (Mem) op, heapPages);
    } else if (op instanceof Sbrk) {
      int n = ((Sbrk) op).pages();
      a.li(A0, (long) n * Xv6.PGSIZE).li(A1, 0);
      p.sys(Xv6Abi.SYS_sbrk);
      if (heapPages == 0) {
        a.mv(S1, A0);
      }
      return n;
    } else if (op instanceof Loop) {
      Loop l = (Loop) op;
      String top = p.fresh();
      a.li(S0, l.count()).label(top);
      for (Alu x : l.body()) {
        alu(a, x);
      }
      a.addi(S0, S0, -1).bnez(S0, top);
    } else if (op instanceof GetPid) {
      p.sys(Xv6Abi.SYS_getpid);
    } else {
      p.print("w" + ((Print) op).word());
    }
    return 0;
  }

  private static void alu(Assembler a, Alu o) {
    int rd = POOL[o.rd()];
    int x = POOL[o.rs1()];
    int y = POOL[o.rs2()];
    switch (o.kind()) {
      case 0:
        a.add(rd, x, y);
        break;
      case 1:
        a.sub(rd, x, y);
        break;
      case 2:
        a.xor(rd, x, y);
        break;
      case 3:
        a.or(rd, x, y);
        break;
      case 4:
        a.and(rd, x, y);
        break;
      case 5:
        a.sll(rd, x, y);
        break;
      case 6:
        a.srl(rd, x, y);
        break;
      case 7:
        a.sra(rd, x, y);
        break;
      case 8:
        a.mul(rd, x, y);
        break;
      case 9:
        a.mulh(rd, x, y);
        break;
      case 10:
        a.divu(rd, x, y);
        break;
      default:
        a.remw(rd, x, y);
        break;
    }
  }

  private static void mem(Assembler a, Mem m, int heapPages) {
    if (m.heap() && heapPages > 0) {
      a.li(T0, m.offset() % ((long) heapPages * Xv6.PGSIZE)).add(T0, T0, S1);
    } else {
      a.la(T0, "bss").li(Reg.T1, m.offset()).add(T0, T0, Reg.T1);
    }
    if (m.store()) {
      a.sd(POOL[m.reg()], 0, T0);
    } else {
      a.ld(POOL[m.reg()], 0, T0);
    }
  }
}
