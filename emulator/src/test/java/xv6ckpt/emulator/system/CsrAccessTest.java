package xv6ckpt.emulator.system;

import static com.google.common.truth.Truth.assertWithMessage;
import static xv6ckpt.emulator.asm.Reg.*;
import static xv6ckpt.emulator.system.Csrs.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.asm.Assembler;

/**
 * Who may execute which privileged instruction: each case runs one instruction in one mode on a
 * fresh machine and checks that it retired or raised an illegal-instruction trap (to M, with the
 * instruction's bits in mtval), never a Java exception.
 */
class CsrAccessTest {

  static final int MRET = 0x30200073, SRET = 0x10200073, WFI = 0x10500073;
  static final int SFENCE_VMA = 0x12000073;

  enum Outcome {
    RETIRED,
    ILLEGAL,
    WAITING
  }

  record Case(String name, int priv, int bits, Consumer<Csrs> setup, Outcome want) {}

  static int word(UnaryOperator<Assembler> emit) {
    byte[] b = emit.apply(new Assembler(0)).assemble();
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
  }

  static Consumer<Csrs> none() {
    return c -> {};
  }

  static final int U = Hart.PRIV_U, S = Hart.PRIV_S, M = Hart.PRIV_M;
  static final Outcome RETIRED = Outcome.RETIRED, ILLEGAL = Outcome.ILLEGAL;

  static List<Case> cases() {
    int rdMstatus = word(a -> a.csrr(A0, MSTATUS));
    int rdSstatus = word(a -> a.csrr(A0, SSTATUS));
    int rdTime = word(a -> a.rdtime(A0));
    int rdStimecmp = word(a -> a.csrr(A0, STIMECMP));
    return List.of(
        new Case("U reads mstatus", U, rdMstatus, none(), ILLEGAL),
        new Case("U reads sstatus", U, rdSstatus, none(), ILLEGAL),
        new Case("S reads mstatus", S, rdMstatus, none(), ILLEGAL),
        new Case("S reads sstatus", S, rdSstatus, none(), RETIRED),
        new Case("M reads sstatus", M, rdSstatus, none(), RETIRED),
        new Case("M writes mhartid", M, word(a -> a.csrw(MHARTID, A0)), none(), ILLEGAL),
        new Case("M reads mhartid", M, word(a -> a.csrr(A0, MHARTID)), none(), RETIRED),
        new Case("M csrrsi mhartid, 0", M, word(a -> a.csrrsi(A0, MHARTID, 0)), none(), RETIRED),
        new Case("M csrrsi mhartid, 1", M, word(a -> a.csrrsi(A0, MHARTID, 1)), none(), ILLEGAL),
        new Case("M reads unknown 0x7c0", M, word(a -> a.csrr(A0, 0x7C0)), none(), ILLEGAL),
        new Case("M reads pmpaddr16", M, word(a -> a.csrr(A0, 0x3C0)), none(), ILLEGAL),
        new Case("M writes pmpaddr0", M, word(a -> a.csrw(PMPADDR0, A0)), none(), RETIRED),
        new Case("S writes cycle", S, word(a -> a.csrw(CYCLE, A0)), none(), ILLEGAL),
        new Case("U rdtime, no enables", U, rdTime, none(), ILLEGAL),
        new Case("U rdtime, mcounteren only", U, rdTime, c -> c.mcounteren = 2, ILLEGAL),
        new Case(
            "U rdtime, both enables",
            U,
            rdTime,
            c -> {
              c.mcounteren = 2;
              c.scounteren = 2;
            },
            RETIRED),
        new Case("S rdtime, mcounteren", S, rdTime, c -> c.mcounteren = 2, RETIRED),
        new Case("S rdtime, no enables", S, rdTime, none(), ILLEGAL),
        new Case("M rdtime", M, rdTime, none(), RETIRED),
        new Case("S stimecmp without STCE", S, rdStimecmp, c -> c.mcounteren = 2, ILLEGAL),
        new Case(
            "S stimecmp with STCE, TM",
            S,
            rdStimecmp,
            c -> {
              c.menvcfg = MENVCFG_STCE;
              c.mcounteren = 2;
            },
            RETIRED),
        new Case(
            "S stimecmp with STCE, no TM", S, rdStimecmp, c -> c.menvcfg = MENVCFG_STCE, ILLEGAL),
        new Case("S writes satp", S, word(a -> a.csrw(SATP, ZERO)), none(), RETIRED),
        new Case(
            "S writes satp under TVM",
            S,
            word(a -> a.csrw(SATP, ZERO)),
            c -> c.mstatus |= MSTATUS_TVM,
            ILLEGAL),
        new Case("S sfence.vma", S, SFENCE_VMA, none(), RETIRED),
        new Case("S sfence.vma under TVM", S, SFENCE_VMA, c -> c.mstatus |= MSTATUS_TVM, ILLEGAL),
        new Case("U sfence.vma", U, SFENCE_VMA, none(), ILLEGAL),
        new Case("S mret", S, MRET, none(), ILLEGAL),
        new Case("U mret", U, MRET, none(), ILLEGAL),
        new Case("U sret", U, SRET, none(), ILLEGAL),
        new Case("S sret under TSR", S, SRET, c -> c.mstatus |= MSTATUS_TSR, ILLEGAL),
        new Case("U wfi", U, WFI, none(), ILLEGAL),
        new Case("S wfi", S, WFI, none(), Outcome.WAITING),
        new Case("S wfi under TW", S, WFI, c -> c.mstatus |= MSTATUS_TW, ILLEGAL),
        new Case("M wfi under TW", M, WFI, c -> c.mstatus |= MSTATUS_TW, Outcome.WAITING),
        new Case("U uret (no N extension)", U, 0x00200073, none(), ILLEGAL),
        new Case("M csrrw with funct3 4", M, 0x30004073, none(), ILLEGAL));
  }

