package xv6ckpt.emulator.asm;

/**
 * CSR numbers user mode may read on this machine (Zicntr), named as the privileged spec names them.
 * The assembler accepts any 12-bit CSR number; these are the ones the hart implements.
 */
public final class Csr {
  private Csr() {}

  /** Cycle counter, read-only ({@code rdcycle}). */
  public static final int CYCLE = 0xC00;

  /** Real-time counter, read-only ({@code rdtime}). */
  public static final int TIME = 0xC01;

  /** Instructions-retired counter, read-only ({@code rdinstret}). */
  public static final int INSTRET = 0xC02;
}
