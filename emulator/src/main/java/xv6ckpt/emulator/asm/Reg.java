package xv6ckpt.emulator.asm;

/**
 * Integer register numbers, by number (X0..X31) and by ABI name, for the {@link Assembler}.
 *
 * <p>Registers are plain ints so that generated programs can compute them; every assembler method
 * checks that a register is in 0..31 (and, for compressed forms, in the register class the form
 * allows) and throws {@link IllegalArgumentException} otherwise.
 */
public final class Reg {
  private Reg() {}

  public static final int X0 = 0, X1 = 1, X2 = 2, X3 = 3, X4 = 4, X5 = 5, X6 = 6, X7 = 7;
  public static final int X8 = 8, X9 = 9, X10 = 10, X11 = 11, X12 = 12, X13 = 13, X14 = 14;
  public static final int X15 = 15, X16 = 16, X17 = 17, X18 = 18, X19 = 19, X20 = 20, X21 = 21;
  public static final int X22 = 22, X23 = 23, X24 = 24, X25 = 25, X26 = 26, X27 = 27, X28 = 28;
  public static final int X29 = 29, X30 = 30, X31 = 31;
  public static final int ZERO = 0, RA = 1, SP = 2, GP = 3, TP = 4;
  public static final int T0 = 5, T1 = 6, T2 = 7;
  public static final int S0 = 8, FP = 8, S1 = 9;
  public static final int A0 = 10, A1 = 11, A2 = 12, A3 = 13, A4 = 14, A5 = 15, A6 = 16, A7 = 17;
  public static final int S2 = 18, S3 = 19, S4 = 20, S5 = 21, S6 = 22, S7 = 23, S8 = 24, S9 = 25;
  public static final int S10 = 26, S11 = 27;
  public static final int T3 = 28, T4 = 29, T5 = 30, T6 = 31;

  /** Number of integer registers. */
  public static final int COUNT = 32;

  private static final String[] ABI_NAMES = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2",
    "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
    "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7",
    "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"
  };

  /** True for x0..x31. */
  public static boolean isValid(int r) {
    return r >= 0 && r < COUNT;
  }

  /** True for x8..x15, the registers a compressed form's 3-bit field (rd', rs1', rs2') names. */
  public static boolean isCompressible(int r) {
    return r >= 8 && r <= 15;
  }

  /** The ABI name ("a0"), or "x?(n)" for a number that is not a register (for error messages). */
  public static String name(int r) {
    return isValid(r) ? ABI_NAMES[r] : "x?(" + r + ")";
  }
}
