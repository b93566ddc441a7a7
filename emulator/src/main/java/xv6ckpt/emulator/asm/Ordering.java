package xv6ckpt.emulator.asm;

/**
 * The memory-ordering bits of an A-extension instruction (aq = bit 26, rl = bit 25). The assembly
 * suffix is what GNU as writes after the mnemonic: {@code amoadd.w.aqrl}.
 */
public enum Ordering {
  NONE(false, false, ""),
  AQ(true, false, ".aq"),
  RL(false, true, ".rl"),
  AQ_RL(true, true, ".aqrl");

  private final boolean aq;
  private final boolean rl;
  private final String suffix;

  Ordering(boolean aq, boolean rl, String suffix) {
    this.aq = aq;
    this.rl = rl;
    this.suffix = suffix;
  }

  public boolean aq() {
    return aq;
  }

  public boolean rl() {
    return rl;
  }

  /** The mnemonic suffix: "", ".aq", ".rl" or ".aqrl". */
  public String suffix() {
    return suffix;
  }

  /** The aq and rl bits in their instruction positions (26 and 25). */
  int bits() {
    return (aq ? 1 << 26 : 0) | (rl ? 1 << 25 : 0);
  }
}
