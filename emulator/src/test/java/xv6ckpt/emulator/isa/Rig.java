package xv6ckpt.emulator.isa;

import static com.google.common.truth.Truth.assertWithMessage;

import xv6ckpt.emulator.Hart;
import xv6ckpt.emulator.PhysicalMemory;
import xv6ckpt.emulator.Trap;
import xv6ckpt.emulator.asm.Assembler;

/**
 * The test bench of the ISA suite: one hart in Bare mode (va == pa) over 64 KiB of RAM at {@link
 * #BASE}, running one small program assembled at BASE. Programs end in {@code ebreak}, so a
 * finished run is {@code Trap.Breakpoint} at a known pc; a program that loops by mistake ends in
 * {@code Trap.Timer} after {@link #BUDGET} instructions and fails the test instead of hanging.
 *
 * <p>Layout: code from BASE; a data area at {@link #DATA} whose page ends at {@link #PAGE_END} (so
 * accesses there cross a 4 KiB boundary); everything else zero.
 */
final class Rig {
  static final long BASE = PhysicalMemory.BASE;
  static final long DATA = BASE + 0x8000;
  static final long PAGE_END = DATA + 0x1000;
  static final int RAM = 0x1_0000;
  static final long BUDGET = 100_000;

  final PhysicalMemory mem = new PhysicalMemory(RAM);
  final Hart hart = new Hart(mem);

  /** A fresh assembler whose code will be loaded at BASE. */
  static Assembler asm() {
    return new Assembler(BASE);
  }

  /** A fresh machine with {@code a}'s bytes at BASE and pc = BASE. */
  static Rig of(Assembler a) {
    Rig r = new Rig();
    r.poke(BASE, a.assemble());
    r.hart.setSatp(0);
    r.hart.setPc(BASE);
    return r;
  }

  Rig set(int reg, long value) {
    hart.setX(reg, value);
    return this;
  }

  long x(int reg) {
    return hart.x(reg);
  }

  /** Runs from BASE. */
  Trap run() {
    return runFrom(BASE);
  }

  Trap runFrom(long pc) {
    hart.setPc(pc);
    return hart.run(BUDGET);
  }

  /** Runs from BASE and checks the program ended at the ebreak at {@code ebreakPc}. */
  Rig runTo(long ebreakPc) {
    Trap t = run();
    assertWithMessage("trap").that(t).isEqualTo(new Trap.Breakpoint(ebreakPc));
    return this;
  }

  void poke(long pa, byte[] bytes) {
    mem.write(pa, bytes, 0, bytes.length);
  }

  byte[] peek(long pa, int length) {
    byte[] b = new byte[length];
    mem.read(pa, b, 0, length);
    return b;
  }

  long peek64(long pa) {
    return mem.read64(pa);
  }

  void poke64(long pa, long value) {
    mem.write64(pa, value);
  }

  /** The low {@code size} bytes of {@code value}, little-endian. */
  static byte[] le(long value, int size) {
    byte[] b = new byte[size];
    for (int k = 0; k < size; k++) {
      b[k] = (byte) (value >>> (8 * k));
    }
    return b;
  }

  /** The 32-bit little-endian word at {@code at}. */
  static int word(byte[] code, int at) {
    return (code[at] & 0xFF)
        | (code[at + 1] & 0xFF) << 8
        | (code[at + 2] & 0xFF) << 16
        | (code[at + 3] & 0xFF) << 24;
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