  /**
   * Runs {@code bits} at CODE in mode {@code priv}, then an ecall; the M handler keeps the first
   * trap's mcause and mtval. An instruction that retired is followed by the ecall's trap.
   */
  @Test
  void eachModeMayExecuteExactlyWhatTheSpecAllows() {
    for (Case c : cases()) {
      Assembler a = new Assembler(Rig.CODE);
      a.raw32(c.bits()).ecall();
      a.align(256).label("mtrap");
      a.li(S0, Rig.DATA).csrr(T2, MCAUSE).sd(T2, 0, S0).csrr(T2, MTVAL).sd(T2, 8, S0);
      TrapTest.halt(a);
      Rig r = new Rig(1).load(a);
      r.h0().csrs.mtvec = a.address("mtrap");
      r.h0().csrs.mstatus = (r.h0().csrs.mstatus & ~MSTATUS_MPP) | (long) M << MSTATUS_MPP_SHIFT;
      c.setup().accept(r.h0().csrs);
      r.h0().hart().setPrivilege(c.priv(), false, false);
      r.m.memory().write64(Rig.DATA, -1L);

      r.m.run(1_000);

      long cause = r.data(0);
      Outcome got =
          r.h0().waiting() && cause == -1
              ? Outcome.WAITING
              : cause == CAUSE_ILLEGAL ? Outcome.ILLEGAL : Outcome.RETIRED;
      assertWithMessage(c.name()).that(got).isEqualTo(c.want());
      if (got == Outcome.ILLEGAL) {
        assertWithMessage(c.name() + ": mtval").that(r.data(1)).isEqualTo(c.bits() & 0xFFFFFFFFL);
      } else if (got == Outcome.RETIRED) {
        assertWithMessage(c.name() + ": the ecall after it").that(cause).isEqualTo(8L + c.priv());
      }
    }
  }
}
